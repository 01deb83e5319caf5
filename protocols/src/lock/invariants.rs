//! Lock properties, judged from observations apart from the roles.
//!
//! - `mutual_exclusion` (always): at no instant do two clients believe they hold the lock.
//!   A belief runs from the client's `Acquired` to its `Released` or its crash (true time):
//!   the belief is the client's volatile state, so it dies with it, while a paused client
//!   keeps believing (Kleppmann's GC pause). With fencing on,
//!   overlapping beliefs are expected and harmless — the storage refuses the stale holder —
//!   so the property becomes `belief_overlap` (sometimes: reported as reached, never a
//!   failure) and only `overlap_ms` measures it. Kleppmann's point: the lock alone cannot give
//!   mutual exclusion under pauses; the resource must check.
//! - `data_safety` (always): the storage applies writes in lock order. Acquisitions are
//!   numbered in the order clients got them; each write belongs to the writer's latest
//!   acquisition; a write applied after a write of a later acquisition is a lost update (the
//!   later holder's value is overwritten by a stale one). So the final register always holds
//!   the write of the latest holder whose write got through. A restarted client numbers its
//!   writes from 1 again, so a write is known by (client, number, token): a write of its
//!   previous life still in flight keeps the acquisition it was issued under.
//!
//! Metrics: `overlap_ms` (total time two or more clients believed), `lock_acquisitions`,
//! `writes_applied`, `writes_rejected`, `rejected_token` (the last token fencing refused),
//! `final_token` and `final_writer` (client number of the storage's final value).

use std::collections::BTreeMap;

use sim::{Checker, Event, NodeId, Property, Record, Time, Verdicts};

use super::node::{LockNode, Obs};

/// Checks `mutual_exclusion` (or `belief_overlap` under fencing) and `data_safety`.
#[derive(Debug)]
pub struct LockChecker {
    fencing: bool,
    names: Vec<String>,
    first_client: u32,
    acquisitions: u64,
    /// Client -> (acquisition number, token) of its latest acquisition.
    latest: BTreeMap<NodeId, (u64, u64)>,
    /// Clients believing now, with their acquisition number.
    believers: BTreeMap<NodeId, u64>,
    overlap_since: Option<Time>,
    overlap: Time,
    /// (client, write number, token) -> acquisition number.
    writes: BTreeMap<(NodeId, u32, u64), u64>,
    /// The applied write with the highest acquisition number: (acquisition, client, token).
    newest_applied: Option<(u64, NodeId, u64)>,
    final_write: Option<(NodeId, u64)>,
    applied: u64,
    rejected: u64,
    rejected_token: Option<u64>,
}

impl LockChecker {
    /// A checker; `names` are node names by id (for messages), `first_client` the id of `c1`.
    pub fn new(fencing: bool, names: Vec<String>, first_client: NodeId) -> Self {
        LockChecker {
            fencing,
            names,
            first_client: first_client.0,
            acquisitions: 0,
            latest: BTreeMap::new(),
            believers: BTreeMap::new(),
            overlap_since: None,
            overlap: Time::ZERO,
            writes: BTreeMap::new(),
            newest_applied: None,
            final_write: None,
            applied: 0,
            rejected: 0,
            rejected_token: None,
        }
    }

    fn name(&self, n: NodeId) -> &str {
        self.names.get(n.idx()).map_or("?", String::as_str)
    }

    /// Total time two or more clients believed they held the lock (so far).
    pub fn overlap(&self) -> Time {
        self.overlap
    }

    fn close_overlap(&mut self, at: Time) {
        if self.believers.len() <= 1
            && let Some(s) = self.overlap_since.take()
        {
            self.overlap += Time(at.0 - s.0);
        }
    }
}

impl Checker<LockNode> for LockChecker {
    fn properties(&self) -> Vec<Property> {
        let exclusion = if self.fencing {
            Property::sometimes("belief_overlap")
        } else {
            Property::always("mutual_exclusion")
        };
        vec![exclusion, Property::always("data_safety")]
    }

    fn observe(&mut self, at: Time, node: NodeId, obs: &Obs, v: &mut Verdicts) {
        match *obs {
            Obs::Acquired { token } => {
                self.acquisitions += 1;
                let k = self.acquisitions;
                self.latest.insert(node, (k, token));
                if let Some((&other, &ko)) = self.believers.iter().find(|(n, _)| **n != node) {
                    if self.overlap_since.is_none() {
                        self.overlap_since = Some(at);
                    }
                    if self.fencing {
                        v.hold("belief_overlap");
                    } else {
                        let (other_token, me) =
                            (self.latest[&other].1, self.name(node).to_string());
                        v.fail(
                            "mutual_exclusion",
                            format!(
                                "{me} believes it holds the lock (acquisition {k}, token {token}) at {at} while {} still does \
                                 (acquisition {ko}, token {other_token})",
                                self.name(other)
                            ),
                        );
                    }
                }
                self.believers.insert(node, k);
            }
            Obs::Released { .. } => {
                self.believers.remove(&node);
                self.close_overlap(at);
            }
            Obs::WriteIssued { n, token } => {
                let (k, _) = *self.latest.get(&node).unwrap_or_else(|| {
                    panic!(
                        "client {} wrote before it ever held the lock",
                        self.name(node)
                    )
                });
                self.writes.insert((node, n, token), k);
            }
            Obs::WriteApplied { client, n, token } => {
                let k = *self.writes.get(&(client, n, token)).unwrap_or_else(|| {
                    panic!(
                        "the storage applied a write nobody issued: {} #{n}",
                        self.name(client)
                    )
                });
                self.applied += 1;
                self.final_write = Some((client, token));
                match self.newest_applied {
                    Some((kn, cn, tn)) if k < kn => {
                        let detail = format!(
                            "lost update: {}'s write #{n} (acquisition {k}, token {token}) applied at {at} over {}'s \
                             write (acquisition {kn}, token {tn})",
                            self.name(client),
                            self.name(cn)
                        );
                        v.fail("data_safety", detail);
                    }
                    _ => self.newest_applied = Some((k, client, token)),
                }
            }
            Obs::WriteRejected { token, .. } => {
                self.rejected += 1;
                self.rejected_token = Some(token);
            }
        }
    }

    fn node_event(&mut self, rec: &Record<'_>, _v: &mut Verdicts) {
        if let Event::Crash { node } = rec.event
            && self.believers.remove(&node).is_some()
        {
            self.close_overlap(rec.time);
        }
    }

    fn finish(&mut self, end: Time, _v: &mut Verdicts) {
        if self.believers.len() > 1
            && let Some(s) = self.overlap_since.take()
        {
            self.overlap += Time(end.0 - s.0);
        }
    }

    fn metrics(&self) -> Vec<(String, f64)> {
        let mut m = vec![
            ("overlap_ms".to_string(), self.overlap.as_millis_f64()),
            ("lock_acquisitions".to_string(), self.acquisitions as f64),
            ("writes_applied".to_string(), self.applied as f64),
            ("writes_rejected".to_string(), self.rejected as f64),
        ];
        if let Some(t) = self.rejected_token {
            m.push(("rejected_token".to_string(), t as f64));
        }
        if let Some((c, t)) = self.final_write {
            m.push(("final_token".to_string(), t as f64));
            m.push((
                "final_writer".to_string(),
                (c.0 - self.first_client + 1) as f64,
            ));
        }
        m
    }
}
