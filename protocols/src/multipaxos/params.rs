//! The `[multipaxos]` table of a scenario file ([`Params`]) and the shared, read-only
//! cluster configuration every node is built from ([`Config`]).

use serde::{Deserialize, Serialize};
use sim::Time;

use super::bugs::{Bug, Bugs};

/// A scripted election: replica `replica` runs phase 1 at true time `at` (plus a uniform
/// random delay in `[0, jitter]`), whatever its election timer says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// The replica, `r1..rN`.
    pub replica: String,
    /// When (since the start of the run, on the replica's own clock).
    pub at: Time,
    /// Longest random delay added to `at`.
    #[serde(default)]
    pub jitter: Time,
}

/// Parameters (`[multipaxos]` in scenario files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Replicas `r1..rN` (1..=9), each a proposer, an acceptor and a learner.
    pub replicas: u32,
    /// Clients `c1..cM` (0..=16), each running `ops` operations one after another.
    pub clients: u32,
    /// Shortest election timeout (no leader heard from).
    pub election_timeout_min: Time,
    /// Longest election timeout (>= min).
    pub election_timeout_max: Time,
    /// Interval between a leader's heartbeats (< election_timeout_min).
    pub heartbeat: Time,
    /// Most client commands in one slot (1..=64; 1 is no batching).
    pub max_batch: u32,
    /// Most slots a leader has proposed and not yet seen chosen (1..=1024).
    pub window: u32,
    /// Leader lease for local reads (0s: off, reads go through the log). An acceptor that
    /// acknowledged a heartbeat promises no other ballot for `lease` on its clock; the leader
    /// reads locally until `lease_guard * lease` after sending a heartbeat a majority
    /// acknowledged. Must be < election_timeout_min.
    pub lease: Time,
    /// Fraction of the lease the leader uses, in (0, 1]: safe while the clocks' rates differ
    /// by less than a factor `1 / lease_guard`.
    pub lease_guard: f64,
    /// Operations per client (0..=1000000).
    pub ops: u32,
    /// Keys `0..keys` the clients use (1..=64).
    pub keys: u32,
    /// Fraction of operations that are reads, in [0, 1].
    pub read_fraction: f64,
    /// Fraction that are compare-and-set, in [0, 1]; reads plus cas at most 1, the rest puts.
    pub cas_fraction: f64,
    /// When clients start their first operation.
    pub client_start: Time,
    /// Pause between an answer and a client's next operation.
    pub client_think: Time,
    /// A client resends an unanswered request (to another replica) after this long.
    pub client_timeout: Time,
    /// Scripted elections.
    pub campaigns: Vec<Campaign>,
    /// Added to every replica's first election timeout of the run (not after a restart).
    pub quiet_start: Time,
    /// The scenario expects progress: `leader_elected` and `requests_answered` are
    /// `eventually` properties; off, only reported.
    pub expect_progress: bool,
    /// Switched-on bugs.
    pub bugs: Vec<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            replicas: 3,
            clients: 2,
            election_timeout_min: Time::from_millis(50),
            election_timeout_max: Time::from_millis(100),
            heartbeat: Time::from_millis(20),
            max_batch: 1,
            window: 64,
            lease: Time::ZERO,
            lease_guard: 0.9,
            ops: 10,
            keys: 2,
            read_fraction: 0.3,
            cas_fraction: 0.2,
            client_start: Time::from_millis(10),
            client_think: Time::from_millis(2),
            client_timeout: Time::from_millis(50),
            campaigns: Vec::new(),
            quiet_start: Time::ZERO,
            expect_progress: true,
            bugs: Vec::new(),
        }
    }
}

impl Params {
    /// Checks ranges; the message names the field, the bad value and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        let range = |f: &str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("multipaxos.{f} must be in {lo}..={hi}, got {v}"))
            }
        };
        range("replicas", self.replicas, 1, 9)?;
        range("clients", self.clients, 0, 16)?;
        range("max_batch", self.max_batch, 1, 64)?;
        range("window", self.window, 1, 1024)?;
        range("ops", self.ops, 0, 1_000_000)?;
        range("keys", self.keys, 1, 64)?;
        for (f, t) in [
            ("election_timeout_min", self.election_timeout_min),
            ("heartbeat", self.heartbeat),
            ("client_timeout", self.client_timeout),
        ] {
            if t == Time::ZERO {
                return Err(format!("multipaxos.{f} must be > 0, got 0s"));
            }
        }
        let t = |x: Time| x.exact_string();
        if self.election_timeout_max < self.election_timeout_min {
            return Err(format!(
                "multipaxos.election_timeout_max ({}) must be >= multipaxos.election_timeout_min ({})",
                t(self.election_timeout_max),
                t(self.election_timeout_min)
            ));
        }
        if self.heartbeat >= self.election_timeout_min {
            return Err(format!(
                "multipaxos.heartbeat ({}) must be < multipaxos.election_timeout_min ({}), or \
                 followers time out between heartbeats",
                t(self.heartbeat),
                t(self.election_timeout_min)
            ));
        }
        if self.lease >= self.election_timeout_min {
            return Err(format!(
                "multipaxos.lease ({}) must be < multipaxos.election_timeout_min ({})",
                t(self.lease),
                t(self.election_timeout_min)
            ));
        }
        if !(self.lease_guard > 0.0 && self.lease_guard <= 1.0) {
            return Err(format!(
                "multipaxos.lease_guard must be in (0, 1], got {}",
                self.lease_guard
            ));
        }
        for (f, x) in [
            ("read_fraction", self.read_fraction),
            ("cas_fraction", self.cas_fraction),
        ] {
            if !(0.0..=1.0).contains(&x) {
                return Err(format!("multipaxos.{f} must be in [0, 1], got {x}"));
            }
        }
        if self.read_fraction + self.cas_fraction > 1.0 {
            return Err(format!(
                "multipaxos.read_fraction + multipaxos.cas_fraction must be <= 1, got {} + {}",
                self.read_fraction, self.cas_fraction
            ));
        }
        for (i, c) in self.campaigns.iter().enumerate() {
            if self.replica_index(&c.replica).is_none() {
                return Err(format!(
                    "multipaxos.campaigns[{i}].replica must name a replica r1..r{}, got `{}`",
                    self.replicas, c.replica
                ));
            }
        }
        Ok(())
    }

    /// The 0-based index of replica `name` (`r1` is 0), if it names one.
    pub fn replica_index(&self, name: &str) -> Option<u32> {
        let k: u32 = name.strip_prefix('r')?.parse().ok()?;
        (1..=self.replicas).contains(&k).then_some(k - 1)
    }

    /// Node names in id order: replicas `r1..`, then clients `c1..`.
    pub fn names(&self) -> Vec<String> {
        let r = (1..=self.replicas).map(|i| format!("r{i}"));
        let c = (1..=self.clients).map(|i| format!("c{i}"));
        r.chain(c).collect()
    }
}

/// Read-only configuration shared by every node of a run (built once from [`Params`]).
#[derive(Clone, Debug)]
pub struct Config {
    /// Number of replicas; replica `ri` is node `i-1`.
    pub replicas: u32,
    /// Acceptors that make a majority.
    pub majority: usize,
    /// Election timeout range.
    pub timeout: (Time, Time),
    /// Heartbeat interval.
    pub heartbeat: Time,
    /// Most commands per slot.
    pub max_batch: usize,
    /// Most outstanding slots.
    pub window: usize,
    /// Lease length (zero: off) and the fraction the leader uses.
    pub lease: (Time, f64),
    /// Operations per client.
    pub ops: u32,
    /// Number of keys.
    pub keys: u32,
    /// Read and cas fractions.
    pub mix: (f64, f64),
    /// Client start, think time and retry timeout.
    pub client_times: (Time, Time, Time),
    /// Scripted elections per replica: (at, jitter).
    pub campaigns: Vec<Vec<(Time, Time)>>,
    /// Extra delay of the first election timeout.
    pub quiet_start: Time,
    /// Switched-on bugs.
    pub bugs: Bugs,
}

impl Config {
    /// The configuration for validated parameters.
    pub fn new(p: &Params) -> Config {
        let mut campaigns = vec![Vec::new(); p.replicas as usize];
        for c in &p.campaigns {
            if let Some(i) = p.replica_index(&c.replica) {
                campaigns[i as usize].push((c.at, c.jitter));
            }
        }
        Config {
            replicas: p.replicas,
            majority: p.replicas as usize / 2 + 1,
            timeout: (p.election_timeout_min, p.election_timeout_max),
            heartbeat: p.heartbeat,
            max_batch: p.max_batch as usize,
            window: p.window as usize,
            lease: (p.lease, p.lease_guard),
            ops: p.ops,
            keys: p.keys,
            mix: (p.read_fraction, p.cas_fraction),
            client_times: (p.client_start, p.client_think, p.client_timeout),
            campaigns,
            quiet_start: p.quiet_start,
            bugs: Bugs::from_list(&p.bugs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Bad values are rejected with the field name, the value and what is allowed.
    #[test]
    fn validate_names_field_and_value() {
        let bad = |p: Params| p.validate().unwrap_err();
        assert_eq!(
            bad(Params {
                replicas: 0,
                ..Params::default()
            }),
            "multipaxos.replicas must be in 1..=9, got 0"
        );
        assert!(
            bad(Params {
                lease: Time::from_millis(60),
                ..Params::default()
            })
            .starts_with(
                "multipaxos.lease (60ms) must be < multipaxos.election_timeout_min (50ms)"
            )
        );
        assert!(
            bad(Params {
                campaigns: vec![Campaign {
                    replica: "r4".into(),
                    at: Time::ZERO,
                    jitter: Time::ZERO
                }],
                ..Params::default()
            })
            .contains("multipaxos.campaigns[0].replica must name a replica r1..r3, got `r4`")
        );
        assert_eq!(
            bad(Params {
                lease_guard: 0.0,
                ..Params::default()
            }),
            "multipaxos.lease_guard must be in (0, 1], got 0"
        );
        assert!(Params::default().validate().is_ok());
        assert_eq!(Params::default().names(), ["r1", "r2", "r3", "c1", "c2"]);
    }
}
