//! Runner for the example gossip protocol.

use protocols::gossip::{GossipChecker, GossipNode};
use sim::WorldBuilder;

use super::common::{RunOutput, RunRequest, collect, configure};

/// Runs one seed.
pub fn run(mut req: RunRequest<'_>) -> Result<RunOutput, String> {
    let p = req.spec.gossip.clone().expect("resolved spec has [gossip]");
    let mut b = WorldBuilder::<GossipNode>::new(req.seed);
    for name in p.names() {
        b.node(&name);
    }
    let fp = p.clone();
    b.factory(move |id, d| GossipNode::new(&fp, id, d));
    b.checker(GossipChecker::new(p.nodes));
    configure(&mut b, &mut req);
    let mut w = b.build()?;
    let r = w.run();
    Ok(collect(&w, &r))
}
