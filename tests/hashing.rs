//! Integration tests: consistent hashing through the catalog (docs/validation.md, "Consistent
//! hashing") and the key-value cluster on the kernel (misrouting while membership spreads,
//! keys moved at a join, availability, crashes, the serve_misrouted bug), plus the lookup
//! benchmark (ignored; run by hand).
//!
//! Statistical tests follow the validation rule: R >= 5 fixed seeds, mean and 95% CI
//! half-width h across seeds, pass if |mean - expected| <= tol * expected + 2h. Seeds are
//! never retried.

use crate::common::spec;

use protocols::ch::analysis::{mean_ci95, stat_check};
use scenarios::load::{Override, load};
use scenarios::runners::{RunOutput, RunRequest, run};
use scenarios::spec::Spec;
use scenarios::sweep::run_seeds;

fn runs(s: &Spec, seeds: std::ops::Range<u64>) -> Vec<RunOutput> {
    let seeds: Vec<u64> = seeds.collect();
    run_seeds(s, &seeds, 0, &|| {})
        .unwrap()
        .into_iter()
        .map(|(_, o)| o)
        .collect()
}

fn values(rs: &[RunOutput], name: &str) -> Vec<f64> {
    rs.iter().map(|r| r.metrics[name]).collect()
}

// ---- key-value cluster -----------------------------------------------------------------

#[test]
fn kv_join_misroutes_only_until_views_converge() {
    // Shows: in ch/kv-cluster-join (s5 joins at 1 s, clients learn the view by a push 100 ms
    // later or an earlier poll, 1 ms links), over 10 seeds every run misroutes some requests,
    // the first at or after the join, and the last no later than one link delay after every
    // client and member holds the new view (requests already in flight); the view converges
    // by 1.101 s. Every seed: outcome ok (request_resolved, served_by_owner,
    // same_view_routes_agree hold).
    let rs = runs(&spec("ch/kv-cluster-join", &[]), 0..10);
    for (seed, r) in rs.iter().enumerate() {
        let m = &r.metrics;
        assert_eq!(r.outcome, "ok", "seed {seed}: {:?}", r.violations);
        assert!(m["misrouted_requests"] > 0.0, "seed {seed}");
        assert!(m["first_misroute_s"] >= 1.0, "seed {seed}");
        let conv = m["converged_at_s"];
        assert!(
            conv > 1.0 && conv <= 1.101 + 1e-9,
            "seed {seed}: converged at {conv}"
        );
        assert!(
            m["last_misroute_s"] <= conv + 0.001 + 1e-9,
            "seed {seed}: {} vs {conv}",
            m["last_misroute_s"]
        );
    }
    let f = values(&rs, "misrouted_fraction");
    eprintln!("kv join: misrouted_fraction per seed {f:?}");
}

#[test]
fn kv_join_moves_one_over_n_plus_one_and_loses_nothing() {
    // Shows (statistical, 20 seeds, each a new ring of 5 x 100 vnodes, 10^4 keys): the
    // fraction of keys whose owner changes when s5 joins is 1/6 (tolerance 2% + 2h); every
    // moved key went to s5 (exact); without crashes every request is answered
    // (availability 1.0, no errors). mod_n, by contrast, moves 5/6 (10 seeds).
    let rs = runs(&spec("ch/kv-cluster-join", &[]), 0..20);
    for r in &rs {
        assert_eq!(r.outcome, "ok", "{:?}", r.violations);
        assert_eq!(r.metrics["moved_all_to_new"], 1.0);
        assert_eq!(r.metrics["availability"], 1.0);
        assert_eq!(r.metrics["errors"], 0.0);
        assert_eq!(r.metrics["unresolved_requests"], 0.0);
    }
    let c = stat_check(&values(&rs, "moved_fraction"), 1.0 / 6.0, 0.02);
    eprintln!("kv join ring moved_fraction: {c}");
    assert!(c.pass, "{c}");
    let rs = runs(&spec("ch/kv-cluster-join", &["kv.algorithm=mod_n"]), 0..10);
    let c = stat_check(&values(&rs, "moved_fraction"), 5.0 / 6.0, 0.02);
    eprintln!("kv join mod_n moved_fraction: {c}");
    assert!(c.pass, "{c}");
    assert!(
        rs.iter()
            .all(|r| r.outcome == "ok" && r.metrics["availability"] == 1.0)
    );
}

#[test]
fn kv_crash_costs_availability_but_every_request_resolves() {
    // Shows: in ch/kv-cluster-crash (s2 crashes at 1 s, restarts at 2 s), over 5 seeds the
    // crashed node's requests time out (definite errors, availability below 1 but above
    // 0.9), the coordinator removes s2 and re-adds it (2 changes), every key moved at the
    // removal came from s2, and every request resolves (outcome ok).
    let rs = runs(&spec("ch/kv-cluster-crash", &[]), 0..5);
    for r in &rs {
        let m = &r.metrics;
        assert_eq!(r.outcome, "ok", "{:?}", r.violations);
        assert_eq!(m["membership_changes"], 2.0);
        assert_eq!(m["moved_all_from_removed"], 1.0);
        assert!(m["errors_timeout"] > 0.0);
        assert!(
            m["availability"] > 0.9 && m["availability"] < 1.0,
            "{}",
            m["availability"]
        );
        assert_eq!(m["unresolved_requests"], 0.0);
    }
    eprintln!(
        "kv crash availability per seed {:?}",
        values(&rs, "availability")
    );
}

#[test]
fn kv_cluster_showcase_and_determinism() {
    // Shows: ch/kv-cluster (join, leave, crash) is ok on 10 seeds with 3 membership changes
    // and some misrouting; the same seed gives the same trace digest, another seed another.
    let s = spec("ch/kv-cluster", &[]);
    let rs = runs(&s, 0..10);
    for r in &rs {
        assert_eq!(r.outcome, "ok", "{:?}", r.violations);
        assert_eq!(r.metrics["membership_changes"], 3.0);
        assert!(r.metrics["misrouted_requests"] > 0.0);
    }
    let again = run(RunRequest {
        spec: &s,
        seed: 3,
        sink: None,
        interrupt: None,
    })
    .unwrap();
    assert_eq!(again.trace_digest, rs[3].trace_digest);
    assert_ne!(rs[3].trace_digest, rs[4].trace_digest);
    let lcv = values(&rs, "load_cv");
    eprintln!("kv cluster load_cv per seed {lcv:?}");
}

#[test]
fn kv_bug_serve_misrouted_is_caught_on_every_seed() {
    // Shows: the serve_misrouted bug scenario is a safety violation of served_by_owner on
    // each of 20 seeds (the first seed, 0, already finds it), after the join at 500 ms.
    let rs = runs(&spec("ch/kv-cluster-bug-serve-misrouted", &[]), 0..20);
    for r in &rs {
        assert_eq!(r.outcome, "safety_violation");
        assert!(r.violations.iter().all(|v| v.property == "served_by_owner"));
        assert!(r.violations[0].time_ns >= 500_000_000);
    }
}

#[test]
fn kv_rejects_bad_parameters_with_the_field() {
    // Shows: bad kv parameters fail at load with the field, the value and what is allowed.
    let o = |s: &str| vec![Override::parse(s).unwrap()];
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| e.to_string());
    let e = load("ch/kv-cluster", &o("kv.servers=0"), &read).unwrap_err();
    assert!(e.contains("kv.servers must be in 1..=64, got 0"), "{e}");
    let e = load("ch/kv-cluster", &o("kv.algorithm=chord"), &read).unwrap_err();
    assert!(
        e.contains("kv.algorithm: unknown consistent-hashing algorithm"),
        "{e}"
    );
    // A rule tying the table to the shared settings is checked at load too, not at run time.
    let e = load("ch/kv-cluster-join", &o("duration=2s"), &read).unwrap_err();
    assert!(
        e.contains("duration (2s) must be >= kv.stop_at + kv.attempts * kv.timeout (2150ms)"),
        "{e}"
    );
}

// ---- consistent-hashing analyses through the catalog ----------------------------------

#[test]
fn ring_balance_cv_matches_beta_theory() {
    // Shows (statistical, 10 seeds per point, n = 100): the ring's share CV matches
    // sqrt((n-1)/(n v+1)) for v = 100, 10 (tolerance 5% + 2h) and v = 1 (10% + 2h).
    for (v, tol) in [(100u32, 0.05), (10, 0.05), (1, 0.10)] {
        let rs = runs(
            &spec("ch/ring-balance", &[&format!("ch.vnodes={v}")]),
            0..10,
        );
        let n = 100.0;
        let expected = ((n - 1.0) / (n * f64::from(v) + 1.0)).sqrt();
        let c = stat_check(&values(&rs, "share_cv"), expected, tol);
        eprintln!("ring-balance n=100 v={v} share_cv: {c}");
        assert!(c.pass, "v={v}: {c}");
    }
}

#[test]
fn growth_moves_the_theoretical_fraction_per_algorithm() {
    // Shows (statistical, 10 seeds x 20k keys, n = 10 -> 11): ring, jump and rendezvous move
    // 1/11 of the keys (tolerance 2% + 2h), all to the new server (exact); mod_n moves 10/11;
    // maglev moves at least the new backend's share and less than twice the minimum; bounded
    // loads (c = 1.25, rebuilt on the change) reports its own number.
    for (algo, expected, minimal) in [
        ("ring", 1.0 / 11.0, true),
        ("jump", 1.0 / 11.0, true),
        ("rendezvous", 1.0 / 11.0, true),
        ("mod_n", 10.0 / 11.0, false),
    ] {
        let rs = runs(
            &spec(
                "ch/growth",
                &[&format!("ch.algorithm={algo}"), "ch.keys=20000"],
            ),
            0..10,
        );
        if minimal {
            assert!(
                rs.iter().all(|r| r.metrics["moved_all_to_new"] == 1.0),
                "{algo}"
            );
        }
        let c = stat_check(&values(&rs, "moved_fraction"), expected, 0.02);
        eprintln!("growth {algo}: {c}");
        assert!(c.pass, "{algo}: {c}");
    }
    let rs = runs(
        &spec("ch/growth", &["ch.algorithm=maglev", "ch.keys=20000"]),
        0..10,
    );
    for r in &rs {
        let (moved, new) = (
            r.metrics["moved_fraction"],
            r.metrics["new_server_fraction"],
        );
        assert!(
            moved >= new && moved < 2.0 / 11.0,
            "maglev moved {moved}, new share {new}"
        );
    }
    eprintln!(
        "growth maglev: moved_fraction mean, h = {:?}",
        mean_ci95(&values(&rs, "moved_fraction"))
    );
    let rs = runs(
        &spec("ch/growth", &["ch.algorithm=bounded", "ch.keys=20000"]),
        0..10,
    );
    eprintln!(
        "growth bounded: moved_fraction mean, h = {:?}",
        mean_ci95(&values(&rs, "moved_fraction"))
    );
}

#[test]
fn bounded_loads_never_exceed_capacity() {
    // Shows (exact): ch/bounded-loads with c in {1, 1.25, 2} on 10 seeds each: zero
    // violations of max load <= ceil(c * keys / n) over every insertion and removal, and the
    // final max load within capacity; a smaller c puts more keys off their ring owner.
    let mut off = Vec::new();
    for c in ["1", "1.25", "2"] {
        let rs = runs(&spec("ch/bounded-loads", &[&format!("ch.c={c}")]), 0..10);
        for r in &rs {
            assert_eq!(r.outcome, "ok");
            assert_eq!(r.metrics["violations"], 0.0, "c={c}");
            assert!(r.metrics["max_load"] <= r.metrics["capacity"], "c={c}");
        }
        let (mean, h) = mean_ci95(&values(&rs, "off_owner_fraction"));
        eprintln!("bounded-loads c={c}: off_owner_fraction {mean:.5} +/- {h:.5}");
        off.push(mean);
    }
    assert!(off[0] > off[1] && off[1] > off[2], "{off:?}");
}

// ---- benchmark --------------------------------------------------------------------------

/// Benchmark (run by hand, release): the lookup benchmark of `simlab bench ch/ring-balance`
/// (n = 100, v = 100, 10^5 lookups) and at n = 10.
/// `cargo test --release --test integration hashing::bench -- --ignored --nocapture`
#[test]
#[ignore]
#[allow(clippy::disallowed_methods)] // a benchmark reads the wall clock, by definition
fn bench_lookups() {
    let t0 = std::time::Instant::now();
    let mut clock = move || t0.elapsed().as_secs_f64();
    for servers in [100u32, 10] {
        let mut p = spec("ch/ring-balance", &[])
            .params_of::<protocols::ch::ChParams>()
            .unwrap()
            .clone();
        p.servers = servers;
        let m = protocols::ch::bench::lookup_bench(&p, &mut clock);
        for (k, v) in &m {
            eprintln!("bench n={servers} {k} = {v:.4}");
        }
    }
}
