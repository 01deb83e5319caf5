//! Helpers shared by the protocol test modules: load a catalog scenario with overrides, and
//! read a metric with a message that lists the metrics a run did report.

use scenarios::load::{Override, load};
use scenarios::runners::RunOutput;
use scenarios::spec::Spec;

/// Catalog scenario (or file) `name` with `--set`-style overrides; panics with the loader's
/// message on a bad name or override.
pub fn spec(name: &str, sets: &[&str]) -> Spec {
    let sets: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    load(name, &sets, &|p| {
        std::fs::read_to_string(p).map_err(|e| e.to_string())
    })
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Metric `k` of a run; panics naming the metrics the run has.
pub fn metric(o: &RunOutput, k: &str) -> f64 {
    *o.metrics.get(k).unwrap_or_else(|| {
        panic!(
            "metric {k} missing; have {:?}",
            o.metrics.keys().collect::<Vec<_>>()
        )
    })
}

/// Seeds a crash campaign sweeps: `release` of them in release builds (how CI runs the suite),
/// a tenth in debug builds, where a run is several times slower.
pub fn crash_campaign_seeds(release: u64) -> Vec<u64> {
    let n = if cfg!(debug_assertions) {
        release / 10
    } else {
        release
    };
    (0..n).collect()
}

/// Sweeps catalog scenario `name` with `sets` over `seeds` and asserts every run is `ok`;
/// panics naming the failing seeds and the first one's violations. Returns the runs.
pub fn assert_campaign_ok(name: &str, sets: &[&str], seeds: &[u64]) -> Vec<(u64, RunOutput)> {
    let runs = scenarios::sweep::run_seeds(&spec(name, sets), seeds, 0, &|| {}).unwrap();
    let bad: Vec<&(u64, RunOutput)> = runs.iter().filter(|(_, o)| o.outcome != "ok").collect();
    if let Some((seed, o)) = bad.first() {
        panic!(
            "{name} {sets:?}: {} of {} seeds failed ({:?}...); seed {seed}: {} {:?}",
            bad.len(),
            runs.len(),
            bad.iter().take(10).map(|(s, _)| *s).collect::<Vec<_>>(),
            o.outcome,
            o.violations
        );
    }
    println!("{name} {sets:?}: {} seeds, 0 violations", runs.len());
    runs
}

/// Sum of metric `k` over `runs` (0 where a run lacks it).
pub fn total(runs: &[(u64, RunOutput)], k: &str) -> f64 {
    runs.iter()
        .map(|(_, o)| o.metrics.get(k).copied().unwrap_or(0.0))
        .sum()
}

/// Runs the real `simlab` binary with `args`.
pub fn simlab(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_simlab"))
        .args(args)
        .output()
        .expect("simlab runs")
}

/// The exit code of a finished `simlab`.
pub fn code(o: &std::process::Output) -> i32 {
    o.status.code().expect("exited normally (no signal)")
}

/// Its stdout as text.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Its stderr as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
