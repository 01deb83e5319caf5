//! Runner for `fd`: a heartbeat sender `p` and a monitor `q` running the detector of `[fd]`.
//! If `fd.crash_at` is set, p crashes at a time drawn from the seed's `fd/crash` stream (its
//! own stream, so the draw never shifts the network's or the nodes'). Reports the QoS metrics.

use protocols::fd::{FdChecker, FdNode};
use sim::{FaultAction, FaultStep, NodeId, Stream, WorldBuilder};

use super::common::{RunOutput, RunRequest, collect, configure};

/// Runs one seed.
pub fn run(mut req: RunRequest<'_>) -> Result<RunOutput, String> {
    let p = req.spec.fd.clone().expect("resolved spec has [fd]");
    let mut b = WorldBuilder::<FdNode>::new(req.seed);
    for name in p.names() {
        b.node(name);
    }
    let fp = p.clone();
    b.factory(move |id, _| FdNode::new(&fp, id));
    b.checker(FdChecker::new(NodeId(0), NodeId(1), p.detection_bound()));
    if let Some(d) = &p.crash_at {
        let at = d.sample(&mut Stream::new(req.seed, "fd/crash"));
        b.fault(FaultStep {
            at,
            action: FaultAction::Crash("p".into()),
        });
    }
    configure(&mut b, &mut req);
    let mut w = b.build()?;
    let r = w.run();
    Ok(collect(&w, &r))
}
