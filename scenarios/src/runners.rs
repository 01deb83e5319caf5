//! Running one seed: the spec's protocol builds and runs it ([`protocols::plugin::Protocol`]);
//! this wrapper turns a run the kernel cut short into an error.

pub use protocols::plugin::{RunOutput, RunRequest};

/// Runs one seed of a resolved spec.
///
/// A run the kernel cut short because it queued without bound ([`sim::Stop::Overloaded`]) is
/// an error, not a result: its numbers would be those of a truncated run.
///
/// Every run also checks the Ctrl-C flag ([`crate::interrupt`]) besides the request's own
/// interrupt check; an interrupted run is an error too.
pub fn run(mut req: RunRequest<'_>) -> Result<RunOutput, String> {
    let name = req.spec.name.clone();
    let seed = req.seed;
    let mut own = req.interrupt.take();
    req.interrupt = Some(Box::new(move || {
        crate::interrupt::requested() || own.as_mut().is_some_and(|check| check())
    }));
    let out = req.spec.protocol.run(req)?;
    if out.stop == sim::Stop::Interrupted.as_str() {
        let why = if crate::interrupt::requested() {
            "interrupted (Ctrl-C)"
        } else {
            "stopped by its wall-clock limit (--max-wall)"
        };
        return Err(format!(
            "{name} (seed {seed}): {why} at {} after {} events; a cut run has no results",
            sim::Time(out.sim_time_ns),
            out.events
        ));
    }
    if out.stop == sim::Stop::Overloaded.as_str() {
        return Err(format!(
            "{name} (seed {seed}): stopped at {} after {} events with more than {} timers and \
             delayed messages pending at once; a timer, retransmission or heartbeat interval \
             is probably far shorter than the network latency or the fault rates allow: \
             raise it",
            sim::Time(out.sim_time_ns),
            out.events,
            sim::MAX_PENDING
        ));
    }
    Ok(out)
}
