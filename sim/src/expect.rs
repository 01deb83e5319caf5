//! Properties from closures, beside the [`Checker`] trait: a name, an [`Expect`]ation and a
//! predicate, over the facts nodes observe ([`crate::WorldBuilder::property`]) or over the
//! nodes' states ([`crate::WorldBuilder::state_property`]). Their verdicts land where a
//! checker's do: violations, `reached`, and the run's [`crate::Outcome`].
//!
//! ```
//! use sim::{Actor, Ctx, Expect, Message, NodeId, Time, WorldBuilder};
//!
//! #[derive(Clone, Debug)]
//! struct Tick;
//! impl Message for Tick { fn kind(&self) -> &'static str { "tick" } }
//!
//! /// Counts up once a millisecond, observing every value, up to 5.
//! struct Counter { n: u32 }
//! impl Actor for Counter {
//!     type Msg = Tick;
//!     type Timer = ();
//!     type Durable = ();
//!     type Obs = u32;
//!     fn on_start(&mut self, cx: &mut Ctx<'_, Self>) { cx.set_timer(Time::from_millis(1), ()); }
//!     fn on_message(&mut self, _: NodeId, _: Tick, _: &mut Ctx<'_, Self>) {}
//!     fn on_timer(&mut self, _: (), cx: &mut Ctx<'_, Self>) {
//!         self.n += 1;
//!         cx.observe(self.n);
//!         if self.n < 5 { cx.set_timer(Time::from_millis(1), ()); }
//!     }
//! }
//!
//! let mut b = WorldBuilder::<Counter>::new(7);
//! b.node("c");
//! b.factory(|_, _| Counter { n: 0 });
//! b.property(Expect::Always, "at most 5", |_, _, n| *n <= 5);
//! b.property(Expect::EventuallyBy(Time::from_millis(3)), "reaches 3 in time", |_, _, n| *n >= 3);
//! b.state_property(Expect::Sometimes, "passes 4", |w| w.actor(NodeId(0)).is_some_and(|c| c.n == 4));
//! b.property(Expect::Sometimes, "reaches 9", |_, _, n| *n == 9);
//! let r = b.build().unwrap().run();
//! assert!(r.outcome().is_ok(), "{:?}", r.violations);
//! assert!(r.reached["passes 4"]);
//! assert!(!r.reached["reaches 9"]);
//! ```

use crate::actor::{Actor, NodeId};
use crate::checker::{Checker, Property, PropertyKind, Verdicts};
use crate::time::Time;
use crate::world::World;

/// How a closure property is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Safety: the predicate holds every time it is asked. Over observations, each fact it
    /// rejects is a violation; over states, each time it turns false.
    Always,
    /// Liveness: the predicate holds at least once by the end of the run (the liveness
    /// deadline when the world has phases).
    Eventually,
    /// Liveness with a deadline: the predicate holds at least once at or before this true
    /// time. It fails as soon as an event (or observation) comes later without it having
    /// held, or at the end of the run.
    EventuallyBy(Time),
    /// Reachability: the predicate holds at least once; reported in `reached`, never a
    /// failure.
    Sometimes,
}

impl Expect {
    /// The kind of property the kernel records it as.
    pub fn kind(self) -> PropertyKind {
        match self {
            Expect::Always => PropertyKind::Always,
            Expect::Eventually | Expect::EventuallyBy(_) => PropertyKind::Eventually,
            Expect::Sometimes => PropertyKind::Sometimes,
        }
    }
    fn deadline(self) -> Time {
        match self {
            Expect::EventuallyBy(t) => t,
            _ => Time::MAX,
        }
    }
}

/// Where a judgement stands: settled properties are not asked again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    /// Not settled; for `Always`, the last answer was yes (or there was none yet).
    Open,
    /// `Always` only: the last answer was no (so the next no is the same failure).
    Failing,
    /// Held (eventually, sometimes) or failed its deadline: nothing more to say.
    Settled,
}

/// One judgement of `expect` at `at`, given the predicate's answer on demand (so a settled
/// property costs no call). `what` describes a failure of `Always`.
fn judge(
    expect: Expect,
    name: &str,
    standing: &mut Standing,
    at: Time,
    holds: impl FnOnce() -> bool,
    what: impl FnOnce() -> String,
    v: &mut Verdicts,
) {
    if *standing == Standing::Settled {
        return;
    }
    match expect {
        Expect::Always => {
            if holds() {
                *standing = Standing::Open;
            } else {
                if *standing == Standing::Open {
                    v.fail(name, what());
                }
                *standing = Standing::Failing;
            }
        }
        Expect::Eventually | Expect::EventuallyBy(_) => {
            let by = expect.deadline();
            if at > by {
                v.fail(name, format!("not met by {by}"));
                *standing = Standing::Settled;
            } else if holds() {
                v.hold(name);
                *standing = Standing::Settled;
            }
        }
        Expect::Sometimes => {
            if holds() {
                v.hold(name);
                *standing = Standing::Settled;
            }
        }
    }
}

/// At the end of the run: an `EventuallyBy` whose deadline passed fails with it (the
/// kernel fails every other unmet `eventually` at the end of the run).
fn judge_end(expect: Expect, name: &str, standing: Standing, end: Time, v: &mut Verdicts) {
    if let Expect::EventuallyBy(by) = expect
        && standing != Standing::Settled
        && end > by
    {
        v.fail(name, format!("not met by {by}"));
    }
}

/// A closure property over observations: a [`Checker`] with one property.
pub(crate) struct ObservedProperty<F> {
    expect: Expect,
    name: String,
    holds: F,
    standing: Standing,
}

impl<F> ObservedProperty<F> {
    pub(crate) fn new(expect: Expect, name: &str, holds: F) -> Self {
        ObservedProperty {
            expect,
            name: name.to_string(),
            holds,
            standing: Standing::Open,
        }
    }
}

impl<A: Actor, F: FnMut(Time, NodeId, &A::Obs) -> bool> Checker<A> for ObservedProperty<F> {
    fn properties(&self) -> Vec<Property> {
        vec![Property {
            name: self.name.clone(),
            kind: self.expect.kind(),
        }]
    }
    fn observe(&mut self, at: Time, node: NodeId, obs: &A::Obs, v: &mut Verdicts) {
        let holds = &mut self.holds;
        // Every rejected fact is its own violation, as a hand-written checker reports them.
        if self.expect == Expect::Always {
            self.standing = Standing::Open;
        }
        judge(
            self.expect,
            &self.name,
            &mut self.standing,
            at,
            || holds(at, node, obs),
            || format!("node {node} observed {obs:?}"),
            v,
        );
    }
    fn finish(&mut self, end: Time, v: &mut Verdicts) {
        judge_end(self.expect, &self.name, self.standing, end, v);
    }
}

/// A predicate over a world.
type StatePredicate<A> = Box<dyn FnMut(&World<A>) -> bool>;

/// A closure property over the world's state, judged after every event.
pub(crate) struct StateProperty<A: Actor> {
    pub(crate) expect: Expect,
    pub(crate) name: String,
    holds: StatePredicate<A>,
    standing: Standing,
}

impl<A: Actor> StateProperty<A> {
    pub(crate) fn new(
        expect: Expect,
        name: &str,
        holds: impl FnMut(&World<A>) -> bool + 'static,
    ) -> Self {
        StateProperty {
            expect,
            name: name.to_string(),
            holds: Box::new(holds),
            standing: Standing::Open,
        }
    }
    /// Judges the property on `w` as it is now.
    pub(crate) fn judge(&mut self, w: &World<A>, v: &mut Verdicts) {
        let holds = &mut self.holds;
        let at = w.now();
        judge(
            self.expect,
            &self.name,
            &mut self.standing,
            at,
            || holds(w),
            || format!("false at {at}"),
            v,
        );
    }
    /// The end of the run at `end`.
    pub(crate) fn finish(&self, end: Time, v: &mut Verdicts) {
        judge_end(self.expect, &self.name, self.standing, end, v);
    }
}
