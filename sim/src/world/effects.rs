//! What handlers do, through their [`crate::Ctx`]: send, set and cancel timers, persist,
//! observe, note. Each verb is applied as it is recorded (no command buffer): the common
//! case of each is inlined into the handler, the rest (network model, detail text, a
//! harness's recorder) is out of line.
//!
//! Also the core of a [`crate::Harness`], whose recorder catches the effects instead.

use super::{Core, NEVER_LOCAL, WorldBuilder};
use super::{Envelope, Pending};
use crate::actor::{Actor, NodeId, TimerId};
use crate::checker::Verdicts;
use crate::harness::{Effect, Recorder};
use crate::network::{Fate, LinkConfig};
use crate::rng::Stream;
use crate::time::Time;
use crate::trace::Event;

impl<A: Actor> Core<A> {
    /// `node`'s random stream (for its `Ctx`).
    #[inline]
    pub(crate) fn node_rng(&mut self, node: NodeId) -> &mut Stream {
        &mut self.nodes.states[node.idx()].rng
    }

    /// A handler on `node` sends `msg` to `to`.
    ///
    /// Inlined into the handler for the common case (an instantaneous, fault-free network and
    /// no detail text): the message then goes from the handler's fields straight into the
    /// same-instant FIFO, without a copy through the stack that the CPU has to forward.
    #[inline(always)]
    pub(crate) fn send_from(&mut self, node: NodeId, to: NodeId, msg: A::Msg) {
        use crate::actor::Message;
        if !self.tracer.detail && self.net.instant() && to.idx() < self.nodes.len() {
            let id = self.counters.next_msg;
            self.counters.next_msg += 1;
            self.counters.sent += 1;
            self.emit(
                Event::Send {
                    from: node,
                    to,
                    msg: id,
                    kind: msg.kind(),
                },
                None,
            );
            self.sched.schedule_now(Envelope {
                from: node,
                to,
                msg_id: id,
                msg,
            });
            return;
        }
        self.send_slow(node, to, msg);
    }

    /// [`World::send_from`] through the network model: delay, loss, duplication, rules.
    #[inline(never)]
    fn send_slow(&mut self, node: NodeId, to: NodeId, msg: A::Msg) {
        use crate::actor::Message;
        if let Some(r) = self.recorder.as_deref_mut() {
            r.push(Effect::Send { to, msg });
            return;
        }
        kassert!(
            self,
            to.idx() < self.nodes.len(),
            "node {} sent to unknown node {}",
            self.nodes.names[node.idx()],
            to
        );
        let id = self.counters.next_msg;
        self.counters.next_msg += 1;
        let kind = msg.kind();
        self.counters.sent += 1;
        let send = Event::Send {
            from: node,
            to,
            msg: id,
            kind,
        };
        if self.tracer.detail {
            // One reused buffer: a traced run formats every message, and allocating a
            // string per send was a visible part of the JSONL sink's cost.
            use std::fmt::Write as _;
            let mut d = std::mem::take(&mut self.tracer.scratch);
            d.clear();
            let _ = write!(d, "{msg:?}");
            // The summary shares the buffer: the detail text, then the summary after it.
            let split = d.len();
            msg.summary(&mut d);
            let (detail, summary) = d.split_at(split);
            let summary = (!summary.is_empty()).then_some(summary);
            self.emit_summarised(send, Some(detail), summary);
            self.tracer.scratch = d;
        } else {
            self.emit(send, None);
        }
        match self.net.fate(node, to, kind, self.sched.now) {
            Fate::Dropped(reason) => {
                self.counters.dropped += 1;
                self.emit(
                    Event::Drop {
                        from: node,
                        to,
                        msg: id,
                        kind,
                        reason,
                    },
                    None,
                );
            }
            Fate::Deliver { at, dup } => {
                if let Some(d) = dup {
                    self.counters.sent += 1;
                    self.emit(
                        Event::Duplicate {
                            from: node,
                            to,
                            msg: id,
                            kind,
                        },
                        None,
                    );
                    self.schedule(
                        d,
                        Pending::Deliver(Envelope {
                            from: node,
                            to,
                            msg_id: id,
                            msg: msg.clone(),
                        }),
                    );
                }
                let e = Envelope {
                    from: node,
                    to,
                    msg_id: id,
                    msg,
                };
                if at == self.sched.now {
                    self.sched.schedule_now(e);
                } else {
                    self.schedule(at, Pending::Deliver(e));
                }
            }
        }
    }

    /// A handler on `node` sets a timer; returns its handle.
    #[inline(always)]
    pub(crate) fn set_timer_on(&mut self, node: NodeId, after: Time, timer: A::Timer) -> TimerId {
        let id = TimerId(self.sched.next_timer);
        self.sched.next_timer += 1;
        let live = self.nodes.live[node.idx()];
        let (deadline, at) = if live.perfect {
            let at = self.sched.now + after;
            (at.0.min(i64::MAX as u64) as i64, at)
        } else {
            if let Some(r) = self.recorder.as_deref_mut() {
                return r.set_timer(after, timer);
            }
            let ns = &self.nodes.states[node.idx()];
            let d = ns.clock.local_at(self.sched.now.0) + after.0 as i128;
            if d >= NEVER_LOCAL as i128 {
                // Past the end of local time: the timer never fires. (Clamping the deadline
                // to the end instead made a clock stepped near it fire every timer at once,
                // over and over.)
                (NEVER_LOCAL, Time::MAX)
            } else {
                (d as i64, Time(ns.clock.true_at(d, self.sched.now.0)))
            }
        };
        let inc = live.inc;
        self.emit(
            Event::TimerSet {
                node,
                timer: id.0,
                at,
            },
            None,
        );
        self.schedule(
            at,
            Pending::Timer {
                node,
                id,
                inc,
                deadline,
                timer: Some(timer),
            },
        );
        id
    }

    /// A handler on `node` cancels a timer.
    pub(crate) fn cancel_timer_on(&mut self, node: NodeId, id: TimerId) {
        if let Some(r) = self.recorder.as_deref_mut() {
            return r.push(Effect::CancelTimer(id));
        }
        self.sched.cancelled.insert(id);
        self.emit(Event::TimerCancel { node, timer: id.0 }, None);
    }

    /// A handler on `node` persists its durable state.
    pub(crate) fn persist_on(&mut self, node: NodeId, d: A::Durable) {
        if let Some(r) = self.recorder.as_deref_mut() {
            r.push(Effect::Persist(d.clone()));
            self.nodes.states[node.idx()].durable = d;
            return;
        }
        self.nodes.states[node.idx()].durable = d;
        self.emit(Event::Persist { node }, None);
    }

    /// A handler on `node` reports a fact to the checkers.
    pub(crate) fn observe_on(&mut self, node: NodeId, o: A::Obs) {
        if self.tracer.detail {
            if let Some(r) = self.recorder.as_deref_mut() {
                return r.push(Effect::Observe(o));
            }
            let d = format!("{o:?}");
            self.emit(Event::Observe { node }, Some(&d));
        } else {
            self.emit(Event::Observe { node }, None);
        }
        let mut v = Verdicts::default();
        let now = self.sched.now;
        for c in self.judge.checkers.iter_mut() {
            c.observe(now, node, &o, &mut v);
        }
        self.verdicts(v);
    }

    /// A handler on `node` annotates the trace.
    pub(crate) fn note_on(&mut self, node: NodeId, text: &str) {
        if let Some(r) = self.recorder.as_deref_mut() {
            return r.push(Effect::Note(text.to_string()));
        }
        self.note(Some(node), text);
    }
}

impl<A: Actor> Core<A> {
    /// The core of a [`crate::Harness`] for node `me`: nodes `#0` to `me` on an instant
    /// network, with a recorder. Its verbs all take the kernel's slow paths (detail on, the
    /// node's clock marked imperfect), which check the recorder first, so the hot paths the
    /// kernel runs carry no test for it.
    pub(crate) fn recording(me: NodeId) -> Core<A> {
        let mut b = WorldBuilder::<A>::new(0);
        for i in 0..=me.0 {
            b.node(&format!("#{i}"));
        }
        b.factory(|_, _| unreachable!("a harness builds its actor itself"));
        b.default_link(LinkConfig::instant());
        let mut core = b.build().expect("a harness core is a valid world").core;
        core.tracer.detail = true;
        core.nodes.live[me.idx()].perfect = false;
        core.recorder = Some(Box::default());
        core
    }
    /// The recorder's effects so far, taken out (empty for a kernel's core).
    pub(crate) fn take_effects(&mut self) -> Vec<Effect<A>> {
        self.recorder
            .as_deref_mut()
            .map(Recorder::take)
            .unwrap_or_default()
    }
    /// Sets true time (a harness's clock).
    pub(crate) fn set_now(&mut self, t: Time) {
        self.sched.now = t;
    }
    /// Node `n`'s durable state, to replace it (a harness's setup).
    pub(crate) fn durable_mut(&mut self, n: NodeId) -> &mut A::Durable {
        &mut self.nodes.states[n.idx()].durable
    }
    /// Sets node `n`'s incarnation (a harness's setup).
    pub(crate) fn set_incarnation(&mut self, n: NodeId, inc: u32) {
        self.nodes.live[n.idx()].inc = inc;
    }
}
