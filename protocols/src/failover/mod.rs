//! Primary-backup replication of one register, with failover and optional leases.
//!
//! Roles ([`FailoverNode`]): servers `primary` and `backup`, clients `c1`..`cN`.
//! - The primary heartbeats the backup every `heartbeat_interval` and replicates each write
//!   synchronously (it acknowledges the client only after the backup has applied it; a
//!   replication that times out is reported to the client as failed, outcome unknown).
//!   It serves reads from its own copy.
//! - The backup promotes itself when it has heard no heartbeat for `timeout` on its own
//!   clock: it takes the next epoch and serves alone. A primary that meets a later epoch steps
//!   down for good (it is "deposed": re-adding it as a backup is an operator's job, not
//!   modelled), so failover happens at most once per run.
//! - With `leases = true` the primary serves only under a lease: each heartbeat the backup
//!   acknowledges gives it `lease * (1 - rho)` on its own clock, counted from when it *sent*
//!   that heartbeat; the backup promises not to promote before `lease * (1 + rho)` on its own
//!   clock after receiving it (it waits `max(timeout, lease * (1 + rho))`), with rho =
//!   `margin_ppm` / 1e6. If both clocks run within 1 +- rho of true time the primary's lease
//!   ends before the backup may take over. With rho = 0 a primary whose clock runs slow keeps
//!   serving past the takeover: overlap = lease / (1 - drift) - latency - timeout.
//!
//! Clients send one operation at a time (a read, or a write of a unique value) to the server
//! they believe is primary, switch to the other server on `NotPrimary`, a failure or a
//! timeout, and report invocations and responses to the checker.
//!
//! Checkers ([`invariants`]): `single_primary` (always: at most one server serving at any
//! instant; `overlap_ms` reports how long two did) and `linearizable` (always: the clients'
//! history of reads and writes is linearizable for a register, by [`crate::linearizability`]).
//!
//! Bug switches ([`Bug`]): `lease_from_ack` (the primary counts its lease from the ack's
//! arrival, not from the heartbeat's send, so it outlives the backup's promise by the round
//! trip) and `backup_ignores_lease` (the backup promotes after `timeout` without waiting the
//! lease out); both caught by `single_primary`.

mod client;
pub mod invariants;
mod node;
pub mod plugin;
mod server;

pub use client::Client;
pub use invariants::FailoverChecker;
pub use node::{FailoverNode, Msg, Obs, OpKind, OpResult, Timer};
pub use plugin::Failover;
pub use server::{Role, Server, ServerDurable};

use serde::{Deserialize, Serialize};
use sim::Time;

/// Classic mistakes that can be switched on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// The primary counts its lease from when the heartbeat ack arrives instead of from when
    /// it sent the heartbeat, overrunning the backup's promise by up to a round trip.
    LeaseFromAck,
    /// The backup promotes itself after `timeout` without waiting out the lease it granted.
    BackupIgnoresLease,
}

/// Parameters (`[failover]` in scenario files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// The primary serves only under a lease granted by the backup's acks.
    pub leases: bool,
    /// The lease length L.
    pub lease: Time,
    /// Time between the primary's heartbeats.
    pub heartbeat_interval: Time,
    /// The backup promotes itself after this long without a heartbeat (its clock).
    pub timeout: Time,
    /// Safety margin: the assumed bound rho on any clock's drift, in parts per million. The
    /// primary uses `L (1 - rho)`, the backup waits `L (1 + rho)`.
    pub margin_ppm: u32,
    /// How long the primary waits for the backup to acknowledge a replicated write.
    pub replicate_timeout: Time,
    /// Number of clients `c1`..`cN` (0..=16).
    pub clients: u32,
    /// Pause between one client operation's end and the next one's start.
    pub op_interval: Time,
    /// A client gives up on an operation after this long (outcome unknown).
    pub op_timeout: Time,
    /// Probability that an operation is a read (otherwise a write of a fresh value).
    pub read_fraction: f64,
    /// Switched-on bugs.
    pub bugs: Vec<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            leases: false,
            lease: Time::from_secs(1),
            heartbeat_interval: Time::from_millis(100),
            timeout: Time::from_secs(1),
            margin_ppm: 0,
            replicate_timeout: Time::from_millis(100),
            clients: 2,
            op_interval: Time::from_millis(50),
            op_timeout: Time::from_millis(200),
            read_fraction: 0.5,
            bugs: Vec::new(),
        }
    }
}

impl Params {
    /// Checks ranges; the message names the field, the bad value and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        for (name, t) in [
            ("lease", self.lease),
            ("heartbeat_interval", self.heartbeat_interval),
            ("timeout", self.timeout),
            ("replicate_timeout", self.replicate_timeout),
            ("op_interval", self.op_interval),
            ("op_timeout", self.op_timeout),
        ] {
            if t == Time::ZERO {
                return Err(format!("failover.{name} must be > 0, got 0s"));
            }
        }
        if self.heartbeat_interval >= self.timeout {
            return Err(format!(
                "failover.heartbeat_interval ({}) must be < failover.timeout ({})",
                self.heartbeat_interval, self.timeout
            ));
        }
        if self.margin_ppm >= 1_000_000 {
            return Err(format!(
                "failover.margin_ppm must be in 0..1000000, got {}",
                self.margin_ppm
            ));
        }
        if self.clients > 16 {
            return Err(format!(
                "failover.clients must be in 0..=16, got {}",
                self.clients
            ));
        }
        if !(0.0..=1.0).contains(&self.read_fraction) {
            return Err(format!(
                "failover.read_fraction must be in [0, 1], got {}",
                self.read_fraction
            ));
        }
        if !self.leases && !self.bugs.is_empty() {
            return Err(format!(
                "failover.bugs {:?} are lease bugs and need failover.leases = true",
                self.bugs
            ));
        }
        Ok(())
    }

    /// Node names in id order: `primary`, `backup`, `c1`, ...
    pub fn names(&self) -> Vec<String> {
        let mut v = vec!["primary".to_string(), "backup".to_string()];
        v.extend((1..=self.clients).map(|i| format!("c{i}")));
        v
    }

    /// True if `bug` is switched on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }

    /// The primary's lease on its own clock: `L (1 - rho)`.
    pub fn primary_lease(&self) -> Time {
        Time(scale(self.lease.0, 1_000_000 - self.margin_ppm as u64))
    }

    /// How long the backup waits after a heartbeat before promoting: `timeout`, and with
    /// leases at least `L (1 + rho)` (unless the `backup_ignores_lease` bug is on).
    pub fn backup_wait(&self) -> Time {
        if self.leases && !self.has(Bug::BackupIgnoresLease) {
            self.timeout.max(Time(scale(
                self.lease.0,
                1_000_000 + self.margin_ppm as u64,
            )))
        } else {
            self.timeout
        }
    }
}

/// `t * ppm / 1e6` in exact integers (floor).
fn scale(t: u64, ppm: u64) -> u64 {
    (t as u128 * ppm as u128 / 1_000_000) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    // The margin shortens the primary's lease and lengthens the backup's wait symmetrically.
    #[test]
    fn lease_arithmetic() {
        let p = Params {
            leases: true,
            margin_ppm: 100_000,
            ..Params::default()
        };
        assert_eq!(p.primary_lease(), Time::from_millis(900));
        assert_eq!(p.backup_wait(), Time::from_millis(1100));
        let p = Params { leases: false, ..p };
        assert_eq!(p.backup_wait(), Time::from_secs(1));
        assert!(
            Params {
                margin_ppm: 1_000_000,
                ..Params::default()
            }
            .validate()
            .unwrap_err()
            .contains("failover.margin_ppm")
        );
        assert_eq!(Params::default().names(), ["primary", "backup", "c1", "c2"]);
    }
}
