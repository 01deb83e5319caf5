//! The acceptor: promise iff b > maxBal, accept iff b >= maxBal, and persist before replying
//! (persist and send in one handler are applied in order when it returns, so the reply never
//! leaves before the write).

use std::rc::Rc;

use sim::{Ctx, NodeId};

use super::ballot::{Ballot, Vote};
use super::node::{Durable, Msg, Obs, PaxosNode};
use super::params::Config;

/// An acceptor's state: its promise (maxBal) and the last proposal it accepted.
#[derive(Debug)]
pub struct Acceptor {
    cfg: Rc<Config>,
    promised: Ballot,
    accepted: Option<Vote>,
}

impl Acceptor {
    /// Rebuilds an acceptor from its durable state (from nothing with the volatile bug).
    pub fn new(cfg: Rc<Config>, d: &Durable) -> Acceptor {
        let (promised, accepted) = if cfg.bugs.volatile_acceptor {
            (Ballot::ZERO, None)
        } else {
            (d.promised, d.accepted)
        };
        Acceptor {
            cfg,
            promised,
            accepted,
        }
    }

    /// The highest ballot promised.
    pub fn promised(&self) -> Ballot {
        self.promised
    }

    /// The last proposal accepted.
    pub fn accepted(&self) -> Option<Vote> {
        self.accepted
    }

    fn persist(&self, cx: &mut Ctx<'_, PaxosNode>) {
        if !self.cfg.bugs.volatile_acceptor {
            cx.persist(Durable {
                promised: self.promised,
                accepted: self.accepted,
                ..Durable::default()
            });
        }
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, PaxosNode>) {
        match msg {
            Msg::Prepare { b } => {
                // Strict: an equal ballot was promised before (to its unique owner), so a
                // second promise could only serve a replay or a ballot clash.
                let ok = if self.cfg.bugs.non_unique_ballots {
                    b >= self.promised
                } else {
                    b > self.promised
                };
                if ok {
                    self.promised = b;
                    if !self.cfg.bugs.promise_not_persisted {
                        self.persist(cx);
                    }
                    cx.send(
                        from,
                        Msg::Promise {
                            b,
                            accepted: self.accepted,
                        },
                    );
                } else {
                    cx.send(
                        from,
                        Msg::Nack {
                            b,
                            promised: self.promised,
                        },
                    );
                }
            }
            Msg::Accept { b, v } => {
                if b >= self.promised || self.cfg.bugs.accept_below_promise {
                    let vote = Vote {
                        ballot: b,
                        value: v,
                    };
                    if self.accepted != Some(vote) || self.promised < b {
                        self.promised = self.promised.max(b);
                        self.accepted = Some(vote);
                        self.persist(cx);
                        cx.observe(Obs::Accepted { b, v });
                    }
                    // A retransmitted accept is answered again: the first reply may be lost.
                    cx.send(from, Msg::Accepted { b, v });
                    for l in self.cfg.learner_ids() {
                        cx.send(l, Msg::Accepted { b, v });
                    }
                } else {
                    cx.send(
                        from,
                        Msg::Nack {
                            b,
                            promised: self.promised,
                        },
                    );
                }
            }
            Msg::Promise { .. } | Msg::Accepted { .. } | Msg::Nack { .. } => {}
        }
    }
}
