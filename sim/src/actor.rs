//! The sans-IO actor API: handlers get `&mut self` and a [`Ctx`] command buffer, and record
//! intents (send, timers, persist, observe, note) that the kernel applies after the handler
//! returns. A handler never performs an effect itself, so a protocol file reads like the paper.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::metrics::Metrics;
use crate::rng::Stream;
use crate::time::Time;

/// Index of a node in the world (0-based, in the order nodes were added).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The index as a `usize`, for flat per-node vectors.
    #[inline]
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A timer handle, unique within a run; returned by [`Ctx::set_timer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub u64);

/// A protocol message. `kind()` names it in traces, timelines and network rules.
pub trait Message: Clone + fmt::Debug {
    /// A short stable name such as `"prepare"` or `"vote"`.
    fn kind(&self) -> &'static str;
}

/// A node's behaviour. One type per protocol (usually an enum of roles), so the kernel is
/// monomorphised per protocol and messages travel as the protocol's own enum, unboxed.
pub trait Actor: Sized {
    /// Messages between nodes.
    type Msg: Message;
    /// Timer payloads, handed back to [`Actor::on_timer`].
    type Timer: Clone + fmt::Debug;
    /// What survives a crash. Written with [`Ctx::persist`], handed to the factory on restart.
    type Durable: Clone + fmt::Debug + Default;
    /// Facts for checkers, recorded with [`Ctx::observe`].
    type Obs: Clone + fmt::Debug;

    /// Called once when the node starts and again after every restart.
    fn on_start(&mut self, _ctx: &mut Ctx<'_, Self>) {}
    /// A message arrived from `from`.
    fn on_message(&mut self, from: NodeId, msg: Self::Msg, ctx: &mut Ctx<'_, Self>);
    /// A timer set with [`Ctx::set_timer`] fired.
    fn on_timer(&mut self, _timer: Self::Timer, _ctx: &mut Ctx<'_, Self>) {}
}

/// An intent recorded by a handler, applied by the kernel in order after the handler returns.
#[derive(Debug)]
pub enum Command<A: Actor> {
    /// Send a message through the network.
    Send {
        /// Destination.
        to: NodeId,
        /// Payload.
        msg: A::Msg,
    },
    /// Fire `timer` after `after` has elapsed on this node's local clock.
    SetTimer {
        /// Handle returned to the actor.
        id: TimerId,
        /// Local-clock duration.
        after: Time,
        /// Payload.
        timer: A::Timer,
    },
    /// Cancel a pending timer (no effect if it already fired).
    CancelTimer(TimerId),
    /// Replace the node's durable state.
    Persist(A::Durable),
    /// Report a fact to the checkers.
    Observe(A::Obs),
    /// Annotate the trace.
    Note(String),
}

/// The command buffer and read-only view a handler gets.
pub struct Ctx<'a, A: Actor> {
    pub(crate) me: NodeId,
    pub(crate) local_now: Time,
    pub(crate) rng: &'a mut Stream,
    pub(crate) out: &'a mut Vec<Command<A>>,
    pub(crate) durable: &'a A::Durable,
    pub(crate) next_timer: &'a mut u64,
    pub(crate) metrics: &'a mut Metrics,
    pub(crate) true_now: Time,
}

impl<'a, A: Actor> Ctx<'a, A> {
    /// This node.
    #[inline]
    pub fn me(&self) -> NodeId {
        self.me
    }
    /// The node's local clock (offset, drift and steps applied).
    #[inline]
    pub fn now(&self) -> Time {
        self.local_now
    }
    /// The node's own random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut Stream {
        self.rng
    }
    /// Sends `msg` to `to`; the network decides delay, loss and duplication.
    #[inline]
    pub fn send(&mut self, to: NodeId, msg: A::Msg) {
        self.out.push(Command::Send { to, msg });
    }
    /// Sets a timer that fires after `after` on the local clock; returns its handle.
    #[inline]
    pub fn set_timer(&mut self, after: Time, timer: A::Timer) -> TimerId {
        let id = TimerId(*self.next_timer);
        *self.next_timer += 1;
        self.out.push(Command::SetTimer { id, after, timer });
        id
    }
    /// Cancels a timer set earlier.
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.out.push(Command::CancelTimer(id));
    }
    /// Replaces the durable state (a forced write: it survives a crash after this handler).
    pub fn persist(&mut self, state: A::Durable) {
        self.out.push(Command::Persist(state));
    }
    /// The durable state as of the start of this handler.
    pub fn durable(&self) -> &A::Durable {
        self.durable
    }
    /// Reports a fact to the checkers.
    pub fn observe(&mut self, obs: A::Obs) {
        self.out.push(Command::Observe(obs));
    }
    /// Adds a free-text annotation to the trace.
    pub fn note(&mut self, text: impl Into<String>) {
        self.out.push(Command::Note(text.into()));
    }
    /// Run metrics (counters, histograms, time-weighted levels, series). Metrics are an
    /// output of the run, never an input to protocol logic.
    #[inline]
    pub fn metrics(&mut self) -> &mut Metrics {
        self.metrics
    }
    /// True (global) time, for metrics only: protocol decisions must use [`Ctx::now`].
    #[inline]
    pub fn metrics_time(&self) -> Time {
        self.true_now
    }
}
