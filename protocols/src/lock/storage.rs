//! The storage service the lock protects: one register, written with the writer's token. With
//! fencing it rejects a token lower than the highest it has accepted (Kleppmann's fencing
//! check), which is what makes a stale holder harmless.

use sim::{Ctx, NodeId};

use super::Params;
use super::node::{Durable, LockNode, Msg, Obs};

/// The register and the fencing high-water mark.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageState {
    /// The last applied write: (client, write number, token).
    pub value: Option<(NodeId, u32, u64)>,
    /// The highest token accepted.
    pub highest: Option<u64>,
    /// Writes applied.
    pub applied: u64,
    /// Writes rejected by fencing.
    pub rejected: u64,
}

/// The storage node.
#[derive(Clone, Debug)]
pub struct Storage {
    fencing: bool,
    state: StorageState,
}

impl Storage {
    /// The storage, restored from its durable register.
    pub fn new(p: &Params, durable: &Durable) -> Storage {
        Storage {
            fencing: p.fencing,
            state: durable.storage.clone().unwrap_or_default(),
        }
    }

    /// The register (for tests and the runner).
    pub fn state(&self) -> &StorageState {
        &self.state
    }

    /// Handles a write.
    pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, LockNode>) {
        let Msg::Write { n, token } = msg else {
            panic!("storage got a lock-service message: {msg:?}");
        };
        if let Some(highest) = self.state.highest.filter(|h| self.fencing && token < *h) {
            self.state.rejected += 1;
            ctx.persist(Durable {
                server: None,
                storage: Some(self.state.clone()),
            });
            ctx.observe(Obs::WriteRejected {
                client: from,
                n,
                token,
                highest,
            });
            ctx.send(from, Msg::WriteRejected { n, highest });
            return;
        }
        self.state.value = Some((from, n, token));
        self.state.highest = Some(self.state.highest.map_or(token, |h| h.max(token)));
        self.state.applied += 1;
        ctx.persist(Durable {
            server: None,
            storage: Some(self.state.clone()),
        });
        ctx.observe(Obs::WriteApplied {
            client: from,
            n,
            token,
        });
        ctx.send(from, Msg::WriteOk { n });
    }
}
