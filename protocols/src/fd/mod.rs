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

/// The smallest `fd.phi_threshold`: phi 0.01 is reached about two standard deviations before
/// a heartbeat is due (normal model); much lower and 10^-phi rounds to 1.
pub const MIN_PHI_THRESHOLD: f64 = 0.01;

/// The largest `fd.phi_threshold`: 10^-300 is still a normal double.
pub const MAX_PHI_THRESHOLD: f64 = 300.0;

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
        // Checked whatever the kind, since every kind reads the table. The normal model
        // inverts its tail at 10^-phi, which must be a probability below 1 (it rounds to 1
        // for phi below about 5e-17, where the old check let 1e-20 through to a panic) and
        // above 0: [0.01, 300] keeps it well inside, from suspecting two standard deviations
        // before a heartbeat is due to far beyond any run's resolution.
        if !(self.phi_threshold.is_finite()
            && (MIN_PHI_THRESHOLD..=MAX_PHI_THRESHOLD).contains(&self.phi_threshold))
        {
            return Err(format!(
                "fd.phi_threshold must be in [{MIN_PHI_THRESHOLD}, {MAX_PHI_THRESHOLD}], got {:?}",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The phi threshold is checked where the normal model's tail inverse is defined, for
    /// every detector kind (each builds the same table), and its ends are usable.
    #[test]
    fn phi_threshold_range_is_where_the_inverse_is_defined() {
        for kind in [Kind::Timeout, Kind::NfdS, Kind::PhiAccrual] {
            for bad in [1e-20, 0.0, -1.0, 300.5, f64::NAN] {
                let p = Params {
                    kind,
                    phi_threshold: bad,
                    ..Params::default()
                };
                let e = p.validate().unwrap_err();
                assert!(e.contains("fd.phi_threshold must be in [0.01, 300]"), "{e}");
            }
        }
        for (v, th) in [
            (PhiVariant::Normal, MIN_PHI_THRESHOLD),
            (PhiVariant::Normal, MAX_PHI_THRESHOLD),
            (PhiVariant::Akka, MIN_PHI_THRESHOLD),
            (PhiVariant::Cassandra, MAX_PHI_THRESHOLD),
        ] {
            let y = phi::standard_threshold(v, th);
            assert!(y.is_finite(), "{v:?} {th}: {y}");
        }
    }

    /// A suspicion point past the end of every run is "never", found at once (it used to walk
    /// there one nanosecond at a time).
    #[test]
    fn a_huge_deviation_never_suspects() {
        let y = phi::standard_threshold(PhiVariant::Normal, 8.0);
        let d = phi::suspicion_delay(PhiVariant::Normal, 8.0, y, 1e8, 3.6e18);
        assert_eq!(d, phi::SUSPICION_NEVER);
    }
}
