//! The Wing-Gong search with Lowe's memoization over one register's sub-history.
//!
//! Calls and returns are laid out in time order (a call before a return at the same tick, so
//! touching intervals are concurrent) in a doubly linked list. The search walks the list
//! from its head: at a call it tries to linearize that op now (apply it to the register's
//! value; a read must see the current value); on success it unlinks the op's call and return
//! and starts again from the head. At the return of an op not yet linearized, nothing
//! linearized so far can be extended (that op had to take effect before returning), so it
//! undoes the last linearized op and tries the next call after it. The search succeeds when
//! every op with a return is linearized; ops with unknown outcome have no return, so they may
//! be linearized anywhere after their call, or stay out.
//!
//! Lowe's cache of (set of linearized ops, register value) already explored prunes states
//! reached by another order: the future depends on nothing else.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use super::model::Value;
use super::partition::SubOp;
use super::{Budget, Limit};

/// How the search ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every op fits.
    Linearizable,
    /// No linearization exists. Indices are into the sub-history.
    Stuck {
        /// The deepest linearization reached, in order.
        linearized: Vec<usize>,
        /// The op whose return stopped it there.
        culprit: usize,
    },
    /// The budget ran out.
    Exhausted {
        /// Which limit.
        limit: Limit,
        /// Steps taken.
        steps: u64,
    },
}

/// A call or a return, in the time-ordered list.
#[derive(Clone, Copy, Debug)]
struct Entry {
    op: usize,
    is_return: bool,
}

/// The list of calls and returns, with unlinking and relinking in O(1).
struct Events {
    entries: Vec<Entry>,
    next: Vec<usize>,
    prev: Vec<usize>,
    call_pos: Vec<usize>,
    ret_pos: Vec<Option<usize>>,
}

impl Events {
    /// The sentinel before the first entry.
    fn head(&self) -> usize {
        self.entries.len()
    }

    fn new(ops: &[SubOp]) -> Events {
        let mut timed: Vec<(u64, bool, usize)> = Vec::with_capacity(2 * ops.len());
        for (i, o) in ops.iter().enumerate() {
            timed.push((o.invoke, false, i));
            if let Some(r) = o.ret {
                timed.push((r, true, i));
            }
        }
        timed.sort_unstable();
        let entries: Vec<Entry> = timed
            .into_iter()
            .map(|(_, is_return, op)| Entry { op, is_return })
            .collect();
        let n = entries.len();
        // Sentinels: `n` is the head, `n + 1` the end.
        let (head, end) = (n, n + 1);
        let mut next = vec![end; n + 2];
        let mut prev = vec![head; n + 2];
        // Entry i sits between i - 1 (or the head) and i + 1 (or the end).
        for (i, p) in prev.iter_mut().enumerate().take(n).skip(1) {
            *p = i - 1;
        }
        for (i, q) in next.iter_mut().enumerate().take(n) {
            *q = i + 1;
        }
        if n > 0 {
            next[head] = 0;
            next[n - 1] = end;
            prev[end] = n - 1;
        }
        let mut call_pos = vec![0; ops.len()];
        let mut ret_pos = vec![None; ops.len()];
        for (pos, e) in entries.iter().enumerate() {
            if e.is_return {
                ret_pos[e.op] = Some(pos);
            } else {
                call_pos[e.op] = pos;
            }
        }
        Events {
            entries,
            next,
            prev,
            call_pos,
            ret_pos,
        }
    }

    fn unlink(&mut self, pos: usize) {
        let (p, q) = (self.prev[pos], self.next[pos]);
        self.next[p] = q;
        self.prev[q] = p;
    }

    /// Undoes `unlink(pos)`; valid in the reverse order of unlinking.
    fn relink(&mut self, pos: usize) {
        let (p, q) = (self.prev[pos], self.next[pos]);
        self.next[p] = pos;
        self.prev[q] = pos;
    }

    /// Takes op `op` out of the list (it has been linearized).
    fn remove_op(&mut self, op: usize) {
        self.unlink(self.call_pos[op]);
        if let Some(r) = self.ret_pos[op] {
            self.unlink(r);
        }
    }

    /// Puts op `op` back (its linearization is undone).
    fn restore_op(&mut self, op: usize) {
        if let Some(r) = self.ret_pos[op] {
            self.relink(r);
        }
        self.relink(self.call_pos[op]);
    }
}

/// Bytes a cache entry costs beyond its bitset: the key's vector header and value, and the
/// B-tree's per-entry share of nodes and pointers.
const CACHE_ENTRY_OVERHEAD: u64 = 64;

/// How often (in steps) the cancellation flag is read.
const CANCEL_POLL: u64 = 1 << 12;

/// Searches for a linearization of `ops`, starting from `None`, within `budget`.
pub fn search(ops: &[SubOp], budget: &Budget) -> Outcome {
    let mut events = Events::new(ops);
    let head = events.head();
    let words = ops.len().div_ceil(64);
    let entry_bytes = 8 * words as u64 + CACHE_ENTRY_OVERHEAD;
    let mut linearized = vec![0u64; words];
    let mut cache: BTreeSet<(Vec<u64>, Value)> = BTreeSet::new();
    let mut stack: Vec<(usize, Value)> = Vec::new();
    let mut value: Value = None;
    let mut remaining = ops.iter().filter(|o| o.ret.is_some()).count();
    let mut deepest: Option<(Vec<usize>, usize)> = None;
    let mut steps: u64 = 0;
    let mut pos = events.next[head];
    while remaining > 0 {
        steps += 1;
        if let Some(limit) = over_budget(budget, steps, cache.len() as u64 * entry_bytes) {
            return Outcome::Exhausted { limit, steps };
        }
        // While returns remain, the walk meets one before the end sentinel.
        let Entry { op, is_return } = events.entries[pos];
        if !is_return {
            if let Some(after) = ops[op].step.apply(value) {
                linearized[op / 64] |= 1 << (op % 64);
                if cache.insert((linearized.clone(), after)) {
                    stack.push((op, value));
                    value = after;
                    events.remove_op(op);
                    if ops[op].ret.is_some() {
                        remaining -= 1;
                    }
                    pos = events.next[head];
                    continue;
                }
                linearized[op / 64] &= !(1 << (op % 64));
            }
            pos = events.next[pos];
        } else {
            if deepest.as_ref().is_none_or(|(d, _)| stack.len() > d.len()) {
                deepest = Some((stack.iter().map(|&(o, _)| o).collect(), op));
            }
            let Some((last, before)) = stack.pop() else {
                let (linearized, culprit) = deepest.unwrap_or((Vec::new(), op));
                return Outcome::Stuck {
                    linearized,
                    culprit,
                };
            };
            linearized[last / 64] &= !(1 << (last % 64));
            value = before;
            if ops[last].ret.is_some() {
                remaining += 1;
            }
            events.restore_op(last);
            pos = events.next[events.call_pos[last]];
        }
    }
    Outcome::Linearizable
}

fn over_budget(budget: &Budget, steps: u64, cache_bytes: u64) -> Option<Limit> {
    if steps > budget.max_steps {
        Some(Limit::Steps)
    } else if cache_bytes > budget.max_memory_bytes {
        Some(Limit::Memory)
    } else if steps.is_multiple_of(CANCEL_POLL)
        && budget
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    {
        Some(Limit::Cancelled)
    } else {
        None
    }
}
