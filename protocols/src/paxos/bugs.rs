//! The classic Paxos mistakes, as switches ([`Bug`]) a scenario turns on with
//! `paxos.bugs = [...]`, and [`Bugs`], the same set as flags the roles test cheaply.
//! Every switch is caught by a checker in `tests/paxos.rs` (scripted schedule and, where the
//! bug does not need one, a random campaign).

use serde::{Deserialize, Serialize};

/// Classic mistakes that can be switched on (snake_case names in scenario files).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// Proposer ignores the accepted values reported in promises and always proposes its own.
    IgnorePromisedValues,
    /// Acceptor keeps promise and accepted value only in memory: a restart forgets both.
    VolatileAcceptor,
    /// Acceptor does not persist a promise (only accepted proposals): a restart forgets it.
    PromiseNotPersisted,
    /// Acceptor accepts a ballot lower than the one it promised.
    AcceptBelowPromise,
    /// Quorum of floor(n/2) acceptors (proposers and learners).
    QuorumFloorHalf,
    /// Quorum of ceil(n/2) acceptors: a real majority for odd n, too small for even n.
    QuorumCeilHalf,
    /// Ballots are the round alone (not unique across proposers) and acceptors re-promise an
    /// equal ballot (promise iff b >= maxBal).
    NonUniqueBallots,
    /// A restarted proposer reuses its last ballot instead of a fresh one, so promises for
    /// that ballot still in the network (delayed or duplicated) count for the new attempt.
    BallotReuseAfterRestart,
    /// Proposer adopts the value of the lowest-ballot accepted proposal among the promises.
    AdoptLowestValue,
    /// Proposer adopts the value of the first promise that reports one.
    AdoptFirstValue,
    /// Proposer counts promise messages, not distinct acceptors: a duplicate counts twice.
    CountDuplicatePromises,
    /// Learner counts acceptors that accepted a value in any ballot, not in one ballot.
    LearnerMixesBallots,
}

impl Bug {
    /// Every switch, in declaration order.
    pub const ALL: [Bug; 12] = [
        Bug::IgnorePromisedValues,
        Bug::VolatileAcceptor,
        Bug::PromiseNotPersisted,
        Bug::AcceptBelowPromise,
        Bug::QuorumFloorHalf,
        Bug::QuorumCeilHalf,
        Bug::NonUniqueBallots,
        Bug::BallotReuseAfterRestart,
        Bug::AdoptLowestValue,
        Bug::AdoptFirstValue,
        Bug::CountDuplicatePromises,
        Bug::LearnerMixesBallots,
    ];

    /// The snake_case name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Bug::IgnorePromisedValues => "ignore_promised_values",
            Bug::VolatileAcceptor => "volatile_acceptor",
            Bug::PromiseNotPersisted => "promise_not_persisted",
            Bug::AcceptBelowPromise => "accept_below_promise",
            Bug::QuorumFloorHalf => "quorum_floor_half",
            Bug::QuorumCeilHalf => "quorum_ceil_half",
            Bug::NonUniqueBallots => "non_unique_ballots",
            Bug::BallotReuseAfterRestart => "ballot_reuse_after_restart",
            Bug::AdoptLowestValue => "adopt_lowest_value",
            Bug::AdoptFirstValue => "adopt_first_value",
            Bug::CountDuplicatePromises => "count_duplicate_promises",
            Bug::LearnerMixesBallots => "learner_mixes_ballots",
        }
    }
}

/// The switched-on bugs as flags (tested on every message, so plain bools).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)] // one flag per `Bug` variant, named alike
pub struct Bugs {
    pub ignore_promised_values: bool,
    pub volatile_acceptor: bool,
    pub promise_not_persisted: bool,
    pub accept_below_promise: bool,
    pub quorum_floor_half: bool,
    pub quorum_ceil_half: bool,
    pub non_unique_ballots: bool,
    pub ballot_reuse_after_restart: bool,
    pub adopt_lowest_value: bool,
    pub adopt_first_value: bool,
    pub count_duplicate_promises: bool,
    pub learner_mixes_ballots: bool,
}

impl Bugs {
    /// Flags for a list of switches.
    pub fn from_list(list: &[Bug]) -> Bugs {
        let mut b = Bugs::default();
        for bug in list {
            match bug {
                Bug::IgnorePromisedValues => b.ignore_promised_values = true,
                Bug::VolatileAcceptor => b.volatile_acceptor = true,
                Bug::PromiseNotPersisted => b.promise_not_persisted = true,
                Bug::AcceptBelowPromise => b.accept_below_promise = true,
                Bug::QuorumFloorHalf => b.quorum_floor_half = true,
                Bug::QuorumCeilHalf => b.quorum_ceil_half = true,
                Bug::NonUniqueBallots => b.non_unique_ballots = true,
                Bug::BallotReuseAfterRestart => b.ballot_reuse_after_restart = true,
                Bug::AdoptLowestValue => b.adopt_lowest_value = true,
                Bug::AdoptFirstValue => b.adopt_first_value = true,
                Bug::CountDuplicatePromises => b.count_duplicate_promises = true,
                Bug::LearnerMixesBallots => b.learner_mixes_ballots = true,
            }
        }
        b
    }

    /// The quorum size proposers and learners use with `n` acceptors: a majority,
    /// floor(n/2)+1, unless a quorum bug shrinks it (never below 1).
    pub fn quorum(&self, n: u32) -> u32 {
        let q = if self.quorum_floor_half {
            n / 2
        } else if self.quorum_ceil_half {
            n.div_ceil(2)
        } else {
            n / 2 + 1
        };
        q.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Quorum sizes: majority by default; floor(n/2) and ceil(n/2) when switched on.
    #[test]
    fn quorum_sizes() {
        let ok = Bugs::default();
        assert_eq!([1, 2, 3, 4, 5].map(|n| ok.quorum(n)), [1, 2, 2, 3, 3]);
        let floor = Bugs::from_list(&[Bug::QuorumFloorHalf]);
        assert_eq!([1, 2, 3, 4, 5].map(|n| floor.quorum(n)), [1, 1, 1, 2, 2]);
        let ceil = Bugs::from_list(&[Bug::QuorumCeilHalf]);
        assert_eq!([1, 2, 3, 4, 5].map(|n| ceil.quorum(n)), [1, 1, 2, 2, 3]);
    }

    // Every switch's name() is its variant name in snake_case, as serde spells it
    // (`rename_all = "snake_case"`); tests/paxos.rs loads each name from a scenario file.
    #[test]
    fn names_match_serde() {
        for b in Bug::ALL {
            let s = snake_case_of_debug(b);
            assert_eq!(s, b.name());
        }
    }

    fn snake_case_of_debug(b: Bug) -> String {
        // The protocols crate has no JSON dependency; Debug in snake_case equals the serde
        // name for these unit variants.
        let d = format!("{b:?}");
        let mut out = String::new();
        for (i, c) in d.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}
