//! From faults as written (node names in a [`FaultAction`], node ids in a [`Fault`]) to the
//! kernel's [`Resolved`] form: ids checked, partitions and link overrides expanded to
//! directed pairs, ranges validated. Every error names where the fault came from.

use crate::actor::NodeId;
use crate::error::Error;
use crate::faults::{Fault, FaultAction};
use crate::network::{ActiveRule, LinkConfig};
use crate::time::MAX_DURATION;

/// A fault with its nodes resolved to ids, as the kernel applies it.
#[derive(Clone, Debug)]
pub(super) enum Resolved {
    Crash(NodeId),
    Restart(NodeId),
    Pause(NodeId),
    Resume(NodeId),
    Cut(Vec<(u32, u32)>),
    Heal,
    ClockStep(NodeId, i64),
    Drift(NodeId, i64),
    AddRule(Box<ActiveRule>),
    RemoveRule(String),
    SetLink(Option<Vec<(u32, u32)>>, LinkConfig),
}

/// The world's node names, for turning names and ids into checked ids.
pub(super) struct Names<'a>(pub(super) &'a [String]);

impl Names<'_> {
    /// The node called `name`, or an error naming `context` and every node.
    pub(super) fn id(&self, name: &str, context: &str) -> Result<NodeId, Error> {
        self.lookup(name).ok_or_else(|| Error::UnknownNode {
            context: context.to_string(),
            name: name.to_string(),
            nodes: self.0.to_vec(),
        })
    }
    /// The node called `name`, if any.
    pub(super) fn lookup(&self, name: &str) -> Option<NodeId> {
        self.0
            .iter()
            .position(|n| n == name)
            .map(|i| NodeId(i as u32))
    }
    /// `id` if the world has it, or an error naming `context`.
    pub(super) fn check(&self, id: NodeId, context: &str) -> Result<NodeId, Error> {
        if id.idx() < self.0.len() {
            Ok(id)
        } else {
            Err(Error::NoSuchNode {
                context: context.to_string(),
                id,
                nodes: self.0.len(),
            })
        }
    }
}

/// Directed pairs between an optional `from` and `to` (None = every node), self-pairs left
/// out; both directions unless `one_way`.
pub(super) fn pairs(
    n: usize,
    from: Option<NodeId>,
    to: Option<NodeId>,
    one_way: bool,
) -> Vec<(u32, u32)> {
    let side = |s: Option<NodeId>| -> Vec<u32> {
        match s {
            None => (0..n as u32).collect(),
            Some(id) => vec![id.0],
        }
    };
    let (a, b) = (side(from), side(to));
    let mut out = Vec::new();
    for &x in &a {
        for &y in &b {
            if x != y {
                out.push((x, y));
                if !one_way {
                    out.push((y, x));
                }
            }
        }
    }
    out
}

/// The cut between sides `a` and `b`, each side's entries turned into ids by `id` pair by
/// pair (so the first bad entry is the one reported); `what` names the fault in errors.
fn cut<T>(
    a: &[T],
    b: &[T],
    one_way: bool,
    what: &str,
    id: impl Fn(&T) -> Result<NodeId, Error>,
) -> Result<Resolved, Error> {
    if a.is_empty() || b.is_empty() {
        return Err(Error::Invalid(format!(
            "{what}: partition sides a and b must both name nodes"
        )));
    }
    let mut cut = Vec::new();
    for x in a {
        for y in b {
            let (x, y) = (id(x)?, id(y)?);
            if x == y {
                return Err(Error::Invalid(format!(
                    "{what}: node `{x}` is on both sides of the partition"
                )));
            }
            cut.push((x.0, y.0));
            if !one_way {
                cut.push((y.0, x.0));
            }
        }
    }
    Ok(Resolved::Cut(cut))
}

/// A scenario-file fault; `what` (e.g. `faults[2]`) starts every error message.
pub(super) fn resolve(a: &FaultAction, names: &Names<'_>, what: &str) -> Result<Resolved, Error> {
    let invalid = |e: String| Error::Invalid(format!("{what}.{e}"));
    Ok(match a {
        FaultAction::Crash(s) => Resolved::Crash(names.id(s, what)?),
        FaultAction::Restart(s) => Resolved::Restart(names.id(s, what)?),
        FaultAction::Pause(s) => Resolved::Pause(names.id(s, what)?),
        FaultAction::Resume(s) => Resolved::Resume(names.id(s, what)?),
        FaultAction::Partition { a, b, one_way } => {
            cut(a, b, *one_way, what, |s: &String| names.id(s, what))?
        }
        FaultAction::Heal(_) => Resolved::Heal,
        FaultAction::ClockStep { node: s, delta_ms } => {
            a.validate().map_err(invalid)?;
            let delta = crate::time::TimeDelta::from_millis_f64(*delta_ms).map_err(invalid)?;
            Resolved::ClockStep(names.id(s, what)?, delta.as_nanos())
        }
        FaultAction::Drift { node: s, ppm } => {
            a.validate().map_err(invalid)?;
            Resolved::Drift(names.id(s, what)?, *ppm)
        }
        FaultAction::AddRule(r) => Resolved::AddRule(Box::new(
            ActiveRule::resolve(r, &|s| names.lookup(s))
                .map_err(|e| Error::Invalid(format!("{what}: {e}")))?,
        )),
        FaultAction::RemoveRule(s) => Resolved::RemoveRule(s.clone()),
        FaultAction::SetLink {
            from,
            to,
            one_way,
            link,
        } => {
            a.validate().map_err(invalid)?;
            if from.is_none() && to.is_none() {
                Resolved::SetLink(None, link.clone())
            } else {
                let id = |s: &Option<String>| s.as_deref().map(|s| names.id(s, "link")).transpose();
                let (f, t) = (id(from)?, id(to)?);
                Resolved::SetLink(Some(pairs(names.0.len(), f, t, *one_way)), link.clone())
            }
        }
    })
}

/// A fault given by node ids; `what` names it in error messages.
pub(super) fn resolve_fault(f: &Fault, names: &Names<'_>, what: &str) -> Result<Resolved, Error> {
    let check = |id: NodeId| names.check(id, what);
    Ok(match f {
        Fault::Crash(n) => Resolved::Crash(check(*n)?),
        Fault::Restart(n) => Resolved::Restart(check(*n)?),
        Fault::Pause(n) => Resolved::Pause(check(*n)?),
        Fault::Resume(n) => Resolved::Resume(check(*n)?),
        Fault::Partition { a, b, one_way } => cut(a, b, *one_way, what, |&id| check(id))?,
        Fault::Heal => Resolved::Heal,
        Fault::ClockStep { node, delta } => {
            if delta.abs() > MAX_DURATION {
                return Err(Error::Invalid(format!(
                    "{what}: a clock step must be within 146 years (2^62 ns) either way, \
                     got {delta}"
                )));
            }
            Resolved::ClockStep(check(*node)?, delta.as_nanos())
        }
        Fault::Drift { node, ppm } => {
            FaultAction::Drift {
                node: String::new(),
                ppm: *ppm,
            }
            .validate()
            .map_err(|e| Error::Invalid(format!("{what}: {e}")))?;
            Resolved::Drift(check(*node)?, *ppm)
        }
        Fault::AddRule(r) => Resolved::AddRule(Box::new(
            ActiveRule::resolve(r, &|s| names.lookup(s))
                .map_err(|e| Error::Invalid(format!("{what}: {e}")))?,
        )),
        Fault::RemoveRule(s) => Resolved::RemoveRule(s.clone()),
        Fault::SetLink {
            from,
            to,
            one_way,
            link,
        } => {
            link.validate()
                .map_err(|e| Error::Invalid(format!("{what}: link.{e}")))?;
            if from.is_none() && to.is_none() {
                Resolved::SetLink(None, link.clone())
            } else {
                let f = from.map(check).transpose()?;
                let t = to.map(check).transpose()?;
                Resolved::SetLink(Some(pairs(names.0.len(), f, t, *one_way)), link.clone())
            }
        }
    })
}
