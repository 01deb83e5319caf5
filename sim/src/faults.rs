//! Faults as data: a timed script ([`FaultStep`]) of every fault kind, and random faults with
//! per-kind rates, a minimum time in each state and budgets, so that a failure means a real
//! bug and not an impossible world.
//!
//! Two spellings of one set of faults: [`FaultAction`] names nodes by string, as scenario
//! files do (an unknown name is a build error, never a silent no-op), and [`Fault`] names
//! them by the [`NodeId`] the builder handed out, for Rust code: a test injects one between
//! two steps with [`crate::World::inject`] (or the shorthands [`crate::World::crash`],
//! [`crate::World::partition`], ...), or scripts one with [`crate::WorldBuilder::fault_at`].
//!
//! ```
//! use sim::{Fault, FaultAction, FaultStep, NodeId, Time, TimeDelta};
//!
//! // A scenario file's step: nodes by name.
//! let step: FaultStep = toml::from_str("at = \"1s\"\ncrash = \"n2\"").unwrap();
//! assert_eq!(step.at, Time::from_secs(1));
//! assert_eq!(step.action, FaultAction::Crash("n2".into()));
//! // The same kinds in code: nodes by id, clock steps as signed durations.
//! let back = Fault::ClockStep { node: NodeId(2), delta: -TimeDelta::from_millis(50) };
//! assert!(matches!(back, Fault::ClockStep { delta, .. } if delta.is_negative()));
//! ```

use serde::{Deserialize, Serialize};

use crate::actor::NodeId;
use crate::network::{LinkConfig, Rule};
use crate::time::{Time, TimeDelta};

/// One fault, addressed by [`NodeId`]: what [`FaultAction`] is to a scenario file, for code.
/// The world checks ids and ranges when it applies one and says what is wrong as an
/// [`crate::Error`].
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Crash a node: volatile state and timers are lost, messages to it are dropped.
    Crash(NodeId),
    /// Restart a crashed node from its factory and durable state.
    Restart(NodeId),
    /// Freeze a node (GC pause): deliveries and timers wait; its local clock runs on.
    Pause(NodeId),
    /// Unfreeze a paused node.
    Resume(NodeId),
    /// Cut every link between groups `a` and `b` (both directions unless `one_way`, in which
    /// case only messages from `a` to `b` are cut).
    Partition {
        /// One side.
        a: Vec<NodeId>,
        /// The other side.
        b: Vec<NodeId>,
        /// Cut only a -> b.
        one_way: bool,
    },
    /// Heal every partition.
    Heal,
    /// Jump a node's local clock (a negative delta steps it back).
    ClockStep {
        /// The node.
        node: NodeId,
        /// How far, at most [`crate::time::MAX_DURATION`] either way.
        delta: TimeDelta,
    },
    /// Set a node's clock drift rate, in parts per million (negative: slow).
    Drift {
        /// The node.
        node: NodeId,
        /// Drift rate in ppm, in -999999..=[`MAX_DRIFT_PPM`].
        ppm: i64,
    },
    /// Install a network rule (its `from` and `to` are node names, as in scenario files).
    AddRule(Rule),
    /// Remove a network rule by name.
    RemoveRule(String),
    /// Change the link configuration for messages `from -> to` (both directions unless
    /// `one_way`), or for every link when both are absent.
    SetLink {
        /// Sender (absent: every node).
        from: Option<NodeId>,
        /// Destination (absent: every node).
        to: Option<NodeId>,
        /// Only `from -> to`.
        one_way: bool,
        /// The new link behaviour.
        link: LinkConfig,
    },
}

/// One fault, as written in a scenario file (externally tagged):
/// `{ crash = "p1" }`, `{ partition = { a = ["n1"], b = ["n2", "n3"] } }`, `{ heal = {} }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Crash a node: volatile state and timers are lost, messages to it are dropped.
    Crash(String),
    /// Restart a crashed node from its factory and durable state.
    Restart(String),
    /// Freeze a node (GC pause): deliveries and timers wait; its local clock runs on.
    Pause(String),
    /// Unfreeze a paused node.
    Resume(String),
    /// Cut every link between groups `a` and `b` (both directions unless `one_way`, in which
    /// case only messages from `a` to `b` are cut).
    Partition {
        /// One side.
        a: Vec<String>,
        /// The other side.
        b: Vec<String>,
        /// Cut only a -> b.
        #[serde(default)]
        one_way: bool,
    },
    /// Heal every partition: written `heal = {}`.
    Heal(Everything),
    /// Jump a node's local clock by `delta_ms` milliseconds (negative: backwards).
    ClockStep {
        /// The node.
        node: String,
        /// Signed jump, in milliseconds (fractions allowed).
        delta_ms: f64,
    },
    /// Set a node's clock drift rate, in parts per million (negative: slow).
    Drift {
        /// The node.
        node: String,
        /// Drift rate in ppm, > -1e6.
        ppm: i64,
    },
    /// Install a network rule.
    AddRule(Rule),
    /// Remove a network rule by name.
    RemoveRule(String),
    /// Change the link configuration for messages `from -> to` (both directions unless
    /// `one_way`), or for every link when both are absent.
    SetLink {
        /// Sender (absent: every node).
        #[serde(default)]
        from: Option<String>,
        /// Destination (absent: every node).
        #[serde(default)]
        to: Option<String>,
        /// Only `from -> to`.
        #[serde(default)]
        one_way: bool,
        /// The new link behaviour.
        link: LinkConfig,
    },
}

/// The empty argument of `heal = {}` (a table, so the step round-trips through TOML).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Everything {}

/// A fault at a true time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultStep {
    /// When.
    pub at: Time,
    /// What.
    #[serde(flatten)]
    pub action: FaultAction,
}

/// Rate and durations of one random fault kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRate {
    /// Mean events per second of simulated time across the whole cluster, in (0, 1e6].
    pub rate: f64,
    /// Shortest time in the faulty state.
    pub min: Time,
    /// Longest time in the faulty state (>= min).
    pub max: Time,
}

/// Random faults during the faults phase.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomFaults {
    /// Crash a random node, restart it after a time in `[min, max]`.
    #[serde(default)]
    pub crash: Option<FaultRate>,
    /// Pause a random node, resume it after a time in `[min, max]`.
    #[serde(default)]
    pub pause: Option<FaultRate>,
    /// Split the nodes into two random non-empty sides, heal after a time in `[min, max]`.
    #[serde(default)]
    pub partition: Option<FaultRate>,
    /// Step a random node's clock by a uniform amount in `[-max, max]` (min is ignored).
    #[serde(default)]
    pub clock_step: Option<FaultRate>,
    /// At most this many nodes crashed or paused at once (default: a minority, (n-1)/2).
    #[serde(default)]
    pub max_down: Option<usize>,
    /// A node stays up at least this long after it restarts or resumes.
    #[serde(default)]
    pub min_up: Time,
    /// Nodes eligible for crash, pause and clock faults (default: all).
    #[serde(default)]
    pub nodes: Option<Vec<String>>,
}

/// Highest random fault rate a scenario may ask for, per second of simulated time.
pub const MAX_FAULT_RATE: f64 = 1e6;

/// The largest clock step a scenario may give, in milliseconds either way: the duration
/// bound, 2^62 ns (about 146 years). A local clock is an `i64` of nanoseconds when a timer is
/// set on it, so a step near `i64::MAX` would leave no room for any timer (a step of 1e13 ms
/// used to saturate there and make every timer fire at once, for ever).
pub const MAX_CLOCK_STEP_MS: f64 = crate::time::MAX_DURATION.0 as f64 / 1e6;

/// The fastest drift a scenario may give, in ppm: a clock running twice as fast as true time.
/// (The slowest is just above -1e6 ppm, a clock that still runs.) Faster clocks would reach
/// the end of local time within a run and could overflow its arithmetic.
pub const MAX_DRIFT_PPM: i64 = 1_000_000;

impl FaultAction {
    /// Checks the action's own ranges (node names are checked when the world is built). The
    /// message starts with the field, e.g. `clock_step.delta_ms must be ...`.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            FaultAction::ClockStep { delta_ms, .. }
                if !(delta_ms.is_finite() && delta_ms.abs() <= MAX_CLOCK_STEP_MS) =>
            {
                Err(format!(
                    "clock_step.delta_ms must be a finite number of milliseconds in \
                     [-{MAX_CLOCK_STEP_MS}, {MAX_CLOCK_STEP_MS}] (146 years, 2^62 ns, either \
                     way), got {delta_ms:?}"
                ))
            }
            FaultAction::Drift { ppm, .. } if !(*ppm > -1_000_000 && *ppm <= MAX_DRIFT_PPM) => {
                Err(format!(
                    "drift.ppm must be in -999999..={MAX_DRIFT_PPM} (a clock that still runs, \
                     at most twice as fast as true time), got {ppm}"
                ))
            }
            FaultAction::AddRule(r) if r.nth == Some(0) => Err(format!(
                "add_rule.nth is 1-based: it must be >= 1, got 0 (rule `{}`)",
                r.name
            )),
            FaultAction::SetLink { link, .. } => {
                link.validate().map_err(|e| format!("set_link.link.{e}"))
            }
            _ => Ok(()),
        }
    }
}

impl RandomFaults {
    /// True if no kind is enabled.
    pub fn is_empty(&self) -> bool {
        self.crash.is_none()
            && self.pause.is_none()
            && self.partition.is_none()
            && self.clock_step.is_none()
    }
    /// Checks rates and durations; the message names the field and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        for (name, r) in [
            ("crash", &self.crash),
            ("pause", &self.pause),
            ("partition", &self.partition),
            ("clock_step", &self.clock_step),
        ] {
            if let Some(r) = r {
                // Above a million faults a second the run would do nothing but inject faults
                // (and never finish); no failure model asks for that.
                if !(r.rate > 0.0 && r.rate <= MAX_FAULT_RATE) {
                    return Err(format!(
                        "random.{name}.rate must be in (0, 1e6] faults per second, got {}",
                        r.rate
                    ));
                }
                if r.max < r.min {
                    return Err(format!(
                        "random.{name}.max ({}) must be >= min ({})",
                        r.max, r.min
                    ));
                }
            }
        }
        Ok(())
    }
}

/// When the run heals and how long liveness has after that.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phases {
    /// End of the faults phase: random faults stop; crashed nodes restart, paused nodes
    /// resume, partitions heal and rules are removed.
    pub heal_at: Time,
    /// Time after `heal_at` within which `eventually` properties must hold; the run ends then.
    pub liveness: Time,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(delta_ms: f64) -> FaultAction {
        FaultAction::ClockStep {
            node: "n".into(),
            delta_ms,
        }
    }

    /// Clock steps within the duration bound either way pass; beyond it, or not finite, the
    /// error names the field and the range. Drift is bounded on both sides.
    #[test]
    fn clock_faults_have_derived_ranges() {
        assert!(step(MAX_CLOCK_STEP_MS).validate().is_ok());
        assert!(step(-MAX_CLOCK_STEP_MS).validate().is_ok());
        for bad in [1e13, -1e13, f64::NAN, f64::INFINITY] {
            let e = step(bad).validate().unwrap_err();
            assert!(e.starts_with("clock_step.delta_ms must be"), "{e}");
            assert!(e.contains("146 years"), "{e}");
        }
        let drift = |ppm| FaultAction::Drift {
            node: "n".into(),
            ppm,
        };
        assert!(drift(MAX_DRIFT_PPM).validate().is_ok());
        assert!(drift(-999_999).validate().is_ok());
        for bad in [MAX_DRIFT_PPM + 1, -1_000_000, i64::MAX] {
            let e = drift(bad).validate().unwrap_err();
            assert!(
                e.starts_with("drift.ppm must be in -999999..=1000000"),
                "{e}"
            );
        }
    }
}
