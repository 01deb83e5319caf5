//! Quality of service of a failure detector (Chen, Toueg, Aguilera 2002), measured in true
//! time from q's `Suspect`/`Trust` changes and p's crashes and restarts (trace events).
//!
//! - Detection time T_D, per crash: from the crash to the start of the suspicion q still holds
//!   when p restarts or the run ends (0 if that suspicion began before the crash). q's
//!   suspicions are volatile: a restarted q starts out trusting and knows nothing of the
//!   crash, so T_D then runs from q's latest restart before that suspicion if it came after
//!   p's crash (the bound is a promise of a monitor that is up; a paused q is a slow one and
//!   may overrun it, which is why campaigns pause neither).
//! - Mistakes: transitions to `Suspect` while p is up. Mistake duration T_M: from such a
//!   transition to the next `Trust` while p is still up. Recurrence T_MR: time between
//!   consecutive mistakes. Query accuracy P_A: the fraction of p's up time during which q
//!   trusts it (the time-average form of 1 - E(T_M)/E(T_MR)).
//!
//! Properties: `completeness` (eventually: q suspects p at the end of the run if p crashed for
//! good) and, for NFD-S only, `detection_bound` (always: every T_D <= delta + eta, Chen et
//! al.'s Theorem for NFD-S with synchronized clocks).
//!
//! Metrics (seconds unless said): `fd_detection_time_mean`, `fd_detection_time_max` (when p
//! crashed), `fd_mistakes`, `fd_mistake_rate` (mistakes per second of p's up time),
//! `fd_mistake_duration_mean`, `fd_mistake_recurrence_mean`, `fd_query_accuracy` (fraction),
//! `fd_heartbeats_received`, `fd_mistakes_per_interval` (mistakes per inter-arrival interval
//! observed at q, the unit of the 10^-Phi law).

use sim::{Checker, Event, NodeId, Property, Record, Time, Verdicts};

use super::node::{FdNode, Obs};

/// Measures detector QoS; judges `completeness` and, given a bound, `detection_bound`.
#[derive(Debug)]
pub struct FdChecker {
    p: NodeId,
    q: NodeId,
    bound: Option<Time>,
    /// q's output changes: (true time, suspect?).
    changes: Vec<(Time, bool)>,
    /// p's crashes (false) and restarts (true).
    p_events: Vec<(Time, bool)>,
    /// q's restarts.
    q_restarts: Vec<Time>,
    /// Heartbeats delivered to q while p was up.
    arrivals: u64,
    p_up: bool,
    results: Option<Qos>,
}

/// The measured quality of service of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Qos {
    /// Detection time of each crash q detected.
    pub detection: Vec<Time>,
    /// Crashes q had not detected when p restarted.
    pub undetected: u64,
    /// Mistakes.
    pub mistakes: u64,
    /// Completed mistake durations.
    pub mistake_durations: Vec<Time>,
    /// Time between consecutive mistakes within one up period.
    pub recurrences: Vec<Time>,
    /// p's total up time.
    pub up: Time,
    /// Part of it during which q trusted p.
    pub trusted: Time,
}

impl FdChecker {
    /// A checker for sender `p` and monitor `q`; `bound` is NFD-S's `delta + eta`, if judged.
    pub fn new(p: NodeId, q: NodeId, bound: Option<Time>) -> Self {
        FdChecker {
            p,
            q,
            bound,
            changes: Vec::new(),
            p_events: Vec::new(),
            q_restarts: Vec::new(),
            arrivals: 0,
            p_up: true,
            results: None,
        }
    }

    /// The QoS computed at the end of the run.
    pub fn qos(&self) -> Option<&Qos> {
        self.results.as_ref()
    }

    fn compute(&self, end: Time) -> (Qos, Option<Time>) {
        let mut q = Qos::default();
        // p's up periods [a, b) and, for each that ends in a crash, the crash's down period.
        let mut ups = Vec::new();
        let mut since = Some(Time::ZERO);
        for &(t, up) in &self.p_events {
            match (up, since) {
                (false, Some(a)) => {
                    ups.push((a, t));
                    since = None;
                }
                (true, None) => since = Some(t),
                _ => {}
            }
        }
        if let Some(a) = since {
            ups.push((a, end));
        }
        let mut suspect = false;
        let mut last_suspect_at = Time::ZERO;
        let mut k = 0;
        let mut final_undetected = None;
        for (n, &(a, b)) in ups.iter().enumerate() {
            // Changes while p was down (before a) decide the previous crash's detection.
            while k < self.changes.len() && self.changes[k].0 < a {
                (suspect, last_suspect_at) = apply(self.changes[k], suspect, last_suspect_at);
                k += 1;
            }
            if n > 0 {
                self.judge_crash(ups[n - 1].1, suspect, last_suspect_at, &mut q);
            }
            let mut cursor = a;
            let mut open: Option<Time> = None;
            let mut prev_mistake: Option<Time> = None;
            while k < self.changes.len() && self.changes[k].0 < b {
                let (t, s) = self.changes[k];
                if !suspect {
                    q.trusted += Time(t.0 - cursor.0);
                }
                cursor = t;
                if s && !suspect {
                    q.mistakes += 1;
                    open = Some(t);
                    if let Some(pm) = prev_mistake {
                        q.recurrences.push(Time(t.0 - pm.0));
                    }
                    prev_mistake = Some(t);
                } else if !s
                    && suspect
                    && let Some(o) = open.take()
                {
                    q.mistake_durations.push(Time(t.0 - o.0));
                }
                (suspect, last_suspect_at) = apply(self.changes[k], suspect, last_suspect_at);
                k += 1;
            }
            if !suspect {
                q.trusted += Time(b.0 - cursor.0);
            }
            q.up += Time(b.0 - a.0);
        }
        // A crash with no restart: q has until the end of the run.
        if let Some(&(_, b)) = ups.last()
            && b < end
        {
            while k < self.changes.len() {
                (suspect, last_suspect_at) = apply(self.changes[k], suspect, last_suspect_at);
                k += 1;
            }
            if suspect {
                let from = self.detection_start(b, last_suspect_at);
                q.detection
                    .push(Time(last_suspect_at.0.saturating_sub(from.0)));
            } else {
                final_undetected = Some(b);
            }
        }
        (q, final_undetected)
    }

    /// Where T_D starts for a crash at `crash` detected by a suspicion that began at
    /// `suspected`: the crash, or q's latest restart between the two.
    fn detection_start(&self, crash: Time, suspected: Time) -> Time {
        self.q_restarts
            .iter()
            .rev()
            .find(|&&r| r <= suspected)
            .map_or(crash, |&r| r.max(crash))
    }

    fn judge_crash(&self, crash: Time, suspect: bool, last_suspect_at: Time, q: &mut Qos) {
        if suspect {
            let from = self.detection_start(crash, last_suspect_at);
            q.detection
                .push(Time(last_suspect_at.0.saturating_sub(from.0)));
        } else {
            q.undetected += 1;
        }
    }
}

/// Applies one output change: the new state, and when the current suspicion began.
fn apply((t, s): (Time, bool), suspect: bool, last: Time) -> (bool, Time) {
    (s, if s && !suspect { t } else { last })
}

impl Checker<FdNode> for FdChecker {
    fn properties(&self) -> Vec<Property> {
        let mut v = vec![Property::eventually("completeness")];
        if self.bound.is_some() {
            v.push(Property::always("detection_bound"));
        }
        v
    }

    fn observe(&mut self, at: Time, node: NodeId, obs: &Obs, _v: &mut Verdicts) {
        assert_eq!(node, self.q, "only q reports suspicions");
        self.changes.push((at, *obs == Obs::Suspect));
    }

    fn wants_events(&self) -> bool {
        true
    }

    fn event(&mut self, rec: &Record<'_>, _v: &mut Verdicts) {
        match rec.event {
            Event::Crash { node } if node == self.p => {
                self.p_up = false;
                self.p_events.push((rec.time, false));
            }
            Event::Restart { node } if node == self.p => {
                self.p_up = true;
                self.p_events.push((rec.time, true));
            }
            // A restarted monitor starts out trusting p without reporting it.
            Event::Restart { node } if node == self.q => {
                self.q_restarts.push(rec.time);
                if self.changes.last().is_some_and(|c| c.1) {
                    self.changes.push((rec.time, false));
                }
            }
            Event::Deliver { from, to, .. } if from == self.p && to == self.q && self.p_up => {
                self.arrivals += 1
            }
            _ => {}
        }
    }

    fn finish(&mut self, end: Time, v: &mut Verdicts) {
        let (q, undetected) = self.compute(end);
        match undetected {
            Some(c) => v.fail(
                "completeness",
                format!("p crashed at {c} and q still trusts it at the end ({end})"),
            ),
            None => v.hold("completeness"),
        }
        if let Some(bound) = self.bound
            && let Some(worst) = q.detection.iter().max().filter(|w| **w > bound)
        {
            v.fail(
                "detection_bound",
                format!("detection took {worst}, more than delta + eta = {bound}"),
            );
        }
        self.results = Some(q);
    }

    fn samples(&self) -> Vec<(String, Vec<f64>)> {
        let Some(q) = &self.results else {
            return Vec::new();
        };
        [
            ("fd_detection_time_s", &q.detection),
            ("fd_mistake_duration_s", &q.mistake_durations),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), v.iter().map(|t| t.as_secs_f64()).collect()))
        .collect()
    }

    fn metrics(&self) -> Vec<(String, f64)> {
        let Some(q) = &self.results else {
            return Vec::new();
        };
        let secs = |t: &Time| t.as_secs_f64();
        let mean = |xs: &[Time]| xs.iter().map(secs).sum::<f64>() / xs.len() as f64;
        let mut m = vec![
            ("fd_mistakes".to_string(), q.mistakes as f64),
            ("fd_heartbeats_received".to_string(), self.arrivals as f64),
        ];
        if q.up > Time::ZERO {
            m.push((
                "fd_mistake_rate".to_string(),
                q.mistakes as f64 / q.up.as_secs_f64(),
            ));
            m.push((
                "fd_query_accuracy".to_string(),
                q.trusted.as_secs_f64() / q.up.as_secs_f64(),
            ));
        }
        if self.arrivals > 1 {
            m.push((
                "fd_mistakes_per_interval".to_string(),
                q.mistakes as f64 / (self.arrivals - 1) as f64,
            ));
        }
        if !q.detection.is_empty() {
            m.push(("fd_detection_time_mean".to_string(), mean(&q.detection)));
            m.push((
                "fd_detection_time_max".to_string(),
                q.detection.iter().max().map_or(0.0, secs),
            ));
        }
        if !q.mistake_durations.is_empty() {
            m.push((
                "fd_mistake_duration_mean".to_string(),
                mean(&q.mistake_durations),
            ));
        }
        if !q.recurrences.is_empty() {
            m.push((
                "fd_mistake_recurrence_mean".to_string(),
                mean(&q.recurrences),
            ));
        }
        if q.undetected > 0 {
            m.push(("fd_undetected_crashes".to_string(), q.undetected as f64));
        }
        m
    }
}
