//! Heartbeat failure detectors and their quality of service.
//!
//! A sender `p` heartbeats a monitor `q` every `heartbeat_interval` (eta) over whatever link
//! the scenario gives (lossy, jittery); `q` runs one detector ([`Kind`]): a fixed timeout since
//! the last heartbeat, Chen-Toueg-Aguilera's NFD-S (freshness points `i*eta + delta`), or
//! phi accrual (sliding window; [`phi::PhiVariant`]: exact normal CDF by default, Akka's
//! logistic approximation, Cassandra's exponential model). See [`monitor`] for each rule.
//!
//! Runs that crash `p` at a random time (`crash_at`) measure detection time; long crash-free
//! runs measure mistakes. The checker ([`invariants::FdChecker`]) reports the QoS metrics
//! `fd_detection_time_mean`, `fd_detection_time_max`, `fd_mistake_rate`,
//! `fd_mistake_duration_mean`, `fd_query_accuracy` and judges `completeness` and, for NFD-S,
//! `detection_bound` (T_D <= delta + eta).
//!
//! Bug switch ([`Bug::TrustStaleHeartbeats`]): NFD-S trusts on any heartbeat, even one older
//! than the current freshness point, so a late heartbeat sent before the crash undoes the
//! suspicion and detection overshoots delta + eta — caught by `detection_bound`.

pub mod invariants;
pub mod monitor;
mod node;
pub mod phi;
pub mod plugin;
mod sender;
pub mod window;

pub use invariants::{FdChecker, Qos};
pub use monitor::Monitor;
pub use node::{FdNode, Heartbeat, Obs, Timer};
pub use phi::PhiVariant;
pub use plugin::Fd;
pub use sender::Sender;

use serde::{Deserialize, Serialize};
use sim::{Time, TimeDist};

/// Classic mistakes that can be switched on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// NFD-S trusts p on any heartbeat arrival, ignoring that an old heartbeat (j < i) says
    /// nothing about the current freshness interval.
    TrustStaleHeartbeats,
}

/// Which detector q runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Suspect after `timeout` without a fresher heartbeat.
    #[default]
    Timeout,
    /// Chen, Toueg, Aguilera's NFD-S with shift `delta`.
    NfdS,
    /// Hayashibara et al.'s phi accrual detector with `phi_threshold`.
    PhiAccrual,
}

/// Parameters (`[fd]` in scenario files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// `timeout`, `nfd_s` or `phi_accrual`.
    pub kind: Kind,
    /// eta: heartbeat i is due at `i * eta` on p's clock.
    pub heartbeat_interval: Time,
    /// Standard deviation of p's send gaps (0: exactly every eta). Gaps are i.i.d.
    /// Normal(eta, jitter), for phi experiments; NFD-S needs 0.
    pub heartbeat_jitter: Time,
    /// `timeout` detector: silence before suspecting.
    pub timeout: Time,
    /// `nfd_s`: the shift delta of the freshness points `i * eta + delta`.
    pub delta: Time,
    /// `phi_accrual`: suspect when phi reaches this.
    pub phi_threshold: f64,
    /// `phi_accrual`: inter-arrival samples kept (>= 2).
    pub window: u32,
    /// `phi_accrual`: `normal` (exact CDF), `akka` (logistic approximation) or `cassandra`
    /// (exponential).
    pub phi_variant: PhiVariant,
    /// `phi_accrual`: floor on the window's standard deviation (Akka's min-std-deviation), so
    /// a jitter-free link does not make phi a step.
    pub min_std_deviation: Time,
    /// When p crashes (drawn once per run from the seed's `fd/crash` stream); absent: never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crash_at: Option<TimeDist>,
    /// Switched-on bugs.
    pub bugs: Vec<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            kind: Kind::Timeout,
            heartbeat_interval: Time::from_millis(100),
            heartbeat_jitter: Time::ZERO,
            timeout: Time::from_millis(250),
            delta: Time::from_millis(150),
            phi_threshold: 8.0,
            window: 1000,
            phi_variant: PhiVariant::Normal,
            min_std_deviation: Time::from_millis(10),
            crash_at: None,
            bugs: Vec::new(),
        }
    }
}

impl Params {
    /// Checks ranges; the message names the field, the bad value and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if self.heartbeat_interval == Time::ZERO {
            return Err("fd.heartbeat_interval must be > 0, got 0s".into());
        }
        if self.kind == Kind::Timeout && self.timeout == Time::ZERO {
            return Err("fd.timeout must be > 0, got 0s".into());
        }
        if self.kind == Kind::NfdS && self.heartbeat_jitter != Time::ZERO {
            return Err(format!(
                "fd.heartbeat_jitter must be 0s with fd.kind = \"nfd_s\" (NFD-S sends heartbeat i at exactly i * eta), got {}",
                self.heartbeat_jitter
            ));
        }
        if !(self.phi_threshold.is_finite()
            && self.phi_threshold > 0.0
            && self.phi_threshold <= 300.0)
        {
            return Err(format!(
                "fd.phi_threshold must be in (0, 300], got {}",
                self.phi_threshold
            ));
        }
        if self.window < 2 || self.window > 1_000_000 {
            return Err(format!(
                "fd.window must be in 2..=1000000, got {}",
                self.window
            ));
        }
        if let Some(d) = &self.crash_at {
            d.validate().map_err(|e| format!("fd.crash_at: {e}"))?;
        }
        if !self.bugs.is_empty() && self.kind != Kind::NfdS {
            return Err(format!(
                "fd.bugs {:?} apply only to fd.kind = \"nfd_s\"",
                self.bugs
            ));
        }
        Ok(())
    }

    /// Node names: `p` (id 0, the sender) and `q` (id 1, the monitor).
    pub fn names(&self) -> [&'static str; 2] {
        ["p", "q"]
    }

    /// NFD-S's detection-time bound `delta + eta` (None for the other detectors).
    pub fn detection_bound(&self) -> Option<Time> {
        (self.kind == Kind::NfdS).then(|| self.delta + self.heartbeat_interval)
    }
}
