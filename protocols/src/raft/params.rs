//! The `[raft]` table of a scenario file ([`Params`]) and the shared, read-only cluster
//! configuration every node is built from ([`Config`]).

use serde::{Deserialize, Serialize};
use sim::{NodeId, Time};

use super::bugs::{Bug, Bugs};
use super::options::{Change, MembershipChange, ReadMode};

/// A scripted election: server `server` starts one at true time `at` (plus a uniform random
/// delay in `[0, jitter]`), whatever its election timer says. Scripted schedules use it to
/// pick leaders; the timing scenario uses the jitter to crash a leader at a uniform point of
/// its heartbeat interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// The server, `s1..sN`.
    pub server: String,
    /// When (true time since the start of the run; the server's own clock is used).
    pub at: Time,
    /// Longest random delay added to `at`.
    #[serde(default)]
    pub jitter: Time,
}

/// Parameters (`[raft]` in scenario files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Servers `s1..sN` (1..=9).
    pub servers: u32,
    /// Clients `c1..cM` (0..=16), each running `ops` operations one after another.
    pub clients: u32,
    /// Shortest election timeout.
    pub election_timeout_min: Time,
    /// Longest election timeout (>= min; equal means no randomness).
    pub election_timeout_max: Time,
    /// Interval between a leader's AppendEntries to each follower (< election_timeout_min).
    pub heartbeat: Time,
    /// Most entries in one AppendEntries (1..=1024).
    pub max_batch: u32,
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
    /// A client resends an unanswered request (to another server) after this long.
    pub client_timeout: Time,
    /// Scripted elections.
    pub campaigns: Vec<Campaign>,
    /// Added to every server's first election timeout of the run (not after a restart): a
    /// cluster whose first leader is scripted (`campaigns`) lets it win undisturbed.
    pub quiet_start: Time,
    /// PreVote (thesis section 9.6): a server that times out first asks whether it could win
    /// (a majority with logs no newer and no leader heard within the shortest election
    /// timeout) before it raises its term, so a server cut off and back does not depose a
    /// working leader.
    pub pre_vote: bool,
    /// CheckQuorum: a leader that has not heard from a majority within an election timeout
    /// steps down, and a server that heard from a leader within the shortest election
    /// timeout ignores requests to vote in a higher term (the leader's "stickiness").
    pub check_quorum: bool,
    /// The scenario expects progress: `leader_elected` and `requests_answered` are
    /// `eventually` properties (liveness failures if not met by the end); off, only reported.
    pub expect_progress: bool,
    /// Log compaction: a server that has applied this many entries past its last snapshot
    /// snapshots its state machine and discards them (0: never; at most 1000000).
    pub snapshot_threshold: u32,
    /// Switched-on bugs.
    pub bugs: Vec<Bug>,
    /// How reads are served: through the log (`log`), by ReadIndex (`read_index`) or under a
    /// leader lease (`lease`).
    pub read_mode: ReadMode,
    /// Lease mode: the bound on clock drift the lease assumes, a fraction in [0, 1) (the
    /// lease lasts `election_timeout_min / (1 + lease_drift_bound)` of the leader's clock).
    pub lease_drift_bound: f64,
    /// The servers of the initial configuration (empty: all). The others start as
    /// non-voting learners until a configuration adds them.
    pub initial_members: Vec<String>,
    /// Scripted membership changes, one server at a time.
    pub membership: Vec<MembershipChange>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            servers: 3,
            clients: 2,
            election_timeout_min: Time::from_millis(50),
            election_timeout_max: Time::from_millis(100),
            heartbeat: Time::from_millis(20),
            max_batch: 64,
            ops: 10,
            keys: 2,
            read_fraction: 0.3,
            cas_fraction: 0.2,
            client_start: Time::from_millis(10),
            client_think: Time::from_millis(2),
            client_timeout: Time::from_millis(50),
            campaigns: Vec::new(),
            quiet_start: Time::ZERO,
            pre_vote: false,
            check_quorum: false,
            expect_progress: true,
            snapshot_threshold: 0,
            bugs: Vec::new(),
            read_mode: ReadMode::Log,
            lease_drift_bound: 0.01,
            initial_members: Vec::new(),
            membership: Vec::new(),
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
                Err(format!("raft.{f} must be in {lo}..={hi}, got {v}"))
            }
        };
        range("servers", self.servers, 1, 9)?;
        range("clients", self.clients, 0, 16)?;
        range("max_batch", self.max_batch, 1, 1024)?;
        range("ops", self.ops, 0, 1_000_000)?;
        range("keys", self.keys, 1, 64)?;
        range("snapshot_threshold", self.snapshot_threshold, 0, 1_000_000)?;
        for (f, t) in [
            ("election_timeout_min", self.election_timeout_min),
            ("heartbeat", self.heartbeat),
            ("client_timeout", self.client_timeout),
        ] {
            if t == Time::ZERO {
                return Err(format!("raft.{f} must be > 0, got 0s"));
            }
        }
        if self.election_timeout_max < self.election_timeout_min {
            return Err(format!(
                "raft.election_timeout_max ({}) must be >= raft.election_timeout_min ({})",
                self.election_timeout_max.exact_string(),
                self.election_timeout_min.exact_string()
            ));
        }
        if self.heartbeat >= self.election_timeout_min {
            return Err(format!(
                "raft.heartbeat ({}) must be < raft.election_timeout_min ({}), or followers \
                 time out between heartbeats",
                self.heartbeat.exact_string(),
                self.election_timeout_min.exact_string()
            ));
        }
        for (f, x) in [
            ("read_fraction", self.read_fraction),
            ("cas_fraction", self.cas_fraction),
        ] {
            if !(0.0..=1.0).contains(&x) {
                return Err(format!("raft.{f} must be in [0, 1], got {x}"));
            }
        }
        if self.read_fraction + self.cas_fraction > 1.0 {
            return Err(format!(
                "raft.read_fraction + raft.cas_fraction must be <= 1, got {} + {}",
                self.read_fraction, self.cas_fraction
            ));
        }
        for (i, c) in self.campaigns.iter().enumerate() {
            if self.server_index(&c.server).is_none() {
                return Err(format!(
                    "raft.campaigns[{i}].server must name a server s1..s{}, got `{}`",
                    self.servers, c.server
                ));
            }
        }
        self.validate_options()
    }

    /// The 0-based index of server `name` (`s1` is 0), if it names one.
    pub fn server_index(&self, name: &str) -> Option<u32> {
        let k: u32 = name.strip_prefix('s')?.parse().ok()?;
        (1..=self.servers).contains(&k).then_some(k - 1)
    }

    /// Node names in id order: servers `s1..`, then clients `c1..`.
    pub fn names(&self) -> Vec<String> {
        let s = (1..=self.servers).map(|i| format!("s{i}"));
        let c = (1..=self.clients).map(|i| format!("c{i}"));
        s.chain(c).collect()
    }
}

/// Read-only configuration shared by every node of a run (built once from [`Params`]).
#[derive(Clone, Debug)]
pub struct Config {
    /// Number of servers; server `si` is node `i-1`.
    pub servers: u32,
    /// Votes or replicas that make a majority of the servers.
    pub majority: usize,
    /// Election timeout range.
    pub timeout: (Time, Time),
    /// Heartbeat interval.
    pub heartbeat: Time,
    /// Most entries per AppendEntries.
    pub max_batch: usize,
    /// Operations per client.
    pub ops: u32,
    /// Number of keys.
    pub keys: u32,
    /// Read and cas fractions.
    pub mix: (f64, f64),
    /// Client start, think time and retry timeout.
    pub client_times: (Time, Time, Time),
    /// Scripted elections per server: (at, jitter).
    pub campaigns: Vec<Vec<(Time, Time)>>,
    /// Extra delay of the first election timeout.
    pub quiet_start: Time,
    /// PreVote on.
    pub pre_vote: bool,
    /// CheckQuorum on.
    pub check_quorum: bool,
    /// Snapshot after this many applied entries past the last one (0: never).
    pub snapshot_threshold: u64,
    /// Switched-on bugs.
    pub bugs: Bugs,
    /// How reads are served.
    pub read_mode: ReadMode,
    /// Lease mode: how long a lease lasts on the leader's clock.
    pub lease: Time,
    /// The leader appends a no-op at the start of its term (the read modes and membership
    /// changes need it; reads through the log do not, and stay as they were).
    pub noop: bool,
    /// Membership changes are on: configurations come from the log.
    pub reconfig: bool,
    /// The initial configuration, one bit per member.
    pub initial_members: u64,
    /// Scripted membership changes: (when, change).
    pub changes: Vec<(Time, Change)>,
}

impl Config {
    /// The configuration for validated parameters.
    pub fn new(p: &Params) -> Config {
        let mut campaigns = vec![Vec::new(); p.servers as usize];
        for c in &p.campaigns {
            if let Some(i) = p.server_index(&c.server) {
                campaigns[i as usize].push((c.at, c.jitter));
            }
        }
        Config {
            servers: p.servers,
            majority: p.servers as usize / 2 + 1,
            timeout: (p.election_timeout_min, p.election_timeout_max),
            heartbeat: p.heartbeat,
            max_batch: p.max_batch as usize,
            ops: p.ops,
            keys: p.keys,
            mix: (p.read_fraction, p.cas_fraction),
            client_times: (p.client_start, p.client_think, p.client_timeout),
            campaigns,
            quiet_start: p.quiet_start,
            pre_vote: p.pre_vote,
            check_quorum: p.check_quorum,
            snapshot_threshold: u64::from(p.snapshot_threshold),
            bugs: Bugs::from_list(&p.bugs),
            read_mode: p.read_mode,
            lease: Time((p.election_timeout_min.0 as f64 / (1.0 + p.lease_drift_bound)) as u64),
            noop: p.read_mode != ReadMode::Log || !p.membership.is_empty(),
            reconfig: !p.membership.is_empty() || !p.initial_members.is_empty(),
            initial_members: p.initial_member_bits(),
            changes: p.changes(),
        }
    }

    /// The servers' node ids.
    pub fn server_ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.servers).map(NodeId)
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
                servers: 0,
                ..Params::default()
            }),
            "raft.servers must be in 1..=9, got 0"
        );
        assert!(
            bad(Params {
                heartbeat: Time::from_millis(60),
                ..Params::default()
            })
            .starts_with("raft.heartbeat (60ms) must be < raft.election_timeout_min (50ms)")
        );
        assert!(
            bad(Params {
                campaigns: vec![Campaign {
                    server: "s4".into(),
                    at: Time::ZERO,
                    jitter: Time::ZERO
                }],
                ..Params::default()
            })
            .contains("raft.campaigns[0].server must name a server s1..s3, got `s4`")
        );
        assert!(
            bad(Params {
                read_fraction: 0.9,
                cas_fraction: 0.2,
                ..Params::default()
            })
            .starts_with("raft.read_fraction + raft.cas_fraction must be <= 1")
        );
        assert!(Params::default().validate().is_ok());
        assert_eq!(Params::default().names(), ["s1", "s2", "s3", "c1", "c2"]);
    }
}
