//! Runner for single-decree Paxos: acceptors `a1..`, proposers `p1..`, learners `l1..` as in
//! `protocols::paxos::Params::names`, the Paxos checker, and the metrics `messages`,
//! `ballots_used`, `decided` and `decision_time`.

use std::rc::Rc;

use protocols::paxos::{Config, PaxosChecker, PaxosNode};
use sim::WorldBuilder;

use super::common::{RunOutput, RunRequest, collect, configure};

/// Runs one seed.
pub fn run(mut req: RunRequest<'_>) -> Result<RunOutput, String> {
    let p = req.spec.paxos.clone().expect("resolved spec has [paxos]");
    let mut b = WorldBuilder::<PaxosNode>::new(req.seed);
    for name in p.names() {
        b.node(&name);
    }
    let cfg = Rc::new(Config::new(&p));
    b.factory(move |id, d| PaxosNode::new(&cfg, id, d));
    b.checker(PaxosChecker::new(&p));
    configure(&mut b, &mut req);
    let mut w = b.build()?;
    let r = w.run();
    let mut out = collect(&w, &r);
    out.metrics.insert("messages".into(), r.sent as f64);
    out.metrics.entry("ballots_used".into()).or_insert(0.0);
    Ok(out)
}
