//! The cluster layout every node and the checker share: who is who (node ids), the routing
//! configuration, the key space and the scripted changes, derived once from [`Params`] and a
//! run seed.
//!
//! Node ids: storage nodes `s0`..`s{S-1}` are ids `0..S` (so a storage index is its node id
//! and its server id in the placement), clients `c0`..`c{C-1}` follow, and the coordinator
//! `coord` is last.

use sim::{NodeId, Time};

use super::keyspace::KeySpace;
use super::{Bug, ChangeKind, Params};
use crate::ch::Algorithm;

/// A node's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Storage node with this index.
    Storage(u32),
    /// Client with this index.
    Client(u32),
    /// The membership coordinator.
    Coordinator,
}

/// Everything fixed for one run.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// The parameters.
    pub p: Params,
    /// Storage nodes declared (initial members and later joiners).
    pub storage: u32,
    /// Clients.
    pub clients: u32,
    /// The placement algorithm.
    pub algorithm: Algorithm,
    /// Seed of ring points, salts and Maglev permutations: the run seed, so all nodes agree
    /// and each seed gives another ring.
    pub seed: u64,
    /// The keys.
    pub keys: KeySpace,
    /// Scripted changes in time order.
    pub changes: Vec<(Time, ChangeKind)>,
}

impl Cluster {
    /// Validates `p` and lays out the cluster for run seed `seed`.
    pub fn new(p: &Params, seed: u64) -> Result<Cluster, String> {
        p.validate()?;
        Ok(Cluster {
            p: p.clone(),
            storage: p.storage_nodes()?,
            clients: p.clients,
            algorithm: Algorithm::parse(&p.algorithm)?,
            seed,
            keys: KeySpace::new(p.keys, p.popularity, p.zipf_s),
            changes: p.resolved_changes()?,
        })
    }

    /// Node names in id order.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = (0..self.storage).map(|i| format!("s{i}")).collect();
        v.extend((0..self.clients).map(|i| format!("c{i}")));
        v.push("coord".into());
        v
    }

    /// The role of node `id`. Panics on an id outside the cluster.
    pub fn role(&self, id: NodeId) -> Role {
        let i = id.0;
        if i < self.storage {
            Role::Storage(i)
        } else if i < self.storage + self.clients {
            Role::Client(i - self.storage)
        } else if i == self.storage + self.clients {
            Role::Coordinator
        } else {
            panic!("kv: node {id} is outside the cluster")
        }
    }

    /// Node id of client `i`.
    pub fn client_id(&self, i: u32) -> NodeId {
        NodeId(self.storage + i)
    }

    /// Node id of the coordinator.
    pub fn coordinator(&self) -> NodeId {
        NodeId(self.storage + self.clients)
    }

    /// The members of epoch 1: `0..servers`.
    pub fn initial_members(&self) -> Vec<u32> {
        (0..self.p.servers).collect()
    }

    /// Storage nodes that are members at some time: the initial ones and every joiner.
    pub fn ever_members(&self) -> Vec<u32> {
        let mut v = self.initial_members();
        for &(_, k) in &self.changes {
            if let ChangeKind::Join(s) = k
                && !v.contains(&s)
            {
                v.push(s);
            }
        }
        v.sort_unstable();
        v
    }

    /// True if bug `b` is switched on.
    pub fn bug(&self, b: Bug) -> bool {
        self.p.bugs.contains(&b)
    }
}
