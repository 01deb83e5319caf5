//! A run's client history, handed from the protocol's checker to the CLI: the operations as
//! the linearizability checker reads them, the model they were judged against, the verdict
//! the run gave, and the clients' names. The CLI writes it as `history.jsonl` and draws it in
//! the run report; a protocol that records no client history leaves
//! [`super::RunOutput::history`] empty.
//!
//! Checkers live boxed inside the kernel's world, which cannot hand back a protocol's type, so
//! a checker that records a history is given a [`HistorySlot`] to leave it in at the end of
//! the run, and the protocol's `run` moves it into its output:
//!
//! ```ignore
//! let slot = HistorySlot::default();
//! b.checker(MyChecker::new(p).exporting(slot.clone()));
//! let mut out = run_world(b, req)?;
//! out.history = slot.take();
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::linearizability::{Model, Op, Verdict};

/// A client history recorded by a run and the verdict its checker gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHistory {
    /// What the history is checked against (`simlab check-history --model` takes its name).
    pub model: Model,
    /// The operations, in the order the checker was given them (the JSONL file's order).
    pub ops: Vec<Op>,
    /// A name per [`Op::client`] for lanes and messages (`c1`, `c1 after restart 1`); clients
    /// missing here are drawn by number.
    pub clients: BTreeMap<u64, String>,
    /// What [`crate::linearizability::check`] said about `ops` during the run.
    pub verdict: Verdict,
}

impl ClientHistory {
    /// The name of `client`: its entry in [`ClientHistory::clients`], else `client N`.
    pub fn client_name(&self, client: u64) -> String {
        self.clients
            .get(&client)
            .cloned()
            .unwrap_or_else(|| format!("client {client}"))
    }
}

/// Where a checker leaves its [`ClientHistory`] when the run ends (see the module docs).
/// Clones share one place; single-threaded like the world that holds the checker.
#[derive(Clone, Debug, Default)]
pub struct HistorySlot(Rc<RefCell<Option<ClientHistory>>>);

impl HistorySlot {
    /// Leaves `h` in the slot, replacing what was there.
    pub fn put(&self, h: ClientHistory) {
        *self.0.borrow_mut() = Some(h);
    }

    /// Takes the history out, if a checker left one.
    pub fn take(&self) -> Option<ClientHistory> {
        self.0.borrow_mut().take()
    }
}
