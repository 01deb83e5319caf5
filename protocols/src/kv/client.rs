//! The client role: issues gets and puts with Poisson arrivals until `kv.stop_at`, routes each
//! attempt by its current view, and resolves every request with an answer or a definite error.
//!
//! An attempt waits `kv.timeout`; after `kv.attempts` silent attempts the request ends with a
//! `timeout` error. Each retry is routed afresh, so a retry after a view update goes to the
//! new owner. A `not_owner` answer is final (the storage side already forwarded as far as it
//! may). Views arrive from the coordinator (pushed after `kv.client_lag`, and by polling every
//! `kv.view_poll` from a random phase); only a newer epoch replaces the current one.

use std::collections::BTreeMap;
use std::sync::Arc;

use sim::{Ctx, NodeId, Time, TimerId};

use super::cluster::Cluster;
use super::node::{KvDurable, KvNode, Msg, Obs, Op, Outcome, Request, Timer};
use super::routing::{Router, View};

/// A request in flight.
#[derive(Debug)]
struct Pending {
    key: u32,
    op: Op,
    attempt: u32,
    issued_at: Time,
    timer: TimerId,
}

/// A client.
#[derive(Debug)]
pub struct Client {
    cluster: Arc<Cluster>,
    index: u32,
    incarnation: u32,
    view: View,
    router: Router,
    pending: BTreeMap<u64, Pending>,
    seq: u64,
}

impl Client {
    /// Client `index`, rebuilt from its durable view and incarnation.
    pub fn new(cluster: &Arc<Cluster>, index: u32, d: &KvDurable) -> Client {
        let view = d.view.clone().unwrap_or_else(|| View::initial(cluster));
        Client {
            router: Router::new(cluster, &view),
            cluster: Arc::clone(cluster),
            index,
            incarnation: d.incarnation,
            view,
            pending: BTreeMap::new(),
            seq: 0,
        }
    }

    /// The view this client routes by.
    pub fn view(&self) -> &View {
        &self.view
    }

    fn durable(&self) -> KvDurable {
        KvDurable {
            view: Some(self.view.clone()),
            incarnation: self.incarnation,
            coordinator: None,
        }
    }

    pub(super) fn on_start(&mut self, cx: &mut Ctx<'_, KvNode>) {
        // A new incarnation per start keeps request ids unique if a client is restarted.
        self.incarnation += 1;
        cx.persist(self.durable());
        self.schedule_issue(cx);
        let poll = self.cluster.p.view_poll;
        if poll > Time::ZERO {
            // A random phase, so clients do not all poll at the same instants (and a change
            // scripted at a round time is not caught by every client at once).
            let first = Time(1 + cx.rng().below(poll.0));
            cx.set_timer(first, Timer::Poll);
        }
    }

    fn schedule_issue(&mut self, cx: &mut Ctx<'_, KvNode>) {
        let gap = Time::from_secs_f64(cx.rng().exp(1.0 / self.cluster.p.rate));
        if cx.now() + gap < self.cluster.p.stop_at {
            cx.set_timer(gap, Timer::Issue);
        }
    }

    pub(super) fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, KvNode>) {
        match t {
            Timer::Issue => {
                self.issue(cx);
                self.schedule_issue(cx);
            }
            Timer::Timeout { req, attempt } => self.timed_out(req, attempt, cx),
            Timer::Poll => {
                cx.send(
                    self.cluster.coordinator(),
                    Msg::ViewPoll {
                        epoch: self.view.epoch,
                    },
                );
                cx.set_timer(self.cluster.p.view_poll, Timer::Poll);
            }
            other => panic!("kv client got a {other:?} timer"),
        }
    }

    pub(super) fn on_message(&mut self, msg: Msg, cx: &mut Ctx<'_, KvNode>) {
        match msg {
            Msg::Reply { req, result } => {
                // Late answers (after a timeout ended the request, or duplicates) are ignored.
                if let Some(p) = self.pending.remove(&req) {
                    cx.cancel_timer(p.timer);
                    let outcome = match result {
                        Ok(_) => {
                            let ms = (cx.now() - p.issued_at).as_millis_f64();
                            cx.metrics().record("latency_ms", ms);
                            Outcome::Ok
                        }
                        Err(_) => Outcome::NotOwner,
                    };
                    cx.observe(Obs::Completed { req, outcome });
                }
            }
            Msg::View(v) => self.adopt(v, cx),
            other => panic!("kv client got {other:?}"),
        }
    }

    fn adopt(&mut self, v: View, cx: &mut Ctx<'_, KvNode>) {
        if v.epoch <= self.view.epoch {
            return;
        }
        self.router = Router::new(&self.cluster, &v);
        self.view = v;
        cx.persist(self.durable());
        cx.observe(Obs::ViewAdopted {
            epoch: self.view.epoch,
        });
    }

    fn issue(&mut self, cx: &mut Ctx<'_, KvNode>) {
        // Request ids: client index, incarnation, sequence number, in disjoint bit fields.
        let req = (u64::from(self.index) << 56)
            | (u64::from(self.incarnation & 0xff_ffff) << 32)
            | self.seq;
        self.seq += 1;
        let key = self.cluster.keys.sample(cx.rng());
        let op = if cx.rng().bernoulli(self.cluster.p.put_fraction) {
            Op::Put(req)
        } else {
            Op::Get
        };
        cx.observe(Obs::Issued { req });
        let timer = self.send_attempt(req, key, op, 0, cx);
        self.pending.insert(
            req,
            Pending {
                key,
                op,
                attempt: 0,
                issued_at: cx.now(),
                timer,
            },
        );
    }

    fn send_attempt(
        &mut self,
        req: u64,
        key: u32,
        op: Op,
        attempt: u32,
        cx: &mut Ctx<'_, KvNode>,
    ) -> TimerId {
        let to = NodeId(self.router.owner(key));
        let me = cx.me();
        cx.send(
            to,
            Msg::Request(Request {
                req,
                client: me,
                key,
                op,
                epoch: self.view.epoch,
                hops: 0,
                view: None,
            }),
        );
        cx.metrics().add("attempts", 1.0);
        cx.set_timer(self.cluster.p.timeout, Timer::Timeout { req, attempt })
    }

    fn timed_out(&mut self, req: u64, attempt: u32, cx: &mut Ctx<'_, KvNode>) {
        let Some(p) = self.pending.get(&req) else {
            return;
        };
        if p.attempt != attempt {
            return;
        }
        let (key, op) = (p.key, p.op);
        if attempt + 1 < self.cluster.p.attempts {
            cx.metrics().add("retries", 1.0);
            let timer = self.send_attempt(req, key, op, attempt + 1, cx);
            let p = self.pending.get_mut(&req).expect("pending");
            p.attempt = attempt + 1;
            p.timer = timer;
        } else {
            self.pending.remove(&req);
            cx.observe(Obs::Completed {
                req,
                outcome: Outcome::Timeout,
            });
        }
    }
}
