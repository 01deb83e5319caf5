//! The lock protocol's actor: one type for every role (lock server, storage, client), its
//! messages, timers, observations and durable state. Each role's logic lives in its own file.

use sim::{Actor, Ctx, Message, NodeId, Time};

use super::Params;
use super::client::Client;
use super::server::{Server, ServerState};
use super::storage::{Storage, StorageState};

/// Messages between clients, lock nodes and the storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// `SET key value NX PX ttl`: `value` is the client's random token (Redlock) or `None`
    /// (a single node picks the next fencing token).
    Acquire {
        /// Request id, echoed in the reply.
        req: u64,
        /// The client's token, if it chose one.
        value: Option<u64>,
        /// Lease time to live.
        ttl: Time,
    },
    /// The key was set to `value`.
    Granted {
        /// Request id.
        req: u64,
        /// The token now stored under the key.
        value: u64,
    },
    /// The key is held by someone else.
    Denied {
        /// Request id.
        req: u64,
    },
    /// Extend the lease, if `value` still holds it.
    Renew {
        /// Request id.
        req: u64,
        /// The holder's token.
        value: u64,
        /// New time to live from the server's receipt.
        ttl: Time,
    },
    /// The lease was extended.
    Renewed {
        /// Request id.
        req: u64,
    },
    /// The lease was lost (expired, or another holder).
    RenewFailed {
        /// Request id.
        req: u64,
    },
    /// Delete the key if it still holds `value`.
    Release {
        /// The holder's token.
        value: u64,
    },
    /// Write the client's `n`-th value to the storage under `token`.
    Write {
        /// The client's write number (1-based).
        n: u32,
        /// The fencing token (or random value) the client holds.
        token: u64,
    },
    /// The storage applied the write.
    WriteOk {
        /// The client's write number.
        n: u32,
    },
    /// The storage rejected the write: its token is below `highest`.
    WriteRejected {
        /// The client's write number.
        n: u32,
        /// The highest token the storage has accepted.
        highest: u64,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Acquire { .. } => "acquire",
            Msg::Granted { .. } => "granted",
            Msg::Denied { .. } => "denied",
            Msg::Renew { .. } => "renew",
            Msg::Renewed { .. } => "renewed",
            Msg::RenewFailed { .. } => "renew_failed",
            Msg::Release { .. } => "release",
            Msg::Write { .. } => "write",
            Msg::WriteOk { .. } => "write_ok",
            Msg::WriteRejected { .. } => "write_rejected",
        }
    }

    fn summary(&self, out: &mut String) {
        use std::fmt::Write as _;
        // Tokens are what fencing is about; request ids only pair replies with requests.
        let _ = match self {
            Msg::Acquire { value: Some(v), .. } => write!(out, "token {v}"),
            Msg::Granted { value, .. } => write!(out, "token {value}"),
            Msg::Renew { value, .. } | Msg::Release { value } => write!(out, "token {value}"),
            Msg::Write { n, token } => write!(out, "#{n} token {token}"),
            Msg::WriteOk { n } => write!(out, "#{n}"),
            Msg::WriteRejected { n, highest } => write!(out, "#{n} < {highest}"),
            Msg::Acquire { value: None, .. }
            | Msg::Denied { .. }
            | Msg::Renewed { .. }
            | Msg::RenewFailed { .. } => Ok(()),
        };
    }
}

/// Client timers (servers and the storage set none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The plan's `acquire_at`, or a retry after `retry_interval`.
    Acquire,
    /// No (complete) answer to attempt `req` within `request_timeout`.
    AttemptTimeout {
        /// The attempt's request id.
        req: u64,
    },
    /// The lease with this token runs out on the client's clock.
    Expire {
        /// The token held.
        value: u64,
    },
    /// The plan's `write_at`.
    Write,
    /// The write after a passed lease check (`check_to_write` later).
    WriteNow {
        /// The token checked.
        token: u64,
    },
    /// The plan's `release_at`.
    Release,
    /// Time to renew.
    Renew,
}

/// Why a client stopped believing it holds the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseReason {
    /// It released the lock.
    Released,
    /// Its own clock said the lease had run out.
    Expired,
    /// A renewal was refused.
    Lost,
}

/// Facts for the checkers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Obs {
    /// A client now believes it holds the lock with `token`.
    Acquired {
        /// Fencing token (single) or random value (Redlock).
        token: u64,
    },
    /// A client no longer believes it holds the lock.
    Released {
        /// The token it held.
        token: u64,
        /// Why.
        reason: ReleaseReason,
    },
    /// A client sent its `n`-th write.
    WriteIssued {
        /// Write number.
        n: u32,
        /// Token sent with it.
        token: u64,
    },
    /// The storage applied a write.
    WriteApplied {
        /// The writing client.
        client: NodeId,
        /// Its write number.
        n: u32,
        /// The token.
        token: u64,
    },
    /// The storage rejected a write by fencing.
    WriteRejected {
        /// The writing client.
        client: NodeId,
        /// Its write number.
        n: u32,
        /// The stale token.
        token: u64,
        /// The highest token accepted so far.
        highest: u64,
    },
}

/// What survives a crash: the lock server's key and counter, the storage's register.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durable {
    /// A lock node's state (None until it first persists).
    pub server: Option<ServerState>,
    /// The storage's register (None until the first write).
    pub storage: Option<StorageState>,
}

/// One node of the lock protocol.
#[derive(Clone, Debug)]
pub enum LockNode {
    /// A lock service node.
    Server(Server),
    /// The storage service.
    Storage(Storage),
    /// A client.
    Client(Client),
}

impl LockNode {
    /// Builds node `id` (layout: lock nodes, storage, clients; see [`Params::names`]) from its
    /// durable state.
    pub fn new(p: &Params, id: NodeId, durable: &Durable) -> LockNode {
        let locks = p.lock_nodes();
        if id.0 < locks {
            LockNode::Server(Server::new(p, durable))
        } else if id == p.storage_id() {
            LockNode::Storage(Storage::new(p, durable))
        } else {
            let k = (id.0 - p.first_client_id().0) as usize;
            assert!(k < p.clients.len(), "node {id} is outside the lock layout");
            LockNode::Client(Client::new(p, k))
        }
    }

    /// The client role, if this node is a client.
    pub fn as_client(&self) -> Option<&Client> {
        match self {
            LockNode::Client(c) => Some(c),
            _ => None,
        }
    }

    /// The storage role, if this node is the storage.
    pub fn as_storage(&self) -> Option<&Storage> {
        match self {
            LockNode::Storage(s) => Some(s),
            _ => None,
        }
    }
}

impl Actor for LockNode {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Obs = Obs;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        if let LockNode::Client(c) = self {
            c.on_start(ctx);
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, Self>) {
        match self {
            LockNode::Server(s) => s.on_message(from, msg, ctx),
            LockNode::Storage(s) => s.on_message(from, msg, ctx),
            LockNode::Client(c) => c.on_message(from, msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        if let LockNode::Client(c) = self {
            c.on_timer(timer, ctx);
        }
    }
}
