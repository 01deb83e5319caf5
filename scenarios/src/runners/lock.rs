//! Runner for `lock`: lease-based locks with fencing tokens, and Redlock. Builds the lock
//! node(s), the storage and the clients of `[lock]`, applies the scenario's network, pauses,
//! clock faults and rules, and reports the checkers' metrics (`overlap_ms`, storage counts).

use protocols::lock::{LockChecker, LockNode};
use sim::WorldBuilder;

use super::common::{RunOutput, RunRequest, collect, configure};

/// Runs one seed.
pub fn run(mut req: RunRequest<'_>) -> Result<RunOutput, String> {
    let p = req.spec.lock.clone().expect("resolved spec has [lock]");
    let mut b = WorldBuilder::<LockNode>::new(req.seed);
    let names = p.names();
    for name in &names {
        b.node(name);
    }
    let fp = p.clone();
    b.factory(move |id, d| LockNode::new(&fp, id, d));
    b.checker(LockChecker::new(p.fencing, names, p.first_client_id()));
    configure(&mut b, &mut req);
    let mut w = b.build()?;
    let r = w.run();
    Ok(collect(&w, &r))
}
