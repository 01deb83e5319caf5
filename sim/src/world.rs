//! The world: the event loop that composes the kernel's parts.
//!
//! A [`World`] is its actors plus a [`Core`]; the core is made of parts with one concern
//! each, in this module's files: the scheduler (`scheduler.rs`: true time, the queue and its
//! slab), the nodes (`nodes.rs`: liveness, durable state, clocks), the network
//! (`crate::network`), the fault plan (`fault_plan.rs`: scripted and random faults and how
//! each changes the world), the judge (`judge.rs`: checkers, properties, violations), the
//! tracer (`tracer.rs`: digest, sink) and the counters (`counters.rs`). What handlers do
//! through their `Ctx` is in `effects.rs`, the builder in `builder.rs`, how a run ended in
//! `outcome.rs`; stepping (`step.rs`), faults injected by id (`inject.rs`) and fault
//! resolution (`resolve.rs`) drive the same loop. This file holds the loop itself: start,
//! `advance` (one queue entry), delivery, timers, and the end of a run.
//!
//! The parts are plain fields of the core, not objects behind calls: the loop reaches into
//! several of them per event, and every per-event path is inlined, so the split costs
//! nothing measurable (docs/performance.md has the figures).
//!
//! Invariants (asserted, with the seed and event index in the panic message):
//! - time never goes backwards;
//! - a handler never runs on a crashed or paused node, so nothing is delivered to one;
//! - after every run, sent = delivered + dropped + in flight (counted independently).

use std::collections::BTreeMap;

use crate::actor::{Actor, Ctx, NodeId, TimerId};
use crate::checker::{Verdicts, Violation};
use crate::expect::StateProperty;
use crate::harness::Recorder;
use crate::metrics::Metrics;
use crate::network::Network;
use crate::queue::{Item, Next};
use crate::time::Time;
use crate::trace::{Digest, DropReason, Event, TraceSink};

/// Panics with the seed and event index: for broken kernel invariants and API misuse that
/// only a bug can cause.
macro_rules! kassert {
    ($w:expr, $cond:expr, $($arg:tt)+) => {
        if !$cond {
            panic!("kernel invariant broken (seed {}, event {}): {}", $w.seed, $w.tracer.index, format!($($arg)+));
        }
    };
}

mod builder;
mod counters;
mod effects;
mod fault_plan;
mod inject;
mod judge;
mod nodes;
mod outcome;
mod resolve;
mod scheduler;
mod step;
mod tracer;

pub use builder::WorldBuilder;
use counters::Counters;
use fault_plan::{FaultPlan, RandomKind};
use judge::Judge;
use nodes::Nodes;
pub use outcome::{Outcome, RunResult, Stop};
use resolve::Resolved;
use scheduler::Scheduler;
pub use step::Step;
use tracer::Tracer;

/// The local deadline of a timer that never fires: one set past the end of local time (an
/// `i64` of nanoseconds), which a clock stepped or drifting far ahead can reach.
const NEVER_LOCAL: i64 = i64::MAX;

/// Kernel events between two calls of the interrupt check ([`WorldBuilder::interrupt`]):
/// rare enough to cost nothing measurable, often enough (a few ms) to stop promptly.
pub const INTERRUPT_EVERY: u64 = 1 << 16;

/// Builds (and rebuilds after a crash) a node's actor from its durable state.
type Factory<A> = Box<dyn Fn(NodeId, &<A as Actor>::Durable) -> A>;

/// What one [`World::advance`] did.
enum Advance {
    /// A queue entry ran (or was put aside for a paused node).
    Ran,
    /// A stale entry was skipped: nothing happened.
    Skipped,
    /// Nothing ran: the run stops, for this reason.
    Stopped(Stop),
}

/// Sees each queue entry just before it runs. Every method does nothing by default, and
/// [`Blind`] overrides none, so the run loop monomorphised with it carries no trace of it.
trait Tap<A: Actor> {
    /// A slot entry (a delayed message, a timer, a fault).
    fn slot(&mut self, _p: &Pending<A>) {}
    /// A same-instant message.
    fn inline(&mut self, _e: &Envelope<A::Msg>) {}
}

/// The tap of [`World::run`]: sees nothing.
struct Blind;

impl<A: Actor> Tap<A> for Blind {}

// The kernel's closed set of queued events lives here, beside the loop that matches it
// exhaustively; the scheduler only stores them.

/// A message on its way.
struct Envelope<M> {
    from: NodeId,
    to: NodeId,
    msg_id: u64,
    msg: M,
}

/// What a queue slot holds: the kernel's closed set of delayed events, matched exhaustively
/// wherever one runs.
enum Pending<A: Actor> {
    Deliver(Envelope<A::Msg>),
    Timer {
        node: NodeId,
        id: TimerId,
        inc: u32,
        deadline: i64,
        // An option so that firing can take it out without moving the slot.
        timer: Option<A::Timer>,
    },
    // Boxed: faults are rare and large; keeping them out of line keeps every slot small.
    Fault(Box<Resolved>),
    RandomTick(RandomKind),
    /// Undo a random fault (quietly skipped if the heal phase already undid it).
    Undo(Box<Resolved>),
    HealPhase,
}

/// A queued entry; heap keys whose `seq` differs from the slot's are stale.
struct Slot<A: Actor> {
    seq: u64,
    pending: Pending<A>,
}

/// A running simulation of actors of type `A`: the actors, and the [`Core`] that runs them.
///
/// The two are apart so that a handler can hold `&mut` its actor while its [`Ctx`] holds
/// `&mut` the core, with nothing moved for the call. `World` derefs to its core, which is
/// where the read-only accessors (time, names, metrics, digest, ...) live.
pub struct World<A: Actor> {
    core: Core<A>,
    actors: Vec<Option<A>>,
    // Closure properties over node states, judged after every event (empty: the fast loop).
    state_props: Vec<StateProperty<A>>,
}

impl<A: Actor> std::ops::Deref for World<A> {
    type Target = Core<A>;
    fn deref(&self) -> &Core<A> {
        &self.core
    }
}

impl<A: Actor> std::ops::DerefMut for World<A> {
    fn deref_mut(&mut self) -> &mut Core<A> {
        &mut self.core
    }
}

/// Everything of a [`World`] but its actors: clock, queue, network, faults, checkers, trace.
/// Handlers reach it through their [`Ctx`].
pub struct Core<A: Actor> {
    seed: u64,
    sched: Scheduler<A>,
    nodes: Nodes<A>,
    net: Network,
    faults: FaultPlan,
    judge: Judge<A>,
    tracer: Tracer,
    counters: Counters,
    metrics: Metrics,
    end: Time,
    max_events: u64,
    // The loop's one budget comparison: `max_events`, or the next interrupt check if sooner.
    next_check: u64,
    interrupt: Option<Box<dyn FnMut() -> bool>>,
    started: bool,
    // Set only in a harness's core, which takes every slow path, where this is checked.
    recorder: Option<Box<Recorder<A>>>,
}

impl<A: Actor> Core<A> {
    /// The root seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Current true time.
    pub fn now(&self) -> Time {
        self.sched.now
    }

    /// Node names, indexed by [`NodeId`].
    pub fn names(&self) -> &[String] {
        &self.nodes.names
    }

    /// The node called `name`.
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.nodes.id(name)
    }

    /// The durable state of a node.
    pub fn durable(&self, n: NodeId) -> &A::Durable {
        &self.nodes.states[n.idx()].durable
    }

    /// How many times node `n` has crashed so far.
    pub fn incarnation(&self, n: NodeId) -> u32 {
        self.nodes.live[n.idx()].inc
    }

    /// True unless node `n` is crashed.
    pub fn is_up(&self, n: NodeId) -> bool {
        self.nodes.live[n.idx()].up
    }

    /// True while node `n` is paused.
    pub fn is_paused(&self, n: NodeId) -> bool {
        self.nodes.live[n.idx()].paused
    }

    /// Run metrics, including checkers' metrics after the run.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The checkers' distributions ([`Checker::samples`]), after the run.
    pub fn samples(&self) -> &BTreeMap<String, Vec<f64>> {
        &self.judge.samples
    }

    /// Mutable metrics (for setup code that records parameters).
    pub fn metrics_mut(&mut self) -> &mut Metrics {
        &mut self.metrics
    }

    /// Violations found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.judge.violations
    }

    /// The trace digest so far.
    pub fn digest(&self) -> Digest {
        self.tracer.digest
    }

    /// Takes the trace sink back (e.g. to read a memory sink after the run).
    pub fn take_sink(&mut self) -> Option<Box<dyn TraceSink>> {
        self.tracer.slow_emit = self.judge.checker_events;
        self.tracer.sink.take()
    }
}

impl<A: Actor> World<A> {
    // ---- running -----------------------------------------------------------------------

    /// The actor of a node that is up (`None` while it is crashed, or before the world
    /// started), for reading its state between steps or after a run.
    pub fn actor(&self, n: NodeId) -> Option<&A> {
        self.actors.get(n.idx()).and_then(Option::as_ref)
    }

    /// Starts the nodes (each one's `on_start`, in id order) and queues the scripted
    /// faults, unless the world has started already. [`World::run`], [`World::step`] and
    /// fault injection start it themselves; call it to read the nodes right after start.
    pub fn start(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        let scripted = std::mem::take(&mut self.faults.scripted);
        for (at, f) in scripted {
            self.schedule(at, Pending::Fault(Box::new(f)));
        }
        if let Some(p) = self.faults.phases {
            self.emit(Event::Phase { name: "faults" }, None);
            self.schedule(p.heal_at, Pending::HealPhase);
            let kinds = [
                (RandomKind::Crash, self.faults.random.crash.clone()),
                (RandomKind::Pause, self.faults.random.pause.clone()),
                (RandomKind::Partition, self.faults.random.partition.clone()),
                (RandomKind::ClockStep, self.faults.random.clock_step.clone()),
            ];
            for (k, r) in kinds {
                if let Some(r) = r {
                    self.schedule_tick(k, &r);
                }
            }
        }
        for i in 0..self.nodes.len() {
            let node = NodeId(i as u32);
            self.emit(Event::Start { node }, None);
            let a = (self.nodes.factory)(node, &self.nodes.states[i].durable);
            self.actors[i] = Some(a);
            self.call(node, |a, cx| a.on_start(cx));
        }
        self.judge_states();
    }

    /// Runs until the end time, the event budget, quiescence, or (if asked) a violation.
    /// After [`World::step`]s or [`World::run_until`], it carries on from where they left.
    pub fn run(&mut self) -> RunResult {
        self.start();
        let end = self.end.0;
        let stop = if self.state_props.is_empty() {
            loop {
                if let Advance::Stopped(stop) = self.advance(end, &mut Blind) {
                    break stop;
                }
            }
        } else {
            self.run_judging_states(end)
        };
        if stop == Stop::TimeLimit && self.end != Time::MAX {
            self.sched.now = self.end;
            // A fault injected after the run then queues what it causes at the end time.
            let end = self.end.0;
            self.sched.queue.advance_to(end);
        }
        self.finish(stop)
    }

    /// [`World::run`]'s loop with the state properties judged after every event: a loop of
    /// its own, so that the plain one stays as tight as it was.
    #[inline(never)]
    fn run_judging_states(&mut self, end: u64) -> Stop {
        loop {
            match self.advance(end, &mut Blind) {
                Advance::Stopped(stop) => break stop,
                Advance::Ran => self.judge_states(),
                Advance::Skipped => {}
            }
        }
    }

    /// Runs the next queue entry due by `end`, unless the run must stop first; `tap` sees
    /// the entry before it runs. The one body behind [`World::run`] and [`World::step`], so
    /// both run events in exactly one way; with [`Blind`] it compiles to the bare loop body.
    #[inline(always)]
    fn advance<T: Tap<A>>(&mut self, end: u64, tap: &mut T) -> Advance {
        if self.sched.halt {
            return Advance::Stopped(if self.sched.overloaded {
                Stop::Overloaded
            } else {
                Stop::Violation
            });
        }
        if self.sched.kernel_events >= self.next_check {
            if self.sched.kernel_events >= self.max_events {
                // Budget spent: say why the run would have stopped anyway, if it would.
                return Advance::Stopped(match self.sched.queue.peek_time() {
                    None => Stop::Quiescent,
                    Some(t) if Time(t) > self.end => Stop::TimeLimit,
                    Some(_) => Stop::EventBudget,
                });
            }
            if self.interrupt.as_mut().is_some_and(|check| check()) {
                return Advance::Stopped(Stop::Interrupted);
            }
            self.next_check = self
                .sched
                .kernel_events
                .saturating_add(INTERRUPT_EVERY)
                .min(self.max_events);
        }
        let (t, seq, item) = match self.sched.queue.pop_until(end) {
            Next::Due(t, seq, item) => (t, seq, item),
            Next::Empty => return Advance::Stopped(Stop::Quiescent),
            Next::Later => return Advance::Stopped(Stop::TimeLimit),
        };
        kassert!(
            self,
            Time(t) >= self.sched.now,
            "time went backwards: {} -> {}",
            self.sched.now,
            Time(t)
        );
        self.sched.now = Time(t);
        match item {
            Item::Slot(slot) => {
                let (node_of, timer) = match self.sched.slab.get(slot as usize) {
                    Some(Some(s)) if s.seq == seq => {
                        tap.slot(&s.pending);
                        match &s.pending {
                            Pending::Deliver(e) => (Some(e.to), false),
                            Pending::Timer { node, .. } => (Some(*node), true),
                            Pending::Fault(_)
                            | Pending::Undo(_)
                            | Pending::RandomTick(_)
                            | Pending::HealPhase => (None, false),
                        }
                    }
                    _ => return Advance::Skipped, // stale entry: re-timed, or its slot was freed
                };
                self.sched.kernel_events += 1;
                if let Some(n) = node_of
                    && self.nodes.live[n.idx()].paused
                    && self.nodes.live[n.idx()].up
                {
                    // Stop-the-world: the event waits in its slot until resume.
                    self.nodes.states[n.idx()].held.push(slot);
                    return Advance::Ran;
                }
                if timer {
                    self.fire_timer_slot(slot);
                } else {
                    let p = self.sched.free_slot(slot);
                    self.run_pending(p);
                }
            }
            Item::Inline(p) => {
                tap.inline(&p);
                self.sched.kernel_events += 1;
                self.dispatch_inline(p);
            }
        }
        Advance::Ran
    }

    /// Judges the state properties on the world as it is now.
    fn judge_states(&mut self) {
        if self.state_props.is_empty() {
            return;
        }
        let mut props = std::mem::take(&mut self.state_props);
        let mut v = Verdicts::default();
        for p in &mut props {
            p.judge(self, &mut v);
        }
        self.state_props = props;
        self.core.verdicts(v);
    }

    fn finish(&mut self, stop: Stop) -> RunResult {
        let mut v = Verdicts::default();
        let end = self.sched.now;
        for c in self.judge.checkers.iter_mut() {
            c.finish(end, &mut v);
        }
        for p in &self.state_props {
            p.finish(end, &mut v);
        }
        self.core.verdicts(v);
        // Eventually-properties never confirmed are liveness failures at the deadline.
        for name in self.judge.unmet() {
            let mut v = Verdicts::default();
            v.fail(&name, format!("not met by the end of the run at {end}"));
            self.verdicts(v);
        }
        let reached = self.judge.reached();
        let core = &mut self.core;
        core.judge.collect(&mut core.metrics);
        // Conservation, counted independently of the counters.
        let in_flight = self.sched.messages_in_flight();
        kassert!(
            self,
            self.counters.sent == self.counters.delivered + self.counters.dropped + in_flight,
            "conservation: sent {} != delivered {} + dropped {} + in flight {}",
            self.counters.sent,
            self.counters.delivered,
            self.counters.dropped,
            in_flight
        );
        let trace_error = self.tracer.sink.as_mut().and_then(|s| s.finish().err());
        RunResult {
            stop,
            end,
            events: self.tracer.index,
            kernel_events: self.sched.kernel_events,
            sent: self.counters.sent,
            delivered: self.counters.delivered,
            dropped: self.counters.dropped,
            in_flight,
            violations: self.judge.violations.clone(),
            reached,
            digest: self.tracer.digest,
            trace_error,
        }
    }

    /// Delivers a same-instant message; if its node is paused it moves into a slot and waits.
    #[inline(always)]
    fn dispatch_inline(&mut self, e: Envelope<A::Msg>) {
        let live = self.nodes.live[e.to.idx()];
        if live.up && live.paused {
            let to = e.to;
            let slot = self.sched.alloc_slot(u64::MAX, Pending::Deliver(e));
            self.nodes.states[to.idx()].held.push(slot);
            return;
        }
        self.deliver(e);
    }

    /// Fires the timer in `slot` and frees the slot. Only the payload leaves the slab (the
    /// rest is read in place): moving the whole slot out cost a store-forwarding stall.
    #[inline(always)]
    fn fire_timer_slot(&mut self, slot: u32) {
        let Some(Slot {
            pending:
                Pending::Timer {
                    node,
                    id,
                    inc,
                    timer,
                    ..
                },
            ..
        }) = &mut self.sched.slab[slot as usize]
        else {
            unreachable!("fire_timer_slot on a slot without a timer")
        };
        let (node, id, inc) = (*node, *id, *inc);
        let timer = timer.take().expect("a queued timer holds its payload");
        // Emptied by value, so only the fields left (none that need dropping) are dropped:
        // assigning `None` called the drop glue of a whole slot, which the compiler stopped
        // inlining here once the core was split into parts (28 instructions a customer).
        match self.sched.slab[slot as usize].take() {
            Some(Slot {
                pending: Pending::Timer { timer: rest, .. },
                ..
            }) => drop(rest),
            _ => unreachable!("fire_timer_slot on a slot without a timer"),
        }
        self.sched.free.push(slot);
        self.fire_timer(node, id, inc, timer);
    }

    #[inline(always)]
    fn fire_timer(&mut self, node: NodeId, id: TimerId, inc: u32, timer: A::Timer) {
        if !self.sched.cancelled.is_empty() && self.sched.cancelled.remove(&id) {
            return;
        }
        if self.nodes.live[node.idx()].inc != inc || !self.nodes.live[node.idx()].up {
            return; // lost with the crash that happened after it was set
        }
        self.emit(Event::TimerFire { node, timer: id.0 }, None);
        let local_now = self.handler_time(node);
        let World { core, actors, .. } = self;
        let actor = actors[node.idx()]
            .as_mut()
            .expect("an up node has an actor");
        actor.on_timer(
            timer,
            &mut Ctx {
                w: core,
                me: node,
                local_now,
            },
        );
    }

    #[inline(always)]
    fn run_pending(&mut self, p: Pending<A>) {
        match p {
            Pending::Deliver(e) => self.deliver(e),
            Pending::Timer {
                node,
                id,
                inc,
                timer,
                ..
            } => {
                let timer = timer.expect("a queued timer holds its payload");
                self.fire_timer(node, id, inc, timer);
            }
            Pending::Fault(f) => self.apply_fault(*f, false),
            Pending::Undo(f) => self.apply_fault(*f, true),
            Pending::RandomTick(k) => self.random_tick(k),
            Pending::HealPhase => self.heal_phase(),
        }
    }

    #[inline(always)]
    fn deliver(&mut self, e: Envelope<A::Msg>) {
        use crate::actor::Message;
        let Envelope {
            from,
            to,
            msg_id,
            msg,
        } = e;
        let kind = msg.kind();
        let reason = if !self.nodes.live[to.idx()].up {
            Some(DropReason::Crashed)
        } else if self.net.is_cut(from, to) {
            Some(DropReason::Partition)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.counters.dropped += 1;
            self.emit(
                Event::Drop {
                    from,
                    to,
                    msg: msg_id,
                    kind,
                    reason,
                },
                None,
            );
            return;
        }
        self.counters.delivered += 1;
        self.emit(
            Event::Deliver {
                from,
                to,
                msg: msg_id,
                kind,
            },
            None,
        );
        // Called directly rather than through `call`'s closure, which the compiler kept out
        // of line and handed the message by pointer.
        let local_now = self.handler_time(to);
        let World { core, actors, .. } = self;
        let actor = actors[to.idx()].as_mut().expect("an up node has an actor");
        actor.on_message(
            from,
            msg,
            &mut Ctx {
                w: core,
                me: to,
                local_now,
            },
        );
    }

    /// Runs a handler on `node`; what it records through its `Ctx` is applied as it goes.
    /// Always inlined: passing the closure's captured message by pointer made the handler
    /// read it back wider than it was written, which stalls store forwarding.
    #[inline(always)]
    fn call(&mut self, node: NodeId, f: impl FnOnce(&mut A, &mut Ctx<'_, A>)) {
        let local_now = self.handler_time(node);
        let World { core, actors, .. } = self;
        let actor = actors[node.idx()]
            .as_mut()
            .expect("an up node has an actor");
        f(
            actor,
            &mut Ctx {
                w: core,
                me: node,
                local_now,
            },
        );
    }

    /// The local time a handler on `node` will see; panics if the node may not run one.
    #[inline(always)]
    fn handler_time(&self, node: NodeId) -> Time {
        let live = self.nodes.live[node.idx()];
        if !live.up || live.paused {
            panic!(
                "kernel invariant broken (seed {}, event {}): handler on crashed or paused node {}",
                self.seed,
                self.tracer.index,
                self.nodes.names[node.idx()]
            );
        }
        if live.perfect {
            self.sched.now
        } else {
            Time(
                self.nodes.states[node.idx()]
                    .clock
                    .local_at(self.sched.now.0)
                    .clamp(0, u64::MAX as i128) as u64,
            )
        }
    }
}
