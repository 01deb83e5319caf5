//! Linearizability of a recorded history of register, compare-and-set register and key-value
//! operations (Herlihy & Wing 1990), by the Wing-Gong search with Lowe's memoization
//! ("Testing for linearizability", Concurrency and Computation 2017; the algorithm Knossos
//! and Porcupine use).
//!
//! # Input
//!
//! A history is a slice of [`Op`]s in any order. Each has the client that issued it, an
//! invocation tick and a return tick (nanoseconds or any other monotonic count; only their
//! order matters), the [`Call`] and its observed [`Ret`]. An operation whose outcome is
//! unknown (its client crashed or timed out) has `ret: None` and `result: None`: it may take
//! effect at any time after its invocation, or never. Operations that definitely did not take
//! effect (Jepsen's `:fail`) should be left out by the caller. Two operations whose intervals
//! touch (one returns at the very tick the other is invoked) count as concurrent.
//!
//! # Models
//!
//! - [`Model::Register`]: reads and writes of one register, initially `None` (nil).
//! - [`Model::CasRegister`]: reads, writes and compare-and-set of one register, initially
//!   `None`. A `Cas { from, to }` that returned [`Ret::Ok`] saw `Some(from)` and wrote `to`;
//!   one that returned [`Ret::CasFailed`] saw anything else and wrote nothing.
//! - [`Model::Kv`]: one independent cas-register per key. By P-compositionality (Herlihy &
//!   Wing's locality) the history is linearizable iff each key's sub-history is, so each key
//!   is searched on its own, in key order.
//!
//! The single-register models ignore the key's content but require every operation to name
//! the same key (a mix of keys usually means `Kv` was meant).
//!
//! # Output
//!
//! [`check`] returns a [`Verdict`]: [`Verdict::Linearizable`];
//! [`Verdict::NotLinearizable`] with a [`Report`] (the key, the longest linearizable prefix
//! the search reached, as op indices in linearization order, and the op that could not be
//! placed after it); or [`Verdict::Unknown`] when the [`Budget`] ran out first. Malformed
//! input (an op returning before its invocation, a result that does not fit its call, a
//! compare-and-set under the plain register model) is an [`InvalidHistory`] error.
//!
//! # Search
//!
//! See [`search`]. Before searching, each key's sub-history drops what cannot matter (see
//! [`partition`]): reads with unknown outcome, and unknown writes whose value nothing
//! observes. The search's cost is bounded by [`Budget`]: a number of search steps and an
//! estimate of the memoization cache's memory, per key, plus an optional cancellation flag
//! that a caller can raise from another thread (a wall-clock limit, kept out of this crate).

mod model;
pub mod partition;
pub mod search;

#[cfg(test)]
mod brute;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub use model::Model;

/// One operation of a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// Who issued it (a Jepsen process, a simlab client); used for reports and drawings only.
    pub client: u64,
    /// Invocation tick.
    pub invoke: u64,
    /// Return tick; `None` if the outcome is unknown.
    pub ret: Option<u64>,
    /// What was asked.
    pub call: Call,
    /// What was answered; `None` exactly when `ret` is `None`.
    pub result: Option<Ret>,
}

/// An operation's request.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Call {
    /// Read the value at `key`.
    Read {
        /// The register.
        key: String,
    },
    /// Write `value` at `key`.
    Write {
        /// The register.
        key: String,
        /// The value written.
        value: i64,
    },
    /// If `key` holds `from`, write `to`.
    Cas {
        /// The register.
        key: String,
        /// The value expected.
        from: i64,
        /// The value written if the expectation holds.
        to: i64,
    },
}

impl Call {
    /// The register this call touches.
    pub fn key(&self) -> &str {
        match self {
            Call::Read { key } | Call::Write { key, .. } | Call::Cas { key, .. } => key,
        }
    }
}

/// An operation's observed response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ret {
    /// A read returned this value (`None`: nil, never written).
    Read(Option<i64>),
    /// A write or a compare-and-set took effect.
    Ok,
    /// A compare-and-set found another value and wrote nothing.
    CasFailed,
}

/// Limits on the search, per key, so that a hard history ends in [`Verdict::Unknown`]
/// instead of exhausting memory.
#[derive(Clone, Debug)]
pub struct Budget {
    /// Search steps (attempts to linearize or undo an operation).
    pub max_steps: u64,
    /// Estimated bytes held by the memoization cache.
    pub max_memory_bytes: u64,
    /// Raised by the caller (for a wall-clock limit, say) to stop the search.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for Budget {
    /// 100 million steps and 1 GiB of cache per key, no cancellation: seconds of work on
    /// typical hardware, and within what a laptop can hold.
    fn default() -> Self {
        Budget {
            max_steps: 100_000_000,
            max_memory_bytes: 1 << 30,
            cancel: None,
        }
    }
}

impl Budget {
    /// No limit at all (tests and small histories).
    pub fn unlimited() -> Self {
        Budget {
            max_steps: u64::MAX,
            max_memory_bytes: u64::MAX,
            cancel: None,
        }
    }
}

/// The outcome of [`check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Some order of the operations respects real time and the model.
    Linearizable,
    /// No such order exists.
    NotLinearizable(Report),
    /// The budget ran out before the search decided.
    Unknown(Incomplete),
}

/// Why a history is not linearizable, in Porcupine's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The key whose sub-history fails (for single-register models, the one key).
    pub key: String,
    /// The longest linearizable prefix the search found: indices into the input slice, in
    /// linearization order.
    pub linearized: Vec<usize>,
    /// The operation (index into the input slice) that must take effect next, because it
    /// returned before anything else could, and cannot.
    pub culprit: usize,
}

/// Which limit stopped an undecided search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// [`Budget::max_steps`].
    Steps,
    /// [`Budget::max_memory_bytes`].
    Memory,
    /// [`Budget::cancel`] was raised.
    Cancelled,
}

/// An undecided check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incomplete {
    /// The key whose search ran out.
    pub key: String,
    /// The limit hit.
    pub limit: Limit,
    /// Steps taken on that key.
    pub steps: u64,
}

impl fmt::Display for Incomplete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.limit {
            Limit::Steps => "step budget exhausted",
            Limit::Memory => "memory budget exhausted",
            Limit::Cancelled => "cancelled (time limit)",
        };
        write!(f, "{what} on key {:?} after {} steps", self.key, self.steps)
    }
}

/// A history that cannot be checked as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvalidHistory {
    /// Op `op` returns before it is invoked.
    ReturnsBeforeInvoke {
        /// Index into the input slice.
        op: usize,
    },
    /// Op `op`'s result does not fit its call (a read answered `Ok`, a return tick without a
    /// result, ...).
    ResultMismatch {
        /// Index into the input slice.
        op: usize,
    },
    /// Op `op` is a compare-and-set under [`Model::Register`].
    CasInRegister {
        /// Index into the input slice.
        op: usize,
    },
    /// Op `op` names another key than op 0 under a single-register model.
    MixedKeys {
        /// Index into the input slice.
        op: usize,
    },
}

impl fmt::Display for InvalidHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidHistory::ReturnsBeforeInvoke { op } => {
                write!(f, "op {op} returns before it is invoked")
            }
            InvalidHistory::ResultMismatch { op } => write!(
                f,
                "op {op}: the result does not fit the call (reads return a value, writes ok, \
                 cas ok or failed; an op has a result exactly when it has a return time)"
            ),
            InvalidHistory::CasInRegister { op } => write!(
                f,
                "op {op} is a compare-and-set, which the register model does not allow \
                 (use the cas-register model)"
            ),
            InvalidHistory::MixedKeys { op } => write!(
                f,
                "op {op} names another key than op 0; a single-register model checks one key \
                 (use the kv model)"
            ),
        }
    }
}

impl std::error::Error for InvalidHistory {}

/// Checks that `ops` is linearizable for `model`, within `budget` per key.
pub fn check(model: Model, ops: &[Op], budget: &Budget) -> Result<Verdict, InvalidHistory> {
    let keys = partition::partition(model, ops)?;
    let mut undecided = None;
    for sub in keys {
        match search::search(&sub.ops, budget) {
            search::Outcome::Linearizable => {}
            search::Outcome::Stuck {
                linearized,
                culprit,
            } => {
                return Ok(Verdict::NotLinearizable(Report {
                    key: sub.key,
                    linearized: linearized.iter().map(|&i| sub.ops[i].index).collect(),
                    culprit: sub.ops[culprit].index,
                }));
            }
            search::Outcome::Exhausted { limit, steps } => {
                // A later key may still be decided as violating, which is definite.
                undecided.get_or_insert(Incomplete {
                    key: sub.key,
                    limit,
                    steps,
                });
            }
        }
    }
    Ok(undecided.map_or(Verdict::Linearizable, Verdict::Unknown))
}
