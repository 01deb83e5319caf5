//! Checkers: named properties apart from protocol logic. A checker sees observations (and, if
//! it asks, every trace record) and reports through [`Verdicts`]; the kernel stamps each
//! violation with the time and event index.

use serde::{Deserialize, Serialize};

use crate::actor::{Actor, NodeId};
use crate::time::Time;
use crate::trace::Record;

/// How a property is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyKind {
    /// Safety: must hold after every event. A failure is a safety violation.
    Always,
    /// Liveness: must hold by the deadline (end of the liveness window). A failure, or no
    /// [`Verdicts::hold`] by the end of the run, is a liveness failure.
    Eventually,
    /// Reachability: the run reached an interesting state at least once. Reported, never a
    /// failure.
    Sometimes,
}

/// A named property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    /// Name shown in reports, e.g. `atomicity`.
    pub name: String,
    /// How it is judged.
    pub kind: PropertyKind,
}

impl Property {
    /// A safety property.
    pub fn always(name: &str) -> Property {
        Property {
            name: name.to_string(),
            kind: PropertyKind::Always,
        }
    }
    /// A liveness property with the run's deadline.
    pub fn eventually(name: &str) -> Property {
        Property {
            name: name.to_string(),
            kind: PropertyKind::Eventually,
        }
    }
    /// A reachability property.
    pub fn sometimes(name: &str) -> Property {
        Property {
            name: name.to_string(),
            kind: PropertyKind::Sometimes,
        }
    }
}

/// A property found false.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// Property name.
    pub property: String,
    /// Safety or liveness.
    pub kind: PropertyKind,
    /// True time.
    pub time_ns: u64,
    /// Index of the trace record at which it was found.
    pub event_index: u64,
    /// What went wrong, in words.
    pub detail: String,
}

/// What a checker says during one call.
#[derive(Debug, Default)]
pub struct Verdicts {
    pub(crate) fails: Vec<(String, String)>,
    pub(crate) holds: Vec<String>,
}

impl Verdicts {
    /// Property `name` is violated, with a detail message.
    pub fn fail(&mut self, name: &str, detail: impl Into<String>) {
        self.fails.push((name.to_string(), detail.into()));
    }
    /// An `eventually` property now holds, or a `sometimes` property was reached.
    pub fn hold(&mut self, name: &str) {
        self.holds.push(name.to_string());
    }
}

/// A property checker for actors of type `A`.
pub trait Checker<A: Actor> {
    /// The properties this checker judges.
    fn properties(&self) -> Vec<Property>;
    /// An actor reported a fact.
    fn observe(&mut self, _at: Time, _node: NodeId, _obs: &A::Obs, _v: &mut Verdicts) {}
    /// True if [`Checker::event`] should see every trace record (costs a call per event).
    fn wants_events(&self) -> bool {
        false
    }
    /// A trace record (only if [`Checker::wants_events`]).
    fn event(&mut self, _rec: &Record<'_>, _v: &mut Verdicts) {}
    /// A node crashed, restarted, paused or resumed: `rec.event` is one of
    /// [`crate::Event::Crash`], `Restart`, `Pause`, `Resume`. Always called, whatever
    /// [`Checker::wants_events`] says, and only for these four, so a checker can end its view
    /// of a node's volatile state at the crash without paying a call per trace record. A
    /// restart is reported before the restarted node's `on_start` runs.
    fn node_event(&mut self, _rec: &Record<'_>, _v: &mut Verdicts) {}
    /// The run ended at `end` (the liveness deadline, or quiescence, or a limit).
    fn finish(&mut self, _end: Time, _v: &mut Verdicts) {}
    /// Numbers worth reporting (e.g. blocking time), merged into the run's metrics.
    fn metrics(&self) -> Vec<(String, f64)> {
        Vec::new()
    }
    /// Distributions worth charting, by name, every value once (e.g. each transaction's
    /// latency). Read once at the end of the run, like [`Checker::metrics`]; kept apart from
    /// the metrics, so they add no summary numbers.
    fn samples(&self) -> Vec<(String, Vec<f64>)> {
        Vec::new()
    }
}
