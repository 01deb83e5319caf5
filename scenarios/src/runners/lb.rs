//! Runner for load balancing (`protocol = "lb"`, the supermarket model on the kernel) and
//! balls into bins (`protocol = "bins"`, a pure computation).
//!
//! The model's network is instantaneous unless the scenario's `[network]` differs from the
//! built-in default: information then travels with the network's delays (and the dispatchers'
//! views are as stale as the messages). The run ends at `lb.horizon` (or at `duration` if that
//! is earlier; one mean service time is one second). Metrics come from the actors' own fields
//! after the run, never from per-event metric lookups.

use protocols::lb::{LbNode, Params, summarize, theory, throw_balls};
use sim::{LinkConfig, NodeId, Time, WorldBuilder};

use super::common::{RunOutput, RunRequest, analysis_output, collect, configure};
use crate::spec::NetworkSpec;

/// Runs one seed of the supermarket model.
pub fn run(mut req: RunRequest<'_>) -> Result<RunOutput, String> {
    let p: Params = req.spec.lb.clone().expect("resolved spec has [lb]");
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
    let horizon = Time((p.horizon * protocols::lb::UNIT_NS).round() as u64);
    let end = req.spec.duration.map_or(horizon, |d| d.min(horizon));
    b.end(end);
    let mut w = b.build()?;
    let r = w.run();
    let mut out = collect(&w, &r);
    let total = w.names().len() as u32;
    let nodes = (0..total).filter_map(|i| w.actor(NodeId(i)));
    let (metrics, counts) = summarize(&p, nodes, r.end.0);
    // Job conservation, when nothing can lose or copy a job: every dispatched job is answered,
    // queued at a server, or travelling as a Job or Done message (none are, on an instant
    // network). A duplicated job is served twice, as an at-least-once transport would have it.
    let lossless = req.spec.faults.is_empty()
        && req.spec.random.is_none()
        && req.spec.network.loss == 0.0
        && req.spec.network.duplicate == 0.0
        && req
            .spec
            .network
            .links
            .iter()
            .all(|l| l.link.loss == 0.0 && l.link.duplicate == 0.0);
    if lossless {
        let jobs_travelling = counts
            .arrived
            .checked_sub(counts.completed + counts.in_system);
        let dones_travelling = counts.completed.checked_sub(counts.answered);
        let ok = match (jobs_travelling, dones_travelling) {
            (Some(j), Some(d)) => j + d <= r.in_flight && (!instant || j + d == 0),
            _ => false,
        };
        assert!(
            ok,
            "lb: job conservation broken (seed {}): {counts:?}, {} messages in flight",
            req.seed, r.in_flight
        );
    }
    out.metrics.extend(metrics);
    if let Some(t) = theory::sojourn_for(&p)
        && instant
    {
        out.metrics.insert("sojourn_theory".into(), t);
    }
    out.metrics
        .insert("kernel_events".into(), r.kernel_events as f64);
    Ok(out)
}

/// Runs one seed of balls into bins.
pub fn run_bins(req: RunRequest<'_>) -> Result<RunOutput, String> {
    let p = req.spec.bins.clone().expect("resolved spec has [bins]");
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
