//! The scheduler: true time, and what is due when. Entries due later sit in a slab of slots
//! that a binary heap of `(time, seq, slot)` keys points into; a message due at this very
//! instant goes to a FIFO beside the heap with no slot at all (see `crate::queue`). The
//! entries themselves, [`Pending`], are defined beside the loop that runs them.
//! Events run in `(time, seq)` order, `seq` counting insertions, so simultaneous events run
//! in the order they were scheduled (DET-3).

use std::collections::BTreeSet;

use super::{Core, Envelope, Pending, Slot};
use crate::actor::{Actor, TimerId};
use crate::queue::{EventQueue, MAX_SEQ};
use crate::time::Time;

/// True time, the queue and the slab of pending entries, the run's stop flags, and timer
/// handles.
pub(super) struct Scheduler<A: Actor> {
    pub(super) now: Time,
    pub(super) seq: u64,
    /// Queue entries processed.
    pub(super) kernel_events: u64,
    // Same-instant entries carry a bare envelope: only messages are ever queued inline.
    pub(super) queue: EventQueue<Envelope<A::Msg>>,
    // Set when the run must stop before its next event: a safety violation with
    // `stop_on_violation`, or an overload. One flag, so the loop tests one byte per event.
    pub(super) halt: bool,
    // More than `max_pending` slots were in use: the run stops as `Stop::Overloaded`.
    pub(super) overloaded: bool,
    pub(super) max_pending: usize,
    pub(super) slab: Vec<Option<Slot<A>>>,
    pub(super) free: Vec<u32>,
    pub(super) next_timer: u64,
    pub(super) cancelled: BTreeSet<TimerId>,
}

impl<A: Actor> Scheduler<A> {
    /// An empty schedule at time zero that holds at most `max_pending` slots.
    pub(super) fn new(max_pending: usize) -> Self {
        Scheduler {
            now: Time::ZERO,
            seq: 0,
            kernel_events: 0,
            queue: EventQueue::default(),
            halt: false,
            overloaded: false,
            max_pending,
            slab: Vec::new(),
            free: Vec::new(),
            next_timer: 0,
            cancelled: BTreeSet::new(),
        }
    }

    /// Puts a payload in a slab slot under `seq` (`u64::MAX` for a slot that waits unqueued,
    /// such as a delivery held at a paused node; `requeue` gives it a real one).
    #[inline(always)]
    pub(super) fn alloc_slot(&mut self, seq: u64, pending: Pending<A>) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slab[i as usize] = Some(Slot { seq, pending });
                i
            }
            None => {
                self.slab.push(Some(Slot { seq, pending }));
                if self.slab.len() > self.max_pending {
                    // Not a kernel bug but a scenario that queues without bound. The payload
                    // stays in the slab (it counts as in flight), the run stops before its
                    // next event, and the caller gets slot 0 instead of an index past the
                    // queue key's slot bits: whatever it queues for slot 0 carries a seq that
                    // slot 0 does not hold, so it would be skipped as stale even if popped.
                    // (Checking here, on the slab's growth path, keeps the hot path as it was:
                    // a test in `schedule` itself cost 4% at n = 1000.)
                    self.overloaded = true;
                    self.halt = true;
                    return 0;
                }
                (self.slab.len() - 1) as u32
            }
        }
    }

    /// Queues a message due at this very instant without touching the slab.
    #[inline(always)]
    pub(super) fn schedule_now(&mut self, e: Envelope<A::Msg>) {
        let seq = self.seq;
        self.seq += 1;
        self.queue.push_now(seq, e);
    }

    /// Empties `slot` and returns what it held.
    #[inline(always)]
    pub(super) fn free_slot(&mut self, slot: u32) -> Pending<A> {
        let s = self.slab[slot as usize]
            .take()
            .expect("freeing a live slot");
        self.free.push(slot);
        s.pending
    }

    /// Messages queued and not yet delivered or dropped, counted from the queue itself
    /// (independently of the counters).
    pub(super) fn messages_in_flight(&self) -> u64 {
        (self
            .slab
            .iter()
            .flatten()
            .filter(|s| matches!(s.pending, Pending::Deliver(_)))
            .count()
            + self.queue.inline_items().count()) as u64
    }
}

/// Queueing with the kernel's invariant checked: it needs the seed and event index that
/// only the core knows, for the panic message.
impl<A: Actor> Core<A> {
    /// Queues `pending` at true time `at`; returns its slot.
    #[inline(always)]
    pub(super) fn schedule(&mut self, at: Time, pending: Pending<A>) -> u32 {
        let seq = self.sched.seq;
        kassert!(
            self,
            seq < MAX_SEQ,
            "more than {MAX_SEQ} events queued in one run"
        );
        self.sched.seq += 1;
        let slot = self.sched.alloc_slot(seq, pending);
        self.sched.queue.push_slot(at.0, seq, slot);
        slot
    }

    /// Re-queues a live slot at `at` (old heap entries for it become stale).
    pub(super) fn requeue(&mut self, slot: u32, at: Time) {
        let seq = self.sched.seq;
        kassert!(
            self,
            seq < MAX_SEQ,
            "more than {MAX_SEQ} events queued in one run"
        );
        self.sched.seq += 1;
        if let Some(s) = self.sched.slab[slot as usize].as_mut() {
            s.seq = seq;
        }
        self.sched.queue.push_slot(at.0, seq, slot);
    }
}
