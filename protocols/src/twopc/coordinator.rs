//! The coordinator (transaction manager): starts the workload's transactions, collects votes,
//! decides, logs and sends the decision, collects ACKs, answers inquiries, and recovers from
//! its log after a crash.
//!
//! Logging by variant (forced unless marked lazy; "end" removes the record, lazily):
//! - presumed nothing: commit and abort records forced; end after every ACK;
//! - presumed abort: commit forced, end after every ACK; aborts not logged, not ACKed;
//! - presumed commit: collecting record forced before PREPARE; commit forced, not ACKed;
//!   abort lazy (the collecting record already means abort on recovery), end after every ACK.
//!
//! Recovery: a commit record (presumed nothing/abort) or an abort record is re-sent to every
//! participant until ACKed; a collecting record without a decision (presumed commit) becomes an
//! abort; a transaction with no record is unknown, and an inquiry about an unknown
//! transaction gets the presumption: ABORT, or COMMIT under presumed commit.

use std::collections::{BTreeMap, BTreeSet};

use sim::{NodeId, TimerId};

use super::log::CoordRecord;
use super::message::{Msg, TxnId};
use super::node::{Env, Obs, Timer};
use super::{Bug, Variant};

/// Where an active transaction is.
#[derive(Debug)]
enum State {
    /// Waiting for votes (`None`: not heard yet).
    Collecting { votes: Vec<Option<bool>> },
    /// Decided; waiting for ACKs from these participants.
    AwaitAcks {
        commit: bool,
        pending: BTreeSet<usize>,
    },
}

#[derive(Debug)]
struct Active {
    state: State,
    vote_timer: Option<TimerId>,
    resend_timer: Option<TimerId>,
}

/// The coordinator role's volatile state (rebuilt from the log at every start).
#[derive(Debug, Default)]
pub(crate) struct Coordinator {
    inc: u32,
    txns: BTreeMap<TxnId, Active>,
}

impl Coordinator {
    pub(crate) fn new() -> Self {
        Coordinator::default()
    }

    /// Start or restart: bump the incarnation (forced, so ids are never reused), recover
    /// undecided and un-ACKed transactions from the log, and schedule the workload.
    pub(crate) fn start(&mut self, env: &mut Env<'_, '_>) {
        let first = env.log.incarnation() == 0;
        self.inc = env.log.next_incarnation();
        env.force_uncounted();
        env.cx.observe(Obs::CoordStarted {
            incarnation: self.inc,
        });
        let variant = env.cfg.params.variant;
        let all: BTreeSet<usize> = (0..env.cfg.n()).collect();
        let records: Vec<(TxnId, CoordRecord)> =
            env.log.coord().iter().map(|(t, r)| (*t, *r)).collect();
        for (txn, rec) in records {
            match rec {
                CoordRecord::Commit if variant == Variant::PresumedCommit => {}
                CoordRecord::Commit => self.resend_decision(txn, true, all.clone(), env),
                CoordRecord::Abort => self.resend_decision(txn, false, all.clone(), env),
                CoordRecord::Collecting => {
                    // Presumed commit: collecting without a decision means abort; tell all.
                    env.log.set_coord(txn, CoordRecord::Abort);
                    env.cx.observe(Obs::Decided { txn, commit: false });
                    env.cx
                        .note(format!("recovery: {txn} was collecting votes, aborting"));
                    self.resend_decision(txn, false, all.clone(), env);
                }
            }
        }
        // The workload: items due from now on. After a restart, items whose time has passed
        // were begun before the crash (and are recovered or presumed aborted) or fell in the
        // downtime (their clients got no answer); neither is started again.
        let now = env.cx.now();
        let cfg = env.cfg;
        let starts = &cfg.workload.starts;
        let next = starts
            .iter()
            .position(|&s| if first { s >= now } else { s > now });
        if let Some(k) = next {
            let after = starts[k].saturating_sub(now);
            env.timer(after, Timer::Begin(k));
        }
    }

    /// Re-sends a logged decision to `to` and waits for their ACKs.
    fn resend_decision(
        &mut self,
        txn: TxnId,
        commit: bool,
        to: BTreeSet<usize>,
        env: &mut Env<'_, '_>,
    ) {
        for &i in &to {
            env.send(env.cfg.parts[i], decision(txn, commit));
        }
        let t = env.timer(env.cfg.params.retransmit, Timer::Resend(txn));
        self.txns.insert(
            txn,
            Active {
                state: State::AwaitAcks {
                    commit,
                    pending: to,
                },
                vote_timer: None,
                resend_timer: Some(t),
            },
        );
    }

    pub(crate) fn on_timer(&mut self, t: Timer, env: &mut Env<'_, '_>) {
        match t {
            Timer::Begin(k) => {
                self.begin(k, env);
                let cfg = env.cfg;
                let starts = &cfg.workload.starts;
                if k + 1 < starts.len() {
                    let after = starts[k + 1].saturating_sub(env.cx.now());
                    env.timer(after, Timer::Begin(k + 1));
                }
            }
            Timer::VoteTimeout(txn) => self.vote_timeout(txn, env),
            Timer::Resend(txn) => self.resend(txn, env),
            Timer::Inquire(_) => unreachable!("participant timer routed to the coordinator"),
        }
    }

    fn begin(&mut self, k: usize, env: &mut Env<'_, '_>) {
        let txn = TxnId {
            inc: self.inc,
            seq: k as u32 + 1,
        };
        if env.cfg.params.variant == Variant::PresumedCommit {
            env.log.set_coord(txn, CoordRecord::Collecting);
            env.force();
        }
        env.cx.observe(Obs::Begin(txn));
        for i in 0..env.cfg.n() {
            env.send(env.cfg.parts[i], Msg::Prepare(txn));
        }
        let vote_timer = Some(env.timer(env.cfg.params.vote_timeout, Timer::VoteTimeout(txn)));
        let resend_timer = Some(env.timer(env.cfg.params.retransmit, Timer::Resend(txn)));
        let votes = vec![None; env.cfg.n()];
        self.txns.insert(
            txn,
            Active {
                state: State::Collecting { votes },
                vote_timer,
                resend_timer,
            },
        );
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, env: &mut Env<'_, '_>) {
        let Some(i) = env.cfg.part_index(from) else {
            return;
        };
        match msg {
            Msg::Vote { txn, yes } => self.on_vote(i, txn, yes, env),
            Msg::Ack(txn) => self.on_ack(i, txn, env),
            Msg::Inquiry(txn) => self.on_inquiry(i, txn, env),
            _ => unreachable!("participant message routed to the coordinator: {msg:?}"),
        }
    }

    fn on_vote(&mut self, i: usize, txn: TxnId, yes: bool, env: &mut Env<'_, '_>) {
        let Some(Active {
            state: State::Collecting { votes },
            ..
        }) = self.txns.get_mut(&txn)
        else {
            return; // decided already, or a stale vote from an earlier life
        };
        if votes[i].is_none() {
            votes[i] = Some(yes);
        }
        if !yes {
            self.decide(txn, false, env);
        } else if votes.iter().all(|v| *v == Some(true)) {
            self.decide(txn, true, env);
        }
    }

    fn vote_timeout(&mut self, txn: TxnId, env: &mut Env<'_, '_>) {
        let Some(Active {
            state: State::Collecting { votes },
            ..
        }) = self.txns.get(&txn)
        else {
            return;
        };
        let yes = votes.iter().filter(|v| **v == Some(true)).count();
        let no = votes.contains(&Some(false));
        // The bug: a quorum of YES votes stands in for the missing ones.
        let commit = env.cfg.has(Bug::DecideWithoutAllVotes) && !no && 2 * yes >= env.cfg.n();
        if commit {
            env.cx.note(format!(
                "bug decide_without_all_votes: committing {txn} with {yes} of {} votes",
                env.cfg.n()
            ));
        }
        self.decide(txn, commit, env);
    }

    /// Decides, logs the decision (forced unless the variant or the bug says otherwise),
    /// sends it, and waits for ACKs where the variant asks for them.
    fn decide(&mut self, txn: TxnId, commit: bool, env: &mut Env<'_, '_>) {
        let a = self
            .txns
            .remove(&txn)
            .expect("deciding an active transaction");
        for t in [a.vote_timer, a.resend_timer].into_iter().flatten() {
            env.cx.cancel_timer(t);
        }
        let State::Collecting { votes } = a.state else {
            unreachable!("decided twice")
        };
        env.cx.observe(Obs::Decided { txn, commit });
        let variant = env.cfg.params.variant;
        if commit {
            env.log.set_coord(txn, CoordRecord::Commit);
            if env.cfg.has(Bug::CommitBeforeForce) {
                env.cx.note(format!(
                    "bug commit_before_force: commit record of {txn} left in the log buffer"
                ));
            } else {
                env.force();
            }
        } else {
            match variant {
                Variant::PresumedNothing => {
                    env.log.set_coord(txn, CoordRecord::Abort);
                    env.force();
                }
                Variant::PresumedAbort => {}
                Variant::PresumedCommit => {
                    env.log.set_coord(txn, CoordRecord::Abort);
                }
            }
        }
        // Participants that voted NO have aborted already and need no message.
        let to: BTreeSet<usize> = (0..votes.len())
            .filter(|&i| commit || votes[i] != Some(false))
            .collect();
        for &i in &to {
            env.send(env.cfg.parts[i], decision(txn, commit));
        }
        if variant.acks(commit) && !to.is_empty() {
            let t = env.timer(env.cfg.params.retransmit, Timer::Resend(txn));
            self.txns.insert(
                txn,
                Active {
                    state: State::AwaitAcks {
                        commit,
                        pending: to,
                    },
                    vote_timer: None,
                    resend_timer: Some(t),
                },
            );
        } else if !(commit && variant == Variant::PresumedCommit) {
            // Nothing to wait for: end record (presumed commit keeps its forced commit record;
            // forgetting it would mean the same thing).
            env.log.end_coord(txn);
        }
    }

    fn on_ack(&mut self, i: usize, txn: TxnId, env: &mut Env<'_, '_>) {
        let Some(a) = self.txns.get_mut(&txn) else {
            return;
        };
        let State::AwaitAcks { pending, .. } = &mut a.state else {
            return;
        };
        pending.remove(&i);
        if pending.is_empty() {
            if let Some(t) = a.resend_timer {
                env.cx.cancel_timer(t);
            }
            self.txns.remove(&txn);
            env.log.end_coord(txn); // the end record, lazy
            env.cx.observe(Obs::AllAcked(txn));
        }
    }

    fn on_inquiry(&mut self, i: usize, txn: TxnId, env: &mut Env<'_, '_>) {
        let commit = match self.txns.get(&txn) {
            Some(Active {
                state: State::Collecting { .. },
                ..
            }) => return, // still voting
            Some(Active {
                state: State::AwaitAcks { commit, .. },
                ..
            }) => *commit,
            None => match env.log.coord().get(&txn) {
                Some(CoordRecord::Commit) => true,
                Some(CoordRecord::Abort | CoordRecord::Collecting) => false,
                // No record: the presumption.
                None => env.cfg.params.variant == Variant::PresumedCommit,
            },
        };
        env.send(env.cfg.parts[i], decision(txn, commit));
    }

    fn resend(&mut self, txn: TxnId, env: &mut Env<'_, '_>) {
        let Some(a) = self.txns.get_mut(&txn) else {
            return;
        };
        match &a.state {
            State::Collecting { votes } => {
                for (i, v) in votes.iter().enumerate() {
                    if v.is_none() {
                        env.send(env.cfg.parts[i], Msg::Prepare(txn));
                    }
                }
            }
            State::AwaitAcks { commit, pending } => {
                for &i in pending {
                    env.send(env.cfg.parts[i], decision(txn, *commit));
                }
            }
        }
        a.resend_timer = Some(env.timer(env.cfg.params.retransmit, Timer::Resend(txn)));
    }
}

/// The decision message.
fn decision(txn: TxnId, commit: bool) -> Msg {
    if commit {
        Msg::Commit(txn)
    } else {
        Msg::Abort(txn)
    }
}
