//! A key-value cluster routed by consistent hashing, with membership that changes while it
//! serves: storage nodes join, leave and crash, and the new view reaches clients late.
//!
//! Roles (one actor type, [`KvNode`], with a role per node):
//! - storage nodes `s0`..`s{S-1}` ([`storage`]): hold keys, check ownership of every request
//!   under their *own* view, serve what they own and forward what they do not (up to
//!   `kv.max_hops` hops, then a definite `not_owner` error; `max_hops = 0` rejects at once);
//!   on a new view they hand the keys they no longer own to the new owners;
//! - clients `c0`..`c{C-1}` ([`client`]): issue gets and puts (Poisson arrivals, keys uniform
//!   or Zipf from [`keyspace`]) routed by `kv.algorithm` over their current view, with a
//!   timeout and retries;
//! - the coordinator `coord` ([`membership`]): owns the authoritative view (epoch + members),
//!   applies the scripted `kv.changes` (join / leave) and removes members whose heartbeats
//!   stop (kernel crash faults), re-adding them when they come back (`kv.rejoin`). It pushes
//!   every new view to storage nodes at once and to clients after `kv.client_lag`, so for a
//!   while clients route by a stale view and requests reach nodes that no longer own the key.
//!
//! Routing ([`routing`]): a [`View`] becomes a [`Router`] built with
//! [`crate::ch::build`] over all declared storage nodes with the non-members removed, so a
//! server's ring points, salt or Maglev permutation never depend on who else is a member
//! (`jump` maps bucket `i` to the `i`-th member, see [`routing`]). Keys are the strings
//! `key0`..`key{K-1}` hashed by [`crate::ch::key_hash`].
//!
//! Checkers ([`invariants`]): `request_resolved` (always: every request gets an answer or a
//! definite error by the end of the run), `served_by_owner` (always: a node serves a key
//! only if it owns it under the view it holds), `same_view_routes_agree` (always: a request
//! routed under the same epoch the node holds is never misrouted), `misrouted_during_transition`
//! (sometimes). The checker also computes the cluster metrics (load, misrouting, keys moved,
//! availability); see [`invariants::KvChecker`].
//!
//! Bug switch ([`Bug::ServeMisrouted`]): storage nodes serve whatever reaches them, trusting
//! the client's routing; caught by `served_by_owner` as soon as a view changes.

pub mod client;
pub mod cluster;
pub mod invariants;
pub mod keyspace;
pub mod membership;
mod node;
pub mod plugin;
pub mod routing;
pub mod storage;

pub use cluster::{Cluster, Role};
pub use invariants::KvChecker;
pub use keyspace::KeySpace;
pub use node::{
    Cause, CoordinatorLog, Entry, KvDurable, KvError, KvNode, Msg, Obs, Op, Outcome, Request, Timer,
};
pub use plugin::Kv;
pub use routing::{Router, View};

use serde::{Deserialize, Serialize};
use sim::Time;

use crate::ch::Algorithm;

/// Most storage nodes a cluster may declare (initial members plus later joiners).
pub const MAX_STORAGE: u32 = 64;
/// Most clients.
pub const MAX_CLIENTS: u32 = 64;
/// Largest key space.
pub const MAX_KEYS: u32 = 1_000_000;
/// Largest `storage nodes * vnodes` (ring points built by every router).
pub const MAX_POINTS: u64 = 1_000_000;

/// Classic mistakes that can be switched on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// Storage nodes serve every request that reaches them without checking ownership, so a
    /// client with a stale view reads and writes on a node that no longer owns the key.
    ServeMisrouted,
}

/// How clients pick keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Popularity {
    /// Every key equally likely.
    #[default]
    Uniform,
    /// Key `i` (0-based) with probability proportional to `1 / (i + 1)^zipf_s`.
    Zipf,
}

/// One scripted membership change (`kv.changes = [{ at = "1s", join = "s5" }]`): exactly one
/// of `join` and `leave`. Crashes are kernel faults (`[[faults]] crash = "s2"`), detected by
/// missed heartbeats.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// When the coordinator applies it (its local clock).
    pub at: Time,
    /// A storage node that becomes a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<String>,
    /// A member that leaves gracefully (hands its keys over, then forwards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave: Option<String>,
}

/// Parameters (`[kv]` in scenario files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Initial members `s0`..`s{servers-1}` (1..=64).
    pub servers: u32,
    /// Clients `c0`..`c{clients-1}` (1..=64).
    pub clients: u32,
    /// Placement algorithm: one of [`Algorithm::NAMES`].
    pub algorithm: String,
    /// Virtual nodes per server for `ring` and `bounded`.
    pub vnodes: u32,
    /// Load factor of `bounded` (>= 1, `inf` allowed).
    pub c: f64,
    /// Size of the key space: keys `key0`..`key{keys-1}`.
    pub keys: u32,
    /// Key popularity: `uniform` or `zipf`.
    pub popularity: Popularity,
    /// Zipf exponent `s` (used when `popularity = "zipf"`), in (0, 10].
    pub zipf_s: f64,
    /// Requests per second per client (Poisson arrivals).
    pub rate: f64,
    /// Fraction of requests that are puts; the rest are gets.
    pub put_fraction: f64,
    /// Clients issue requests until this time (their local clock).
    pub stop_at: Time,
    /// Scripted joins and leaves.
    pub changes: Vec<Change>,
    /// Delay before the coordinator pushes a new view to clients (storage nodes get it at
    /// once): how long clients route by a stale view.
    pub client_lag: Time,
    /// Clients also ask the coordinator for the view this often (0: never), so a lost push
    /// is repaired.
    pub view_poll: Time,
    /// Storage heartbeat period (and the coordinator's check period).
    pub heartbeat: Time,
    /// A member silent for longer than this is removed from the view.
    pub suspect_after: Time,
    /// Client timeout per attempt.
    pub timeout: Time,
    /// Attempts per request before a definite `timeout` error (>= 1).
    pub attempts: u32,
    /// Forwarding hops a misrouted request may take before a `not_owner` error (0: reject
    /// misrouted requests at once).
    pub max_hops: u32,
    /// A member removed after a crash is re-added when its heartbeats resume.
    pub rejoin: bool,
    /// Switched-on bugs.
    pub bugs: Vec<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            servers: 5,
            clients: 2,
            algorithm: "ring".into(),
            vnodes: 100,
            c: 1.25,
            keys: 10_000,
            popularity: Popularity::Uniform,
            zipf_s: 1.0,
            rate: 500.0,
            put_fraction: 0.2,
            stop_at: Time::from_secs(3),
            changes: Vec::new(),
            client_lag: Time::from_millis(100),
            view_poll: Time::from_secs(1),
            heartbeat: Time::from_millis(50),
            suspect_after: Time::from_millis(250),
            timeout: Time::from_millis(50),
            attempts: 3,
            max_hops: 3,
            rejoin: true,
            bugs: Vec::new(),
        }
    }
}

/// What a change does, resolved to a storage index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// The node becomes a member.
    Join(u32),
    /// The member leaves.
    Leave(u32),
}

/// Parses a storage node name `s<N>` into `N`.
pub fn storage_index(name: &str) -> Option<u32> {
    let digits = name.strip_prefix('s')?;
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    digits.parse().ok()
}

impl Params {
    /// Checks each field, naming it, the bad value and what is allowed; also replays the
    /// scripted changes in time order (a join needs a non-member, a leave a member, and a
    /// member must remain).
    pub fn validate(&self) -> Result<(), String> {
        self.check_ring()?;
        self.check_workload()?;
        self.check_timing()?;
        self.check_changes()
    }

    /// Servers, clients, the placement algorithm and its parameters, and the key space.
    fn check_ring(&self) -> Result<(), String> {
        if !(1..=MAX_STORAGE).contains(&self.servers) {
            return Err(format!(
                "kv.servers must be in 1..={MAX_STORAGE}, got {}",
                self.servers
            ));
        }
        if !(1..=MAX_CLIENTS).contains(&self.clients) {
            return Err(format!(
                "kv.clients must be in 1..={MAX_CLIENTS}, got {}",
                self.clients
            ));
        }
        Algorithm::parse(&self.algorithm).map_err(|e| format!("kv.algorithm: {e}"))?;
        if self.vnodes < 1 || self.vnodes > 10_000 {
            return Err(format!(
                "kv.vnodes must be in 1..=10000, got {}",
                self.vnodes
            ));
        }
        if self.c.is_nan() || self.c < 1.0 {
            return Err(format!("kv.c must be >= 1 (or inf), got {}", self.c));
        }
        if !(1..=MAX_KEYS).contains(&self.keys) {
            return Err(format!(
                "kv.keys must be in 1..={MAX_KEYS}, got {}",
                self.keys
            ));
        }
        Ok(())
    }

    /// The request stream: key popularity, rate and the share of writes.
    fn check_workload(&self) -> Result<(), String> {
        if !(self.zipf_s.is_finite() && self.zipf_s > 0.0 && self.zipf_s <= 10.0) {
            return Err(format!("kv.zipf_s must be in (0, 10], got {}", self.zipf_s));
        }
        if !(self.rate.is_finite() && self.rate > 0.0 && self.rate <= 1e6) {
            return Err(format!(
                "kv.rate must be in (0, 1000000] requests/s, got {}",
                self.rate
            ));
        }
        if !(0.0..=1.0).contains(&self.put_fraction) {
            return Err(format!(
                "kv.put_fraction must be in [0, 1], got {}",
                self.put_fraction
            ));
        }
        Ok(())
    }

    /// Times, failure detection and the retry and forwarding limits.
    fn check_timing(&self) -> Result<(), String> {
        for (name, t) in [
            ("stop_at", self.stop_at),
            ("heartbeat", self.heartbeat),
            ("timeout", self.timeout),
        ] {
            if t == Time::ZERO {
                return Err(format!("kv.{name} must be > 0, got 0s"));
            }
        }
        if self.suspect_after <= self.heartbeat {
            return Err(format!(
                "kv.suspect_after must be > kv.heartbeat ({}), got {}",
                self.heartbeat.exact_string(),
                self.suspect_after.exact_string()
            ));
        }
        if !(1..=100).contains(&self.attempts) {
            return Err(format!(
                "kv.attempts must be in 1..=100, got {}",
                self.attempts
            ));
        }
        if self.max_hops > 16 {
            return Err(format!(
                "kv.max_hops must be in 0..=16, got {}",
                self.max_hops
            ));
        }
        Ok(())
    }

    /// The ring's size bound, and the scripted changes replayed in time order against the
    /// membership.
    fn check_changes(&self) -> Result<(), String> {
        let storage = self.storage_nodes()?;
        if u64::from(storage) * u64::from(self.vnodes) > MAX_POINTS {
            return Err(format!(
                "kv.vnodes * storage nodes must be <= {MAX_POINTS}, got {} * {storage}",
                self.vnodes
            ));
        }
        let mut members: Vec<bool> = (0..storage).map(|i| i < self.servers).collect();
        for (i, (at, kind)) in self.resolved_changes()?.into_iter().enumerate() {
            match kind {
                ChangeKind::Join(s) if members[s as usize] => {
                    return Err(format!(
                        "kv.changes: join of s{s} at {} but it is already a member (change {i} in time order)",
                        at.exact_string()
                    ));
                }
                ChangeKind::Leave(s) if !members[s as usize] => {
                    return Err(format!(
                        "kv.changes: leave of s{s} at {} but it is not a member (change {i} in time order)",
                        at.exact_string()
                    ));
                }
                ChangeKind::Leave(s) if members.iter().filter(|&&m| m).count() == 1 => {
                    return Err(format!(
                        "kv.changes: leave of s{s} at {} would leave no member",
                        at.exact_string()
                    ));
                }
                ChangeKind::Join(s) => members[s as usize] = true,
                ChangeKind::Leave(s) => members[s as usize] = false,
            }
        }
        Ok(())
    }

    /// The number of storage nodes declared: the initial members plus every node a change
    /// names (`s5` declares `s0`..`s5`).
    pub fn storage_nodes(&self) -> Result<u32, String> {
        let mut n = self.servers;
        for (i, c) in self.changes.iter().enumerate() {
            let (field, name) = match (&c.join, &c.leave) {
                (Some(j), None) => ("join", j),
                (None, Some(l)) => ("leave", l),
                _ => {
                    return Err(format!(
                        "kv.changes[{i}] must have exactly one of `join` and `leave`"
                    ));
                }
            };
            let s = storage_index(name)
                .filter(|&s| s < MAX_STORAGE)
                .ok_or_else(|| {
                    format!(
                        "kv.changes[{i}].{field} must name a storage node s0..s{}, got `{name}`",
                        MAX_STORAGE - 1
                    )
                })?;
            n = n.max(s + 1);
        }
        Ok(n)
    }

    /// The changes as `(at, kind)`, sorted by time (stable: equal times keep file order).
    pub fn resolved_changes(&self) -> Result<Vec<(Time, ChangeKind)>, String> {
        self.storage_nodes()?;
        let mut out: Vec<(Time, ChangeKind)> = self
            .changes
            .iter()
            .map(|c| match (&c.join, &c.leave) {
                (Some(j), _) => (c.at, ChangeKind::Join(storage_index(j).expect("checked"))),
                (_, Some(l)) => (c.at, ChangeKind::Leave(storage_index(l).expect("checked"))),
                _ => unreachable!("checked by storage_nodes"),
            })
            .collect();
        out.sort_by_key(|&(at, _)| at);
        Ok(out)
    }

    /// When the last request is resolved at the latest: `stop_at + attempts * timeout` (the
    /// client's timeouts bound every request, whatever the network does).
    pub fn drain_end(&self) -> Time {
        self.stop_at + Time(self.timeout.0.saturating_mul(u64::from(self.attempts)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut Params)) -> Params {
        let mut p = Params::default();
        f(&mut p);
        p
    }

    #[test]
    fn defaults_validate_and_errors_name_fields() {
        // Shows: the defaults are valid; each bad field is named with its value and range;
        // changes are replayed in time order.
        assert_eq!(Params::default().validate(), Ok(()));
        let e = |p: Params| p.validate().unwrap_err();
        assert_eq!(
            e(with(|p| p.servers = 0)),
            "kv.servers must be in 1..=64, got 0"
        );
        assert!(e(with(|p| p.algorithm = "chord".into())).starts_with("kv.algorithm: unknown"));
        assert!(e(with(|p| p.put_fraction = 1.5)).starts_with("kv.put_fraction"));
        assert!(
            e(with(|p| p.suspect_after = Time::from_millis(10)))
                .starts_with("kv.suspect_after must be > kv.heartbeat (50ms)")
        );
        let join = |at: u64, s: &str| Change {
            at: Time::from_millis(at),
            join: Some(s.into()),
            leave: None,
        };
        let leave = |at: u64, s: &str| Change {
            at: Time::from_millis(at),
            join: None,
            leave: Some(s.into()),
        };
        assert!(e(with(|p| p.changes = vec![join(10, "s1")])).contains("already a member"));
        assert!(
            e(with(|p| p.changes = vec![join(10, "x1")]))
                .starts_with("kv.changes[0].join must name a storage node")
        );
        assert!(e(with(|p| p.changes = vec![join(10, "s01")])).contains("s01"));
        assert!(
            e(with(|p| p.changes = vec![Change {
                at: Time::ZERO,
                join: None,
                leave: None
            }]))
            .contains("exactly one")
        );
        assert!(
            e(with(|p| {
                p.servers = 1;
                p.changes = vec![leave(5, "s0")];
            }))
            .contains("no member")
        );
        // Out of file order but fine in time order: s7 joins at 1ms, leaves at 2ms.
        let p = with(|p| p.changes = vec![leave(2, "s7"), join(1, "s7")]);
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(p.storage_nodes(), Ok(8));
        assert_eq!(p.resolved_changes().unwrap()[0].1, ChangeKind::Join(7));
        assert_eq!(storage_index("s12"), Some(12));
        assert_eq!(storage_index("s"), None);
    }
}
