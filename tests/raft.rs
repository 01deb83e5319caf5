//! Integration tests: Raft.
//!
//! Shows: every catalog scenario meets its declared outcome, deterministically; every bug
//! switch with a schedule is caught by its scripted schedule through the documented property,
//! and the same schedule without the bug is safe and answers every client operation; random
//! campaigns find the bugs that can fire at random; zero violations, a leader and every
//! client operation answered in every seed of the 3- and 5-server campaigns (loss,
//! duplication, reordering, crash-restarts, partitions), with the clients' histories
//! linearizable; bad parameters name the field.

use std::cell::RefCell;
use std::rc::Rc;

use crate::common::{assert_campaign_ok, metric, spec, total};

use protocols::plugin::Protocol;
use protocols::raft::Bug;
use scenarios::runners::{RunOutput, RunRequest, run};
use scenarios::spec::Spec;
use scenarios::sweep::run_seeds;
use sim::trace::FnSink;
use sim::{Event, Record};

fn one(s: &Spec, seed: u64) -> RunOutput {
    run(RunRequest {
        spec: s,
        seed,
        sink: None,
        interrupt: None,
    })
    .unwrap()
}

/// Properties violated in a run, in order of first violation, without repeats.
fn violated(o: &RunOutput) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for x in &o.violations {
        if !v.contains(&x.property) {
            v.push(x.property.clone());
        }
    }
    v
}

/// Seeds of a 10,000-seed campaign; debug builds (plain `cargo test`) run the first 1,000,
/// CI runs the campaigns in release mode with all 10,000.
fn campaign_seeds() -> u64 {
    if cfg!(debug_assertions) {
        1_000
    } else {
        10_000
    }
}

/// The catalog scenario of a bug switch: `raft/bug-<name with dashes>` (shortened where the
/// name is long, so `simlab list` keeps its column width).
fn bug_scenario(b: Bug) -> String {
    match b {
        Bug::ConfigBeforeOwnTermCommit => "raft/bug-config-before-own-term".to_string(),
        _ => format!("raft/bug-{}", b.name().replace('_', "-")),
    }
}

/// The property each bug's scripted schedule breaks first (the one its file explains).
fn first_broken(b: Bug) -> &'static str {
    match b {
        Bug::VotedForNotPersisted | Bug::TermNotPersisted => "election_safety",
        Bug::CommitEarlierTerm
        | Bug::VoteWithoutLogCheck
        | Bug::UpToDateByLength
        | Bug::TruncateOnEveryAppend
        | Bug::ConfigBeforeOwnTermCommit => "leader_completeness",
        Bug::LocalReads => "linearizable",
    }
}

// Shows: each bug switch with a schedule is caught by it, through the documented property;
// the same schedule without the bug is safe, elects a leader and answers every operation.
#[test]
fn every_bug_is_caught_by_its_scripted_schedule() {
    for b in Bug::ALL {
        let property = first_broken(b);
        let name = bug_scenario(b);
        let s = spec(&name, &[]);
        assert_eq!(
            s.params_of::<protocols::raft::Params>().unwrap().bugs,
            vec![b],
            "{name} switches on exactly its bug"
        );
        let o = one(&s, s.seed);
        assert_eq!(o.outcome, "safety_violation", "{name}");
        assert_eq!(violated(&o)[0], property, "{name}: {:?}", o.violations);
        let fixed = one(&spec(&name, &["raft.bugs=[]"]), s.seed);
        assert_eq!(
            fixed.outcome, "ok",
            "{name} without the bug: {:?}",
            fixed.violations
        );
        assert_eq!(
            metric(&fixed, "ops_unanswered"),
            0.0,
            "{name} without the bug"
        );
        assert!(
            metric(&fixed, "ops_answered") >= 1.0,
            "{name} without the bug"
        );
    }
}

// Shows: the Figure 8 schedule breaks Leader Completeness for the reason its file gives: s1
// commits the term-1 entry in term 3 by counting, and s5 then leads term 4 without it; and
// State Machine Safety follows when s5 commits its own entry at index 1.
#[test]
fn figure_8_schedule_loses_an_entry_committed_by_counting() {
    let o = one(&spec("raft/bug-commit-earlier-term", &[]), 0);
    assert_eq!(
        o.violations[0].detail,
        "s5 leads term 4 without entry 1 (term 1) that s1 committed in term 3"
    );
    assert_eq!(
        violated(&o),
        ["leader_completeness", "state_machine_safety"],
        "{:?}",
        o.violations
    );
}

/// Runs a campaign and asserts zero violations (safety and liveness: a leader, and every
/// client operation answered by the end of the liveness window) in every seed.
fn assert_campaign(name: &str, sets: &[&str]) {
    let seeds: Vec<u64> = (0..campaign_seeds()).collect();
    let runs = assert_campaign_ok(name, sets, &seeds);
    let (mut terms, mut slowest) = (0.0, 0.0f64);
    for (seed, o) in &runs {
        assert_eq!(metric(o, "ops_unanswered"), 0.0, "{name} seed {seed}");
        assert!(metric(o, "committed") >= 1.0, "{name} seed {seed}");
        terms += metric(o, "max_term");
        slowest = slowest.max(metric(o, "client_latency_max"));
    }
    println!(
        "{name} {sets:?}: {} seeds ok, mean highest term {:.2}, slowest client operation {slowest:.3} s",
        runs.len(),
        terms / runs.len() as f64
    );
}

// Shows: zero violations with 3 servers and 3 clients, 10% loss, 10% duplication, 1-10 ms
// delays (reordering), random crash-restarts of servers and healing partitions.
#[test]
fn campaign_3_servers() {
    assert_campaign("raft/campaign-3", &[]);
}

// Shows: zero violations with 5 servers, 20% loss, up to two servers down at once.
#[test]
fn campaign_5_servers() {
    assert_campaign("raft/campaign-5", &[]);
}

// Shows: zero violations with 3 servers at 20% loss and long-tailed delays (exponential,
// mean 5 ms), where stale AppendEntries overtake newer ones often.
#[test]
fn campaign_3_servers_lossy_long_tail() {
    assert_campaign(
        "raft/campaign-3",
        &[
            "network.loss=0.2",
            "network.latency={ exp = { mean = \"5ms\", shift = \"1ms\" } }",
        ],
    );
}

// Shows: zero violations with PreVote and CheckQuorum on, for 3 and 5 servers.
#[test]
fn campaigns_with_pre_vote_and_check_quorum() {
    let on = ["raft.pre_vote=true", "raft.check_quorum=true"];
    assert_campaign("raft/campaign-3", &on);
    assert_campaign("raft/campaign-5", &on);
}

/// The campaign that hunts a bug at random.
fn hunt(b: Bug) -> &'static str {
    match b {
        // Needs a longer log of an older term beside a shorter, newer one: five servers,
        // more losses, more of those.
        Bug::UpToDateByLength => "raft/campaign-5",
        Bug::ConfigBeforeOwnTermCommit => "raft/campaign-membership",
        _ => "raft/campaign-3",
    }
}

/// Bugs the random campaigns do not find within 10,000 seeds, caught by their schedule only:
/// the 2015 membership bug needs a leader's configuration left uncommitted by its crash, the
/// next leader asked for another change before its no-op commits, and the old leader back
/// with votes from the servers its configuration added, in that order.
fn schedule_only(b: Bug) -> bool {
    matches!(b, Bug::ConfigBeforeOwnTermCommit)
}

/// First seed in `0..limit` whose run has a safety violation, searched in chunks.
fn first_failing(s: &Spec, limit: u64) -> Option<(u64, RunOutput)> {
    let chunk = 500;
    let mut start = 0;
    while start < limit {
        let seeds: Vec<u64> = (start..(start + chunk).min(limit)).collect();
        let runs = run_seeds(s, &seeds, 0, &|| {}).unwrap();
        if let Some(hit) = runs
            .into_iter()
            .find(|(_, o)| o.outcome == "safety_violation")
        {
            return Some(hit);
        }
        start += chunk;
    }
    None
}

// Shows: a random campaign (no scripted schedule) finds every bug within 10,000 seeds (the
// Figure 8 bug rarely: one seed in 10,000 of the 3-server campaign) except those caught by
// their schedule only (`schedule_only`, reported), and prints the first failing seed per bug
// with the properties it broke. Debug builds search 1,000 seeds and only report the bugs
// that need more.
#[test]
fn random_campaigns_find_the_bugs() {
    let limit = campaign_seeds();
    let mut table = Vec::new();
    for b in Bug::ALL {
        let name = hunt(b);
        let set = format!("raft.bugs=[\"{}\"]", b.name());
        let s = spec(name, &[&set]);
        match first_failing(&s, limit) {
            Some((seed, o)) => table.push(format!(
                "| {} | {name} | {seed} | {} |",
                b.name(),
                violated(&o).join(", ")
            )),
            None if limit < 10_000 || schedule_only(b) => table.push(format!(
                "| {} | {name} | > {limit}{} | |",
                b.name(),
                if limit < 10_000 { " (debug build)" } else { "" }
            )),
            None => panic!("{}: no violation in {limit} seeds of {name}", b.name()),
        }
    }
    println!(
        "| bug | campaign | first seed | properties broken |\n|---|---|---|---|\n{}",
        table.join("\n")
    );
}

// Shows: zero violations (Figure 3, linearizability, liveness) in the 3- and 5-server
// campaigns with reads served by ReadIndex and under a lease (clocks without drift), and
// reads were indeed served that way (not through the log). One seed of the 10,000 (release
// builds) misses the 3 s liveness window: in campaign-5 with ReadIndex, seed 4550, a client
// whose messages the 20% loss kept dropping invokes its last operation 3 ms before the end.
// The test asserts exactly that: a liveness failure there (no safety violation), answered
// with a 4 s window.
#[test]
fn campaigns_with_read_index_and_lease_reads() {
    let seeds: Vec<u64> = (0..campaign_seeds()).collect();
    let slow = ("raft/campaign-5", "read_index", 4550);
    for mode in ["read_index", "lease"] {
        let set = format!("raft.read_mode={mode}");
        for name in ["raft/campaign-3", "raft/campaign-5"] {
            let runs = run_seeds(&spec(name, &[&set]), &seeds, 0, &|| {}).unwrap();
            for (seed, o) in &runs {
                if (name, mode, *seed) == slow {
                    assert_eq!(o.outcome, "liveness_failure", "{name} {mode} seed {seed}");
                    let longer = spec(name, &[&set, "phases.liveness=\"4s\""]);
                    assert_eq!(one(&longer, *seed).outcome, "ok");
                    continue;
                }
                assert_eq!(
                    o.outcome, "ok",
                    "{name} {mode} seed {seed}: {:?}",
                    o.violations
                );
                assert_eq!(
                    metric(o, "ops_unanswered"),
                    0.0,
                    "{name} {mode} seed {seed}"
                );
            }
            assert!(
                total(&runs, "reads_served") > runs.len() as f64,
                "{name} {mode}"
            );
            println!("{name} {mode}: {} seeds", runs.len());
        }
    }
}

// Shows: leases with the three clocks drifting apart by up to 0.8% (inside the 1% bound)
// survive the random campaign.
#[test]
fn lease_campaign_with_drift_inside_the_bound() {
    let seeds: Vec<u64> = (0..campaign_seeds()).collect();
    let runs = assert_campaign_ok("raft/campaign-lease", &[], &seeds);
    assert!(total(&runs, "reads_served") > runs.len() as f64);
}

/// Metric `k` of `o`, asserted to be `want` (seconds computed from integer nanoseconds, so
/// equal up to float rounding).
fn assert_exact(o: &RunOutput, k: &str, want: f64) {
    let got = metric(o, k);
    assert!((got - want).abs() < 1e-12, "{k}: {got} s, want {want} s");
}

// Shows: in steady state under a constant 1 ms delay, a ReadIndex read waits at the leader
// exactly one round trip to a majority (2 ms: check and acknowledgement) and costs 4
// messages with 3 servers (2 checks, 2 acknowledgements); under a lease it is answered at
// once (0 ms), so the client sees 4 ms and 2 ms; through the log it takes at least 4 ms.
// One client, starting once the leader's no-op has committed and its lease is up.
#[test]
fn steady_state_read_latency_is_exact() {
    let run_mode = |mode: &str| {
        let set = format!("raft.read_mode={mode}");
        let s = spec(
            "raft/failure-free",
            &[
                &set,
                "raft.clients=1",
                "raft.ops=40",
                "raft.read_fraction=0.5",
                "raft.client_start=\"200ms\"",
            ],
        );
        let o = one(&s, 0);
        assert_eq!(o.outcome, "ok", "{mode}");
        assert!(metric(&o, "read_latency_count") >= 10.0, "{mode}");
        o
    };
    let o = run_mode("read_index");
    assert_exact(&o, "read_wait_mean", 0.002);
    assert_exact(&o, "read_wait_max", 0.002);
    assert_exact(&o, "read_latency_max", 0.004);
    assert_exact(&o, "messages_per_read", 4.0);
    assert_eq!(metric(&o, "reads_served"), metric(&o, "read_latency_count"));
    let o = run_mode("lease");
    assert_exact(&o, "read_wait_max", 0.0);
    assert_exact(&o, "read_latency_max", 0.002);
    assert_eq!(metric(&o, "reads_served"), metric(&o, "read_latency_count"));
    let o = run_mode("log");
    assert!(metric(&o, "read_latency_mean") >= 0.004 - 1e-12);
}

// Shows: a lease is only as safe as its drift bound. raft/lease-clock-drift (s1's clock at
// half speed against a 1% bound) serves stale reads, caught by `linearizable`, in most
// seeds; the same schedule with s1 0.5% slow (inside the bound) is safe in every seed and
// answers every operation.
#[test]
fn lease_safety_depends_on_bounded_drift() {
    let s = spec("raft/lease-clock-drift", &[]);
    let o = one(&s, s.seed);
    assert_eq!(violated(&o), ["linearizable"], "{:?}", o.violations);
    let seeds: Vec<u64> = (0..20).collect();
    let runs = run_seeds(&s, &seeds, 0, &|| {}).unwrap();
    let caught = runs
        .iter()
        .filter(|(_, o)| o.outcome == "safety_violation")
        .count();
    assert!(caught >= 10, "{caught} of 20 seeds caught");
    println!("lease-clock-drift: stale read in {caught} of 20 seeds");
    let text = protocols::raft::Raft
        .catalog()
        .iter()
        .find(|c| c.name == "raft/lease-clock-drift")
        .unwrap()
        .toml
        .replace("ppm = -500000", "ppm = -5000");
    let inside =
        scenarios::load::load("lease-inside-bound.toml", &[], &|_| Ok(text.clone())).unwrap();
    let runs = run_seeds(&inside, &seeds, 0, &|| {}).unwrap();
    for (seed, o) in &runs {
        assert_eq!(o.outcome, "ok", "seed {seed}: {:?}", o.violations);
    }
}

/// Runs `s` with `seed`, collecting (time in ms, node, detail) of every observation.
fn observations(s: &Spec, seed: u64) -> (RunOutput, Vec<(f64, u32, String)>) {
    let seen: Rc<RefCell<Vec<(f64, u32, String)>>> = Rc::default();
    let sink = seen.clone();
    let o = run(RunRequest {
        spec: s,
        seed,
        sink: Some(Box::new(FnSink(move |r: &Record<'_>| {
            if let Event::Observe { node } = r.event {
                let d = r.detail.unwrap_or("").to_string();
                sink.borrow_mut().push((r.time.0 as f64 / 1e6, node.0, d));
            }
        }))),
        interrupt: None,
    })
    .unwrap();
    let v = seen.borrow().clone();
    (o, v)
}

// Shows: raft/membership adds s4 and s5 and removes s1 and then the leader s2, across a
// leader crash: s1 leads term 1 and s2 term 2; s2 steps down once its own removal commits
// (soon after 1 s) and a remaining member leads term 3; the removed servers never campaign
// again, and the learners s4 and s5 never campaign before they are added. Every seed of 20.
#[test]
fn membership_changes_with_a_removed_leader() {
    let s = spec("raft/membership", &[]);
    for seed in 0..20 {
        let (o, obs) = observations(&s, seed);
        assert_eq!(o.outcome, "ok", "seed {seed}: {:?}", o.violations);
        assert_eq!(metric(&o, "config_changes"), 4.0, "seed {seed}");
        let role = |node: u32, what: &str| -> Vec<f64> {
            obs.iter()
                .filter(|(_, n, d)| *n == node && d.starts_with("Role") && d.contains(what))
                .map(|(t, _, _)| *t)
                .collect()
        };
        let leads =
            |node: u32, term: u64| !role(node, &format!("term: {term}, role: Leader")).is_empty();
        assert!(leads(0, 1) && leads(1, 2), "seed {seed}");
        assert!(
            (2..5).any(|n| leads(n, 3)),
            "seed {seed}: a remaining member leads term 3"
        );
        let down = role(1, "term: 2, role: Follower");
        assert!(
            down.len() == 1 && (1000.0..1010.0).contains(&down[0]),
            "seed {seed}: s2 steps down once its removal commits: {down:?}"
        );
        assert!(
            role(0, "Candidate").iter().all(|&t| t < 800.0),
            "seed {seed}"
        );
        assert!(
            role(1, "Candidate").iter().all(|&t| t < 1000.0),
            "seed {seed}"
        );
        assert!(
            role(3, "Candidate").iter().all(|&t| t > 200.0),
            "seed {seed}"
        );
        assert!(
            role(4, "Candidate").iter().all(|&t| t > 600.0),
            "seed {seed}"
        );
    }
}

// Shows: zero violations (Figure 3, linearizability, config_one_at_a_time, liveness) in the
// membership campaign: changes under loss, duplication, reordering, crash-restarts and
// partitions of any of the five servers; reads through the log, by ReadIndex and under a
// lease (whose rounds count the configuration in use).
#[test]
fn membership_campaign() {
    let seeds: Vec<u64> = (0..campaign_seeds()).collect();
    for mode in ["log", "read_index", "lease"] {
        let set = format!("raft.read_mode={mode}");
        let runs = assert_campaign_ok("raft/campaign-membership", &[&set], &seeds);
        for (seed, o) in &runs {
            assert_eq!(metric(o, "ops_unanswered"), 0.0, "{mode} seed {seed}");
        }
        assert!(total(&runs, "config_changes") >= 2.0 * runs.len() as f64);
    }
}

// Shows: bad parameters are rejected with the field, the value and what is allowed.
#[test]
fn bad_parameters_name_the_field() {
    let err = |sets: &[&str]| {
        let sets: Vec<scenarios::load::Override> = sets
            .iter()
            .map(|s| scenarios::load::Override::parse(s).unwrap())
            .collect();
        scenarios::load::load("raft/failure-free", &sets, &|p| {
            std::fs::read_to_string(p).map_err(|e| e.to_string())
        })
        .unwrap_err()
    };
    let e = err(&["raft.servers=10"]);
    assert!(e.contains("raft.servers must be in 1..=9, got 10"), "{e}");
    let e = err(&["raft.heartbeat=\"80ms\""]);
    assert!(
        e.contains("raft.heartbeat (80ms) must be < raft.election_timeout_min (50ms)"),
        "{e}"
    );
    let e = err(&["raft.bugs=[\"no_such_bug\"]"]);
    assert!(
        e.contains("no_such_bug") && e.contains("local_reads"),
        "{e}"
    );
    let e = err(&["raft.campaigns=[{ server = \"s7\", at = \"1ms\" }]"]);
    assert!(
        e.contains("raft.campaigns[0].server must name a server s1..s3, got `s7`"),
        "{e}"
    );
    let e = err(&["raft.membership=[{ at = \"1s\", add = \"s9\" }]"]);
    assert!(
        e.contains("raft.membership[0].add must name a server s1..s3, got `s9`"),
        "{e}"
    );
    let e = err(&["raft.read_mode=\"quorum\""]);
    assert!(e.contains("read_index") && e.contains("lease"), "{e}");
}

/// Downtimes (s) of the election-timing scenario over `seeds` seeds with election timeouts
/// `lo..hi` and heartbeats at `hb`, and how many seeds elected no new leader at all.
fn downtimes(lo: &str, hi: &str, hb: &str, extra: &[&str], seeds: u64) -> (Vec<f64>, usize) {
    let sets = [
        format!("raft.election_timeout_min={lo}"),
        format!("raft.election_timeout_max={hi}"),
        format!("raft.heartbeat={hb}"),
        format!("raft.campaigns=[{{ server = \"s1\", at = \"100ms\", jitter = \"{hb}\" }}]"),
    ];
    let mut sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    sets.extend_from_slice(extra);
    let s = spec("raft/election-timing", &sets);
    let runs = run_seeds(&s, &(0..seeds).collect::<Vec<_>>(), 0, &|| {}).unwrap();
    let mut d: Vec<f64> = runs
        .iter()
        .filter_map(|(_, o)| o.metrics.get("election_time").copied())
        .collect();
    d.sort_by(f64::total_cmp);
    let none = runs.len() - d.len();
    (d, none)
}

/// The `q` quantile of sorted values (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let k = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[k - 1]
}

// Shows (the paper's section 9.3, Figure 16, in our model): five servers, 15 ms broadcast
// time (2-3 ms each way, 10 ms for the disk write before a vote or an acknowledgement),
// heartbeats at half the shortest timeout, the leader crashed at a uniform point of its
// heartbeat interval, 1,000 trials per range. With identical timeouts and delays no leader
// is elected in the 11 s after the crash, in any seed. Our network is not the paper's, so
// the bounds are its orders of magnitude, not its digits: the 150-155 ms median and the
// 150-200 ms worst case in [0.1 s, 1 s) (paper: 287 ms, 513 ms), the 12-24 ms mean in
// [10 ms, 100 ms) (paper: 35 ms); and its shape: more randomness, a shorter tail (p99 of
// 150-155 ms above that of 150-200 ms). The table printed is the one in docs/raft.md.
#[test]
fn election_timing_follows_figure_16() {
    let n = 1_000;
    let (d, none) = downtimes(
        "150ms",
        "150ms",
        "75ms",
        &["network.latency={ const = \"2.5ms\" }"],
        n,
    );
    assert_eq!((d.len(), none as u64), (0, n), "identical timeouts: {d:?}");
    let mut table = vec!["| timeouts | measured | median | mean | p99 | max |".to_string()];
    table.push("|---|---|---|---|---|---|".into());
    table.push(format!(
        "| 150-150 ms, identical delays | 0 of {n} in 11 s | | | | |"
    ));
    let mut p99_155 = 0.0;
    for (lo, hi, hb) in [
        ("150ms", "151ms", "75ms"),
        ("150ms", "155ms", "75ms"),
        ("150ms", "175ms", "75ms"),
        ("150ms", "200ms", "75ms"),
        ("150ms", "300ms", "75ms"),
        ("12ms", "24ms", "6ms"),
    ] {
        let (d, none) = downtimes(lo, hi, hb, &[], n);
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        let (median, max) = (quantile(&d, 0.5), quantile(&d, 1.0));
        table.push(format!(
            "| {lo}-{hi} | {} of {n} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms |",
            d.len(),
            median * 1e3,
            mean * 1e3,
            quantile(&d, 0.99) * 1e3,
            max * 1e3
        ));
        // 12-24 ms is below the broadcast time: leadership changes hands before the crash in
        // many seeds, and the crash of s1 is then no leader crash (nothing to measure).
        if lo != "12ms" && hi != "151ms" {
            assert_eq!(none, 0, "{lo}-{hi}: {none} seeds without a new leader");
        }
        let decade = |x: f64, lo: f64| (lo..lo * 10.0).contains(&x);
        match (lo, hi) {
            ("150ms", "155ms") => {
                assert!(decade(median, 0.1), "150-155 median {median}");
                p99_155 = quantile(&d, 0.99);
            }
            ("150ms", "200ms") => {
                assert!(decade(max, 0.1), "150-200 worst {max}");
                assert!(p99_155 > quantile(&d, 0.99), "150-155 has the longer tail");
            }
            ("12ms", _) => assert!(decade(mean, 0.01), "12-24 mean {mean}"),
            _ => {}
        }
    }
    println!("{}", table.join("\n"));
}

// Shows: under a flapping link (s1-s3 down three times for 200 ms), PreVote with CheckQuorum
// keeps the first leader in every seed: one election, term 1. With both off, s3's elections
// depose it in every seed; CheckQuorum alone does not prevent that (s3's terms still rise),
// PreVote alone does.
#[test]
fn pre_vote_keeps_the_leader_under_a_flapping_link() {
    let seeds: Vec<u64> = (0..200).collect();
    let runs = |sets: &[&str]| assert_campaign_ok("raft/flapping-link", sets, &seeds);
    for sets in [&[][..], &["raft.check_quorum=false"]] {
        for (seed, o) in runs(sets) {
            assert_eq!(metric(&o, "elections_won"), 1.0, "{sets:?} seed {seed}");
            assert_eq!(metric(&o, "max_term"), 1.0, "{sets:?} seed {seed}");
        }
    }
    for sets in [
        &["raft.pre_vote=false", "raft.check_quorum=false"][..],
        &["raft.pre_vote=false"],
    ] {
        for (seed, o) in runs(sets) {
            assert!(metric(&o, "elections_won") >= 2.0, "{sets:?} seed {seed}");
        }
    }
}

// Shows: availability is exact on a scripted schedule. s1 campaigns at 100 ms over 2.5 ms
// links with the 10 ms disk write before a vote, so it leads from 115 ms with every server
// in its term; it crashes at 1 s, and the next leader (elected after `election_time`, by
// voters that have adopted its term) makes the cluster available again until the end at
// 12 s. Availability is the up time over the window from 115 ms to the end.
#[test]
fn availability_is_the_time_with_a_majority_term_leader() {
    let s = spec(
        "raft/election-timing",
        &[
            "raft.campaigns=[{ server = \"s1\", at = \"100ms\", jitter = \"0s\" }]",
            "network.latency={ const = \"2.5ms\" }",
        ],
    );
    for seed in 0..20 {
        let o = one(&s, seed);
        let down = (metric(&o, "election_time") * 1e9).round();
        let (start, end) = (115e6, 12e9);
        let want = (end - start - down) / (end - start);
        assert_eq!(metric(&o, "availability"), want, "seed {seed}");
    }
    // No leader in the whole run: 0. (Identical timeouts and delays: the split vote repeats.)
    let o = one(
        &spec(
            "raft/election-timing",
            &[
                "raft.campaigns=[]",
                "raft.election_timeout_max=150ms",
                "network.latency={ const = \"2.5ms\" }",
            ],
        ),
        0,
    );
    assert_eq!(metric(&o, "elections_won"), 0.0);
    assert_eq!(metric(&o, "availability"), 0.0);
}

// Shows: client availability is the fraction of operations answered within client_timeout.
// Failure-free with clients starting once a leader is in place, every operation is (1); in
// the first election, or after the leader crash of `leader-crash`, the operations caught in
// it wait past their timeout, so it is below 1 exactly when the slowest operation took
// longer than client_timeout.
#[test]
fn client_availability_counts_operations_answered_before_a_resend() {
    let o = one(&spec("raft/failure-free", &["raft.client_start=200ms"]), 0);
    assert_eq!(metric(&o, "client_availability"), 1.0);
    let timeout = 0.05;
    for (name, seed) in (0..20).flat_map(|s| [("raft/failure-free", s), ("raft/leader-crash", s)]) {
        let o = one(&spec(name, &[]), seed);
        let a = metric(&o, "client_availability");
        let slow = metric(&o, "client_latency_max") > timeout;
        assert_eq!(a < 1.0, slow, "{name} seed {seed}: {a}");
    }
}

// Shows: `compare --cdf` draws one CDF line per grid point from every seed's value (the
// CSV beside it lists them: their mean is the mean compare reports), moves paired
// parameters together, and refuses a metric the protocol does not have, naming those it has.
#[test]
fn compare_draws_the_downtime_cdf_per_timeout_range() {
    use crate::common::{code, simlab, stderr};
    let d = std::env::temp_dir().join(format!("simlab-raft-cdf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let out = d.to_str().unwrap();
    let vary = "raft.election_timeout_min+raft.election_timeout_max+raft.heartbeat=\
                100ms+200ms+50ms,150ms+300ms+75ms";
    let o = simlab(&[
        "compare",
        "raft/election-timing",
        "--vary",
        vary,
        "--seeds",
        "0..30",
        "--metric",
        "election_time",
        "--cdf",
        "election_time",
        "--out",
        out,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let svg = std::fs::read_to_string(d.join("cdf-election_time.svg")).unwrap();
    for name in ["100ms / 200ms / 50ms", "150ms / 300ms / 75ms"] {
        assert!(svg.contains(&format!(">\n{name}\n</text>")), "{name}");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("compare.json")).unwrap()).unwrap();
    let csv = std::fs::read_to_string(d.join("cdf-election_time.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "raft.election_timeout_min,raft.election_timeout_max,raft.heartbeat,seed,election_time"
        )
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 60);
    for (i, min) in ["100ms", "150ms"].iter().enumerate() {
        let row = &doc["rows"][i];
        assert_eq!(row["params"]["raft.election_timeout_min"], *min);
        let v: Vec<f64> = rows
            .iter()
            .filter(|r| r[0] == *min)
            .map(|r| r[4].parse().unwrap())
            .collect();
        assert_eq!(v.len(), 30);
        let mean = v.iter().sum::<f64>() / 30.0;
        let reported = row["metrics"]["election_time"]["mean"].as_f64().unwrap();
        assert!((mean - reported).abs() < 1e-6, "{mean} vs {reported}");
    }
    let o = simlab(&[
        "compare",
        "raft/election-timing",
        "--vary",
        "raft.election_timeout_max=155ms",
        "--cdf",
        "election_tme",
        "--out",
        out,
    ]);
    assert_eq!(code(&o), 2);
    let e = stderr(&o);
    assert!(e.contains("--cdf `election_tme`"), "{e}");
    assert!(e.contains("election_time, election_time_max"), "{e}");
    let o = simlab(&[
        "compare",
        "raft/election-timing",
        "--vary",
        "raft.election_timeout_min+raft.election_timeout_max=150ms",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("must give 2 values"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&d);
}

// Shows: log compaction keeps logs bounded over a long run. Two clients run 1,500
// operations each (3,000 entries) without faults; with a snapshot every 20 applied entries,
// no server ever keeps more than 20 applied entries past its snapshot (and some server
// reaches 20), and its whole retained log is at most 20 + 2: beyond the applied entries a
// server holds only entries not yet committed, at most one per client (each client has one
// operation outstanding). The servers' state machines agree at the end
// (`server::snapshot::tests` in the protocols crate checks that on a run with a crash).
#[test]
fn log_compaction_keeps_long_runs_bounded() {
    let s = spec(
        "raft/failure-free",
        &[
            "raft.ops=1500",
            "raft.snapshot_threshold=20",
            "raft.client_start=300ms",
            "duration=30s",
        ],
    );
    for seed in 0..3 {
        let o = one(&s, seed);
        assert!(violated(&o).is_empty(), "seed {seed}: {:?}", o.violations);
        assert_eq!(metric(&o, "committed"), 3000.0, "seed {seed}");
        assert_eq!(metric(&o, "log_applied_retained_max"), 20.0, "seed {seed}");
        let retained = metric(&o, "log_retained_max");
        assert!((20.0..=22.0).contains(&retained), "seed {seed}: {retained}");
        // Three servers each snapshot every 20 of the 3,000 entries.
        assert_eq!(metric(&o, "snapshots"), 3.0 * 150.0, "seed {seed}");
        assert_eq!(metric(&o, "log_size"), 3000.0);
    }
}

// Shows: a follower crashed long enough to fall behind the leader's snapshot catches up
// by InstallSnapshot (one snapshot installed, every seed), and the same schedule without
// compaction catches up by entries alone; all operations are answered either way.
#[test]
fn a_follower_behind_the_snapshot_installs_it() {
    let seeds: Vec<u64> = (0..200).collect();
    for (seed, o) in assert_campaign_ok("raft/snapshot-catch-up", &[], &seeds) {
        assert_eq!(metric(&o, "snapshots_installed"), 1.0, "seed {seed}");
        assert_eq!(metric(&o, "committed"), 60.0, "seed {seed}");
        assert_eq!(metric(&o, "ops_unanswered"), 0.0, "seed {seed}");
    }
    let off = assert_campaign_ok(
        "raft/snapshot-catch-up",
        &["raft.snapshot_threshold=0"],
        &seeds,
    );
    for (seed, o) in off {
        assert!(!o.metrics.contains_key("install_snapshot"), "seed {seed}");
        assert_eq!(metric(&o, "ops_unanswered"), 0.0, "seed {seed}");
    }
}

// Shows: zero violations in the 3- and 5-server campaigns (loss, duplication, reordering,
// crash-restarts, partitions) with a snapshot every 5 applied entries: every snapshot
// matches the replayed applied prefix, installed snapshots stand for their prefix in the
// Figure 3 checks, no server keeps more than 5 applied entries past its snapshot, every
// operation is answered, and followers catch up by InstallSnapshot in many seeds.
#[test]
fn campaigns_with_log_compaction() {
    let seeds: Vec<u64> = (0..campaign_seeds()).collect();
    for name in ["raft/campaign-3", "raft/campaign-5"] {
        let runs = assert_campaign_ok(name, &["raft.snapshot_threshold=5"], &seeds);
        let mut installs = 0;
        for (seed, o) in &runs {
            assert_eq!(metric(o, "ops_unanswered"), 0.0, "{name} seed {seed}");
            assert!(
                metric(o, "log_applied_retained_max") <= 5.0,
                "{name} seed {seed}"
            );
            installs += usize::from(metric(o, "snapshots_installed") > 0.0);
        }
        println!(
            "{name}: {} seeds ok, {installs} with a snapshot installed",
            runs.len()
        );
        assert!(
            installs * 10 > runs.len(),
            "{name}: installs in {installs} seeds"
        );
    }
}
