//! Two-phase-commit properties, judged apart from the roles from their observations and the
//! kernel's crash/restart records, over the whole run (restarts included):
//! - `atomicity` (always): no transaction is both committed (by the coordinator's decision or
//!   at a participant) and aborted (at a participant, or by the coordinator). A participant
//!   that voted YES and restarts without any record of the transaction has lost its prepared
//!   work, which counts as aborting it.
//! - `commit_validity` (always): a transaction commits only if every participant voted YES
//!   and none voted NO (TCConsistent in Gray & Lamport's TCommit, with the vote condition).
//! - `termination` (eventually, judged at the end of the run): no participant is still
//!   prepared without knowing the outcome, and every transaction the coordinator began is
//!   decided somewhere (by the coordinator or at a participant), or was lost with a
//!   coordinator crash (presumed aborted) and the coordinator came back. Participants that
//!   never voted YES on a transaction hold nothing for it and need not hear of it (presumed
//!   abort sends no ABORT to NO voters, for instance).
//! - `blocking` (sometimes): some prepared participant was blocked, see below.
//!
//! Metrics: `txns` (begun), `txns_decided`, `txns_committed`, `commit_rate` (committed /
//! decided), latencies from the transaction's start in seconds: `decision_latency_mean`
//! (coordinator decides), `know_latency_mean` (the last of the N participants knows the
//! outcome, for transactions all N learned), `ack_latency_mean` (the last ACK arrives, for
//! outcomes that are ACKed); and blocking: a participant is blocked on a transaction while it
//! is up, prepared and uncertain, and the coordinator's node is down. `blocking_time_max`
//! and `blocking_time_mean` (over blocked participant-transaction pairs) are in seconds.

use std::collections::BTreeMap;

use sim::{Checker, Event, NodeId, Property, Record, Time, Verdicts};

use super::message::TxnId;
use super::node::{Config, Obs, TwoPcNode};

/// What the checker knows about one transaction.
#[derive(Debug)]
struct Facts {
    begun: Option<Time>,
    /// The coordinator decided commit / abort (both: it changed its mind).
    coord_commit: bool,
    coord_abort: bool,
    lost: bool,
    yes: Vec<bool>,
    no: Vec<bool>,
    committed_by: Vec<bool>,
    aborted_by: Vec<bool>,
    lost_by: Vec<bool>,
    first_learn: Vec<Option<Time>>,
    uncertain_since: Vec<Option<Time>>,
    know_done: bool,
    atomicity_reported: bool,
    validity_reported: bool,
}

impl Facts {
    fn new(n: usize) -> Facts {
        Facts {
            begun: None,
            coord_commit: false,
            coord_abort: false,
            lost: false,
            yes: vec![false; n],
            no: vec![false; n],
            committed_by: vec![false; n],
            aborted_by: vec![false; n],
            lost_by: vec![false; n],
            first_learn: vec![None; n],
            uncertain_since: vec![None; n],
            know_done: false,
            atomicity_reported: false,
            validity_reported: false,
        }
    }
    fn coord_decided(&self) -> bool {
        self.coord_commit || self.coord_abort
    }
    fn committed(&self) -> bool {
        self.coord_commit || self.committed_by.iter().any(|x| *x)
    }
    fn aborted(&self) -> bool {
        self.coord_abort || self.aborted_by.iter().any(|x| *x)
    }
}

/// Running sum, count and maximum, and every value (for the run's CDF charts).
#[derive(Debug, Default, Clone)]
struct Acc {
    sum: f64,
    n: u64,
    max: f64,
    all: Vec<f64>,
}

impl Acc {
    fn add(&mut self, x: f64) {
        self.sum += x;
        self.n += 1;
        self.max = self.max.max(x);
        self.all.push(x);
    }
    fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

/// Checks `atomicity`, `commit_validity`, `termination`, `blocking`; measures latencies and
/// blocking time.
#[derive(Debug)]
pub struct TwoPcChecker {
    n: usize,
    coord: NodeId,
    parts: Vec<NodeId>,
    part_of: Vec<Option<usize>>,
    txns: BTreeMap<TxnId, Facts>,
    /// Closed down intervals per node, and the start of the open one.
    down: Vec<Vec<(Time, Time)>>,
    down_since: Vec<Option<Time>>,
    decision: Acc,
    know: Acc,
    ack: Acc,
    blocking: Acc,
    results: Vec<(String, f64)>,
}

impl TwoPcChecker {
    /// A checker for the run configured by `cfg` with `nodes` nodes.
    pub fn new(cfg: &Config, nodes: usize) -> Self {
        let part_of = (0..nodes)
            .map(|i| cfg.part_index(NodeId(i as u32)))
            .collect();
        TwoPcChecker {
            n: cfg.n(),
            coord: cfg.coord,
            parts: cfg.parts.clone(),
            part_of,
            txns: BTreeMap::new(),
            down: vec![Vec::new(); nodes],
            down_since: vec![None; nodes],
            decision: Acc::default(),
            know: Acc::default(),
            ack: Acc::default(),
            blocking: Acc::default(),
            results: Vec::new(),
        }
    }

    fn facts(&mut self, txn: TxnId) -> &mut Facts {
        let n = self.n;
        self.txns.entry(txn).or_insert_with(|| Facts::new(n))
    }

    /// Down intervals of node `x` clipped to `[a, b]`, the open one running to `b`.
    fn down_within(&self, x: NodeId, a: Time, b: Time) -> Vec<(Time, Time)> {
        let open = self.down_since[x.idx()].map(|s| (s, b));
        self.down[x.idx()]
            .iter()
            .copied()
            .chain(open)
            .map(|(s, e)| (s.max(a), e.min(b)))
            .filter(|(s, e)| s < e)
            .collect()
    }

    /// Time in `[a, b]` during which the coordinator was down and participant `i` was up.
    fn blocked_time(&self, i: usize, a: Time, b: Time) -> Time {
        let p = self.parts[i];
        if p == self.coord || b <= a {
            return Time::ZERO;
        }
        let pd = self.down_within(p, a, b);
        let mut total = 0u64;
        for (s, e) in self.down_within(self.coord, a, b) {
            let mut len = e.0 - s.0;
            for &(ps, pe) in &pd {
                let (os, oe) = (s.max(ps), e.min(pe));
                if os < oe {
                    len -= oe.0 - os.0;
                }
            }
            total += len;
        }
        Time(total)
    }

    /// Participant `i` stops being uncertain about `txn` at `at`: account its blocking.
    fn settle(&mut self, txn: TxnId, i: usize, at: Time, v: &mut Verdicts) {
        let Some(since) = self
            .txns
            .get_mut(&txn)
            .and_then(|f| f.uncertain_since[i].take())
        else {
            return;
        };
        let b = self.blocked_time(i, since, at);
        if b > Time::ZERO {
            self.blocking.add(b.as_secs_f64());
            v.hold("blocking");
        }
    }

    fn judge(&mut self, txn: TxnId, v: &mut Verdicts) {
        let n = self.n;
        let f = self.facts(txn);
        let name = |i: usize| format!("p{}", i + 1);
        if f.committed() && f.aborted() && !f.atomicity_reported {
            f.atomicity_reported = true;
            let who = |flags: &Vec<bool>| {
                (0..n)
                    .filter(|&i| flags[i])
                    .map(name)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let coord = match (f.coord_commit, f.coord_abort) {
                (true, true) => "coordinator decided commit and abort; ",
                (true, false) => "coordinator decided commit; ",
                (false, true) => "coordinator decided abort; ",
                (false, false) => "",
            };
            let lost = who(&f.lost_by);
            let lost = if lost.is_empty() {
                String::new()
            } else {
                format!("; lost their prepare record: {lost}")
            };
            v.fail(
                "atomicity",
                format!(
                    "{txn}: {coord}committed at [{}], aborted at [{}]{lost}",
                    who(&f.committed_by),
                    who(&f.aborted_by)
                ),
            );
        }
        if f.committed() && !f.validity_reported {
            let bad: Vec<String> = (0..n)
                .filter(|&i| !f.yes[i] || f.no[i])
                .map(|i| {
                    format!(
                        "{} {}",
                        name(i),
                        if f.no[i] { "voted NO" } else { "did not vote" }
                    )
                })
                .collect();
            if !bad.is_empty() {
                f.validity_reported = true;
                v.fail(
                    "commit_validity",
                    format!("{txn} committed but {}", bad.join(", ")),
                );
            }
        }
    }

    fn learned(&mut self, at: Time, i: usize, txn: TxnId, commit: bool, v: &mut Verdicts) {
        self.settle(txn, i, at, v);
        let f = self.facts(txn);
        if commit {
            f.committed_by[i] = true;
        } else {
            f.aborted_by[i] = true;
        }
        if f.first_learn[i].is_none() {
            f.first_learn[i] = Some(at);
        }
        if !f.know_done && f.first_learn.iter().all(Option::is_some) {
            f.know_done = true;
            if let Some(b) = f.begun {
                let last = f.first_learn.iter().flatten().max().copied().unwrap_or(at);
                self.know.add((last - b).as_secs_f64());
            }
        }
        self.judge(txn, v);
    }
}

impl Checker<TwoPcNode> for TwoPcChecker {
    fn properties(&self) -> Vec<Property> {
        vec![
            Property::always("atomicity"),
            Property::always("commit_validity"),
            Property::eventually("termination"),
            Property::sometimes("blocking"),
        ]
    }

    fn observe(&mut self, at: Time, node: NodeId, obs: &Obs, v: &mut Verdicts) {
        let part = self.part_of.get(node.idx()).copied().flatten();
        match obs {
            Obs::CoordStarted { incarnation } => {
                for (t, f) in self.txns.iter_mut() {
                    if t.inc < *incarnation && f.begun.is_some() && !f.coord_decided() {
                        f.lost = true;
                    }
                }
            }
            Obs::Begin(txn) => {
                self.facts(*txn).begun = Some(at);
            }
            Obs::Decided { txn, commit } => {
                let f = self.facts(*txn);
                let first = !f.coord_decided();
                if *commit {
                    f.coord_commit = true;
                } else {
                    f.coord_abort = true;
                }
                if let (true, Some(b)) = (first, f.begun) {
                    self.decision.add((at - b).as_secs_f64());
                }
                self.judge(*txn, v);
            }
            Obs::AllAcked(txn) => {
                if let Some(b) = self.facts(*txn).begun {
                    self.ack.add((at - b).as_secs_f64());
                }
            }
            Obs::Voted { txn, yes } => {
                let i = part.expect("a participant votes");
                let f = self.facts(*txn);
                if *yes {
                    f.yes[i] = true;
                    if f.uncertain_since[i].is_none() {
                        f.uncertain_since[i] = Some(at);
                    }
                } else {
                    f.no[i] = true;
                }
                self.judge(*txn, v);
            }
            Obs::Learned { txn, commit } => {
                let i = part.expect("a participant learns");
                self.learned(at, i, *txn, *commit, v);
            }
            Obs::Recovered { prepared, decided } => {
                let i = part.expect("a participant recovers");
                // Prepared again (e.g. a lazy decision record was lost): uncertain again.
                for t in prepared {
                    let f = self.facts(*t);
                    if f.uncertain_since[i].is_none() {
                        f.uncertain_since[i] = Some(at);
                    }
                }
                // Voted YES but no record at all: the prepared work is gone.
                let lost: Vec<TxnId> = self
                    .txns
                    .iter()
                    .filter(|(t, f)| f.yes[i] && !prepared.contains(t) && !decided.contains(t))
                    .map(|(t, _)| *t)
                    .collect();
                for t in lost {
                    let f = self.facts(t);
                    if !f.lost_by[i] {
                        f.lost_by[i] = true;
                        self.learned(at, i, t, false, v);
                    }
                }
            }
        }
    }

    fn node_event(&mut self, rec: &Record<'_>, _v: &mut Verdicts) {
        match rec.event {
            Event::Crash { node } => self.down_since[node.idx()] = Some(rec.time),
            Event::Restart { node } => {
                if let Some(s) = self.down_since[node.idx()].take() {
                    self.down[node.idx()].push((s, rec.time));
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, end: Time, v: &mut Verdicts) {
        let mut problems = Vec::new();
        let mut decided = 0u64;
        let mut committed = 0u64;
        let mut begun = 0u64;
        for (t, f) in &self.txns {
            if f.begun.is_some() {
                begun += 1;
                if !f.coord_decided() && !f.lost && !f.committed() && !f.aborted() {
                    problems.push(format!(
                        "{t} decided nowhere (the coordinator never decided it)"
                    ));
                }
            }
            if f.committed() || f.aborted() {
                decided += 1;
                if f.committed() && !f.aborted() {
                    committed += 1;
                }
            }
            for i in 0..self.n {
                if f.uncertain_since[i].is_some() {
                    problems.push(format!("p{} still prepared on {t}", i + 1));
                }
            }
        }
        // Blocking of pairs still uncertain at the end counts up to the end.
        let open: Vec<(TxnId, usize, Time)> = self
            .txns
            .iter()
            .flat_map(|(t, f)| {
                (0..self.n).filter_map(move |i| f.uncertain_since[i].map(|s| (*t, i, s)))
            })
            .collect();
        for (_, i, since) in open {
            let b = self.blocked_time(i, since, end);
            if b > Time::ZERO {
                self.blocking.add(b.as_secs_f64());
                v.hold("blocking");
            }
        }
        if problems.is_empty() {
            v.hold("termination");
        } else {
            let more = if problems.len() > 5 {
                format!(" (+{} more)", problems.len() - 5)
            } else {
                String::new()
            };
            problems.truncate(5);
            v.fail(
                "termination",
                format!("at {end}: {}{more}", problems.join("; ")),
            );
        }
        let mut r = vec![
            ("txns".to_string(), begun as f64),
            ("txns_decided".to_string(), decided as f64),
            ("txns_committed".to_string(), committed as f64),
            ("blocking_time_max".to_string(), self.blocking.max),
            (
                "blocking_time_mean".to_string(),
                self.blocking.mean().unwrap_or(0.0),
            ),
        ];
        if decided > 0 {
            r.push(("commit_rate".to_string(), committed as f64 / decided as f64));
        }
        for (name, acc) in [
            ("decision_latency_mean", &self.decision),
            ("know_latency_mean", &self.know),
            ("ack_latency_mean", &self.ack),
        ] {
            if let Some(m) = acc.mean() {
                r.push((name.to_string(), m));
            }
        }
        self.results = r;
    }

    fn metrics(&self) -> Vec<(String, f64)> {
        self.results.clone()
    }

    fn samples(&self) -> Vec<(String, Vec<f64>)> {
        [
            ("decision_latency_s", &self.decision),
            ("know_latency_s", &self.know),
            ("ack_latency_s", &self.ack),
        ]
        .into_iter()
        .filter(|(_, a)| !a.all.is_empty())
        .map(|(k, a)| (k.to_string(), a.all.clone()))
        .collect()
    }
}
