//! Lease-based locks with fencing tokens, and Redlock.
//!
//! Roles ([`LockNode`]):
//! - lock service: one node `lock` (`mode = "single"`), or `r1`..`rN` (`mode = "redlock"`).
//!   `SET key value NX PX ttl`: a request is granted when the key is free or its lease has
//!   expired on the server's own clock. A single node hands out monotonically increasing
//!   fencing tokens starting at `first_token`; Redlock nodes store the client's random value.
//!   Release deletes the key only when the value matches (the holder's compare-and-delete);
//!   renew extends the lease only for the holder.
//! - `storage`: a register written by clients with their token. With `fencing = true` it
//!   rejects a token lower than the highest it has accepted.
//! - clients `c1`, `c2`, ...: each follows its [`ClientPlan`] (acquire, write, release, renew
//!   at stated times on its own clock). A client believes it holds the lock from the grant
//!   until it releases, a renewal fails, or its own clock says the lease has run out — and it
//!   only learns that when it gets to run, so a GC pause (the kernel's `pause` fault) stretches
//!   its belief past the lease.
//!
//! Redlock (redis.io/docs/manual/patterns/distributed-locks): the client sends the same random
//! value to all N nodes, waits for every reply or `request_timeout`, and holds the lock if a
//! majority granted it and the validity [`redlock_validity`] = TTL - elapsed - drift is
//! positive, where drift = `drift_factor` * TTL + 2 ms. Otherwise it releases everywhere and
//! retries after `retry_interval`.
//!
//! Checkers ([`invariants`]): `mutual_exclusion` (at most one client believes it holds the
//! lock at any instant; with fencing on it becomes the reachability property `belief_overlap`,
//! see [`invariants::LockChecker`]) and `data_safety` (the storage applies writes in lock
//! order: no write of an earlier holder lands after a later holder's write — no lost update).
//! Metrics: `overlap_ms` and the storage's counts.
//!
//! Bug switches ([`Bug`]): `release_any` (release deletes whatever key is there, a plain DEL),
//! caught by `mutual_exclusion`; `volatile_state` (the server's key and token counter are not
//! persisted, so a restart forgets the holder and hands out old tokens again), caught by
//! `data_safety` under fencing.

mod client;
pub mod invariants;
mod node;
pub mod plugin;
mod server;
mod storage;

pub use client::Client;
pub use invariants::LockChecker;
pub use node::{Durable, LockNode, Msg, Obs, ReleaseReason, Timer};
pub use plugin::Lock;
pub use server::{Key, Server, ServerState};
pub use storage::{Storage, StorageState};

use serde::{Deserialize, Serialize};
use sim::{NodeId, Time};

/// Classic mistakes that can be switched on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// Release deletes the key whoever holds it (`DEL` instead of compare-and-delete), so a
    /// late release from an old holder frees the lock under the current one.
    ReleaseAny,
    /// The lock server keeps its key and token counter only in memory: after a restart it
    /// forgets the holder and hands out tokens from `first_token` again.
    VolatileState,
}

/// Which lock service runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One lock node `lock` with monotonically increasing fencing tokens.
    #[default]
    Single,
    /// Redlock over `redlock_nodes` independent nodes `r1`..`rN` with random tokens.
    Redlock,
}

/// What one client does, at stated times on its own clock (counted from the start of the
/// run). Written as `[[lock.clients]]` tables; client k (1-based) is the node `c<k>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClientPlan {
    /// When to ask for the lock (retried every `retry_interval` until granted).
    pub acquire_at: Time,
    /// When to write to the storage, if the client then believes it holds the lock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_at: Option<Time>,
    /// When to release the lock (absent: the client lets the lease run out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_at: Option<Time>,
    /// Renew the lease this often while holding it (single mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renew_every: Option<Time>,
    /// Before writing, compare the local clock with the lease deadline and skip the write if
    /// the lease has run out ("check the lease right before writing").
    pub check_before_write: bool,
    /// Time between that check and the write going out (the code path in between, where a
    /// GC pause can still strike). Needs `check_before_write`.
    pub check_to_write: Time,
}

impl Default for ClientPlan {
    fn default() -> Self {
        ClientPlan {
            acquire_at: Time::ZERO,
            write_at: None,
            release_at: None,
            renew_every: None,
            check_before_write: false,
            check_to_write: Time::ZERO,
        }
    }
}

/// Parameters (`[lock]` in scenario files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// `single` (node `lock`, fencing tokens) or `redlock` (nodes `r1`..`rN`, random tokens).
    pub mode: Mode,
    /// Lease time to live (the `PX` of `SET NX PX`).
    pub ttl: Time,
    /// The first fencing token a single lock node hands out (Kleppmann's example: 33).
    pub first_token: u64,
    /// The storage rejects tokens lower than the highest it has accepted.
    pub fencing: bool,
    /// Number of Redlock nodes (odd, 1..=9); the quorum is a majority.
    pub redlock_nodes: u32,
    /// Redlock's clock drift factor: drift = factor * TTL + 2 ms (redis.io uses 0.01).
    pub drift_factor: f64,
    /// How long a client waits for replies to an acquire before deciding (Redlock) or
    /// retrying (single).
    pub request_timeout: Time,
    /// Pause between a failed acquire and the next attempt.
    pub retry_interval: Time,
    /// One plan per client `c1`, `c2`, ...
    pub clients: Vec<ClientPlan>,
    /// Switched-on bugs.
    pub bugs: Vec<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            mode: Mode::Single,
            ttl: Time::from_secs(10),
            first_token: 1,
            fencing: false,
            redlock_nodes: 5,
            drift_factor: 0.01,
            request_timeout: Time::from_millis(50),
            retry_interval: Time::from_millis(100),
            clients: vec![
                ClientPlan {
                    write_at: Some(Time::from_secs(1)),
                    ..ClientPlan::default()
                },
                ClientPlan {
                    acquire_at: Time::from_secs(10),
                    write_at: Some(Time::from_secs(12)),
                    ..ClientPlan::default()
                },
            ],
            bugs: Vec::new(),
        }
    }
}

impl Params {
    /// Checks ranges; the message names the field, the bad value and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if self.ttl == Time::ZERO {
            return Err("lock.ttl must be > 0, got 0s".into());
        }
        if self.mode == Mode::Redlock
            && (self.redlock_nodes == 0
                || self.redlock_nodes > 9
                || self.redlock_nodes.is_multiple_of(2))
        {
            return Err(format!(
                "lock.redlock_nodes must be odd and in 1..=9, got {}",
                self.redlock_nodes
            ));
        }
        if !(self.drift_factor.is_finite() && (0.0..0.5).contains(&self.drift_factor)) {
            return Err(format!(
                "lock.drift_factor must be in [0, 0.5), got {}",
                self.drift_factor
            ));
        }
        if self.mode == Mode::Redlock && self.fencing {
            return Err("lock.fencing = true needs monotonic tokens, but lock.mode = \"redlock\" hands out random \
                        tokens, which cannot fence; use lock.mode = \"single\""
                .into());
        }
        if self.request_timeout == Time::ZERO {
            return Err("lock.request_timeout must be > 0, got 0s".into());
        }
        if self.retry_interval == Time::ZERO {
            return Err("lock.retry_interval must be > 0, got 0s".into());
        }
        if self.clients.is_empty() || self.clients.len() > 16 {
            return Err(format!(
                "lock.clients must list 1..=16 clients, got {}",
                self.clients.len()
            ));
        }
        for (i, c) in self.clients.iter().enumerate() {
            if c.check_to_write > Time::ZERO && !c.check_before_write {
                return Err(format!(
                    "lock.clients[{i}].check_to_write ({}) needs lock.clients[{i}].check_before_write = true",
                    c.check_to_write
                ));
            }
            if let Some(r) = c.renew_every {
                if self.mode == Mode::Redlock {
                    return Err(format!(
                        "lock.clients[{i}].renew_every is supported only with lock.mode = \"single\""
                    ));
                }
                if r == Time::ZERO || r >= self.ttl {
                    return Err(format!(
                        "lock.clients[{i}].renew_every must be in (0, lock.ttl = {}), got {r}",
                        self.ttl
                    ));
                }
            }
        }
        Ok(())
    }

    /// Number of lock service nodes.
    pub fn lock_nodes(&self) -> u32 {
        match self.mode {
            Mode::Single => 1,
            Mode::Redlock => self.redlock_nodes,
        }
    }

    /// Node names in id order: the lock node(s), `storage`, then `c1`, `c2`, ...
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = match self.mode {
            Mode::Single => vec!["lock".to_string()],
            Mode::Redlock => (1..=self.redlock_nodes).map(|i| format!("r{i}")).collect(),
        };
        v.push("storage".into());
        v.extend((1..=self.clients.len()).map(|i| format!("c{i}")));
        v
    }

    /// The storage node's id.
    pub fn storage_id(&self) -> NodeId {
        NodeId(self.lock_nodes())
    }

    /// The id of the first client.
    pub fn first_client_id(&self) -> NodeId {
        NodeId(self.lock_nodes() + 1)
    }

    /// True if `bug` is switched on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

/// Redlock's validity time: `ttl - elapsed - drift` with `drift = drift_factor * ttl + 2 ms`
/// (redis.io, "Distributed locks with Redis"), or `None` when that is not positive (the lock
/// is then not considered acquired). The drift term is rounded to the nanosecond.
pub fn redlock_validity(ttl: Time, elapsed: Time, drift_factor: f64) -> Option<Time> {
    let drift = (ttl.0 as f64 * drift_factor).round() as u64 + Time::from_millis(2).0;
    let spent = elapsed.0.checked_add(drift)?;
    (ttl.0 > spent).then(|| Time(ttl.0 - spent))
}

#[cfg(test)]
mod tests {
    use super::*;

    // redis.io's arithmetic: TTL 10 000 ms, 200 ms spent acquiring -> 9 698 ms of validity.
    #[test]
    fn redlock_validity_matches_the_published_example() {
        let v = redlock_validity(Time::from_millis(10_000), Time::from_millis(200), 0.01);
        assert_eq!(v, Some(Time::from_millis(9_698)));
        // Nothing left: not acquired.
        assert_eq!(
            redlock_validity(Time::from_millis(100), Time::from_millis(97), 0.01),
            None
        );
        assert_eq!(
            redlock_validity(Time::from_millis(100), Time::from_millis(96), 0.01),
            Some(Time::from_millis(1))
        );
    }

    // Bad parameters name the field and what is allowed.
    #[test]
    fn validation_names_the_field() {
        let p = Params {
            mode: Mode::Redlock,
            fencing: true,
            ..Params::default()
        };
        assert!(p.validate().unwrap_err().contains("lock.fencing"));
        let p = Params {
            mode: Mode::Redlock,
            redlock_nodes: 4,
            ..Params::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .contains("lock.redlock_nodes must be odd")
        );
        let p = Params {
            clients: vec![],
            ..Params::default()
        };
        assert!(p.validate().unwrap_err().contains("lock.clients"));
        assert!(Params::default().validate().is_ok());
        assert_eq!(Params::default().names(), ["lock", "storage", "c1", "c2"]);
    }
}
