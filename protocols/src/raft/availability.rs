//! Availability, judged from the servers' observations and the kernel's crash and restart
//! events (apart from the protocol logic, like the checker that owns it).
//!
//! The cluster is *available* at an instant when some server is up, believes it leads term
//! T, and a majority of all servers (itself included) are up with current term T: a leader
//! whose term the majority has adopted, so that, messages permitting, it could commit. The
//! network is not consulted: a leader cut off from its followers still counts until one of
//! them adopts a higher term (an election timeout later). `availability` is the fraction of
//! the measured window during which the cluster was available, time-weighted; the window
//! runs from the first instant it was available to the end of the run (the first election
//! is start-up, not downtime). A run in which it never was has availability 0 over the
//! whole run.

use sim::{NodeId, Time};

use super::messages::{RoleName, Term};

/// Time-weighted availability of one run.
#[derive(Clone, Debug)]
pub struct Availability {
    up: Vec<bool>,
    terms: Vec<Term>,
    leads: Vec<bool>,
    majority: usize,
    /// Start of the measured window: the first instant the cluster was available.
    since: Option<Time>,
    /// Whether it is available now, and since when (the last change).
    now: (bool, Time),
    /// Available time accumulated before `now.1`.
    total: Time,
    end: Option<Time>,
}

impl Availability {
    /// `servers` servers, all up, in term 0, none leading.
    pub fn new(servers: usize) -> Self {
        Availability {
            up: vec![true; servers],
            terms: vec![0; servers],
            leads: vec![false; servers],
            majority: servers / 2 + 1,
            since: None,
            now: (false, Time::ZERO),
            total: Time::ZERO,
            end: None,
        }
    }

    /// Server `node` is in `term`, leading it or not.
    pub fn role(&mut self, at: Time, node: NodeId, term: Term, role: RoleName) {
        self.terms[node.idx()] = term;
        self.leads[node.idx()] = role == RoleName::Leader;
        self.update(at);
    }

    /// Server `node` crashed (it keeps its durable term, but leads nothing and counts for
    /// no majority while down).
    pub fn crash(&mut self, at: Time, node: NodeId) {
        self.up[node.idx()] = false;
        self.leads[node.idx()] = false;
        self.update(at);
    }

    /// Server `node` restarted, as a follower in the term it persisted.
    pub fn restart(&mut self, at: Time, node: NodeId, term: Term) {
        self.up[node.idx()] = true;
        self.terms[node.idx()] = term;
        self.update(at);
    }

    /// Server `node` froze (`false`) or resumed (`true`) with its state intact: while
    /// frozen it neither leads nor counts for a majority.
    pub fn set_running(&mut self, at: Time, node: NodeId, running: bool) {
        self.up[node.idx()] = running;
        self.update(at);
    }

    /// The run ended at `end`.
    pub fn finish(&mut self, end: Time) {
        self.update(end);
        self.end = Some(end);
    }

    fn available(&self) -> bool {
        (0..self.up.len()).any(|l| {
            self.up[l]
                && self.leads[l]
                && (0..self.up.len())
                    .filter(|&i| self.up[i] && self.terms[i] == self.terms[l])
                    .count()
                    >= self.majority
        })
    }

    fn update(&mut self, at: Time) {
        let a = self.available();
        if a == self.now.0 {
            return;
        }
        if self.now.0 {
            self.total += at - self.now.1;
        } else if self.since.is_none() {
            self.since = Some(at);
        }
        self.now = (a, at);
    }

    /// The fraction of the window `[first available, end]` during which the cluster was
    /// available (0 if it never was; `None` before [`Availability::finish`]).
    pub fn fraction(&self) -> Option<f64> {
        let end = self.end?;
        let Some(since) = self.since else {
            return Some(0.0);
        };
        let open = if self.now.0 {
            end - self.now.1
        } else {
            Time::ZERO
        };
        let window = end - since;
        if window == Time::ZERO {
            return Some(1.0);
        }
        // Whole nanoseconds, so a schedule in round numbers gives the exact quotient.
        Some((self.total + open).0 as f64 / window.0 as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(x: u64) -> Time {
        Time::from_millis(x)
    }

    // Shows: with a leader elected at 100 ms, crashed at 1000 ms and a successor whose term
    // the majority has at 1150 ms, over a run ending at 2000 ms, availability is
    // (900 + 850) / 1900.
    #[test]
    fn a_leader_crash_costs_the_time_to_the_next_majority_term() {
        let mut a = Availability::new(3);
        let (f, l, c) = (RoleName::Follower, RoleName::Leader, RoleName::Candidate);
        a.role(ms(90), NodeId(0), 1, c);
        a.role(ms(95), NodeId(1), 1, f);
        assert!(!a.available(), "a candidate is no leader");
        a.role(ms(100), NodeId(0), 1, l);
        a.crash(ms(1000), NodeId(0));
        a.role(ms(1140), NodeId(1), 2, c);
        a.role(ms(1145), NodeId(1), 2, l);
        assert!(!a.available(), "s2 leads term 2 but only it has adopted it");
        a.role(ms(1150), NodeId(2), 2, f);
        a.restart(ms(1500), NodeId(0), 1);
        a.finish(ms(2000));
        assert_eq!(a.fraction(), Some((900.0 + 850.0) / 1900.0));
    }

    // Shows: a cluster that never has a leader has availability 0.
    #[test]
    fn never_available_is_zero() {
        let mut a = Availability::new(3);
        a.role(ms(10), NodeId(0), 1, RoleName::Candidate);
        assert_eq!(a.fraction(), None);
        a.finish(ms(100));
        assert_eq!(a.fraction(), Some(0.0));
    }
}
