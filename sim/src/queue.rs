//! The event queue: a binary heap of 16-byte keys packing `(time, seq, slot)` plus a FIFO for
//! entries due at the current instant, which may carry their payload inline (zero-delay
//! messages never touch the heap or the payload slab). Order is exactly `(time, seq)` either
//! way: `seq` is a global insertion counter, so simultaneous events run in insertion order,
//! whatever the seed and the heap's internals (DET-3).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// What a queue entry refers to: a payload slot (cancellable, re-timeable) or an inline
/// payload (a same-instant message).
#[derive(Debug)]
pub(crate) enum Item<P> {
    /// Index into the world's payload slab.
    Slot(u32),
    /// The payload itself.
    Inline(P),
}

/// What [`EventQueue::pop_until`] found.
pub(crate) enum Next<P> {
    /// The next entry, as `(time, seq, item)`.
    Due(u64, u64, Item<P>),
    /// Nothing is queued.
    Empty,
    /// The next entry is due after the end time.
    Later,
}

/// Min-queue ordered by `(time, seq)`.
/// Bits of a heap key below `seq` that hold the slot.
const SLOT_BITS: u32 = 24;
/// Most payload slots that can be pending at once.
pub(crate) const MAX_SLOTS: u32 = 1 << SLOT_BITS;
/// Most entries a run can queue (seq numbers).
pub(crate) const MAX_SEQ: u64 = 1 << (64 - SLOT_BITS);

/// `(time, seq, slot)` as one integer: ordering keys is ordering by `(time, seq)`, since
/// `seq` is unique, in a single 128-bit comparison.
#[inline(always)]
fn key(time: u64, seq: u64, slot: u32) -> u128 {
    ((time as u128) << 64) | ((seq << SLOT_BITS) | slot as u64) as u128
}

#[derive(Debug)]
pub(crate) struct EventQueue<P> {
    heap: BinaryHeap<Reverse<u128>>,
    // Entries due at `now`, in seq order. Every heap entry due at `now` was pushed before
    // time reached `now`, so it has a smaller seq than every FIFO entry.
    now_fifo: VecDeque<(u64, Item<P>)>,
    now: u64,
}

impl<P> Default for EventQueue<P> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            now_fifo: VecDeque::new(),
            now: 0,
        }
    }
}

impl<P> EventQueue<P> {
    /// Adds a slot entry. `time` must be >= the time of the last popped entry, `seq` below
    /// [`MAX_SEQ`] and `slot` below [`MAX_SLOTS`] (the world checks both).
    #[inline]
    pub(crate) fn push_slot(&mut self, time: u64, seq: u64, slot: u32) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        debug_assert!(seq < MAX_SEQ && slot < MAX_SLOTS);
        if time == self.now {
            self.now_fifo.push_back((seq, Item::Slot(slot)));
        } else {
            self.heap.push(Reverse(key(time, seq, slot)));
        }
    }

    /// Adds an inline entry due now.
    #[inline(always)]
    pub(crate) fn push_now(&mut self, seq: u64, p: P) {
        self.now_fifo.push_back((seq, Item::Inline(p)));
    }

    /// Due time of the next entry.
    #[inline]
    pub(crate) fn peek_time(&self) -> Option<u64> {
        if !self.now_fifo.is_empty() {
            return Some(self.now);
        }
        self.heap.peek().map(|Reverse(k)| (k >> 64) as u64)
    }

    /// Removes and returns the next entry if it is due by `end`: one look at the heap's top
    /// instead of a peek followed by a pop.
    #[inline]
    pub(crate) fn pop_until(&mut self, end: u64) -> Next<P> {
        let top = self.heap.peek().map(|Reverse(k)| *k);
        if !self.now_fifo.is_empty() && top.is_none_or(|k| (k >> 64) as u64 != self.now) {
            if self.now > end {
                return Next::Later;
            }
            let (seq, item) = self.now_fifo.pop_front().expect("not empty");
            return Next::Due(self.now, seq, item);
        }
        let Some(k) = top else {
            return Next::Empty;
        };
        let t = (k >> 64) as u64;
        if t > end {
            return Next::Later;
        }
        self.heap.pop();
        let low = k as u64;
        self.now = t;
        Next::Due(
            t,
            low >> SLOT_BITS,
            Item::Slot((low & (MAX_SLOTS as u64 - 1)) as u32),
        )
    }

    /// Inline payloads still queued (for the end-of-run conservation count).
    pub(crate) fn inline_items(&self) -> impl Iterator<Item = &P> {
        self.now_fifo.iter().filter_map(|(_, i)| match i {
            Item::Inline(p) => Some(p),
            Item::Slot(_) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_seq_across_heap_and_fifo() {
        let mut q: EventQueue<u32> = EventQueue::default();
        q.push_slot(5, 2, 0);
        q.push_slot(0, 0, 1); // due now (0): fifo
        q.push_slot(5, 1, 2);
        q.push_slot(3, 3, 3);
        let mut got = vec![];
        let mut seq = 10;
        while let Next::Due(t, _, item) = q.pop_until(u64::MAX) {
            let id = match item {
                Item::Slot(s) => s,
                Item::Inline(p) => p,
            };
            got.push((t, id));
            if id == 3 {
                q.push_now(4, 4); // same instant, later seq: right after (3,3)
                q.push_slot(5, 5, 5);
            }
            if id == 2 {
                q.push_now(seq, 6); // at t=5 after (5,1) but before (5,2)? No: seq 10 > 2.
                seq += 1;
            }
        }
        assert_eq!(
            got,
            vec![(0, 1), (3, 3), (3, 4), (5, 2), (5, 0), (5, 5), (5, 6)]
        );
        assert!(matches!(q.pop_until(u64::MAX), Next::Empty));
        q.push_slot(9, 20, 7);
        assert!(matches!(q.pop_until(8), Next::Later));
        assert!(matches!(q.pop_until(9), Next::Due(9, 20, Item::Slot(7))));
    }
}
