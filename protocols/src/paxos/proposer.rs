//! The proposer and its client: at its start time the client submits `v-pk`; the proposer
//! runs ballots `(round, k)` until a quorum of acceptors accepts one proposal.
//!
//! Phase 1: persist the new round, then send `prepare` (so a restart never reuses a ballot);
//! collect promises from a quorum of distinct acceptors; adopt the value of the
//! highest-ballot proposal they report, else propose the client's value. Phase 2: send
//! `accept`, resend it to silent acceptors on every timeout, decide on a quorum of
//! `accepted` replies. A `nack` naming a higher ballot, or a phase-1 timeout, abandons the
//! ballot: the next one starts at once, or after a random backoff when backoff is on.

use std::rc::Rc;

use sim::{Ctx, NodeId, Time};

use super::ballot::{Ballot, Value, Vote};
use super::node::{Durable, Msg, Obs, PaxosNode, Role, Timer};
use super::params::Config;

/// Where a proposer is in its current attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The client has not submitted yet (or this proposer is not the distinguished one).
    Idle,
    /// Phase 1 of ballot `b`: promises so far (`seen` is a bit mask of acceptors).
    Preparing {
        /// The ballot.
        b: Ballot,
        /// Accepted proposals reported, one per promise counted, in arrival order.
        promises: Vec<Option<Vote>>,
        /// Acceptors heard from.
        seen: u64,
    },
    /// Phase 2 of ballot `b` with value `v`: acceptors that accepted (bit mask).
    Accepting {
        /// The ballot.
        b: Ballot,
        /// The value.
        v: Value,
        /// Acceptors that replied `accepted`.
        acks: u64,
    },
    /// Waiting out a backoff before the next ballot.
    BackingOff,
    /// Done: `v` is chosen.
    Decided(Value),
}

/// A proposer.
#[derive(Debug)]
pub struct Proposer {
    cfg: Rc<Config>,
    k: u32,
    round: u32,
    /// Bug `ballot_reuse_after_restart`: the next ballot reuses the recovered round.
    reuse: bool,
    phase: Phase,
    attempt: u64,
}

impl Proposer {
    /// Rebuilds proposer `k` (1-based) from its durable state: its highest round and its
    /// decision, if any.
    pub fn new(cfg: Rc<Config>, k: u32, d: &Durable) -> Proposer {
        let phase = match d.decided {
            Some(v) => Phase::Decided(v),
            None => Phase::Idle,
        };
        let reuse = cfg.bugs.ballot_reuse_after_restart && d.round > 0;
        Proposer {
            cfg,
            k,
            round: d.round,
            reuse,
            phase,
            attempt: 0,
        }
    }

    /// The current phase.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The value decided, if any.
    pub fn decided(&self) -> Option<Value> {
        match self.phase {
            Phase::Decided(v) => Some(v),
            _ => None,
        }
    }

    fn value(&self) -> Value {
        Value(self.k)
    }

    fn ballot(&self) -> Option<Ballot> {
        match self.phase {
            Phase::Preparing { b, .. } | Phase::Accepting { b, .. } => Some(b),
            _ => None,
        }
    }

    pub(crate) fn on_start(&mut self, cx: &mut Ctx<'_, PaxosNode>) {
        if matches!(self.phase, Phase::Decided(_)) {
            return;
        }
        if self.cfg.distinguished.is_some_and(|d| d != self.k) {
            return;
        }
        let mut at = self.cfg.start_times[(self.k - 1) as usize];
        if self.cfg.start_jitter > Time::ZERO {
            at += Time(cx.rng().below(self.cfg.start_jitter.0 + 1));
        }
        let now = cx.now();
        if now >= at {
            // A restarted proposer resumes at once: its client is still waiting.
            self.begin(cx);
        } else {
            cx.set_timer(Time(at.0 - now.0), Timer::Start);
        }
    }

    fn begin(&mut self, cx: &mut Ctx<'_, PaxosNode>) {
        cx.observe(Obs::Proposed(self.value()));
        self.new_ballot(cx);
    }

    fn new_ballot(&mut self, cx: &mut Ctx<'_, PaxosNode>) {
        if self.reuse {
            self.reuse = false; // the bug: keep the round recovered from disk
        } else {
            self.round += 1;
        }
        let owner = if self.cfg.bugs.non_unique_ballots {
            0
        } else {
            self.k
        };
        let b = Ballot::new(self.round, owner);
        // Persist first: this handler's commands apply in order, so the round is on disk
        // before any prepare for it leaves.
        cx.persist(Durable {
            round: self.round,
            ..Durable::default()
        });
        self.attempt += 1;
        self.phase = Phase::Preparing {
            b,
            promises: Vec::new(),
            seen: 0,
        };
        cx.metrics().add("ballots_used", 1.0);
        for a in self.cfg.acceptor_ids() {
            cx.send(a, Msg::Prepare { b });
        }
        cx.set_timer(self.cfg.retransmit, Timer::Retry(self.attempt));
    }

    /// Abandons the current ballot; the next starts now or after a random backoff.
    fn retry(&mut self, cx: &mut Ctx<'_, PaxosNode>) {
        match self.cfg.backoff {
            Some((lo, hi)) => {
                self.attempt += 1;
                self.phase = Phase::BackingOff;
                let wait = Time(cx.rng().range_u64(lo.0, hi.0 + 1));
                cx.set_timer(wait, Timer::Backoff(self.attempt));
            }
            None => self.new_ballot(cx),
        }
    }

    fn choose(&self, promises: &[Option<Vote>]) -> Value {
        let bugs = &self.cfg.bugs;
        let reported = promises.iter().flatten();
        let adopted = if bugs.ignore_promised_values {
            None
        } else if bugs.adopt_first_value {
            reported.copied().next()
        } else if bugs.adopt_lowest_value {
            reported.min_by_key(|v| v.ballot).copied()
        } else {
            // Ballots are unique, so the highest one names one value.
            reported.max_by_key(|v| v.ballot).copied()
        };
        adopted.map_or(self.value(), |v| v.value)
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, PaxosNode>) {
        if from.0 >= self.cfg.acceptors {
            return;
        }
        let bit = 1u64 << from.0;
        match msg {
            Msg::Promise { b, accepted } => {
                let quorum = self.cfg.quorum as usize;
                let count_dups = self.cfg.bugs.count_duplicate_promises;
                let Phase::Preparing {
                    b: cur,
                    promises,
                    seen,
                } = &mut self.phase
                else {
                    return;
                };
                if *cur != b || (*seen & bit != 0 && !count_dups) {
                    return;
                }
                *seen |= bit;
                promises.push(accepted);
                if promises.len() >= quorum {
                    let promises = std::mem::take(promises);
                    let v = self.choose(&promises);
                    self.attempt += 1;
                    self.phase = Phase::Accepting { b, v, acks: 0 };
                    for a in self.cfg.acceptor_ids() {
                        cx.send(a, Msg::Accept { b, v });
                    }
                    cx.set_timer(self.cfg.retransmit, Timer::Retry(self.attempt));
                }
            }
            Msg::Accepted { b, .. } => {
                let Phase::Accepting { b: cur, v, acks } = &mut self.phase else {
                    return;
                };
                if *cur != b {
                    return;
                }
                *acks |= bit;
                if acks.count_ones() >= self.cfg.quorum {
                    let v = *v;
                    self.attempt += 1;
                    self.phase = Phase::Decided(v);
                    cx.persist(Durable {
                        round: self.round,
                        decided: Some(v),
                        ..Durable::default()
                    });
                    cx.observe(Obs::Decided {
                        v,
                        role: Role::Proposer,
                    });
                }
            }
            Msg::Nack { b, promised } => {
                // Only a higher promise beats this ballot: an equal one is our own promise
                // answered again.
                if self.ballot() == Some(b) && promised > b {
                    self.round = self.round.max(promised.round);
                    self.retry(cx);
                }
            }
            Msg::Prepare { .. } | Msg::Accept { .. } => {}
        }
    }

    pub(crate) fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, PaxosNode>) {
        match t {
            Timer::Start => {
                if self.phase == Phase::Idle {
                    self.begin(cx);
                }
            }
            Timer::Retry(n) if n == self.attempt => match &self.phase {
                // An acceptor never promises the same ballot twice, so phase 1 retries
                // with a new ballot rather than resending the old prepare.
                Phase::Preparing { .. } => self.retry(cx),
                Phase::Accepting { b, v, acks } => {
                    let (b, v, acks) = (*b, *v, *acks);
                    for a in self.cfg.acceptor_ids() {
                        if acks & (1u64 << a.0) == 0 {
                            cx.send(a, Msg::Accept { b, v });
                        }
                    }
                    cx.set_timer(self.cfg.retransmit, Timer::Retry(self.attempt));
                }
                _ => {}
            },
            Timer::Backoff(n) if n == self.attempt && self.phase == Phase::BackingOff => {
                self.new_ballot(cx)
            }
            Timer::Retry(_) | Timer::Backoff(_) => {}
        }
    }
}
