//! Teaching pictures from catalog scenarios: the space-time diagrams of a few scenarios are
//! pinned as reviewed snapshots; every protocol's diagram draws a legend first and its node
//! names at both ends; traced sends carry the protocol's summary (which leaves the digest
//! alone); checkers' per-item latencies become the run's CDFs.

use std::cell::RefCell;
use std::rc::Rc;

use scenarios::runners::{RunOutput, RunRequest, run};
use sim::trace::{EventKind, FnSink, TraceLine};

use crate::common::spec;

/// One seed of catalog scenario `name`, with every trace line.
fn traced(name: &str) -> (RunOutput, Vec<TraceLine>) {
    let lines: Rc<RefCell<Vec<TraceLine>>> = Rc::default();
    let sink = {
        let lines = lines.clone();
        FnSink(move |r: &sim::Record<'_>| lines.borrow_mut().push(TraceLine::from_record(r)))
    };
    let s = spec(name, &[]);
    let o = run(RunRequest {
        spec: &s,
        seed: s.seed,
        sink: Some(Box::new(sink)),
        interrupt: None,
    })
    .unwrap();
    let v = lines.borrow().clone();
    (o, v)
}

fn diagram(name: &str) -> String {
    let (o, lines) = traced(name);
    reports::spacetime_svg(&o.nodes, lines, &reports::SpacetimeOptions::default())
}

#[test]
fn paxos_failure_free_diagram() {
    insta::assert_snapshot!(diagram("paxos/failure-free"));
}

#[test]
fn twopc_failure_free_diagram() {
    insta::assert_snapshot!(diagram("2pc/failure-free"));
}

#[test]
fn twopc_coordinator_crash_diagram() {
    insta::assert_snapshot!(diagram("2pc/coordinator-crash-recover-commit"));
}

#[test]
fn lock_gc_pause_diagram() {
    insta::assert_snapshot!(diagram("lock/kleppmann-gc-pause"));
}

/// One scenario per protocol with messages: a legend first, then the names, which are
/// repeated below the lanes; every arrow's label starts with its message's kind.
#[test]
fn every_protocols_diagram_has_legend_names_and_labels() {
    for name in [
        "paxos/partition-heal",
        "2pc/bug-abort-after-yes",
        "example/gossip-faults",
        "lock/redlock-clock-jump",
        "failover/split-brain",
        "ch/kv-cluster-crash",
        "fd/nfd-s-crash",
    ] {
        let (o, lines) = traced(name);
        let kinds: std::collections::BTreeSet<String> =
            lines.iter().filter_map(|l| l.kind.clone()).collect();
        let svg = reports::spacetime_svg(&o.nodes, lines, &reports::SpacetimeOptions::default());
        let legend = svg.find("<g class=\"legend\">").expect("a legend");
        let body = svg.find("<g transform=").expect("a body");
        let shown: Vec<&String> = o.nodes.iter().take(20).collect();
        for n in shown {
            let tag = format!(">{n}</text>");
            let first = svg
                .find(&tag)
                .unwrap_or_else(|| panic!("{name}: {n} named"));
            assert!(
                legend < first && first < body,
                "{name}: {n} named above the lanes"
            );
            assert!(
                svg.matches(&tag).count() >= 2,
                "{name}: {n} named at both ends"
            );
        }
        // Arrow labels: rotated or not, 9 px, middle-anchored; each begins with a kind.
        let labels: Vec<&str> = svg
            .lines()
            .filter(|l| l.contains("text-anchor=\"middle\"") && l.contains("font-size=\"9\""))
            .filter_map(|l| {
                l.rsplit_once("\">")
                    .map(|(_, t)| t.trim_end_matches("</text>"))
            })
            .collect();
        assert!(!labels.is_empty(), "{name}: arrows are labelled");
        for l in labels {
            let kind = l.split([' ', '…']).next().unwrap();
            assert!(
                kinds.iter().any(|k| k.starts_with(kind)),
                "{name}: label {l:?} names no kind of {kinds:?}"
            );
        }
    }
}

/// Traced sends carry the protocol's summary; the digest of a traced run is the untraced
/// run's, so summaries do not enter it.
#[test]
fn summaries_label_sends_and_leave_the_digest_alone() {
    let (o, lines) = traced("paxos/failure-free");
    let prepare = lines
        .iter()
        .find(|l| l.ev == EventKind::Send && l.kind.as_deref() == Some("prepare"))
        .unwrap();
    assert_eq!(prepare.summary.as_deref(), Some("b=(1,p1)"));
    let (_, lines2) = traced("2pc/failure-free");
    assert!(
        lines2
            .iter()
            .any(|l| l.summary.as_deref() == Some("yes T1.1"))
    );
    assert!(
        lines2
            .iter()
            .filter(|l| l.ev != EventKind::Send)
            .all(|l| l.summary.is_none()),
        "only sends carry a summary"
    );
    let s = spec("paxos/failure-free", &[]);
    let plain = run(RunRequest {
        spec: &s,
        seed: s.seed,
        sink: None,
        interrupt: None,
    })
    .unwrap();
    assert_eq!(plain.trace_digest, o.trace_digest);
}

/// 2PC's per-transaction latencies become CDFs whose mean is the reported mean.
#[test]
fn checker_samples_become_cdfs() {
    let s = spec("2pc/crash-campaign", &[]);
    let o = run(RunRequest {
        spec: &s,
        seed: s.seed,
        sink: None,
        interrupt: None,
    })
    .unwrap();
    for (cdf, mean) in [
        ("decision_latency_s", "decision_latency_mean"),
        ("ack_latency_s", "ack_latency_mean"),
    ] {
        let pts = &o.cdfs[cdf];
        assert!(pts.len() > 1, "{cdf}: {pts:?}");
        assert_eq!(pts.last().unwrap().1, 1.0);
        assert!(pts.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 < w[1].1));
        let m = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
        let want = crate::common::metric(&o, mean);
        assert!(
            (m - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{cdf}: {m} vs {want}"
        );
    }
}

/// The Chrome trace of runs with crashes, pauses and partitions (overlapping as they come):
/// per track, `B`/`E` balanced and matched in time order, and every flow start has one end.
#[test]
fn chrome_periods_balance_on_campaign_traces() {
    for name in [
        "paxos/campaign-3",
        "2pc/crash-campaign",
        "example/gossip-faults",
    ] {
        let (o, lines) = traced(name);
        let json = reports::chrome_string(&o.nodes, lines);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut evs: Vec<&serde_json::Value> = v["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ph"] != "M")
            .collect();
        // Viewers sort by time, keeping the file's order at equal times.
        evs.sort_by_key(|e| (e["ts"].as_f64().unwrap() * 1000.0).round() as u64);
        let mut open: std::collections::BTreeMap<u64, Vec<String>> = Default::default();
        let mut flows: std::collections::BTreeMap<u64, (u32, u32)> = Default::default();
        let mut periods = 0;
        for e in evs {
            let tid = e["tid"].as_u64().unwrap();
            let name_of = || e["name"].as_str().unwrap().to_string();
            match e["ph"].as_str().unwrap() {
                "B" => open.entry(tid).or_default().push(name_of()),
                "E" => {
                    let top = open.entry(tid).or_default().pop();
                    assert_eq!(top, Some(name_of()), "{name}: E matches its B on {tid}");
                    periods += 1;
                }
                "s" => flows.entry(e["id"].as_u64().unwrap()).or_default().0 += 1,
                "f" => flows.entry(e["id"].as_u64().unwrap()).or_default().1 += 1,
                _ => {}
            }
        }
        assert!(open.values().all(Vec::is_empty), "{name}: {open:?}");
        assert!(periods > 0, "{name}: its faults show as periods");
        assert!(
            flows.values().all(|&c| c == (1, 1)),
            "{name}: one end per flow"
        );
    }
}

/// `run --out DIR --node a --node b` gives the diagram lanes for those nodes only; the
/// report holds the one-run charts (messages per kind, their latency CDF).
#[test]
fn run_out_with_node_picks_the_diagram_lanes() {
    let dir = std::env::temp_dir().join(format!("simlab-pictures-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let argv: Vec<String> = [
        "simlab",
        "run",
        "paxos/failure-free",
        "--out",
        dir.to_str().unwrap(),
        "--node",
        "a1",
        "--node",
        "p1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = scenarios::cli::run_cli(argv, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let svg = std::fs::read_to_string(dir.join("diagram.svg")).unwrap();
    for (n, lanes) in [("a1", 2), ("p1", 2), ("a2", 0), ("l1", 0)] {
        assert_eq!(svg.matches(&format!(">{n}</text>")).count(), lanes, "{n}");
    }
    // The other nodes' messages end on a shared lane.
    assert!(svg.contains(">+3 others</text>"));
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains("<figcaption>messages per kind</figcaption>"));
    assert!(html.contains("<figcaption>message latency CDF</figcaption>"));
    let _ = std::fs::remove_dir_all(&dir);
}
