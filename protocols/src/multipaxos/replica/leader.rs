//! The proposer: elections (phase 1 once for every slot from the first it does not know to
//! be chosen), recovery of the reported values (gaps filled with no-ops), proposals (one
//! phase-2 round trip per slot, at most `window` outstanding, up to `max_batch` commands per
//! slot), heartbeats, the read lease, and client requests.

use std::collections::{BTreeMap, VecDeque};

use sim::{NodeId, Time};

use super::{Cx, Leading, Proposal, Replica, Role};
use crate::multipaxos::messages::{Ballot, Command, KvOp, KvResult, Msg, Obs, Slot, Timer, Value};

impl Replica {
    /// Phase 1a: a ballot above every round seen, asked of everyone. The candidate promises
    /// its ballot to itself only once the others' promises make a majority with it: until
    /// then it still takes the current leader's accepts, so a replica that merely missed a
    /// few heartbeats (and whose prepare the others refuse under a lease) does not refuse
    /// the working leader's ballot and depose it.
    pub(super) fn start_election(&mut self, cx: Cx<'_, '_>) {
        self.reset_election_timer(Time::ZERO, cx);
        let ballot = Ballot {
            round: self.max_round.max(self.promised.round) + 1,
            leader: self.me,
        };
        if self.lease_blocks(ballot, cx.now()) {
            return;
        }
        self.step_down(cx);
        self.max_round = ballot.round;
        let from = self.commit + 1;
        self.role = Role::Candidate {
            ballot,
            from,
            promises: BTreeMap::new(),
        };
        for r in 0..self.cfg.replicas {
            if r != self.me {
                cx.send(NodeId(r), Msg::Prepare { ballot, from });
            }
        }
        self.count_promises(cx);
    }

    pub(super) fn on_promise(
        &mut self,
        from: u32,
        ballot: Ballot,
        accepted: Vec<(Slot, Ballot, Value)>,
        cx: Cx<'_, '_>,
    ) {
        let Role::Candidate {
            ballot: mine,
            promises,
            ..
        } = &mut self.role
        else {
            return;
        };
        if *mine != ballot {
            return;
        }
        promises.insert(from, accepted);
        self.count_promises(cx);
    }

    /// With the others' promises one short of a majority, the candidate's own acceptor
    /// promises (persisted) and reports its values, and the candidate leads; unless it has
    /// promised a higher ballot meanwhile, or granted another leader a lease.
    fn count_promises(&mut self, cx: Cx<'_, '_>) {
        let Role::Candidate {
            ballot,
            from,
            promises,
        } = &self.role
        else {
            return;
        };
        if promises.len() + 1 < self.cfg.majority {
            return;
        }
        let (ballot, from) = (*ballot, *from);
        if self.promised > ballot || self.lease_blocks(ballot, cx.now()) {
            self.step_down(cx);
            return;
        }
        if self.promised < ballot {
            self.promised = ballot;
            self.persist(cx);
        }
        let own = self.accepted_from(from);
        if let Role::Candidate { promises, .. } = &mut self.role {
            promises.insert(self.me, own);
        }
        self.become_leader(cx);
    }

    /// Per slot from `from` on, the value a new leader must re-propose: the one accepted in
    /// the highest ballot any promise reports.
    fn recover(
        &self,
        from: Slot,
        promises: &BTreeMap<u32, Vec<(Slot, Ballot, Value)>>,
    ) -> BTreeMap<Slot, (Ballot, Value)> {
        let b = &self.cfg.bugs;
        let own_top = self
            .accepted
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0)
            .max(self.commit);
        let mut best: BTreeMap<Slot, (Ballot, Value)> = BTreeMap::new();
        for (s, ballot, v) in promises.values().flatten() {
            if *s < from || (b.skip_phase1 && *s > own_top) {
                continue;
            }
            let better = best.get(s).is_none_or(|(cur, _)| {
                if b.adopt_lowest_ballot {
                    ballot < cur
                } else {
                    ballot > cur
                }
            });
            if better {
                best.insert(*s, (*ballot, v.clone()));
            }
        }
        best
    }

    fn become_leader(&mut self, cx: Cx<'_, '_>) {
        let Role::Candidate {
            ballot,
            from,
            promises,
        } = std::mem::replace(&mut self.role, Role::Follower)
        else {
            return;
        };
        let best = self.recover(from, &promises);
        let top = best.keys().next_back().copied().unwrap_or(0).max(from - 1);
        if let Some(id) = self.election.take() {
            cx.cancel_timer(id);
        }
        self.role = Role::Leader(Box::new(Leading {
            ballot,
            next_slot: top + 1,
            proposals: BTreeMap::new(),
            queue: VecDeque::new(),
            recovered: top,
            lease_until: None,
            lease_round: (Time::ZERO, 0),
        }));
        self.leader = Some(self.me);
        cx.observe(Obs::Leader { ballot });
        for s in from..=top {
            let v = best.get(&s).map_or_else(Value::noop, |(_, v)| v.clone());
            self.propose(s, v, cx);
        }
        self.on_heartbeat_timer(ballot, cx);
    }

    /// Phase 2a for `slot`: accepts it itself (persisted), then asks the others.
    fn propose(&mut self, slot: Slot, value: Value, cx: Cx<'_, '_>) {
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        let ballot = l.ballot;
        l.proposals.insert(
            slot,
            Proposal {
                value: value.clone(),
                acks: 1 << self.me,
                at: cx.metrics_time(),
                sent: cx.now(),
            },
        );
        self.accepted.insert(slot, (ballot, value.clone()));
        self.persist(cx);
        cx.observe(Obs::Accepted {
            slot,
            ballot,
            value: value.clone(),
        });
        for r in 0..self.cfg.replicas {
            if r != self.me {
                cx.metrics().add("phase2_messages", 1.0);
                cx.send(
                    NodeId(r),
                    Msg::Accept {
                        ballot,
                        slot,
                        value: value.clone(),
                        commit: self.commit,
                    },
                );
            }
        }
        if self.cfg.majority == 1 {
            self.chosen(slot, cx);
        }
    }

    /// Proposes queued commands while the window has room, `max_batch` to a slot.
    fn fill_window(&mut self, cx: Cx<'_, '_>) {
        loop {
            let Role::Leader(l) = &mut self.role else {
                return;
            };
            if l.queue.is_empty() || l.proposals.len() >= self.cfg.window {
                return;
            }
            let n = l.queue.len().min(self.cfg.max_batch);
            let batch: Vec<Command> = l.queue.drain(..n).collect();
            let slot = l.next_slot;
            l.next_slot += 1;
            self.propose(slot, Value(batch), cx);
        }
    }

    pub(super) fn on_accepted(&mut self, from: u32, ballot: Ballot, slot: Slot, cx: Cx<'_, '_>) {
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        if l.ballot != ballot {
            return;
        }
        let Some(p) = l.proposals.get_mut(&slot) else {
            return;
        };
        p.acks |= 1 << from;
        let acks = p.acks;
        if self.majority(acks) {
            self.chosen(slot, cx);
        }
    }

    /// A majority accepted the leader's value for `slot`: it is chosen.
    fn chosen(&mut self, slot: Slot, cx: Cx<'_, '_>) {
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        let Some(p) = l.proposals.remove(&slot) else {
            return;
        };
        let latency = (cx.metrics_time() - p.at).as_secs_f64();
        cx.metrics().record("commit_latency", latency);
        self.decide(slot, p.value, cx);
        self.fill_window(cx);
    }

    pub(super) fn on_nack(&mut self, ballot: Ballot, promised: Ballot, cx: Cx<'_, '_>) {
        self.max_round = self.max_round.max(promised.round);
        if self.own_ballot() == Some(ballot) && promised > ballot {
            self.leader = Some(promised.leader);
            self.step_down(cx);
        }
    }

    pub(super) fn on_heartbeat_timer(&mut self, ballot: Ballot, cx: Cx<'_, '_>) {
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        if l.ballot != ballot {
            return;
        }
        let now = cx.now();
        l.lease_round = (now, 1 << self.me);
        let commit = self.commit;
        self.resend_accepts(now, cx);
        self.grant_lease(ballot, now);
        for r in 0..self.cfg.replicas {
            if r != self.me {
                cx.send(
                    NodeId(r),
                    Msg::Heartbeat {
                        ballot,
                        commit,
                        sent: now,
                    },
                );
            }
        }
        if self.cfg.majority == 1 {
            self.lease_granted_by_majority(now);
        }
        cx.set_timer(self.cfg.heartbeat, Timer::Heartbeat(ballot));
    }

    /// Sends again the accepts of every slot proposed a heartbeat interval ago or more and
    /// not yet chosen, to the acceptors that have not accepted it: an accept or its answer
    /// may have been lost, and the chosen prefix waits for every slot.
    fn resend_accepts(&mut self, now: Time, cx: Cx<'_, '_>) {
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        let (ballot, commit) = (l.ballot, self.commit);
        for (&slot, p) in &mut l.proposals {
            if now < p.sent + self.cfg.heartbeat {
                continue;
            }
            p.sent = now;
            for r in 0..self.cfg.replicas {
                if p.acks & (1 << r) == 0 {
                    cx.metrics().add("phase2_messages", 1.0);
                    cx.send(
                        NodeId(r),
                        Msg::Accept {
                            ballot,
                            slot,
                            value: p.value.clone(),
                            commit,
                        },
                    );
                }
            }
        }
    }

    pub(super) fn on_heartbeat_ack(&mut self, from: u32, ballot: Ballot, sent: Time) {
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        if l.ballot != ballot || l.lease_round.0 != sent {
            return;
        }
        l.lease_round.1 |= 1 << from;
        let acks = l.lease_round.1;
        if self.majority(acks) {
            self.lease_granted_by_majority(sent);
        }
    }

    /// A majority acknowledged the heartbeat sent at `sent`: none of them promises another
    /// ballot for a lease after receiving it, so the leader may read locally until
    /// `sent + lease_guard * lease` on its own clock.
    fn lease_granted_by_majority(&mut self, sent: Time) {
        let (lease, guard) = self.cfg.lease;
        if lease == Time::ZERO {
            return;
        }
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        let until = sent + Time((lease.0 as f64 * guard) as u64);
        l.lease_until = Some(l.lease_until.map_or(until, |u| u.max(until)));
    }

    /// The answer to a read served from the leader's own state machine, if it may serve it
    /// so: under a lease, once everything phase 1 recovered is applied (the
    /// `local_reads` bug: always).
    fn local_read(&self, op: KvOp, now: Time) -> Option<KvResult> {
        let KvOp::Get { key } = op else {
            return None;
        };
        let Role::Leader(l) = &self.role else {
            return None;
        };
        let leased = l.lease_until.is_some_and(|u| now < u) && self.applied >= l.recovered;
        (self.cfg.bugs.local_reads || leased).then(|| KvResult::Value(self.kv.read(key)))
    }

    pub(super) fn on_request(&mut self, cmd: Command, cx: Cx<'_, '_>) {
        let reply = |result| Msg::Reply {
            inc: cmd.inc,
            seq: cmd.seq,
            result,
        };
        let to = NodeId(cmd.client);
        if !self.is_leader() {
            cx.metrics().add("client_messages", 1.0);
            cx.metrics().add("redirects", 1.0);
            cx.send(
                to,
                Msg::Redirect {
                    inc: cmd.inc,
                    seq: cmd.seq,
                    leader: self.leader,
                },
            );
            return;
        }
        if let Some(r) = self
            .kv
            .answered(&cmd)
            .or_else(|| self.local_read(cmd.op, cx.now()))
        {
            // Applied already (a retry after a lost reply), or a read under the lease.
            cx.metrics().add("client_messages", 1.0);
            cx.send(to, reply(r));
            return;
        }
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        let same = |c: &Command| c.client == cmd.client && c.inc == cmd.inc && c.seq == cmd.seq;
        let waiting =
            l.queue.iter().any(same) || l.proposals.values().any(|p| p.value.0.iter().any(same));
        if !waiting {
            l.queue.push_back(cmd);
            self.fill_window(cx);
        }
    }
}
