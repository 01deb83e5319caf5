//! Faults: the plan a world was built with (scripted faults, random fault rates, phases),
//! and how each fault changes the world, whether scripted, random, injected by a test, or
//! undone by the heal phase. Random faults draw only from the `faults` stream, so adding a
//! fault kind shifts no node's or the network's randomness.

use std::collections::BTreeSet;

use super::resolve::Resolved;
use super::{Core, NEVER_LOCAL, World};
use super::{Envelope, Pending, Slot};
use crate::actor::{Actor, NodeId};
use crate::faults::{FaultRate, Phases, RandomFaults};
use crate::rng::Stream;
use crate::time::Time;
use crate::trace::{DropReason, Event};

/// The faults a world was built with, and the state of its random faults.
pub(super) struct FaultPlan {
    /// The `faults` stream: which node, when, how long.
    pub(super) rng: Stream,
    /// Scripted faults, queued when the world starts.
    pub(super) scripted: Vec<(Time, Resolved)>,
    pub(super) random: RandomFaults,
    /// The nodes random crashes and pauses may pick.
    pub(super) eligible: Vec<NodeId>,
    /// Most nodes down or paused at once by random faults.
    pub(super) max_down: usize,
    /// A random partition is in force (only one at a time).
    pub(super) random_cut_active: bool,
    pub(super) phases: Option<Phases>,
}

/// A kind of random fault, each on its own Poisson clock.
#[derive(Clone, Copy, Debug)]
pub(super) enum RandomKind {
    Crash,
    Pause,
    Partition,
    ClockStep,
}

impl<A: Actor> Core<A> {
    pub(super) fn schedule_tick(&mut self, k: RandomKind, r: &FaultRate) {
        let dt = Time::from_secs_f64(self.faults.rng.exp(1.0 / r.rate));
        let at = self.sched.now + dt;
        if self.faults.phases.is_some_and(|p| at < p.heal_at) {
            self.schedule(at, Pending::RandomTick(k));
        }
    }

    /// Recomputes when `n`'s pending timers fire after its clock changed.
    pub(super) fn retime(&mut self, n: NodeId) {
        let now = self.sched.now.0;
        let clock = self.nodes.states[n.idx()].clock;
        let held: BTreeSet<u32> = self.nodes.states[n.idx()].held.iter().copied().collect();
        let mut moves = Vec::new();
        for (i, s) in self.sched.slab.iter().enumerate() {
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

impl<A: Actor> World<A> {
    pub(super) fn apply_fault(&mut self, f: Resolved, quiet: bool) {
        match f {
            Resolved::Crash(n) => self.crash_node(n, quiet),
            Resolved::Restart(n) => self.restart_node(n, quiet),
            Resolved::Pause(n) => {
                let s = self.nodes.live[n.idx()];
                if !s.up || s.paused {
                    if !quiet {
                        self.note(Some(n), "pause ignored: node is down or already paused");
                    }
                    return;
                }
                self.nodes.live[n.idx()].paused = true;
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
                if quiet && !self.faults.random_cut_active {
                    return;
                }
                self.faults.random_cut_active = false;
                self.net.cut.clear();
                self.emit(Event::Heal, None);
            }
            Resolved::ClockStep(n, delta) => {
                let now = self.sched.now.0;
                self.nodes.states[n.idx()].clock.step(now, delta);
                self.nodes.live[n.idx()].perfect = false;
                self.emit(Event::ClockStep { node: n, delta }, None);
                self.retime(n);
            }
            Resolved::Drift(n, ppm) => {
                let now = self.sched.now.0;
                self.nodes.states[n.idx()].clock.set_ppm(now, ppm);
                self.nodes.live[n.idx()].perfect = false;
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

    pub(super) fn crash_node(&mut self, n: NodeId, quiet: bool) {
        if !self.nodes.live[n.idx()].up {
            if !quiet {
                self.note(Some(n), "crash ignored: node is already down");
            }
            return;
        }
        self.actors[n.idx()] = None;
        let l = &mut self.nodes.live[n.idx()];
        l.up = false;
        l.paused = false;
        l.inc += 1;
        let held = std::mem::take(&mut self.nodes.states[n.idx()].held);
        self.emit_node_event(Event::Crash { node: n });
        for slot in held {
            if let Pending::Deliver(Envelope {
                from,
                to,
                msg_id,
                msg,
            }) = self.sched.free_slot(slot)
            {
                use crate::actor::Message;
                self.counters.dropped += 1;
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

    pub(super) fn restart_node(&mut self, n: NodeId, quiet: bool) {
        if self.nodes.live[n.idx()].up {
            if !quiet {
                self.note(Some(n), "restart ignored: node is up");
            }
            return;
        }
        let a = (self.nodes.factory)(n, &self.nodes.states[n.idx()].durable);
        let now = self.sched.now;
        self.actors[n.idx()] = Some(a);
        self.nodes.live[n.idx()].up = true;
        self.nodes.states[n.idx()].up_since = now;
        self.emit_node_event(Event::Restart { node: n });
        self.call(n, |a, cx| a.on_start(cx));
    }

    pub(super) fn resume_node(&mut self, n: NodeId, quiet: bool) {
        if !self.nodes.live[n.idx()].paused {
            if !quiet {
                self.note(Some(n), "resume ignored: node is not paused");
            }
            return;
        }
        let now = self.sched.now;
        self.nodes.live[n.idx()].paused = false;
        let held = {
            let s = &mut self.nodes.states[n.idx()];
            s.up_since = now;
            std::mem::take(&mut s.held)
        };
        self.emit_node_event(Event::Resume { node: n });
        for slot in held {
            self.requeue(slot, now);
        }
    }

    pub(super) fn random_tick(&mut self, k: RandomKind) {
        let heal_at = self.faults.phases.map_or(Time::MAX, |p| p.heal_at);
        let rate = match k {
            RandomKind::Crash => self.faults.random.crash.clone(),
            RandomKind::Pause => self.faults.random.pause.clone(),
            RandomKind::Partition => self.faults.random.partition.clone(),
            RandomKind::ClockStep => self.faults.random.clock_step.clone(),
        }
        .expect("tick of an enabled kind");
        let down = self.nodes.live.iter().filter(|s| !s.up || s.paused).count();
        let now = self.sched.now;
        let min_up = self.faults.random.min_up;
        let candidates: Vec<NodeId> = self
            .faults
            .eligible
            .iter()
            .copied()
            .filter(|n| {
                let s = self.nodes.live[n.idx()];
                s.up && !s.paused && now >= self.nodes.states[n.idx()].up_since + min_up
            })
            .collect();
        let span = |rng: &mut Stream| Time(rng.range_u64(rate.min.0, rate.max.0 + 1));
        match k {
            RandomKind::Crash | RandomKind::Pause => {
                if down < self.faults.max_down && !candidates.is_empty() {
                    let n = candidates[self.faults.rng.index(candidates.len())];
                    let back = (now + span(&mut self.faults.rng)).min(heal_at);
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
                if !self.faults.random_cut_active && total >= 2 {
                    let mut ids: Vec<u32> = (0..total as u32).collect();
                    self.faults.rng.shuffle(&mut ids);
                    let k = 1 + self.faults.rng.index(total - 1);
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
                    self.faults.random_cut_active = true;
                    let back = (now + span(&mut self.faults.rng)).min(heal_at);
                    self.schedule(back, Pending::Undo(Box::new(Resolved::Heal)));
                }
            }
            RandomKind::ClockStep => {
                if !candidates.is_empty() {
                    let n = candidates[self.faults.rng.index(candidates.len())];
                    let m = rate.max.0 as i64;
                    let delta = self.faults.rng.range_u64(0, 2 * m as u64 + 1) as i64 - m;
                    self.apply_fault(Resolved::ClockStep(n, delta), false);
                }
            }
        }
        self.schedule_tick(k, &rate);
    }

    pub(super) fn heal_phase(&mut self) {
        self.emit(Event::Phase { name: "heal" }, None);
        if !self.net.cut.is_empty() {
            self.faults.random_cut_active = false;
            self.net.cut.clear();
            self.emit(Event::Heal, None);
        }
        let rules: Vec<String> = self.net.rules.iter().map(|r| r.name.clone()).collect();
        for r in rules {
            self.apply_fault(Resolved::RemoveRule(r), false);
        }
        for i in 0..self.nodes.len() {
            let n = NodeId(i as u32);
            if !self.nodes.live[i].up {
                self.restart_node(n, true);
            } else if self.nodes.live[i].paused {
                self.resume_node(n, true);
            }
        }
        self.emit(Event::Phase { name: "liveness" }, None);
    }
}
