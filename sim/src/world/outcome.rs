//! How a run ended: why it stopped ([`Stop`]), what it produced ([`RunResult`]), and the
//! verdict ([`Outcome`]).

use std::collections::BTreeMap;

use crate::checker::{PropertyKind, Violation};
use crate::time::Time;
use crate::trace::Digest;

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The next event was past the end time (or the liveness deadline).
    TimeLimit,
    /// The event budget ran out.
    EventBudget,
    /// Nothing was left to happen.
    Quiescent,
    /// A safety property failed and the world was told to stop at the first violation.
    Violation,
    /// More timers and delayed messages were pending at once than the world allows
    /// ([`crate::WorldBuilder::max_pending`]): the run is cut short and its results are not valid.
    /// Usually a timer or retransmission interval far shorter than the network latency.
    Overloaded,
    /// The caller's interrupt check ([`crate::WorldBuilder::interrupt`]) asked to stop: a wall-clock
    /// limit or Ctrl-C. The run is cut short and its results are not valid.
    Interrupted,
}

impl Stop {
    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stop::TimeLimit => "time_limit",
            Stop::EventBudget => "event_budget",
            Stop::Quiescent => "quiescent",
            Stop::Violation => "violation",
            Stop::Overloaded => "overloaded",
            Stop::Interrupted => "interrupted",
        }
    }
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Why it stopped.
    pub stop: Stop,
    /// True time at the end.
    pub end: Time,
    /// Trace records emitted.
    pub events: u64,
    /// Queue entries processed (deliveries, timers, faults).
    pub kernel_events: u64,
    /// Transmissions (duplicates count as one more).
    pub sent: u64,
    /// Messages handed to a handler.
    pub delivered: u64,
    /// Messages lost (loss, partition, crashed destination, rule).
    pub dropped: u64,
    /// Messages still travelling or held at a paused node.
    pub in_flight: u64,
    /// Violations in the order found.
    pub violations: Vec<Violation>,
    /// `sometimes` properties reached, and those never reached.
    pub reached: BTreeMap<String, bool>,
    /// The trace digest.
    pub digest: Digest,
    /// The sink's first write error, if any (the run itself is unaffected).
    pub trace_error: Option<String>,
}

impl RunResult {
    /// What the run's violations add up to: a safety violation outweighs a liveness failure.
    pub fn outcome(&self) -> Outcome {
        Outcome::of(&self.violations)
    }
}

/// The verdict on a run. Its stable name ([`Outcome::as_str`]) is what reports and exit
/// codes use; it also compares equal to that name (`r.outcome() == "ok"`), as the plain
/// strings it replaces did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// No property failed.
    Ok,
    /// An `always` property failed.
    SafetyViolation,
    /// No `always` property failed, but an `eventually` property did.
    LivenessFailure,
}

impl Outcome {
    /// The outcome of a run that found `violations`.
    pub fn of(violations: &[Violation]) -> Outcome {
        if violations.iter().any(|v| v.kind == PropertyKind::Always) {
            Outcome::SafetyViolation
        } else if violations
            .iter()
            .any(|v| v.kind == PropertyKind::Eventually)
        {
            Outcome::LivenessFailure
        } else {
            Outcome::Ok
        }
    }
    /// Stable lowercase name: `ok`, `safety_violation` or `liveness_failure`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::SafetyViolation => "safety_violation",
            Outcome::LivenessFailure => "liveness_failure",
        }
    }
    /// True for [`Outcome::Ok`].
    pub fn is_ok(self) -> bool {
        self == Outcome::Ok
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Outcome {
    fn eq(&self, name: &str) -> bool {
        self.as_str() == name
    }
}

impl PartialEq<&str> for Outcome {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
