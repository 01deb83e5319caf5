//! The sans-IO actor API: handlers get `&mut self` and a [`Ctx`], and record intents (send,
//! timers, persist, observe, note) that the kernel applies. A handler never performs an effect
//! itself (no I/O, no clock, no threads), so a protocol file reads like the paper.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::metrics::Metrics;
use crate::rng::Stream;
use crate::time::Time;
use crate::world::Core;

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
    /// A short payload summary for pictures and timelines, written into `out`, such as
    /// `b=3` for a paxos prepare or `yes T1` for a 2PC vote; write nothing (the default) when
    /// the kind says it all. Keep it to a few words: it labels an arrow.
    ///
    /// Called only when a trace sink asks for detail text, never on an untraced run, and it
    /// does not enter the digest.
    fn summary(&self, _out: &mut String) {}
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

/// What a handler gets: a read-only view of its node (identity, local clock, durable state)
/// and the verbs it may use (send, timers, persist, observe, note, its random stream).
///
/// Effects are applied by the kernel as they are recorded, in order, and before any other
/// event can run, so a handler is atomic: a crash or pause never falls in its middle.
/// Recording through the kernel directly (instead of a command vector drained afterwards)
/// keeps the per-event path free of an enum round-trip and its copies.
///
/// A [`crate::Harness`] hands a handler a `Ctx` on a core of its own that records the same
/// verbs as data instead (it takes the kernel's slow paths, where the recorder is checked,
/// so the hot path pays nothing for it), so one handler can be unit-tested without a world.
pub struct Ctx<'a, A: Actor> {
    pub(crate) w: &'a mut Core<A>,
    pub(crate) me: NodeId,
    pub(crate) local_now: Time,
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
    /// How many times this node has crashed before this run of it (0 until its first
    /// restart). Not durable state but the environment's fresh identity for a restarted
    /// process, like a new pid: what a client needs to tell its requests from those of its
    /// previous life.
    #[inline]
    pub fn incarnation(&self) -> u32 {
        self.w.incarnation(self.me)
    }
    /// The node's own random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut Stream {
        self.w.node_rng(self.me)
    }
    /// Sends `msg` to `to`; the network decides delay, loss and duplication.
    #[inline]
    pub fn send(&mut self, to: NodeId, msg: A::Msg) {
        self.w.send_from(self.me, to, msg);
    }
    /// Sets a timer that fires after `after` on the local clock; returns its handle.
    #[inline]
    pub fn set_timer(&mut self, after: Time, timer: A::Timer) -> TimerId {
        self.w.set_timer_on(self.me, after, timer)
    }
    /// Cancels a timer set earlier (no effect if it already fired).
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.w.cancel_timer_on(self.me, id);
    }
    /// Replaces the durable state (a forced write: it survives any crash after this call).
    pub fn persist(&mut self, state: A::Durable) {
        self.w.persist_on(self.me, state);
    }
    /// The durable state, including what this handler persisted so far.
    pub fn durable(&self) -> &A::Durable {
        self.w.durable(self.me)
    }
    /// Reports a fact to the checkers.
    pub fn observe(&mut self, obs: A::Obs) {
        self.w.observe_on(self.me, obs);
    }
    /// Adds a free-text annotation to the trace.
    pub fn note(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.w.note_on(self.me, &text);
    }
    /// Run metrics (counters, histograms, time-weighted levels, series). Metrics are an
    /// output of the run, never an input to protocol logic.
    #[inline]
    pub fn metrics(&mut self) -> &mut Metrics {
        self.w.metrics_mut()
    }
    /// True (global) time, for metrics only: protocol decisions must use [`Ctx::now`].
    #[inline]
    pub fn metrics_time(&self) -> Time {
        self.w.now()
    }
}
