//! Driving a world from test code: one event at a time ([`World::step`]), up to an instant
//! ([`World::run_until`]) or while a condition on the world holds ([`World::run_while`]).
//! Between two calls the world can be read (actors, durable state, time) and faults
//! injected ([`World::inject`]). Stepping runs the very loop body [`World::run`] runs, so a
//! world stepped to its end has the same trace and digest as one run in one call.

use super::{Advance, Envelope, Pending, Tap, World};
use crate::actor::{Actor, Message, NodeId, TimerId};
use crate::time::Time;
use crate::trace::DropReason;
use crate::world::Stop;

/// What one [`World::step`] did: the queue entry that ran, at true time `at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A message reached `to` and its handler ran.
    Delivered {
        /// True time.
        at: Time,
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Message id (as in the trace).
        msg: u64,
        /// Message kind.
        kind: &'static str,
    },
    /// A message arrived at a crashed node, or across a cut link, and was lost.
    Dropped {
        /// True time.
        at: Time,
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Message id.
        msg: u64,
        /// Message kind.
        kind: &'static str,
        /// Why.
        reason: DropReason,
    },
    /// A timer of `node` fired and its handler ran.
    TimerFired {
        /// True time.
        at: Time,
        /// Owner.
        node: NodeId,
        /// The handle [`crate::Ctx::set_timer`] returned.
        timer: TimerId,
    },
    /// A timer of `node` came due but had been cancelled, or was set before a crash.
    TimerLost {
        /// True time.
        at: Time,
        /// Owner.
        node: NodeId,
        /// The timer.
        timer: TimerId,
    },
    /// A message or timer for a paused node was put aside until it resumes.
    Held {
        /// True time.
        at: Time,
        /// The paused node.
        node: NodeId,
    },
    /// A scripted fault, a random fault (or its undoing), or the heal phase.
    Fault {
        /// True time.
        at: Time,
    },
    /// Nothing ran: the run is over, for this reason. [`World::run`] then returns the
    /// result at once (with the end-of-run verdicts).
    Done(Stop),
}

impl Step {
    /// When it ran (`None` for [`Step::Done`]).
    pub fn at(&self) -> Option<Time> {
        match *self {
            Step::Delivered { at, .. }
            | Step::Dropped { at, .. }
            | Step::TimerFired { at, .. }
            | Step::TimerLost { at, .. }
            | Step::Held { at, .. }
            | Step::Fault { at } => Some(at),
            Step::Done(_) => None,
        }
    }
    /// True for [`Step::Done`].
    pub fn is_done(&self) -> bool {
        matches!(self, Step::Done(_))
    }
}

/// The entry about to run, as [`StepTap`] saw it.
enum Due {
    Message {
        from: NodeId,
        to: NodeId,
        msg: u64,
        kind: &'static str,
    },
    Timer {
        node: NodeId,
        timer: TimerId,
    },
    Fault,
}

/// The tap of [`World::step`]: notes what the entry is; the counters tell what became of it.
#[derive(Default)]
struct StepTap(Option<Due>);

impl<A: Actor> Tap<A> for StepTap {
    fn slot(&mut self, p: &Pending<A>) {
        self.0 = Some(match p {
            Pending::Deliver(e) => message(e),
            Pending::Timer { node, id, .. } => Due::Timer {
                node: *node,
                timer: *id,
            },
            Pending::Fault(_) | Pending::Undo(_) | Pending::RandomTick(_) | Pending::HealPhase => {
                Due::Fault
            }
        });
    }
    fn inline(&mut self, e: &Envelope<A::Msg>) {
        self.0 = Some(message(e));
    }
}

fn message<M: Message>(e: &Envelope<M>) -> Due {
    Due::Message {
        from: e.from,
        to: e.to,
        msg: e.msg_id,
        kind: e.msg.kind(),
    }
}

impl<A: Actor> World<A> {
    /// Runs the next event (starting the world first if needed) and says what it was; once
    /// the run is over, returns [`Step::Done`] with the reason (and keeps doing so).
    pub fn step(&mut self) -> Step {
        self.step_until(self.end.0)
    }

    /// [`World::step`], but only for an event due by `end` (the world's own end or sooner).
    fn step_until(&mut self, end: u64) -> Step {
        self.start();
        loop {
            let (delivered, dropped, index) = (
                self.counters.delivered,
                self.counters.dropped,
                self.tracer.index,
            );
            let mut tap = StepTap::default();
            match self.advance(end, &mut tap) {
                Advance::Skipped => continue,
                Advance::Stopped(stop) => return Step::Done(stop),
                Advance::Ran => {
                    let at = self.sched.now;
                    let due = tap.0.expect("an entry that ran was seen by the tap");
                    let step = match due {
                        Due::Message {
                            from,
                            to,
                            msg,
                            kind,
                        } => {
                            if self.counters.delivered > delivered {
                                Step::Delivered {
                                    at,
                                    from,
                                    to,
                                    msg,
                                    kind,
                                }
                            } else if self.counters.dropped > dropped {
                                // A drop on arrival changes nothing but the counters, so
                                // the reason can be read back from the state it met.
                                let reason = if self.nodes.live[to.idx()].up {
                                    DropReason::Partition
                                } else {
                                    DropReason::Crashed
                                };
                                Step::Dropped {
                                    at,
                                    from,
                                    to,
                                    msg,
                                    kind,
                                    reason,
                                }
                            } else {
                                Step::Held { at, node: to }
                            }
                        }
                        Due::Timer { node, timer } => {
                            let live = self.nodes.live[node.idx()];
                            if self.tracer.index > index {
                                Step::TimerFired { at, node, timer }
                            } else if live.up && live.paused {
                                Step::Held { at, node }
                            } else {
                                Step::TimerLost { at, node, timer }
                            }
                        }
                        Due::Fault => Step::Fault { at },
                    };
                    self.judge_states();
                    return step;
                }
            }
        }
    }

    /// Runs every event due at or before `t`, then moves the clock to `t`, so that what
    /// the test does next (a fault, a read) happens at `t`. Returns `None` when the world
    /// got there and can go on (it may be idle), or `Some(stop)` when the run ended first:
    /// the end time, the event budget, a violation with stop-on-violation, an overload or an
    /// interrupt. [`World::run`] then returns the result.
    pub fn run_until(&mut self, t: Time) -> Option<Stop> {
        let end = t.min(self.end);
        loop {
            match self.step_until(end.0) {
                // Out of events before `t` (not out of budget): the world idles until `t`.
                Step::Done(Stop::TimeLimit | Stop::Quiescent)
                    if t < self.end && self.sched.kernel_events < self.max_events =>
                {
                    if t > self.sched.now {
                        self.sched.now = t;
                        self.sched.queue.advance_to(t.0);
                    }
                    return None;
                }
                Step::Done(stop) => return Some(stop),
                _ => {}
            }
        }
    }

    /// Runs events one at a time while `go_on(world)` holds (asked before each one). Returns
    /// `None` when it stopped holding, or `Some(stop)` when the run ended first.
    pub fn run_while(&mut self, mut go_on: impl FnMut(&World<A>) -> bool) -> Option<Stop> {
        self.start();
        while go_on(self) {
            if let Step::Done(stop) = self.step() {
                return Some(stop);
            }
        }
        None
    }
}
