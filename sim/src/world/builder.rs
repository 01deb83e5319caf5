//! The builder: a world's nodes, network, faults, properties and limits, each checked when
//! the world is built, and errors that name what is wrong and what is allowed.

use std::collections::{BTreeMap, BTreeSet};

use super::counters::Counters;
use super::fault_plan::FaultPlan;
use super::judge::Judge;
use super::nodes::Nodes;
use super::resolve::{Names, Resolved, pairs, resolve, resolve_fault};
use super::scheduler::Scheduler;
use super::tracer::Tracer;
use super::{Core, Factory, INTERRUPT_EVERY, World};
use crate::actor::{Actor, NodeId};
use crate::checker::{Checker, PropertyKind};
use crate::error::Error;
use crate::expect::{Expect, ObservedProperty, StateProperty};
use crate::faults::{Fault, FaultStep, Phases, RandomFaults};
use crate::metrics::Metrics;
use crate::network::{LinkConfig, Network};
use crate::queue::MAX_SLOTS;
use crate::rng::Stream;
use crate::time::Time;
use crate::trace::TraceSink;

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
    pub fn build(mut self) -> Result<World<A>, Error> {
        self.check_nodes()?;
        let n = self.names.len();
        let factory = self.factory.take().ok_or(Error::NoFactory)?;
        self.check_clocks()?;
        let overrides = self.link_overrides()?;
        let eligible = self.random_eligible()?;
        let scripted = self.scripted_faults()?;
        let end = match self.phases {
            Some(p) => p.heal_at + p.liveness,
            None => self.end,
        };
        let props = self.property_kinds();
        let max_down = self
            .random
            .max_down
            .unwrap_or((eligible.len().saturating_sub(1)) / 2);
        let judge = Judge::new(self.checkers, props, self.stop_on_violation);
        let core = Core {
            seed: self.seed,
            tracer: Tracer::new(self.sink, judge.checker_events),
            judge,
            sched: Scheduler::new(self.max_pending as usize),
            nodes: Nodes::new(self.seed, self.names, &self.clocks, factory),
            net: Network::new(
                self.default_link,
                overrides,
                Stream::new(self.seed, "network"),
            ),
            faults: FaultPlan {
                rng: Stream::new(self.seed, "faults"),
                scripted,
                random: self.random,
                eligible,
                max_down,
                random_cut_active: false,
                phases: self.phases,
            },
            counters: Counters::default(),
            metrics: Metrics::default(),
            end,
            max_events: self.max_events,
            next_check: if self.interrupt.is_some() {
                self.max_events.min(INTERRUPT_EVERY)
            } else {
                self.max_events
            },
            interrupt: self.interrupt,
            started: false,
            recorder: None,
        };
        Ok(World {
            core,
            actors: (0..n).map(|_| None).collect(),
            state_props: self.state_props,
        })
    }

    /// At least one node, names unique, and a pending-event bound the queue can hold.
    fn check_nodes(&self) -> Result<(), Error> {
        if self.names.is_empty() {
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
        Ok(())
    }

    /// Every node's clock drift is in range (a clock may not stop or run backwards).
    fn check_clocks(&self) -> Result<(), Error> {
        for (i, (_, ppm)) in self.clocks.iter().enumerate() {
            if *ppm <= -1_000_000 || *ppm > crate::faults::MAX_DRIFT_PPM {
                return Err(Error::Invalid(format!(
                    "node `{}`: drift {ppm} ppm must be in -999999..={}",
                    self.names[i],
                    crate::faults::MAX_DRIFT_PPM
                )));
            }
        }
        Ok(())
    }

    /// The default link checked, and each per-link setting checked and resolved to the
    /// ordered node pairs it covers (a later setting wins).
    fn link_overrides(&self) -> Result<BTreeMap<(u32, u32), LinkConfig>, Error> {
        let n = self.names.len();
        let names = Names(&self.names);
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
        Ok(overrides)
    }

    /// The random-fault settings checked, and the nodes random faults may hit.
    fn random_eligible(&self) -> Result<Vec<NodeId>, Error> {
        let n = self.names.len();
        let names = Names(&self.names);
        self.random.validate().map_err(Error::Invalid)?;
        if !self.random.is_empty() && self.phases.is_none() {
            return Err(Error::Invalid(
                "random faults need phases (heal_at and liveness)".into(),
            ));
        }
        match &self.random.nodes {
            None => Ok((0..n as u32).map(NodeId).collect()),
            Some(v) => v.iter().map(|s| names.id(s, "random.nodes")).collect(),
        }
    }

    /// The scripted faults with their node names resolved to ids.
    fn scripted_faults(&self) -> Result<Vec<(Time, Resolved)>, Error> {
        let names = Names(&self.names);
        let mut scripted = Vec::new();
        for (k, step) in self.faults.iter().enumerate() {
            let what = format!("faults[{k}]");
            scripted.push(match step {
                Scripted::Named(step) => (step.at, resolve(&step.action, &names, &what)?),
                Scripted::ById(at, f) => (*at, resolve_fault(f, &names, &what)?),
            });
        }
        Ok(scripted)
    }

    /// The kind of every property the checkers and state properties declare, by name.
    fn property_kinds(&self) -> BTreeMap<String, PropertyKind> {
        let mut props = BTreeMap::new();
        for c in &self.checkers {
            for p in c.properties() {
                props.insert(p.name.clone(), p.kind);
            }
        }
        for p in &self.state_props {
            props.insert(p.name.clone(), p.expect.kind());
        }
        props
    }
}
