//! Shrinking a failing run: the faults that fired (read back from its trace, random ones
//! included) become an explicit `[[faults]]` schedule with `[random]` removed; the schedule
//! must still violate the same property; then it is minimised deterministically within a
//! budget of runs: whole outages removed (ddmin, chunks then singles), outages shortened,
//! network loss and duplication set to zero or replaced by scripted drops and duplicates of
//! the messages that matter ([`crate::shrink_net`]), fewer nodes or clients
//! ([`crate::shrink_size`]), and faults moved earlier.
//!
//! Every decision depends only on the spec, the seed and the runs' outcomes, so the same
//! input gives the same output, byte for byte.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{EventKind, FaultAction, FaultStep, Time, TimeDist, TraceLine};

use crate::runners::{self, RunOutput, RunRequest};
use crate::shrink_net;
use crate::shrink_size;
use crate::spec::{Expect, Spec};

/// Runs a shrink may take when the user gives no `--budget`.
pub const DEFAULT_BUDGET: usize = 200;

/// Sizes of a run, before or after shrinking.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sizes {
    /// Fault steps (scripted and random) that fired before the heal, rules apart.
    pub faults: usize,
    /// Network rules installed (`add_rule` steps).
    pub rules: usize,
    /// Messages the network's random loss dropped or its random duplication copied.
    pub random_net: usize,
    /// Trace records of the run.
    pub events: u64,
    /// Nodes.
    pub nodes: usize,
}

impl Sizes {
    /// `3 faults, 1 rules, 0 random drops/copies, 812 events, 5 nodes`.
    pub fn words(&self) -> String {
        format!(
            "{} faults, {} rules, {} random drops/copies, {} events, {} nodes",
            self.faults, self.rules, self.random_net, self.events, self.nodes
        )
    }
}

/// What a shrink found.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The minimal scenario: scripted faults only, no `[random]`.
    pub spec: Spec,
    /// The violated property both runs share (the first violation's).
    pub property: String,
    /// The failing outcome (`safety_violation` or `liveness_failure`).
    pub outcome: String,
    /// The original run's sizes.
    pub before: Sizes,
    /// The minimal run's sizes.
    pub after: Sizes,
    /// Runs taken, the first and the last included.
    pub runs: usize,
    /// True if the budget ran out before every pass finished.
    pub budget_exhausted: bool,
    /// What was removed or changed, one line each, in the order it happened.
    pub log: Vec<String>,
}

/// Why a shrink could not start.
#[derive(Clone, Debug, PartialEq)]
pub enum ShrinkError {
    /// The seed's run has no violation: nothing to shrink.
    NotFailing(String),
    /// The run failed, but its faults written out as a script do not fail the same way.
    NotReproduced(String),
    /// The run itself could not be made (a spec error, a cut run).
    Run(String),
}

impl std::fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShrinkError::NotFailing(m) | ShrinkError::NotReproduced(m) | ShrinkError::Run(m) => {
                f.write_str(m)
            }
        }
    }
}

/// The fault events of a trace the shrinker reads back.
fn is_fault_line(k: EventKind) -> bool {
    matches!(
        k,
        EventKind::Crash
            | EventKind::Restart
            | EventKind::Pause
            | EventKind::Resume
            | EventKind::Cut
            | EventKind::Heal
            | EventKind::ClockStep
            | EventKind::Drift
    )
}

/// A run's fault lines and the messages its network lost and copied.
struct Faulted {
    out: RunOutput,
    lines: Vec<TraceLine>,
    /// Messages lost to `loss` (a rule's drop has its own reason).
    lost: usize,
    /// Messages copied (by `duplicate`, or by a rule, which the caller tells apart).
    copied: usize,
}

impl Faulted {
    /// The messages the network's randomness dropped or copied: a run whose spec has no
    /// duplication copies only by rule.
    fn random_net(&self, spec: &Spec) -> usize {
        self.lost
            + if spec.network.duplicate > 0.0 {
                self.copied
            } else {
                0
            }
    }
}

/// Runs `spec` at `seed`, keeping its fault lines and counting its random drops and copies.
fn run_keeping_faults(spec: &Spec, seed: u64) -> Result<Faulted, String> {
    let kept = Rc::new(RefCell::new((Vec::new(), 0usize, 0usize)));
    let k = kept.clone();
    let sink = sim::trace::FnSink(move |r: &sim::Record<'_>| {
        let l = TraceLine::from_record(r);
        let mut k = k.borrow_mut();
        match l.ev {
            _ if is_fault_line(l.ev) => k.0.push(l),
            EventKind::Drop if l.reason.as_deref() == Some("loss") => k.1 += 1,
            EventKind::Duplicate => k.2 += 1,
            _ => {}
        }
    });
    let out = runners::run(RunRequest {
        spec,
        seed,
        sink: Some(Box::new(sink)),
        interrupt: None,
    })?;
    let (lines, lost, copied) = kept.take();
    Ok(Faulted {
        out,
        lines,
        lost,
        copied,
    })
}

/// The key a trace line and a scripted step share when the step caused the line.
fn step_keys(s: &FaultStep) -> Vec<(u64, &'static str, String)> {
    let t = s.at.0;
    match &s.action {
        FaultAction::Crash(n) => vec![(t, "crash", n.clone())],
        FaultAction::Restart(n) => vec![(t, "restart", n.clone())],
        FaultAction::Pause(n) => vec![(t, "pause", n.clone())],
        FaultAction::Resume(n) => vec![(t, "resume", n.clone())],
        FaultAction::Partition { .. } => vec![(t, "cut", String::new())],
        FaultAction::Heal(_) => vec![(t, "heal", String::new())],
        FaultAction::ClockStep { node, .. } => vec![(t, "clock_step", node.clone())],
        FaultAction::Drift { node, .. } => vec![(t, "drift", node.clone())],
        FaultAction::AddRule(_) | FaultAction::RemoveRule(_) | FaultAction::SetLink { .. } => {
            Vec::new()
        }
    }
}

fn line_key(l: &TraceLine, names: &[String]) -> (u64, &'static str, String) {
    let node = |i: Option<u32>| {
        i.and_then(|i| names.get(i as usize))
            .cloned()
            .unwrap_or_default()
    };
    let kind = match l.ev {
        EventKind::Crash => "crash",
        EventKind::Restart => "restart",
        EventKind::Pause => "pause",
        EventKind::Resume => "resume",
        EventKind::Cut => return (l.t, "cut", String::new()),
        EventKind::Heal => return (l.t, "heal", String::new()),
        EventKind::ClockStep => "clock_step",
        EventKind::Drift => "drift",
        _ => "",
    };
    (l.t, kind, node(l.node))
}

/// One instant's cuts as partition steps: a symmetric split `a | b` when the cuts are
/// exactly `a x b` and `b x a`, else one one-way partition per cut.
fn cuts_to_steps(at: Time, cuts: &[(String, String)]) -> Vec<FaultStep> {
    let first = &cuts[0].0;
    let b: Vec<String> = dedup(cuts.iter().filter(|c| &c.0 == first).map(|c| c.1.clone()));
    let mut a: Vec<String> = dedup(cuts.iter().flat_map(|c| [c.0.clone(), c.1.clone()]));
    a.retain(|n| !b.contains(n));
    let mut want: Vec<(String, String)> = Vec::new();
    for x in &a {
        for y in &b {
            want.push((x.clone(), y.clone()));
            want.push((y.clone(), x.clone()));
        }
    }
    want.sort();
    let mut got = cuts.to_vec();
    got.sort();
    got.dedup();
    if want == got {
        return vec![FaultStep {
            at,
            action: FaultAction::Partition {
                a,
                b,
                one_way: false,
            },
        }];
    }
    got.into_iter()
        .map(|(x, y)| FaultStep {
            at,
            action: FaultAction::Partition {
                a: vec![x],
                b: vec![y],
                one_way: true,
            },
        })
        .collect()
}

fn dedup(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for x in it {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

/// The faults a run applied that its spec's script does not hold (the random ones), as
/// scripted steps, in trace order. Faults at or after `heal_at` are the phases' own heal.
pub fn random_steps(spec: &Spec, lines: &[TraceLine], names: &[String]) -> Vec<FaultStep> {
    let heal_at = spec.phases.map_or(u64::MAX, |p| p.heal_at.0);
    let mut scripted: BTreeMap<(u64, &'static str, String), usize> = BTreeMap::new();
    for s in &spec.faults {
        for k in step_keys(s) {
            *scripted.entry(k).or_default() += 1;
        }
    }
    let node = |i: Option<u32>| {
        i.and_then(|i| names.get(i as usize))
            .cloned()
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        if l.t >= heal_at {
            break;
        }
        let key = line_key(l, names);
        let at = Time(l.t);
        if l.ev == EventKind::Cut {
            // Every cut at this instant is one partition (or one scripted step's).
            let mut j = i;
            let mut cuts = Vec::new();
            while j < lines.len() && lines[j].ev == EventKind::Cut && lines[j].t == l.t {
                cuts.push((node(lines[j].from), node(lines[j].to)));
                j += 1;
            }
            i = j;
            if take(&mut scripted, &key) {
                continue;
            }
            out.extend(cuts_to_steps(at, &cuts));
            continue;
        }
        i += 1;
        if take(&mut scripted, &key) {
            continue;
        }
        let n = node(l.node);
        let action = match l.ev {
            EventKind::Crash => FaultAction::Crash(n),
            EventKind::Restart => FaultAction::Restart(n),
            EventKind::Pause => FaultAction::Pause(n),
            EventKind::Resume => FaultAction::Resume(n),
            EventKind::Heal => FaultAction::Heal(Default::default()),
            EventKind::ClockStep => FaultAction::ClockStep {
                node: n,
                delta_ms: l.delta.unwrap_or(0) as f64 / 1e6,
            },
            EventKind::Drift => FaultAction::Drift {
                node: n,
                ppm: l.delta.unwrap_or(0),
            },
            _ => continue,
        };
        out.push(FaultStep { at, action });
    }
    out
}

fn take(
    m: &mut BTreeMap<(u64, &'static str, String), usize>,
    k: &(u64, &'static str, String),
) -> bool {
    match m.get_mut(k) {
        Some(n) if *n > 0 => {
            *n -= 1;
            true
        }
        _ => false,
    }
}

/// Groups a schedule's steps into units removed together: a crash with the next restart of
/// its node, a pause with its resume, a partition with the next heal, a rule with its
/// removal; every other step alone.
fn units(faults: &[FaultStep]) -> Vec<Vec<usize>> {
    let mut claimed = vec![false; faults.len()];
    let mut out = Vec::new();
    for i in 0..faults.len() {
        if claimed[i] {
            continue;
        }
        claimed[i] = true;
        let closes = |a: &FaultAction, b: &FaultAction| match (a, b) {
            (FaultAction::Crash(x), FaultAction::Restart(y))
            | (FaultAction::Pause(x), FaultAction::Resume(y)) => x == y,
            (FaultAction::Partition { .. }, FaultAction::Heal(_)) => true,
            (FaultAction::AddRule(r), FaultAction::RemoveRule(n)) => &r.name == n,
            _ => false,
        };
        let end = (i + 1..faults.len())
            .find(|&j| !claimed[j] && closes(&faults[i].action, &faults[j].action));
        match end {
            Some(j) => {
                claimed[j] = true;
                out.push(vec![i, j]);
            }
            None => out.push(vec![i]),
        }
    }
    out
}

/// A shrink in progress: the spec, the property it must keep failing, the runs left.
struct Search {
    seed: u64,
    /// Nodes of the current script's run (a size change must lower it to count).
    nodes: usize,
    property: String,
    runs: usize,
    budget: usize,
    log: Vec<String>,
}

impl Search {
    /// True if `spec` still fails with the property (a run that errors does not).
    fn fails(&mut self, spec: &Spec) -> bool {
        self.runs += 1;
        match runners::run(RunRequest {
            spec,
            seed: self.seed,
            sink: None,
            interrupt: None,
        }) {
            Ok(o) => o
                .violations
                .first()
                .is_some_and(|v| v.property == self.property),
            Err(_) => false,
        }
    }

    fn left(&self) -> bool {
        self.runs < self.budget
    }

    /// ddmin over the units of `spec.faults`: chunks, then ever smaller ones down to single
    /// units.
    fn remove_units(&mut self, spec: &mut Spec) {
        let mut n = 2usize;
        loop {
            let us = units(&spec.faults);
            if us.is_empty() {
                return;
            }
            let n_eff = n.min(us.len());
            let size = us.len().div_ceil(n_eff);
            let mut reduced = false;
            for c in 0..n_eff {
                if !self.left() {
                    return;
                }
                let lo = c * size;
                let hi = ((c + 1) * size).min(us.len());
                if lo >= hi {
                    continue;
                }
                let drop: Vec<usize> = us[lo..hi].iter().flatten().copied().collect();
                let mut cand = spec.clone();
                cand.faults = spec
                    .faults
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !drop.contains(i))
                    .map(|(_, f)| f.clone())
                    .collect();
                if self.fails(&cand) {
                    self.log.push(format!(
                        "removed {} fault step(s): {}",
                        drop.len(),
                        describe(&spec.faults, &drop)
                    ));
                    *spec = cand;
                    n = (n_eff - 1).max(2);
                    reduced = true;
                    break;
                }
            }
            if !reduced {
                if n_eff >= us.len() {
                    return;
                }
                n = (n_eff * 2).min(us.len());
            }
        }
    }

    /// Moves each outage's end (restart, resume, heal) earlier, halving its length while the
    /// run still fails.
    fn shorten_outages(&mut self, spec: &mut Spec) {
        let us = units(&spec.faults);
        for u in us.iter().filter(|u| u.len() == 2) {
            let (s, e) = (u[0], u[1]);
            for _ in 0..6 {
                if !self.left() {
                    return;
                }
                let start = spec.faults[s].at;
                let end = spec.faults[e].at;
                let len = end.0 - start.0;
                if len < 2_000_000 {
                    break;
                }
                let new_end = Time(start.0 + len / 2);
                let mut cand = spec.clone();
                cand.faults[e].at = new_end;
                if !is_sorted(&cand.faults) {
                    break;
                }
                if self.fails(&cand) {
                    self.log.push(format!(
                        "shortened outage {} from {} to {}",
                        describe(&spec.faults, &[s]),
                        Time(len),
                        Time(new_end.0 - start.0)
                    ));
                    *spec = cand;
                } else {
                    break;
                }
            }
        }
    }

    /// A safety violation's run ends at the violation: the events after it explain nothing.
    /// (A liveness failure is only known at the end, so its run keeps its length.)
    fn stop_at_violation(&mut self, spec: &mut Spec) {
        if spec.stop_on_violation || !self.left() {
            return;
        }
        let mut cand = spec.clone();
        cand.stop_on_violation = true;
        if self.fails(&cand) {
            self.log
                .push("stop_on_violation = true: the run ends at the violation".into());
            *spec = cand;
        }
    }

    /// Sets network loss and duplication to zero where the run still fails without them.
    /// True if either went.
    fn quiet_network(&mut self, spec: &mut Spec) -> bool {
        let mut changed = false;
        // A constant latency first: no reordering to read, and a network whose only random
        // draws are the loss and duplication coins is one whose drops script exactly.
        if let Some(mean) = mean_latency(&spec.network.latency)
            && (spec.network.loss > 0.0 || spec.network.duplicate > 0.0)
            && self.left()
        {
            let mut cand = spec.clone();
            cand.network.latency = TimeDist::Const(mean);
            if self.fails(&cand) {
                self.log
                    .push(format!("network.latency -> its mean, a constant {mean}"));
                *spec = cand;
                changed = true;
            }
        }
        if spec.network.loss > 0.0 && self.left() {
            let mut cand = spec.clone();
            cand.network.loss = 0.0;
            if self.fails(&cand) {
                self.log
                    .push(format!("network.loss {} -> 0", spec.network.loss));
                *spec = cand;
                changed = true;
            }
        }
        if spec.network.duplicate > 0.0 && self.left() {
            let mut cand = spec.clone();
            cand.network.duplicate = 0.0;
            if self.fails(&cand) {
                self.log
                    .push(format!("network.duplicate {} -> 0", spec.network.duplicate));
                *spec = cand;
                changed = true;
            }
        }
        changed
    }

    /// Where the run still needs the network's randomness: names every message it dropped
    /// or copied and scripts those instead (one `add_rule` each, loss and duplication 0),
    /// kept if the scripted run still fails. True if the network is now scripted.
    fn script_network(&mut self, spec: &mut Spec) -> bool {
        if spec.network.loss == 0.0 && spec.network.duplicate == 0.0 {
            return false;
        }
        if self.runs + 2 > self.budget {
            return false;
        }
        self.runs += 1;
        let Ok((_, net)) = shrink_net::record(spec, self.seed) else {
            return false;
        };
        let cand = shrink_net::scripted(spec, &net);
        if self.fails(&cand) {
            let dups = net.iter().filter(|f| f.duplicate).count();
            self.log.push(format!(
                "{} -> 0: the {} message(s) it dropped and {dups} it copied before the heal are \
                 scripted as rules",
                random_knobs(spec),
                net.len() - dups
            ));
            *spec = cand;
            true
        } else {
            self.log.push(format!(
                "kept {}: the {} message(s) it dropped or copied, scripted as rules, do not \
                 fail the run the same way (a drop before time 0's steps or after the heal \
                 cannot be scripted, and a random latency draws other values once the loss \
                 and duplication coins are gone)",
                random_knobs(spec),
                net.len()
            ));
            false
        }
    }

    /// Lowers each size the protocol names (nodes, clients) to the smallest value, found by
    /// bisection, at which the run still fails; steps naming a node the smaller run lacks
    /// are dropped. True if any size went down.
    fn fewer_nodes(&mut self, spec: &mut Spec) -> bool {
        let mut changed = false;
        for p in spec.protocol.size_params() {
            let Some(cur) = shrink_size::size_of(spec, p.field) else {
                continue;
            };
            let (mut lo, mut hi) = (p.min, cur);
            // `hi` fails; try the floor first, then bisect between.
            let mut probe = p.min;
            while probe < hi && self.runs + 2 <= self.budget {
                if self.fails_with_size(spec, p.field, probe, hi) {
                    hi = probe;
                    changed = true;
                } else {
                    lo = probe + 1;
                }
                if lo >= hi {
                    break;
                }
                probe = lo + (hi - lo) / 2;
            }
        }
        changed
    }

    /// Tries `field = n`: one run to learn the smaller run's node names, one to see it fail.
    /// On success `spec` becomes that run's.
    fn fails_with_size(&mut self, spec: &mut Spec, field: &str, n: u64, was: u64) -> bool {
        let Ok(mut cand) = shrink_size::with_size(spec, field, n) else {
            return false;
        };
        // The node names of the smaller world: a run of it without faults, cut after its
        // first event.
        let mut names_of = cand.clone();
        names_of.faults.clear();
        names_of.max_events = Some(1);
        self.runs += 1;
        let Ok(probe) = runners::run(RunRequest {
            spec: &names_of,
            seed: self.seed,
            sink: None,
            interrupt: None,
        }) else {
            return false;
        };
        if probe.nodes.len() >= self.nodes {
            // The field does not size this run (another mode's nodes).
            return false;
        }
        let (kept, dropped) = shrink_size::keep_named(&spec.faults, &probe.nodes);
        cand.faults = kept;
        if !self.fails(&cand) {
            return false;
        }
        self.log.push(format!(
            "{}.{field} {was} -> {n}: {} nodes{}",
            spec.protocol.name(),
            probe.nodes.len(),
            if dropped > 0 {
                format!(" ({dropped} step(s) naming removed nodes dropped)")
            } else {
                String::new()
            }
        ));
        *spec = cand;
        self.nodes = probe.nodes.len();
        true
    }

    /// Moves each fault (an outage with its end) earlier, toward the step before it or time
    /// 0, by bisection on whole milliseconds, while the run still fails: the schedule reads
    /// shorter and the violation comes sooner.
    fn move_earlier(&mut self, spec: &mut Spec) {
        let n_units = units(&spec.faults).len();
        for u in 0..n_units {
            let us = units(&spec.faults);
            let Some(unit) = us.get(u) else { return };
            let s = unit[0];
            let start = spec.faults[s].at.0;
            let floor = if s == 0 { 0 } else { spec.faults[s - 1].at.0 };
            // The end moves as far, and must not pass the step before it.
            let mut room = start - floor;
            if let Some(&e) = unit.get(1)
                && e > s + 1
            {
                room = room.min(spec.faults[e].at.0 - spec.faults[e - 1].at.0);
            }
            const MS: u64 = 1_000_000;
            // Earliest whole millisecond the start may go to.
            let earliest = (start - room).div_ceil(MS) * MS;
            if earliest >= start {
                continue;
            }
            let orig = spec.clone();
            let (mut lo, mut hi) = (earliest, start);
            let mut target = earliest;
            let mut moved = false;
            for _ in 0..5 {
                if !self.left() || target >= hi {
                    break;
                }
                let cand = shifted(&orig, unit, start - target);
                if self.fails(&cand) {
                    *spec = cand;
                    hi = target;
                    moved = true;
                    if target == lo {
                        break;
                    }
                } else {
                    lo = target + MS;
                }
                target = (lo + (hi - lo) / 2) / MS * MS;
                if target < lo {
                    target = lo;
                }
            }
            if moved {
                self.log.push(format!(
                    "moved {} earlier by {}",
                    describe(&spec.faults, &[s]),
                    Time(start - spec.faults[s].at.0)
                ));
            }
        }
    }
}

/// The mean of a random latency, to the microsecond (`None` for a constant one).
fn mean_latency(d: &TimeDist) -> Option<Time> {
    let ns = match *d {
        TimeDist::Const(_) => return None,
        TimeDist::Uniform { lo, hi } => lo.0 / 2 + hi.0 / 2,
        TimeDist::Exp { mean, shift } => shift.0 + mean.0,
        TimeDist::Normal { mean, .. } => mean.0,
    };
    Some(Time(ns / 1_000 * 1_000))
}

/// `network.loss 0.1, network.duplicate 0.05`: the random knobs that are on.
fn random_knobs(spec: &Spec) -> String {
    let mut v = Vec::new();
    if spec.network.loss > 0.0 {
        v.push(format!("network.loss {}", spec.network.loss));
    }
    if spec.network.duplicate > 0.0 {
        v.push(format!("network.duplicate {}", spec.network.duplicate));
    }
    v.join(", ")
}

/// `spec` with the steps of `unit` moved `by` earlier.
fn shifted(spec: &Spec, unit: &[usize], by: u64) -> Spec {
    let mut c = spec.clone();
    for &i in unit {
        c.faults[i].at = Time(c.faults[i].at.0 - by);
    }
    c
}

/// True if the steps are in time order (the shortened end must not pass a later step, so the
/// file reads in order and the kernel's tie order is unchanged).
fn is_sorted(f: &[FaultStep]) -> bool {
    f.windows(2).all(|w| w[0].at <= w[1].at)
}

/// Short words for steps `idx` of `faults`: `crash n3 @120ms`.
fn describe(faults: &[FaultStep], idx: &[usize]) -> String {
    idx.iter()
        .map(|&i| {
            let f = &faults[i];
            let what = match &f.action {
                FaultAction::Crash(n) => format!("crash {n}"),
                FaultAction::Restart(n) => format!("restart {n}"),
                FaultAction::Pause(n) => format!("pause {n}"),
                FaultAction::Resume(n) => format!("resume {n}"),
                FaultAction::Partition { a, b, one_way } => format!(
                    "partition {}{}{}",
                    a.join(","),
                    if *one_way { "->" } else { "|" },
                    b.join(",")
                ),
                FaultAction::Heal(_) => "heal".into(),
                FaultAction::ClockStep { node, .. } => format!("clock_step {node}"),
                FaultAction::Drift { node, .. } => format!("drift {node}"),
                FaultAction::AddRule(r) => format!("add_rule {}", r.name),
                FaultAction::RemoveRule(n) => format!("remove_rule {n}"),
                FaultAction::SetLink { .. } => "set_link".into(),
            };
            format!("{what} @{}", f.at)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_rule_step(f: &FaultStep) -> bool {
    matches!(
        f.action,
        FaultAction::AddRule(_) | FaultAction::RemoveRule(_)
    )
}

fn sizes(spec: &Spec, run: &Faulted) -> Sizes {
    Sizes {
        faults: spec.faults.iter().filter(|f| !is_rule_step(f)).count(),
        rules: spec
            .faults
            .iter()
            .filter(|f| matches!(f.action, FaultAction::AddRule(_)))
            .count(),
        random_net: run.random_net(spec),
        events: run.out.events,
        nodes: run.out.nodes.len(),
    }
}

/// Shrinks seed `seed` of `spec` (already a drawn swarm profile, if any) within `budget` runs.
pub fn shrink(spec: &Spec, seed: u64, budget: usize) -> Result<Shrunk, ShrinkError> {
    let first_run = run_keeping_faults(spec, seed).map_err(ShrinkError::Run)?;
    let o = &first_run.out;
    let Some(first) = o.violations.first() else {
        return Err(ShrinkError::NotFailing(format!(
            "{} (seed {seed}) does not fail (outcome `{}`): there is nothing to shrink; shrink a \
             seed a sweep lists as failing",
            spec.name, o.outcome
        )));
    };
    let property = first.property.clone();
    let mut script = spec.clone();
    let mut all = spec.faults.clone();
    all.extend(random_steps(spec, &first_run.lines, &o.nodes));
    // Stable: at equal times the scenario's own steps stay first, as they were queued first.
    all.sort_by_key(|f| f.at);
    script.faults = all;
    script.random = None;
    script.swarm = None;
    let before = sizes(&script, &first_run);
    let mut search = Search {
        seed,
        nodes: o.nodes.len(),
        property: property.clone(),
        runs: 1,
        budget: budget.max(2),
        log: Vec::new(),
    };
    if !search.fails(&script) {
        return Err(ShrinkError::NotReproduced(format!(
            "{} (seed {seed}) violates `{property}`, but its {} faults written as a script do \
             not violate it again (a random fault at the same instant as another event may \
             have run in a different order); shrink cannot start from this seed",
            spec.name,
            script.faults.len()
        )));
    }
    search.log.push(format!(
        "random faults written as {} scripted step(s); [random] removed",
        script.faults.len() - spec.faults.len()
    ));
    // First, so every later run stops at the violation too.
    search.stop_at_violation(&mut script);
    search.remove_units(&mut script);
    search.shorten_outages(&mut script);
    let mut changed = search.quiet_network(&mut script);
    changed |= search.script_network(&mut script);
    changed |= search.fewer_nodes(&mut script);
    // Removing a chunk may have become possible with a quieter network or fewer nodes, and
    // scripted drops are minimised like faults.
    if changed {
        search.remove_units(&mut script);
    }
    search.move_earlier(&mut script);
    // Moved faults can make a network that was needed at their old times unneeded, or
    // scriptable: one more try, and the rules minimised if it took.
    if script.network.loss > 0.0 || script.network.duplicate > 0.0 {
        let quiet = search.quiet_network(&mut script);
        if search.script_network(&mut script) || quiet {
            search.remove_units(&mut script);
        }
    }
    let budget_exhausted = !search.left();
    search.runs += 1;
    let last = run_keeping_faults(&script, seed).map_err(ShrinkError::Run)?;
    let after = sizes(&script, &last);
    script.expect = if last.out.outcome == "liveness_failure" {
        Expect::LivenessFailure
    } else {
        Expect::SafetyViolation
    };
    script.seed = seed;
    // Empty, so the file is named after its path when run (not after the campaign it came
    // from, which it no longer is).
    script.name = String::new();
    Ok(Shrunk {
        spec: script,
        property,
        outcome: o.outcome.clone(),
        before,
        after,
        runs: search.runs,
        budget_exhausted,
        log: search.log,
    })
}

/// The shrunk scenario as commented TOML: where it came from, what was removed, the sizes.
pub fn to_toml(s: &Shrunk, source: &str, seed: u64, swarm: bool) -> Result<String, String> {
    let body = toml::to_string_pretty(&s.spec).map_err(|e| format!("spec to TOML: {e}"))?;
    let mut h = String::new();
    h.push_str(&format!(
        "# Shrunk from {source} seed {seed}{}: violates `{}` ({}).\n",
        if swarm { " (swarm profile)" } else { "" },
        s.property,
        s.outcome
    ));
    h.push_str(
        "# Reproduce: simlab run THIS_FILE (exits 1 for a safety violation, 3 for liveness).\n",
    );
    h.push_str(&format!(
        "# before: {}\n# after:  {}\n",
        s.before.words(),
        s.after.words()
    ));
    h.push_str(&format!(
        "# {} runs{}\n",
        s.runs,
        if s.budget_exhausted {
            " (budget exhausted: smaller may exist)"
        } else {
            ""
        }
    ));
    for l in &s.log {
        h.push_str(&format!("# - {l}\n"));
    }
    Ok(h + &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocols::plugin::swarm;

    fn step(ms: u64, action: FaultAction) -> FaultStep {
        FaultStep {
            at: Time::from_millis(ms),
            action,
        }
    }

    fn pair(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn cuts_of_a_split_read_back_as_one_partition() {
        let cuts = [
            pair("n0", "n2"),
            pair("n2", "n0"),
            pair("n1", "n2"),
            pair("n2", "n1"),
        ];
        let s = cuts_to_steps(Time::from_millis(5), &cuts);
        assert_eq!(s.len(), 1);
        let FaultAction::Partition { a, b, one_way } = &s[0].action else {
            panic!("{s:?}")
        };
        assert_eq!(
            (a.as_slice(), b.as_slice(), *one_way),
            (
                &["n0".to_string(), "n1".into()][..],
                &["n2".to_string()][..],
                false
            )
        );
        // Cuts that are not a symmetric split stay one-way, one per cut.
        let s = cuts_to_steps(Time::from_millis(5), &[pair("n0", "n1"), pair("n0", "n2")]);
        assert_eq!(s.len(), 2);
        assert!(
            s.iter()
                .all(|f| matches!(f.action, FaultAction::Partition { one_way: true, .. }))
        );
    }

    #[test]
    fn outages_are_removed_whole() {
        let f = [
            step(1, FaultAction::Crash("a".into())),
            step(2, FaultAction::Pause("b".into())),
            step(3, FaultAction::Crash("c".into())),
            step(4, FaultAction::Restart("a".into())),
            step(5, FaultAction::Resume("b".into())),
            step(6, FaultAction::Heal(Default::default())),
        ];
        assert_eq!(units(&f), vec![vec![0, 3], vec![1, 4], vec![2], vec![5]]);
    }

    #[test]
    fn swarm_draws_stay_within_bounds_and_depend_only_on_the_seed() {
        let spec = crate::load::parse(
            "protocol = \"gossip\"\n[phases]\nheal_at = \"1s\"\nliveness = \"1s\"\n\
             [network]\nloss = 0.2\nduplicate = 0.1\n\
             [random]\ncrash = { rate = 4.0, min = \"10ms\", max = \"20ms\" }\n\
             pause = { rate = 2.0, min = \"10ms\", max = \"20ms\" }\n[gossip]\nnodes = 3\n",
            "t.toml",
            &[],
        )
        .unwrap();
        let mut on = [0usize; 2];
        let mut profiles = Vec::new();
        for seed in 0..200 {
            let (s, p) = swarm::draw(&spec, seed).unwrap();
            assert_eq!(swarm::draw(&spec, seed).unwrap().1, p, "seed {seed}");
            assert!((0.0..0.2).contains(&s.network.loss), "{p}");
            assert!((0.0..0.1).contains(&s.network.duplicate), "{p}");
            let r = s.random.clone().unwrap_or_default();
            if let Some(c) = &r.crash {
                assert!(c.rate > 0.0 && c.rate < 8.0 && c.min == Time::from_millis(10));
                on[0] += 1;
            }
            if let Some(c) = &r.pause {
                assert!(c.rate > 0.0 && c.rate < 4.0);
                on[1] += 1;
            }
            assert!(s.swarm.is_none() && s.description.contains(&p.to_string()));
            profiles.push(p.to_string());
        }
        // Each kind is on about half the time: 200 fair coins land in [70, 130] except with
        // probability below 3e-5.
        assert!(on.iter().all(|n| (70..=130).contains(n)), "{on:?}");
        profiles.sort();
        profiles.dedup();
        assert_eq!(profiles.len(), 200, "every seed draws its own profile");
    }
}
