//! Linearizability of a single read/write register, by the Wing-Gong search with Lowe's
//! memoization ("Testing for linearizability", Concurrency and Computation 2017; the
//! algorithm Porcupine and Knossos use).
//!
//! The history is a list of operations with real-time intervals `[invoke, ret]`. Calls and
//! returns are laid out in time order (a call before a return at the same instant, so ops that
//! touch are treated as concurrent). The search walks the list: at a call it tries to
//! linearize that op now (apply it to the register; a read must see the current value); at a
//! return of an op not yet linearized it backtracks. A cache of (set of linearized ops,
//! register value) already explored keeps it polynomial for histories with little
//! concurrency. An op whose outcome is unknown (a write that timed out) has no return: it may
//! take effect at any point after its call, or never.

use std::collections::BTreeSet;

use sim::Time;

/// One operation in a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// Invocation time.
    pub invoke: Time,
    /// Response time; `None` if the outcome is unknown (writes only).
    pub ret: Option<Time>,
    /// What it did.
    pub kind: RegisterOp,
}

/// A register operation with its observed result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterOp {
    /// A read that returned this value.
    Read(u64),
    /// A write of this value.
    Write(u64),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    op: usize,
    is_return: bool,
}

/// Checks that `ops` is linearizable for a register starting at `initial`. On failure returns
/// the index of the op at which the deepest attempt got stuck (the best witness to report).
pub fn check_register(ops: &[Op], initial: u64) -> Result<(), usize> {
    for (i, o) in ops.iter().enumerate() {
        assert!(
            o.ret.is_some() || matches!(o.kind, RegisterOp::Write(_)),
            "op {i}: a read without a response cannot be checked"
        );
        assert!(
            o.ret.is_none_or(|r| r >= o.invoke),
            "op {i} returns before it is invoked"
        );
    }
    let mut entries: Vec<(Time, bool, usize)> = Vec::new();
    for (i, o) in ops.iter().enumerate() {
        entries.push((o.invoke, false, i));
        if let Some(r) = o.ret {
            entries.push((r, true, i));
        }
    }
    entries.sort();
    let entries: Vec<Entry> = entries
        .into_iter()
        .map(|(_, is_return, op)| Entry { op, is_return })
        .collect();
    let n = entries.len();
    if n == 0 {
        return Ok(());
    }
    // A doubly linked list over entries, with sentinels `head` and `end`.
    let (head, end) = (n, n + 1);
    let mut next = vec![0usize; n + 2];
    let mut prev = vec![0usize; n + 2];
    for i in 0..n {
        next[i] = if i + 1 == n { end } else { i + 1 };
        prev[i] = if i == 0 { head } else { i - 1 };
    }
    next[head] = 0;
    prev[end] = n - 1;
    let mut call_pos = vec![0; ops.len()];
    let mut ret_pos = vec![None; ops.len()];
    for (pos, e) in entries.iter().enumerate() {
        if e.is_return {
            ret_pos[e.op] = Some(pos);
        } else {
            call_pos[e.op] = pos;
        }
    }
    let unlink = |pos: usize, next: &mut Vec<usize>, prev: &mut Vec<usize>| {
        let (p, q) = (prev[pos], next[pos]);
        next[p] = q;
        prev[q] = p;
    };
    let relink = |pos: usize, next: &mut Vec<usize>, prev: &mut Vec<usize>| {
        let (p, q) = (prev[pos], next[pos]);
        next[p] = pos;
        prev[q] = pos;
    };

    let words = ops.len().div_ceil(64);
    let mut linearized = vec![0u64; words];
    let mut cache: BTreeSet<(Vec<u64>, u64)> = BTreeSet::new();
    let mut stack: Vec<(usize, u64)> = Vec::new();
    let mut state = initial;
    let mut remaining = ops.iter().filter(|o| o.ret.is_some()).count();
    let mut entry = next[head];
    let (mut deepest, mut witness) = (0usize, 0usize);
    while remaining > 0 {
        assert_ne!(
            entry, end,
            "the walk passed every return: impossible while returns remain"
        );
        let e = entries[entry];
        if !e.is_return {
            let ok = match ops[e.op].kind {
                RegisterOp::Write(v) => Some(v),
                RegisterOp::Read(v) => (v == state).then_some(state),
            };
            if let Some(new_state) = ok {
                linearized[e.op / 64] |= 1 << (e.op % 64);
                if cache.insert((linearized.clone(), new_state)) {
                    stack.push((e.op, state));
                    state = new_state;
                    unlink(call_pos[e.op], &mut next, &mut prev);
                    if let Some(r) = ret_pos[e.op] {
                        unlink(r, &mut next, &mut prev);
                        remaining -= 1;
                    }
                    entry = next[head];
                    continue;
                }
                linearized[e.op / 64] &= !(1 << (e.op % 64));
            }
            entry = next[entry];
        } else {
            if stack.len() >= deepest {
                (deepest, witness) = (stack.len(), e.op);
            }
            let Some((op, before)) = stack.pop() else {
                return Err(witness);
            };
            linearized[op / 64] &= !(1 << (op % 64));
            state = before;
            if let Some(r) = ret_pos[op] {
                relink(r, &mut next, &mut prev);
                remaining += 1;
            }
            relink(call_pos[op], &mut next, &mut prev);
            entry = next[call_pos[op]];
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(a: u64, b: Option<u64>, kind: RegisterOp) -> Op {
        Op {
            invoke: Time::from_millis(a),
            ret: b.map(Time::from_millis),
            kind,
        }
    }
    use RegisterOp::{Read, Write};

    // Sequential and overlapping histories that a register allows.
    #[test]
    fn accepts_linearizable_histories() {
        assert_eq!(check_register(&[], 0), Ok(()));
        let h = [
            op(0, Some(1), Write(1)),
            op(2, Some(3), Read(1)),
            op(4, Some(5), Write(2)),
            op(6, Some(7), Read(2)),
        ];
        assert_eq!(check_register(&h, 0), Ok(()));
        // A read overlapping a write may see either value.
        let h = [
            op(0, Some(10), Write(1)),
            op(2, Some(3), Read(0)),
            op(4, Some(5), Read(1)),
        ];
        assert_eq!(check_register(&h, 0), Ok(()));
        // A write with unknown outcome may take effect late, or never.
        let h = [
            op(0, None, Write(7)),
            op(5, Some(6), Read(0)),
            op(8, Some(9), Read(7)),
        ];
        assert_eq!(check_register(&h, 0), Ok(()));
        let h = [op(0, None, Write(7)), op(5, Some(6), Read(0))];
        assert_eq!(check_register(&h, 0), Ok(()));
    }

    // A stale read after a completed write, and a value flip-flopping back, are rejected.
    #[test]
    fn rejects_stale_reads() {
        let h = [op(0, Some(1), Write(1)), op(2, Some(3), Read(0))];
        assert_eq!(check_register(&h, 0), Err(1));
        let h = [
            op(0, Some(10), Write(1)),
            op(2, Some(3), Read(1)),
            op(4, Some(5), Read(0)),
        ];
        assert_eq!(check_register(&h, 0), Err(2));
        // An unknown write cannot explain a value flipping back.
        let h = [
            op(0, None, Write(7)),
            op(1, Some(2), Read(7)),
            op(3, Some(4), Read(0)),
        ];
        assert!(check_register(&h, 0).is_err());
    }
}
