//! The storage role: serves the keys it owns under its own view, forwards the rest, hands
//! keys over when the view changes, and heartbeats to the coordinator.
//!
//! Ownership is checked for every request against the node's current view. A request the
//! node does not own is *misrouted* (reported once, at the first node it reaches) and is
//! forwarded to the owner under this node's view, with this view attached so the next node
//! can catch up; after `kv.max_hops` forwards the node answers `not_owner` (a definite error).
//! The answer always goes straight to the client.
//!
//! On adopting a newer view the node sends every key it no longer owns to its new owner
//! (`handoff`, merged by version) and forgets it. The store is volatile: a crash loses it.

use std::collections::BTreeMap;
use std::sync::Arc;

use sim::{Ctx, NodeId};

use super::Bug;
use super::cluster::Cluster;
use super::node::{Entry, KvDurable, KvError, KvNode, Msg, Obs, Op, Request, Timer};
use super::routing::{Router, View};

/// A storage node.
#[derive(Debug)]
pub struct Storage {
    cluster: Arc<Cluster>,
    index: u32,
    view: View,
    router: Router,
    store: BTreeMap<u32, Entry>,
}

impl Storage {
    /// Storage node `index`, rebuilt from its durable view (its data is gone after a crash).
    pub fn new(cluster: &Arc<Cluster>, index: u32, d: &KvDurable) -> Storage {
        let view = d.view.clone().unwrap_or_else(|| View::initial(cluster));
        Storage {
            router: Router::new(cluster, &view),
            cluster: Arc::clone(cluster),
            index,
            view,
            store: BTreeMap::new(),
        }
    }

    /// The view this node holds.
    pub fn view(&self) -> &View {
        &self.view
    }

    /// The keys it stores.
    pub fn store(&self) -> &BTreeMap<u32, Entry> {
        &self.store
    }

    pub(super) fn on_start(&mut self, cx: &mut Ctx<'_, KvNode>) {
        cx.send(
            self.cluster.coordinator(),
            Msg::Heartbeat {
                epoch: self.view.epoch,
            },
        );
        cx.set_timer(self.cluster.p.heartbeat, Timer::Heartbeat);
    }

    pub(super) fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, KvNode>) {
        match t {
            Timer::Heartbeat => {
                cx.send(
                    self.cluster.coordinator(),
                    Msg::Heartbeat {
                        epoch: self.view.epoch,
                    },
                );
                cx.set_timer(self.cluster.p.heartbeat, Timer::Heartbeat);
            }
            other => panic!("kv storage got a {other:?} timer"),
        }
    }

    pub(super) fn on_message(&mut self, _from: NodeId, msg: Msg, cx: &mut Ctx<'_, KvNode>) {
        match msg {
            Msg::Request(r) => self.request(r, cx),
            Msg::View(v) => self.adopt(v, cx),
            Msg::Handoff { view, entries } => {
                self.adopt(view, cx);
                for (k, e) in entries {
                    let slot = self.store.entry(k).or_insert(e);
                    *slot = (*slot).max(e);
                }
                // Keys this node does not own under its (possibly newer) view move on.
                self.hand_off(cx);
            }
            other => panic!("kv storage got {other:?}"),
        }
    }

    fn request(&mut self, mut r: Request, cx: &mut Ctx<'_, KvNode>) {
        if let Some(v) = r.view.take() {
            self.adopt(v, cx);
        }
        let owner = self.router.owner(r.key);
        let me = self.index;
        if r.hops == 0 {
            cx.observe(Obs::Arrived {
                req: r.req,
                key: r.key,
                req_epoch: r.epoch,
                node_epoch: self.view.epoch,
                misrouted: owner != me,
            });
        }
        if owner == me || self.cluster.bug(Bug::ServeMisrouted) {
            self.serve(&r, cx);
        } else if r.hops >= self.cluster.p.max_hops {
            cx.metrics().add("not_owner_errors", 1.0);
            cx.send(
                r.client,
                Msg::Reply {
                    req: r.req,
                    result: Err(KvError::NotOwner),
                },
            );
        } else {
            cx.metrics().add("forwards", 1.0);
            r.hops += 1;
            r.view = Some(self.view.clone());
            cx.send(NodeId(owner), Msg::Request(r));
        }
    }

    fn serve(&mut self, r: &Request, cx: &mut Ctx<'_, KvNode>) {
        let value = match r.op {
            Op::Get => self.store.get(&r.key).map(|e| e.value),
            Op::Put(v) => {
                let version = self.store.get(&r.key).map_or(1, |e| e.version + 1);
                self.store.insert(r.key, Entry { version, value: v });
                Some(v)
            }
        };
        cx.observe(Obs::Served {
            req: r.req,
            key: r.key,
            epoch: self.view.epoch,
        });
        cx.send(
            r.client,
            Msg::Reply {
                req: r.req,
                result: Ok(value),
            },
        );
    }

    fn adopt(&mut self, v: View, cx: &mut Ctx<'_, KvNode>) {
        if v.epoch <= self.view.epoch {
            return;
        }
        self.router = Router::new(&self.cluster, &v);
        self.view = v;
        cx.persist(KvDurable {
            view: Some(self.view.clone()),
            ..KvDurable::default()
        });
        cx.observe(Obs::ViewAdopted {
            epoch: self.view.epoch,
        });
        self.hand_off(cx);
    }

    /// Sends every stored key this node does not own to its owner, one message per owner.
    fn hand_off(&mut self, cx: &mut Ctx<'_, KvNode>) {
        let mut out: BTreeMap<u32, Vec<(u32, Entry)>> = BTreeMap::new();
        for (&k, &e) in &self.store {
            let owner = self.router.owner(k);
            if owner != self.index {
                out.entry(owner).or_default().push((k, e));
            }
        }
        for (owner, entries) in out {
            for &(k, _) in &entries {
                self.store.remove(&k);
            }
            cx.metrics().add("keys_transferred", entries.len() as f64);
            cx.send(
                NodeId(owner),
                Msg::Handoff {
                    view: self.view.clone(),
                    entries,
                },
            );
        }
    }
}
