//! Integration tests: Multi-Paxos.
//!
//! Shows: under a constant one-way delay d and no faults, a slot is chosen exactly one round
//! trip after the leader proposes it (2d), a client's operation takes 4d (6d when it first
//! asked a follower), phase 2 costs exactly 2(n-1) messages per command and the run's whole
//! message count is the derived formula; zero violations, a leader and every client operation
//! answered in every seed of the 3- and 5-replica campaigns (loss, duplication, reordering,
//! crash-restarts, partitions), with and without batching, a small window and the lease;
//! batching cuts phase-2 messages per command and the window bounds throughput; every bug
//! switch is caught by its scripted schedule and the same schedule without it is safe;
//! random campaigns find the bugs that can fire at random; bad parameters name the field.

use crate::common::{assert_campaign_ok, metric, spec};

use scenarios::runners::{RunOutput, RunRequest, run};
use scenarios::spec::Spec;

fn one(s: &Spec, seed: u64) -> RunOutput {
    run(RunRequest {
        spec: s,
        seed,
        sink: None,
        interrupt: None,
    })
    .unwrap()
}

/// Seeds of a 10,000-seed campaign; debug builds run the first 1,000, release all 10,000.
fn campaign_seeds() -> u64 {
    if cfg!(debug_assertions) {
        1_000
    } else {
        10_000
    }
}

/// Equal up to the rounding of a mean of f64 seconds.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

// Shows: the steady-state costs, exact, for n = 3 and 5 replicas and d = 1 ms and 2.5 ms.
// Derivation: the leader proposes when a request arrives and sends n-1 accepts (d); each
// acceptor answers (d): chosen after 2d. The client's request (d) and the reply the leader
// sends when it applies the slot (d) add 2d: 4d. A client whose first guess is a follower
// is redirected (2d more: 6d). Messages: phase 1 once, 2(n-1); a heartbeat to n-1 replicas
// at the election (1 ms + 2d) and every 20 ms to the end (1 s); per command 2(n-1) + 2; per
// redirect 2 (the redirect and the request resent).
#[test]
fn steady_state_latency_and_messages_are_exact() {
    for n in [3u32, 5] {
        for (d, d_str) in [(0.001, "1ms"), (0.0025, "2.5ms")] {
            let sets = [
                format!("multipaxos.replicas={n}"),
                format!("network.latency={{ const = \"{d_str}\" }}"),
            ];
            let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
            let s = spec("multipaxos/failure-free", &sets);
            for seed in 0..3 {
                let o = one(&s, seed);
                let ctx = format!("n={n} d={d_str} seed {seed}");
                assert_eq!(o.outcome, "ok", "{ctx}: {:?}", o.violations);
                let c = metric(&o, "commands_chosen");
                assert_eq!(c, 20.0, "{ctx}");
                assert_eq!(metric(&o, "ops_answered"), 20.0, "{ctx}");
                assert!(close(metric(&o, "commit_latency_max"), 2.0 * d), "{ctx}");
                assert!(close(metric(&o, "commit_latency_mean"), 2.0 * d), "{ctx}");
                let redirects = o.metrics.get("redirects").copied().unwrap_or(0.0);
                assert!(redirects <= 2.0, "{ctx}: at most one per client");
                let latency_sum =
                    metric(&o, "client_latency_mean") * metric(&o, "client_latency_count");
                assert!(
                    close(latency_sum, 4.0 * d * c + 2.0 * d * redirects),
                    "{ctx}: {latency_sum}"
                );
                let m = f64::from(n - 1);
                assert_eq!(metric(&o, "phase2_messages"), 2.0 * m * c, "{ctx}");
                assert_eq!(metric(&o, "phase2_messages_per_command"), 2.0 * m, "{ctx}");
                assert_eq!(
                    metric(&o, "client_messages"),
                    2.0 * c + 2.0 * redirects,
                    "{ctx}"
                );
                let elected = 0.001 + 2.0 * d;
                let heartbeats = ((1.0 - elected) / 0.020).floor() + 1.0;
                let total = 2.0 * m + m * heartbeats + c * (2.0 * m + 2.0) + 2.0 * redirects;
                assert_eq!(metric(&o, "messages_sent"), total, "{ctx}");
            }
        }
    }
}

/// Runs a campaign and asserts zero violations (safety and liveness) in every seed.
fn assert_campaign(name: &str, sets: &[&str]) {
    let seeds: Vec<u64> = (0..campaign_seeds()).collect();
    let runs = assert_campaign_ok(name, sets, &seeds);
    let mut slowest = 0.0f64;
    for (seed, o) in &runs {
        assert_eq!(metric(o, "ops_unanswered"), 0.0, "{name} seed {seed}");
        assert!(metric(o, "slots_chosen") >= 1.0, "{name} seed {seed}");
        slowest = slowest.max(metric(o, "client_latency_max"));
    }
    println!(
        "{name} {sets:?}: {} seeds ok, slowest client operation {slowest:.3} s",
        runs.len()
    );
}

// Shows: zero violations with 3 replicas and 3 clients, 10% loss, 10% duplication, 1-10 ms
// delays (reordering), random crash-restarts and healing partitions.
#[test]
fn campaign_3_replicas() {
    assert_campaign("multipaxos/campaign-3", &[]);
}

// Shows: zero violations with 5 replicas, 20% loss.
#[test]
fn campaign_5_replicas() {
    assert_campaign("multipaxos/campaign-5", &[]);
}

// Shows: zero violations with batching (up to 4 commands a slot), a window of 2 slots, and
// the read lease (local reads), for 3 and 5 replicas.
#[test]
fn campaigns_with_batching_window_and_lease() {
    let on = [
        "multipaxos.max_batch=4",
        "multipaxos.window=2",
        "multipaxos.lease=\"40ms\"",
    ];
    assert_campaign("multipaxos/campaign-3", &on);
    assert_campaign("multipaxos/campaign-5", &on);
}

// Shows: bad parameters are rejected with the field, the value and what is allowed.
#[test]
fn bad_parameters_name_the_field() {
    let err = |sets: &[&str]| {
        let sets: Vec<scenarios::load::Override> = sets
            .iter()
            .map(|s| scenarios::load::Override::parse(s).unwrap())
            .collect();
        scenarios::load::load("multipaxos/failure-free", &sets, &|p| {
            std::fs::read_to_string(p).map_err(|e| e.to_string())
        })
        .unwrap_err()
    };
    let e = err(&["multipaxos.replicas=10"]);
    assert!(
        e.contains("multipaxos.replicas must be in 1..=9, got 10"),
        "{e}"
    );
    let e = err(&["multipaxos.window=0"]);
    assert!(
        e.contains("multipaxos.window must be in 1..=1024, got 0"),
        "{e}"
    );
    let e = err(&["multipaxos.bugs=[\"no_such_bug\"]"]);
    assert!(
        e.contains("no_such_bug") && e.contains("skip_phase1"),
        "{e}"
    );
}
