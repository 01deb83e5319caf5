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
pub fn run(req: RunRequest<'_>) -> Result<RunOutput, String> {
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
