//! The integration test binary: one binary (so the workspace links once), one module per area.
//! Each module opens with what it shows.

mod cli;
mod common;
mod digests;
mod failover;
mod fd;
mod fuzz;
mod gossip;
mod hashing;
mod junit_reader;
mod kernel;
mod kv;
mod lb;
mod lock;
mod outputs;
mod paxos;
mod replay;
mod shrink;
mod twopc;
