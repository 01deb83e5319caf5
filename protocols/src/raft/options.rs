//! The `[raft]` fields of the linearizable-read and membership options: [`ReadMode`] and
//! the scripted [`MembershipChange`]s, with their validation (kept apart from `params.rs`
//! so each option's rules read in one place).

use serde::{Deserialize, Serialize};
use sim::Time;

use super::params::Params;

/// How the leader serves reads (thesis section 6.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadMode {
    /// A read is a log entry like a write: committed, applied, then answered.
    #[default]
    Log,
    /// ReadIndex: the leader notes its commit index, confirms by a round of heartbeats that a
    /// majority still follows it, waits until it has applied that index, and answers from its
    /// state machine.
    ReadIndex,
    /// Lease: the leader answers at once while a lease holds, which a majority-acknowledged
    /// heartbeat round grants from the round's start for
    /// `election_timeout_min / (1 + lease_drift_bound)` of its own clock.
    Lease,
}

/// A scripted membership change: at `at`, the server leading then is asked to add or to
/// remove one server (exactly one of `add`, `remove`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipChange {
    /// When (true time since the start of the run; each server's own clock is used).
    pub at: Time,
    /// The server to add, `s1..sN`.
    #[serde(default)]
    pub add: Option<String>,
    /// The server to remove, `s1..sN`.
    #[serde(default)]
    pub remove: Option<String>,
}

/// A change as the servers use it: add (true) or remove server `.1`.
pub type Change = (bool, u32);

impl Params {
    /// Checks the read and membership fields; the message names the field.
    pub(super) fn validate_options(&self) -> Result<(), String> {
        if !(0.0..1.0).contains(&self.lease_drift_bound) {
            return Err(format!(
                "raft.lease_drift_bound must be in [0, 1), got {}",
                self.lease_drift_bound
            ));
        }
        let mut seen = 0u64;
        for (i, s) in self.initial_members.iter().enumerate() {
            let k = self.server_index(s).ok_or_else(|| {
                format!(
                    "raft.initial_members[{i}] must name a server s1..s{}, got `{s}`",
                    self.servers
                )
            })?;
            if seen & (1 << k) != 0 {
                return Err(format!("raft.initial_members[{i}]: `{s}` is listed twice"));
            }
            seen |= 1 << k;
        }
        for (i, c) in self.membership.iter().enumerate() {
            let (field, name) = match (&c.add, &c.remove) {
                (Some(a), None) => ("add", a),
                (None, Some(r)) => ("remove", r),
                _ => {
                    return Err(format!(
                        "raft.membership[{i}] must have exactly one of `add` or `remove`"
                    ));
                }
            };
            if self.server_index(name).is_none() {
                return Err(format!(
                    "raft.membership[{i}].{field} must name a server s1..s{}, got `{name}`",
                    self.servers
                ));
            }
        }
        Ok(())
    }

    /// The initial configuration, one bit per member (every server when none is listed).
    pub fn initial_member_bits(&self) -> u64 {
        if self.initial_members.is_empty() {
            (1u64 << self.servers) - 1
        } else {
            self.initial_members
                .iter()
                .filter_map(|s| self.server_index(s))
                .fold(0, |m, k| m | 1 << k)
        }
    }

    /// The scripted changes as (when, change), in file order.
    pub fn changes(&self) -> Vec<(Time, Change)> {
        self.membership
            .iter()
            .filter_map(|c| {
                let add = c.add.as_deref().and_then(|s| self.server_index(s));
                let remove = c.remove.as_deref().and_then(|s| self.server_index(s));
                match (add, remove) {
                    (Some(a), _) => Some((c.at, (true, a))),
                    (_, Some(r)) => Some((c.at, (false, r))),
                    _ => None,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Bad option values name the field and what is allowed.
    #[test]
    fn bad_options_name_the_field() {
        let bad = |f: &dyn Fn(&mut Params)| {
            let mut p = Params {
                servers: 4,
                ..Params::default()
            };
            f(&mut p);
            p.validate().unwrap_err()
        };
        assert_eq!(
            bad(&|p| p.lease_drift_bound = 1.5),
            "raft.lease_drift_bound must be in [0, 1), got 1.5"
        );
        assert_eq!(
            bad(&|p| p.initial_members = vec!["s1".into(), "s7".into()]),
            "raft.initial_members[1] must name a server s1..s4, got `s7`"
        );
        assert_eq!(
            bad(&|p| p.initial_members = vec!["s1".into(), "s1".into()]),
            "raft.initial_members[1]: `s1` is listed twice"
        );
        let change = |add: Option<&str>, remove: Option<&str>| MembershipChange {
            at: Time::ZERO,
            add: add.map(Into::into),
            remove: remove.map(Into::into),
        };
        assert_eq!(
            bad(&|p| p.membership = vec![change(Some("s4"), Some("s1"))]),
            "raft.membership[0] must have exactly one of `add` or `remove`"
        );
        assert_eq!(
            bad(&|p| p.membership = vec![change(Some("s4"), None), change(None, Some("x"))]),
            "raft.membership[1].remove must name a server s1..s4, got `x`"
        );
        let ok = Params {
            servers: 4,
            initial_members: vec!["s1".into(), "s2".into(), "s3".into()],
            membership: vec![change(Some("s4"), None), change(None, Some("s1"))],
            ..Params::default()
        };
        assert!(ok.validate().is_ok());
        assert_eq!(ok.initial_member_bits(), 0b0111);
        assert_eq!(
            ok.changes(),
            [(Time::ZERO, (true, 3)), (Time::ZERO, (false, 0))]
        );
    }
}
