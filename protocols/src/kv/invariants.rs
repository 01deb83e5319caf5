//! The key-value cluster's properties and metrics, judged apart from the roles from their
//! observations (and from client crashes in the trace).
//!
//! Properties:
//! - `request_resolved` (always): every request a client issued ends exactly once, with an
//!   answer or a definite error (`not_owner`, `timeout`), by the end of the run. Requests of
//!   a client that crashes are abandoned, not judged. (Client timeouts bound every request by
//!   `kv.stop_at + kv.attempts * kv.timeout`, which the runner checks the run reaches.)
//! - `served_by_owner` (always): a storage node serves a key only if it owns it under the
//!   view it holds; the checker recomputes the owner with its own router for that epoch.
//! - `same_view_routes_agree` (always): a request routed by a client under epoch `e` and
//!   reaching a node that also holds `e` is never misrouted (routers are a pure function of
//!   the view), so misrouting happens only while views disagree.
//! - `misrouted_during_transition` (sometimes): some request reached a node that did not own
//!   its key. `view_changed` (sometimes): the membership changed at all.
//!
//! Metrics (names in the run's JSON): `requests`, `answered`, `errors`, `errors_not_owner`,
//! `errors_timeout`, `abandoned_requests`, `unresolved_requests`, `availability` (answered /
//! (requests - abandoned)); `routed_requests` (requests reaching their first storage node),
//! `misrouted_requests`, `misrouted_fraction` (misrouted / routed), `first_misroute_s`,
//! `last_misroute_s`; `membership_changes`, `keys_moved` (sum over changes of keys of the key
//! space whose owner changed), `moved_fraction` (mean over changes of keys moved / key space),
//! `moved_fraction_max`, `moved_all_to_new` (1 if at every join all moved keys went to the
//! joiner), `moved_all_from_removed` (1 if at every leave or crash all moved keys came from
//! the removed node), `converged_at_s` (when every client and every member held the last
//! view), `view_spread_s_max` (longest time from a change to that convergence); `load_s{i}`
//! (requests served by storage node i), `load_cv` and `load_max_over_mean` over the nodes
//! that were members at some time.

use std::collections::BTreeMap;
use std::sync::Arc;

use sim::{Checker, Event, NodeId, Property, Record, Time, Verdicts};

use super::cluster::{Cluster, Role};
use super::node::{KvNode, Obs, Outcome};
use super::routing::{Router, View};

/// Judges the kv properties and computes the cluster metrics.
#[derive(Debug)]
pub struct KvChecker {
    cluster: Arc<Cluster>,
    routers: BTreeMap<u64, Router>,
    latest: View,
    changed_at: Time,
    converged_at: Option<Time>,
    spreads: Vec<f64>,
    /// Epoch held by each storage node and client (index = node id).
    node_epoch: Vec<u64>,
    /// Issued, not yet completed: request -> client.
    pending: BTreeMap<u64, NodeId>,
    issued: u64,
    ok: u64,
    not_owner: u64,
    timeout: u64,
    abandoned: u64,
    unresolved: u64,
    routed: u64,
    misrouted: u64,
    first_misroute: Option<Time>,
    last_misroute: Option<Time>,
    served: Vec<u64>,
    changes: u64,
    keys_moved: u64,
    moved_fractions: Vec<f64>,
    joins_all_new: Option<bool>,
    removals_all_from: Option<bool>,
}

impl KvChecker {
    /// A checker for `cluster`.
    pub fn new(cluster: Arc<Cluster>) -> KvChecker {
        let v = View::initial(&cluster);
        let mut routers = BTreeMap::new();
        routers.insert(1, Router::new(&cluster, &v));
        KvChecker {
            routers,
            latest: v,
            changed_at: Time::ZERO,
            converged_at: Some(Time::ZERO),
            spreads: Vec::new(),
            node_epoch: vec![1; (cluster.storage + cluster.clients) as usize],
            pending: BTreeMap::new(),
            issued: 0,
            ok: 0,
            not_owner: 0,
            timeout: 0,
            abandoned: 0,
            unresolved: 0,
            routed: 0,
            misrouted: 0,
            first_misroute: None,
            last_misroute: None,
            served: vec![0; cluster.storage as usize],
            changes: 0,
            keys_moved: 0,
            moved_fractions: Vec::new(),
            joins_all_new: None,
            removals_all_from: None,
            cluster,
        }
    }

    /// Marks the latest view converged once every client and every member holds it.
    fn check_converged(&mut self, at: Time) {
        if self.converged_at.is_some() {
            return;
        }
        let e = self.latest.epoch;
        let s = self.cluster.storage as usize;
        let clients = self.node_epoch[s..].iter().all(|&x| x >= e);
        let members = self
            .latest
            .members
            .iter()
            .all(|&m| self.node_epoch[m as usize] >= e);
        if clients && members {
            self.converged_at = Some(at);
            self.spreads.push((at - self.changed_at).as_secs_f64());
        }
    }

    fn view_changed(
        &mut self,
        at: Time,
        view: &View,
        adds: bool,
        moved: u64,
        via: u64,
        v: &mut Verdicts,
    ) {
        v.hold("view_changed");
        self.changes += 1;
        self.keys_moved += moved;
        self.moved_fractions
            .push(moved as f64 / f64::from(self.cluster.keys.len()));
        let all = moved == via;
        let slot = if adds {
            &mut self.joins_all_new
        } else {
            &mut self.removals_all_from
        };
        *slot = Some(slot.unwrap_or(true) && all);
        self.routers
            .insert(view.epoch, Router::new(&self.cluster, view));
        self.latest = view.clone();
        self.changed_at = at;
        self.converged_at = None;
        self.check_converged(at);
    }
}

impl Checker<KvNode> for KvChecker {
    fn properties(&self) -> Vec<Property> {
        vec![
            Property::always("request_resolved"),
            Property::always("served_by_owner"),
            Property::always("same_view_routes_agree"),
            Property::sometimes("misrouted_during_transition"),
            Property::sometimes("view_changed"),
        ]
    }

    fn observe(&mut self, at: Time, node: NodeId, obs: &Obs, v: &mut Verdicts) {
        match obs {
            Obs::ViewChanged {
                view,
                cause,
                keys_moved,
                moved_via_changed,
            } => {
                self.view_changed(at, view, cause.adds(), *keys_moved, *moved_via_changed, v);
            }
            Obs::ViewAdopted { epoch } => {
                let e = &mut self.node_epoch[node.idx()];
                *e = (*e).max(*epoch);
                self.check_converged(at);
            }
            Obs::Issued { req } => {
                self.issued += 1;
                if self.pending.insert(*req, node).is_some() {
                    v.fail("request_resolved", format!("request {req:#x} issued twice"));
                }
            }
            Obs::Completed { req, outcome } => {
                if self.pending.remove(req).is_none() {
                    v.fail(
                        "request_resolved",
                        format!(
                            "request {req:#x} completed but was not pending (completed twice?)"
                        ),
                    );
                }
                match outcome {
                    Outcome::Ok => self.ok += 1,
                    Outcome::NotOwner => self.not_owner += 1,
                    Outcome::Timeout => self.timeout += 1,
                }
            }
            Obs::Arrived {
                req,
                key,
                req_epoch,
                node_epoch,
                misrouted,
            } => {
                self.routed += 1;
                if *misrouted {
                    self.misrouted += 1;
                    self.first_misroute.get_or_insert(at);
                    self.last_misroute = Some(at);
                    v.hold("misrouted_during_transition");
                    if req_epoch == node_epoch {
                        v.fail(
                            "same_view_routes_agree",
                            format!("request {req:#x} for key{key} routed under epoch {req_epoch} reached {node}, not its owner under the same epoch"),
                        );
                    }
                }
            }
            Obs::Served { req, key, epoch } => {
                let Role::Storage(s) = self.cluster.role(node) else {
                    panic!("kv: a non-storage node {node} served a request");
                };
                self.served[s as usize] += 1;
                match self.routers.get(epoch) {
                    None => v.fail("served_by_owner", format!("s{s} served request {req:#x} under unknown epoch {epoch}")),
                    Some(r) if r.owner(*key) != s => v.fail(
                        "served_by_owner",
                        format!("s{s} served key{key} (request {req:#x}) under epoch {epoch}, whose owner is s{}", r.owner(*key)),
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    fn node_event(&mut self, rec: &Record<'_>, _v: &mut Verdicts) {
        // A crashed client's requests can never complete: they are abandoned, not judged.
        if let Event::Crash { node } = rec.event
            && matches!(self.cluster.role(node), Role::Client(_))
        {
            let before = self.pending.len();
            self.pending.retain(|_, c| *c != node);
            self.abandoned += (before - self.pending.len()) as u64;
        }
    }

    fn finish(&mut self, end: Time, v: &mut Verdicts) {
        self.unresolved = self.pending.len() as u64;
        if let Some((req, c)) = self.pending.first_key_value() {
            v.fail(
                "request_resolved",
                format!(
                    "{} requests neither answered nor failed by {end}; first {req:#x} from {c}",
                    self.pending.len()
                ),
            );
        }
    }

    fn metrics(&self) -> Vec<(String, f64)> {
        let mut m: Vec<(String, f64)> = Vec::new();
        let mut put = |k: &str, x: f64| m.push((k.to_string(), x));
        put("requests", self.issued as f64);
        put("answered", self.ok as f64);
        put("errors", (self.not_owner + self.timeout) as f64);
        put("errors_not_owner", self.not_owner as f64);
        put("errors_timeout", self.timeout as f64);
        put("abandoned_requests", self.abandoned as f64);
        put("unresolved_requests", self.unresolved as f64);
        let judged = self.issued - self.abandoned;
        if judged > 0 {
            put("availability", self.ok as f64 / judged as f64);
        }
        put("routed_requests", self.routed as f64);
        put("misrouted_requests", self.misrouted as f64);
        put(
            "misrouted_fraction",
            if self.routed > 0 {
                self.misrouted as f64 / self.routed as f64
            } else {
                0.0
            },
        );
        if let (Some(a), Some(b)) = (self.first_misroute, self.last_misroute) {
            put("first_misroute_s", a.as_secs_f64());
            put("last_misroute_s", b.as_secs_f64());
        }
        put("membership_changes", self.changes as f64);
        put("keys_moved", self.keys_moved as f64);
        if !self.moved_fractions.is_empty() {
            let n = self.moved_fractions.len() as f64;
            put(
                "moved_fraction",
                self.moved_fractions.iter().sum::<f64>() / n,
            );
            put(
                "moved_fraction_max",
                self.moved_fractions.iter().copied().fold(0.0, f64::max),
            );
        }
        if let Some(b) = self.joins_all_new {
            put("moved_all_to_new", f64::from(u8::from(b)));
        }
        if let Some(b) = self.removals_all_from {
            put("moved_all_from_removed", f64::from(u8::from(b)));
        }
        if self.changes > 0
            && let Some(t) = self.converged_at
        {
            put("converged_at_s", t.as_secs_f64());
        }
        if !self.spreads.is_empty() {
            put(
                "view_spread_s_max",
                self.spreads.iter().copied().fold(0.0, f64::max),
            );
        }
        let members = self.cluster.ever_members();
        let loads: Vec<f64> = members
            .iter()
            .map(|&s| self.served[s as usize] as f64)
            .collect();
        for (&s, &l) in members.iter().zip(&loads) {
            put(&format!("load_s{s}"), l);
        }
        let total: f64 = loads.iter().sum();
        if total > 0.0 {
            let mean = total / loads.len() as f64;
            let var = loads.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / loads.len() as f64;
            put("load_cv", var.sqrt() / mean);
            put(
                "load_max_over_mean",
                loads.iter().copied().fold(0.0, f64::max) / mean,
            );
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use sim::{FaultAction, FaultStep, LinkConfig, RunResult, TimeDist, WorldBuilder};

    use super::*;
    use crate::kv::{Bug, Change, Params};

    /// Runs `p` (seed 1, 1 ms links, `faults`) to `end`; returns the result, the metrics
    /// summary and the world.
    fn run(
        p: &Params,
        faults: Vec<FaultStep>,
        end: Time,
    ) -> (RunResult, BTreeMap<String, f64>, sim::World<KvNode>) {
        let cluster = Arc::new(Cluster::new(p, 1).unwrap());
        let mut b = WorldBuilder::<KvNode>::new(1);
        for n in cluster.names() {
            b.node(&n);
        }
        let c = Arc::clone(&cluster);
        b.factory(move |id, d| KvNode::new(&c, id, d));
        b.checker(KvChecker::new(cluster));
        b.default_link(LinkConfig {
            latency: TimeDist::Const(Time::from_millis(1)),
            ..LinkConfig::default()
        });
        for f in faults {
            b.fault(f);
        }
        b.end(end);
        let mut w = b.build().unwrap();
        let r = w.run();
        let m = w.metrics().summary(r.end);
        (r, m, w)
    }

    fn params(changes: Vec<Change>) -> Params {
        Params {
            stop_at: Time::from_secs(1),
            changes,
            ..Params::default()
        }
    }

    fn join(ms: u64, s: &str) -> Change {
        Change {
            at: Time::from_millis(ms),
            join: Some(s.into()),
            leave: None,
        }
    }

    fn at(ms: u64, action: FaultAction) -> FaultStep {
        FaultStep {
            at: Time::from_millis(ms),
            action,
        }
    }

    #[test]
    fn a_join_misroutes_until_the_view_spreads() {
        // Shows: s5 joins at 300 ms; the coordinator pushes the view to clients 100 ms later
        // (a client may poll it sooner), so misrouted requests (all to keys now owned by s5) occur in [300 ms, convergence +
        // 1 ms link delay] and never after; nothing is lost (availability 1), every moved key
        // went to s5, and the properties hold.
        let (r, m, _) = run(
            &params(vec![join(300, "s5")]),
            vec![],
            Time::from_millis(1200),
        );
        eprintln!("join: {m:?}");
        assert_eq!(r.outcome(), "ok", "{:?}", r.violations);
        assert!(r.reached["misrouted_during_transition"]);
        assert!(m["misrouted_requests"] > 0.0);
        assert!(m["first_misroute_s"] >= 0.3);
        let conv = m["converged_at_s"];
        // Pushed at 400 ms + 1 ms link delay, or earlier if a client's poll came first.
        assert!(conv > 0.3 && conv <= 0.401 + 1e-9, "converged at {conv}");
        assert!(m["last_misroute_s"] <= conv + 0.001 + 1e-9);
        assert_eq!(m["availability"], 1.0);
        assert_eq!(m["unresolved_requests"], 0.0);
        assert_eq!(m["moved_all_to_new"], 1.0);
        assert_eq!(m["membership_changes"], 1.0);
        assert!(
            m["moved_fraction"] > 0.05 && m["moved_fraction"] < 0.35,
            "{}",
            m["moved_fraction"]
        );
        assert!(m["requests"] > 800.0 && m["answered"] == m["requests"]);
    }

    #[test]
    fn a_crash_is_detected_and_the_node_rejoins() {
        // Shows: s2 crashes at 300 ms (kernel fault): requests for its keys time out (definite
        // errors, so availability < 1) until the coordinator removes it after missed
        // heartbeats; every moved key came from s2. After its restart at 700 ms it heartbeats
        // again and is re-added: two membership changes, every request resolved.
        let faults = vec![
            at(300, FaultAction::Crash("s2".into())),
            at(700, FaultAction::Restart("s2".into())),
        ];
        let (r, m, w) = run(&params(vec![]), faults, Time::from_millis(1200));
        eprintln!("crash: {m:?}");
        assert_eq!(r.outcome(), "ok", "{:?}", r.violations);
        assert_eq!(m["membership_changes"], 2.0);
        assert_eq!(m["moved_all_from_removed"], 1.0);
        assert_eq!(m["moved_all_to_new"], 1.0);
        assert!(m["errors_timeout"] > 0.0);
        assert!(m["availability"] < 1.0 && m["availability"] > 0.8);
        assert_eq!(m["unresolved_requests"], 0.0);
        let KvNode::Coordinator(c) = w.actor(NodeId(7)).unwrap() else {
            panic!("node 7 is coord")
        };
        assert_eq!(c.view().members, vec![0, 1, 2, 3, 4]);
        assert_eq!(c.view().epoch, 3);
    }

    #[test]
    fn a_leave_hands_keys_over() {
        // Shows: after s1 leaves at 500 ms it holds no keys (all handed off), keys were
        // transferred, and every key that moved came from s1.
        let leave = Change {
            at: Time::from_millis(500),
            join: None,
            leave: Some("s1".into()),
        };
        let (r, m, w) = run(&params(vec![leave]), vec![], Time::from_millis(1200));
        assert_eq!(r.outcome(), "ok", "{:?}", r.violations);
        assert!(m["keys_transferred"] > 0.0);
        assert_eq!(m["moved_all_from_removed"], 1.0);
        let KvNode::Storage(s) = w.actor(NodeId(1)).unwrap() else {
            panic!("node 1 is s1")
        };
        assert!(s.store().is_empty());
        assert!(!s.view().contains(1));
    }

    #[test]
    fn rejecting_misrouted_requests_costs_availability() {
        // Shows: with kv.max_hops = 0 storage nodes reject misrouted requests with a definite
        // not_owner error, so the join's transition costs answers; still every request resolves.
        let p = Params {
            max_hops: 0,
            ..params(vec![join(300, "s5")])
        };
        let (r, m, _) = run(&p, vec![], Time::from_millis(1200));
        assert_eq!(r.outcome(), "ok", "{:?}", r.violations);
        assert_eq!(m["errors_not_owner"], m["misrouted_requests"]);
        assert!(m["errors_not_owner"] > 0.0 && m["availability"] < 1.0);
    }

    #[test]
    fn coordinator_restart_keeps_the_epoch() {
        // Shows: the coordinator crashes at 200 ms and restarts at 250 ms; its durable log
        // keeps epoch and script progress, so the join at 400 ms makes epoch 2 and all is well.
        let faults = vec![
            at(200, FaultAction::Crash("coord".into())),
            at(250, FaultAction::Restart("coord".into())),
        ];
        let (r, m, w) = run(
            &params(vec![join(400, "s5")]),
            faults,
            Time::from_millis(1200),
        );
        assert_eq!(r.outcome(), "ok", "{:?}", r.violations);
        let KvNode::Coordinator(c) = w.actor(NodeId(8)).unwrap() else {
            panic!("node 8 is coord")
        };
        assert_eq!(c.view().epoch, 2);
        assert_eq!(m["membership_changes"], 1.0);
    }

    #[test]
    fn bug_serve_misrouted_is_caught() {
        // Shows: with the serve_misrouted bug, a stale client's request is served by the old
        // owner after the join; served_by_owner reports it (safety violation).
        let p = Params {
            bugs: vec![Bug::ServeMisrouted],
            ..params(vec![join(300, "s5")])
        };
        let (r, _, _) = run(&p, vec![], Time::from_millis(1200));
        assert_eq!(r.outcome(), "safety_violation");
        assert!(
            r.violations.iter().all(|v| v.property == "served_by_owner"),
            "{:?}",
            r.violations
        );
        assert!(r.violations[0].time_ns >= 300_000_000);
    }

    #[test]
    fn every_algorithm_runs_a_join_cleanly() {
        // Shows: each placement algorithm (bounded included) serves a join with no property
        // violated and availability 1.
        for algo in crate::ch::Algorithm::NAMES {
            let p = Params {
                algorithm: algo.into(),
                keys: 2000,
                rate: 200.0,
                ..params(vec![join(300, "s5")])
            };
            let (r, m, _) = run(&p, vec![], Time::from_millis(1200));
            assert_eq!(r.outcome(), "ok", "{algo}: {:?}", r.violations);
            assert_eq!(m["availability"], 1.0, "{algo}");
        }
    }
}
