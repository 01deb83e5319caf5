//! The network: per-directed-link latency, loss, duplication and FIFO; partitions; and the
//! rule pipeline for scripted adversarial schedules. Decisions are pure given the network's
//! own random stream, so they never shift another stream.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::actor::NodeId;
use crate::rng::{Stream, TimeDist};
use crate::time::Time;

/// How one directed link behaves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    /// One-way delay distribution.
    #[serde(default = "default_latency")]
    pub latency: TimeDist,
    /// Probability in [0, 1) that a message is lost.
    #[serde(default)]
    pub loss: f64,
    /// Probability in [0, 1) that a message is delivered twice.
    #[serde(default)]
    pub duplicate: f64,
    /// Deliver in send order on this link (a later message never overtakes an earlier one).
    #[serde(default)]
    pub fifo: bool,
}

fn default_latency() -> TimeDist {
    TimeDist::Const(Time::from_millis(1))
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            latency: default_latency(),
            loss: 0.0,
            duplicate: 0.0,
            fifo: false,
        }
    }
}

impl LinkConfig {
    /// A perfect zero-delay link (used by queueing models where the dispatcher is local).
    pub fn instant() -> LinkConfig {
        LinkConfig {
            latency: TimeDist::ZERO,
            loss: 0.0,
            duplicate: 0.0,
            fifo: false,
        }
    }
    /// Checks ranges; the message names the field and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..1.0).contains(&self.loss) {
            return Err(format!("loss must be in [0, 1), got {}", self.loss));
        }
        if !(0.0..1.0).contains(&self.duplicate) {
            return Err(format!(
                "duplicate must be in [0, 1), got {}",
                self.duplicate
            ));
        }
        self.latency.validate().map_err(|e| format!("latency: {e}"))
    }
}

/// What a rule does to a matching message. The first rule that does not `Pass` wins.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Verdict {
    /// Leave it to the link.
    Pass,
    /// Drop it.
    Drop,
    /// Add this much delay on top of the link's latency.
    Delay(Time),
    /// Deliver no earlier than this true time.
    HoldUntil(Time),
    /// Deliver it twice, as the link's random duplication would (a second copy after a
    /// latency of its own): a scripted duplicate, written `verdict = "duplicate"`.
    Duplicate,
}

/// A scripted network rule: matches `(from, to, kind, time window, n-th match)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Name, used to remove it and shown in traces.
    pub name: String,
    /// Sender node name (absent: any).
    #[serde(default)]
    pub from: Option<String>,
    /// Destination node name (absent: any).
    #[serde(default)]
    pub to: Option<String>,
    /// Message kind (absent: any).
    #[serde(default)]
    pub kind: Option<String>,
    /// Active from this send time (inclusive).
    #[serde(default)]
    pub after: Option<Time>,
    /// Active until this send time (exclusive).
    #[serde(default)]
    pub before: Option<Time>,
    /// Act only on the n-th matching message (1-based); absent: on every match. Every
    /// installed rule counts every message its filter matches, whichever rule decides that
    /// message's fate, so `nth = 3` is the third such message even when an earlier rule
    /// dropped the first.
    #[serde(default)]
    pub nth: Option<u64>,
    /// What to do.
    pub verdict: Verdict,
}

/// A rule with names resolved to node ids and its match counter.
#[derive(Clone, Debug)]
pub(crate) struct ActiveRule {
    pub name: String,
    pub from: Option<NodeId>,
    pub to: Option<NodeId>,
    pub kind: Option<String>,
    pub after: Time,
    pub before: Time,
    pub nth: Option<u64>,
    pub verdict: Verdict,
    pub seen: u64,
}

impl ActiveRule {
    pub(crate) fn resolve(
        r: &Rule,
        lookup: &dyn Fn(&str) -> Option<NodeId>,
    ) -> Result<ActiveRule, String> {
        let node = |f: &str, v: &Option<String>| -> Result<Option<NodeId>, String> {
            match v {
                None => Ok(None),
                Some(n) => lookup(n)
                    .map(Some)
                    .ok_or_else(|| format!("rule `{}`: {f} names unknown node `{n}`", r.name)),
            }
        };
        if r.nth == Some(0) {
            return Err(format!("rule `{}`: nth is 1-based, got 0", r.name));
        }
        Ok(ActiveRule {
            name: r.name.clone(),
            from: node("from", &r.from)?,
            to: node("to", &r.to)?,
            kind: r.kind.clone(),
            after: r.after.unwrap_or(Time::ZERO),
            before: r.before.unwrap_or(Time::MAX),
            nth: r.nth,
            verdict: r.verdict,
            seen: 0,
        })
    }

    fn matches(&mut self, from: NodeId, to: NodeId, kind: &str, now: Time) -> bool {
        if self.from.is_some_and(|f| f != from)
            || self.to.is_some_and(|t| t != to)
            || self.kind.as_deref().is_some_and(|k| k != kind)
            || now < self.after
            || now >= self.before
        {
            return false;
        }
        self.seen += 1;
        match self.nth {
            None => true,
            Some(n) => self.seen == n,
        }
    }
}

/// The fate of one transmission, decided at send time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Dropped now, for this reason.
    Dropped(crate::trace::DropReason),
    /// Delivered at this true time; `dup` is the time of a second copy, if any.
    Deliver { at: Time, dup: Option<Time> },
}

/// Network state of a run.
#[derive(Debug)]
pub(crate) struct Network {
    pub default: LinkConfig,
    pub overrides: BTreeMap<(u32, u32), LinkConfig>,
    pub cut: BTreeSet<(u32, u32)>,
    pub rules: Vec<ActiveRule>,
    pub last_fifo: BTreeMap<(u32, u32), Time>,
    pub rng: Stream,
    pub default_instant: bool,
}

impl Network {
    pub(crate) fn new(
        default: LinkConfig,
        overrides: BTreeMap<(u32, u32), LinkConfig>,
        rng: Stream,
    ) -> Self {
        let default_instant =
            default.latency.is_zero() && default.loss == 0.0 && default.duplicate == 0.0;
        Network {
            default,
            overrides,
            cut: BTreeSet::new(),
            rules: Vec::new(),
            last_fifo: BTreeMap::new(),
            rng,
            default_instant,
        }
    }

    #[inline]
    pub(crate) fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        !self.cut.is_empty() && self.cut.contains(&(from.0, to.0))
    }

    /// True if every send is delivered at once, exactly once: no partition, no rule, no
    /// per-link override, and a default link with zero latency, loss and duplication.
    #[inline(always)]
    pub(crate) fn instant(&self) -> bool {
        self.default_instant
            && self.cut.is_empty()
            && self.rules.is_empty()
            && self.overrides.is_empty()
    }

    /// Decides delay, loss, duplication for one send at `now`.
    #[inline]
    pub(crate) fn fate(&mut self, from: NodeId, to: NodeId, kind: &str, now: Time) -> Fate {
        if self.is_cut(from, to) {
            return Fate::Dropped(crate::trace::DropReason::Partition);
        }
        let mut extra = Time::ZERO;
        let mut hold = Time::ZERO;
        let mut twice = false;
        if !self.rules.is_empty() {
            // Every rule sees the message (so each one's `nth` counts its own matches); the
            // first that does not pass decides.
            let mut decided = None;
            for r in self.rules.iter_mut() {
                if r.matches(from, to, kind, now) && decided.is_none() && r.verdict != Verdict::Pass
                {
                    decided = Some(r.verdict);
                }
            }
            match decided {
                None | Some(Verdict::Pass) => {}
                Some(Verdict::Drop) => return Fate::Dropped(crate::trace::DropReason::Rule),
                Some(Verdict::Delay(d)) => extra = d,
                Some(Verdict::HoldUntil(t)) => hold = t,
                Some(Verdict::Duplicate) => twice = true,
            }
        }
        let link = if self.overrides.is_empty() {
            if self.default_instant && extra.0 == 0 && hold.0 == 0 && !twice {
                return Fate::Deliver { at: now, dup: None };
            }
            &self.default
        } else {
            self.overrides.get(&(from.0, to.0)).unwrap_or(&self.default)
        };
        if self.rng.bernoulli(link.loss) {
            return Fate::Dropped(crate::trace::DropReason::Loss);
        }
        let mut at = (now + link.latency.sample(&mut self.rng) + extra).max(hold);
        let dup = if twice || self.rng.bernoulli(link.duplicate) {
            Some((now + link.latency.sample(&mut self.rng) + extra).max(hold))
        } else {
            None
        };
        if link.fifo {
            let last = self.last_fifo.entry((from.0, to.0)).or_insert(Time::ZERO);
            if at < *last {
                at = *last;
            }
            *last = at;
        }
        Fate::Deliver { at, dup }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::DropReason;

    fn rule(name: &str, nth: Option<u64>, verdict: Verdict) -> ActiveRule {
        let r = Rule {
            name: name.into(),
            from: None,
            to: None,
            kind: Some("vote".into()),
            after: None,
            before: None,
            nth,
            verdict,
        };
        ActiveRule::resolve(&r, &|_| None).unwrap()
    }

    fn net(rules: Vec<ActiveRule>) -> Network {
        let mut n = Network::new(
            LinkConfig::default(),
            BTreeMap::new(),
            Stream::new(1, "net"),
        );
        n.rules = rules;
        n
    }

    /// Two rules on one filter: each counts every match, so `nth = 3` is the third `vote`
    /// even though the first rule dropped the first one.
    #[test]
    fn every_rule_counts_its_own_matches() {
        let mut n = net(vec![
            rule("a", Some(1), Verdict::Drop),
            rule("b", Some(3), Verdict::Drop),
        ]);
        let fates: Vec<bool> = (0..4)
            .map(|_| {
                matches!(
                    n.fate(NodeId(0), NodeId(1), "vote", Time::ZERO),
                    Fate::Dropped(DropReason::Rule)
                )
            })
            .collect();
        assert_eq!(fates, [true, false, true, false]);
    }

    /// A `duplicate` verdict delivers a second copy (on a link with no random duplication),
    /// and only to the message it names.
    #[test]
    fn a_duplicate_verdict_copies_the_message() {
        let mut n = net(vec![rule("d", Some(2), Verdict::Duplicate)]);
        let dup = |n: &mut Network| match n.fate(NodeId(0), NodeId(1), "vote", Time::ZERO) {
            Fate::Deliver { at, dup } => dup.map(|d| (at, d)),
            Fate::Dropped(r) => panic!("dropped: {r:?}"),
        };
        assert_eq!(dup(&mut n), None);
        let t = Time::from_millis(1);
        assert_eq!(dup(&mut n), Some((t, t)));
        assert_eq!(dup(&mut n), None);
    }
}
