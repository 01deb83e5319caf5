//! The one actor type of the protocol, [`KvNode`] (a role per node), and what its roles
//! exchange: messages, timers, durable state and observations for the checker.

use std::sync::Arc;

use sim::{Actor, Ctx, Message, NodeId};

use super::client::Client;
use super::cluster::{Cluster, Role};
use super::membership::Coordinator;
use super::routing::View;
use super::storage::Storage;

/// A client operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Read the key.
    Get,
    /// Write this value.
    Put(u64),
}

/// A stored value with its version (bumped by every put at the owner; a handoff keeps the
/// higher version, ties broken by the larger value, so merging is order-independent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// Version.
    pub version: u64,
    /// Value.
    pub value: u64,
}

/// A definite error a storage node returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvError {
    /// The request was misrouted more than `kv.max_hops` times (or at all, with
    /// `max_hops = 0`).
    NotOwner,
}

/// A client request, possibly forwarded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Request id, unique in the run.
    pub req: u64,
    /// The client that issued it (answers go straight back to it).
    pub client: NodeId,
    /// Key index.
    pub key: u32,
    /// Operation.
    pub op: Op,
    /// Epoch of the client's view when it routed the request.
    pub epoch: u64,
    /// Forwarding hops so far (0: straight from the client).
    pub hops: u32,
    /// The forwarder's view, piggybacked so the next node can catch up (`None` from clients).
    pub view: Option<View>,
}

/// Messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// A request (from a client, or forwarded by a storage node).
    Request(Request),
    /// The answer to request `req`: the value read (`None`: absent; puts answer their value),
    /// or a definite error.
    Reply {
        /// Request id.
        req: u64,
        /// Result.
        result: Result<Option<u64>, KvError>,
    },
    /// A membership view, from the coordinator.
    View(View),
    /// A client asks the coordinator for any view newer than `epoch`.
    ViewPoll {
        /// The client's epoch.
        epoch: u64,
    },
    /// A storage node is alive; `epoch` lets the coordinator resend a view it missed.
    Heartbeat {
        /// The node's epoch.
        epoch: u64,
    },
    /// Keys handed to their new owner after a view change, with the sender's view.
    Handoff {
        /// The sender's view.
        view: View,
        /// `(key index, entry)` pairs.
        entries: Vec<(u32, Entry)>,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Request(r) if r.hops > 0 => "forward",
            Msg::Request(_) => "request",
            Msg::Reply { .. } => "reply",
            Msg::View(_) => "view",
            Msg::ViewPoll { .. } => "view_poll",
            Msg::Heartbeat { .. } => "heartbeat",
            Msg::Handoff { .. } => "handoff",
        }
    }

    fn summary(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = match self {
            Msg::Request(r) => match r.op {
                Op::Get => write!(out, "get k{}", r.key),
                Op::Put(v) => write!(out, "put k{}={v}", r.key),
            },
            Msg::Reply { result, .. } => match result {
                Ok(Some(v)) => write!(out, "{v}"),
                Ok(None) => write!(out, "none"),
                Err(KvError::NotOwner) => write!(out, "not owner"),
            },
            Msg::View(v) => write!(out, "epoch {}", v.epoch),
            Msg::ViewPoll { epoch } | Msg::Heartbeat { epoch } => write!(out, "epoch {epoch}"),
            Msg::Handoff { entries, .. } => write!(out, "{} keys", entries.len()),
        };
    }
}

/// Timers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A client issues its next request.
    Issue,
    /// Attempt `attempt` of request `req` timed out.
    Timeout {
        /// Request id.
        req: u64,
        /// Attempt number (0-based).
        attempt: u32,
    },
    /// A client polls the coordinator for the view.
    Poll,
    /// A storage node sends a heartbeat.
    Heartbeat,
    /// The coordinator checks heartbeats.
    Check,
    /// The coordinator applies its next scripted change.
    Change,
    /// The coordinator pushes its current view to the clients.
    PushClients,
}

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered.
    Ok,
    /// Definite error: misrouted too often.
    NotOwner,
    /// Definite error: every attempt timed out.
    Timeout,
}

/// Why the view changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Scripted join of this storage node.
    Join(u32),
    /// Scripted leave.
    Leave(u32),
    /// Removed after missed heartbeats.
    Crash(u32),
    /// Re-added after its heartbeats resumed.
    Rejoin(u32),
}

impl Cause {
    /// The storage node that changed.
    pub fn node(self) -> u32 {
        match self {
            Cause::Join(s) | Cause::Leave(s) | Cause::Crash(s) | Cause::Rejoin(s) => s,
        }
    }
    /// True for a join or rejoin.
    pub fn adds(self) -> bool {
        matches!(self, Cause::Join(_) | Cause::Rejoin(_))
    }
}

/// Facts for the checker.
#[derive(Clone, Debug, PartialEq)]
pub enum Obs {
    /// The coordinator made a new view (reported before anyone can hold it).
    ViewChanged {
        /// The new view.
        view: View,
        /// Why.
        cause: Cause,
        /// Keys of the key space whose owner changed.
        keys_moved: u64,
        /// Of those, keys that moved to the added node or from the removed one.
        moved_via_changed: u64,
    },
    /// A storage node or client now holds view `epoch`.
    ViewAdopted {
        /// Epoch.
        epoch: u64,
    },
    /// A client issued request `req`.
    Issued {
        /// Request id.
        req: u64,
    },
    /// A client finished request `req`.
    Completed {
        /// Request id.
        req: u64,
        /// How.
        outcome: Outcome,
    },
    /// A request reached its first storage node.
    Arrived {
        /// Request id.
        req: u64,
        /// Key index.
        key: u32,
        /// The epoch the client routed by.
        req_epoch: u64,
        /// The node's epoch.
        node_epoch: u64,
        /// The node does not own the key under its view.
        misrouted: bool,
    },
    /// A storage node served request `req` for `key` while holding view `epoch`.
    Served {
        /// Request id.
        req: u64,
        /// Key index.
        key: u32,
        /// The node's epoch.
        epoch: u64,
    },
}

/// The coordinator's durable log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoordinatorLog {
    /// The current view.
    pub view: Option<View>,
    /// Scripted changes applied so far.
    pub applied: usize,
    /// Members removed after a crash (candidates for rejoin).
    pub crashed: Vec<u32>,
}

/// What survives a crash. Storage data is volatile on purpose: a crash loses the keys a node
/// held (unless they were handed off before).
#[derive(Clone, Debug, Default)]
pub struct KvDurable {
    /// Last view adopted (storage nodes and clients).
    pub view: Option<View>,
    /// Client incarnation (request ids stay unique across restarts).
    pub incarnation: u32,
    /// The coordinator's log.
    pub coordinator: Option<CoordinatorLog>,
}

/// A key-value cluster node.
#[derive(Debug)]
pub enum KvNode {
    /// A storage node.
    Storage(Storage),
    /// A client.
    Client(Client),
    /// The membership coordinator.
    Coordinator(Coordinator),
}

impl KvNode {
    /// Builds (or rebuilds after a crash) node `id` from its durable state.
    pub fn new(cluster: &Arc<Cluster>, id: NodeId, d: &KvDurable) -> KvNode {
        match cluster.role(id) {
            Role::Storage(i) => KvNode::Storage(Storage::new(cluster, i, d)),
            Role::Client(i) => KvNode::Client(Client::new(cluster, i, d)),
            Role::Coordinator => KvNode::Coordinator(Coordinator::new(cluster, d)),
        }
    }
}

impl Actor for KvNode {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = KvDurable;
    type Obs = Obs;

    fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
        match self {
            KvNode::Storage(s) => s.on_start(cx),
            KvNode::Client(c) => c.on_start(cx),
            KvNode::Coordinator(m) => m.on_start(cx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
        match self {
            KvNode::Storage(s) => s.on_message(from, msg, cx),
            KvNode::Client(c) => c.on_message(msg, cx),
            KvNode::Coordinator(m) => m.on_message(from, msg, cx),
        }
    }

    fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, Self>) {
        match self {
            KvNode::Storage(s) => s.on_timer(t, cx),
            KvNode::Client(c) => c.on_timer(t, cx),
            KvNode::Coordinator(m) => m.on_timer(t, cx),
        }
    }
}
