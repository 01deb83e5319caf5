//! A lock service node: one key, set with `SET key value NX PX ttl` semantics on the node's own
//! clock. A single node picks monotonically increasing fencing tokens; a Redlock node stores
//! the value the client chose. Expiry is lazy (checked when a request arrives), as in Redis,
//! which makes no difference to clients: an expired key is free for the next request.

use sim::{Ctx, NodeId, Time};

use super::node::{Durable, LockNode, Msg};
use super::{Bug, Params};

/// The key as stored: who set it, with what value, until when (server's local clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The client that set it.
    pub holder: NodeId,
    /// Its token.
    pub value: u64,
    /// Local time at which the lease runs out.
    pub expires: Time,
}

/// A lock node's durable state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerState {
    /// The next fencing token (single mode).
    pub next_token: u64,
    /// The key, if set (possibly expired).
    pub key: Option<Key>,
}

/// A lock service node.
#[derive(Clone, Debug)]
pub struct Server {
    state: ServerState,
    volatile: bool,
    release_any: bool,
}

impl Server {
    /// A node restored from its durable state (unless the `volatile_state` bug forgets it).
    pub fn new(p: &Params, durable: &Durable) -> Server {
        let volatile = p.has(Bug::VolatileState);
        let fresh = ServerState {
            next_token: p.first_token,
            key: None,
        };
        let state = match &durable.server {
            Some(s) if !volatile => s.clone(),
            _ => fresh,
        };
        Server {
            state,
            volatile,
            release_any: p.has(Bug::ReleaseAny),
        }
    }

    /// The key as the node sees it now (for tests).
    pub fn key(&self) -> Option<&Key> {
        self.state.key.as_ref()
    }

    fn live_key(&self, now: Time) -> Option<&Key> {
        self.state.key.as_ref().filter(|k| now < k.expires)
    }

    fn save(&self, ctx: &mut Ctx<'_, LockNode>) {
        if !self.volatile {
            ctx.persist(Durable {
                server: Some(self.state.clone()),
                storage: None,
            });
        }
    }

    /// Handles a client request.
    pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, LockNode>) {
        let now = ctx.now();
        match msg {
            Msg::Acquire { req, value, ttl } => {
                if self.live_key(now).is_some() {
                    ctx.send(from, Msg::Denied { req });
                    return;
                }
                let value = value.unwrap_or_else(|| {
                    let t = self.state.next_token;
                    self.state.next_token += 1;
                    t
                });
                self.state.key = Some(Key {
                    holder: from,
                    value,
                    expires: now + ttl,
                });
                self.save(ctx);
                ctx.send(from, Msg::Granted { req, value });
            }
            Msg::Renew { req, value, ttl } => {
                let ok = self
                    .live_key(now)
                    .is_some_and(|k| k.holder == from && k.value == value);
                if ok {
                    if let Some(k) = self.state.key.as_mut() {
                        k.expires = now + ttl;
                    }
                    self.save(ctx);
                    ctx.send(from, Msg::Renewed { req });
                } else {
                    ctx.send(from, Msg::RenewFailed { req });
                }
            }
            Msg::Release { value } => {
                // Compare-and-delete: only the value that set the key may delete it (even once
                // expired, which is harmless: nobody else holds it then).
                let matches = self
                    .state
                    .key
                    .as_ref()
                    .is_some_and(|k| k.value == value && k.holder == from);
                if self.state.key.is_some() && (matches || self.release_any) {
                    self.state.key = None;
                    self.save(ctx);
                }
            }
            other => {
                panic!("lock server got a message meant for a client or the storage: {other:?}")
            }
        }
    }
}
