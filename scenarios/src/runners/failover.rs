//! Runner for `failover`: servers `primary` and `backup` and the clients of `[failover]`,
//! under the scenario's partitions and clock faults (a `drift` fault at time 0 gives a node a
//! drifting clock from the start). Reports `overlap_ms`, `gap_ms` and the operation counts.

use protocols::failover::{FailoverChecker, FailoverNode};
use sim::WorldBuilder;

use super::common::{RunOutput, RunRequest, collect, configure};

/// Runs one seed.
pub fn run(mut req: RunRequest<'_>) -> Result<RunOutput, String> {
    let p = req
        .spec
        .failover
        .clone()
        .expect("resolved spec has [failover]");
    let mut b = WorldBuilder::<FailoverNode>::new(req.seed);
    let names = p.names();
    for name in &names {
        b.node(name);
    }
    let fp = p.clone();
    b.factory(move |id, d| FailoverNode::new(&fp, id, d));
    b.checker(FailoverChecker::new(names));
    configure(&mut b, &mut req);
    let mut w = b.build()?;
    let r = w.run();
    Ok(collect(&w, &r))
}
