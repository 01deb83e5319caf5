//! Classic two-phase-commit mistakes that can be switched on (`twopc.bugs = [...]`), each
//! caught by a checker in [`super::invariants`] on a scripted scenario and by a random
//! campaign (tests/twopc.rs).

use serde::{Deserialize, Serialize};

/// A bug switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// A prepared participant whose decision is late aborts on its own instead of asking:
    /// it gave up the right to decide when it voted YES (caught by `atomicity`).
    AbortAfterYes,
    /// A participant votes YES without forcing its prepare record, so a crash makes it forget
    /// the transaction it promised to commit (caught by `atomicity`).
    UnforcedPrepare,
    /// On vote timeout the coordinator commits if no NO arrived and at least half the
    /// participants (rounded up) voted YES (caught by `commit_validity` and `atomicity`).
    DecideWithoutAllVotes,
    /// The coordinator sends COMMIT before forcing its commit record (the record waits for
    /// the node's next forced write); a crash in between makes recovery presume abort
    /// (caught by `atomicity`).
    CommitBeforeForce,
    /// A participant that gets a decision for a transaction it is not prepared on (a stale or
    /// duplicated message of an earlier transaction) applies it to the transaction it is
    /// currently prepared on (caught by `atomicity`).
    StaleDecision,
}
