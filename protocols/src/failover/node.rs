//! The failover protocol's actor (servers and clients as one type), its messages, timers and
//! observations. Server logic is in `server.rs`, client logic in `client.rs`.

use sim::{Actor, Ctx, Message, NodeId, Time};

use super::Params;
use super::client::Client;
use super::server::{Server, ServerDurable};

/// A client operation on the register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// Read the value.
    Read,
    /// Write this (unique) value.
    Write(u64),
}

/// A server's answer to an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpResult {
    /// The write is applied (on both servers unless the primary is alone).
    Ok,
    /// The value read.
    Value(u64),
    /// This server is not serving: the operation had no effect.
    NotPrimary,
    /// The primary could not replicate the write in time: it may or may not take effect.
    Failed,
}

/// Messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Primary to backup: alive in `epoch`; `sent` is the primary's clock at sending.
    Heartbeat {
        /// The sender's epoch.
        epoch: u64,
        /// The sender's local time.
        sent: Time,
    },
    /// Backup to primary: heartbeat `sent` received; a lease from `sent`.
    HeartbeatAck {
        /// The epoch acknowledged.
        epoch: u64,
        /// Echo of the heartbeat's `sent`.
        sent: Time,
    },
    /// "A later epoch is in charge": the receiver steps down.
    Nack {
        /// The sender's epoch.
        epoch: u64,
    },
    /// Primary to backup: apply write `seq`.
    Replicate {
        /// The primary's epoch.
        epoch: u64,
        /// Replication sequence number.
        seq: u64,
        /// The value.
        value: u64,
    },
    /// Backup to primary: write `seq` applied.
    ReplicateAck {
        /// The epoch.
        epoch: u64,
        /// The sequence number.
        seq: u64,
    },
    /// Client to server.
    Request {
        /// The client's operation number.
        op: u64,
        /// What to do.
        kind: OpKind,
    },
    /// Server to client.
    Reply {
        /// The operation number.
        op: u64,
        /// The outcome.
        result: OpResult,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Heartbeat { .. } => "heartbeat",
            Msg::HeartbeatAck { .. } => "heartbeat_ack",
            Msg::Nack { .. } => "nack",
            Msg::Replicate { .. } => "replicate",
            Msg::ReplicateAck { .. } => "replicate_ack",
            Msg::Request { .. } => "request",
            Msg::Reply { .. } => "reply",
        }
    }

    fn summary(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = match self {
            Msg::Heartbeat { epoch, .. }
            | Msg::HeartbeatAck { epoch, .. }
            | Msg::Nack { epoch } => write!(out, "e{epoch}"),
            Msg::Replicate {
                epoch, seq, value, ..
            } => write!(out, "e{epoch} #{seq}={value}"),
            Msg::ReplicateAck { epoch, seq } => write!(out, "e{epoch} #{seq}"),
            Msg::Request { op, kind } => match kind {
                OpKind::Read => write!(out, "#{op} read"),
                OpKind::Write(v) => write!(out, "#{op} write {v}"),
            },
            Msg::Reply { op, result } => match result {
                OpResult::Ok => write!(out, "#{op} ok"),
                OpResult::Value(v) => write!(out, "#{op} = {v}"),
                OpResult::NotPrimary => write!(out, "#{op} not primary"),
                OpResult::Failed => write!(out, "#{op} failed"),
            },
        };
    }
}

/// Timers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Primary: send a heartbeat.
    Heartbeat,
    /// Primary: the lease may have run out.
    LeaseEnd,
    /// Backup: no heartbeat for long enough; promote.
    Promote,
    /// Primary: replication `seq` was not acknowledged in time.
    ReplicateTimeout {
        /// The sequence number.
        seq: u64,
    },
    /// Client: start the next operation.
    NextOp,
    /// Client: operation `op` got no answer in time.
    OpTimeout {
        /// The operation number.
        op: u64,
    },
}

/// Facts for the checkers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Obs {
    /// A server starts serving clients as primary of `epoch`.
    Serving {
        /// Its epoch.
        epoch: u64,
    },
    /// A server stops serving.
    Stopped {
        /// Its epoch.
        epoch: u64,
    },
    /// A client invoked operation `op`.
    Invoke {
        /// The client's operation number.
        op: u64,
        /// Read or write.
        kind: OpKind,
    },
    /// Operation `op` completed: `Ok` or `Value`.
    Done {
        /// The operation number.
        op: u64,
        /// The result.
        result: OpResult,
    },
    /// Operation `op` definitely had no effect (`NotPrimary`).
    Refused {
        /// The operation number.
        op: u64,
    },
    /// Operation `op` ended without a definite answer (failed replication or timeout).
    Unknown {
        /// The operation number.
        op: u64,
    },
}

/// A node of the failover protocol.
#[derive(Clone, Debug)]
pub enum FailoverNode {
    /// `primary` or `backup`.
    Server(Box<Server>),
    /// A client.
    Client(Client),
}

impl FailoverNode {
    /// Node `id`: 0 the initial primary, 1 the backup, then clients.
    pub fn new(p: &Params, id: NodeId, durable: &ServerDurable) -> FailoverNode {
        match id.0 {
            0 | 1 => FailoverNode::Server(Box::new(Server::new(p, id, durable))),
            k => {
                assert!(
                    k - 2 < p.clients,
                    "node {id} is outside the failover layout"
                );
                FailoverNode::Client(Client::new(p, (k - 2) as usize))
            }
        }
    }

    /// The server role, if any.
    pub fn as_server(&self) -> Option<&Server> {
        match self {
            FailoverNode::Server(s) => Some(s),
            FailoverNode::Client(_) => None,
        }
    }
}

impl Actor for FailoverNode {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ServerDurable;
    type Obs = Obs;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        match self {
            FailoverNode::Server(s) => s.on_start(ctx),
            FailoverNode::Client(c) => c.on_start(ctx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, Self>) {
        match self {
            FailoverNode::Server(s) => s.on_message(from, msg, ctx),
            FailoverNode::Client(c) => c.on_message(msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        match self {
            FailoverNode::Server(s) => s.on_timer(timer, ctx),
            FailoverNode::Client(c) => c.on_timer(timer, ctx),
        }
    }
}
