//! Raft's properties (Figure 3 of the paper), judged apart from the servers from their
//! observations, after every event; plus liveness and the client history.
//!
//! The checker keeps a mirror of every server's log (logs are durable, so a crash does not
//! end them) with a running digest of each prefix, and what every server committed and
//! applied.
//!
//! - `election_safety` (always): at most one leader per term, over the whole run.
//! - `leader_append_only` (always): a leader never overwrites or deletes its own entries.
//! - `log_matching` (always): two logs holding an entry with the same index and term are
//!   identical up to it (checked on every change, as equal prefix digests).
//! - `leader_completeness` (always): an entry committed in term t is in the log of every
//!   leader of a later term (checked when a server becomes leader, and when an entry is
//!   committed, against the current leaders of later terms).
//! - `state_machine_safety` (always): no two servers apply (or commit) different entries at
//!   one index.
//! - `linearizable` (always, judged at the end of the run): the clients' history is
//!   linearizable for a key-value store of cas registers ([`crate::linearizability`], one
//!   key at a time); operations never answered may have taken effect or not.
//! - `leader_elected` and `requests_answered` (eventually, when the scenario expects
//!   progress; else reported as reached or not): some server became leader, and by the end
//!   every client operation was answered (except those whose client crashed first).

use std::collections::BTreeMap;

use sim::{Checker, Event, NodeId, Property, Record, Time, Verdicts};

use super::availability::Availability;
use super::history::{HistoryOp, judge_kv_history};
use super::kv::Kv;
use super::messages::{Entry, Index, Obs, RoleName, Term};
use super::node::RaftNode;
use super::params::Params;
use crate::plugin::HistorySlot;

/// A mirror of one server's log: per entry its term, fingerprint and prefix digest.
#[derive(Clone, Debug, Default)]
struct Mirror {
    terms: Vec<Term>,
    prints: Vec<u64>,
    prefix: Vec<u64>,
}

impl Mirror {
    fn len(&self) -> Index {
        self.terms.len() as Index
    }
    fn replace(&mut self, keep: Index, entries: &[Entry]) {
        let k = keep as usize;
        self.terms.truncate(k);
        self.prints.truncate(k);
        self.prefix.truncate(k);
        for e in entries {
            let p = e.fingerprint();
            let before = self.prefix.last().copied().unwrap_or(0);
            self.terms.push(e.term);
            self.prints.push(p);
            self.prefix.push(sim::rng::mix64(before ^ p));
        }
    }
    /// The first `n` entries.
    fn prefix(&self, n: Index) -> Mirror {
        let k = (n as usize).min(self.terms.len());
        Mirror {
            terms: self.terms[..k].to_vec(),
            prints: self.prints[..k].to_vec(),
            prefix: self.prefix[..k].to_vec(),
        }
    }
    /// (term, fingerprint) of entry `i` (1-based), if present.
    fn at(&self, i: Index) -> Option<(Term, u64)> {
        let k = (i as usize).checked_sub(1)?;
        Some((*self.terms.get(k)?, self.prints[k]))
    }
}

/// A committed (or applied) entry as first seen: term, fingerprint, the reporter's term, who.
#[derive(Clone, Copy, Debug)]
struct Fixed {
    term: Term,
    print: u64,
    in_term: Term,
    by: NodeId,
}

/// The Raft checker.
#[derive(Debug)]
pub struct RaftChecker {
    names: Vec<String>,
    servers: u32,
    expect_progress: bool,
    logs: Vec<Mirror>,
    roles: Vec<(Term, RoleName)>,
    commit_seen: Vec<Index>,
    leaders: BTreeMap<Term, NodeId>,
    committed: Vec<Fixed>,
    applied: Vec<Fixed>,
    history: Vec<HistoryOp>,
    outstanding: BTreeMap<(u32, u32, u64), usize>,
    leader_crash: Option<Time>,
    election_times: Vec<f64>,
    max_log: Index,
    answered: u64,
    export: Option<HistorySlot>,
    availability: Availability,
    client_timeout: Time,
    compaction: Compaction,
}

/// What the checker knows of snapshots: the applied sequence replayed (its log and the
/// state-machine digest after each entry), and per server its snapshot's index and how
/// far it has applied.
#[derive(Debug, Default)]
struct Compaction {
    on: bool,
    applied_log: Mirror,
    replay: Kv,
    states: Vec<u64>,
    bases: Vec<Index>,
    applied: Vec<Index>,
    retained_max: Index,
    applied_retained_max: Index,
    installed: u64,
}

impl RaftChecker {
    /// A checker for the cluster `p` describes (node ids as in [`Params::names`]).
    pub fn new(p: &Params) -> Self {
        let n = p.servers as usize;
        RaftChecker {
            names: p.names(),
            servers: p.servers,
            expect_progress: p.expect_progress,
            logs: vec![Mirror::default(); n],
            roles: vec![(0, RoleName::Follower); n],
            commit_seen: vec![0; n],
            leaders: BTreeMap::new(),
            committed: Vec::new(),
            applied: Vec::new(),
            history: Vec::new(),
            outstanding: BTreeMap::new(),
            leader_crash: None,
            election_times: Vec::new(),
            max_log: 0,
            answered: 0,
            availability: Availability::new(n),
            client_timeout: p.client_timeout,
            compaction: Compaction {
                on: p.snapshot_threshold > 0,
                bases: vec![0; n],
                applied: vec![0; n],
                ..Compaction::default()
            },
            export: None,
        }
    }

    /// Also leaves the client history and its verdict in `slot` at the end of the run.
    pub fn exporting(mut self, slot: HistorySlot) -> Self {
        self.export = Some(slot);
        self
    }

    /// The client history so far, in invocation order.
    pub fn history(&self) -> &[HistoryOp] {
        &self.history
    }

    fn name(&self, n: NodeId) -> &str {
        self.names.get(n.idx()).map_or("?", String::as_str)
    }

    fn on_role(&mut self, at: Time, node: NodeId, term: Term, role: RoleName, out: &mut Verdicts) {
        self.roles[node.idx()] = (term, role);
        self.availability.role(at, node, term, role);
        if role != RoleName::Leader {
            return;
        }
        out.hold("leader_elected");
        if let Some(t) = self.leader_crash.take() {
            self.election_times.push((at - t).as_secs_f64());
        }
        if let Some(&other) = self.leaders.get(&term)
            && other != node
        {
            out.fail(
                "election_safety",
                format!(
                    "{} and {} are both leaders of term {term}",
                    self.name(other),
                    self.name(node)
                ),
            );
        }
        self.leaders.insert(term, node);
        let log = &self.logs[node.idx()];
        for (k, c) in self.committed.iter().enumerate() {
            let i = k as Index + 1;
            if c.in_term < term && log.at(i) != Some((c.term, c.print)) {
                out.fail(
                    "leader_completeness",
                    format!(
                        "{} leads term {term} without entry {i} (term {}) that {} committed in term {}",
                        self.name(node),
                        c.term,
                        self.name(c.by),
                        c.in_term
                    ),
                );
                break;
            }
        }
    }

    fn on_log(&mut self, node: NodeId, keep: Index, entries: &[Entry], out: &mut Verdicts) {
        let i = node.idx();
        let (term, role) = self.roles[i];
        if role == RoleName::Leader && keep < self.logs[i].len() {
            out.fail(
                "leader_append_only",
                format!(
                    "{}, leader of term {term}, cut its log from {} to {keep} entries",
                    self.name(node),
                    self.logs[i].len()
                ),
            );
        }
        self.logs[i].replace(keep, entries);
        self.max_log = self.max_log.max(self.logs[i].len());
        self.note_retained(i);
        let mine = &self.logs[i];
        for (j, other) in self.logs.iter().enumerate() {
            if j == i {
                continue;
            }
            let top = mine.len().min(other.len());
            for x in keep + 1..=top {
                let k = x as usize - 1;
                if mine.terms[k] == other.terms[k] && mine.prefix[k] != other.prefix[k] {
                    out.fail(
                        "log_matching",
                        format!(
                            "{} and {} both hold an entry of term {} at index {x} but their logs differ before it",
                            self.name(node),
                            self.name(NodeId(j as u32)),
                            mine.terms[k]
                        ),
                    );
                    return;
                }
            }
        }
    }

    fn on_commit(&mut self, node: NodeId, index: Index, term: Term, out: &mut Verdicts) {
        let i = node.idx();
        let from = self.commit_seen[i] + 1;
        self.commit_seen[i] = self.commit_seen[i].max(index);
        for x in from..=index.min(self.logs[i].len()) {
            let (t, p) = self.logs[i].at(x).expect("within the mirror");
            let k = x as usize - 1;
            if let Some(c) = self.committed.get(k) {
                if c.print != p {
                    out.fail(
                        "state_machine_safety",
                        format!(
                            "{} committed entry {x} of term {t}, but {} committed one of term {} there",
                            self.name(node),
                            self.name(c.by),
                            c.term
                        ),
                    );
                }
                continue;
            }
            self.committed.push(Fixed {
                term: t,
                print: p,
                in_term: term,
                by: node,
            });
            for (&lt, &l) in self.leaders.range(term + 1..) {
                let (rt, rr) = self.roles[l.idx()];
                if rt == lt && rr == RoleName::Leader && self.logs[l.idx()].at(x) != Some((t, p)) {
                    out.fail(
                        "leader_completeness",
                        format!(
                            "{} committed entry {x} (term {t}) in term {term}, but {}, leader of term {lt}, lacks it",
                            self.name(node),
                            self.name(l)
                        ),
                    );
                }
            }
        }
    }

    fn on_apply(&mut self, node: NodeId, index: Index, entry: &Entry, out: &mut Verdicts) {
        let p = entry.fingerprint();
        let k = index as usize - 1;
        self.compaction.applied[node.idx()] = index;
        if k == self.applied.len() {
            let c = &mut self.compaction;
            c.applied_log.replace(index - 1, &[*entry]);
            c.replay.apply(&entry.cmd);
            c.states.push(c.replay.digest());
        }
        self.note_retained(node.idx());
        match self.applied.get(k) {
            Some(a) if a.print != p => out.fail(
                "state_machine_safety",
                format!(
                    "{} applied entry {index} of term {}, but {} applied one of term {} there",
                    self.name(node),
                    entry.term,
                    self.name(a.by),
                    a.term
                ),
            ),
            Some(_) => {}
            None if k == self.applied.len() => self.applied.push(Fixed {
                term: entry.term,
                print: p,
                in_term: 0,
                by: node,
            }),
            None => out.fail(
                "state_machine_safety",
                format!(
                    "{} applied entry {index} before any server applied entry {}",
                    self.name(node),
                    self.applied.len() + 1
                ),
            ),
        }
    }
}

impl Checker<RaftNode> for RaftChecker {
    fn properties(&self) -> Vec<Property> {
        let progress = |n: &str| {
            if self.expect_progress {
                Property::eventually(n)
            } else {
                Property::sometimes(n)
            }
        };
        vec![
            Property::always("election_safety"),
            Property::always("leader_append_only"),
            Property::always("log_matching"),
            Property::always("leader_completeness"),
            Property::always("state_machine_safety"),
            Property::always("linearizable"),
            progress("leader_elected"),
            progress("requests_answered"),
        ]
    }

    fn observe(&mut self, at: Time, node: NodeId, obs: &Obs, out: &mut Verdicts) {
        if node.0 >= self.servers {
            self.on_client(at, node, obs);
            return;
        }
        match obs {
            Obs::Role { term, role } => self.on_role(at, node, *term, *role, out),
            Obs::Log { keep, entries } => self.on_log(node, *keep, entries, out),
            Obs::Commit { index, term } => self.on_commit(node, *index, *term, out),
            Obs::Apply { index, entry, .. } => self.on_apply(node, *index, entry, out),
            Obs::Snapshot {
                index,
                term,
                state,
                installed,
            } => self.on_snapshot(node, (*index, *term, *state), *installed, out),
            Obs::Invoke { .. } | Obs::Return { .. } => {}
        }
    }

    fn node_event(&mut self, rec: &Record<'_>, _out: &mut Verdicts) {
        let node = match rec.event {
            Event::Crash { node } => node,
            Event::Restart { node } | Event::Pause { node } | Event::Resume { node } => {
                self.server_up_down(rec, node);
                return;
            }
            _ => return,
        };
        if node.0 < self.servers {
            self.availability.crash(rec.time, node);
            let i = node.idx();
            if self.roles[i].1 == RoleName::Leader && self.leader_crash.is_none() {
                self.leader_crash = Some(rec.time);
            }
            self.roles[i].1 = RoleName::Follower;
            self.commit_seen[i] = 0;
            // It restarts with its snapshot's state machine.
            self.compaction.applied[i] = self.compaction.bases[i];
        } else {
            for (&(c, _, _), &k) in &self.outstanding {
                if c == node.0 {
                    self.history[k].abandoned = true;
                }
            }
            self.outstanding.retain(|&(c, _, _), _| c != node.0);
        }
    }

    fn finish(&mut self, end: Time, out: &mut Verdicts) {
        self.availability.finish(end);
        self.judge_history(out);
        match self.outstanding.len() {
            0 => out.hold("requests_answered"),
            n if self.expect_progress => {
                let (&(c, inc, seq), _) = self.outstanding.iter().next().expect("n > 0");
                out.fail(
                    "requests_answered",
                    format!(
                        "{n} client requests unanswered at the end, the first request {seq} of {} (session {inc})",
                        self.name(NodeId(c))
                    ),
                );
            }
            _ => {}
        }
    }

    fn metrics(&self) -> Vec<(String, f64)> {
        let mut m = vec![
            (
                "max_term".to_string(),
                self.leaders.keys().last().copied().unwrap_or(0) as f64,
            ),
            ("leaders".to_string(), self.leaders.len() as f64),
            ("committed".to_string(), self.committed.len() as f64),
            ("log_size".to_string(), self.max_log as f64),
            ("ops_answered".to_string(), self.answered as f64),
            ("ops_unanswered".to_string(), self.outstanding.len() as f64),
        ];
        m.extend(self.availability_metrics());
        if self.compaction.on {
            let c = &self.compaction;
            m.push(("log_retained_max".to_string(), c.retained_max as f64));
            m.push((
                "log_applied_retained_max".to_string(),
                c.applied_retained_max as f64,
            ));
            m.push(("snapshots_installed".to_string(), c.installed as f64));
        }
        if let Some(&t) = self.election_times.first() {
            m.push(("election_time".to_string(), t));
            let worst = self.election_times.iter().copied().fold(0.0, f64::max);
            m.push(("election_time_max".to_string(), worst));
        }
        m
    }
}

impl RaftChecker {
    /// A server's log up to `index` became a snapshot (its own, or `installed` from the
    /// leader). The snapshot stands for its prefix: its last term and its state-machine
    /// digest must be those of the applied entries 1..=index replayed
    /// (`state_machine_safety`); an installed one makes the server's mirrored log that
    /// applied prefix (an [`Obs::Log`] follows with the entries it kept after it), so the
    /// Figure 3 checks go on comparing whole prefixes.
    fn on_snapshot(
        &mut self,
        node: NodeId,
        (index, term, state): (Index, Term, u64),
        installed: bool,
        out: &mut Verdicts,
    ) {
        let i = node.idx();
        let c = &mut self.compaction;
        let k = index as usize;
        let agrees = (1..=self.applied.len()).contains(&k)
            && self.applied[k - 1].term == term
            && c.states[k - 1] == state;
        if !agrees {
            out.fail(
                "state_machine_safety",
                format!(
                    "{}'s snapshot up to entry {index} (term {term}) is not the state the applied entries 1..={index} give ({} applied)",
                    self.names.get(i).map_or("?", String::as_str),
                    self.applied.len()
                ),
            );
        } else if installed {
            self.logs[i] = c.applied_log.prefix(index);
        }
        c.installed += u64::from(installed);
        c.bases[i] = index;
        c.applied[i] = c.applied[i].max(index);
        self.note_retained(i);
    }

    /// Server `i`'s retained log (entries after its snapshot) and the applied part of it.
    fn note_retained(&mut self, i: usize) {
        let c = &mut self.compaction;
        let base = c.bases[i];
        c.retained_max = c.retained_max.max(self.logs[i].len().saturating_sub(base));
        c.applied_retained_max = c
            .applied_retained_max
            .max(c.applied[i].saturating_sub(base));
    }

    /// A server restarted, froze or resumed: only availability cares.
    fn server_up_down(&mut self, rec: &Record<'_>, node: NodeId) {
        if node.0 >= self.servers {
            return;
        }
        let (at, a) = (rec.time, &mut self.availability);
        match rec.event {
            // A restarted server is a follower in the term it persisted: the last one seen.
            Event::Restart { .. } => a.restart(at, node, self.roles[node.idx()].0),
            Event::Pause { .. } => a.set_running(at, node, false),
            _ => a.set_running(at, node, true),
        }
    }

    /// `availability` (see [`super::availability`]) and `client_availability`: of the
    /// operations invoked (less those whose client crashed first), the fraction answered
    /// within `client_timeout` of their invocation, before any resend on timeout.
    fn availability_metrics(&self) -> Vec<(String, f64)> {
        let mut m = Vec::new();
        if let Some(f) = self.availability.fraction() {
            m.push(("availability".to_string(), f));
        }
        let counted = self.history.iter().filter(|h| !h.abandoned);
        let (n, prompt) = counted.fold((0u64, 0u64), |(n, k), h| {
            let on_time = h.ret.is_some_and(|r| r - h.invoke <= self.client_timeout);
            (n + 1, k + u64::from(on_time))
        });
        if n > 0 {
            m.push(("client_availability".to_string(), prompt as f64 / n as f64));
        }
        m
    }

    /// Runs the linearizability check over the whole client history (and leaves it in the
    /// export slot, if any).
    fn judge_history(&self, out: &mut Verdicts) {
        let name = |c: u32| self.name(NodeId(c)).to_string();
        judge_kv_history(&self.history, &name, self.export.as_ref(), "raft", out);
    }

    fn on_client(&mut self, at: Time, node: NodeId, obs: &Obs) {
        match obs {
            Obs::Invoke { cmd } => {
                self.outstanding
                    .insert((node.0, cmd.inc, cmd.seq), self.history.len());
                self.history.push(HistoryOp {
                    client: node.0,
                    inc: cmd.inc,
                    seq: cmd.seq,
                    invoke: at,
                    ret: None,
                    op: cmd.op,
                    result: None,
                    abandoned: false,
                });
            }
            Obs::Return { inc, seq, result } => {
                if let Some(k) = self.outstanding.remove(&(node.0, *inc, *seq)) {
                    self.history[k].ret = Some(at);
                    self.history[k].result = Some(*result);
                    self.answered += 1;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::messages::{Command, KvOp};

    fn entry(term: Term, seq: u64) -> Entry {
        Entry {
            term,
            cmd: Command {
                client: 3,
                inc: 0,
                seq,
                op: KvOp::Put { key: 0, value: seq },
            },
        }
    }

    /// Feeds one observation from server `node`; returns the properties it failed.
    fn feed(c: &mut RaftChecker, node: u32, obs: Obs) -> Vec<String> {
        let mut v = Verdicts::default();
        c.observe(Time::ZERO, NodeId(node), &obs, &mut v);
        let s = format!("{v:?}");
        c.properties()
            .into_iter()
            .map(|p| p.name)
            .filter(|n| s.contains(&format!("(\"{n}\"")))
            .collect()
    }

    fn log(keep: Index, entries: Vec<Entry>) -> Obs {
        Obs::Log { keep, entries }
    }

    // Shows: two logs with an entry of the same term at one index but different entries
    // before it fail `log_matching`; equal prefixes, or different terms, do not.
    // (s3's entry 2 has s1's term but follows an entry of term 4 where s1 has term 1.)
    #[test]
    fn log_matching_compares_prefixes() {
        let mut c = RaftChecker::new(&Params::default());
        assert!(feed(&mut c, 0, log(0, vec![entry(1, 1), entry(2, 2)])).is_empty());
        assert!(feed(&mut c, 1, log(0, vec![entry(1, 1), entry(2, 2)])).is_empty());
        assert!(feed(&mut c, 2, log(0, vec![entry(4, 9), entry(3, 2)])).is_empty());
        let f = feed(&mut c, 2, log(1, vec![entry(2, 2)]));
        assert_eq!(
            f,
            ["log_matching"],
            "index 2 agrees in term, index 1 differs"
        );
    }

    // Shows: a leader that cuts its own log fails `leader_append_only`; a follower may, and
    // a crash ends the leadership the checker knows of.
    #[test]
    fn leaders_only_append() {
        let mut c = RaftChecker::new(&Params::default());
        let leader = Obs::Role {
            term: 1,
            role: RoleName::Leader,
        };
        assert!(feed(&mut c, 1, log(0, vec![entry(1, 1), entry(1, 2)])).is_empty());
        assert!(feed(&mut c, 1, log(1, vec![])).is_empty(), "a follower");
        assert!(feed(&mut c, 0, leader.clone()).is_empty());
        assert!(feed(&mut c, 0, log(0, vec![entry(1, 1)])).is_empty());
        // The new entry 1 also has s2's term 1 but another command: log matching breaks too.
        assert_eq!(
            feed(&mut c, 0, log(0, vec![entry(1, 5)])),
            ["leader_append_only", "log_matching"]
        );
        assert_eq!(feed(&mut c, 2, leader), ["election_safety"]);
    }

    // Shows: different entries applied at one index fail `state_machine_safety`, and a
    // leader elected without an entry committed in an earlier term fails
    // `leader_completeness`.
    #[test]
    fn committed_entries_stay() {
        let mut c = RaftChecker::new(&Params::default());
        feed(&mut c, 0, log(0, vec![entry(1, 1)]));
        feed(&mut c, 1, log(0, vec![entry(2, 7)]));
        assert!(feed(&mut c, 0, Obs::Commit { index: 1, term: 1 }).is_empty());
        let apply = |e: Entry| Obs::Apply {
            index: 1,
            entry: e,
            result: crate::raft::KvResult::Written,
        };
        assert!(feed(&mut c, 0, apply(entry(1, 1))).is_empty());
        assert_eq!(
            feed(&mut c, 1, apply(entry(2, 7))),
            ["state_machine_safety"]
        );
        let role = Obs::Role {
            term: 2,
            role: RoleName::Leader,
        };
        assert_eq!(feed(&mut c, 1, role), ["leader_completeness"]);
    }
}
