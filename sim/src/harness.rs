//! Handler unit tests without a world: a [`Harness`] owns one actor, runs one handler on it
//! with a [`Ctx`] that records every verb (send, timers, persist, observe, note) as an
//! [`Effect`], and returns what that call recorded, in order, for a test to assert on.
//!
//! Nothing is applied: a send reaches no one, a timer never fires. What the harness keeps is
//! the node's own view: the durable state (a persist replaces it, so the next handler and a
//! [`Harness::restart`] see it), its local time, incarnation, random stream and metrics.
//!
//! The kernel's hot path is untouched by this: a harness runs the handler on a kernel core
//! of its own, set up so that every verb takes a slow path (the one a traced run or a
//! drifting clock takes), and only there does the core check for a recorder.
//!
//! ```
//! use sim::{Actor, Ctx, Effect, Harness, Message, NodeId, Time};
//!
//! #[derive(Clone, Debug, PartialEq)]
//! enum Msg { Ping(u32), Pong(u32) }
//! impl Message for Msg {
//!     fn kind(&self) -> &'static str { match self { Msg::Ping(_) => "ping", Msg::Pong(_) => "pong" } }
//! }
//!
//! /// Answers every ping, and remembers (durably) how many it answered.
//! struct Echo { answered: u32 }
//! impl Actor for Echo {
//!     type Msg = Msg;
//!     type Timer = ();
//!     type Durable = u32;
//!     type Obs = u32;
//!     fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
//!         if let Msg::Ping(n) = msg {
//!             cx.send(from, Msg::Pong(n));
//!             self.answered += 1;
//!             cx.persist(self.answered);
//!             cx.observe(n);
//!         }
//!     }
//! }
//!
//! let mut h = Harness::new(NodeId(1), Echo { answered: 0 });
//! h.set_now(Time::from_millis(5));
//! let fx = h.message(NodeId(0), Msg::Ping(7));
//! assert_eq!(fx.sends(), [(NodeId(0), &Msg::Pong(7))]);
//! assert_eq!(fx.persisted(), Some(&1));
//! assert_eq!(fx[2], Effect::Observe(7));
//! assert_eq!(h.actor().answered, 1);
//! assert_eq!(*h.durable(), 1);
//! ```

use std::ops::Deref;

use crate::actor::{Actor, Ctx, NodeId, TimerId};
use crate::metrics::Metrics;
use crate::rng::Stream;
use crate::time::Time;
use crate::world::Core;

/// One verb a handler used, as data.
pub enum Effect<A: Actor> {
    /// [`Ctx::send`].
    Send {
        /// Destination.
        to: NodeId,
        /// Payload.
        msg: A::Msg,
    },
    /// [`Ctx::set_timer`].
    SetTimer {
        /// The handle the handler got back.
        id: TimerId,
        /// Delay on the local clock.
        after: Time,
        /// Payload.
        timer: A::Timer,
    },
    /// [`Ctx::cancel_timer`].
    CancelTimer(TimerId),
    /// [`Ctx::persist`].
    Persist(A::Durable),
    /// [`Ctx::observe`].
    Observe(A::Obs),
    /// [`Ctx::note`].
    Note(String),
}

// Written out rather than derived: a derive would ask `A` itself to be Clone, Debug and
// PartialEq, where only its associated types need to be.
impl<A: Actor> Clone for Effect<A> {
    fn clone(&self) -> Self {
        match self {
            Effect::Send { to, msg } => Effect::Send {
                to: *to,
                msg: msg.clone(),
            },
            Effect::SetTimer { id, after, timer } => Effect::SetTimer {
                id: *id,
                after: *after,
                timer: timer.clone(),
            },
            Effect::CancelTimer(id) => Effect::CancelTimer(*id),
            Effect::Persist(d) => Effect::Persist(d.clone()),
            Effect::Observe(o) => Effect::Observe(o.clone()),
            Effect::Note(t) => Effect::Note(t.clone()),
        }
    }
}

impl<A: Actor> std::fmt::Debug for Effect<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Send { to, msg } => f
                .debug_struct("Send")
                .field("to", to)
                .field("msg", msg)
                .finish(),
            Effect::SetTimer { id, after, timer } => f
                .debug_struct("SetTimer")
                .field("id", id)
                .field("after", after)
                .field("timer", timer)
                .finish(),
            Effect::CancelTimer(id) => f.debug_tuple("CancelTimer").field(id).finish(),
            Effect::Persist(d) => f.debug_tuple("Persist").field(d).finish(),
            Effect::Observe(o) => f.debug_tuple("Observe").field(o).finish(),
            Effect::Note(t) => f.debug_tuple("Note").field(t).finish(),
        }
    }
}

impl<A: Actor> PartialEq for Effect<A>
where
    A::Msg: PartialEq,
    A::Timer: PartialEq,
    A::Durable: PartialEq,
    A::Obs: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Effect::Send { to: a, msg: m }, Effect::Send { to: b, msg: n }) => a == b && m == n,
            (
                Effect::SetTimer {
                    id: a,
                    after: x,
                    timer: s,
                },
                Effect::SetTimer {
                    id: b,
                    after: y,
                    timer: t,
                },
            ) => a == b && x == y && s == t,
            (Effect::CancelTimer(a), Effect::CancelTimer(b)) => a == b,
            (Effect::Persist(a), Effect::Persist(b)) => a == b,
            (Effect::Observe(a), Effect::Observe(b)) => a == b,
            (Effect::Note(a), Effect::Note(b)) => a == b,
            _ => false,
        }
    }
}

/// What one handler call recorded, in order. Derefs to the slice of [`Effect`]s; the
/// accessors pick one kind out.
pub struct Effects<A: Actor>(pub Vec<Effect<A>>);

impl<A: Actor> Effects<A> {
    /// Messages sent, as `(destination, message)`.
    pub fn sends(&self) -> Vec<(NodeId, &A::Msg)> {
        self.0
            .iter()
            .filter_map(|e| match e {
                Effect::Send { to, msg } => Some((*to, msg)),
                _ => None,
            })
            .collect()
    }
    /// Timers set, as `(delay on the local clock, payload)`.
    pub fn timers(&self) -> Vec<(Time, &A::Timer)> {
        self.0
            .iter()
            .filter_map(|e| match e {
                Effect::SetTimer { after, timer, .. } => Some((*after, timer)),
                _ => None,
            })
            .collect()
    }
    /// Timers cancelled.
    pub fn cancels(&self) -> Vec<TimerId> {
        self.0
            .iter()
            .filter_map(|e| match e {
                Effect::CancelTimer(id) => Some(*id),
                _ => None,
            })
            .collect()
    }
    /// The last durable state persisted, if the handler persisted at all.
    pub fn persisted(&self) -> Option<&A::Durable> {
        self.0.iter().rev().find_map(|e| match e {
            Effect::Persist(d) => Some(d),
            _ => None,
        })
    }
    /// Facts reported to the checkers.
    pub fn observations(&self) -> Vec<&A::Obs> {
        self.0
            .iter()
            .filter_map(|e| match e {
                Effect::Observe(o) => Some(o),
                _ => None,
            })
            .collect()
    }
    /// Trace annotations.
    pub fn notes(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter_map(|e| match e {
                Effect::Note(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }
}

impl<A: Actor> Deref for Effects<A> {
    type Target = [Effect<A>];
    fn deref(&self) -> &[Effect<A>] {
        &self.0
    }
}

impl<A: Actor> IntoIterator for Effects<A> {
    type Item = Effect<A>;
    type IntoIter = std::vec::IntoIter<Effect<A>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<A: Actor> std::fmt::Debug for Effects<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

/// What a harness's core keeps instead of applying: the effects so far, and the next timer
/// handle. Out of line: it is never on the kernel's path.
pub(crate) struct Recorder<A: Actor> {
    next_timer: u64,
    out: Vec<Effect<A>>,
}

impl<A: Actor> Default for Recorder<A> {
    fn default() -> Self {
        Recorder {
            next_timer: 0,
            out: Vec::new(),
        }
    }
}

impl<A: Actor> Recorder<A> {
    #[inline(never)]
    pub(crate) fn push(&mut self, e: Effect<A>) {
        self.out.push(e);
    }
    #[inline(never)]
    pub(crate) fn set_timer(&mut self, after: Time, timer: A::Timer) -> TimerId {
        let id = TimerId(self.next_timer);
        self.next_timer += 1;
        self.out.push(Effect::SetTimer { id, after, timer });
        id
    }
    pub(crate) fn take(&mut self) -> Vec<Effect<A>> {
        std::mem::take(&mut self.out)
    }
}

/// Runs one actor's handlers on their own and returns what each call recorded. The node
/// has a perfect clock that stays where [`Harness::set_now`] put it, so its local and true
/// times agree.
pub struct Harness<A: Actor> {
    actor: A,
    me: NodeId,
    core: Core<A>,
}

impl<A: Actor> Harness<A> {
    /// Node `me` running `actor`, at time zero, with the default durable state, incarnation
    /// 0, and the random stream of node `#<id>` in a world of seed 0 ([`Harness::seed`]
    /// gives it another). Ids below `me` exist too (as destinations), so a large id costs
    /// memory.
    pub fn new(me: NodeId, actor: A) -> Self {
        Harness {
            actor,
            me,
            core: Core::recording(me),
        }
    }
    /// Sets the clock the next handlers read.
    pub fn set_now(&mut self, t: Time) -> &mut Self {
        self.core.set_now(t);
        self
    }
    /// Replaces the durable state (what [`Ctx::durable`] returns and a restart rebuilds from).
    pub fn set_durable(&mut self, d: A::Durable) -> &mut Self {
        *self.core.durable_mut(self.me) = d;
        self
    }
    /// Sets what [`Ctx::incarnation`] returns.
    pub fn set_incarnation(&mut self, n: u32) -> &mut Self {
        self.core.set_incarnation(self.me, n);
        self
    }
    /// Gives the node the random stream it has in a world of root seed `seed` where it is
    /// called `name`: its first draws are those of that node's first handler.
    pub fn seed(&mut self, seed: u64, name: &str) -> &mut Self {
        *self.core.node_rng(self.me) = Stream::new(seed, &format!("node/{name}"));
        self
    }

    /// Runs [`Actor::on_start`].
    pub fn start(&mut self) -> Effects<A> {
        self.call(|a, cx| a.on_start(cx))
    }
    /// Runs [`Actor::on_message`] for `msg` from `from`.
    pub fn message(&mut self, from: NodeId, msg: A::Msg) -> Effects<A> {
        self.call(|a, cx| a.on_message(from, msg, cx))
    }
    /// Runs [`Actor::on_timer`] for `timer`, as if it had just fired.
    pub fn timer(&mut self, timer: A::Timer) -> Effects<A> {
        self.call(|a, cx| a.on_timer(timer, cx))
    }
    /// A crash and restart: the actor is rebuilt by `factory` from the durable state, the
    /// incarnation goes up by one, and `on_start` runs; returns what it recorded.
    pub fn restart(&mut self, factory: impl FnOnce(NodeId, &A::Durable) -> A) -> Effects<A> {
        self.actor = factory(self.me, self.core.durable(self.me));
        let inc = self.core.incarnation(self.me) + 1;
        self.core.set_incarnation(self.me, inc);
        self.start()
    }

    /// The actor, to read its state after a handler.
    pub fn actor(&self) -> &A {
        &self.actor
    }
    /// The actor, to put it in the state a test needs before a handler.
    pub fn actor_mut(&mut self) -> &mut A {
        &mut self.actor
    }
    /// The actor, giving up the harness.
    pub fn into_actor(self) -> A {
        self.actor
    }
    /// The durable state, as the last persist left it.
    pub fn durable(&self) -> &A::Durable {
        self.core.durable(self.me)
    }
    /// The metrics the handlers recorded so far.
    pub fn metrics(&self) -> &Metrics {
        self.core.metrics()
    }

    fn call(&mut self, f: impl FnOnce(&mut A, &mut Ctx<'_, A>)) -> Effects<A> {
        let local_now = self.core.now();
        let mut cx = Ctx {
            w: &mut self.core,
            me: self.me,
            local_now,
        };
        f(&mut self.actor, &mut cx);
        Effects(self.core.take_effects())
    }
}
