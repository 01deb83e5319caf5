//! Locks and leases (docs/validation.md, "Locks and leases"): Kleppmann's GC-pause scenario
//! reproduces exactly (violation without fencing, token 33 rejected with it, nothing with an
//! 8 s pause, the delayed write behaves like the pause), Redlock's validity arithmetic is exact
//! and a clock jump breaks its mutual exclusion, every Bug switch is caught by a checker, and
//! a random-pause campaign shows fencing keeps the data safe in every seed.

use crate::common::{assert_campaign_ok, crash_campaign_seeds, metric, spec, total};

use scenarios::runners::{RunOutput, RunRequest, run};

fn run_one(name: &str, sets: &[&str]) -> RunOutput {
    run(RunRequest {
        spec: &spec(name, sets),
        seed: 0,
        sink: None,
        interrupt: None,
    })
    .unwrap()
}

fn failed(o: &RunOutput) -> Vec<(&str, u64)> {
    o.violations
        .iter()
        .map(|v| (v.property.as_str(), v.time_ns))
        .collect()
}

const MS: u64 = 1_000_000;

// Without fencing: C2 believes from 10.002 s, C1 still believes until it runs again at 16 s,
// and C1's token-33 write (16.001 s at the storage) lands over C2's token-34 write.
#[test]
fn kleppmann_without_fencing_loses_the_update() {
    let o = run_one("lock/kleppmann-gc-pause", &[]);
    assert_eq!(o.outcome, "safety_violation");
    assert_eq!(
        failed(&o),
        [
            ("mutual_exclusion", 10_002 * MS),
            ("data_safety", 16_001 * MS)
        ]
    );
    assert_eq!(
        metric(&o, "overlap_ms"),
        5998.0,
        "two holders in [10.002 s, 16 s]"
    );
    assert_eq!(
        metric(&o, "final_token"),
        33.0,
        "the storage keeps C1's stale write"
    );
    assert_eq!(metric(&o, "final_writer"), 1.0);
    assert_eq!(metric(&o, "writes_applied"), 2.0);
}

// With fencing the storage rejects token 33 after 34; the data are safe. The beliefs overlap
// exactly as before: reported (belief_overlap reached, overlap_ms), not a violation.
#[test]
fn kleppmann_with_fencing_rejects_token_33() {
    let o = run_one("lock/kleppmann-fenced", &[]);
    assert_eq!(o.outcome, "ok", "{:?}", o.violations);
    assert_eq!(metric(&o, "writes_rejected"), 1.0);
    assert_eq!(metric(&o, "rejected_token"), 33.0);
    assert_eq!(metric(&o, "final_token"), 34.0);
    assert_eq!(metric(&o, "overlap_ms"), 5998.0);
    assert_eq!(metric(&o, "reached_belief_overlap"), 1.0);
}

// An 8 s pause (1 s to 9 s) ends inside C1's lease: no overlap, no lost update.
#[test]
fn eight_second_pause_gives_no_violation() {
    let o = run_one("lock/short-pause", &[]);
    assert_eq!(o.outcome, "ok", "{:?}", o.violations);
    assert_eq!(metric(&o, "overlap_ms"), 0.0);
    assert_eq!(metric(&o, "writes_applied"), 2.0);
    assert_eq!(metric(&o, "final_token"), 34.0);
}

// A write sent at 9.5 s and delayed 60 s gives the same result at the storage as the pause:
// a lost update without fencing (final token 33), token 33 rejected with it (final 34). No
// beliefs overlap here, which is why data safety is checked at the resource.
#[test]
fn delayed_write_gives_the_same_result_as_the_pause() {
    let (pause, delay) = (
        run_one("lock/kleppmann-gc-pause", &[]),
        run_one("lock/delayed-write", &[]),
    );
    assert_eq!(delay.outcome, pause.outcome);
    assert_eq!(failed(&delay), [("data_safety", 69_501 * MS)]);
    for k in [
        "final_token",
        "final_writer",
        "writes_applied",
        "writes_rejected",
    ] {
        assert_eq!(metric(&delay, k), metric(&pause, k), "{k}");
    }
    assert_eq!(metric(&delay, "overlap_ms"), 0.0);
    let (pause, delay) = (
        run_one("lock/kleppmann-fenced", &[]),
        run_one("lock/delayed-write-fenced", &[]),
    );
    assert_eq!(
        (delay.outcome.as_str(), pause.outcome.as_str()),
        ("ok", "ok")
    );
    for k in [
        "final_token",
        "final_writer",
        "writes_applied",
        "writes_rejected",
        "rejected_token",
    ] {
        assert_eq!(metric(&delay, k), metric(&pause, k), "{k}");
    }
}

// Checking the lease right before writing passes at 9 s; the pause between the check and the
// write (9.002 s to 16 s) still lets the stale write out. Moving the pause before the check
// (8.9 s) makes the check catch the expiry: the write is skipped and nothing is lost.
#[test]
fn checking_the_lease_before_writing_is_not_enough() {
    let o = run_one("lock/check-before-write", &[]);
    assert_eq!(o.outcome, "safety_violation");
    assert_eq!(
        failed(&o),
        [
            ("mutual_exclusion", 10_002 * MS),
            ("data_safety", 16_001 * MS)
        ]
    );
    let caught = run_one("lock/check-before-write", &["faults.0.at=8.9s"]);
    assert_eq!(
        caught.outcome, "safety_violation",
        "beliefs still overlap until C1 runs its check at 16 s"
    );
    assert_eq!(failed(&caught), [("mutual_exclusion", 10_002 * MS)]);
    assert_eq!(
        metric(&caught, "writes_applied"),
        1.0,
        "C1's check found the lease expired and skipped the write"
    );
    assert_eq!(metric(&caught, "final_token"), 34.0);
}

// redis.io's example (TTL 10 000 ms, 200 ms elapsed -> 9 698 ms), and the validity the clients
// use in the Redlock scenarios (50 ms timeout -> 9 848 ms).
#[test]
fn redlock_validity_arithmetic_is_exact() {
    use protocols::lock::redlock_validity;
    use sim::Time;
    assert_eq!(
        redlock_validity(Time::from_millis(10_000), Time::from_millis(200), 0.01),
        Some(Time::from_millis(9_698))
    );
    assert_eq!(
        redlock_validity(Time::from_millis(10_000), Time::from_millis(50), 0.01),
        Some(Time::from_millis(9_848))
    );
    assert_eq!(
        redlock_validity(Time::from_millis(10_000), Time::from_millis(9_898), 0.01),
        None
    );
}

// A 10 s forward clock step on r3 frees C1's key there; C2 gets r3, r4, r5 at 2.05 s while C1
// holds r1, r2, r3 until 9.898 s: overlap 7 848 ms. Without the jump C2's majority comes only
// at 10.15 s, after C1's validity: no overlap.
#[test]
fn redlock_clock_jump_breaks_mutual_exclusion() {
    let o = run_one("lock/redlock-clock-jump", &[]);
    assert_eq!(o.outcome, "safety_violation");
    assert_eq!(failed(&o), [("mutual_exclusion", 2_050 * MS)]);
    assert_eq!(metric(&o, "overlap_ms"), 7848.0);
    let ctl = run_one("lock/redlock-no-jump", &[]);
    assert_eq!(ctl.outcome, "ok", "{:?}", ctl.violations);
    assert_eq!(metric(&ctl, "overlap_ms"), 0.0);
    assert_eq!(metric(&ctl, "lock_acquisitions"), 2.0);
}

// Every Bug switch is caught by its checker, and the same schedule without the bug is clean.
#[test]
fn every_bug_is_caught() {
    let o = run_one("lock/bug-release-any", &[]);
    assert_eq!(
        failed(&o),
        [("mutual_exclusion", 16_002 * MS)],
        "C3 acquires under C2 after C1's late DEL"
    );
    let o = run_one("lock/bug-release-any", &["lock.bugs=[]"]);
    assert_eq!(o.outcome, "ok", "{:?}", o.violations);
    let o = run_one("lock/bug-volatile-state", &[]);
    assert_eq!(
        failed(&o),
        [("data_safety", 3_001 * MS)],
        "token 33 reissued after the restart"
    );
    let o = run_one("lock/bug-volatile-state", &["lock.bugs=[]"]);
    assert_eq!(o.outcome, "ok", "{:?}", o.violations);
}

// Campaign: random pauses on six contending clients. With fencing, data_safety holds in all
// 3000 seeds; without it the same schedules lose updates (the first failing seed is printed).
#[test]
fn fencing_keeps_data_safe_under_random_pauses() {
    let seeds: Vec<u64> = (0..3000).collect();
    let s = spec("lock/random-pauses-fenced", &[]);
    let runs = scenarios::sweep::run_seeds(&s, &seeds, 0, &|| {}).unwrap();
    let bad: Vec<u64> = runs
        .iter()
        .filter(|(_, o)| o.outcome != "ok")
        .map(|(s, _)| *s)
        .collect();
    assert!(
        bad.is_empty(),
        "fenced runs violated safety in seeds {bad:?}"
    );
    let rejected: f64 = runs.iter().map(|(_, o)| metric(o, "writes_rejected")).sum();
    assert!(
        rejected > 0.0,
        "the campaign never produced a stale write, so it shows nothing"
    );
    let s = spec("lock/random-pauses-fenced", &["lock.fencing=false"]);
    let runs = scenarios::sweep::run_seeds(&s, &seeds[..200], 0, &|| {}).unwrap();
    let first = runs
        .iter()
        .find(|(_, o)| o.violations.iter().any(|v| v.property == "data_safety"))
        .map(|(s, _)| *s);
    println!("lock: first seed losing an update without fencing: {first:?}");
    assert!(
        first.is_some(),
        "without fencing some seed must lose an update"
    );
}

// Crash campaign: random crash-restarts of the lock server, the storage and all six clients.
// Without fencing and without pauses both properties hold in every seed (10,000 in release): a
// crashed client's belief ends with it, the server's key survives its crashes. The same
// schedule with random pauses on top holds data_safety only with fencing on. With the
// volatile_state bug a crashed server forgets its holder: mutual_exclusion fails.
#[test]
fn crash_campaign_keeps_mutual_exclusion_and_data_safety() {
    let seeds = crash_campaign_seeds(10_000);
    let runs = assert_campaign_ok("lock/crash-campaign", &[], &seeds);
    assert!(total(&runs, "writes_applied") > seeds.len() as f64);
    let paused = [
        "lock.fencing=true",
        "random.pause={ rate = 1.0, min = \"100ms\", max = \"4s\" }",
    ];
    assert_campaign_ok("lock/crash-campaign", &paused, &seeds[..seeds.len() / 3]);
    let s = spec("lock/crash-campaign", &["lock.bugs=[\"volatile_state\"]"]);
    let runs = scenarios::sweep::run_seeds(&s, &seeds[..seeds.len() / 3], 0, &|| {}).unwrap();
    let first = runs
        .iter()
        .find(|(_, o)| o.outcome == "safety_violation")
        .map(|(s, o)| (*s, o.violations[0].property.clone()));
    println!("lock/crash-campaign with volatile_state: first violation {first:?}");
    assert!(first.is_some(), "the crash campaign misses volatile_state");
}
