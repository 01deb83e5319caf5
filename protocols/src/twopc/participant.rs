//! The participant (resource manager): votes, forces its prepare record before a YES, learns
//! the decision, asks for it when it is late (the coordinator, and with cooperative
//! termination the other participants), answers the others' termination queries, and
//! recovers from its log.
//!
//! Logging: prepare forced; a NO vote's abort record lazy (the vote is a property of the
//! workload, so a participant that forgets it votes NO again); a decision record is forced
//! exactly when the variant ACKs that decision (presumed nothing: both; presumed abort:
//! commit; presumed commit: abort), since an ACK lets the coordinator forget; an abort
//! decided on its own for a termination query (it had not voted) is forced, because it is a
//! promise to vote NO.

use std::collections::BTreeMap;

use sim::{NodeId, TimerId};

use super::Bug;
use super::log::PartRecord;
use super::message::{Msg, TxnId};
use super::node::{Env, Obs, Timer};

/// The participant role's volatile state (its knowledge lives in the node's log).
#[derive(Debug)]
pub(crate) struct Participant {
    idx: usize,
    timers: BTreeMap<TxnId, TimerId>,
}

impl Participant {
    pub(crate) fn new(idx: usize) -> Self {
        Participant {
            idx,
            timers: BTreeMap::new(),
        }
    }

    /// Start or restart: report what the log says, and ask at once about every transaction
    /// the participant is prepared on (it may have missed the decision while down).
    pub(crate) fn start(&mut self, env: &mut Env<'_, '_>) {
        let mut prepared = Vec::new();
        let mut decided = Vec::new();
        for (t, r) in env.log.part() {
            if *r == PartRecord::Prepared {
                prepared.push(*t)
            } else {
                decided.push(*t)
            }
        }
        for &txn in &prepared {
            self.ask(txn, env);
            let t = env.timer(env.cfg.params.retransmit, Timer::Inquire(txn));
            self.timers.insert(txn, t);
        }
        env.cx.observe(Obs::Recovered { prepared, decided });
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, env: &mut Env<'_, '_>) {
        match msg {
            Msg::Prepare(txn) => self.on_prepare(txn, env),
            Msg::Commit(txn) => self.on_decision(from, txn, true, env),
            Msg::Abort(txn) => self.on_decision(from, txn, false, env),
            Msg::TermQuery(txn) => self.on_term_query(from, txn, env),
            _ => unreachable!("coordinator message routed to a participant: {msg:?}"),
        }
    }

    fn on_prepare(&mut self, txn: TxnId, env: &mut Env<'_, '_>) {
        let coord = env.cfg.coord;
        match env.log.part().get(&txn).copied() {
            None => {
                let yes = env.cfg.workload.yes(txn.seq, self.idx);
                if yes {
                    env.log.set_part(txn, PartRecord::Prepared);
                    if env.cfg.has(Bug::UnforcedPrepare) {
                        env.cx.note(format!("bug unforced_prepare: voting YES on {txn} with the prepare record unforced"));
                    } else {
                        env.force();
                    }
                    env.cx.observe(Obs::Voted { txn, yes: true });
                    env.send(coord, Msg::Vote { txn, yes: true });
                    let t = env.timer(env.cfg.params.decision_timeout, Timer::Inquire(txn));
                    self.timers.insert(txn, t);
                } else {
                    env.log.set_part(txn, PartRecord::Aborted);
                    env.cx.observe(Obs::Voted { txn, yes: false });
                    env.cx.observe(Obs::Learned { txn, commit: false });
                    env.send(coord, Msg::Vote { txn, yes: false });
                }
            }
            // The vote was lost (or the PREPARE duplicated): say it again.
            Some(PartRecord::Prepared) => env.send(coord, Msg::Vote { txn, yes: true }),
            Some(PartRecord::Aborted) => env.send(coord, Msg::Vote { txn, yes: false }),
            Some(PartRecord::Committed) => {}
        }
    }

    fn on_decision(&mut self, from: NodeId, txn: TxnId, commit: bool, env: &mut Env<'_, '_>) {
        let mut target = txn;
        if env.cfg.has(Bug::StaleDecision)
            && env.log.part().get(&txn) != Some(&PartRecord::Prepared)
        {
            let current = env
                .log
                .part()
                .iter()
                .rev()
                .find(|(_, r)| **r == PartRecord::Prepared)
                .map(|(t, _)| *t);
            if let Some(cur) = current {
                env.cx.note(format!(
                    "bug stale_decision: decision for {txn} taken for {cur}"
                ));
                target = cur;
            }
        }
        let variant = env.cfg.params.variant;
        match env.log.part().get(&target).copied() {
            Some(PartRecord::Prepared) => self.learn(target, commit, env),
            Some(r @ (PartRecord::Committed | PartRecord::Aborted)) => {
                if (r == PartRecord::Committed) != commit {
                    env.cx
                        .note(format!("conflicting decision for {target} ignored"));
                }
            }
            None => {
                // Not prepared: an ABORT for a transaction it never voted on (its PREPARE was
                // lost). Record it so a late PREPARE gets NO. A COMMIT cannot be applied: the
                // participant has no prepared work for it.
                if !commit {
                    env.log.set_part(target, PartRecord::Aborted);
                    if variant.acks(false) {
                        env.force();
                    }
                    env.cx.observe(Obs::Learned {
                        txn: target,
                        commit: false,
                    });
                }
            }
        }
        if from == env.cfg.coord && variant.acks(commit) {
            env.send(env.cfg.coord, Msg::Ack(target));
        }
    }

    /// Records the outcome of a prepared transaction.
    fn learn(&mut self, txn: TxnId, commit: bool, env: &mut Env<'_, '_>) {
        let rec = if commit {
            PartRecord::Committed
        } else {
            PartRecord::Aborted
        };
        env.log.set_part(txn, rec);
        if env.cfg.params.variant.acks(commit) {
            env.force();
        }
        env.cx.observe(Obs::Learned { txn, commit });
        if let Some(t) = self.timers.remove(&txn) {
            env.cx.cancel_timer(t);
        }
    }

    fn on_term_query(&mut self, from: NodeId, txn: TxnId, env: &mut Env<'_, '_>) {
        match env.log.part().get(&txn).copied() {
            Some(PartRecord::Committed) => env.send(from, Msg::Commit(txn)),
            Some(PartRecord::Aborted) => env.send(from, Msg::Abort(txn)),
            Some(PartRecord::Prepared) => {} // uncertain too: nothing to tell
            None => {
                // Not voted yet: abort on its own (forced: it promises a NO vote) and say so.
                env.log.set_part(txn, PartRecord::Aborted);
                env.force();
                env.cx
                    .note(format!("termination: {txn} not voted yet, aborting it"));
                env.cx.observe(Obs::Learned { txn, commit: false });
                env.send(from, Msg::Abort(txn));
            }
        }
    }

    pub(crate) fn on_inquire_timer(&mut self, txn: TxnId, env: &mut Env<'_, '_>) {
        self.timers.remove(&txn);
        if env.log.part().get(&txn) != Some(&PartRecord::Prepared) {
            return;
        }
        if env.cfg.has(Bug::AbortAfterYes) {
            env.cx.note(format!(
                "bug abort_after_yes: giving up on {txn} after voting YES"
            ));
            env.log.set_part(txn, PartRecord::Aborted);
            env.force();
            env.cx.observe(Obs::Learned { txn, commit: false });
            return;
        }
        self.ask(txn, env);
        let t = env.timer(env.cfg.params.retransmit, Timer::Inquire(txn));
        self.timers.insert(txn, t);
    }

    /// Asks the coordinator and, with cooperative termination, every other participant.
    fn ask(&mut self, txn: TxnId, env: &mut Env<'_, '_>) {
        let cfg = env.cfg;
        env.send(cfg.coord, Msg::Inquiry(txn));
        if cfg.params.termination {
            for (i, &p) in cfg.parts.iter().enumerate() {
                if i != self.idx {
                    env.send(p, Msg::TermQuery(txn));
                }
            }
        }
    }
}
