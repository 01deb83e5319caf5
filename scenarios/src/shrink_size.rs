//! Fewer nodes or clients: a protocol names the fields of its table that count nodes or
//! clients ([`protocols::plugin::Protocol::size_params`]); the shrinker lowers one, and the
//! steps that name a node the smaller run no longer has are dropped (not remapped onto
//! another node: a remapped crash would be a different fault on a node with another role).

use sim::{FaultAction, FaultStep};

use crate::spec::Spec;

/// The integer value of `field` in the spec's protocol table.
pub fn size_of(spec: &Spec, field: &str) -> Option<u64> {
    let v = toml::Value::try_from(spec).ok()?;
    v.get(spec.protocol.name())?
        .get(field)?
        .as_integer()?
        .try_into()
        .ok()
}

/// `spec` with `field` of its protocol table set to `n`, read back and validated as a file
/// would be (an invalid size is an error, which the shrinker treats as "does not fail").
pub fn with_size(spec: &Spec, field: &str, n: u64) -> Result<Spec, String> {
    let mut v = toml::Value::try_from(spec).map_err(|e| e.to_string())?;
    let table = v
        .get_mut(spec.protocol.name())
        .and_then(toml::Value::as_table_mut)
        .ok_or_else(|| format!("no [{}] table", spec.protocol.name()))?;
    let n = i64::try_from(n).map_err(|e| e.to_string())?;
    table.insert(field.to_string(), toml::Value::Integer(n));
    let s = spec.protocol.0.parse_value(v, &[])?;
    s.protocol.validate(&s)?;
    Ok(s)
}

/// The steps of `faults` that name only nodes in `names`: a step naming a missing node is
/// dropped, and a partition keeps the nodes it still has on each side (dropped when a side
/// is empty). Returns the kept steps and how many were dropped.
pub fn keep_named(faults: &[FaultStep], names: &[String]) -> (Vec<FaultStep>, usize) {
    let has = |n: &String| names.contains(n);
    let has_opt = |n: &Option<String>| n.as_ref().is_none_or(has);
    let mut kept = Vec::new();
    for f in faults {
        let action = match &f.action {
            FaultAction::Crash(n)
            | FaultAction::Restart(n)
            | FaultAction::Pause(n)
            | FaultAction::Resume(n)
            | FaultAction::ClockStep { node: n, .. }
            | FaultAction::Drift { node: n, .. } => has(n).then(|| f.action.clone()),
            FaultAction::Partition { a, b, one_way } => {
                let a: Vec<String> = a.iter().filter(|n| has(n)).cloned().collect();
                let b: Vec<String> = b.iter().filter(|n| has(n)).cloned().collect();
                (!a.is_empty() && !b.is_empty()).then_some(FaultAction::Partition {
                    a,
                    b,
                    one_way: *one_way,
                })
            }
            FaultAction::AddRule(r) => {
                (has_opt(&r.from) && has_opt(&r.to)).then(|| f.action.clone())
            }
            FaultAction::SetLink { from, to, .. } => {
                (has_opt(from) && has_opt(to)).then(|| f.action.clone())
            }
            FaultAction::Heal(_) | FaultAction::RemoveRule(_) => Some(f.action.clone()),
        };
        if let Some(action) = action {
            kept.push(FaultStep { at: f.at, action });
        }
    }
    let dropped = faults.len() - kept.len();
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::Time;

    #[test]
    fn steps_naming_removed_nodes_are_dropped() {
        let at = Time::from_millis(1);
        let step = |action| FaultStep { at, action };
        let names = ["p1".to_string(), "p2".into()];
        let faults = [
            step(FaultAction::Crash("p3".into())),
            step(FaultAction::Crash("p1".into())),
            step(FaultAction::Partition {
                a: vec!["p1".into(), "p3".into()],
                b: vec!["p2".into()],
                one_way: false,
            }),
            step(FaultAction::Partition {
                a: vec!["p3".into()],
                b: vec!["p2".into()],
                one_way: true,
            }),
            step(FaultAction::Heal(Default::default())),
        ];
        let (kept, dropped) = keep_named(&faults, &names);
        assert_eq!(dropped, 2);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[0].action, FaultAction::Crash("p1".into()));
        assert_eq!(
            kept[1].action,
            FaultAction::Partition {
                a: vec!["p1".into()],
                b: vec!["p2".into()],
                one_way: false
            }
        );
    }
}
