//! Gossip broadcast: the example protocol that exercises the kernel.
//!
//! One origin node broadcasts `rumors` rumors, one every `interval`. Every node that hears a
//! rumor for the first time records it durably, reports it to the checkers, and forwards it
//! to `fanout` random peers (all peers when `fanout` is 0). Nodes also retransmit every rumor
//! they know to one random peer every `interval` (anti-entropy), so rumors spread despite loss
//! and crashes once the network heals.
//!
//! Checkers ([`invariants`]): `no_invented_rumor` (always: a node only knows rumors the origin
//! sent), `all_know_all` (eventually: every node knows every rumor by the deadline),
//! `rumor_spread` (sometimes: some non-origin node learned a rumor).
//! Bug switch ([`Bug::VolatileSeen`]): the seen-set is not persisted, so a restarted node
//! reports rumors again as new — caught by the `learn_once` property.

pub mod invariants;
mod node;
pub mod plugin;

pub use invariants::GossipChecker;
pub use node::{GossipNode, Msg, Obs, Seen, Timer};
pub use plugin::Gossip;

use serde::{Deserialize, Serialize};

/// Classic mistakes that can be switched on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// The seen-set is kept only in memory, so a restarted node re-learns old rumors.
    VolatileSeen,
}

/// The most nodes a gossip scenario may have.
pub const MAX_NODES: u32 = 10_000;

/// Parameters (`[gossip]` in scenario files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Number of nodes, the origin included (2..=10000).
    pub nodes: u32,
    /// Rumors the origin broadcasts (>= 1).
    pub rumors: u32,
    /// Peers each node forwards a new rumor to (0 = all).
    pub fanout: u32,
    /// Time between rumors, and between anti-entropy rounds.
    pub interval: sim::Time,
    /// Switched-on bugs.
    pub bugs: Vec<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            nodes: 5,
            rumors: 3,
            fanout: 2,
            interval: sim::Time::from_millis(10),
            bugs: Vec::new(),
        }
    }
}

impl Params {
    /// Checks ranges; the message names the field and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        // Every node is a kernel node with its own state and name: u32::MAX of them asked
        // for 100 GB before the run began. 10000 is the size of the other protocols' largest
        // clusters (and each node sends to every other with fanout 0).
        if !(2..=MAX_NODES).contains(&self.nodes) {
            return Err(format!(
                "gossip.nodes must be in 2..={MAX_NODES}, got {}",
                self.nodes
            ));
        }
        if self.rumors < 1 {
            return Err(format!("gossip.rumors must be >= 1, got {}", self.rumors));
        }
        if self.fanout >= self.nodes {
            return Err(format!(
                "gossip.fanout must be < gossip.nodes ({}), got {}",
                self.nodes, self.fanout
            ));
        }
        if self.interval == sim::Time::ZERO {
            return Err("gossip.interval must be > 0".into());
        }
        Ok(())
    }
    /// Node names: `n0` (the origin) to `n{nodes-1}`.
    pub fn names(&self) -> Vec<String> {
        (0..self.nodes).map(|i| format!("n{i}")).collect()
    }
}
