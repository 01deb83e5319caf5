//! Message traffic of one run, per message kind: copies sent, delivered, dropped and
//! duplicated, and the network latency of every delivered copy (send or duplicate to
//! delivery), with the charts that show them. Kinds arrive as data; no protocol is named.

use std::collections::BTreeMap;

use sim::trace::TraceLine;

use crate::charts::{Series, Series1, bar_chart, cdf_chart, cdf_points};
use crate::common::{Flights, MessageStep, message_step};

/// The traffic of one message kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KindTraffic {
    /// Messages sent.
    pub sent: u64,
    /// Copies delivered (a duplicate can make this exceed `sent`).
    pub delivered: u64,
    /// Copies dropped.
    pub dropped: u64,
    /// Extra copies made by the network.
    pub duplicated: u64,
    /// Latency of each delivered copy whose send is in the lines, in ms, in delivery order.
    pub latencies_ms: Vec<f64>,
}

/// Traffic per message kind (sorted by kind).
pub type Traffic = BTreeMap<String, KindTraffic>;

/// Counts the message events of `lines` (in trace order) per kind.
pub fn traffic(lines: impl IntoIterator<Item = TraceLine>) -> Traffic {
    let mut t = Traffic::new();
    let mut flights: Flights<u64> = Flights::default();
    for l in lines {
        let (Some(step), Some(msg)) = (message_step(l.ev), l.msg) else {
            continue;
        };
        let k = t
            .entry(l.kind.clone().unwrap_or_else(|| "msg".into()))
            .or_default();
        match step {
            MessageStep::Send => {
                k.sent += 1;
                flights.launch(msg, l.t);
            }
            MessageStep::Duplicate => {
                k.duplicated += 1;
                flights.duplicate(msg, l.t);
            }
            MessageStep::Deliver => {
                k.delivered += 1;
                if let Some((_, sent)) = flights.land(msg) {
                    k.latencies_ms
                        .push(l.t.saturating_sub(sent) as f64 / 1_000_000.0);
                }
            }
            MessageStep::Drop => {
                k.dropped += 1;
                flights.land(msg);
            }
        }
    }
    t
}

/// Grouped bars per kind: sent, delivered, dropped (and duplicated, if any were).
pub fn message_count_chart(title: &str, t: &Traffic) -> String {
    let kinds: Vec<String> = t.keys().cloned().collect();
    let col = |f: fn(&KindTraffic) -> u64| t.values().map(|k| f(k) as f64).collect::<Vec<f64>>();
    let mut series: Vec<Series1> = vec![
        ("sent".into(), col(|k| k.sent)),
        ("delivered".into(), col(|k| k.delivered)),
        ("dropped".into(), col(|k| k.dropped)),
    ];
    if t.values().any(|k| k.duplicated > 0) {
        series.push(("duplicated".into(), col(|k| k.duplicated)));
    }
    // Blue sent, green delivered, red dropped, purple duplicated (the palette's 0, 2, 3, 4).
    bar_chart(title, "messages", &kinds, &series, &[0, 2, 3, 4])
}

/// Latency CDF of delivered copies, one line per kind (the ten kinds with most
/// deliveries, if there are more).
pub fn latency_cdf_chart(title: &str, t: &Traffic) -> String {
    let mut kinds: Vec<(&String, &KindTraffic)> = t
        .iter()
        .filter(|(_, k)| !k.latencies_ms.is_empty())
        .collect();
    kinds.sort_by_key(|(name, k)| (std::cmp::Reverse(k.latencies_ms.len()), (*name).clone()));
    kinds.truncate(10);
    kinds.sort_by_key(|(name, _)| (*name).clone());
    let series: Vec<Series> = kinds
        .into_iter()
        .map(|(name, k)| (name.clone(), cdf_points(&k.latencies_ms)))
        .collect();
    cdf_chart(title, "message latency (ms)", &series)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::sample_trace;

    /// The sample trace's traffic, counted by hand from its events.
    #[test]
    fn counts_and_latencies_per_kind() {
        let t = traffic(sample_trace());
        let k = |name: &str| t.get(name).unwrap().clone();
        let prepare = k("prepare");
        assert_eq!(
            (
                prepare.sent,
                prepare.delivered,
                prepare.dropped,
                prepare.duplicated
            ),
            (2, 3, 0, 1)
        );
        // prepare#1: 1 -> 2 ms; prepare#2: 1 -> 2.2 ms, its duplicate 1 -> 2.4 ms.
        assert_eq!(prepare.latencies_ms, vec![1.0, 1.2, 1.4]);
        let vote = k("vote");
        assert_eq!((vote.sent, vote.delivered, vote.dropped), (2, 1, 1));
        assert_eq!(vote.latencies_ms, vec![0.8]);
        let commit = k("commit");
        assert_eq!((commit.sent, commit.delivered, commit.dropped), (2, 0, 1));
        assert!(commit.latencies_ms.is_empty());
        assert_eq!(t.len(), 3);
    }

    /// The texts of an SVG (plotters puts each on a line of its own).
    fn texts(svg: &str) -> Vec<&str> {
        svg.split("</text>")
            .filter_map(|t| t.rsplit_once('>').map(|(_, x)| x.trim()))
            .collect()
    }

    /// Both charts draw one legend entry per series and name every kind.
    #[test]
    fn charts_name_kinds_and_series() {
        let t = traffic(sample_trace());
        let bars = message_count_chart("messages per kind", &t);
        let tb = texts(&bars);
        for s in [
            "prepare",
            "vote",
            "commit",
            "sent",
            "delivered",
            "dropped",
            "duplicated",
        ] {
            assert!(tb.contains(&s), "{s}: {tb:?}");
        }
        let cdf = latency_cdf_chart("latency", &t);
        let tc = texts(&cdf);
        assert!(tc.contains(&"prepare") && tc.contains(&"vote"), "{tc:?}");
        assert!(!tc.contains(&"commit"), "no commit was delivered");
        assert!(message_count_chart("none", &Traffic::new()).contains("no data"));
    }
}
