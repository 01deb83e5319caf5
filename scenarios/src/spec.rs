//! The scenario spec: what a TOML (or JSON) scenario file holds. Every struct denies unknown
//! fields and every enum is externally tagged, so an error points at the bad value.

use serde::{Deserialize, Serialize};
use sim::{FaultStep, LinkConfig, Phases, RandomFaults, Time, TimeDist};

/// Which protocol a scenario runs; selects the parameter table that applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// Gossip broadcast, the example protocol (`[gossip]`).
    Gossip,
    /// Two-phase commit (`[twopc]`).
    Twopc,
    /// Single-decree Paxos (`[paxos]`).
    Paxos,
    /// Load balancing in front of queueing servers (`[lb]`).
    Lb,
    /// Balls into bins (`[bins]`).
    Bins,
    /// Consistent-hashing analyses (`[ch]`).
    Ch,
    /// Key-value cluster routed by consistent hashing (`[kv]`).
    Kv,
    /// Lease-based locks with fencing (`[lock]`).
    Lock,
    /// Heartbeat failure detectors (`[fd]`).
    Fd,
    /// Primary-backup failover (`[failover]`).
    Failover,
}

impl Protocol {
    /// The name of the parameter table, as in `--set TABLE.field=value`.
    pub fn table(self) -> &'static str {
        match self {
            Protocol::Gossip => "gossip",
            Protocol::Twopc => "twopc",
            Protocol::Paxos => "paxos",
            Protocol::Lb => "lb",
            Protocol::Bins => "bins",
            Protocol::Ch => "ch",
            Protocol::Kv => "kv",
            Protocol::Lock => "lock",
            Protocol::Fd => "fd",
            Protocol::Failover => "failover",
        }
    }
}

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

/// A whole scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// `family/name` for catalog scenarios, the file name otherwise.
    #[serde(default)]
    pub name: String,
    /// One line saying what the scenario shows.
    #[serde(default)]
    pub description: String,
    /// The protocol to run.
    pub protocol: Protocol,
    /// What the scenario demonstrates.
    #[serde(default)]
    pub expect: Expect,
    /// Default seed of `simlab run` (overridden by `--seed`).
    #[serde(default)]
    pub seed: u64,
    /// End of the run when there are no phases (default: the runner's own end, else 60 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Time>,
    /// Faults until `heal_at`, then heal, then the liveness window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<Phases>,
    /// Event budget (queue entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_events: Option<u64>,
    /// Stop at the first safety violation.
    #[serde(default)]
    pub stop_on_violation: bool,
    /// Links.
    #[serde(default)]
    pub network: NetworkSpec,
    /// Scripted faults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultStep>,
    /// Random faults (need phases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random: Option<RandomFaults>,
    /// `[gossip]` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gossip: Option<protocols::gossip::Params>,
    /// `[twopc]` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twopc: Option<protocols::twopc::Params>,
    /// `[paxos]` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paxos: Option<protocols::paxos::Params>,
    /// `[lb]` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lb: Option<protocols::lb::Params>,
    /// `[bins]` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bins: Option<protocols::lb::BinsParams>,
    /// `[ch]` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ch: Option<protocols::ch::ChParams>,
    /// `[kv]` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv: Option<protocols::kv::Params>,
    /// `[lock]` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<protocols::lock::Params>,
    /// `[fd]` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fd: Option<protocols::fd::Params>,
    /// `[failover]` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<protocols::failover::Params>,
}

/// Fills `$field` with defaults when it is the selected protocol's table, and rejects it when
/// it belongs to another protocol.
macro_rules! tables {
    ($s:ident, $( $proto:ident => $field:ident ),* $(,)?) => {{
        $(
            if $s.protocol == Protocol::$proto {
                let p = $s.$field.get_or_insert_with(Default::default);
                p.validate()?;
            } else if $s.$field.is_some() {
                return Err(format!(
                    "table [{}] does not apply to protocol `{}`; this scenario's table is [{}]",
                    stringify!($field), $s.protocol.table(), $s.protocol.table()
                ));
            }
        )*
    }};
}

impl Spec {
    /// Fills defaults and checks every range. Errors name the field and what is allowed.
    pub fn resolve(&mut self) -> Result<(), String> {
        tables!(self,
            Gossip => gossip, Twopc => twopc, Paxos => paxos, Lb => lb, Bins => bins,
            Ch => ch, Kv => kv, Lock => lock, Fd => fd, Failover => failover,
        );
        self.network
            .default_link()
            .validate()
            .map_err(|e| format!("network.{e}"))?;
        for (i, l) in self.network.links.iter().enumerate() {
            l.link
                .validate()
                .map_err(|e| format!("network.links[{i}].link.{e}"))?;
        }
        if let Some(r) = &self.random {
            r.validate()?;
            if self.phases.is_none() && !r.is_empty() {
                return Err("random faults need [phases] with heal_at and liveness".into());
            }
        }
        if self.max_events == Some(0) {
            return Err("max_events must be >= 1".into());
        }
        if self.duration == Some(Time::ZERO) {
            return Err("duration must be > 0".into());
        }
        Ok(())
    }
}
