//! The scenario spec: what a TOML (or JSON) scenario file holds. Every struct denies unknown
//! fields and every enum is externally tagged, so an error points at the bad value. The
//! protocol's own table is typed by the protocol ([`super::Protocol::Params`]) and held here
//! behind [`Params`]; [`super::parse`] reads a whole spec.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use sim::{FaultStep, LinkConfig, Phases, RandomFaults, Time, TimeDist};

use super::protocol::{DynProtocol, Params};
use super::swarm::SwarmBounds;

/// What a scenario demonstrates; `simlab test` checks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// No violation.
    #[default]
    Ok,
    /// At least one safety violation (a bug scenario).
    SafetyViolation,
    /// A liveness failure and no safety violation.
    LivenessFailure,
}

impl Expect {
    /// Stable name, equal to the run outcome it expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Ok => "ok",
            Expect::SafetyViolation => "safety_violation",
            Expect::LivenessFailure => "liveness_failure",
        }
    }
}

/// An expected metric value, checked by `simlab test` on every run it makes: `value` within
/// `tol` (absolute; default 0, exact), and/or inside `[min, max]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricExpect {
    /// The expected value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Allowed absolute difference from `value` (>= 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tol: f64,
    /// Smallest allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl MetricExpect {
    /// Checks the expectation's own ranges (`name` is the metric, for the message).
    pub fn validate(&self, name: &str) -> Result<(), String> {
        let f = format!("expect_metrics.{name}");
        let finite = |v: Option<f64>, k: &str| match v {
            Some(x) if !x.is_finite() => Err(format!("{f}.{k}: must be a finite number, got {x}")),
            _ => Ok(()),
        };
        finite(self.value, "value")?;
        finite(self.min, "min")?;
        finite(self.max, "max")?;
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(format!("{f}.tol: must be >= 0, got {}", self.tol));
        }
        if self.value.is_none() && self.min.is_none() && self.max.is_none() {
            return Err(format!(
                "{f}: give `value` (with `tol`), `min`, `max`, or both bounds"
            ));
        }
        if self.value.is_none() && self.tol != 0.0 {
            return Err(format!("{f}.tol: needs `value`"));
        }
        if let (Some(a), Some(b)) = (self.min, self.max)
            && a > b
        {
            return Err(format!("{f}: min {a} is above max {b}"));
        }
        Ok(())
    }

    /// `None` if `got` meets the expectation, else what was expected.
    pub fn miss(&self, got: f64) -> Option<String> {
        let mut want = Vec::new();
        let mut ok = true;
        if let Some(v) = self.value {
            ok &= (got - v).abs() <= self.tol;
            want.push(if self.tol == 0.0 {
                format!("{v}")
            } else {
                format!("{v} ± {}", self.tol)
            });
        }
        if let Some(m) = self.min {
            ok &= got >= m;
            want.push(format!(">= {m}"));
        }
        if let Some(m) = self.max {
            ok &= got <= m;
            want.push(format!("<= {m}"));
        }
        (!ok).then(|| want.join(", "))
    }
}

/// A per-link override: `from -> to` (both directions unless `one_way`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// Sender node name (absent: every node).
    #[serde(default)]
    pub from: Option<String>,
    /// Destination node name (absent: every node).
    #[serde(default)]
    pub to: Option<String>,
    /// Only `from -> to`.
    #[serde(default)]
    pub one_way: bool,
    /// Link behaviour.
    pub link: LinkConfig,
}

/// Network defaults plus overrides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// One-way delay of every link without an override.
    #[serde(default = "default_latency")]
    pub latency: TimeDist,
    /// Loss probability in [0, 1).
    #[serde(default)]
    pub loss: f64,
    /// Duplication probability in [0, 1).
    #[serde(default)]
    pub duplicate: f64,
    /// FIFO delivery per link.
    #[serde(default)]
    pub fifo: bool,
    /// Per-link overrides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkSpec>,
}

fn default_latency() -> TimeDist {
    TimeDist::Const(Time::from_millis(1))
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            latency: default_latency(),
            loss: 0.0,
            duplicate: 0.0,
            fifo: false,
            links: Vec::new(),
        }
    }
}

impl NetworkSpec {
    /// The default link as a kernel config.
    pub fn default_link(&self) -> LinkConfig {
        LinkConfig {
            latency: self.latency.clone(),
            loss: self.loss,
            duplicate: self.duplicate,
            fifo: self.fifo,
        }
    }
}

/// End of a run that gives neither `duration` nor `[phases]`.
pub const DEFAULT_DURATION: Time = Time::from_secs(60);

/// A resolved spec's protocol: a reference into the registry the spec was read with.
#[derive(Clone, Copy)]
pub struct Proto(pub &'static dyn DynProtocol);

impl Proto {
    /// The protocol's name: the `protocol = "..."` value and its table's name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl std::ops::Deref for Proto {
    type Target = dyn DynProtocol;
    fn deref(&self) -> &Self::Target {
        self.0
    }
}

impl std::fmt::Debug for Proto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for Proto {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

/// A whole scenario: the settings every protocol shares, and the protocol's own table.
#[derive(Clone, Debug)]
pub struct Spec {
    /// `family/name` for catalog scenarios, the file name otherwise.
    pub name: String,
    /// One line saying what the scenario shows.
    pub description: String,
    /// The protocol to run.
    pub protocol: Proto,
    /// What the scenario demonstrates.
    pub expect: Expect,
    /// Metric values the scenario must reproduce (`[expect_metrics]`), by metric name.
    pub expect_metrics: std::collections::BTreeMap<String, MetricExpect>,
    /// Default seed of `simlab run` (overridden by `--seed`).
    pub seed: u64,
    /// End of the run when there are no phases (default: the runner's own end, else 60 s).
    pub duration: Option<Time>,
    /// Faults until `heal_at`, then heal, then the liveness window.
    pub phases: Option<Phases>,
    /// Event budget (queue entries).
    pub max_events: Option<u64>,
    /// Stop at the first safety violation.
    pub stop_on_violation: bool,
    /// Links.
    pub network: NetworkSpec,
    /// Scripted faults.
    pub faults: Vec<FaultStep>,
    /// Random faults (need phases).
    pub random: Option<RandomFaults>,
    /// Bounds of each seed's fault profile under `--swarm` ([`super::swarm`]).
    pub swarm: Option<SwarmBounds>,
    /// The protocol's table (`[twopc]`, `[paxos]`, ...), typed by the protocol.
    pub params: Params,
}

/// The spec's top-level keys other than the protocol's table, in the order they are written.
pub const COMMON_FIELDS: &[&str] = &[
    "name",
    "description",
    "protocol",
    "expect",
    "expect_metrics",
    "seed",
    "duration",
    "phases",
    "max_events",
    "stop_on_violation",
    "network",
    "faults",
    "random",
    "swarm",
];

impl Serialize for Spec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", &self.name)?;
        m.serialize_entry("description", &self.description)?;
        m.serialize_entry("protocol", self.protocol.name())?;
        m.serialize_entry("expect", &self.expect)?;
        if !self.expect_metrics.is_empty() {
            m.serialize_entry("expect_metrics", &self.expect_metrics)?;
        }
        m.serialize_entry("seed", &self.seed)?;
        if let Some(d) = &self.duration {
            m.serialize_entry("duration", d)?;
        }
        if let Some(p) = &self.phases {
            m.serialize_entry("phases", p)?;
        }
        if let Some(e) = &self.max_events {
            m.serialize_entry("max_events", e)?;
        }
        m.serialize_entry("stop_on_violation", &self.stop_on_violation)?;
        m.serialize_entry("network", &self.network)?;
        if !self.faults.is_empty() {
            m.serialize_entry("faults", &self.faults)?;
        }
        if let Some(r) = &self.random {
            m.serialize_entry("random", r)?;
        }
        if let Some(b) = &self.swarm {
            m.serialize_entry("swarm", b)?;
        }
        m.serialize_entry(self.protocol.name(), &self.params)?;
        m.end()
    }
}

impl Spec {
    /// The protocol's table as its own type, or `None` if this spec runs another protocol.
    pub fn params_of<T: 'static>(&self) -> Option<&T> {
        self.params.downcast_ref::<T>()
    }

    /// Changes the protocol's table in place (tests and tools that build variants of a spec).
    /// Panics if the table is not a `T`; call [`Spec::validate`] afterwards if the change
    /// could leave a range.
    pub fn edit_params<T>(&mut self, edit: impl FnOnce(&mut T))
    where
        T: Clone + Serialize + std::fmt::Debug + Send + Sync + 'static,
    {
        let mut p: T = self
            .params_of::<T>()
            .unwrap_or_else(|| {
                panic!(
                    "spec {}: its table is not a {}",
                    self.name,
                    std::any::type_name::<T>()
                )
            })
            .clone();
        edit(&mut p);
        self.params = Params::new(p);
    }

    /// Checks every range of the shared settings and then the protocol's table. Errors name
    /// the field and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        for (k, e) in &self.expect_metrics {
            e.validate(k)?;
        }
        self.network
            .default_link()
            .validate()
            .map_err(|e| format!("network.{e}"))?;
        for (i, l) in self.network.links.iter().enumerate() {
            l.link
                .validate()
                .map_err(|e| format!("network.links[{i}].link.{e}"))?;
        }
        for (i, f) in self.faults.iter().enumerate() {
            f.action
                .validate()
                .map_err(|e| format!("faults[{i}].{e}"))?;
        }
        if let Some(r) = &self.random {
            r.validate()?;
            if self.phases.is_none() && !r.is_empty() {
                return Err("random faults need [phases] with heal_at and liveness".into());
            }
        }
        if let Some(b) = &self.swarm {
            b.validate(self)?;
        }
        if self.max_events == Some(0) {
            return Err("max_events must be >= 1".into());
        }
        if self.duration == Some(Time::ZERO) {
            return Err("duration must be > 0".into());
        }
        self.protocol.validate(self)
    }
}
