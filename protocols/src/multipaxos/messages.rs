//! What travels between Multi-Paxos nodes and to the checkers: ballots, slot values (a batch
//! of client commands, or a no-op), messages (the two phases, heartbeats, catch-up and the
//! client protocol), timers, durable state and observations.

use std::collections::BTreeMap;

use sim::Message;

pub use crate::raft::messages::{Command, KvOp, KvResult};

/// A log position (the first slot is 1; 0 means "before the log").
pub type Slot = u64;

/// A ballot: a round number and the replica that owns it, ordered by round first, so two
/// replicas never use the same ballot and a later round beats any earlier one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ballot {
    /// The round.
    pub round: u64,
    /// The replica (index) that proposes in it.
    pub leader: u32,
}

impl std::fmt::Display for Ballot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.round, self.leader + 1)
    }
}

/// What one slot decides: a batch of client commands, applied in order; empty is a no-op
/// (what a new leader proposes for a slot nobody reported a value for).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Value(pub Vec<Command>);

impl Value {
    /// The no-op.
    pub fn noop() -> Value {
        Value(Vec::new())
    }

    /// A 64-bit fingerprint of the commands, for the checkers.
    pub fn fingerprint(&self) -> u64 {
        let mut h = sim::rng::mix64(self.0.len() as u64);
        for c in &self.0 {
            let (tag, key, a, b) = match c.op {
                KvOp::Get { key } => (1, key, 0, 0),
                KvOp::Put { key, value } => (2, key, value, 0),
                KvOp::Cas { key, expect, new } => (3, key, expect, new),
                KvOp::Noop => (4, 0, 0, 0),
                KvOp::Config { members } => (5, 0, members, 0),
            };
            for x in [
                u64::from(c.client),
                u64::from(c.inc),
                c.seq,
                tag,
                u64::from(key),
                a,
                b,
            ] {
                h = sim::rng::mix64(h ^ x);
            }
        }
        h
    }
}

/// Multi-Paxos messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Phase 1a: promise `ballot` for every slot from `from` on.
    Prepare {
        /// The ballot.
        ballot: Ballot,
        /// First slot the candidate does not know to be chosen.
        from: Slot,
    },
    /// Phase 1b: the promise, with every value accepted in a slot at or after `from`.
    Promise {
        /// The ballot promised.
        ballot: Ballot,
        /// (slot, ballot it was accepted in, value).
        accepted: Vec<(Slot, Ballot, Value)>,
    },
    /// Phase 2a: accept `value` in `slot`; `commit` is the leader's chosen prefix.
    Accept {
        /// The leader's ballot.
        ballot: Ballot,
        /// The slot.
        slot: Slot,
        /// The value.
        value: Value,
        /// Every slot up to here is chosen.
        commit: Slot,
    },
    /// Phase 2b: `slot` was accepted in `ballot`.
    Accepted {
        /// The ballot.
        ballot: Ballot,
        /// The slot.
        slot: Slot,
    },
    /// A refusal of a prepare or accept in `ballot`: the acceptor promised `promised`.
    Nack {
        /// The ballot refused.
        ballot: Ballot,
        /// The acceptor's promise.
        promised: Ballot,
    },
    /// The leader is alive; every slot up to `commit` is chosen.
    Heartbeat {
        /// The leader's ballot.
        ballot: Ballot,
        /// The leader's chosen prefix.
        commit: Slot,
        /// The leader's clock when it sent this (echoed for the lease).
        sent: sim::Time,
    },
    /// Lease grant: the acceptor will promise no other ballot for a lease from its receipt.
    HeartbeatAck {
        /// The leader's ballot.
        ballot: Ballot,
        /// The heartbeat's `sent`.
        sent: sim::Time,
    },
    /// A replica that lacks chosen values asks the leader for them.
    Learn {
        /// First slot it lacks.
        from: Slot,
    },
    /// Chosen values from `from` on, in slot order.
    Decided {
        /// Slot of the first value.
        from: Slot,
        /// The values.
        values: Vec<Value>,
    },
    /// Client request.
    Request {
        /// The command.
        cmd: Command,
    },
    /// Answer to a client request.
    Reply {
        /// Session of the request.
        inc: u32,
        /// Request id.
        seq: u64,
        /// The result.
        result: KvResult,
    },
    /// "Not the leader": the replica's guess of who is.
    Redirect {
        /// Session of the request.
        inc: u32,
        /// Request id.
        seq: u64,
        /// The leader it knows of (a replica index).
        leader: Option<u32>,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Prepare { .. } => "prepare",
            Msg::Promise { .. } => "promise",
            Msg::Accept { .. } => "accept",
            Msg::Accepted { .. } => "accepted",
            Msg::Nack { .. } => "nack",
            Msg::Heartbeat { .. } => "heartbeat",
            Msg::HeartbeatAck { .. } => "heartbeat_ack",
            Msg::Learn { .. } => "learn",
            Msg::Decided { .. } => "decided",
            Msg::Request { .. } => "request",
            Msg::Reply { .. } => "reply",
            Msg::Redirect { .. } => "redirect",
        }
    }

    /// Ballots as `b2.1` (round 2 of r1), slots as `#5`, commit prefixes as `c4`.
    fn summary(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = match self {
            Msg::Prepare { ballot, from } => write!(out, "b{ballot} from #{from}"),
            Msg::Promise { ballot, accepted } => write!(out, "b{ballot} {} acc", accepted.len()),
            Msg::Accept {
                ballot,
                slot,
                value,
                commit,
            } => write!(out, "b{ballot} #{slot} x{} c{commit}", value.0.len()),
            Msg::Accepted { ballot, slot } => write!(out, "b{ballot} #{slot}"),
            Msg::Nack { ballot, promised } => write!(out, "b{ballot} < b{promised}"),
            Msg::Heartbeat { ballot, commit, .. } => write!(out, "b{ballot} c{commit}"),
            Msg::HeartbeatAck { ballot, .. } => write!(out, "b{ballot}"),
            Msg::Learn { from } => write!(out, "from #{from}"),
            Msg::Decided { from, values } => write!(out, "#{from}+{}", values.len()),
            Msg::Request { cmd } => write!(out, "{:?}", cmd.op),
            Msg::Reply { result, .. } => write!(out, "{result:?}"),
            Msg::Redirect { leader, .. } => match leader {
                Some(l) => write!(out, "to r{}", l + 1),
                None => write!(out, "?"),
            },
        };
    }
}

/// Timers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Replica: no leader heard from for an election timeout.
    Election,
    /// Leader of `0`: time for a heartbeat.
    Heartbeat(Ballot),
    /// A scripted election.
    Campaign,
    /// Client: start the next operation.
    NextOp,
    /// Client: request `seq` unanswered for `attempt` tries.
    Retry {
        /// Request id.
        seq: u64,
        /// How many times it was sent.
        attempt: u32,
    },
}

/// What survives a crash: an acceptor's promise and accepted values (a replica's learned
/// values and state machine are rebuilt from the leader), and a client's count of
/// operations started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durable {
    /// Highest ballot promised.
    pub promised: Ballot,
    /// Per slot, the last value accepted and its ballot.
    pub accepted: BTreeMap<Slot, (Ballot, Value)>,
    /// Client: operations started.
    pub started: u32,
}

/// Facts for the checkers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Obs {
    /// A replica became leader of `ballot` (phase 1 done).
    Leader {
        /// Its ballot.
        ballot: Ballot,
    },
    /// A replica stopped leading.
    Follower,
    /// An acceptor accepted `value` in `slot`, ballot `ballot` (and persisted it).
    Accepted {
        /// The slot.
        slot: Slot,
        /// The ballot.
        ballot: Ballot,
        /// The value.
        value: Value,
    },
    /// A replica applied slot `slot` (the value it applied, a no-op if it had none).
    Apply {
        /// The slot.
        slot: Slot,
        /// The value.
        value: Value,
    },
    /// A replica's state machine executed `cmd` (took effect, not answered from a session).
    Execute {
        /// The command.
        cmd: Command,
    },
    /// A client invoked an operation.
    Invoke {
        /// The command.
        cmd: Command,
    },
    /// A client got the answer to request `seq` of session `inc`.
    Return {
        /// Session.
        inc: u32,
        /// Request id.
        seq: u64,
        /// The result.
        result: KvResult,
    },
}
