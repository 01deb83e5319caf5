//! Two-phase commit (Gray 1978; Mohan, Lindsay & Obermarck 1986; Gray & Lamport 2006).
//!
//! Roles ([`TwoPcNode`] is the one actor type; a node holds a coordinator, a participant, or
//! both when the coordinator is co-located with participant `p1`):
//! - the coordinator (transaction manager, node `coord`) runs the client workload itself: a
//!   timer starts transaction `k` at `start + k * interval` (there is no client node). It
//!   sends PREPARE, collects votes (retransmitting PREPARE, aborting on `vote_timeout`),
//!   decides, sends the decision and, where the variant asks for them, collects ACKs;
//! - participants (resource managers, nodes `p1`..`pN`) vote, force a prepare record before a
//!   YES, learn the decision, ask the coordinator when it is late and, with the cooperative
//!   termination protocol on, ask the other participants too.
//!
//! Durable state is a write-ahead [`Log`] per node; forced records are persisted before the
//! handler's messages can matter (a handler is atomic), lazy records ride along with the
//! node's next forced write and are lost by a crash before it. Variants ([`Variant`]):
//! presumed nothing (ACKs for both outcomes), presumed abort (no abort ACKs, no coordinator
//! abort record), presumed commit (forced collecting record, no commit ACKs). Transaction ids
//! are `(coordinator incarnation, workload index)`, so they are never reused across restarts.
//!
//! Checkers ([`invariants`]): `atomicity`, `commit_validity` (always), `termination`
//! (eventually) and `blocking` (sometimes); they also measure latencies and blocking time.
//! Bug switches: [`Bug`].

mod bugs;
mod coordinator;
#[cfg(test)]
mod handler_tests;
pub mod invariants;
mod log;
mod message;
mod node;
mod participant;
pub mod plugin;
mod workload;

pub use bugs::Bug;
pub use invariants::TwoPcChecker;
pub use log::{CoordRecord, DurableLog, Log, PartRecord};
pub use message::{Msg, TxnId};
pub use node::{Config, Obs, Timer, TwoPcNode};
pub use plugin::{TwoPc, per_txn_metrics, setup};
pub use workload::Workload;

use serde::{Deserialize, Serialize};
use sim::Time;
use sim::time::MAX_DURATION;

/// Which presumption the protocol uses (Mohan, Lindsay & Obermarck 1986).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// Textbook 2PC: forced decision records and ACKs for both outcomes.
    #[default]
    PresumedNothing,
    /// No information means abort: aborts are neither logged by the coordinator nor ACKed.
    PresumedAbort,
    /// No information means commit: a forced collecting record first; commits are not ACKed.
    PresumedCommit,
}

impl Variant {
    /// True if participants ACK a decision of this outcome (and the coordinator waits).
    pub fn acks(self, commit: bool) -> bool {
        match self {
            Variant::PresumedNothing => true,
            Variant::PresumedAbort => commit,
            Variant::PresumedCommit => !commit,
        }
    }
}

/// NO-vote probability: one value for every participant, or one per participant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NoVote {
    /// The same probability for every participant.
    All(f64),
    /// One probability per participant, `p1` first.
    Each(Vec<f64>),
}

impl Default for NoVote {
    fn default() -> Self {
        NoVote::All(0.0)
    }
}

impl NoVote {
    /// The probability for participant `i` (0-based).
    pub fn of(&self, i: usize) -> f64 {
        match self {
            NoVote::All(p) => *p,
            NoVote::Each(v) => v[i],
        }
    }
}

/// Parameters (`[twopc]` in scenario files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Number of participants N (1..=64).
    pub participants: u32,
    /// Transactions the workload starts (1..=1_000_000).
    pub transactions: u32,
    /// Start time of the first transaction (coordinator's local clock).
    pub start: Time,
    /// Time between transaction starts.
    pub interval: Time,
    /// Probability that a participant votes NO: a number, or a list with one per participant.
    pub no_vote: NoVote,
    /// Presumption variant.
    pub variant: Variant,
    /// Co-locate the coordinator with participant `p1` (no `coord` node; local messages are
    /// not sent over the network).
    pub colocated: bool,
    /// The coordinator aborts a transaction whose votes are not all in after this long.
    pub vote_timeout: Time,
    /// A prepared participant first asks for the decision after this long.
    pub decision_timeout: Time,
    /// Interval of every retransmission: PREPARE, decisions awaiting ACKs, inquiries.
    pub retransmit: Time,
    /// Cooperative termination: a prepared participant that times out also asks the others.
    pub termination: bool,
    /// Switched-on bugs.
    pub bugs: Vec<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            participants: 3,
            transactions: 1,
            start: Time::ZERO,
            interval: Time::from_millis(10),
            no_vote: NoVote::default(),
            variant: Variant::default(),
            colocated: false,
            vote_timeout: Time::from_millis(100),
            decision_timeout: Time::from_millis(100),
            retransmit: Time::from_millis(50),
            termination: true,
            bugs: Vec::new(),
        }
    }
}

impl Params {
    /// Checks ranges; the message names the field, the bad value and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=64).contains(&self.participants) {
            return Err(format!(
                "twopc.participants must be in 1..=64, got {}",
                self.participants
            ));
        }
        if !(1..=1_000_000).contains(&self.transactions) {
            return Err(format!(
                "twopc.transactions must be in 1..=1000000, got {}",
                self.transactions
            ));
        }
        // A derived range: the workload computes every start time up front, and the last one,
        // start + interval x (transactions - 1), must be a time (it overflowed u64 before).
        let last = u128::from(self.start.0)
            + u128::from(self.interval.0) * u128::from(self.transactions - 1);
        if last > u128::from(MAX_DURATION.0) {
            return Err(format!(
                "twopc.start + twopc.interval x (twopc.transactions - 1), the last transaction's \
                 start, must be at most 146 years (2^62 ns), got {} + {} x {}",
                self.start,
                self.interval,
                self.transactions - 1
            ));
        }
        let prob = |p: f64, what: &str| -> Result<(), String> {
            if (0.0..=1.0).contains(&p) {
                Ok(())
            } else {
                Err(format!("{what} must be a probability in [0, 1], got {p}"))
            }
        };
        match &self.no_vote {
            NoVote::All(p) => prob(*p, "twopc.no_vote")?,
            NoVote::Each(v) => {
                if v.len() != self.participants as usize {
                    return Err(format!(
                        "twopc.no_vote must be one number or a list of twopc.participants ({}) numbers, got a list of {}",
                        self.participants,
                        v.len()
                    ));
                }
                for (i, p) in v.iter().enumerate() {
                    prob(*p, &format!("twopc.no_vote[{i}]"))?;
                }
            }
        }
        for (name, t) in [
            ("vote_timeout", self.vote_timeout),
            ("decision_timeout", self.decision_timeout),
            ("retransmit", self.retransmit),
        ] {
            if t == Time::ZERO {
                return Err(format!("twopc.{name} must be > 0, got 0"));
            }
        }
        Ok(())
    }

    /// Node names in node-id order: `coord`, `p1`..`pN`; or `p1`..`pN` when co-located
    /// (then `p1` also hosts the coordinator).
    pub fn names(&self) -> Vec<String> {
        let mut v = Vec::new();
        if !self.colocated {
            v.push("coord".to_string());
        }
        v.extend((1..=self.participants).map(|i| format!("p{i}")));
        v
    }

    /// True if `bug` is switched on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }

    /// The analytic commit probability with independent NO votes: the product of `1 - p_i`.
    pub fn commit_probability(&self) -> f64 {
        (0..self.participants as usize)
            .map(|i| 1.0 - self.no_vote.of(i))
            .product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::{LinkConfig, TimeDist, WorldBuilder};

    fn world(p: &Params, seed: u64) -> sim::World<TwoPcNode> {
        let mut b = WorldBuilder::<TwoPcNode>::new(seed);
        setup(&mut b, p, seed);
        b.default_link(LinkConfig {
            latency: TimeDist::Const(Time::from_millis(10)),
            ..LinkConfig::default()
        });
        b.end(Time::from_secs(1));
        b.build().expect("valid world")
    }

    // Shows: the node names, the co-located layout and the analytic commit probability.
    #[test]
    fn names_and_commit_probability() {
        let mut p = Params {
            participants: 2,
            ..Params::default()
        };
        assert_eq!(p.names(), ["coord", "p1", "p2"]);
        p.colocated = true;
        assert_eq!(p.names(), ["p1", "p2"]);
        p.no_vote = NoVote::Each(vec![0.1, 0.5]);
        assert!((p.commit_probability() - 0.45).abs() < 1e-12);
        assert!(p.validate().is_ok());
        p.no_vote = NoVote::Each(vec![0.1]);
        assert!(p.validate().unwrap_err().contains("list of 1"));
    }

    // Shows: what each variant leaves in the logs after one committed transaction. End
    // records are lazy, so the coordinator's in-memory log forgets an ACKed transaction while
    // its durable log still holds the forced commit record; presumed commit keeps its commit
    // record; participants' commit records are lazy (in memory only) under presumed commit.
    /// The last transaction's start must be a time: a derived range over three fields.
    #[test]
    fn the_last_start_must_fit_in_simulated_time() {
        let p = Params {
            transactions: 5,
            interval: Time::from_secs(3_600_000_000),
            ..Params::default()
        };
        let e = p.validate().unwrap_err();
        assert!(
            e.contains("twopc.start + twopc.interval x (twopc.transactions - 1)"),
            "{e}"
        );
        let ok = Params {
            transactions: 1_000_000,
            interval: Time::from_secs(4_000),
            ..Params::default()
        };
        assert_eq!(ok.validate(), Ok(()));
    }

    #[test]
    fn logs_after_a_commit_follow_the_variant() {
        let t = TxnId { inc: 1, seq: 1 };
        for variant in [
            Variant::PresumedNothing,
            Variant::PresumedAbort,
            Variant::PresumedCommit,
        ] {
            let p = Params {
                participants: 2,
                variant,
                ..Params::default()
            };
            let mut w = world(&p, 1);
            let r = w.run();
            assert_eq!(r.outcome(), "ok", "{variant:?}: {:?}", r.violations);
            let coord = w.node_id("coord").unwrap();
            let p1 = w.node_id("p1").unwrap();
            let mem = w.actor(coord).unwrap().log();
            let pc = variant == Variant::PresumedCommit;
            assert_eq!(
                mem.coord().get(&t),
                pc.then_some(&CoordRecord::Commit),
                "{variant:?}"
            );
            assert_eq!(
                w.durable(coord).replay().coord().get(&t),
                Some(&CoordRecord::Commit),
                "{variant:?}"
            );
            assert_eq!(
                w.actor(p1).unwrap().log().part().get(&t),
                Some(&PartRecord::Committed)
            );
            let durable = if pc {
                PartRecord::Prepared
            } else {
                PartRecord::Committed
            };
            assert_eq!(
                w.durable(p1).replay().part().get(&t),
                Some(&durable),
                "{variant:?}"
            );
        }
    }
}
