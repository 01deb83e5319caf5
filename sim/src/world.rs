//! The world: nodes, the event loop, and how commands and faults change state.
//!
//! Invariants (asserted, with the seed and event index in the panic message):
//! - time never goes backwards;
//! - a handler never runs on a crashed or paused node, so nothing is delivered to one;
//! - after every run, sent = delivered + dropped + in flight (counted independently).

use std::collections::{BTreeMap, BTreeSet};

use crate::actor::{Actor, Ctx, NodeId, TimerId};
use crate::checker::{Checker, PropertyKind, Verdicts, Violation};
use crate::clock::LocalClock;
use crate::error::Error;
use crate::expect::{Expect, ObservedProperty, StateProperty};
use crate::faults::{Fault, FaultRate, FaultStep, Phases, RandomFaults};
use crate::harness::{Effect, Recorder};
use crate::metrics::Metrics;
use crate::network::{Fate, LinkConfig, Network};
use crate::queue::{EventQueue, Item, MAX_SEQ, MAX_SLOTS, Next};
use crate::rng::Stream;
use crate::time::Time;
use crate::trace::{Digest, DropReason, Event, Record, TraceSink};

mod inject;
mod resolve;
mod step;

use resolve::{Names, Resolved, pairs, resolve, resolve_fault};
pub use step::Step;

/// Panics with the seed and event index: for broken kernel invariants and API misuse that
/// only a bug can cause.
macro_rules! kassert {
    ($w:expr, $cond:expr, $($arg:tt)+) => {
        if !$cond {
            panic!("kernel invariant broken (seed {}, event {}): {}", $w.seed, $w.index, format!($($arg)+));
        }
    };
}

/// The local deadline of a timer that never fires: one set past the end of local time (an
/// `i64` of nanoseconds), which a clock stepped or drifting far ahead can reach.
const NEVER_LOCAL: i64 = i64::MAX;

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The next event was past the end time (or the liveness deadline).
    TimeLimit,
    /// The event budget ran out.
    EventBudget,
    /// Nothing was left to happen.
    Quiescent,
    /// A safety property failed and the world was told to stop at the first violation.
    Violation,
    /// More timers and delayed messages were pending at once than the world allows
    /// ([`WorldBuilder::max_pending`]): the run is cut short and its results are not valid.
    /// Usually a timer or retransmission interval far shorter than the network latency.
    Overloaded,
    /// The caller's interrupt check ([`WorldBuilder::interrupt`]) asked to stop: a wall-clock
    /// limit or Ctrl-C. The run is cut short and its results are not valid.
    Interrupted,
}

impl Stop {
    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stop::TimeLimit => "time_limit",
            Stop::EventBudget => "event_budget",
            Stop::Quiescent => "quiescent",
            Stop::Violation => "violation",
            Stop::Overloaded => "overloaded",
            Stop::Interrupted => "interrupted",
        }
    }
}

/// Kernel events between two calls of the interrupt check ([`WorldBuilder::interrupt`]):
/// rare enough to cost nothing measurable, often enough (a few ms) to stop promptly.
pub const INTERRUPT_EVERY: u64 = 1 << 16;

/// What a run produced.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Why it stopped.
    pub stop: Stop,
    /// True time at the end.
    pub end: Time,
    /// Trace records emitted.
    pub events: u64,
    /// Queue entries processed (deliveries, timers, faults).
    pub kernel_events: u64,
    /// Transmissions (duplicates count as one more).
    pub sent: u64,
    /// Messages handed to a handler.
    pub delivered: u64,
    /// Messages lost (loss, partition, crashed destination, rule).
    pub dropped: u64,
    /// Messages still travelling or held at a paused node.
    pub in_flight: u64,
    /// Violations in the order found.
    pub violations: Vec<Violation>,
    /// `sometimes` properties reached, and those never reached.
    pub reached: BTreeMap<String, bool>,
    /// The trace digest.
    pub digest: Digest,
    /// The sink's first write error, if any (the run itself is unaffected).
    pub trace_error: Option<String>,
}

impl RunResult {
    /// What the run's violations add up to: a safety violation outweighs a liveness failure.
    pub fn outcome(&self) -> Outcome {
        Outcome::of(&self.violations)
    }
}

/// The verdict on a run. Its stable name ([`Outcome::as_str`]) is what reports and exit
/// codes use; it also compares equal to that name (`r.outcome() == "ok"`), as the plain
/// strings it replaces did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// No property failed.
    Ok,
    /// An `always` property failed.
    SafetyViolation,
    /// No `always` property failed, but an `eventually` property did.
    LivenessFailure,
}

impl Outcome {
    /// The outcome of a run that found `violations`.
    pub fn of(violations: &[Violation]) -> Outcome {
        if violations.iter().any(|v| v.kind == PropertyKind::Always) {
            Outcome::SafetyViolation
        } else if violations
            .iter()
            .any(|v| v.kind == PropertyKind::Eventually)
        {
            Outcome::LivenessFailure
        } else {
            Outcome::Ok
        }
    }
    /// Stable lowercase name: `ok`, `safety_violation` or `liveness_failure`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::SafetyViolation => "safety_violation",
            Outcome::LivenessFailure => "liveness_failure",
        }
    }
    /// True for [`Outcome::Ok`].
    pub fn is_ok(self) -> bool {
        self == Outcome::Ok
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Outcome {
    fn eq(&self, name: &str) -> bool {
        self.as_str() == name
    }
}

impl PartialEq<&str> for Outcome {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

type Factory<A> = Box<dyn Fn(NodeId, &<A as Actor>::Durable) -> A>;

/// A scripted fault as the builder was given it.
enum Scripted {
    Named(FaultStep),
    ById(Time, Fault),
}

/// Builds a [`World`]; every name and parameter is checked in [`WorldBuilder::build`].
pub struct WorldBuilder<A: Actor> {
    seed: u64,
    names: Vec<String>,
    clocks: Vec<(i64, i64)>,
    factory: Option<Factory<A>>,
    default_link: LinkConfig,
    links: Vec<(Option<String>, Option<String>, bool, LinkConfig)>,
    faults: Vec<Scripted>,
    random: RandomFaults,
    phases: Option<Phases>,
    end: Time,
    max_events: u64,
    max_pending: u32,
    checkers: Vec<Box<dyn Checker<A>>>,
    state_props: Vec<StateProperty<A>>,
    sink: Option<Box<dyn TraceSink>>,
    stop_on_violation: bool,
    interrupt: Option<Box<dyn FnMut() -> bool>>,
}

impl<A: Actor> WorldBuilder<A> {
    /// A world with root seed `seed`, no nodes, 1 ms links, and no time limit.
    pub fn new(seed: u64) -> Self {
        WorldBuilder {
            seed,
            names: Vec::new(),
            clocks: Vec::new(),
            factory: None,
            default_link: LinkConfig::default(),
            links: Vec::new(),
            faults: Vec::new(),
            random: RandomFaults::default(),
            phases: None,
            end: Time::MAX,
            max_events: u64::MAX,
            max_pending: MAX_SLOTS,
            checkers: Vec::new(),
            state_props: Vec::new(),
            sink: None,
            stop_on_violation: false,
            interrupt: None,
        }
    }
    /// Adds a node with a perfect clock; returns its id.
    pub fn node(&mut self, name: &str) -> NodeId {
        self.node_with_clock(name, 0, 0)
    }
    /// Adds a node whose clock starts at `offset_ns` and drifts `ppm` parts per million.
    pub fn node_with_clock(&mut self, name: &str, offset_ns: i64, ppm: i64) -> NodeId {
        self.names.push(name.to_string());
        self.clocks.push((offset_ns, ppm));
        NodeId(self.names.len() as u32 - 1)
    }
    /// How to build (and rebuild after a crash) each node's actor from its durable state.
    pub fn factory(&mut self, f: impl Fn(NodeId, &A::Durable) -> A + 'static) -> &mut Self {
        self.factory = Some(Box::new(f));
        self
    }
    /// The configuration of every link without an override.
    pub fn default_link(&mut self, l: LinkConfig) -> &mut Self {
        self.default_link = l;
        self
    }
    /// Overrides links `from -> to` (both directions unless `one_way`); `None` means every node.
    pub fn link(
        &mut self,
        from: Option<&str>,
        to: Option<&str>,
        one_way: bool,
        l: LinkConfig,
    ) -> &mut Self {
        self.links
            .push((from.map(str::to_string), to.map(str::to_string), one_way, l));
        self
    }
    /// Adds a scripted fault, as a scenario file writes it (nodes by name).
    pub fn fault(&mut self, step: FaultStep) -> &mut Self {
        self.faults.push(Scripted::Named(step));
        self
    }
    /// Adds a scripted fault at true time `at`, nodes by id. Scripted faults at one instant
    /// apply in the order they were added, whichever way they were written.
    pub fn fault_at(&mut self, at: Time, fault: Fault) -> &mut Self {
        self.faults.push(Scripted::ById(at, fault));
        self
    }
    /// Enables random faults (needs [`WorldBuilder::phases`]).
    pub fn random_faults(&mut self, r: RandomFaults) -> &mut Self {
        self.random = r;
        self
    }
    /// Faults until `heal_at`, then heal, then a liveness window; the run ends after it.
    pub fn phases(&mut self, p: Phases) -> &mut Self {
        self.phases = Some(p);
        self
    }
    /// Ends the run at this true time (ignored when phases are set).
    pub fn end(&mut self, t: Time) -> &mut Self {
        self.end = t;
        self
    }
    /// Ends the run at `t` unless an end time was already given.
    pub fn default_end(&mut self, t: Time) -> &mut Self {
        if self.end == Time::MAX {
            self.end = t;
        }
        self
    }
    /// A check called every [`INTERRUPT_EVERY`] kernel events; when it returns true the run
    /// stops with [`Stop::Interrupted`]. The kernel reads no clock and no signal: the caller's
    /// closure does (a wall-clock limit, a Ctrl-C flag). It is called between events, so a
    /// run it does not stop is unchanged by it.
    pub fn interrupt(&mut self, check: impl FnMut() -> bool + 'static) -> &mut Self {
        self.interrupt = Some(Box::new(check));
        self
    }

    /// Ends the run after this many queue entries.
    pub fn max_events(&mut self, n: u64) -> &mut Self {
        self.max_events = n;
        self
    }
    /// Stops the run with [`Stop::Overloaded`] once more than `n` timers and delayed
    /// messages are pending at once; `n` is in `1..=2^24`, and 2^24 is the default.
    pub fn max_pending(&mut self, n: u32) -> &mut Self {
        self.max_pending = n;
        self
    }
    /// Adds a checker.
    pub fn checker(&mut self, c: impl Checker<A> + 'static) -> &mut Self {
        self.checkers.push(Box::new(c));
        self
    }
    /// Adds a property over observations, judged by a closure: `holds(at, node, obs)` is
    /// asked about every [`Ctx::observe`]d fact. See [`Expect`] for how each kind is judged.
    pub fn property(
        &mut self,
        expect: Expect,
        name: &str,
        holds: impl FnMut(Time, NodeId, &A::Obs) -> bool + 'static,
    ) -> &mut Self {
        self.checkers
            .push(Box::new(ObservedProperty::new(expect, name, holds)));
        self
    }
    /// Adds a property over the nodes' states, judged by a closure that reads the world
    /// (its actors, durable states, time) after every event: one call per event, so a run
    /// with one is slower than a run without.
    pub fn state_property(
        &mut self,
        expect: Expect,
        name: &str,
        holds: impl FnMut(&World<A>) -> bool + 'static,
    ) -> &mut Self {
        self.state_props
            .push(StateProperty::new(expect, name, holds));
        self
    }
    /// Sends every trace record to `s` (the digest is computed regardless).
    pub fn sink(&mut self, s: Box<dyn TraceSink>) -> &mut Self {
        self.sink = Some(s);
        self
    }
    /// Stops the run at the first safety violation.
    pub fn stop_on_violation(&mut self, yes: bool) -> &mut Self {
        self.stop_on_violation = yes;
        self
    }

    /// Resolves names and checks every parameter. Errors name what is wrong and what is allowed.
    pub fn build(self) -> Result<World<A>, Error> {
        let n = self.names.len();
        if n == 0 {
            return Err(Error::NoNodes);
        }
        let mut seen = BTreeSet::new();
        for name in &self.names {
            if !seen.insert(name.as_str()) {
                return Err(Error::DuplicateNode(name.clone()));
            }
        }
        if !(1..=MAX_SLOTS).contains(&self.max_pending) {
            return Err(Error::Invalid(format!(
                "max_pending must be in 1..={MAX_SLOTS}, got {}",
                self.max_pending
            )));
        }
        let factory = self.factory.ok_or(Error::NoFactory)?;
        let names = Names(&self.names);
        for (i, (_, ppm)) in self.clocks.iter().enumerate() {
            if *ppm <= -1_000_000 || *ppm > crate::faults::MAX_DRIFT_PPM {
                return Err(Error::Invalid(format!(
                    "node `{}`: drift {ppm} ppm must be in -999999..={}",
                    self.names[i],
                    crate::faults::MAX_DRIFT_PPM
                )));
            }
        }
        self.default_link
            .validate()
            .map_err(|e| Error::Invalid(format!("network: {e}")))?;
        let mut overrides = BTreeMap::new();
        for (from, to, one_way, l) in &self.links {
            l.validate()
                .map_err(|e| Error::Invalid(format!("network link: {e}")))?;
            let id = |s: &Option<String>| s.as_deref().map(|s| names.id(s, "link")).transpose();
            for (a, b) in pairs(n, id(from)?, id(to)?, *one_way) {
                overrides.insert((a, b), l.clone());
            }
        }
        self.random.validate().map_err(Error::Invalid)?;
        if !self.random.is_empty() && self.phases.is_none() {
            return Err(Error::Invalid(
                "random faults need phases (heal_at and liveness)".into(),
            ));
        }
        let eligible: Vec<NodeId> = match &self.random.nodes {
            None => (0..n as u32).map(NodeId).collect(),
            Some(v) => v
                .iter()
                .map(|s| names.id(s, "random.nodes"))
                .collect::<Result<_, _>>()?,
        };
        let mut scripted = Vec::new();
        for (k, step) in self.faults.iter().enumerate() {
            let what = format!("faults[{k}]");
            scripted.push(match step {
                Scripted::Named(step) => (step.at, resolve(&step.action, &names, &what)?),
                Scripted::ById(at, f) => (*at, resolve_fault(f, &names, &what)?),
            });
        }
        let end = match self.phases {
            Some(p) => p.heal_at + p.liveness,
            None => self.end,
        };
        let mut props = BTreeMap::new();
        for c in &self.checkers {
            for p in c.properties() {
                props.insert(p.name.clone(), p.kind);
            }
        }
        for p in &self.state_props {
            props.insert(p.name.clone(), p.expect.kind());
        }
        let detail = self.sink.as_ref().is_some_and(|s| s.wants_detail());
        let checker_events = self.checkers.iter().any(|c| c.wants_events());
        let has_sink = self.sink.is_some();
        let nodes = (0..n)
            .map(|i| NodeState {
                durable: A::Durable::default(),
                up_since: Time::ZERO,
                clock: LocalClock::new(self.clocks[i].0, self.clocks[i].1),
                rng: Stream::new(self.seed, &format!("node/{}", self.names[i])),
                held: Vec::new(),
            })
            .collect();
        let max_down = self
            .random
            .max_down
            .unwrap_or((eligible.len().saturating_sub(1)) / 2);
        let core = Core {
            seed: self.seed,
            now: Time::ZERO,
            seq: 0,
            index: 0,
            kernel_events: 0,
            queue: EventQueue::default(),
            halt: false,
            overloaded: false,
            max_pending: self.max_pending as usize,
            slab: Vec::new(),
            free: Vec::new(),
            nodes,
            live: (0..n)
                .map(|i| Live {
                    inc: 0,
                    up: true,
                    paused: false,
                    perfect: self.clocks[i] == (0, 0),
                })
                .collect(),
            names: self.names,
            factory,
            net: Network::new(
                self.default_link,
                overrides,
                Stream::new(self.seed, "network"),
            ),
            fault_rng: Stream::new(self.seed, "faults"),
            scripted,
            random: self.random,
            eligible,
            max_down,
            random_cut_active: false,
            phases: self.phases,
            end,
            max_events: self.max_events,
            next_check: if self.interrupt.is_some() {
                self.max_events.min(INTERRUPT_EVERY)
            } else {
                self.max_events
            },
            interrupt: self.interrupt,
            checkers: self.checkers,
            props,
            holds: BTreeSet::new(),
            violations: Vec::new(),
            sink: self.sink,
            detail,
            checker_events,
            slow_emit: checker_events || has_sink,
            digest: Digest::default(),
            metrics: Metrics::default(),
            samples: BTreeMap::new(),
            scratch: String::new(),
            next_timer: 0,
            next_msg: 0,
            cancelled: BTreeSet::new(),
            sent: 0,
            delivered: 0,
            dropped: 0,
            started: false,
            stop_on_violation: self.stop_on_violation,
            recorder: None,
        };
        Ok(World {
            core,
            actors: (0..n).map(|_| None).collect(),
            state_props: self.state_props,
        })
    }
}

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

#[derive(Clone, Copy, Debug)]
enum RandomKind {
    Crash,
    Pause,
    Partition,
    ClockStep,
}

/// A message on its way.
struct Envelope<M> {
    from: NodeId,
    to: NodeId,
    msg_id: u64,
    msg: M,
}

/// What a queue slot holds.
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

struct Slot<A: Actor> {
    seq: u64,
    pending: Pending<A>,
}

/// What every event reads about its node, kept dense (8 bytes a node, apart from the rest
/// of [`NodeState`]) so the per-event checks stay in a few cache lines.
#[derive(Clone, Copy)]
struct Live {
    /// Incarnation: bumped by a crash, so timers set before it are recognised as lost.
    inc: u32,
    up: bool,
    paused: bool,
    // True while the clock reads true time (no offset, drift or step): skips clock maths.
    perfect: bool,
}

struct NodeState<A: Actor> {
    durable: A::Durable,
    up_since: Time,
    clock: LocalClock,
    rng: Stream,
    held: Vec<u32>,
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
    now: Time,
    seq: u64,
    index: u64,
    kernel_events: u64,
    // Same-instant entries carry a bare envelope: only messages are ever queued inline.
    queue: EventQueue<Envelope<A::Msg>>,
    // Set when the run must stop before its next event: a safety violation with
    // `stop_on_violation`, or an overload. One flag, so the loop tests one byte per event.
    halt: bool,
    // More than `max_pending` slots were in use: the run stops as `Stop::Overloaded`.
    overloaded: bool,
    max_pending: usize,
    slab: Vec<Option<Slot<A>>>,
    free: Vec<u32>,
    nodes: Vec<NodeState<A>>,
    live: Vec<Live>,
    names: Vec<String>,
    factory: Factory<A>,
    net: Network,
    fault_rng: Stream,
    scripted: Vec<(Time, Resolved)>,
    random: RandomFaults,
    eligible: Vec<NodeId>,
    max_down: usize,
    random_cut_active: bool,
    phases: Option<Phases>,
    end: Time,
    max_events: u64,
    // The loop's one budget comparison: `max_events`, or the next interrupt check if sooner.
    next_check: u64,
    interrupt: Option<Box<dyn FnMut() -> bool>>,
    checkers: Vec<Box<dyn Checker<A>>>,
    props: BTreeMap<String, PropertyKind>,
    holds: BTreeSet<String>,
    violations: Vec<Violation>,
    sink: Option<Box<dyn TraceSink>>,
    detail: bool,
    checker_events: bool,
    // `sink.is_some() || checker_events`: one flag on the per-record path.
    slow_emit: bool,
    digest: Digest,
    metrics: Metrics,
    samples: BTreeMap<String, Vec<f64>>,
    scratch: String,
    next_timer: u64,
    next_msg: u64,
    cancelled: BTreeSet<TimerId>,
    sent: u64,
    delivered: u64,
    dropped: u64,
    started: bool,
    stop_on_violation: bool,
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
        self.now
    }

    /// Node names, indexed by [`NodeId`].
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The node called `name`.
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| NodeId(i as u32))
    }

    /// The durable state of a node.
    pub fn durable(&self, n: NodeId) -> &A::Durable {
        &self.nodes[n.idx()].durable
    }

    /// How many times node `n` has crashed so far.
    pub fn incarnation(&self, n: NodeId) -> u32 {
        self.live[n.idx()].inc
    }

    /// True unless node `n` is crashed.
    pub fn is_up(&self, n: NodeId) -> bool {
        self.live[n.idx()].up
    }

    /// True while node `n` is paused.
    pub fn is_paused(&self, n: NodeId) -> bool {
        self.live[n.idx()].paused
    }

    /// Run metrics, including checkers' metrics after the run.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The checkers' distributions ([`Checker::samples`]), after the run.
    pub fn samples(&self) -> &BTreeMap<String, Vec<f64>> {
        &self.samples
    }

    /// Mutable metrics (for setup code that records parameters).
    pub fn metrics_mut(&mut self) -> &mut Metrics {
        &mut self.metrics
    }

    /// Violations found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The trace digest so far.
    pub fn digest(&self) -> Digest {
        self.digest
    }

    /// Takes the trace sink back (e.g. to read a memory sink after the run).
    pub fn take_sink(&mut self) -> Option<Box<dyn TraceSink>> {
        self.slow_emit = self.checker_events;
        self.sink.take()
    }

    // ---- trace -------------------------------------------------------------------------

    #[inline(always)]
    fn emit(&mut self, event: Event<'_>, detail: Option<&str>) {
        self.digest.record(self.now, &event);
        if self.slow_emit {
            self.emit_slow(event, detail, None);
        } else {
            self.index += 1;
        }
    }

    /// [`Core::emit`] for a traced `send`, with the message's summary (never on the hot path:
    /// only runs whose sink wants detail get here).
    fn emit_summarised(&mut self, event: Event<'_>, detail: Option<&str>, summary: Option<&str>) {
        self.digest.record(self.now, &event);
        if self.slow_emit {
            self.emit_slow(event, detail, summary);
        } else {
            self.index += 1;
        }
    }

    #[inline(never)]
    fn emit_slow(&mut self, event: Event<'_>, detail: Option<&str>, summary: Option<&str>) {
        if let Some(s) = self.sink.as_mut() {
            s.record(&Record {
                index: self.index,
                time: self.now,
                event: event.clone(),
                detail,
                summary,
            });
        }
        if self.checker_events && !matches!(event, Event::Violation { .. }) {
            let rec = Record {
                index: self.index,
                time: self.now,
                event,
                detail,
                summary,
            };
            let mut v = Verdicts::default();
            for c in self.checkers.iter_mut().filter(|c| c.wants_events()) {
                c.event(&rec, &mut v);
            }
            self.index += 1;
            self.verdicts(v);
            return;
        }
        self.index += 1;
    }

    /// Emits a crash, restart, pause or resume record and hands it to every checker's
    /// [`Checker::node_event`] (the cheap path: no call per other record).
    fn emit_node_event(&mut self, event: Event<'static>) {
        self.emit(event.clone(), None);
        let rec = Record {
            index: self.index - 1,
            time: self.now,
            event,
            detail: None,
            summary: None,
        };
        let mut v = Verdicts::default();
        for c in self.checkers.iter_mut() {
            c.node_event(&rec, &mut v);
        }
        self.verdicts(v);
    }

    fn note(&mut self, node: Option<NodeId>, text: &str) {
        self.emit(Event::Note { node, text }, None);
    }

    fn verdicts(&mut self, v: Verdicts) {
        for name in v.holds {
            self.holds.insert(name);
        }
        for (name, detail) in v.fails {
            let kind = match self.props.get(&name) {
                Some(k) => *k,
                None => panic!(
                    "seed {} event {}: checker reported undeclared property `{name}`",
                    self.seed, self.index
                ),
            };
            let at = self.index.saturating_sub(1);
            self.emit(Event::Violation { property: &name }, Some(&detail));
            self.halt |= self.stop_on_violation && kind == PropertyKind::Always;
            self.violations.push(Violation {
                property: name,
                kind,
                time_ns: self.now.0,
                event_index: at,
                detail,
            });
        }
    }

    // ---- queue -------------------------------------------------------------------------

    #[inline(always)]
    fn schedule(&mut self, at: Time, pending: Pending<A>) -> u32 {
        let seq = self.seq;
        kassert!(
            self,
            seq < MAX_SEQ,
            "more than {MAX_SEQ} events queued in one run"
        );
        self.seq += 1;
        let slot = self.alloc_slot(seq, pending);
        self.queue.push_slot(at.0, seq, slot);
        slot
    }

    /// Puts a payload in a slab slot under `seq` (`u64::MAX` for a slot that waits unqueued,
    /// such as a delivery held at a paused node; `requeue` gives it a real one).
    #[inline(always)]
    fn alloc_slot(&mut self, seq: u64, pending: Pending<A>) -> u32 {
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
    fn schedule_now(&mut self, e: Envelope<A::Msg>) {
        let seq = self.seq;
        self.seq += 1;
        self.queue.push_now(seq, e);
    }

    /// Re-queues a live slot at `at` (old heap entries for it become stale).
    fn requeue(&mut self, slot: u32, at: Time) {
        let seq = self.seq;
        kassert!(
            self,
            seq < MAX_SEQ,
            "more than {MAX_SEQ} events queued in one run"
        );
        self.seq += 1;
        if let Some(s) = self.slab[slot as usize].as_mut() {
            s.seq = seq;
        }
        self.queue.push_slot(at.0, seq, slot);
    }

    #[inline(always)]
    fn free_slot(&mut self, slot: u32) -> Pending<A> {
        let s = self.slab[slot as usize]
            .take()
            .expect("freeing a live slot");
        self.free.push(slot);
        s.pending
    }

    // ---- effects of handlers and faults -----------------------------------------------

    fn schedule_tick(&mut self, k: RandomKind, r: &FaultRate) {
        let dt = Time::from_secs_f64(self.fault_rng.exp(1.0 / r.rate));
        let at = self.now + dt;
        if self.phases.is_some_and(|p| at < p.heal_at) {
            self.schedule(at, Pending::RandomTick(k));
        }
    }

    /// `node`'s random stream (for its `Ctx`).
    #[inline]
    pub(crate) fn node_rng(&mut self, node: NodeId) -> &mut Stream {
        &mut self.nodes[node.idx()].rng
    }

    /// A handler on `node` sends `msg` to `to`.
    ///
    /// Inlined into the handler for the common case (an instantaneous, fault-free network and
    /// no detail text): the message then goes from the handler's fields straight into the
    /// same-instant FIFO, without a copy through the stack that the CPU has to forward.
    #[inline(always)]
    pub(crate) fn send_from(&mut self, node: NodeId, to: NodeId, msg: A::Msg) {
        use crate::actor::Message;
        if !self.detail && self.net.instant() && to.idx() < self.nodes.len() {
            let id = self.next_msg;
            self.next_msg += 1;
            self.sent += 1;
            self.emit(
                Event::Send {
                    from: node,
                    to,
                    msg: id,
                    kind: msg.kind(),
                },
                None,
            );
            self.schedule_now(Envelope {
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
            self.names[node.idx()],
            to
        );
        let id = self.next_msg;
        self.next_msg += 1;
        let kind = msg.kind();
        self.sent += 1;
        let send = Event::Send {
            from: node,
            to,
            msg: id,
            kind,
        };
        if self.detail {
            // One reused buffer: a traced run formats every message, and allocating a
            // string per send was a visible part of the JSONL sink's cost.
            use std::fmt::Write as _;
            let mut d = std::mem::take(&mut self.scratch);
            d.clear();
            let _ = write!(d, "{msg:?}");
            // The summary shares the buffer: the detail text, then the summary after it.
            let split = d.len();
            msg.summary(&mut d);
            let (detail, summary) = d.split_at(split);
            let summary = (!summary.is_empty()).then_some(summary);
            self.emit_summarised(send, Some(detail), summary);
            self.scratch = d;
        } else {
            self.emit(send, None);
        }
        match self.net.fate(node, to, kind, self.now) {
            Fate::Dropped(reason) => {
                self.dropped += 1;
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
                    self.sent += 1;
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
                if at == self.now {
                    self.schedule_now(e);
                } else {
                    self.schedule(at, Pending::Deliver(e));
                }
            }
        }
    }

    /// A handler on `node` sets a timer; returns its handle.
    #[inline(always)]
    pub(crate) fn set_timer_on(&mut self, node: NodeId, after: Time, timer: A::Timer) -> TimerId {
        let id = TimerId(self.next_timer);
        self.next_timer += 1;
        let live = self.live[node.idx()];
        let (deadline, at) = if live.perfect {
            let at = self.now + after;
            (at.0.min(i64::MAX as u64) as i64, at)
        } else {
            if let Some(r) = self.recorder.as_deref_mut() {
                return r.set_timer(after, timer);
            }
            let ns = &self.nodes[node.idx()];
            let d = ns.clock.local_at(self.now.0) + after.0 as i128;
            if d >= NEVER_LOCAL as i128 {
                // Past the end of local time: the timer never fires. (Clamping the deadline
                // to the end instead made a clock stepped near it fire every timer at once,
                // over and over.)
                (NEVER_LOCAL, Time::MAX)
            } else {
                (d as i64, Time(ns.clock.true_at(d, self.now.0)))
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
        self.cancelled.insert(id);
        self.emit(Event::TimerCancel { node, timer: id.0 }, None);
    }

    /// A handler on `node` persists its durable state.
    pub(crate) fn persist_on(&mut self, node: NodeId, d: A::Durable) {
        if let Some(r) = self.recorder.as_deref_mut() {
            r.push(Effect::Persist(d.clone()));
            self.nodes[node.idx()].durable = d;
            return;
        }
        self.nodes[node.idx()].durable = d;
        self.emit(Event::Persist { node }, None);
    }

    /// A handler on `node` reports a fact to the checkers.
    pub(crate) fn observe_on(&mut self, node: NodeId, o: A::Obs) {
        if self.detail {
            if let Some(r) = self.recorder.as_deref_mut() {
                return r.push(Effect::Observe(o));
            }
            let d = format!("{o:?}");
            self.emit(Event::Observe { node }, Some(&d));
        } else {
            self.emit(Event::Observe { node }, None);
        }
        let mut v = Verdicts::default();
        let now = self.now;
        for c in self.checkers.iter_mut() {
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

    /// Recomputes when `n`'s pending timers fire after its clock changed.
    fn retime(&mut self, n: NodeId) {
        let now = self.now.0;
        let clock = self.nodes[n.idx()].clock;
        let held: BTreeSet<u32> = self.nodes[n.idx()].held.iter().copied().collect();
        let mut moves = Vec::new();
        for (i, s) in self.slab.iter().enumerate() {
            if let Some(Slot {
                pending: Pending::Timer { node, deadline, .. },
                ..
            }) = s
                && *node == n
                && !held.contains(&(i as u32))
            {
                let at = if *deadline == NEVER_LOCAL {
                    Time::MAX
                } else {
                    Time(clock.true_at(*deadline as i128, now))
                };
                moves.push((i as u32, at));
            }
        }
        for (slot, at) in moves {
            self.requeue(slot, at);
        }
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
        core.detail = true;
        core.live[me.idx()].perfect = false;
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
        self.now = t;
    }
    /// Node `n`'s durable state, to replace it (a harness's setup).
    pub(crate) fn durable_mut(&mut self, n: NodeId) -> &mut A::Durable {
        &mut self.nodes[n.idx()].durable
    }
    /// Sets node `n`'s incarnation (a harness's setup).
    pub(crate) fn set_incarnation(&mut self, n: NodeId, inc: u32) {
        self.live[n.idx()].inc = inc;
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
        let scripted = std::mem::take(&mut self.scripted);
        for (at, f) in scripted {
            self.schedule(at, Pending::Fault(Box::new(f)));
        }
        if let Some(p) = self.phases {
            self.emit(Event::Phase { name: "faults" }, None);
            self.schedule(p.heal_at, Pending::HealPhase);
            let kinds = [
                (RandomKind::Crash, self.random.crash.clone()),
                (RandomKind::Pause, self.random.pause.clone()),
                (RandomKind::Partition, self.random.partition.clone()),
                (RandomKind::ClockStep, self.random.clock_step.clone()),
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
            let a = (self.factory)(node, &self.nodes[i].durable);
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
            self.now = self.end;
            // A fault injected after the run then queues what it causes at the end time.
            let end = self.end.0;
            self.queue.advance_to(end);
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
        if self.halt {
            return Advance::Stopped(if self.overloaded {
                Stop::Overloaded
            } else {
                Stop::Violation
            });
        }
        if self.kernel_events >= self.next_check {
            if self.kernel_events >= self.max_events {
                // Budget spent: say why the run would have stopped anyway, if it would.
                return Advance::Stopped(match self.queue.peek_time() {
                    None => Stop::Quiescent,
                    Some(t) if Time(t) > self.end => Stop::TimeLimit,
                    Some(_) => Stop::EventBudget,
                });
            }
            if self.interrupt.as_mut().is_some_and(|check| check()) {
                return Advance::Stopped(Stop::Interrupted);
            }
            self.next_check = self
                .kernel_events
                .saturating_add(INTERRUPT_EVERY)
                .min(self.max_events);
        }
        let (t, seq, item) = match self.queue.pop_until(end) {
            Next::Due(t, seq, item) => (t, seq, item),
            Next::Empty => return Advance::Stopped(Stop::Quiescent),
            Next::Later => return Advance::Stopped(Stop::TimeLimit),
        };
        kassert!(
            self,
            Time(t) >= self.now,
            "time went backwards: {} -> {}",
            self.now,
            Time(t)
        );
        self.now = Time(t);
        match item {
            Item::Slot(slot) => {
                let (node_of, timer) = match self.slab.get(slot as usize) {
                    Some(Some(s)) if s.seq == seq => {
                        tap.slot(&s.pending);
                        match &s.pending {
                            Pending::Deliver(e) => (Some(e.to), false),
                            Pending::Timer { node, .. } => (Some(*node), true),
                            _ => (None, false),
                        }
                    }
                    _ => return Advance::Skipped, // stale entry: re-timed, or its slot was freed
                };
                self.kernel_events += 1;
                if let Some(n) = node_of
                    && self.live[n.idx()].paused
                    && self.live[n.idx()].up
                {
                    // Stop-the-world: the event waits in its slot until resume.
                    self.nodes[n.idx()].held.push(slot);
                    return Advance::Ran;
                }
                if timer {
                    self.fire_timer_slot(slot);
                } else {
                    let p = self.free_slot(slot);
                    self.run_pending(p);
                }
            }
            Item::Inline(p) => {
                tap.inline(&p);
                self.kernel_events += 1;
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
        let end = self.now;
        for c in self.checkers.iter_mut() {
            c.finish(end, &mut v);
        }
        for p in &self.state_props {
            p.finish(end, &mut v);
        }
        self.core.verdicts(v);
        // Eventually-properties never confirmed are liveness failures at the deadline.
        let failed: BTreeSet<String> = self.violations.iter().map(|v| v.property.clone()).collect();
        let pending: Vec<String> = self
            .props
            .iter()
            .filter(|(n, k)| {
                **k == PropertyKind::Eventually && !self.holds.contains(*n) && !failed.contains(*n)
            })
            .map(|(n, _)| n.clone())
            .collect();
        for name in pending {
            let mut v = Verdicts::default();
            v.fail(&name, format!("not met by the end of the run at {end}"));
            self.verdicts(v);
        }
        let reached = self
            .props
            .iter()
            .filter(|(_, k)| **k == PropertyKind::Sometimes)
            .map(|(n, _)| (n.clone(), self.holds.contains(n)))
            .collect();
        let core = &mut self.core;
        for c in &core.checkers {
            for (k, x) in c.metrics() {
                core.metrics.set(&k, x);
            }
            for (k, v) in c.samples() {
                core.samples.entry(k).or_default().extend(v);
            }
        }
        // Conservation, counted independently of the counters.
        let in_flight = (self
            .slab
            .iter()
            .flatten()
            .filter(|s| matches!(s.pending, Pending::Deliver(_)))
            .count()
            + self.queue.inline_items().count()) as u64;
        kassert!(
            self,
            self.sent == self.delivered + self.dropped + in_flight,
            "conservation: sent {} != delivered {} + dropped {} + in flight {}",
            self.sent,
            self.delivered,
            self.dropped,
            in_flight
        );
        let trace_error = self.sink.as_mut().and_then(|s| s.finish().err());
        RunResult {
            stop,
            end,
            events: self.index,
            kernel_events: self.kernel_events,
            sent: self.sent,
            delivered: self.delivered,
            dropped: self.dropped,
            in_flight,
            violations: self.violations.clone(),
            reached,
            digest: self.digest,
            trace_error,
        }
    }

    /// Delivers a same-instant message; if its node is paused it moves into a slot and waits.
    #[inline(always)]
    fn dispatch_inline(&mut self, e: Envelope<A::Msg>) {
        let live = self.live[e.to.idx()];
        if live.up && live.paused {
            let to = e.to;
            let slot = self.alloc_slot(u64::MAX, Pending::Deliver(e));
            self.nodes[to.idx()].held.push(slot);
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
        }) = &mut self.slab[slot as usize]
        else {
            unreachable!("fire_timer_slot on a slot without a timer")
        };
        let (node, id, inc) = (*node, *id, *inc);
        let timer = timer.take().expect("a queued timer holds its payload");
        self.slab[slot as usize] = None;
        self.free.push(slot);
        self.fire_timer(node, id, inc, timer);
    }

    #[inline(always)]
    fn fire_timer(&mut self, node: NodeId, id: TimerId, inc: u32, timer: A::Timer) {
        if !self.cancelled.is_empty() && self.cancelled.remove(&id) {
            return;
        }
        if self.live[node.idx()].inc != inc || !self.live[node.idx()].up {
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
        let reason = if !self.live[to.idx()].up {
            Some(DropReason::Crashed)
        } else if self.net.is_cut(from, to) {
            Some(DropReason::Partition)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.dropped += 1;
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
        self.delivered += 1;
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
        let live = self.live[node.idx()];
        if !live.up || live.paused {
            panic!(
                "kernel invariant broken (seed {}, event {}): handler on crashed or paused node {}",
                self.seed,
                self.index,
                self.names[node.idx()]
            );
        }
        if live.perfect {
            self.now
        } else {
            Time(
                self.nodes[node.idx()]
                    .clock
                    .local_at(self.now.0)
                    .clamp(0, u64::MAX as i128) as u64,
            )
        }
    }

    // ---- faults ------------------------------------------------------------------------

    fn apply_fault(&mut self, f: Resolved, quiet: bool) {
        match f {
            Resolved::Crash(n) => self.crash_node(n, quiet),
            Resolved::Restart(n) => self.restart_node(n, quiet),
            Resolved::Pause(n) => {
                let s = self.live[n.idx()];
                if !s.up || s.paused {
                    if !quiet {
                        self.note(Some(n), "pause ignored: node is down or already paused");
                    }
                    return;
                }
                self.live[n.idx()].paused = true;
                self.emit_node_event(Event::Pause { node: n });
            }
            Resolved::Resume(n) => self.resume_node(n, quiet),
            Resolved::Cut(pairs) => {
                for (a, b) in pairs {
                    self.net.cut.insert((a, b));
                    self.emit(
                        Event::Cut {
                            from: NodeId(a),
                            to: NodeId(b),
                        },
                        None,
                    );
                }
            }
            Resolved::Heal => {
                if quiet && !self.random_cut_active {
                    return;
                }
                self.random_cut_active = false;
                self.net.cut.clear();
                self.emit(Event::Heal, None);
            }
            Resolved::ClockStep(n, delta) => {
                let now = self.now.0;
                self.nodes[n.idx()].clock.step(now, delta);
                self.live[n.idx()].perfect = false;
                self.emit(Event::ClockStep { node: n, delta }, None);
                self.retime(n);
            }
            Resolved::Drift(n, ppm) => {
                let now = self.now.0;
                self.nodes[n.idx()].clock.set_ppm(now, ppm);
                self.live[n.idx()].perfect = false;
                self.emit(Event::Drift { node: n, ppm }, None);
                self.retime(n);
            }
            Resolved::AddRule(r) => {
                let name = r.name.clone();
                self.net.rules.push(*r);
                self.emit(
                    Event::Rule {
                        name: &name,
                        installed: true,
                    },
                    None,
                );
            }
            Resolved::RemoveRule(name) => {
                self.net.rules.retain(|r| r.name != name);
                self.emit(
                    Event::Rule {
                        name: &name,
                        installed: false,
                    },
                    None,
                );
            }
            Resolved::SetLink(pairs, link) => {
                match pairs {
                    None => {
                        self.net.overrides.clear();
                        self.net.default_instant =
                            link.latency.is_zero() && link.loss == 0.0 && link.duplicate == 0.0;
                        self.net.default = link;
                    }
                    Some(ps) => {
                        for p in ps {
                            self.net.overrides.insert(p, link.clone());
                        }
                    }
                }
                self.note(None, "link configuration changed");
            }
        }
    }

    fn crash_node(&mut self, n: NodeId, quiet: bool) {
        if !self.live[n.idx()].up {
            if !quiet {
                self.note(Some(n), "crash ignored: node is already down");
            }
            return;
        }
        self.actors[n.idx()] = None;
        let l = &mut self.live[n.idx()];
        l.up = false;
        l.paused = false;
        l.inc += 1;
        let held = std::mem::take(&mut self.nodes[n.idx()].held);
        self.emit_node_event(Event::Crash { node: n });
        for slot in held {
            if let Pending::Deliver(Envelope {
                from,
                to,
                msg_id,
                msg,
            }) = self.free_slot(slot)
            {
                use crate::actor::Message;
                self.dropped += 1;
                self.emit(
                    Event::Drop {
                        from,
                        to,
                        msg: msg_id,
                        kind: msg.kind(),
                        reason: DropReason::Crashed,
                    },
                    None,
                );
            }
        }
    }

    fn restart_node(&mut self, n: NodeId, quiet: bool) {
        if self.live[n.idx()].up {
            if !quiet {
                self.note(Some(n), "restart ignored: node is up");
            }
            return;
        }
        let a = (self.factory)(n, &self.nodes[n.idx()].durable);
        let now = self.now;
        self.actors[n.idx()] = Some(a);
        self.live[n.idx()].up = true;
        self.nodes[n.idx()].up_since = now;
        self.emit_node_event(Event::Restart { node: n });
        self.call(n, |a, cx| a.on_start(cx));
    }

    fn resume_node(&mut self, n: NodeId, quiet: bool) {
        if !self.live[n.idx()].paused {
            if !quiet {
                self.note(Some(n), "resume ignored: node is not paused");
            }
            return;
        }
        let now = self.now;
        self.live[n.idx()].paused = false;
        let held = {
            let s = &mut self.nodes[n.idx()];
            s.up_since = now;
            std::mem::take(&mut s.held)
        };
        self.emit_node_event(Event::Resume { node: n });
        for slot in held {
            self.requeue(slot, now);
        }
    }

    fn random_tick(&mut self, k: RandomKind) {
        let heal_at = self.phases.map_or(Time::MAX, |p| p.heal_at);
        let rate = match k {
            RandomKind::Crash => self.random.crash.clone(),
            RandomKind::Pause => self.random.pause.clone(),
            RandomKind::Partition => self.random.partition.clone(),
            RandomKind::ClockStep => self.random.clock_step.clone(),
        }
        .expect("tick of an enabled kind");
        let down = self.live.iter().filter(|s| !s.up || s.paused).count();
        let now = self.now;
        let min_up = self.random.min_up;
        let candidates: Vec<NodeId> = self
            .eligible
            .iter()
            .copied()
            .filter(|n| {
                let s = self.live[n.idx()];
                s.up && !s.paused && now >= self.nodes[n.idx()].up_since + min_up
            })
            .collect();
        let span = |rng: &mut Stream| Time(rng.range_u64(rate.min.0, rate.max.0 + 1));
        match k {
            RandomKind::Crash | RandomKind::Pause => {
                if down < self.max_down && !candidates.is_empty() {
                    let n = candidates[self.fault_rng.index(candidates.len())];
                    let back = (now + span(&mut self.fault_rng)).min(heal_at);
                    if matches!(k, RandomKind::Crash) {
                        self.crash_node(n, false);
                        self.schedule(back, Pending::Undo(Box::new(Resolved::Restart(n))));
                    } else {
                        self.apply_fault(Resolved::Pause(n), false);
                        self.schedule(back, Pending::Undo(Box::new(Resolved::Resume(n))));
                    }
                }
            }
            RandomKind::Partition => {
                let total = self.nodes.len();
                if !self.random_cut_active && total >= 2 {
                    let mut ids: Vec<u32> = (0..total as u32).collect();
                    self.fault_rng.shuffle(&mut ids);
                    let k = 1 + self.fault_rng.index(total - 1);
                    let (a, b) = ids.split_at(k);
                    let mut cut = Vec::new();
                    for &x in a {
                        for &y in b {
                            cut.push((x, y));
                            cut.push((y, x));
                        }
                    }
                    cut.sort_unstable();
                    self.apply_fault(Resolved::Cut(cut), false);
                    self.random_cut_active = true;
                    let back = (now + span(&mut self.fault_rng)).min(heal_at);
                    self.schedule(back, Pending::Undo(Box::new(Resolved::Heal)));
                }
            }
            RandomKind::ClockStep => {
                if !candidates.is_empty() {
                    let n = candidates[self.fault_rng.index(candidates.len())];
                    let m = rate.max.0 as i64;
                    let delta = self.fault_rng.range_u64(0, 2 * m as u64 + 1) as i64 - m;
                    self.apply_fault(Resolved::ClockStep(n, delta), false);
                }
            }
        }
        self.schedule_tick(k, &rate);
    }

    fn heal_phase(&mut self) {
        self.emit(Event::Phase { name: "heal" }, None);
        if !self.net.cut.is_empty() {
            self.random_cut_active = false;
            self.net.cut.clear();
            self.emit(Event::Heal, None);
        }
        let rules: Vec<String> = self.net.rules.iter().map(|r| r.name.clone()).collect();
        for r in rules {
            self.apply_fault(Resolved::RemoveRule(r), false);
        }
        for i in 0..self.nodes.len() {
            let n = NodeId(i as u32);
            if !self.live[i].up {
                self.restart_node(n, true);
            } else if self.live[i].paused {
                self.resume_node(n, true);
            }
        }
        self.emit(Event::Phase { name: "liveness" }, None);
    }
}
