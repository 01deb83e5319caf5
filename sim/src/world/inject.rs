//! Faults injected from test code between two steps, nodes by id. A fault applies at once,
//! at the world's current time, exactly as a scripted fault at that instant would: the same
//! trace records, the same checker calls. A fault that does not apply (crashing a node that
//! is down) is noted in the trace and ignored, as in a scenario; one the world cannot apply
//! at all (an unknown id, a range error) is an [`Error`] and changes nothing.

use super::World;
use super::resolve::{Names, resolve_fault};
use crate::actor::{Actor, NodeId};
use crate::error::Error;
use crate::faults::Fault;
use crate::network::{LinkConfig, Rule};
use crate::time::TimeDelta;

impl<A: Actor> World<A> {
    /// Applies `fault` now (starting the world first if needed).
    pub fn inject(&mut self, fault: Fault) -> Result<(), Error> {
        let what = match &fault {
            Fault::Crash(_) => "crash",
            Fault::Restart(_) => "restart",
            Fault::Pause(_) => "pause",
            Fault::Resume(_) => "resume",
            Fault::Partition { .. } => "partition",
            Fault::Heal => "heal",
            Fault::ClockStep { .. } => "clock_step",
            Fault::Drift { .. } => "drift",
            Fault::AddRule(_) => "add_rule",
            Fault::RemoveRule(_) => "remove_rule",
            Fault::SetLink { .. } => "set_link",
        };
        let resolved = resolve_fault(&fault, &Names(&self.nodes.names), what)?;
        self.start();
        self.apply_fault(resolved, false);
        self.judge_states();
        Ok(())
    }
    /// Crashes node `n` now.
    pub fn crash(&mut self, n: NodeId) -> Result<(), Error> {
        self.inject(Fault::Crash(n))
    }
    /// Restarts crashed node `n` now (its `on_start` runs).
    pub fn restart(&mut self, n: NodeId) -> Result<(), Error> {
        self.inject(Fault::Restart(n))
    }
    /// Pauses node `n` now: its deliveries and timers wait.
    pub fn pause(&mut self, n: NodeId) -> Result<(), Error> {
        self.inject(Fault::Pause(n))
    }
    /// Resumes paused node `n` now: what waited runs.
    pub fn resume(&mut self, n: NodeId) -> Result<(), Error> {
        self.inject(Fault::Resume(n))
    }
    /// Cuts every link between `a` and `b`, both ways.
    pub fn partition(&mut self, a: &[NodeId], b: &[NodeId]) -> Result<(), Error> {
        self.inject(Fault::Partition {
            a: a.to_vec(),
            b: b.to_vec(),
            one_way: false,
        })
    }
    /// Heals every partition.
    pub fn heal(&mut self) -> Result<(), Error> {
        self.inject(Fault::Heal)
    }
    /// Steps node `n`'s local clock by `delta` (negative: back); its timers are re-timed.
    pub fn clock_step(&mut self, n: NodeId, delta: TimeDelta) -> Result<(), Error> {
        self.inject(Fault::ClockStep { node: n, delta })
    }
    /// Sets node `n`'s clock drift, in parts per million.
    pub fn drift(&mut self, n: NodeId, ppm: i64) -> Result<(), Error> {
        self.inject(Fault::Drift { node: n, ppm })
    }
    /// Installs a network rule for messages sent from now on.
    pub fn add_rule(&mut self, rule: Rule) -> Result<(), Error> {
        self.inject(Fault::AddRule(rule))
    }
    /// Removes the network rules called `name`.
    pub fn remove_rule(&mut self, name: &str) -> Result<(), Error> {
        self.inject(Fault::RemoveRule(name.to_string()))
    }
    /// Changes the links `from -> to` (both ways; `None`: every node) for messages sent from
    /// now on; with both `None`, every link.
    pub fn set_link(
        &mut self,
        from: Option<NodeId>,
        to: Option<NodeId>,
        link: LinkConfig,
    ) -> Result<(), Error> {
        self.inject(Fault::SetLink {
            from,
            to,
            one_way: false,
            link,
        })
    }
}
