//! Raft (Ongaro and Ousterhout, "In Search of an Understandable Consensus Algorithm", USENIX
//! ATC 2014): servers that elect a leader and replicate a log of client commands into a
//! key-value state machine, clients that find the leader and retry, the Figure 3 properties
//! checked after every event, the clients' history checked for linearizability at the end
//! ([`crate::linearizability`]), and the classic mistakes as switches.
//!
//! Nodes: servers `s1..sN` (ids `0..N`) and clients `c1..cM`, one actor type, [`RaftNode`].
//! See [`server`] for the protocol (Figure 2), [`client`] for the clients, [`kv`] for the
//! state machine with its session table (a retried write applies once), [`invariants`] for
//! the checker, [`history`] for the client histories it records, [`bugs`] for the switches.
//!
//! Metrics: `elections_won`, `max_term`, `leaders`, `committed`, `log_size`,
//! `election_time` (first leader crash to the next leader, s), `commit_latency_*`,
//! `client_latency_*`, `ops_answered`, `messages_per_commit`.

pub mod bugs;
pub mod client;
pub mod history;
pub mod invariants;
pub mod kv;
pub mod messages;
pub mod node;
pub mod params;
pub mod plugin;
pub mod server;

pub use bugs::{Bug, Bugs};
pub use history::HistoryOp;
pub use invariants::RaftChecker;
pub use messages::{Command, Durable, Entry, KvOp, KvResult, Msg, Obs, Timer};
pub use node::RaftNode;
pub use params::{Campaign, Config, Params};
pub use plugin::Raft;
