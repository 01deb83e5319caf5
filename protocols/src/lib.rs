//! `protocols`: simlab's protocols as sans-IO actors over the `sim` kernel.
//!
//! Code map (one module per protocol: actors, `invariants` (checkers), `Bug` switches,
//! `Params` (the scenario table), and the metrics it reports):
//! - [`gossip`]: the example protocol (broadcast + anti-entropy) used by kernel tests.
//! - [`twopc`]: two-phase commit.
//! - [`paxos`]: single-decree Paxos.
//! - [`lb`]: load balancing in front of queueing servers; balls into bins.
//! - [`ch`]: consistent hashing algorithms (library code) and their analyses.
//! - [`kv`]: a key-value cluster routed by consistent hashing.
//! - [`lock`]: lease-based locks with fencing tokens, Redlock.
//! - [`fd`]: heartbeat failure detectors.
//! - [`failover`]: primary-backup replication with failover and leases.
//! - [`raft`]: Raft consensus with a replicated key-value store and its clients.
//! - [`multipaxos`]: Multi-Paxos with a stable leader, a slot log, a replicated key-value
//!   store and its clients.
//! - [`kvclient`]: the key-value client Raft and Multi-Paxos share (workload, redirects,
//!   retries with request ids), plugged into a protocol's actor through `KvHost`.
//! - [`linearizability`]: the linearizability checker for register, compare-and-set register
//!   and key-value histories (any protocol's clients, or histories recorded elsewhere).
//! - [`plugin`]: the [`plugin::Protocol`] trait every protocol here (and a user's own)
//!   implements in its `plugin.rs`, and the scenario format it reads.
//! - [`stats`]: Student's t for every 95% confidence interval in the workspace.
//!
//! Architecture invariant: protocols never touch kernel internals; they see only `sim`'s
//! public actor API (`Actor`, `Ctx`, `Checker`). Checkers live apart from the roles they judge.

pub mod ch;
pub mod failover;
pub mod fd;
pub mod gossip;
pub mod kv;
pub mod kvclient;
pub mod lb;
pub mod linearizability;
pub mod lock;
pub mod multipaxos;
pub mod paxos;
pub mod plugin;
pub mod raft;
pub mod stats;
pub mod twopc;
