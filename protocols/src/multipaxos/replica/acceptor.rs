//! The acceptor: phase 1b (a promise carries every value accepted at or after the
//! candidate's first slot), phase 2b, heartbeats from the leader, and the lease it grants.
//! The promise and accepted values are persisted before the answer leaves (the kernel applies
//! a handler's persist and sends in order).

use sim::{NodeId, Time};

use super::{Cx, Replica};
use crate::multipaxos::messages::{Ballot, Msg, Obs, Slot, Value};

impl Replica {
    /// True if a lease this acceptor granted (or forgot in a crash) forbids promising
    /// `ballot`.
    pub(super) fn lease_blocks(&self, ballot: Ballot, now: Time) -> bool {
        if now < self.no_promise_until {
            return true;
        }
        matches!(self.lease_granted, Some((holder, until)) if holder != ballot.leader && now < until)
    }

    /// Grants (or extends) the leader of `ballot` a lease from now, when leases are on.
    pub(super) fn grant_lease(&mut self, ballot: Ballot, now: Time) {
        let lease = self.cfg.lease.0;
        if lease == Time::ZERO {
            return;
        }
        let until = now + lease;
        self.lease_granted = match self.lease_granted {
            Some((h, u)) if h == ballot.leader => Some((h, u.max(until))),
            _ => Some((ballot.leader, until)),
        };
    }

    /// Accepted values at or after `from`, as a promise reports them.
    pub(super) fn accepted_from(&self, from: Slot) -> Vec<(Slot, Ballot, Value)> {
        self.accepted
            .range(from..)
            .map(|(s, (b, v))| (*s, *b, v.clone()))
            .collect()
    }

    pub(super) fn on_prepare(&mut self, from: u32, ballot: Ballot, first: Slot, cx: Cx<'_, '_>) {
        self.max_round = self.max_round.max(ballot.round);
        if ballot < self.promised || self.lease_blocks(ballot, cx.now()) {
            cx.send(
                NodeId(from),
                Msg::Nack {
                    ballot,
                    promised: self.promised,
                },
            );
            return;
        }
        self.saw_ballot(ballot, cx);
        if ballot > self.promised {
            self.promised = ballot;
            self.persist(cx);
        }
        self.reset_election_timer(Time::ZERO, cx);
        cx.send(
            NodeId(from),
            Msg::Promise {
                ballot,
                accepted: self.accepted_from(first),
            },
        );
    }

    /// A message from the leader of `ballot` (an accept or heartbeat it may take): adopts the
    /// ballot as its promise, follows that leader and re-arms the election timer. False if
    /// the ballot is below its promise (then it has sent a refusal).
    fn follow(&mut self, from: u32, ballot: Ballot, cx: Cx<'_, '_>) -> bool {
        if ballot < self.promised {
            cx.send(
                NodeId(from),
                Msg::Nack {
                    ballot,
                    promised: self.promised,
                },
            );
            return false;
        }
        self.saw_ballot(ballot, cx);
        if matches!(self.role, super::Role::Candidate { .. }) && ballot.leader != self.me {
            // A leader is alive after all: its heartbeat or accept arrived.
            self.step_down(cx);
        }
        self.leader = Some(ballot.leader);
        self.grant_lease(ballot, cx.now());
        if ballot.leader != self.me {
            self.reset_election_timer(Time::ZERO, cx);
        }
        true
    }

    pub(super) fn on_accept(
        &mut self,
        from: u32,
        ballot: Ballot,
        slot: Slot,
        value: Value,
        commit: Slot,
        cx: Cx<'_, '_>,
    ) {
        if !self.follow(from, ballot, cx) {
            return;
        }
        let raised = ballot > self.promised;
        self.promised = ballot;
        if self.accepted.get(&slot).is_none_or(|(b, _)| *b != ballot) {
            self.accepted.insert(slot, (ballot, value.clone()));
            self.persist(cx);
            cx.observe(Obs::Accepted {
                slot,
                ballot,
                value,
            });
        } else if raised {
            self.persist(cx);
        }
        cx.metrics().add("phase2_messages", 1.0);
        cx.send(NodeId(from), Msg::Accepted { ballot, slot });
        self.learn_commit(ballot, commit, cx);
    }

    pub(super) fn on_heartbeat(
        &mut self,
        from: u32,
        ballot: Ballot,
        commit: Slot,
        sent: Time,
        cx: Cx<'_, '_>,
    ) {
        if !self.follow(from, ballot, cx) {
            return;
        }
        if ballot > self.promised {
            self.promised = ballot;
            self.persist(cx);
        }
        if self.cfg.lease.0 > Time::ZERO {
            cx.send(NodeId(from), Msg::HeartbeatAck { ballot, sent });
        }
        self.learn_commit(ballot, commit, cx);
    }
}
