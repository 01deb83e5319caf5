//! Load balancing as plug-ins: the supermarket model on the kernel (`protocol = "lb"`) and
//! balls into bins (`protocol = "bins"`, an analysis), with the catalog under `lb/`.
//!
//! The model's network is instantaneous unless the scenario's `[network]` differs from the
//! built-in default: information then travels with the network's delays (and the dispatchers'
//! views are as stale as the messages). The run ends at `lb.horizon` (or at `duration` if that
//! is earlier; one mean service time is one second). Metrics come from the actors' own fields
//! after the run, never from per-event metric lookups.

use sim::{LinkConfig, NodeId, Stop, Time, WorldBuilder};

use super::{BinsParams, LbNode, Params, summarize, theory, throw_balls};
use crate::plugin::{
    BenchCounts, Kind, MetricMeta, NetworkSpec, Protocol, RunOutput, RunRequest, Scenario, Spec,
    analysis_output, collect, configure,
};

/// The supermarket model: dispatchers in front of FIFO servers (`protocol = "lb"`).
pub struct Lb;

impl Protocol for Lb {
    type Params = Params;

    fn name(&self) -> &'static str {
        "lb"
    }

    fn about(&self) -> &'static str {
        "load balancing: dispatchers with a policy in front of queueing servers"
    }

    fn validate(&self, p: &Params, _spec: &Spec) -> Result<(), String> {
        p.validate()
    }

    fn run(&self, p: &Params, mut req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut b = WorldBuilder::<LbNode>::new(req.seed);
        for name in p.names() {
            b.node(&name);
        }
        let fp = p.clone();
        b.factory(move |id, _| LbNode::new(&fp, id));
        configure(&mut b, &mut req);
        let instant = req.spec.network == NetworkSpec::default();
        if instant {
            b.default_link(LinkConfig::instant());
        }
        let horizon = Time((p.horizon * super::UNIT_NS).round() as u64);
        let end = req.spec.duration.map_or(horizon, |d| d.min(horizon));
        b.end(end);
        let mut w = b.build()?;
        let r = w.run();
        let mut out = collect(&w, &r);
        let total = w.names().len() as u32;
        let nodes = (0..total).filter_map(|i| w.actor(NodeId(i)));
        let (metrics, counts) = summarize(p, nodes, r.end.0);
        // Job conservation, when nothing can lose or copy a job: every dispatched job is
        // answered, queued at a server, or travelling as a Job or Done message (none are, on
        // an instant network). A duplicated job is served twice, as an at-least-once transport
        // would have it.
        if lossless(req.spec) {
            let jobs_travelling = counts
                .arrived
                .checked_sub(counts.completed + counts.in_system);
            let dones_travelling = counts.completed.checked_sub(counts.answered);
            // A run cut short by the event budget (or a violation) can stop between two
            // events of one instant, with a same-instant message still queued: only a run
            // that drained its last instant has none travelling on an instant network.
            let drained = !matches!(r.stop, Stop::EventBudget | Stop::Violation);
            let ok = match (jobs_travelling, dones_travelling) {
                (Some(j), Some(d)) => j + d <= r.in_flight && (!instant || !drained || j + d == 0),
                _ => false,
            };
            assert!(
                ok,
                "lb: job conservation broken (seed {}): {counts:?}, {} messages in flight",
                req.seed, r.in_flight
            );
        }
        out.metrics.extend(metrics);
        if let Some(t) = theory::sojourn_for(p)
            && instant
        {
            out.metrics.insert("sojourn_theory".into(), t);
        }
        out.metrics
            .insert("kernel_events".into(), r.kernel_events as f64);
        Ok(out)
    }

    fn metrics(&self) -> &'static [MetricMeta] {
        LB_METRICS
    }

    fn catalog(&self) -> &'static [Scenario] {
        LB_CATALOG
    }

    /// Two model events (arrival, departure) per customer served.
    fn bench_counts(&self, out: &RunOutput) -> BenchCounts {
        let customers = out.metrics.get("customers_total").map(|c| *c as u64);
        let model_events = out
            .metrics
            .get("model_events")
            .map(|x| *x as u64)
            .or(customers.map(|c| 2 * c))
            .unwrap_or(out.kernel_events);
        BenchCounts {
            model_events,
            customers,
        }
    }
}

/// True if nothing in the spec can lose or copy a message.
fn lossless(s: &Spec) -> bool {
    s.faults.is_empty()
        && s.random.is_none()
        && s.network.loss == 0.0
        && s.network.duplicate == 0.0
        && s.network
            .links
            .iter()
            .all(|l| l.link.loss == 0.0 && l.link.duplicate == 0.0)
}

const LB_METRICS: &[MetricMeta] = &[
    MetricMeta::neither(
        "sojourn_theory",
        "service times",
        "closed-form mean sojourn, in mean service times",
    ),
    MetricMeta::lower(
        "sojourn_mean",
        "service times",
        "mean time in system, in mean service times",
    ),
    MetricMeta::lower(
        "sojourn_p50",
        "service times",
        "median time in system, in mean service times",
    ),
    MetricMeta::lower(
        "sojourn_p99",
        "service times",
        "99th percentile time in system, in mean service times",
    ),
    MetricMeta::lower(
        "sojourn_p999",
        "service times",
        "99.9th percentile time in system, in mean service times",
    ),
    MetricMeta::lower(
        "wait_mean",
        "service times",
        "mean time waiting in queue, in mean service times",
    ),
    MetricMeta::neither(
        "utilization",
        "fraction",
        "time-average fraction of busy servers",
    ),
    MetricMeta::neither(
        "queue_ge_1",
        "fraction",
        "time-average fraction of busy servers (= utilization)",
    ),
    MetricMeta::lower(
        "queue_ge_*",
        "fraction",
        "time-average fraction of servers with >= i customers",
    ),
    MetricMeta::lower(
        "max_queue",
        "jobs",
        "largest queue length after the warm-up",
    ),
    MetricMeta::neither("customers", "customers", "departures after the warm-up"),
    MetricMeta::neither(
        "customers_total",
        "customers",
        "departures over the whole run",
    ),
    MetricMeta::neither("arrivals_total", "arrivals", "arrivals over the whole run"),
    MetricMeta::neither(
        "model_events",
        "events",
        "arrivals plus departures over the whole run",
    ),
    MetricMeta::neither(
        "in_system_end",
        "jobs",
        "jobs at servers when the run ended",
    ),
    MetricMeta::neither("kernel_events", "events", "kernel queue entries"),
];

/// Balls into bins, the one-shot form of power of d choices (`protocol = "bins"`).
pub struct Bins;

impl Protocol for Bins {
    type Params = BinsParams;

    fn name(&self) -> &'static str {
        "bins"
    }

    fn about(&self) -> &'static str {
        "balls into bins with d choices (an analysis: no events, no trace)"
    }

    fn kind(&self) -> Kind {
        Kind::Analysis
    }

    fn validate(&self, p: &BinsParams, _spec: &Spec) -> Result<(), String> {
        p.validate()
    }

    fn run(&self, p: &BinsParams, req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut rng = sim::Stream::new(req.seed, "bins");
        let r = throw_balls(p.n as usize, p.ball_count(), p.d, &mut rng);
        let mut m = r.metrics();
        let c = p.ball_count() as f64 / p.n as f64;
        let s = theory::bins_tails(p.d, c, 6);
        for k in 0..=5 {
            m.insert(format!("load_eq_{k}_theory"), s[k] - s[k + 1]);
        }
        Ok(analysis_output(m, Vec::new()))
    }

    fn metrics(&self) -> &'static [MetricMeta] {
        BINS_METRICS
    }

    fn catalog(&self) -> &'static [Scenario] {
        BINS_CATALOG
    }
}

const BINS_METRICS: &[MetricMeta] = &[
    MetricMeta::lower("max_load", "balls", "largest number of balls in a bin"),
    MetricMeta::neither(
        "load_eq_*_theory",
        "fraction",
        "n -> infinity limit of load_eq_k",
    ),
    MetricMeta::neither(
        "load_eq_*",
        "fraction",
        "fraction of bins holding exactly k balls",
    ),
];

/// Built-in scenarios.
const LB_CATALOG: &[Scenario] = &[
    Scenario::new(
        "lb/policies-vs-lambda",
        include_str!("catalog/policies-vs-lambda.toml"),
    ),
    Scenario::new("lb/queue-tails", include_str!("catalog/queue-tails.toml")),
    Scenario::new("lb/slow-server", include_str!("catalog/slow-server.toml")),
    Scenario::new("lb/stale-board", include_str!("catalog/stale-board.toml")),
    Scenario::new("lb/supermarket", include_str!("catalog/supermarket.toml")),
];

/// Built-in scenarios.
const BINS_CATALOG: &[Scenario] = &[Scenario::new(
    "lb/balls-into-bins",
    include_str!("catalog/balls-into-bins.toml"),
)];
