//! `sim`: simlab's deterministic discrete-event kernel, usable on its own inside
//! `cargo test`.
//!
//! A simulation is a set of nodes running one [`Actor`] type, a network between them, a
//! fault plan, and properties that judge the run. Everything happens in simulated time
//! ([`Time`], integer nanoseconds), in one thread, from one seed: the same seed gives the
//! same run, event for event, and the run's [`Digest`] says so in one number.
//!
//! # Code map
//!
//! - [`time`]: `Time`, integer nanoseconds; `TimeDelta`, signed; duration parsing.
//! - [`rng`]: named ChaCha8 streams from `(seed, label)` and our own `libm` variates.
//! - [`actor`]: the sans-IO `Actor` trait and `Ctx`, through which handlers record effects.
//! - [`harness`]: one handler run on its own, its effects returned as data.
//! - [`clock`]: local clocks with offset, drift and steps.
//! - [`network`]: link behaviour, partitions, and the rule pipeline.
//! - [`faults`]: faults as data, by node name (scenario files) or by node id (code), and
//!   random faults.
//! - [`checker`]: named properties (always / eventually / sometimes) and violations.
//! - [`expect`]: properties from closures, over observations or node states.
//! - [`trace`]: trace events, the digest, sinks, and the JSONL line format.
//! - [`metrics`]: counters, histograms, time-weighted levels, series.
//! - [`error`]: why a world could not be built or a fault injected.
//! - [`world`]: the event loop that ties it all together (`world.rs`), over a core made of
//!   parts with one concern each: the scheduler (`world/scheduler.rs`: true time, queue,
//!   slab), the nodes (`world/nodes.rs`), the fault plan and how faults act
//!   (`world/fault_plan.rs`), the judge (`world/judge.rs`: checkers and violations), the
//!   tracer (`world/tracer.rs`: digest and sink) and the message counters
//!   (`world/counters.rs`); the handler verbs behind `Ctx` (`world/effects.rs`), the builder
//!   (`world/builder.rs`), how a run ended (`world/outcome.rs`), stepping
//!   (`world/step.rs`), faults injected by id (`world/inject.rs`), fault resolution
//!   (`world/resolve.rs`).
//!
//! Architecture invariants: `sim` does no I/O of its own (sinks write to a writer the caller
//! opened), never reads the wall clock, and never iterates a hash map. Everything random comes
//! from a named stream of the run's seed. Events run in `(time, seq)` order.
//!
//! # A first simulation
//!
//! A client asks a server for a reply every 10 ms; the server counts the requests it served
//! in durable state, which survives a crash. A checker, apart from the protocol, says the
//! replies come back in order; the server crashes at 35 ms and restarts at 60 ms.
//!
//! ```
//! use sim::{Actor, Checker, Ctx, Fault, FaultAction, FaultStep, Message, NodeId, Property};
//! use sim::{Time, Verdicts, World, WorldBuilder};
//!
//! #[derive(Clone, Debug)]
//! enum Msg {
//!     Request(u64),
//!     Reply(u64),
//! }
//!
//! impl Message for Msg {
//!     // A stable name for traces, timelines and network rules.
//!     fn kind(&self) -> &'static str {
//!         match self {
//!             Msg::Request(_) => "request",
//!             Msg::Reply(_) => "reply",
//!         }
//!     }
//! }
//!
//! /// One actor type per world: an enum of roles.
//! enum Node {
//!     Client { server: NodeId, next: u64, answered: u64 },
//!     Server,
//! }
//!
//! impl Actor for Node {
//!     type Msg = Msg;
//!     type Timer = (); // the client's tick
//!     type Durable = u64; // the server's count of requests served
//!     type Obs = u64; // the client saw the reply to this request
//!
//!     fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
//!         if let Node::Client { .. } = self {
//!             cx.set_timer(Time::from_millis(10), ());
//!         }
//!     }
//!     fn on_timer(&mut self, _: (), cx: &mut Ctx<'_, Self>) {
//!         if let Node::Client { server, next, .. } = self {
//!             *next += 1;
//!             cx.send(*server, Msg::Request(*next));
//!             cx.set_timer(Time::from_millis(10), ());
//!         }
//!     }
//!     fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
//!         match (self, msg) {
//!             (Node::Server, Msg::Request(n)) => {
//!                 let served = *cx.durable() + 1;
//!                 cx.persist(served);
//!                 cx.send(from, Msg::Reply(n));
//!             }
//!             (Node::Client { answered, .. }, Msg::Reply(n)) => {
//!                 *answered += 1;
//!                 cx.observe(n);
//!             }
//!             _ => {}
//!         }
//!     }
//! }
//!
//! /// Replies come back in request order.
//! struct InOrder(u64);
//!
//! impl Checker<Node> for InOrder {
//!     fn properties(&self) -> Vec<Property> {
//!         vec![Property::always("replies in order")]
//!     }
//!     fn observe(&mut self, _at: Time, _node: NodeId, n: &u64, v: &mut Verdicts) {
//!         if *n <= self.0 {
//!             v.fail("replies in order", format!("reply {n} after {}", self.0));
//!         }
//!         self.0 = *n;
//!     }
//! }
//!
//! fn world(seed: u64) -> World<Node> {
//!     let mut b = WorldBuilder::new(seed);
//!     let server = b.node("server");
//!     b.node("client");
//!     // Builds each node, and rebuilds it from its durable state after a crash.
//!     b.factory(move |id, _served| match id == server {
//!         true => Node::Server,
//!         false => Node::Client { server, next: 0, answered: 0 },
//!     });
//!     b.checker(InOrder(0));
//!     // Faults by name, as a scenario file writes them, or by id, as code holds them.
//!     b.fault(FaultStep { at: Time::from_millis(35), action: FaultAction::Crash("server".into()) });
//!     b.fault_at(Time::from_millis(60), Fault::Restart(server));
//!     b.end(Time::from_millis(100));
//!     b.build().expect("a valid world")
//! }
//!
//! let mut w = world(7);
//! let r = w.run();
//! assert!(r.outcome().is_ok(), "{:?}", r.violations);
//! // Links take 1 ms: the requests of 40 and 50 ms reached a crashed server; the one of
//! // 100 ms was still travelling at the end.
//! assert_eq!((r.sent, r.delivered, r.dropped, r.in_flight), (17, 14, 2, 1));
//! assert_eq!(*w.durable(NodeId(0)), 7);
//! assert!(matches!(w.actor(NodeId(1)), Some(Node::Client { answered: 7, .. })));
//! // One seed, one run.
//! assert_eq!(world(7).run().digest, r.digest);
//! ```
//!
//! # Driving a world from a test
//!
//! [`World::run`] runs to the end. [`World::step`] runs one event and says what it was,
//! [`World::run_until`] runs up to an instant, [`World::run_while`] while a condition on the
//! world holds. Between two calls a test reads the nodes ([`World::actor`],
//! [`Core::durable`], [`Core::now`]) and injects faults by [`NodeId`]: [`World::crash`],
//! `restart`, `pause`, `resume`, `partition`, `heal`, `clock_step`, `drift`, `add_rule`,
//! `set_link`, or any [`Fault`] through [`World::inject`]. Stepping runs the very loop `run`
//! runs, so a world stepped to its end has the digest of the same world run in one call.
//!
//! Properties can be closures instead of [`Checker`]s: [`WorldBuilder::property`] judges the
//! facts nodes observe, [`WorldBuilder::state_property`] the nodes' states after every event,
//! each [`Expect`]ed to hold always, eventually (by a deadline) or sometimes.
//!
//! ```
//! # use sim::{Actor, Ctx, Message, NodeId, Time};
//! # #[derive(Clone, Debug)] enum Msg { Request(u64), Reply(u64) }
//! # impl Message for Msg {
//! #     fn kind(&self) -> &'static str { match self { Msg::Request(_) => "request", Msg::Reply(_) => "reply" } } }
//! # enum Node { Client { server: NodeId, next: u64, answered: u64 }, Server }
//! # impl Actor for Node {
//! #     type Msg = Msg; type Timer = (); type Durable = u64; type Obs = u64;
//! #     fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
//! #         if let Node::Client { .. } = self { cx.set_timer(Time::from_millis(10), ()); } }
//! #     fn on_timer(&mut self, _: (), cx: &mut Ctx<'_, Self>) {
//! #         if let Node::Client { server, next, .. } = self {
//! #             *next += 1; cx.send(*server, Msg::Request(*next)); cx.set_timer(Time::from_millis(10), ()); } }
//! #     fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
//! #         match (self, msg) {
//! #             (Node::Server, Msg::Request(n)) => { let s = *cx.durable() + 1; cx.persist(s); cx.send(from, Msg::Reply(n)); }
//! #             (Node::Client { answered, .. }, Msg::Reply(n)) => { *answered += 1; cx.observe(n); }
//! #             _ => {} } } }
//! use sim::{Expect, Step, Stop, WorldBuilder};
//!
//! let mut b = WorldBuilder::new(1);
//! let server = b.node("server");
//! let client = b.node("client");
//! b.factory(move |id, _| match id == server {
//!     true => Node::Server,
//!     false => Node::Client { server, next: 0, answered: 0 },
//! });
//! // Every request the client made has been answered, within two ticks.
//! b.state_property(Expect::Always, "answers keep up", |w| match w.actor(NodeId(1)) {
//!     Some(Node::Client { next, answered, .. }) => next - answered <= 2,
//!     _ => true,
//! });
//! b.end(Time::from_secs(1));
//! let mut w = b.build()?;
//!
//! assert!(matches!(w.step(), Step::TimerFired { node, .. } if node == client));
//! assert!(matches!(w.step(), Step::Delivered { kind: "request", .. }));
//! w.partition(&[client], &[server])?;
//! w.run_until(Time::from_millis(45));
//! w.heal()?;
//! let r = w.run();
//! assert_eq!(r.stop, Stop::TimeLimit);
//! // Cut from 11 ms to 45 ms: the first reply and requests 2 to 4 were lost; the client
//! // fell behind with its third request, at 30 ms, and never caught up.
//! assert_eq!(r.outcome(), "safety_violation");
//! assert_eq!(r.violations.len(), 1);
//! assert_eq!(r.violations[0].property, "answers keep up");
//! assert_eq!(r.violations[0].time_ns, Time::from_millis(30).0);
//! # Ok::<(), sim::Error>(())
//! ```
//!
//! # Testing one handler
//!
//! A [`Harness`] runs one handler of one actor, with no world, and returns what it did as
//! [`Effects`] (sends, timers, persists, observations, notes) to assert on. See [`harness`].

pub mod actor;
pub mod checker;
pub mod clock;
pub mod error;
pub mod expect;
pub mod faults;
pub mod harness;
pub mod metrics;
pub mod network;
mod queue;
pub mod rng;
pub mod time;
pub mod trace;
pub mod world;

pub use actor::{Actor, Ctx, Message, NodeId, TimerId};
pub use checker::{Checker, Property, PropertyKind, Verdicts, Violation};
pub use error::Error;
pub use expect::Expect;
pub use faults::{Fault, FaultAction, FaultRate, FaultStep, Phases, RandomFaults};
pub use harness::{Effect, Effects, Harness};
pub use metrics::Metrics;
pub use network::{LinkConfig, Rule, Verdict};
pub use rng::{Stream, TimeDist};
pub use time::{Time, TimeDelta};
pub use trace::{Digest, DropReason, Event, EventKind, MemorySink, Record, TraceLine, TraceSink};
pub use world::{Core, Outcome, RunResult, Step, Stop, World, WorldBuilder};

/// Most timers and delayed messages a world holds pending at once (the default of
/// [`WorldBuilder::max_pending`]); a run that needs more stops as [`Stop::Overloaded`].
pub const MAX_PENDING: u32 = queue::MAX_SLOTS;
