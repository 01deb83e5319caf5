//! Membership views and the routers built from them.
//!
//! A [`View`] is an epoch number and the sorted member list. A [`Router`] turns a view into
//! `key index -> storage index` with the configured algorithm:
//! - `mod_n`, `ring`, `rendezvous`, `maglev`: [`crate::ch::build`] over *all* declared
//!   storage nodes (ids `0..S`, seeded with the run seed), then every non-member removed. A
//!   server's ring points, salt and Maglev permutation depend only on its id, so routers of
//!   different views differ exactly by the membership change, and two nodes holding the same
//!   view always agree. (Maglev keeps one table size, the default for `S` backends.)
//! - `jump`: jump hash over `members.len()` buckets, bucket `i` being the `i`-th member in id
//!   order. Jump hash can only add or drop its last bucket, so a join or leave of the highest
//!   member id moves the minimum, while any other change renumbers the members after it and
//!   moves more keys.
//! - `bounded`: the ring as above with load factor `kv.c`, and the whole key space inserted
//!   in key order, so every node with the same view computes the same bounded assignment
//!   (it bounds keys per server, not requests).

use std::sync::Arc;

use super::cluster::Cluster;
use crate::ch::{Algorithm, Bounded, Placement, build};

/// A membership view: epoch and sorted members (storage indices).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    /// Epoch, starting at 1; every change makes a new epoch.
    pub epoch: u64,
    /// Members in ascending order (never empty).
    pub members: Vec<u32>,
}

impl View {
    /// The initial view of `cluster` (epoch 1).
    pub fn initial(cluster: &Cluster) -> View {
        View {
            epoch: 1,
            members: cluster.initial_members(),
        }
    }

    /// True if storage node `s` is a member.
    pub fn contains(&self, s: u32) -> bool {
        self.members.binary_search(&s).is_ok()
    }
}

/// Routes key indices to storage indices under one view.
pub struct Router {
    epoch: u64,
    placement: Box<dyn Placement>,
    /// Placement server id -> storage index.
    to_storage: Vec<u32>,
    cluster: Arc<Cluster>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("epoch", &self.epoch)
            .field("algorithm", &self.placement.name())
            .finish()
    }
}

impl Router {
    /// The router for `view`. Panics on an empty view or a member outside the cluster
    /// (views come only from the coordinator, which never makes either).
    pub fn new(cluster: &Arc<Cluster>, view: &View) -> Router {
        assert!(
            !view.members.is_empty(),
            "kv: a view has at least one member"
        );
        assert!(
            view.members.iter().all(|&s| s < cluster.storage),
            "kv: member outside the cluster"
        );
        let c = cluster.as_ref();
        let (placement, to_storage): (Box<dyn Placement>, Vec<u32>) = match c.algorithm {
            Algorithm::Jump => (
                build(Algorithm::Jump, view.members.len() as u32, 1, c.seed),
                view.members.clone(),
            ),
            Algorithm::Bounded => {
                let mut b = Bounded::new(c.storage, c.p.vnodes, c.p.c, c.seed);
                remove_non_members(&mut b, c.storage, view);
                for &h in c.keys.hashes() {
                    b.insert_key(h);
                }
                (Box::new(b), (0..c.storage).collect())
            }
            algo => {
                let mut p = build(algo, c.storage, c.p.vnodes, c.seed);
                remove_non_members(p.as_mut(), c.storage, view);
                (p, (0..c.storage).collect())
            }
        };
        Router {
            epoch: view.epoch,
            placement,
            to_storage,
            cluster: Arc::clone(cluster),
        }
    }

    /// The epoch of the view this router was built from.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The storage index owning key `key` (an index into the key space).
    #[inline]
    pub fn owner(&self, key: u32) -> u32 {
        self.to_storage[self.placement.owner(self.cluster.keys.hash(key)) as usize]
    }

    /// The owner of every key, in key order.
    pub fn owners(&self) -> Vec<u32> {
        (0..self.cluster.keys.len())
            .map(|k| self.owner(k))
            .collect()
    }
}

fn remove_non_members(p: &mut dyn Placement, storage: u32, view: &View) {
    for s in (0..storage).rev().filter(|&s| !view.contains(s)) {
        p.remove_server(s)
            .expect("a declared server that is not the last member");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ch::Ring;
    use crate::kv::{Change, Params};
    use sim::Time;

    fn cluster(algo: &str, servers: u32, joiners: u32) -> Arc<Cluster> {
        let p = Params {
            servers,
            algorithm: algo.into(),
            keys: 2000,
            changes: (0..joiners)
                .map(|j| Change {
                    at: Time::from_secs(1),
                    join: Some(format!("s{}", servers + j)),
                    leave: None,
                })
                .collect(),
            ..Params::default()
        };
        Arc::new(Cluster::new(&p, 11).unwrap())
    }

    #[test]
    fn ring_router_equals_the_library_ring_of_the_members() {
        // Shows: with spare s5 declared but not a member, the router's owners are exactly
        // those of a 5-server library ring with the same seed (spare removed = never there).
        let c = cluster("ring", 5, 1);
        let r = Router::new(&c, &View::initial(&c));
        let ring = Ring::new(5, 100, 11);
        for k in 0..c.keys.len() {
            assert_eq!(r.owner(k), ring.owner(c.keys.hash(k)));
        }
    }

    #[test]
    fn joins_move_keys_only_to_the_joiner() {
        // Shows (exact): for ring, rendezvous and jump (the joiner has the highest id), every
        // key whose owner changes on a join moves to the joiner.
        for algo in ["ring", "rendezvous", "jump"] {
            let c = cluster(algo, 5, 1);
            let before = Router::new(&c, &View::initial(&c)).owners();
            let after = Router::new(
                &c,
                &View {
                    epoch: 2,
                    members: (0..6).collect(),
                },
            )
            .owners();
            let moved: Vec<usize> = (0..before.len())
                .filter(|&k| before[k] != after[k])
                .collect();
            assert!(!moved.is_empty(), "{algo}");
            assert!(moved.iter().all(|&k| after[k] == 5), "{algo}");
        }
    }

    #[test]
    fn seed_zero_routers_agree_with_simlab_hash() {
        // Shows: with run seed 0 and members s0..s4, the router's owner of `key{i}` is what
        // `simlab hash ALGO --servers 5 key{i}` prints (ch::lookup), for ring, jump,
        // rendezvous and mod_n.
        for algo in ["ring", "jump", "rendezvous", "mod_n"] {
            let p = Params {
                servers: 5,
                algorithm: algo.into(),
                keys: 50,
                ..Params::default()
            };
            let c = Arc::new(Cluster::new(&p, 0).unwrap());
            let r = Router::new(&c, &View::initial(&c));
            let names: Vec<String> = (0..50).map(crate::kv::KeySpace::name).collect();
            let cli = crate::ch::lookup(algo, 5, 100, &names).unwrap();
            for (k, (_, owner)) in cli.iter().enumerate() {
                assert_eq!(r.owner(k as u32), *owner, "{algo} key{k}");
            }
        }
    }

    #[test]
    fn every_algorithm_routes_to_members_only() {
        // Shows: with members {0, 2, 3} of 6 declared, every algorithm only names members,
        // and two routers of the same view agree key by key.
        for algo in crate::ch::Algorithm::NAMES {
            let c = cluster(algo, 3, 3);
            let v = View {
                epoch: 4,
                members: vec![0, 2, 3],
            };
            let (a, b) = (Router::new(&c, &v), Router::new(&c, &v));
            assert_eq!(a.epoch(), 4);
            for k in 0..c.keys.len() {
                assert!(v.contains(a.owner(k)), "{algo}");
                assert_eq!(a.owner(k), b.owner(k), "{algo}");
            }
        }
    }
}
