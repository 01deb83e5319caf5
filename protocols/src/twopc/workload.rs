//! The client workload, drawn once per run from the seed's `twopc/workload` stream: when each
//! transaction starts and which participants vote NO on it.
//!
//! A vote is a property of the (transaction, participant) pair (think of a constraint check
//! the participant's work fails), not a fresh coin flip at each PREPARE, so a participant that
//! forgets a NO after a crash votes NO again, as a real one that lost the work would.

use sim::{Stream, Time};

use super::Params;

/// Start times and votes of every transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Start time of item `k` (coordinator's local clock).
    pub starts: Vec<Time>,
    /// `no[k][i]`: participant `i` (0-based) votes NO on item `k`.
    pub no: Vec<Vec<bool>>,
}

impl Workload {
    /// Draws the workload of `p` for root seed `seed`.
    pub fn generate(p: &Params, seed: u64) -> Workload {
        let mut s = Stream::new(seed, "twopc/workload");
        let n = p.participants as usize;
        let starts = (0..p.transactions as u64)
            .map(|k| p.start + Time(p.interval.0 * k))
            .collect();
        let no = (0..p.transactions)
            .map(|_| (0..n).map(|i| s.bernoulli(p.no_vote.of(i))).collect())
            .collect();
        Workload { starts, no }
    }

    /// True if participant `i` votes YES on transaction `seq` (1-based).
    pub fn yes(&self, seq: u32, i: usize) -> bool {
        !self.no[seq as usize - 1][i]
    }
}
