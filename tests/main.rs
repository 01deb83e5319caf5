//! The integration test binary: one binary (so the workspace links once), one module per area.
//! Each module opens with what it shows.

mod check_history;
mod cli;
mod common;
mod digests;
mod docs;
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
mod multipaxos;
mod outputs;
mod paxos;
mod pictures;
mod raft;
mod replay;
mod shrink;
mod twopc;
