//! Runner for two-phase commit: builds the world from `[twopc]`, runs it, and adds the
//! per-transaction ratios (`messages_per_txn`, `forced_writes_per_txn`) to the checker's
//! metrics (`commit_rate`, latencies, blocking time, `txns`, `txns_decided`).

use protocols::twopc::{TwoPcNode, per_txn_metrics, setup};
use sim::WorldBuilder;

use super::common::{RunOutput, RunRequest, collect, configure};

/// Runs one seed.
pub fn run(mut req: RunRequest<'_>) -> Result<RunOutput, String> {
    let p = req.spec.twopc.clone().expect("resolved spec has [twopc]");
    let mut b = WorldBuilder::<TwoPcNode>::new(req.seed);
    setup(&mut b, &p, req.seed);
    configure(&mut b, &mut req);
    let mut w = b.build()?;
    let r = w.run();
    let mut out = collect(&w, &r);
    out.metrics.extend(per_txn_metrics(w.metrics()));
    Ok(out)
}
