//! From a history to per-key sub-histories the search can walk: validation, the split by key
//! (P-compositionality), and the removal of operations that cannot change the verdict.
//!
//! Two kinds of operations with unknown outcome are dropped, both because "never took
//! effect" is always a valid choice for them and no other choice can help:
//! - reads: they change nothing;
//! - writes and compare-and-sets whose written value nothing observes (no completed read
//!   returns it and no compare-and-set expects it), on a key without failed compare-and-sets.
//!   In any linearization that places such an op, the ops that follow it up to the next write
//!   would have to see its value; none can, so the next one is a write (or there is none) and
//!   the op can be taken out. A failed compare-and-set could be what sees it (by seeing a
//!   value other than its `from`), hence the exception.
//!
//! Unknown writes are what makes the search exponential (each may be placed anywhere after its
//! call), and histories from timeouts are full of them.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Model, Step, Value};
use super::{Call, InvalidHistory, Op, Ret};

/// One operation of a key's sub-history, ready for the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubOp {
    /// Index into the caller's history.
    pub index: usize,
    /// Invocation tick.
    pub invoke: u64,
    /// Return tick; `None` if the outcome is unknown.
    pub ret: Option<u64>,
    /// What it does to the register.
    pub step: Step,
}

/// A key and its operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubHistory {
    /// The key.
    pub key: String,
    /// Its operations (unknown reads and unobserved unknown writes removed).
    pub ops: Vec<SubOp>,
}

/// Validates `ops` for `model` and splits it into sub-histories, in key order.
pub fn partition(model: Model, ops: &[Op]) -> Result<Vec<SubHistory>, InvalidHistory> {
    let mut keys: BTreeMap<&str, Vec<SubOp>> = BTreeMap::new();
    for (index, op) in ops.iter().enumerate() {
        if op.ret.is_some_and(|r| r < op.invoke) {
            return Err(InvalidHistory::ReturnsBeforeInvoke { op: index });
        }
        if model != Model::Kv && op.call.key() != ops[0].call.key() {
            return Err(InvalidHistory::MixedKeys { op: index });
        }
        if model == Model::Register && matches!(op.call, Call::Cas { .. }) {
            return Err(InvalidHistory::CasInRegister { op: index });
        }
        let step = match (&op.call, op.ret.is_some(), op.result) {
            (Call::Read { .. }, true, Some(Ret::Read(v))) => Some(Step::Read(v)),
            (Call::Read { .. }, false, None) => None,
            (Call::Write { value, .. }, true, Some(Ret::Ok))
            | (Call::Write { value, .. }, false, None) => Some(Step::Write(*value)),
            (Call::Cas { from, to, .. }, true, Some(Ret::Ok))
            | (Call::Cas { from, to, .. }, false, None) => Some(Step::Cas {
                from: *from,
                to: *to,
            }),
            (Call::Cas { from, .. }, true, Some(Ret::CasFailed)) => {
                Some(Step::CasFailed { from: *from })
            }
            _ => return Err(InvalidHistory::ResultMismatch { op: index }),
        };
        let sub = keys.entry(op.call.key()).or_default();
        if let Some(step) = step {
            sub.push(SubOp {
                index,
                invoke: op.invoke,
                ret: op.ret,
                step,
            });
        }
    }
    Ok(keys
        .into_iter()
        .map(|(key, ops)| SubHistory {
            key: key.to_string(),
            ops: prune_unobserved(ops),
        })
        .collect())
}

/// Drops unknown writes and compare-and-sets whose value nothing observes (see the module
/// docs for why that preserves the verdict).
fn prune_unobserved(ops: Vec<SubOp>) -> Vec<SubOp> {
    if ops.iter().any(|o| matches!(o.step, Step::CasFailed { .. })) {
        return ops;
    }
    let observed: BTreeSet<Value> = ops
        .iter()
        .filter_map(|o| match o.step {
            Step::Read(v) => Some(v),
            Step::Cas { from, .. } => Some(Some(from)),
            Step::Write(_) | Step::CasFailed { .. } => None,
        })
        .collect();
    ops.into_iter()
        .filter(|o| {
            let written = match o.step {
                Step::Write(x) | Step::Cas { to: x, .. } => Some(x),
                Step::Read(_) | Step::CasFailed { .. } => None,
            };
            o.ret.is_some() || written.is_none_or(|x| observed.contains(&Some(x)))
        })
        .collect()
}
