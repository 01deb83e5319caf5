//! The `[paxos]` table of a scenario file ([`Params`]) and the shared, read-only cluster
//! configuration every node is built from ([`Config`]).

use serde::{Deserialize, Serialize};
use sim::{NodeId, Time};

use super::bugs::{Bug, Bugs};

/// Parameters (`[paxos]` in scenario files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Acceptors `a1..aN` (1..=64).
    pub acceptors: u32,
    /// Proposers `p1..pM` (1..=16); proposer `pk` proposes value `v-pk`.
    pub proposers: u32,
    /// Learners `l1..lL` (0..=8); acceptors send every `accepted` to each of them.
    pub learners: u32,
    /// Randomized backoff before a new ballot after a rejection or a phase-1 timeout.
    /// Off: retry at once (duelling proposers can then livelock).
    pub backoff: bool,
    /// Shortest backoff.
    pub backoff_min: Time,
    /// Longest backoff (>= `backoff_min`).
    pub backoff_max: Time,
    /// Retransmission timeout: phase 1 starts a new ballot, phase 2 resends `accept` to the
    /// acceptors that have not answered.
    pub retransmit: Time,
    /// Only this proposer (e.g. `"p1"`) starts ballots; the others stay passive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinguished: Option<String>,
    /// When each proposer's client submits its value (true time since the start of the run):
    /// entry `i` is for proposer `p(i+1)`; proposers without an entry start at 0.
    pub start_times: Vec<Time>,
    /// Each proposer adds a uniform random delay in `[0, start_jitter]` to its start time.
    pub start_jitter: Time,
    /// The scenario expects a decision: `decided` is an `eventually` property (a liveness
    /// failure if nothing is decided by the end). Off: `decided` is only reported.
    pub expect_decision: bool,
    /// Switched-on bugs.
    pub bugs: Vec<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            acceptors: 3,
            proposers: 1,
            learners: 1,
            backoff: true,
            backoff_min: Time::from_millis(1),
            backoff_max: Time::from_millis(10),
            retransmit: Time::from_millis(20),
            distinguished: None,
            start_times: Vec::new(),
            start_jitter: Time::ZERO,
            expect_decision: true,
            bugs: Vec::new(),
        }
    }
}

impl Params {
    /// Checks ranges; the message names the field, the bad value and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=64).contains(&self.acceptors) {
            return Err(format!(
                "paxos.acceptors must be in 1..=64, got {}",
                self.acceptors
            ));
        }
        if !(1..=16).contains(&self.proposers) {
            return Err(format!(
                "paxos.proposers must be in 1..=16, got {}",
                self.proposers
            ));
        }
        if self.learners > 8 {
            return Err(format!(
                "paxos.learners must be in 0..=8, got {}",
                self.learners
            ));
        }
        if self.retransmit == Time::ZERO {
            return Err("paxos.retransmit must be > 0, got 0s".into());
        }
        if self.backoff_max < self.backoff_min {
            return Err(format!(
                "paxos.backoff_max ({}) must be >= paxos.backoff_min ({})",
                self.backoff_max.exact_string(),
                self.backoff_min.exact_string()
            ));
        }
        if self.start_times.len() > self.proposers as usize {
            return Err(format!(
                "paxos.start_times has {} entries but there are only {} proposers (paxos.proposers); give at most one per proposer",
                self.start_times.len(),
                self.proposers
            ));
        }
        if let Some(d) = &self.distinguished
            && self.distinguished_index().is_none()
        {
            return Err(format!(
                "paxos.distinguished must name a proposer p1..p{}, got `{d}`",
                self.proposers
            ));
        }
        Ok(())
    }

    /// The distinguished proposer's number (1-based), if one is named and valid.
    pub fn distinguished_index(&self) -> Option<u32> {
        let d = self.distinguished.as_deref()?;
        let k: u32 = d.strip_prefix('p')?.parse().ok()?;
        (1..=self.proposers).contains(&k).then_some(k)
    }

    /// Node names in id order: acceptors `a1..`, then proposers `p1..`, then learners `l1..`.
    pub fn names(&self) -> Vec<String> {
        let a = (1..=self.acceptors).map(|i| format!("a{i}"));
        let p = (1..=self.proposers).map(|i| format!("p{i}"));
        let l = (1..=self.learners).map(|i| format!("l{i}"));
        a.chain(p).chain(l).collect()
    }
}

/// Read-only configuration shared by every node of a run (built once from [`Params`]).
#[derive(Clone, Debug)]
pub struct Config {
    /// Number of acceptors; acceptor `ai` is node `i-1`.
    pub acceptors: u32,
    /// Number of proposers; proposer `pk` is node `acceptors + k - 1`.
    pub proposers: u32,
    /// Number of learners; they follow the proposers.
    pub learners: u32,
    /// Quorum size proposers and learners wait for (a majority unless a bug shrinks it).
    pub quorum: u32,
    /// Backoff range, when backoff is on.
    pub backoff: Option<(Time, Time)>,
    /// Retransmission timeout.
    pub retransmit: Time,
    /// Distinguished proposer number, if any.
    pub distinguished: Option<u32>,
    /// Start time per proposer (index k-1).
    pub start_times: Vec<Time>,
    /// Start jitter.
    pub start_jitter: Time,
    /// Switched-on bugs.
    pub bugs: Bugs,
}

impl Config {
    /// The configuration for validated parameters.
    pub fn new(p: &Params) -> Config {
        let bugs = Bugs::from_list(&p.bugs);
        let start_times = (0..p.proposers as usize)
            .map(|i| p.start_times.get(i).copied().unwrap_or(Time::ZERO))
            .collect();
        Config {
            acceptors: p.acceptors,
            proposers: p.proposers,
            learners: p.learners,
            quorum: bugs.quorum(p.acceptors),
            backoff: p.backoff.then_some((p.backoff_min, p.backoff_max)),
            retransmit: p.retransmit,
            distinguished: p.distinguished_index(),
            start_times,
            start_jitter: p.start_jitter,
            bugs,
        }
    }

    /// The node id of proposer `k` (1-based).
    pub fn proposer_id(&self, k: u32) -> NodeId {
        NodeId(self.acceptors + k - 1)
    }

    /// The node ids of the learners.
    pub fn learner_ids(&self) -> impl Iterator<Item = NodeId> {
        let first = self.acceptors + self.proposers;
        (first..first + self.learners).map(NodeId)
    }

    /// The node ids of the acceptors.
    pub fn acceptor_ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.acceptors).map(NodeId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Bad values are rejected with the field name, the value and what is allowed.
    #[test]
    fn validate_names_field_and_value() {
        let p = Params {
            acceptors: 0,
            ..Params::default()
        };
        assert_eq!(
            p.validate().unwrap_err(),
            "paxos.acceptors must be in 1..=64, got 0"
        );
        let p = Params {
            distinguished: Some("p3".into()),
            proposers: 2,
            ..Params::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .contains("paxos.distinguished must name a proposer p1..p2, got `p3`")
        );
        let p = Params {
            start_times: vec![Time::ZERO; 3],
            proposers: 2,
            ..Params::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .starts_with("paxos.start_times has 3 entries")
        );
        assert!(Params::default().validate().is_ok());
    }

    // Node names run acceptors, proposers, learners, matching the id layout of Config.
    #[test]
    fn names_match_ids() {
        let p = Params {
            acceptors: 3,
            proposers: 2,
            learners: 1,
            ..Params::default()
        };
        assert_eq!(p.names(), ["a1", "a2", "a3", "p1", "p2", "l1"]);
        let c = Config::new(&p);
        assert_eq!(c.proposer_id(2), NodeId(4));
        assert_eq!(c.learner_ids().collect::<Vec<_>>(), [NodeId(5)]);
    }
}
