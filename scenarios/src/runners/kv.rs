//! Runner for the key-value cluster (`protocol = "kv"`): storage nodes, clients and the
//! membership coordinator on the kernel, judged and measured by `KvChecker`.

use std::sync::Arc;

use protocols::kv::{Cluster, KvChecker, KvNode};
use sim::{Time, WorldBuilder};

use super::common::{RunOutput, RunRequest, collect, configure};

/// Runs one seed. The ring points (salts, Maglev permutations) are drawn from the run seed,
/// so every seed is another cluster layout.
pub fn run(mut req: RunRequest<'_>) -> Result<RunOutput, String> {
    let p = req.spec.kv.clone().expect("resolved spec has [kv]");
    let cluster = Arc::new(Cluster::new(&p, req.seed)?);
    // Heartbeats never stop, so a run needs an end; it must leave time for the last request's
    // timeouts, or `request_resolved` would judge requests still legitimately in progress.
    let drain = p.drain_end();
    let end = match (req.spec.duration, req.spec.phases) {
        (_, Some(ph)) => Some(("phases.heal_at + phases.liveness", ph.heal_at + ph.liveness)),
        (Some(d), None) => Some(("duration", d)),
        (None, None) => None,
    };
    let mut b = WorldBuilder::<KvNode>::new(req.seed);
    match end {
        Some((what, t)) if t < drain => {
            return Err(format!(
                "{what} ({}) must be >= kv.stop_at + kv.attempts * kv.timeout ({}) so every request can finish",
                t.exact_string(),
                drain.exact_string()
            ));
        }
        Some(_) => {}
        // No end given: stop once the last request must have finished, plus a margin for the
        // answers' trip back.
        None => {
            b.end(drain + Time::from_millis(100));
        }
    }
    for name in cluster.names() {
        b.node(&name);
    }
    let c = Arc::clone(&cluster);
    b.factory(move |id, d| KvNode::new(&c, id, d));
    b.checker(KvChecker::new(cluster));
    configure(&mut b, &mut req);
    let mut w = b.build()?;
    let r = w.run();
    Ok(collect(&w, &r))
}
