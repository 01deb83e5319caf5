//! Load balancing in front of queueing servers (Mitzenmacher's supermarket model and its
//! relatives), and balls into bins.
//!
//! The model: `k` dispatcher actors (`d0`..) in front of `n` FIFO server actors (`s0`..).
//! Each dispatcher draws its own arrival stream (Poisson at rate `lambda * n / k` by
//! default), picks a server by a [`Policy`] and sends it a `Job`; the server queues it, serves
//! it (a service time of mean `1 / speed`) and sends `Done` back, carrying its new queue
//! length. With the default instantaneous network the dispatcher's view of every queue is
//! exact ("fresh state"); with `board_period` set, policies read a bulletin board that is a
//! snapshot of the queues taken every `board_period` and not changed by dispatching
//! (Mitzenmacher's periodic update model); with a network delay, views are as stale as the
//! messages that carry them. Time unit: one mean service time is one second of simulated time.
//!
//! Code map:
//! - [`node`]: the one actor type ([`LbNode`]), its messages and timers.
//! - [`dispatcher`]: arrivals, policy decisions, sojourn statistics.
//! - [`server`]: the FIFO queue, service, and time-at-queue-length accounting.
//! - [`policy`]: the policies' own state (round-robin pointers, alias table, smooth weighted
//!   round robin, response-time estimates).
//! - [`board`]: the dispatcher's view of queue lengths, the stale board, and the level index
//!   that makes JSQ and join-idle-queue O(1).
//! - [`service`]: service and inter-arrival distributions (a ziggurat for exponentials).
//! - [`histogram`]: a fixed-size log-linear histogram for sojourn percentiles.
//! - [`summary`]: the run's metrics from the actors' fields, after the run.
//! - [`bins`]: balls into bins (plain library code).
//! - [`theory`]: closed forms used by the validation tests.
//!
//! There are no checkers and no Bug switches: the model's correctness is checked against
//! queueing theory by the statistical tests, and its internal invariants (FIFO order, job
//! conservation) are asserted.

pub mod bins;
pub mod board;
pub mod dispatcher;
pub mod histogram;
pub mod node;
pub mod plugin;
pub mod policy;
pub mod server;
pub mod service;
pub mod summary;
pub mod theory;

pub use bins::{BinsResult, throw_balls};
pub use dispatcher::Dispatcher;
pub use histogram::Histogram;
pub use node::{LbNode, Msg, Timer};
pub use plugin::{Bins, Lb};
pub use policy::Policy;
pub use server::{LEVELS, Server};
pub use service::Dist;
pub use summary::{Counts, summarize};

use serde::{Deserialize, Serialize};

/// Nanoseconds per unit of model time (one mean service time).
pub const UNIT_NS: f64 = 1e9;

/// Parameters (`[lb]` in scenario files). Times are decimals in mean service times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Number of servers n (1..=100000).
    pub servers: u32,
    /// Arrival rate per server, in units of the mean service rate: the total rate is
    /// `lambda * servers`; must be below the mean server speed (stability).
    pub lambda: f64,
    /// Dispatching policy.
    pub policy: Policy,
    /// Choices per arrival for `power_of_d` (1..=servers; 1 is random).
    pub d: u32,
    /// Whether `power_of_d` samples with replacement (Mitzenmacher's model) or d distinct
    /// servers.
    pub with_replacement: bool,
    /// Period of the bulletin board of queue lengths; absent = policies read fresh state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub board_period: Option<f64>,
    /// Number of dispatchers (1..=64); each gets an equal share of the arrivals.
    pub dispatchers: u32,
    /// Service-time distribution (mean 1 before the speed is applied).
    pub service: Dist,
    /// Inter-arrival distribution of each dispatcher's renewal arrival stream (mean
    /// `dispatchers / (lambda * servers)`); `exp` = Poisson.
    pub arrivals: Dist,
    /// Per-server speeds (service rate multipliers, > 0), `speeds[i]` for server `s{i}`;
    /// servers past the end of the list have speed 1. Empty: every speed is 1.
    pub speeds: Vec<f64>,
    /// Simulated time of the run, in mean service times.
    pub horizon: f64,
    /// Warm-up excluded from every metric; absent = 10% of the horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warmup: Option<f64>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            servers: 100,
            lambda: 0.9,
            policy: Policy::PowerOfD,
            d: 2,
            with_replacement: true,
            board_period: None,
            dispatchers: 1,
            service: Dist::Exp,
            arrivals: Dist::Exp,
            speeds: Vec::new(),
            horizon: 5000.0,
            warmup: None,
        }
    }
}

impl Params {
    /// Checks ranges; the message names the field, the bad value and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=100_000).contains(&self.servers) {
            return Err(format!(
                "lb.servers must be in 1..=100000, got {}",
                self.servers
            ));
        }
        if self.speeds.len() > self.servers as usize {
            return Err(format!(
                "lb.speeds has {} entries but lb.servers is {}: give at most one speed per server",
                self.speeds.len(),
                self.servers
            ));
        }
        if let Some((i, s)) = self
            .speeds
            .iter()
            .enumerate()
            .find(|(_, s)| !(s.is_finite() && **s > 0.0))
        {
            return Err(format!(
                "lb.speeds[{i}] must be a finite number > 0, got {s}"
            ));
        }
        let mean_speed = self.speed_sum() / self.servers as f64;
        if !(self.lambda.is_finite() && self.lambda > 0.0 && self.lambda < mean_speed) {
            return Err(format!(
                "lb.lambda must be > 0 and < the mean server speed {mean_speed} (a stable system), got {}",
                self.lambda
            ));
        }
        if !(1..=self.servers).contains(&self.d) {
            return Err(format!(
                "lb.d must be in 1..=lb.servers ({}), got {}",
                self.servers, self.d
            ));
        }
        if !(1..=64).contains(&self.dispatchers) {
            return Err(format!(
                "lb.dispatchers must be in 1..=64, got {}",
                self.dispatchers
            ));
        }
        if !(self.horizon.is_finite() && self.horizon > 0.0 && self.horizon <= 1e9) {
            return Err(format!(
                "lb.horizon must be in (0, 1e9] mean service times, got {}",
                self.horizon
            ));
        }
        if let Some(w) = self.warmup
            && !(w.is_finite() && w >= 0.0 && w < self.horizon)
        {
            return Err(format!(
                "lb.warmup must be in [0, lb.horizon = {}), got {w}",
                self.horizon
            ));
        }
        if let Some(t) = self.board_period
            && !(t.is_finite() && t > 0.0 && t <= self.horizon)
        {
            return Err(format!(
                "lb.board_period must be in (0, lb.horizon = {}], got {t}",
                self.horizon
            ));
        }
        Ok(())
    }

    /// Speed of server `i` (1 past the end of `speeds`).
    pub fn speed(&self, i: usize) -> f64 {
        self.speeds.get(i).copied().unwrap_or(1.0)
    }

    /// Sum of all server speeds.
    pub fn speed_sum(&self) -> f64 {
        self.speeds.iter().sum::<f64>()
            + (self.servers as usize).saturating_sub(self.speeds.len()) as f64
    }

    /// Whether every server has speed 1.
    pub fn homogeneous(&self) -> bool {
        self.speeds.iter().all(|&s| s == 1.0)
    }

    /// The warm-up in mean service times.
    pub fn warmup_time(&self) -> f64 {
        self.warmup.unwrap_or(0.1 * self.horizon)
    }

    /// Node names: dispatchers `d0`.. first, then servers `s0`..
    pub fn names(&self) -> Vec<String> {
        let d = (0..self.dispatchers).map(|i| format!("d{i}"));
        d.chain((0..self.servers).map(|i| format!("s{i}")))
            .collect()
    }
}

/// Parameters (`[bins]` in scenario files): `balls` balls thrown one at a time into `n`
/// bins; each samples `d` bins with replacement and joins the least loaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BinsParams {
    /// Number of bins (1..=100000000).
    pub n: u64,
    /// Number of balls; absent = n.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balls: Option<u64>,
    /// Choices per ball (1..=64).
    pub d: u32,
}

impl Default for BinsParams {
    fn default() -> Self {
        BinsParams {
            n: 1_000_000,
            balls: None,
            d: 2,
        }
    }
}

impl BinsParams {
    /// Checks ranges; the message names the field, the bad value and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=100_000_000).contains(&self.n) {
            return Err(format!("bins.n must be in 1..=100000000, got {}", self.n));
        }
        if let Some(m) = self.balls
            && m > 1_000_000_000
        {
            return Err(format!("bins.balls must be <= 1000000000, got {m}"));
        }
        if !(1..=64).contains(&self.d) {
            return Err(format!("bins.d must be in 1..=64, got {}", self.d));
        }
        Ok(())
    }

    /// Number of balls (n when absent).
    pub fn ball_count(&self) -> u64 {
        self.balls.unwrap_or(self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_errors_name_the_field() {
        Params::default().validate().unwrap();
        BinsParams::default().validate().unwrap();
        let bad = |f: &dyn Fn(&mut Params)| {
            let mut p = Params::default();
            f(&mut p);
            p.validate().unwrap_err()
        };
        assert!(bad(&|p| p.servers = 0).contains("lb.servers must be in 1..=100000, got 0"));
        assert!(bad(&|p| p.lambda = 1.0).contains("lb.lambda"));
        assert!(bad(&|p| p.d = 101).contains("lb.d must be in 1..=lb.servers (100), got 101"));
        assert!(bad(&|p| p.dispatchers = 0).contains("lb.dispatchers"));
        assert!(bad(&|p| p.horizon = -1.0).contains("lb.horizon"));
        assert!(bad(&|p| p.warmup = Some(6000.0)).contains("lb.warmup"));
        assert!(bad(&|p| p.board_period = Some(0.0)).contains("lb.board_period"));
        assert!(bad(&|p| p.speeds = vec![1.0, 0.0]).contains("lb.speeds[1]"));
        // A faster fleet is stable at a higher lambda.
        let mut p = Params {
            servers: 2,
            speeds: vec![2.0, 2.0],
            lambda: 1.5,
            d: 1,
            ..Params::default()
        };
        p.validate().unwrap();
        p.speeds = vec![0.5];
        assert!(p.validate().unwrap_err().contains("mean server speed 0.75"));
        let b = BinsParams {
            d: 0,
            ..BinsParams::default()
        };
        assert!(
            b.validate()
                .unwrap_err()
                .contains("bins.d must be in 1..=64, got 0")
        );
    }

    #[test]
    fn names_put_dispatchers_first() {
        let p = Params {
            servers: 3,
            dispatchers: 2,
            d: 1,
            ..Params::default()
        };
        assert_eq!(p.names(), ["d0", "d1", "s0", "s1", "s2"]);
    }
}
