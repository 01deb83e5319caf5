//! Classic Multi-Paxos mistakes, as switches ([`Bug`]) a scenario turns on with
//! `multipaxos.bugs = [...]`, and [`Bugs`], the same set as flags. Every switch is caught by
//! a checker in `tests/multipaxos.rs` (its scripted schedule, and a random campaign where
//! the bug can fire at random).

use serde::{Deserialize, Serialize};

/// Mistakes that can be switched on (snake_case names in scenario files).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// A new leader runs phase 1 but recovers only the slots it knew of itself (up to its
    /// own highest accepted slot); above them it proposes new commands at once, over values
    /// that may already be chosen.
    SkipPhase1,
    /// A replica applies past a slot it has not learned (a gap) as if it held a no-op,
    /// instead of waiting for the chosen value (or a leader's no-op) to fill it.
    SkipGaps,
    /// A replica applies each slot as soon as it learns it is chosen, in the order the
    /// decisions arrive, not in slot order.
    ApplyOutOfOrder,
    /// The state machine has no session table: a retried command chosen in two slots
    /// executes twice, and a retry of an applied command is proposed again.
    NoSessionDedup,
    /// The leader answers reads from its own state machine without holding a lease: a
    /// deposed leader that does not know it yet serves stale values.
    LocalReads,
    /// An acceptor keeps its promise in memory only: restarted, it accepts a lower ballot
    /// it had promised to ignore.
    PromiseNotPersisted,
    /// A new leader re-proposes, per slot, the value accepted in the *lowest* ballot its
    /// promises report instead of the highest.
    AdoptLowestBallot,
}

impl Bug {
    /// Every switch, in declaration order.
    pub const ALL: [Bug; 7] = [
        Bug::SkipPhase1,
        Bug::SkipGaps,
        Bug::ApplyOutOfOrder,
        Bug::NoSessionDedup,
        Bug::LocalReads,
        Bug::PromiseNotPersisted,
        Bug::AdoptLowestBallot,
    ];

    /// The snake_case name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Bug::SkipPhase1 => "skip_phase1",
            Bug::SkipGaps => "skip_gaps",
            Bug::ApplyOutOfOrder => "apply_out_of_order",
            Bug::NoSessionDedup => "no_session_dedup",
            Bug::LocalReads => "local_reads",
            Bug::PromiseNotPersisted => "promise_not_persisted",
            Bug::AdoptLowestBallot => "adopt_lowest_ballot",
        }
    }
}

/// The switched-on bugs as flags (tested on every message, so plain bools).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)] // one flag per `Bug` variant, named alike
pub struct Bugs {
    pub skip_phase1: bool,
    pub skip_gaps: bool,
    pub apply_out_of_order: bool,
    pub no_session_dedup: bool,
    pub local_reads: bool,
    pub promise_not_persisted: bool,
    pub adopt_lowest_ballot: bool,
}

impl Bugs {
    /// Flags for a list of switches.
    pub fn from_list(list: &[Bug]) -> Bugs {
        let mut b = Bugs::default();
        for bug in list {
            match bug {
                Bug::SkipPhase1 => b.skip_phase1 = true,
                Bug::SkipGaps => b.skip_gaps = true,
                Bug::ApplyOutOfOrder => b.apply_out_of_order = true,
                Bug::NoSessionDedup => b.no_session_dedup = true,
                Bug::LocalReads => b.local_reads = true,
                Bug::PromiseNotPersisted => b.promise_not_persisted = true,
                Bug::AdoptLowestBallot => b.adopt_lowest_ballot = true,
            }
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every switch's name() is how serde spells it in a scenario file.
    #[test]
    fn names_match_serde() {
        for b in Bug::ALL {
            let json = serde_json::to_string(&b).unwrap();
            assert_eq!(json, format!("\"{}\"", b.name()));
        }
    }
}
