//! Multi-Paxos (Lamport, "Paxos Made Simple", 2001, section 3; van Renesse and Altinbuken,
//! "Paxos Made Moderately Complex", 2015): replicas that each act as proposer, acceptor and
//! learner, a stable leader that runs phase 1 once for all slots from the first it does not
//! know to be chosen and then one phase-2 round trip per slot, a slot log whose gaps a new
//! leader fills with no-ops, a key-value state machine applied in slot order with client
//! sessions, clients that find the leader and retry, the checkers, and the classic mistakes
//! as switches.
//!
//! Nodes: replicas `r1..rN` (ids `0..N`) and clients `c1..cM`, one actor type, [`MpNode`].
//! See [`replica`] for the protocol (its [`replica::Replica`] code map), [`client`] for the
//! clients, [`kv`] for the state machine with its session table, [`invariants`] for the
//! checker, [`bugs`] for the switches. The client history is recorded as
//! [`crate::raft::HistoryOp`]s (one shape for every key-value protocol's clients).
//! Options: batching ([`Params::max_batch`]), the pipelining window ([`Params::window`]),
//! a leader lease for local reads ([`Params::lease`]).
//!
//! Metrics: `leaders`, `slots_chosen`, `commands_chosen`, `commit_latency_*`,
//! `client_latency_*`, `messages_per_command`, `phase2_messages_per_command`,
//! `client_messages_per_command`, `throughput`, `failover_time`, `ops_answered`.

pub mod bugs;
pub mod client;
pub mod invariants;
pub mod kv;
pub mod messages;
pub mod node;
pub mod params;
pub mod plugin;
pub mod replica;

pub use bugs::{Bug, Bugs};
pub use invariants::MpChecker;
pub use messages::{Ballot, Durable, Msg, Obs, Slot, Timer, Value};
pub use node::MpNode;
pub use params::{Campaign, Config, Params};
pub use plugin::MultiPaxos;
