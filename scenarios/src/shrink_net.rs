//! Random loss and duplication as scripted rules: the messages the random network dropped or
//! duplicated in a failing run, each named the way a rule names it ("the k-th `vote` from
//! `p1` to `coord`"), become `add_rule` steps with a `drop` or `duplicate` verdict, so the
//! shrinker can set `network.loss` and `network.duplicate` to 0 and minimise the list of
//! messages that matter like any other faults.
//!
//! A rule counts the messages its filter matches from the moment it is installed, and the
//! messages a node sends from `on_start` go out before any step at time 0 applies. So the
//! run is recorded once with a pass-through probe rule installed where the scripted rules
//! will be (first among the steps at time 0), and only the sends after the probe's
//! installation are counted. A pass-through rule draws nothing from the network's random
//! stream, so the recorded run is the run being replaced.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{EventKind, FaultAction, FaultStep, Rule, Time, TraceLine, Verdict};

use crate::runners::{self, RunOutput, RunRequest};
use crate::spec::Spec;

/// Name of the probe rule that marks where the scripted rules will be installed.
const PROBE: &str = "shrink-probe";

/// One message the random network dropped or duplicated, named as a rule names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetFault {
    /// Sender's name.
    pub from: String,
    /// Destination's name.
    pub to: String,
    /// Message kind.
    pub kind: String,
    /// Which message of `(from, to, kind)` since the rules were installed (1-based).
    pub nth: u64,
    /// Duplicated (true) or dropped (false).
    pub duplicate: bool,
}

impl NetFault {
    /// The scripted rule that does to this message what the random network did.
    pub fn rule(&self, name: String) -> Rule {
        Rule {
            name,
            from: Some(self.from.clone()),
            to: Some(self.to.clone()),
            kind: Some(self.kind.clone()),
            after: None,
            before: None,
            nth: Some(self.nth),
            verdict: if self.duplicate {
                Verdict::Duplicate
            } else {
                Verdict::Drop
            },
        }
    }
}

/// `spec` with a pass-through probe rule first among its steps at time 0.
fn with_probe(spec: &Spec) -> Spec {
    let mut s = spec.clone();
    s.faults.insert(
        0,
        FaultStep {
            at: Time::ZERO,
            action: FaultAction::AddRule(Rule {
                name: PROBE.into(),
                from: None,
                to: None,
                kind: None,
                after: None,
                before: None,
                nth: None,
                verdict: Verdict::Pass,
            }),
        },
    );
    s
}

/// Runs `spec` at `seed` and names every message its random network dropped or duplicated
/// after time 0's rules went in and before the heal (which removes every rule), in order.
pub fn record(spec: &Spec, seed: u64) -> Result<(RunOutput, Vec<NetFault>), String> {
    let probe = with_probe(spec);
    let lines = Rc::new(RefCell::new(Vec::new()));
    let keep = lines.clone();
    let sink = sim::trace::FnSink(move |r: &sim::Record<'_>| {
        let l = TraceLine::from_record(r);
        if matches!(
            l.ev,
            EventKind::Send | EventKind::Drop | EventKind::Duplicate | EventKind::Rule
        ) {
            keep.borrow_mut().push(l);
        }
    });
    let o = runners::run(RunRequest {
        spec: &probe,
        seed,
        sink: Some(Box::new(sink)),
        interrupt: None,
    })?;
    let heal_at = spec.phases.map_or(u64::MAX, |p| p.heal_at.0);
    let named = name_faults(&lines.borrow(), &o.nodes, heal_at);
    Ok((o, named))
}

/// The network's random drops and duplicates in `lines` (sends, drops, duplicates and rule
/// changes of one run), counted per `(from, to, kind)` from the probe's installation.
fn name_faults(lines: &[TraceLine], names: &[String], heal_at: u64) -> Vec<NetFault> {
    let name = |i: Option<u32>| {
        i.and_then(|i| names.get(i as usize))
            .cloned()
            .unwrap_or_default()
    };
    let mut counting = false;
    let mut seen: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    // The last send: a partition drop, a loss or a duplicate of it follows at once.
    let mut last: Option<(u64, (String, String, String))> = None;
    let mut out = Vec::new();
    for l in lines {
        if l.t >= heal_at {
            break;
        }
        match l.ev {
            EventKind::Rule if l.text.as_deref() == Some(PROBE) => counting = true,
            EventKind::Send if counting => {
                let key = (name(l.from), name(l.to), l.kind.clone().unwrap_or_default());
                *seen.entry(key.clone()).or_default() += 1;
                last = l.msg.map(|m| (m, key));
                continue;
            }
            EventKind::Drop | EventKind::Duplicate => {
                if let Some((_, key)) = last.as_ref().filter(|(m, _)| Some(*m) == l.msg) {
                    let reason = l.reason.as_deref();
                    if l.ev == EventKind::Drop && reason == Some("partition") {
                        // A cut link drops a message before any rule sees it.
                        if let Some(n) = seen.get_mut(key) {
                            *n -= 1;
                        }
                    } else if l.ev == EventKind::Duplicate || reason == Some("loss") {
                        out.push(NetFault {
                            from: key.0.clone(),
                            to: key.1.clone(),
                            kind: key.2.clone(),
                            nth: seen[key],
                            duplicate: l.ev == EventKind::Duplicate,
                        });
                    }
                }
            }
            _ => {}
        }
        last = None;
    }
    out
}

/// `spec` with the network's randomness replaced by `faults` as rules installed first at
/// time 0: `network.loss` and `network.duplicate` 0, one `add_rule` per message.
pub fn scripted(spec: &Spec, faults: &[NetFault]) -> Spec {
    let mut s = spec.clone();
    s.network.loss = 0.0;
    s.network.duplicate = 0.0;
    let taken: Vec<&str> = spec
        .faults
        .iter()
        .filter_map(|f| match &f.action {
            FaultAction::AddRule(r) => Some(r.name.as_str()),
            _ => None,
        })
        .collect();
    let rules = faults.iter().enumerate().map(|(i, f)| {
        let mut name = format!(
            "{}-{}",
            if f.duplicate { "duplicate" } else { "drop" },
            i + 1
        );
        while taken.contains(&name.as_str()) {
            name.insert_str(0, "net-");
        }
        FaultStep {
            at: Time::ZERO,
            action: FaultAction::AddRule(f.rule(name)),
        }
    });
    s.faults = rules.chain(spec.faults.iter().cloned()).collect();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(ev: EventKind, msg: u64, reason: Option<&str>) -> TraceLine {
        let mut l: TraceLine =
            serde_json::from_str(&format!("{{\"i\":0,\"t\":5,\"ev\":\"{}\"}}", ev.name())).unwrap();
        l.from = Some(0);
        l.to = Some(1);
        l.msg = Some(msg);
        l.kind = Some("vote".into());
        l.reason = reason.map(str::to_string);
        l
    }

    fn probe() -> TraceLine {
        let mut l: TraceLine = serde_json::from_str("{\"i\":0,\"t\":0,\"ev\":\"rule\"}").unwrap();
        l.text = Some(PROBE.into());
        l
    }

    /// Sends before the probe are not counted; a partition drop does not count (a cut comes
    /// before the rules); a loss and a duplicate are named by their place in the count.
    #[test]
    fn messages_are_named_by_their_place_among_the_rules_matches() {
        let names = ["a".to_string(), "b".into()];
        let ls = [
            line(EventKind::Send, 0, None),
            line(EventKind::Drop, 0, Some("loss")),
            probe(),
            line(EventKind::Send, 1, None),
            line(EventKind::Send, 2, None),
            line(EventKind::Drop, 2, Some("partition")),
            line(EventKind::Send, 3, None),
            line(EventKind::Drop, 3, Some("loss")),
            line(EventKind::Send, 4, None),
            line(EventKind::Duplicate, 4, None),
            // A drop at delivery (a crashed destination) is not the network's randomness.
            line(EventKind::Drop, 1, Some("crashed")),
        ];
        let got = name_faults(&ls, &names, u64::MAX);
        let want = |nth, duplicate| NetFault {
            from: "a".into(),
            to: "b".into(),
            kind: "vote".into(),
            nth,
            duplicate,
        };
        assert_eq!(got, vec![want(2, false), want(3, true)]);
        // After the heal no rule is installed, so nothing there can be scripted.
        assert_eq!(name_faults(&ls, &names, 5), vec![]);
    }
}
