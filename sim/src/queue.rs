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
    // True while the heap's top is the entry being run: it stays in the heap until the next
    // pop, so that the first entry its event schedules can take its place (one sift down
    // instead of a pop and a push; most events schedule one successor).
    top_taken: bool,
    // Entries due at `now`, in seq order. Every heap entry due at `now` was pushed before
    // time reached `now`, so it has a smaller seq than every FIFO entry.
    now_fifo: VecDeque<(u64, Item<P>)>,
    now: u64,
}

impl<P> Default for EventQueue<P> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            top_taken: false,
            now_fifo: VecDeque::new(),
            now: 0,
        }
    }
}

impl<P> EventQueue<P> {
    /// Adds a slot entry. `time` must be >= the time of the last popped entry, `seq` below
    /// [`MAX_SEQ`] and `slot` below [`MAX_SLOTS`] (the world checks both).
    #[inline(always)]
    pub(crate) fn push_slot(&mut self, time: u64, seq: u64, slot: u32) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        debug_assert!(seq < MAX_SEQ && slot < MAX_SLOTS);
        if time == self.now {
            self.now_fifo.push_back((seq, Item::Slot(slot)));
        } else if self.top_taken {
            self.top_taken = false;
            // Dropping the `PeekMut` sifts the new key down from the top.
            *self
                .heap
                .peek_mut()
                .expect("a taken top is still in the heap") = Reverse(key(time, seq, slot));
        } else {
            self.heap.push(Reverse(key(time, seq, slot)));
        }
    }

    /// Removes the entry handed out by the last [`EventQueue::pop_until`], unless an entry
    /// pushed since has already replaced it.
    #[inline(always)]
    fn settle(&mut self) {
        if self.top_taken {
            self.top_taken = false;
            self.heap.pop();
        }
    }

    /// Adds an inline entry due now.
    #[inline(always)]
    pub(crate) fn push_now(&mut self, seq: u64, p: P) {
        self.now_fifo.push_back((seq, Item::Inline(p)));
    }

    /// Due time of the next entry.
    #[inline]
    pub(crate) fn peek_time(&mut self) -> Option<u64> {
        self.settle();
        if !self.now_fifo.is_empty() {
            return Some(self.now);
        }
        self.heap.peek().map(|Reverse(k)| (k >> 64) as u64)
    }

    /// Returns the next entry if it is due by `end` (one look at the heap's top instead of a
    /// peek followed by a pop); a heap entry leaves the heap at the next push or pop.
    #[inline]
    pub(crate) fn pop_until(&mut self, end: u64) -> Next<P> {
        self.settle();
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
        self.top_taken = true;
        let low = k as u64;
        self.now = t;
        Next::Due(
            t,
            low >> SLOT_BITS,
            Item::Slot((low & (MAX_SLOTS as u64 - 1)) as u32),
        )
    }

    /// Moves the queue's notion of now to `t` (for a caller that idles the world until
    /// `t`), so that entries pushed next for `t` go to the same-instant FIFO. Only when
    /// nothing is due before `t`: the FIFO is empty then.
    pub(crate) fn advance_to(&mut self, t: u64) {
        self.settle();
        debug_assert!(self.now_fifo.is_empty(), "advance_to with entries due now");
        debug_assert!(
            self.heap
                .peek()
                .is_none_or(|Reverse(k)| (k >> 64) as u64 > t),
            "advance_to past a queued entry"
        );
        self.now = self.now.max(t);
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

    /// Pops interleaved with zero, one or two pushes per event (the first push replaces the
    /// popped top in place) come out in exactly the order of a sorted reference model.
    #[test]
    fn replacing_the_taken_top_keeps_time_seq_order() {
        let mut q: EventQueue<u32> = EventQueue::default();
        let mut model = std::collections::BTreeSet::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut rand = move |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        let mut seq = 0;
        for slot in 0..50 {
            let t = 1 + rand(100);
            q.push_slot(t, seq, slot);
            model.insert((t, seq, slot));
            seq += 1;
        }
        let mut popped = 0;
        while let Next::Due(t, s, item) = q.pop_until(u64::MAX) {
            let Item::Slot(slot) = item else {
                panic!("no inline entries were pushed")
            };
            let first = model.pop_first().expect("model has the entry");
            assert_eq!((t, s, slot), first, "entry {popped}");
            popped += 1;
            if popped < 5000 {
                let pushes = if model.len() < 20 { 2 } else { rand(3) };
                for _ in 0..pushes {
                    let at = t + 1 + rand(100);
                    q.push_slot(at, seq, (seq % 1000) as u32);
                    model.insert((at, seq, (seq % 1000) as u32));
                    seq += 1;
                }
            }
            if popped % 7 == 0 {
                assert_eq!(q.peek_time(), model.first().map(|e| e.0));
            }
        }
        assert!(model.is_empty());
        assert!(popped > 5000);
    }
}
