//! The classic Raft mistakes, as switches ([`Bug`]) a scenario turns on with
//! `raft.bugs = [...]`, and [`Bugs`], the same set as flags the server tests cheaply.
//! Every switch is caught by a checker in `tests/raft.rs` (its scripted schedule, and a
//! random campaign where the bug can fire at random).

use serde::{Deserialize, Serialize};

/// Classic mistakes that can be switched on (snake_case names in scenario files).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// The leader commits an entry of an earlier term once a majority stores it (the paper's
    /// Figure 8), instead of only counting replicas of entries of its own term.
    CommitEarlierTerm,
    /// votedFor is kept in memory only: a restarted server votes again in the same term.
    VotedForNotPersisted,
    /// currentTerm is kept in memory only: a restarted server starts again from term 0, forgets
    /// that its vote belonged to a term it has seen, and votes again in it.
    TermNotPersisted,
    /// A vote is granted without the up-to-date check on the candidate's log.
    VoteWithoutLogCheck,
    /// "Up to date" is decided by log length alone, not by the last entry's term first.
    UpToDateByLength,
    /// A follower truncates its log after `prevLogIndex` on every AppendEntries, even when the
    /// entries that follow agree: a reordered, stale AppendEntries deletes committed entries.
    TruncateOnEveryAppend,
    /// The leader answers reads from its own state machine at once, without ReadIndex or a
    /// lease: a deposed leader that does not know it yet serves stale values.
    LocalReads,
    /// A leader appends a configuration before it has committed an entry of its own term
    /// (Ongaro's 2015 single-server membership bug): with a configuration of an earlier
    /// leader still uncommitted in some logs, two disjoint majorities can decide.
    ConfigBeforeOwnTermCommit,
}

impl Bug {
    /// Every switch, in declaration order.
    pub const ALL: [Bug; 8] = [
        Bug::CommitEarlierTerm,
        Bug::VotedForNotPersisted,
        Bug::TermNotPersisted,
        Bug::VoteWithoutLogCheck,
        Bug::UpToDateByLength,
        Bug::TruncateOnEveryAppend,
        Bug::LocalReads,
        Bug::ConfigBeforeOwnTermCommit,
    ];

    /// The snake_case name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Bug::CommitEarlierTerm => "commit_earlier_term",
            Bug::VotedForNotPersisted => "voted_for_not_persisted",
            Bug::TermNotPersisted => "term_not_persisted",
            Bug::VoteWithoutLogCheck => "vote_without_log_check",
            Bug::UpToDateByLength => "up_to_date_by_length",
            Bug::TruncateOnEveryAppend => "truncate_on_every_append",
            Bug::LocalReads => "local_reads",
            Bug::ConfigBeforeOwnTermCommit => "config_before_own_term_commit",
        }
    }
}

/// The switched-on bugs as flags (tested on every message, so plain bools).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)] // one flag per `Bug` variant, named alike
pub struct Bugs {
    pub commit_earlier_term: bool,
    pub voted_for_not_persisted: bool,
    pub term_not_persisted: bool,
    pub vote_without_log_check: bool,
    pub up_to_date_by_length: bool,
    pub truncate_on_every_append: bool,
    pub local_reads: bool,
    pub config_before_own_term_commit: bool,
}

impl Bugs {
    /// Flags for a list of switches.
    pub fn from_list(list: &[Bug]) -> Bugs {
        let mut b = Bugs::default();
        for bug in list {
            match bug {
                Bug::CommitEarlierTerm => b.commit_earlier_term = true,
                Bug::VotedForNotPersisted => b.voted_for_not_persisted = true,
                Bug::TermNotPersisted => b.term_not_persisted = true,
                Bug::VoteWithoutLogCheck => b.vote_without_log_check = true,
                Bug::UpToDateByLength => b.up_to_date_by_length = true,
                Bug::TruncateOnEveryAppend => b.truncate_on_every_append = true,
                Bug::LocalReads => b.local_reads = true,
                Bug::ConfigBeforeOwnTermCommit => b.config_before_own_term_commit = true,
            }
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every switch's name() is its variant name in snake_case, as serde spells it.
    #[test]
    fn names_match_serde() {
        for b in Bug::ALL {
            let d = format!("{b:?}");
            let mut s = String::new();
            for (i, c) in d.chars().enumerate() {
                if c.is_ascii_uppercase() {
                    if i > 0 {
                        s.push('_');
                    }
                    s.push(c.to_ascii_lowercase());
                } else {
                    s.push(c);
                }
            }
            assert_eq!(s, b.name());
        }
    }
}
