//! Integration tests: single-decree Paxos (docs/validation.md, "Paxos").
//!
//! Shows: every catalog scenario meets its declared outcome, deterministically; every bug
//! switch is caught by its scripted schedule, and that schedule is harmless without the bug;
//! random campaigns find every bug; zero violations and a decision in every seed of the
//! 10,000-seed campaigns (3 and 5 acceptors, 2-3 proposers, loss up to 30%, duplication,
//! random delays, crash-restart of every role, healing partitions); a decision known to the
//! proposer at exactly 4d with constant delay d; the liveness cases (2 of 5 crashed decides,
//! 3 of 5 crashed never does, the scripted duel livelocks without backoff and not with it).

use crate::common::{metric, spec};

use std::cell::RefCell;
use std::rc::Rc;

use protocols::paxos::Bug;
use scenarios::load::{Override, load};
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

/// Decisions observed in one run: (true time in ns, node name, observation text).
fn decisions(s: &Spec, seed: u64) -> Vec<(u64, String, String)> {
    let seen: Rc<RefCell<Vec<(u64, u32, String)>>> = Rc::default();
    let sink = {
        let seen = seen.clone();
        FnSink(move |r: &Record<'_>| {
            if let (Event::Observe { node }, Some(d)) = (&r.event, r.detail)
                && d.starts_with("Decided")
            {
                seen.borrow_mut().push((r.time.0, node.0, d.to_string()));
            }
        })
    };
    let o = run(RunRequest {
        spec: s,
        seed,
        sink: Some(Box::new(sink)),
        interrupt: None,
    })
    .unwrap();
    seen.borrow()
        .iter()
        .map(|(t, n, d)| (*t, o.nodes[*n as usize].clone(), d.clone()))
        .collect()
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

/// The catalog scenario of a bug switch: `paxos/bug-<name with dashes>`.
fn bug_scenario(b: Bug) -> String {
    format!("paxos/bug-{}", b.name().replace('_', "-"))
}

/// The property each bug's scripted schedule breaks first (the documented one).
fn first_broken(b: Bug) -> &'static str {
    match b {
        Bug::QuorumFloorHalf | Bug::QuorumCeilHalf | Bug::LearnerMixesBallots => {
            "learn_only_chosen"
        }
        _ => "agreement",
    }
}

// Shows: every Bug switch has its scenario, and its scripted schedule (rules, crashes,
// partitions written in the scenario file) is caught by the documented property; the same
// schedule with the bug switched off is safe and decides.
#[test]
fn every_bug_is_caught_by_its_scripted_schedule() {
    for b in Bug::ALL {
        let name = bug_scenario(b);
        let s = spec(&name, &[]);
        assert_eq!(
            s.params_of::<protocols::paxos::Params>().unwrap().bugs,
            vec![b],
            "{name} switches on exactly its bug"
        );
        let o = one(&s, s.seed);
        assert_eq!(o.outcome, "safety_violation", "{name}");
        assert_eq!(
            violated(&o)[0],
            first_broken(b),
            "{name}: {:?}",
            o.violations
        );
        let fixed = one(&spec(&name, &["paxos.bugs=[]"]), s.seed);
        assert_eq!(
            fixed.outcome, "ok",
            "{name} without the bug: {:?}",
            fixed.violations
        );
        assert_eq!(
            metric(&fixed, "decided"),
            1.0,
            "{name} without the bug decides"
        );
        assert_eq!(
            metric(&fixed, "chosen_values"),
            1.0,
            "{name} without the bug"
        );
    }
}

// Shows: the bug schedules break the property for the reason the scenario file explains,
// checked on the two values and the ballot in the violation text for a few of them.
#[test]
fn bug_schedules_break_agreement_as_documented() {
    let detail = |name: &str| one(&spec(name, &[]), 0).violations[0].detail.clone();
    assert_eq!(
        detail("paxos/bug-ballot-reuse-after-restart"),
        "v-p1 chosen in ballot (2,p1) after v-p2 was chosen in ballot (2,p1) at 10.000ms"
    );
    assert_eq!(
        detail("paxos/bug-non-unique-ballots"),
        "v-p2 chosen in ballot (1) after v-p1 was chosen in ballot (1) at 3.000ms"
    );
    assert_eq!(
        detail("paxos/bug-accept-below-promise"),
        "v-p1 chosen in ballot (1,p1) after v-p2 was chosen in ballot (1,p2) at 4.500ms"
    );
    assert_eq!(
        detail("paxos/bug-quorum-ceil-half"),
        "p1 decided v-p1, which no majority accepted in any one ballot"
    );
}

// Shows (validation target: latency): with constant one-way delay d and one proposer
// separate from n acceptors, the value is chosen and known to the proposer at exactly 4d
// (prepare, promise, accept, accepted), with one ballot and n * (4 + learners) messages.
#[test]
fn decision_known_to_the_proposer_at_4d() {
    for d_ns in [1_000_000u64, 7_000_000, 333_333, 2_500_000] {
        for n in [3u32, 5, 7] {
            let lat = format!("network.latency={{ const = \"{d_ns}ns\" }}");
            let s = spec(
                "paxos/failure-free",
                &[&lat, &format!("paxos.acceptors={n}")],
            );
            let o = one(&s, 0);
            assert_eq!(o.outcome, "ok");
            let t_ns = (metric(&o, "decision_time") * 1e9).round() as u64;
            assert_eq!(t_ns, 4 * d_ns, "d = {d_ns} ns, n = {n}");
            assert_eq!(metric(&o, "ballots_used"), 1.0);
            assert_eq!(
                metric(&o, "messages"),
                f64::from(n * 5),
                "n = {n}, one learner"
            );
        }
    }
}

// Shows: with the duelling schedule but a distinguished proposer, only p1 runs a ballot and
// decides at 6 ms (4d plus the 2 ms hold on accepts); the other proposer stays passive.
#[test]
fn distinguished_proposer_ends_the_duel() {
    let s = spec("paxos/duelling-no-backoff", &["paxos.distinguished=p1"]);
    let o = one(&s, 0);
    assert_eq!(o.outcome, "ok", "{:?}", o.violations);
    assert_eq!(metric(&o, "ballots_used"), 1.0);
    assert_eq!(
        (metric(&o, "decision_time") * 1e9).round() as u64,
        6_000_000
    );
    let d = decisions(&s, 0);
    assert!(d.iter().all(|(_, _, v)| v.contains("Value(1)")), "{d:?}");
}

// Shows (validation target: liveness): with 5 acceptors, 2 of them crashed and 10% loss, the
// stable proposer decides in every seed of the campaign.
#[test]
fn five_acceptors_two_crashed_lossy_always_decides() {
    let s = spec("paxos/five-two-crashed-lossy", &[]);
    let seeds: Vec<u64> = (0..campaign_seeds()).collect();
    let runs = run_seeds(&s, &seeds, 0, &|| {}).unwrap();
    let mut worst: f64 = 0.0;
    for (seed, o) in &runs {
        assert_eq!(o.outcome, "ok", "seed {seed}: {:?}", o.violations);
        assert_eq!(metric(o, "decided"), 1.0, "seed {seed}");
        worst = worst.max(metric(o, "decision_time"));
    }
    println!(
        "paxos/five-two-crashed-lossy: {} seeds decide, slowest at {worst:.4} s",
        runs.len()
    );
}

// Shows (validation target: liveness): with 3 of 5 acceptors crashed nothing is ever chosen or
// decided although the proposer keeps trying, and no safety property fails.
#[test]
fn three_of_five_crashed_never_decides() {
    let s = spec("paxos/three-of-five-crashed", &[]);
    let seeds: Vec<u64> = (0..200).collect();
    for (seed, o) in run_seeds(&s, &seeds, 0, &|| {}).unwrap() {
        assert_eq!(o.outcome, "ok", "seed {seed}: {:?}", o.violations);
        assert_eq!(metric(&o, "decided"), 0.0, "seed {seed}");
        assert_eq!(metric(&o, "reached_decided"), 0.0, "seed {seed}");
        assert_eq!(metric(&o, "chosen_values"), 0.0, "seed {seed}");
        assert!(
            metric(&o, "ballots_used") >= 20.0,
            "seed {seed}: the proposer kept trying"
        );
    }
}

// Shows (validation target: liveness): the scripted duel without backoff is a livelock: with a
// 6 ms period each proposer starts a ballot every 6 ms, forever, and nothing is chosen —
// over 1 s (the catalog window) and over 10 s; only `decided` fails.
#[test]
fn duelling_without_backoff_livelocks_forever() {
    for (dur, min_ballots) in [("1s", 330.0), ("10s", 3330.0)] {
        let s = spec("paxos/duelling-no-backoff", &[&format!("duration={dur}")]);
        let o = one(&s, 0);
        assert_eq!(o.outcome, "liveness_failure");
        assert_eq!(violated(&o), ["decided"]);
        assert_eq!(metric(&o, "chosen_values"), 0.0);
        assert!(
            metric(&o, "ballots_used") >= min_ballots,
            "{dur}: {:?}",
            o.metrics
        );
    }
}

// Shows: a fixed backoff (always 1 ms) does not end the scripted duel, it only stretches
// the period to 7 ms (2 ballots per 7 ms, nothing chosen); randomness is what ends it.
#[test]
fn duelling_with_fixed_backoff_still_livelocks() {
    let sets = [
        "paxos.backoff=true",
        "paxos.backoff_min=1ms",
        "paxos.backoff_max=1ms",
    ];
    let o = one(&spec("paxos/duelling-no-backoff", &sets), 0);
    assert_eq!(o.outcome, "liveness_failure");
    assert_eq!(violated(&o), ["decided"]);
    assert_eq!(metric(&o, "chosen_values"), 0.0);
    assert!(metric(&o, "ballots_used") >= 280.0, "{:?}", o.metrics);
}

// Shows (validation target: liveness): the same duel with randomized backoff decides in every
// seed; prints the mean and the largest time to decision.
#[test]
fn duelling_with_backoff_decides() {
    let s = spec("paxos/duelling-backoff", &[]);
    let seeds: Vec<u64> = (0..campaign_seeds()).collect();
    let runs = run_seeds(&s, &seeds, 0, &|| {}).unwrap();
    let (mut sum, mut max) = (0.0, 0.0f64);
    for (seed, o) in &runs {
        assert_eq!(o.outcome, "ok", "seed {seed}: {:?}", o.violations);
        sum += metric(o, "decision_time");
        max = max.max(metric(o, "decision_time"));
    }
    println!(
        "paxos/duelling-backoff: decision_time mean {:.4} s, max {max:.4} s over {} seeds",
        sum / runs.len() as f64,
        runs.len()
    );
}

// Shows: in the partition, the majority side (p2) decides its own value before the heal and
// the minority proposer (p1) decides the same value only after the heal, by adopting it.
#[test]
fn partition_heal_minority_adopts_the_majority_value() {
    let s = spec("paxos/partition-heal", &[]);
    let d = decisions(&s, 0);
    let heal = 300_000_000;
    let p2 = d.iter().find(|x| x.1 == "p2").expect("p2 decides");
    let p1 = d
        .iter()
        .find(|x| x.1 == "p1")
        .expect("p1 decides after the heal");
    assert!(p2.0 < heal && p2.2.contains("Value(2)"), "{p2:?}");
    assert!(p1.0 > heal && p1.2.contains("Value(2)"), "{p1:?}");
    assert!(d.iter().all(|x| x.2.contains("Value(2)")), "{d:?}");
}

/// Runs a campaign and asserts zero violations (safety and liveness), one chosen value and
/// a decision in every seed.
fn assert_campaign(name: &str, sets: &[&str]) {
    let s = spec(name, sets);
    let seeds: Vec<u64> = (0..campaign_seeds()).collect();
    let runs = run_seeds(&s, &seeds, 0, &|| {}).unwrap();
    let (mut ballots, mut slowest) = (0.0, 0.0f64);
    for (seed, o) in &runs {
        assert_eq!(
            o.outcome, "ok",
            "{name} {sets:?} seed {seed}: {:?}",
            o.violations
        );
        assert_eq!(metric(o, "chosen_values"), 1.0, "{name} seed {seed}");
        assert_eq!(metric(o, "decided"), 1.0, "{name} seed {seed}");
        ballots += metric(o, "ballots_used");
        slowest = slowest.max(metric(o, "decision_time"));
    }
    println!(
        "{name} {sets:?}: {} seeds ok, {:.2} ballots per run, slowest first decision {slowest:.3} s",
        runs.len(),
        ballots / runs.len() as f64
    );
}

// Shows: zero violations, 3 acceptors and 2 proposers, 10% loss, 10% duplication, uniform
// 1-10 ms delays, random crash-restart of every node, random partitions that heal.
#[test]
fn campaign_3_acceptors_2_proposers() {
    assert_campaign("paxos/campaign-3", &[]);
}

// Shows: zero violations, 3 acceptors and 3 proposers, 30% loss, 10% duplication,
// exponential delays (1 ms + mean 5 ms), crash-restarts and partitions.
#[test]
fn campaign_3_acceptors_3_proposers_30pct_loss() {
    assert_campaign(
        "paxos/campaign-3",
        &[
            "paxos.proposers=3",
            "network.loss=0.3",
            "network.latency={ exp = { mean = \"5ms\", shift = \"1ms\" } }",
        ],
    );
}

// Shows: zero violations, 5 acceptors and 3 proposers, 30% loss, 10% duplication, uniform
// delays, crash-restarts and partitions (the benchmark campaign).
#[test]
fn campaign_5_acceptors_3_proposers_30pct_loss() {
    assert_campaign("paxos/campaign-5-lossy", &[]);
}

// Shows: zero violations, 5 acceptors and 2 proposers, 10% loss, normal delays
// (mean 5 ms, sd 3 ms), up to two nodes down at once.
#[test]
fn campaign_5_acceptors_2_proposers() {
    assert_campaign(
        "paxos/campaign-5-lossy",
        &[
            "paxos.proposers=2",
            "network.loss=0.1",
            "network.latency={ normal = { mean = \"5ms\", sd = \"3ms\" } }",
        ],
    );
}

// Shows: zero violations when proposers crash and restart every few milliseconds while
// half the messages are duplicated and delays are long-tailed: old promises reach restarted
// proposers, which never reuse a ballot.
#[test]
fn campaign_proposer_restarts_with_replays() {
    assert_campaign("paxos/campaign-replay", &[]);
}

/// Where the random campaign hunts each bug: the scenario and overrides.
fn hunt(b: Bug) -> (&'static str, Vec<String>) {
    let bugs = format!("paxos.bugs=[\"{}\"]", b.name());
    match b {
        // ceil(n/2) is a majority for odd n: hunt it with 4 acceptors.
        Bug::QuorumCeilHalf => ("paxos/campaign-3", vec![bugs, "paxos.acceptors=4".into()]),
        // Needs a promise replayed across a proposer restart: the replay campaign.
        Bug::BallotReuseAfterRestart => ("paxos/campaign-replay", vec![bugs]),
        _ => ("paxos/campaign-3", vec![bugs]),
    }
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

// Shows: a random campaign (no scripted schedule) finds every bug within 10,000 seeds and
// prints the first failing seed per bug with the property it broke (the table in
// docs/paxos.md). Debug builds search 1,000 seeds and skip the bugs that need more.
#[test]
fn random_campaigns_find_every_bug() {
    let limit = campaign_seeds();
    let mut table = Vec::new();
    for b in Bug::ALL {
        let (name, sets) = hunt(b);
        let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
        let s = spec(name, &sets);
        match first_failing(&s, limit) {
            Some((seed, o)) => table.push(format!(
                "| {} | {name} | {seed} | {} |",
                b.name(),
                violated(&o).join(", ")
            )),
            None if limit < 10_000 => table.push(format!(
                "| {} | {name} | > {limit} (debug build) | |",
                b.name()
            )),
            None => panic!(
                "{}: no violation in {limit} seeds of {name} {sets:?}",
                b.name()
            ),
        }
    }
    println!(
        "| bug | campaign | first seed | properties broken |\n|---|---|---|---|\n{}",
        table.join("\n")
    );
}

// Shows: bad parameters are rejected with the field, the value and what is allowed.
#[test]
fn bad_parameters_name_the_field() {
    let load_err = |sets: &[&str]| {
        let sets: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
        load("paxos/failure-free", &sets, &|p| {
            std::fs::read_to_string(p).map_err(|e| e.to_string())
        })
        .unwrap_err()
    };
    let e = load_err(&["paxos.acceptors=0"]);
    assert!(
        e.contains("paxos.acceptors must be in 1..=64, got 0"),
        "{e}"
    );
    let e = load_err(&["paxos.distinguished=p9"]);
    assert!(
        e.contains("paxos.distinguished must name a proposer p1..p1, got `p9`"),
        "{e}"
    );
    let e = load_err(&["paxos.bugs=[\"no_such_bug\"]"]);
    assert!(
        e.contains("no_such_bug") && e.contains("quorum_floor_half"),
        "{e}"
    );
    let e = load_err(&["paxos.backoff_min=5ms", "paxos.backoff_max=1ms"]);
    assert!(
        e.contains("paxos.backoff_max (1ms) must be >= paxos.backoff_min (5ms)"),
        "{e}"
    );
}

// Benchmark (run with `cargo test --release --test integration paxos::benchmark -- --ignored
// --nocapture`): wall time of 10,000 seeds of the 5-acceptor lossy campaign; the acceptance
// bound is 30 s on the 2-core CI machine.
#[test]
#[ignore]
#[allow(clippy::disallowed_methods)] // the wall clock is what a benchmark measures
fn benchmark_5_acceptor_lossy_campaign() {
    for name in ["paxos/campaign-5-lossy", "paxos/five-two-crashed-lossy"] {
        let s = spec(name, &[]);
        let seeds: Vec<u64> = (0..10_000).collect();
        let t0 = std::time::Instant::now();
        let runs = run_seeds(&s, &seeds, 0, &|| {}).unwrap();
        let wall = t0.elapsed();
        let events: u64 = runs.iter().map(|(_, o)| o.events).sum();
        assert!(runs.iter().all(|(_, o)| o.outcome == "ok"));
        println!(
            "{name}, 10000 seeds: {:.2} s wall, {events} trace events, {:.0} ns/event, {} threads",
            wall.as_secs_f64(),
            wall.as_nanos() as f64 / events as f64,
            rayon::current_num_threads()
        );
        assert!(
            wall.as_secs_f64() < 30.0,
            "{name}: {:.1} s",
            wall.as_secs_f64()
        );
    }
}

// Shows: zero violations and a decision in every seed when random crash-restarts and pauses
// hit every node kind (5 acceptors, 3 proposers, 2 learners; at most two down at once).
#[test]
fn crash_campaign_acceptors_proposers_learners() {
    assert_campaign("paxos/crash-campaign", &[]);
}
