//! The run's metrics, computed once at the end from the actors' own fields (names as in the
//! issue: `sojourn_mean`, `wait_mean`, `sojourn_p50/p99/p999`, `utilization`,
//! `queue_ge_1`..`queue_ge_10`, `max_queue`, `customers`), all in mean service times and all
//! after the warm-up, plus whole-run counts for benchmarks (`arrivals_total`,
//! `customers_total`, `model_events` = arrivals + departures).

use std::collections::BTreeMap;

use super::histogram::Histogram;
use super::node::LbNode;
use super::server::LEVELS;
use super::{Params, UNIT_NS};

/// Whole-run counts used to check job conservation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Jobs dispatched.
    pub arrived: u64,
    /// `Done` answers received by dispatchers.
    pub answered: u64,
    /// Jobs completed by servers.
    pub completed: u64,
    /// Jobs at servers at the end.
    pub in_system: u64,
}

/// Metrics of a finished run whose nodes are `nodes` (dispatchers and servers, in any order,
/// crashed nodes left out), ended at true time `end_ns`.
pub fn summarize<'a>(
    p: &Params,
    nodes: impl Iterator<Item = &'a LbNode>,
    end_ns: u64,
) -> (BTreeMap<String, f64>, Counts) {
    let warmup = (p.warmup_time() * UNIT_NS).round() as u64;
    let mut c = Counts::default();
    let mut customers = 0u64;
    let (mut sojourn, mut wait) = (0u128, 0u128);
    let mut hist = Histogram::default();
    let mut at = [0u128; LEVELS + 1];
    let mut max_queue = 0u32;
    let mut servers = 0u64;
    for node in nodes {
        match node {
            LbNode::Dispatcher(d) => {
                c.arrived += d.arrived();
                c.answered += d.departed();
                customers += d.customers();
                sojourn += d.sojourn_ns();
                wait += d.wait_ns();
                hist.merge(d.histogram());
            }
            LbNode::Server(s) => {
                servers += 1;
                c.completed += s.completed();
                c.in_system += s.len() as u64;
                for (a, t) in at.iter_mut().zip(s.time_at(end_ns)) {
                    *a += t as u128;
                }
                max_queue = max_queue.max(s.max_queue());
            }
        }
    }
    let mut m = BTreeMap::new();
    let per = |x: u128, k: u64| {
        if k == 0 {
            0.0
        } else {
            x as f64 / k as f64 / UNIT_NS
        }
    };
    m.insert("sojourn_mean".into(), per(sojourn, customers));
    m.insert("wait_mean".into(), per(wait, customers));
    for (name, q) in [
        ("sojourn_p50", 0.5),
        ("sojourn_p99", 0.99),
        ("sojourn_p999", 0.999),
    ] {
        m.insert(name.into(), hist.quantile(q) / UNIT_NS);
    }
    let span = end_ns.saturating_sub(warmup) as f64 * servers as f64;
    let mut ge = 0u128;
    for i in (1..=LEVELS).rev() {
        ge += at[i];
        m.insert(
            format!("queue_ge_{i}"),
            if span > 0.0 { ge as f64 / span } else { 0.0 },
        );
    }
    m.insert("utilization".into(), m["queue_ge_1"]);
    m.insert("max_queue".into(), max_queue as f64);
    m.insert("customers".into(), customers as f64);
    m.insert("customers_total".into(), c.answered as f64);
    m.insert("arrivals_total".into(), c.arrived as f64);
    m.insert("model_events".into(), (c.arrived + c.answered) as f64);
    m.insert("in_system_end".into(), c.in_system as f64);
    (m, c)
}
