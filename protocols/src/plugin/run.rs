//! What every protocol's run shares: the request, the output, applying the spec's network,
//! faults and phases to a world, and turning a finished world into a [`RunOutput`].

use std::collections::BTreeMap;

use serde::Serialize;
use sim::{Actor, RunResult, Time, TraceSink, Violation, World, WorldBuilder};

use super::history::ClientHistory;
use super::spec::{DEFAULT_DURATION, Spec};

/// One run to perform.
pub struct RunRequest<'a> {
    /// The resolved spec.
    pub spec: &'a Spec,
    /// The seed.
    pub seed: u64,
    /// Where trace records go (the digest is computed regardless).
    pub sink: Option<Box<dyn TraceSink>>,
    /// Called every few thousand events (see [`sim::WorldBuilder::interrupt`]); true stops
    /// the run as `interrupted`. The CLI's wall-clock limit and Ctrl-C live here.
    pub interrupt: Option<Box<dyn FnMut() -> bool>>,
}

/// Everything a run reports.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunOutput {
    /// `ok`, `safety_violation` or `liveness_failure`.
    pub outcome: String,
    /// Why the run stopped (`time_limit`, `quiescent`, `event_budget`, `violation`, `analysis`).
    pub stop: String,
    /// Violations in the order found.
    pub violations: Vec<Violation>,
    /// Named numbers.
    pub metrics: BTreeMap<String, f64>,
    /// Trace records.
    pub events: u64,
    /// Simulated time at the end, ns.
    pub sim_time_ns: u64,
    /// Queue entries processed by the kernel (deliveries, timers, faults).
    #[serde(skip)]
    pub kernel_events: u64,
    /// Trace digest, 16 hex digits; empty for an analysis, which has no trace.
    pub trace_digest: String,
    /// Node names (index = node id in the trace).
    pub nodes: Vec<String>,
    /// Time series for charts: name -> (x, y) points.
    #[serde(skip)]
    pub series: BTreeMap<String, Vec<(f64, f64)>>,
    /// Empirical CDFs for charts: name -> (value, cumulative fraction); from the world's
    /// histograms and the checkers' samples.
    #[serde(skip)]
    pub cdfs: BTreeMap<String, Vec<(f64, f64)>>,
    /// The clients' history, for protocols whose checker records one (see
    /// [`super::history`]); `None` otherwise.
    #[serde(skip)]
    pub history: Option<ClientHistory>,
}

/// Applies the spec's network, faults, random faults, phases, limits and the sink.
pub fn configure<A: Actor>(b: &mut WorldBuilder<A>, req: &mut RunRequest<'_>) {
    let s = req.spec;
    b.default_link(s.network.default_link());
    for l in &s.network.links {
        b.link(
            l.from.as_deref(),
            l.to.as_deref(),
            l.one_way,
            l.link.clone(),
        );
    }
    for f in &s.faults {
        b.fault(f.clone());
    }
    if let Some(r) = &s.random {
        b.random_faults(r.clone());
    }
    if let Some(p) = s.phases {
        b.phases(p);
    }
    if let Some(d) = s.duration {
        b.end(d);
    } else if s.phases.is_none() {
        // Every run ends: protocols with periodic timers never go quiet on their own.
        b.default_end(DEFAULT_DURATION);
    }
    if let Some(m) = s.max_events {
        b.max_events(m);
    }
    b.stop_on_violation(s.stop_on_violation);
    if let Some(sink) = req.sink.take() {
        b.sink(sink);
    }
    if let Some(check) = req.interrupt.take() {
        b.interrupt(check);
    }
}

/// Finishes a world the protocol has set up (nodes, factory, checkers): applies the spec
/// ([`configure`]), builds, runs and [`collect`]s it. The world and the kernel's result come
/// back too, for protocols that read their actors or counters afterwards.
pub fn simulate<A: Actor>(
    mut b: WorldBuilder<A>,
    req: &mut RunRequest<'_>,
) -> Result<(World<A>, RunResult, RunOutput), String> {
    configure(&mut b, req);
    let mut w = b.build()?;
    let r = w.run();
    let out = collect(&w, &r);
    Ok((w, r, out))
}

/// [`simulate`] for protocols that need nothing but the output.
pub fn run_world<A: Actor>(
    b: WorldBuilder<A>,
    mut req: RunRequest<'_>,
) -> Result<RunOutput, String> {
    simulate(b, &mut req).map(|(_, _, out)| out)
}

/// Collects the outcome, metrics (kernel counters, the world's metrics summary, series and
/// CDFs) of a finished world.
pub fn collect<A: Actor>(w: &World<A>, r: &RunResult) -> RunOutput {
    let mut metrics = w.metrics().summary(r.end);
    if r.trace_error.is_some() {
        metrics.insert("trace_write_errors".into(), 1.0);
    }
    metrics.insert("messages_sent".into(), r.sent as f64);
    metrics.insert("messages_delivered".into(), r.delivered as f64);
    metrics.insert("messages_dropped".into(), r.dropped as f64);
    for (k, reached) in &r.reached {
        metrics.insert(format!("reached_{k}"), if *reached { 1.0 } else { 0.0 });
    }
    let series = w
        .metrics()
        .series()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.iter().map(|(t, y)| (t.as_secs_f64(), *y)).collect(),
            )
        })
        .collect();
    let mut cdfs: BTreeMap<String, Vec<(f64, f64)>> = w
        .metrics()
        .histograms()
        .iter()
        .map(|(k, h)| (k.clone(), h.cdf_points()))
        .collect();
    for (k, v) in w.samples() {
        let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let pts = v
            .iter()
            .enumerate()
            .map(|(i, &x)| (x, (i + 1) as f64 / n))
            .collect();
        cdfs.entry(k.clone()).or_insert(pts);
    }
    RunOutput {
        outcome: r.outcome().to_string(),
        stop: r.stop.as_str().to_string(),
        violations: r.violations.clone(),
        metrics,
        events: r.events,
        sim_time_ns: r.end.0,
        kernel_events: r.kernel_events,
        trace_digest: r.digest.hex(),
        nodes: w.names().to_vec(),
        series,
        cdfs,
        history: None,
    }
}

/// Output of an analysis (a pure computation, no world): no events, no trace and so no
/// digest; its determinism is that of its metrics. The outcome follows the violations.
pub fn analysis_output(metrics: BTreeMap<String, f64>, violations: Vec<Violation>) -> RunOutput {
    let outcome = if violations
        .iter()
        .any(|v| v.kind == sim::PropertyKind::Always)
    {
        "safety_violation"
    } else if violations.is_empty() {
        "ok"
    } else {
        "liveness_failure"
    };
    RunOutput {
        outcome: outcome.into(),
        stop: "analysis".into(),
        violations,
        metrics,
        events: 0,
        sim_time_ns: Time::ZERO.0,
        trace_digest: String::new(),
        ..RunOutput::default()
    }
}
