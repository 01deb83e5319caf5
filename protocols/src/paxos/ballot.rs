//! Ballots, values and votes: the small ordered facts every Paxos role exchanges.
//!
//! A ballot is `(round, proposer)`, compared round first, so two proposers never share a
//! ballot (unless [`super::Bug::NonUniqueBallots`] drops the proposer from it). A value is the
//! client value of one proposer: value `k` is `v-pk`, proposed by proposer `pk`.

use std::fmt;

/// A ballot number `(round, proposer)`; ordered lexicographically. [`Ballot::ZERO`] is
/// "no ballot yet" and is below every ballot a proposer uses (rounds start at 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ballot {
    /// Round, >= 1 for a real ballot.
    pub round: u32,
    /// Proposer number (1-based), the tie-breaker that makes ballots unique.
    pub proposer: u32,
}

impl Ballot {
    /// Below every real ballot.
    pub const ZERO: Ballot = Ballot {
        round: 0,
        proposer: 0,
    };

    /// Ballot `(round, proposer)`.
    pub const fn new(round: u32, proposer: u32) -> Ballot {
        Ballot { round, proposer }
    }
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.proposer == 0 {
            // Bug `non_unique_ballots`: the round alone.
            write!(f, "({})", self.round)
        } else {
            write!(f, "({},p{})", self.round, self.proposer)
        }
    }
}

/// A client value: `Value(k)` is `v-pk`, the value proposer `pk`'s client asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Value(pub u32);

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v-p{}", self.0)
    }
}

/// A proposal an acceptor accepted: value `value` in ballot `ballot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Vote {
    /// The ballot it was accepted in.
    pub ballot: Ballot,
    /// The value.
    pub value: Value,
}

impl fmt::Display for Vote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.ballot, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Ballots order by round first, then proposer; ZERO is below every real ballot.
    #[test]
    fn ballots_order_round_first() {
        assert!(Ballot::new(1, 2) > Ballot::new(1, 1));
        assert!(Ballot::new(2, 1) > Ballot::new(1, 9));
        assert!(Ballot::ZERO < Ballot::new(1, 0));
        assert_eq!(Ballot::new(3, 1).to_string(), "(3,p1)");
        assert_eq!(Value(2).to_string(), "v-p2");
    }
}
