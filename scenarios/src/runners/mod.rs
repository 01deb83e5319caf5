//! Runners: one file per protocol turns a resolved [`Spec`] and a seed into a [`RunOutput`].
//! [`common`] holds what every kernel-based runner shares (network, faults, phases, output).

mod ch;
pub mod common;
mod failover;
mod fd;
mod gossip;
mod kv;
mod lb;
mod lock;
mod paxos;
mod twopc;

pub use common::{RunOutput, RunRequest};

use crate::spec::Protocol;

/// Runs one seed of a resolved spec.
///
/// A run the kernel cut short because it queued without bound ([`sim::Stop::Overloaded`]) is
/// an error, not a result: its numbers would be those of a truncated run.
pub fn run(req: RunRequest<'_>) -> Result<RunOutput, String> {
    let name = req.spec.name.clone();
    let seed = req.seed;
    let out = run_protocol(req)?;
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

fn run_protocol(req: RunRequest<'_>) -> Result<RunOutput, String> {
    match req.spec.protocol {
        Protocol::Gossip => gossip::run(req),
        Protocol::Twopc => twopc::run(req),
        Protocol::Paxos => paxos::run(req),
        Protocol::Lb => lb::run(req),
        Protocol::Bins => lb::run_bins(req),
        Protocol::Ch => ch::run(req),
        Protocol::Kv => kv::run(req),
        Protocol::Lock => lock::run(req),
        Protocol::Fd => fd::run(req),
        Protocol::Failover => failover::run(req),
    }
}
