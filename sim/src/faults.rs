//! Faults as data: a timed script ([`FaultStep`]) of every fault kind, and random faults with
//! per-kind rates, a minimum time in each state and budgets, so that a failure means a real
//! bug and not an impossible world. Node references are names, resolved when the world is
//! built (an unknown name is a build error, never a silent no-op).

use serde::{Deserialize, Serialize};

use crate::network::{LinkConfig, Rule};
use crate::time::Time;

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
