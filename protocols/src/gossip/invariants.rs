//! Gossip properties, judged apart from the protocol from its observations.

use std::collections::{BTreeMap, BTreeSet};

use sim::{Checker, NodeId, Property, Time, Verdicts};

use super::node::{GossipNode, Obs};

/// Checks `no_invented_rumor`, `learn_once`, `all_know_all` and `rumor_spread`.
#[derive(Debug)]
pub struct GossipChecker {
    nodes: u32,
    originated: BTreeSet<u32>,
    learned: BTreeMap<NodeId, BTreeSet<u32>>,
    last_learn: Time,
}

impl GossipChecker {
    /// A checker for `nodes` nodes.
    pub fn new(nodes: u32) -> Self {
        GossipChecker {
            nodes,
            originated: BTreeSet::new(),
            learned: BTreeMap::new(),
            last_learn: Time::ZERO,
        }
    }
}

impl Checker<GossipNode> for GossipChecker {
    fn properties(&self) -> Vec<Property> {
        vec![
            Property::always("no_invented_rumor"),
            Property::always("learn_once"),
            Property::eventually("all_know_all"),
            Property::sometimes("rumor_spread"),
        ]
    }

    fn observe(&mut self, at: Time, node: NodeId, obs: &Obs, v: &mut Verdicts) {
        match *obs {
            Obs::Originated(r) => {
                self.originated.insert(r);
            }
            Obs::Learned(r) => {
                if !self.originated.contains(&r) {
                    v.fail(
                        "no_invented_rumor",
                        format!("node {node} learned rumor {r}, never originated"),
                    );
                }
                if !self.learned.entry(node).or_default().insert(r) {
                    v.fail(
                        "learn_once",
                        format!("node {node} learned rumor {r} a second time"),
                    );
                }
                if node != NodeId(0) {
                    v.hold("rumor_spread");
                }
                self.last_learn = at;
            }
        }
    }

    fn finish(&mut self, _end: Time, v: &mut Verdicts) {
        let all = (0..self.nodes).all(|i| {
            self.learned
                .get(&NodeId(i))
                .is_some_and(|s| s.is_superset(&self.originated))
        });
        if all && !self.originated.is_empty() {
            v.hold("all_know_all");
        } else {
            let missing: Vec<String> = (0..self.nodes)
                .filter(|i| {
                    !self
                        .learned
                        .get(&NodeId(*i))
                        .is_some_and(|s| s.is_superset(&self.originated))
                })
                .map(|i| format!("n{i}"))
                .collect();
            v.fail(
                "all_know_all",
                format!(
                    "nodes missing rumors at the deadline: {}",
                    missing.join(", ")
                ),
            );
        }
    }

    fn metrics(&self) -> Vec<(String, f64)> {
        vec![("last_learn_s".to_string(), self.last_learn.as_secs_f64())]
    }
}
