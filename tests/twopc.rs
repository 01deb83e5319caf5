//! Two-phase commit against its validation targets ("Two-phase commit"): every `2pc/` catalog scenario
//! meets its declared outcome; exact message and forced-write counts per convention; latency
//! 2d / 3d / 4d with a constant delay d; P(commit) = (1 - p)^N within a 95% CI; blocking time
//! equal to the coordinator's downtime; zero atomicity violations and full termination over
//! 10,000-seed campaigns (N = 2, 3, 5) under loss, duplication, reordering and crash-restart;
//! every Bug switch caught by its scripted scenario and found by a random campaign.

use scenarios::load::{Override, load};
use scenarios::runners::{RunOutput, RunRequest, run};
use scenarios::spec::Spec;
use scenarios::stats::summarize;
use scenarios::sweep::run_seeds;

fn spec(name: &str, sets: &[String]) -> Spec {
    let sets: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("override"))
        .collect();
    load(name, &sets, &|p| {
        std::fs::read_to_string(p).map_err(|e| e.to_string())
    })
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn one(s: &Spec, seed: u64) -> RunOutput {
    run(RunRequest {
        spec: s,
        seed,
        sink: None,
        interrupt: None,
    })
    .unwrap_or_else(|e| panic!("{}: {e}", s.name))
}

fn metric(o: &RunOutput, name: &str) -> f64 {
    *o.metrics.get(name).unwrap_or_else(|| {
        panic!(
            "metric {name} missing; have {:?}",
            o.metrics.keys().collect::<Vec<_>>()
        )
    })
}

fn sets(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

/// Exact equality of times in seconds, to the nanosecond.
fn assert_secs(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() < 1e-9,
        "{what}: got {got} s, want {want} s"
    );
}

const BUGS: [(&str, &str); 5] = [
    ("abort_after_yes", "atomicity"),
    ("unforced_prepare", "atomicity"),
    ("decide_without_all_votes", "commit_validity"),
    ("commit_before_force", "atomicity"),
    ("stale_decision", "atomicity"),
];

/// Seeds of a 10,000-seed campaign; debug builds (plain `cargo test`) run the first 1,000,
/// CI runs the campaigns in release mode with all 10,000.
fn campaign_seeds() -> u64 {
    if cfg!(debug_assertions) {
        1_000
    } else {
        10_000
    }
}

// Shows: with no faults and a constant delay, messages and forced log writes per transaction
// are exactly the convention's counts (docs/twopc.md), for every variant, with the
// coordinator separate or co-located with p1, and for commits, all-NO aborts and mixed votes.
// Convention: messages the actors send over the network (co-located, p1's stay local).
// Commit: PN/PA 4N, PC 3N. Abort: the decision goes to every participant not known to have
// voted NO (here all but the first NO voter, N - 1): PN/PC 2N + 2(N - 1), PA 2N + (N - 1).
// Forced records, k = YES voters: commit PN/PA 2N + 1, PC N + 2; abort PN/PC 2k + 1, PA k.
#[test]
fn failure_free_message_and_write_counts_follow_the_convention() {
    for n in [2usize, 3, 5] {
        for variant in ["presumed_nothing", "presumed_abort", "presumed_commit"] {
            for colocated in [false, true] {
                // Vote patterns: all YES, all NO, and p2 voting NO.
                let patterns: Vec<Vec<f64>> = vec![
                    vec![0.0; n],
                    vec![1.0; n],
                    (0..n).map(|i| if i == 1 { 1.0 } else { 0.0 }).collect(),
                ];
                for no in patterns {
                    let list = format!(
                        "[{}]",
                        no.iter()
                            .map(|p| format!("{p:.1}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let s = spec(
                        "2pc/failure-free",
                        &[
                            format!("twopc.participants={n}"),
                            format!("twopc.variant={variant}"),
                            format!("twopc.colocated={colocated}"),
                            format!("twopc.no_vote={list}"),
                        ],
                    );
                    let o = one(&s, 7);
                    assert_eq!(
                        o.outcome, "ok",
                        "{variant} n={n} colocated={colocated} {list}: {:?}",
                        o.violations
                    );
                    let k = no.iter().filter(|p| **p == 0.0).count();
                    let commit = k == n;
                    // The votes arrive together, in participant order (co-located p1's
                    // first, locally): the first NO decides the abort, and the decision goes
                    // to everyone not known to have voted NO, i.e. all but that first NO voter.
                    let first_no = no.iter().position(|p| *p == 1.0);
                    let recipients: Vec<usize> = (0..n).filter(|&i| Some(i) != first_no).collect();
                    // Network messages: p1's stay local when co-located.
                    let remote = |i: &usize| !(colocated && *i == 0);
                    let nr = (0..n).filter(remote).count();
                    let rr = recipients.iter().filter(|i| remote(i)).count();
                    let acked = match variant {
                        "presumed_nothing" => true,
                        "presumed_abort" => commit,
                        _ => !commit,
                    };
                    let msgs = 2 * nr + if acked { 2 * rr } else { rr };
                    let writes = match (variant, commit) {
                        ("presumed_commit", true) => n + 2,
                        (_, true) => 2 * n + 1,
                        ("presumed_abort", false) => k,
                        (_, false) => 2 * k + 1,
                    };
                    let what = format!("{variant} n={n} colocated={colocated} votes={list}");
                    assert_eq!(
                        metric(&o, "messages_per_txn"),
                        msgs as f64,
                        "{what}: messages"
                    );
                    assert_eq!(
                        metric(&o, "forced_writes_per_txn"),
                        writes as f64,
                        "{what}: forced writes"
                    );
                    assert_eq!(metric(&o, "txns"), 5.0, "{what}");
                    assert_eq!(
                        metric(&o, "commit_rate"),
                        if commit { 1.0 } else { 0.0 },
                        "{what}"
                    );
                }
            }
        }
    }
}

// Shows: with a constant one-way delay d and a separate coordinator the coordinator decides
// at 2d, the last participant knows at 3d and the last ACK arrives at 4d, measured from the
// transaction's start, exactly (to the nanosecond), for d = 10 ms and d = 7 ms.
#[test]
fn constant_delay_latency_is_2d_3d_4d() {
    for (d_ms, latency) in [(10.0, "{ const = \"10ms\" }"), (7.0, "{ const = \"7ms\" }")] {
        for n in [2, 3, 5] {
            for variant in ["presumed_nothing", "presumed_abort", "presumed_commit"] {
                let s = spec(
                    "2pc/failure-free",
                    &[
                        format!("network.latency={latency}"),
                        format!("twopc.participants={n}"),
                        format!("twopc.variant={variant}"),
                    ],
                );
                let o = one(&s, 1);
                let d = d_ms / 1000.0;
                let what = format!("d={d_ms}ms n={n} {variant}");
                assert_secs(
                    metric(&o, "decision_latency_mean"),
                    2.0 * d,
                    &format!("{what} decision"),
                );
                assert_secs(
                    metric(&o, "know_latency_mean"),
                    3.0 * d,
                    &format!("{what} know"),
                );
                if variant == "presumed_commit" {
                    // Commits are not ACKed under presumed commit.
                    assert!(!o.metrics.contains_key("ack_latency_mean"), "{what}");
                } else {
                    assert_secs(
                        metric(&o, "ack_latency_mean"),
                        4.0 * d,
                        &format!("{what} acks"),
                    );
                }
            }
        }
    }
}

// Shows: with independent NO votes, the fraction of committed transactions matches
// (1 - p)^N (or the product of 1 - p_i) within tol + 2h, h the 95% CI half-width over
// R = 20 seeds of 200 transactions each (the validation rule, tol = 0).
#[test]
fn commit_probability_matches_the_product_of_yes_probabilities() {
    let cases: [(u32, &str, f64); 4] = [
        (2, "0.1", 0.81),
        (3, "0.1", 0.729),
        (5, "0.05", 0.773_780_937_5),
        (3, "[0.1, 0.2, 0.3]", 0.9 * 0.8 * 0.7),
    ];
    for (n, p, expected) in cases {
        let s = spec(
            "2pc/failure-free",
            &[
                format!("twopc.participants={n}"),
                format!("twopc.no_vote={p}"),
                "twopc.transactions=200".into(),
                "twopc.interval=20ms".into(),
                "duration=10s".into(),
            ],
        );
        let seeds: Vec<u64> = (0..20).collect();
        let runs = run_seeds(&s, &seeds, 0, &|| {}).unwrap();
        let rates: Vec<f64> = runs
            .iter()
            .map(|(_, o)| {
                assert_eq!(o.outcome, "ok");
                assert_eq!(metric(o, "txns_decided"), 200.0);
                metric(o, "commit_rate")
            })
            .collect();
        let sm = summarize(&rates);
        println!(
            "P(commit) n={n} p={p}: mean {:.4} +- {:.4} (expected {expected:.4})",
            sm.mean, sm.ci95
        );
        assert!(
            (sm.mean - expected).abs() <= 2.0 * sm.ci95,
            "n={n} p={p}: mean {} ci {} expected {expected}",
            sm.mean,
            sm.ci95
        );
    }
}

// Shows: when the coordinator crashes after every participant voted YES and before any
// decision leaves, the participants stay prepared (even with cooperative termination) for
// the whole downtime: blocking_time_max equals the downtime exactly, for several downtimes and
// every variant; without a decision record recovery aborts, with one it commits.
#[test]
fn blocking_time_equals_coordinator_downtime() {
    for variant in ["presumed_nothing", "presumed_abort", "presumed_commit"] {
        // (scenario, index of its restart step, crash time, outcome committed)
        let cases = [
            ("2pc/coordinator-crash-recover-abort", 1, 15u64, 0.0),
            ("2pc/coordinator-crash-recover-commit", 2, 25, 1.0),
        ];
        for (scenario, restart_step, crash_ms, committed) in cases {
            for down_ms in [100u64, 500, 1500] {
                let restart = crash_ms + down_ms;
                let s = spec(
                    scenario,
                    &[
                        format!("twopc.variant={variant}"),
                        format!("faults.{restart_step}.at={restart}ms"),
                        "duration=5s".into(),
                    ],
                );
                let o = one(&s, 3);
                let what = format!("{scenario} {variant} down {down_ms} ms");
                assert_eq!(o.outcome, "ok", "{what}: {:?}", o.violations);
                assert_eq!(metric(&o, "txns_committed"), committed, "{what}");
                assert_eq!(metric(&o, "txns_decided"), 1.0, "{what}");
                assert_secs(
                    metric(&o, "blocking_time_max"),
                    down_ms as f64 / 1000.0,
                    &format!("{what}: blocking"),
                );
                assert_secs(
                    metric(&o, "blocking_time_mean"),
                    down_ms as f64 / 1000.0,
                    &format!("{what}: blocking mean"),
                );
            }
        }
    }
    // Never restarted: blocked until the end of the run, a liveness failure.
    let s = spec("2pc/coordinator-crash-blocking", &[]);
    let o = one(&s, 0);
    assert_eq!(o.outcome, "liveness_failure");
    assert!(
        o.violations.iter().all(|v| v.property == "termination"),
        "{:?}",
        o.violations
    );
    assert_secs(
        metric(&o, "blocking_time_max"),
        2.0 - 0.015,
        "blocked until the end",
    );
}

// Shows: with a NO vote, or a participant that never got PREPARE, the others need not block
// when the coordinator dies: cooperative termination lets them abort alone. Blocking lasts
// from the crash (15 ms) to the answer of the first termination query: decision timeout
// (100 ms after the YES at 10 ms) plus a round trip (20 ms) = 130 ms, i.e. 115 ms blocked.
#[test]
fn cooperative_termination_aborts_without_the_coordinator_when_a_vote_is_no_or_missing() {
    let no_vote = spec(
        "2pc/coordinator-crash-blocking",
        &sets(&["twopc.no_vote=[0.0, 0.0, 1.0]"]),
    );
    let mut missing = spec("2pc/coordinator-crash-blocking", &[]);
    missing.faults.push(sim::FaultStep {
        at: sim::Time::ZERO,
        action: sim::FaultAction::AddRule(sim::Rule {
            name: "lose-prepare-p3".into(),
            from: None,
            to: Some("p3".into()),
            kind: Some("prepare".into()),
            after: None,
            before: None,
            nth: None,
            verdict: sim::Verdict::Drop,
        }),
    });
    for (what, s) in [("NO vote", no_vote), ("missing vote", missing)] {
        let o = one(&s, 0);
        assert_eq!(o.outcome, "ok", "{what}: {:?}", o.violations);
        assert_eq!(metric(&o, "txns_committed"), 0.0, "{what}");
        assert_secs(metric(&o, "blocking_time_max"), 0.115, what);
        // Without cooperative termination they block until the end, as with all YES votes.
        let mut off = s.clone();
        off.edit_params(|p: &mut protocols::twopc::Params| p.termination = false);
        assert_eq!(
            one(&off, 0).outcome,
            "liveness_failure",
            "{what} without termination"
        );
    }
}

// Shows: a participant that crashes after voting YES recovers prepared from its log and
// commits; one that crashes before voting leaves the coordinator to abort, and on restart
// records the abort it is sent. Every participant ends decided.
#[test]
fn participants_recover_from_their_logs() {
    for variant in ["presumed_nothing", "presumed_abort", "presumed_commit"] {
        let s = spec(
            "2pc/participant-crash-restart",
            &[format!("twopc.variant={variant}")],
        );
        let o = one(&s, 0);
        assert_eq!(o.outcome, "ok", "{variant}: {:?}", o.violations);
        assert_eq!(metric(&o, "txns"), 2.0);
        assert_eq!(
            metric(&o, "txns_committed"),
            1.0,
            "{variant}: T1 commits, T2 aborts"
        );
        assert_eq!(metric(&o, "txns_decided"), 2.0, "{variant}");
    }
}

// Shows: each Bug switch is caught on its scripted scenario by the expected property, and the
// same schedule without the bug is clean.
#[test]
fn every_bug_is_caught_by_its_scripted_scenario() {
    for (bug, property) in BUGS {
        let name = format!("2pc/bug-{}", bug.replace('_', "-"));
        let s = spec(&name, &[]);
        assert_eq!(
            s.params_of::<protocols::twopc::Params>()
                .unwrap()
                .bugs
                .len(),
            1,
            "{name}"
        );
        let o = one(&s, 0);
        assert_eq!(o.outcome, "safety_violation", "{name}");
        assert!(
            o.violations.iter().any(|v| v.property == property),
            "{name}: {:?}",
            o.violations
        );
        println!(
            "{name}: {} at {} ns: {}",
            o.violations[0].property, o.violations[0].time_ns, o.violations[0].detail
        );
        let fixed = spec(&name, &sets(&["twopc.bugs=[]"]));
        let o = one(&fixed, 0);
        assert_eq!(
            o.outcome, "ok",
            "{name} without the bug: {:?}",
            o.violations
        );
    }
}

fn campaign(n: u32, variant: &str, colocated: bool) {
    let s = spec(
        "2pc/lossy-duplication",
        &[
            format!("twopc.participants={n}"),
            format!("twopc.variant={variant}"),
            format!("twopc.colocated={colocated}"),
        ],
    );
    let seeds: Vec<u64> = (0..campaign_seeds()).collect();
    let runs = run_seeds(&s, &seeds, 0, &|| {}).unwrap();
    let bad: Vec<(u64, String)> = runs
        .iter()
        .filter(|(_, o)| o.outcome != "ok")
        .map(|(seed, o)| (*seed, format!("{:?}", o.violations.first())))
        .take(5)
        .collect();
    assert!(
        bad.is_empty(),
        "n={n} {variant} colocated={colocated}: failing seeds {bad:?}"
    );
    let txns: f64 = runs.iter().map(|(_, o)| metric(o, "txns")).sum();
    let committed: f64 = runs.iter().map(|(_, o)| metric(o, "txns_committed")).sum();
    let blocked = runs
        .iter()
        .filter(|(_, o)| metric(o, "blocking_time_max") > 0.0)
        .count();
    println!(
        "campaign n={n} {variant} colocated={colocated}: {} seeds ok, {txns} txns, {committed} committed, {blocked} seeds with blocking",
        runs.len()
    );
}

// Shows: zero atomicity/validity violations and full termination over 10,000 seeds (release)
// of 20% loss, 5% duplication, reordering and random crash-restart of any node, N = 2; all
// three variants.
#[test]
fn campaign_n2_no_violation_and_termination() {
    for v in ["presumed_nothing", "presumed_abort", "presumed_commit"] {
        campaign(2, v, false);
    }
}

// Shows: the same for N = 3 (separate and co-located coordinator).
#[test]
fn campaign_n3_no_violation_and_termination() {
    for v in ["presumed_nothing", "presumed_abort", "presumed_commit"] {
        campaign(3, v, false);
    }
    campaign(3, "presumed_nothing", true);
}

// Shows: the same for N = 5.
#[test]
fn campaign_n5_no_violation_and_termination() {
    for v in ["presumed_nothing", "presumed_abort", "presumed_commit"] {
        campaign(5, v, false);
    }
}

// Shows: a random campaign of the lossy scenario (N = 3) with one bug switched on finds a
// seed that violates the bug's property within 10,000 seeds; the first seed is printed and
// replays to the same violation.
#[test]
fn every_bug_is_found_by_a_random_campaign() {
    for (bug, property) in BUGS {
        let s = spec(
            "2pc/lossy-duplication",
            &[format!("twopc.bugs=[\"{bug}\"]")],
        );
        let mut found = None;
        let mut start = 0u64;
        while found.is_none() && start < 10_000 {
            let seeds: Vec<u64> = (start..start + 250).collect();
            let runs = run_seeds(&s, &seeds, 0, &|| {}).unwrap();
            found = runs
                .into_iter()
                .find(|(_, o)| o.violations.iter().any(|v| v.property == property));
            start += 250;
        }
        let (seed, o) =
            found.unwrap_or_else(|| panic!("bug {bug}: no {property} violation in 10,000 seeds"));
        println!(
            "bug {bug}: first seed {seed}: {}",
            o.violations
                .iter()
                .find(|v| v.property == property)
                .unwrap()
                .detail
        );
        assert_eq!(
            one(&s, seed).trace_digest,
            o.trace_digest,
            "bug {bug} seed {seed} replays"
        );
    }
}

// Shows: bad parameters are rejected with the field, the value and what is allowed.
#[test]
fn bad_parameters_name_the_field() {
    let err = |set: &str| {
        load("2pc/failure-free", &[Override::parse(set).unwrap()], &|p| {
            std::fs::read_to_string(p).map_err(|e| e.to_string())
        })
        .unwrap_err()
    };
    let e = err("twopc.participants=0");
    assert!(
        e.contains("twopc.participants must be in 1..=64, got 0"),
        "{e}"
    );
    let e = err("twopc.no_vote=1.5");
    assert!(e.contains("twopc.no_vote") && e.contains("1.5"), "{e}");
    let e = err("twopc.no_vote=[0.1, 0.2]");
    assert!(
        e.contains("twopc.no_vote") && e.contains("list of 2"),
        "{e}"
    );
    let e = err("twopc.retransmit=0s");
    assert!(e.contains("twopc.retransmit must be > 0"), "{e}");
    let e = err("twopc.variant=presumed_maybe");
    assert!(e.contains("variant") && e.contains("presumed_abort"), "{e}");
    let e = err("twopc.bugs=[\"typo\"]");
    assert!(e.contains("bugs") && e.contains("stale_decision"), "{e}");
}

// Benchmark (run with `cargo test --release --test integration twopc::benchmark -- --ignored
// --nocapture`): wall time of a 10,000-seed campaign of the lossy N = 3 scenario.
#[test]
#[ignore]
#[allow(clippy::disallowed_methods)] // the wall clock is what a benchmark measures
fn benchmark_lossy_n3_campaign() {
    let s = spec("2pc/lossy-duplication", &[]);
    let seeds: Vec<u64> = (0..10_000).collect();
    let t0 = std::time::Instant::now();
    let runs = run_seeds(&s, &seeds, 0, &|| {}).unwrap();
    let wall = t0.elapsed();
    let events: u64 = runs.iter().map(|(_, o)| o.events).sum();
    assert!(runs.iter().all(|(_, o)| o.outcome == "ok"));
    println!(
        "2pc/lossy-duplication, 10000 seeds: {:.2} s wall, {events} trace events, {:.0} ns/event, {} threads",
        wall.as_secs_f64(),
        wall.as_nanos() as f64 / events as f64,
        rayon::current_num_threads()
    );
}

// Shows: zero violations and full termination over 10,000 seeds (release) of random
// crash-restarts and pauses of the coordinator and four participants, 10 transactions each.
#[test]
fn crash_campaign_no_violation_and_termination() {
    let seeds = crate::common::crash_campaign_seeds(10_000);
    let runs = crate::common::assert_campaign_ok("2pc/crash-campaign", &[], &seeds);
    assert!(crate::common::total(&runs, "txns_committed") > 0.0);
}
