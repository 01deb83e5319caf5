//! The coordinator role: the authoritative membership view and how it spreads.
//!
//! Epoch 1 holds `s0`..`s{servers-1}`. Each change makes the next epoch:
//! - scripted `kv.changes` (join, leave) at their time on the coordinator's clock; a leave of
//!   a node that is no longer a member (it crashed out) or of the last member is skipped with
//!   a trace note;
//! - a member whose heartbeats stop for longer than `kv.suspect_after` (checked every
//!   `kv.heartbeat`) is removed (`crash`), unless it is the last member;
//! - with `kv.rejoin`, a node removed that way is re-added when a heartbeat arrives again.
//!
//! A new view goes to every storage node at once (the network delays it) and to the clients
//! after `kv.client_lag` (modelling a slow configuration push), so clients keep routing by
//! the old view for a while. Stale heartbeats and client polls are answered with the current
//! view, which repairs lost pushes. At each change the coordinator counts the keys of the key
//! space whose owner changed (`keys_moved`), reported to the checker. The view and the
//! progress through the script are durable, so a restarted coordinator carries on (and pushes
//! its view to everyone).

use std::collections::BTreeSet;
use std::sync::Arc;

use sim::{Ctx, NodeId, Time};

use super::ChangeKind;
use super::cluster::Cluster;
use super::node::{Cause, CoordinatorLog, KvDurable, KvNode, Msg, Obs, Timer};
use super::routing::{Router, View};

/// The membership coordinator.
#[derive(Debug)]
pub struct Coordinator {
    cluster: Arc<Cluster>,
    view: View,
    router: Router,
    applied: usize,
    crashed: BTreeSet<u32>,
    /// Local time of the last heartbeat per storage node.
    last_seen: Vec<Time>,
    restarted: bool,
}

impl Coordinator {
    /// The coordinator, rebuilt from its durable log.
    pub fn new(cluster: &Arc<Cluster>, d: &KvDurable) -> Coordinator {
        let log = d.coordinator.clone().unwrap_or_default();
        let view = log.view.clone().unwrap_or_else(|| View::initial(cluster));
        Coordinator {
            router: Router::new(cluster, &view),
            cluster: Arc::clone(cluster),
            view,
            applied: log.applied,
            crashed: log.crashed.into_iter().collect(),
            last_seen: vec![Time::ZERO; cluster.storage as usize],
            restarted: d.coordinator.is_some(),
        }
    }

    /// The current view.
    pub fn view(&self) -> &View {
        &self.view
    }

    fn log(&self) -> KvDurable {
        KvDurable {
            coordinator: Some(CoordinatorLog {
                view: Some(self.view.clone()),
                applied: self.applied,
                crashed: self.crashed.iter().copied().collect(),
            }),
            ..KvDurable::default()
        }
    }

    pub(super) fn on_start(&mut self, cx: &mut Ctx<'_, KvNode>) {
        // Everyone gets a grace period of `suspect_after` from (re)start.
        let now = cx.now();
        self.last_seen.iter_mut().for_each(|t| *t = now);
        cx.persist(self.log());
        cx.set_timer(self.cluster.p.heartbeat, Timer::Check);
        // The members chart starts where the run does, not at the first change.
        let t = cx.metrics_time();
        cx.metrics()
            .sample("members", t, self.view.members.len() as f64);
        self.schedule_change(cx);
        if self.restarted {
            self.push(self.storage_ids(), cx);
            self.push(self.client_ids(), cx);
        }
    }

    fn storage_ids(&self) -> Vec<NodeId> {
        (0..self.cluster.storage).map(NodeId).collect()
    }

    fn client_ids(&self) -> Vec<NodeId> {
        (0..self.cluster.clients)
            .map(|i| self.cluster.client_id(i))
            .collect()
    }

    fn push(&self, to: Vec<NodeId>, cx: &mut Ctx<'_, KvNode>) {
        for n in to {
            cx.send(n, Msg::View(self.view.clone()));
        }
    }

    fn schedule_change(&mut self, cx: &mut Ctx<'_, KvNode>) {
        if let Some(&(at, _)) = self.cluster.changes.get(self.applied) {
            cx.set_timer(at - cx.now(), Timer::Change);
        }
    }

    pub(super) fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, KvNode>) {
        match t {
            Timer::Change => {
                let (_, kind) = self.cluster.changes[self.applied];
                self.applied += 1;
                match kind {
                    ChangeKind::Join(s) if !self.view.contains(s) => {
                        self.crashed.remove(&s);
                        self.change(Cause::Join(s), cx);
                    }
                    ChangeKind::Leave(s)
                        if self.view.contains(s) && self.view.members.len() > 1 =>
                    {
                        self.change(Cause::Leave(s), cx);
                    }
                    other => {
                        cx.note(format!(
                            "skipped {other:?}: not applicable to view {:?}",
                            self.view.members
                        ));
                        cx.persist(self.log());
                    }
                }
                self.schedule_change(cx);
            }
            Timer::Check => {
                let now = cx.now();
                let silent: Vec<u32> = self
                    .view
                    .members
                    .iter()
                    .copied()
                    .filter(|&s| now - self.last_seen[s as usize] > self.cluster.p.suspect_after)
                    .collect();
                for s in silent {
                    if self.view.members.len() > 1 {
                        self.crashed.insert(s);
                        self.change(Cause::Crash(s), cx);
                    }
                }
                cx.set_timer(self.cluster.p.heartbeat, Timer::Check);
            }
            Timer::PushClients => self.push(self.client_ids(), cx),
            other => panic!("kv coordinator got a {other:?} timer"),
        }
    }

    pub(super) fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, KvNode>) {
        match msg {
            Msg::Heartbeat { epoch } => {
                let s = from.0;
                self.last_seen[s as usize] = cx.now();
                if self.cluster.p.rejoin && self.crashed.remove(&s) {
                    self.change(Cause::Rejoin(s), cx);
                } else if epoch < self.view.epoch {
                    cx.send(from, Msg::View(self.view.clone()));
                }
            }
            Msg::ViewPoll { epoch } => {
                if epoch < self.view.epoch {
                    cx.send(from, Msg::View(self.view.clone()));
                }
            }
            other => panic!("kv coordinator got {other:?}"),
        }
    }

    /// Makes the next epoch with `cause` applied, counts moved keys, and spreads the view.
    fn change(&mut self, cause: Cause, cx: &mut Ctx<'_, KvNode>) {
        let s = cause.node();
        let mut members = self.view.members.clone();
        if cause.adds() {
            members.push(s);
            members.sort_unstable();
        } else {
            members.retain(|&m| m != s);
        }
        let view = View {
            epoch: self.view.epoch + 1,
            members,
        };
        let router = Router::new(&self.cluster, &view);
        let (before, after) = (self.router.owners(), router.owners());
        let (mut moved, mut via) = (0u64, 0u64);
        for (&a, &b) in before.iter().zip(&after) {
            if a != b {
                moved += 1;
                via += u64::from(if cause.adds() { b == s } else { a == s });
            }
        }
        self.view = view;
        self.router = router;
        cx.persist(self.log());
        cx.observe(Obs::ViewChanged {
            view: self.view.clone(),
            cause,
            keys_moved: moved,
            moved_via_changed: via,
        });
        cx.note(format!(
            "epoch {}: {cause:?}, members {:?}, {moved} keys moved",
            self.view.epoch, self.view.members
        ));
        let t = cx.metrics_time();
        cx.metrics()
            .sample("members", t, self.view.members.len() as f64);
        self.push(self.storage_ids(), cx);
        if self.cluster.p.client_lag == Time::ZERO {
            self.push(self.client_ids(), cx);
        } else {
            cx.set_timer(self.cluster.p.client_lag, Timer::PushClients);
        }
    }
}
