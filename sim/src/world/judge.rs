//! The judge: the checkers and the properties they declared, what has held, and the
//! violations found, in order. A checker reports through [`Verdicts`]; the core turns each
//! failure into a `violation` trace record and, for a safety property under
//! `stop_on_violation`, stops the run.

use std::collections::{BTreeMap, BTreeSet};

use super::Core;
use crate::actor::Actor;
use crate::checker::{Checker, PropertyKind, Verdicts, Violation};
use crate::metrics::Metrics;
use crate::trace::Event;

/// Checkers, declared properties, and what the run has shown of them so far.
pub(super) struct Judge<A: Actor> {
    pub(super) checkers: Vec<Box<dyn Checker<A>>>,
    /// Every declared property (checkers' and state properties') by name.
    pub(super) props: BTreeMap<String, PropertyKind>,
    /// Properties confirmed to hold (eventually) or reached (sometimes).
    pub(super) holds: BTreeSet<String>,
    pub(super) violations: Vec<Violation>,
    pub(super) stop_on_violation: bool,
    /// Some checker reads every trace record.
    pub(super) checker_events: bool,
    /// The checkers' distributions, collected at the end of the run.
    pub(super) samples: BTreeMap<String, Vec<f64>>,
}

impl<A: Actor> Judge<A> {
    /// A judge over `checkers` and every property in `props`.
    pub(super) fn new(
        checkers: Vec<Box<dyn Checker<A>>>,
        props: BTreeMap<String, PropertyKind>,
        stop_on_violation: bool,
    ) -> Self {
        Judge {
            checker_events: checkers.iter().any(|c| c.wants_events()),
            checkers,
            props,
            holds: BTreeSet::new(),
            violations: Vec::new(),
            stop_on_violation,
            samples: BTreeMap::new(),
        }
    }

    /// Eventually-properties neither confirmed nor already failed: liveness failures at the
    /// end of the run.
    pub(super) fn unmet(&self) -> Vec<String> {
        let failed: BTreeSet<&str> = self
            .violations
            .iter()
            .map(|v| v.property.as_str())
            .collect();
        self.props
            .iter()
            .filter(|(n, k)| {
                **k == PropertyKind::Eventually
                    && !self.holds.contains(*n)
                    && !failed.contains(n.as_str())
            })
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Each sometimes-property, and whether the run reached it.
    pub(super) fn reached(&self) -> BTreeMap<String, bool> {
        self.props
            .iter()
            .filter(|(_, k)| **k == PropertyKind::Sometimes)
            .map(|(n, _)| (n.clone(), self.holds.contains(n)))
            .collect()
    }

    /// Collects the checkers' metrics into `metrics` and their samples.
    pub(super) fn collect(&mut self, metrics: &mut Metrics) {
        for c in &self.checkers {
            for (k, x) in c.metrics() {
                metrics.set(&k, x);
            }
            for (k, v) in c.samples() {
                self.samples.entry(k).or_default().extend(v);
            }
        }
    }
}

impl<A: Actor> Core<A> {
    /// Records what checkers said: properties that held, and failures as violations (each
    /// also a trace record).
    pub(super) fn verdicts(&mut self, v: Verdicts) {
        for name in v.holds {
            self.judge.holds.insert(name);
        }
        for (name, detail) in v.fails {
            let kind = match self.judge.props.get(&name) {
                Some(k) => *k,
                None => panic!(
                    "seed {} event {}: checker reported undeclared property `{name}`",
                    self.seed, self.tracer.index
                ),
            };
            let at = self.tracer.index.saturating_sub(1);
            self.emit(Event::Violation { property: &name }, Some(&detail));
            self.sched.halt |= self.judge.stop_on_violation && kind == PropertyKind::Always;
            self.judge.violations.push(Violation {
                property: name,
                kind,
                time_ns: self.sched.now.0,
                event_index: at,
                detail,
            });
        }
    }
}
