//! Boundary fuzz: every numeric field of every catalog scenario, set to an extreme. For each
//! catalog scenario the resolved spec is taken as a TOML value tree; every numeric leaf
//! (integers, floats, duration strings such as `"250ms"`, in nested tables and arrays: faults,
//! network links, random faults, the protocol's table) is set in turn to 0, -1, 1, a tiny
//! positive value, a huge value and NaN where it makes sense. A value the loader rejects is
//! fine (that is what validation is for); a value it accepts must run seed 0 to the end under
//! a small event budget without a panic and within a wall-clock bound. A finding is fixed where
//! the value is read (a load-time error naming the field and its range), never here.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use scenarios::load::{Override, apply_overrides};
use scenarios::registry::Registry;
use scenarios::runners::{RunRequest, run};

use crate::common::spec;

/// The event budget of every fuzzed run: a run that would go on without end stops here.
const MAX_EVENTS: u64 = 200_000;

/// Wall-clock bound of one fuzzed run (release builds finish each in well under a second).
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// What kind of number a leaf holds, which decides the extremes tried on it.
#[derive(Clone, Copy, Debug)]
enum Leaf {
    Int,
    Float,
    Duration,
}

/// The TOML literals (as `--set` reads them) tried on a leaf of each kind.
fn extremes(leaf: Leaf) -> &'static [&'static str] {
    match leaf {
        Leaf::Int => &[
            "0",
            "-1",
            "1",
            "1000000",
            "1000000000",
            "4294967295",
            "9223372036854775807",
        ],
        Leaf::Float => &[
            "0.0", "-1.0", "1.0", "1e-300", "1e9", "1e30", "-1e30", "nan",
        ],
        // 1000000h is huge but within the 146-year bound, so it loads; 99999999h does not.
        Leaf::Duration => &[
            "\"0s\"",
            "\"1ns\"",
            "\"1000000h\"",
            "\"99999999h\"",
            "-1",
            "1e30",
        ],
    }
}

/// Every numeric leaf under `v`, as a dotted `--set` path (array items by index).
fn leaves(v: &toml::Value, path: &str, out: &mut Vec<(String, Leaf)>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        toml::Value::Integer(_) => out.push((path.to_string(), Leaf::Int)),
        toml::Value::Float(_) => out.push((path.to_string(), Leaf::Float)),
        toml::Value::String(s)
            if s.starts_with(|c: char| c.is_ascii_digit())
                && sim::time::parse_duration(s).is_ok() =>
        {
            out.push((path.to_string(), Leaf::Duration))
        }
        toml::Value::Table(t) => {
            for (k, v) in t {
                leaves(v, &join(k), out);
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                leaves(v, &join(&i.to_string()), out);
            }
        }
        _ => {}
    }
}

/// How one fuzzed value went.
enum Verdict {
    /// The loader rejected it with this message.
    Rejected(String),
    /// It loaded and ran to a stop (or to a run-time error, which is not a crash).
    Ran,
    /// A panic or a run past [`RUN_LIMIT`]: a bug to fix at the source.
    Bug(String),
}

/// Loads `name` with `path=value` and runs seed 0 under the event budget, on a thread of its
/// own so that a run that never ends is reported instead of hanging the suite.
fn try_one(name: &'static str, path: &str, value: &str) -> Verdict {
    let set = Override::parse(&format!("{path}={value}")).expect("a well-formed override");
    let (tx, rx) = mpsc::channel();
    let what = format!("{name} --set {path}={value}");
    let label = what.clone();
    if std::env::var_os("SIMLAB_FUZZ_LOG").is_some() {
        // An allocation failure aborts the process: the last line printed names the culprit.
        eprintln!("fuzz: {what}");
    }
    std::thread::spawn(move || {
        let r = catch_unwind(AssertUnwindSafe(|| {
            let base = spec(name, &[]);
            let mut s = match apply_overrides(&base, &[set]).and_then(|s| s.validate().map(|_| s)) {
                Ok(s) => s,
                Err(e) => return Verdict::Rejected(e),
            };
            s.max_events = Some(s.max_events.unwrap_or(MAX_EVENTS).min(MAX_EVENTS));
            let _ = run(RunRequest {
                spec: &s,
                seed: 0,
                sink: None,
                interrupt: None,
            });
            Verdict::Ran
        }));
        let v = r.unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Verdict::Bug(format!("{label}: panicked: {msg}"))
        });
        let _ = tx.send(v);
    });
    match rx.recv_timeout(RUN_LIMIT) {
        Ok(v) => v,
        Err(_) => Verdict::Bug(format!(
            "{what}: still running after {} s",
            RUN_LIMIT.as_secs()
        )),
    }
}

#[test]
#[allow(clippy::disallowed_methods)] // the wall clock reports the test's own duration only
fn every_numeric_field_at_its_extremes_loads_with_an_error_or_runs_to_the_end() {
    let started = Instant::now();
    let mut work = Vec::new();
    let mut leaf_count = 0;
    let reg = Registry::builtin();
    for e in reg.catalog() {
        let tree = toml::Value::try_from(spec(e.name, &[])).expect("a spec as TOML");
        let mut found = Vec::new();
        leaves(&tree, "", &mut found);
        // `max_events` is pinned by the harness and `seed` is only the default of `run`.
        found.retain(|(p, _)| p != "max_events" && p != "seed");
        assert!(!found.is_empty(), "{}: no numeric field", e.name);
        leaf_count += found.len();
        for (path, leaf) in found {
            for v in extremes(leaf) {
                work.push((e.name, path.clone(), *v));
            }
        }
    }
    let verdicts: Vec<Verdict> = work
        .par_iter()
        .map(|(name, path, v)| try_one(name, path, v))
        .collect();
    let (mut rejected, mut ran) = (0, 0);
    let mut bugs = Vec::new();
    let mut unnamed = Vec::new();
    for ((name, path, value), v) in work.iter().zip(verdicts) {
        match v {
            Verdict::Rejected(e) => {
                rejected += 1;
                // The message names the field, or (for a rule tying fields together, such as
                // lb.lambda against the servers' speeds) another field of the same table.
                let field = path.rsplit('.').find(|k| k.parse::<usize>().is_err());
                let table = path.split('.').next().unwrap_or_default();
                if !(field.is_some_and(|f| e.contains(f)) || e.contains(&format!("{table}."))) {
                    unnamed.push(format!("{name} --set {path}={value}: {e}"));
                }
            }
            Verdict::Ran => ran += 1,
            Verdict::Bug(m) => bugs.push(m),
        }
    }
    eprintln!(
        "boundary fuzz: {} scenarios, {leaf_count} numeric fields, {} values tried: {rejected} \
         rejected, {ran} ran, {} bugs, {:.1} s",
        reg.catalog().len(),
        work.len(),
        bugs.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(bugs.is_empty(), "{} bugs:\n{}", bugs.len(), bugs.join("\n"));
    assert!(
        unnamed.is_empty(),
        "{} errors do not name the field:\n{}",
        unnamed.len(),
        unnamed.join("\n")
    );
}
