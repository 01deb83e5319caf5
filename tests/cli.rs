//! CLI tests: they drive the real `simlab` binary and check every subcommand, every exit code,
//! error messages for bad input (never a panic), the sharded sweep against the plain one, and
//! snapshots of `list`, `show` and run output.

use crate::common::{code, simlab, stderr, stdout};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("simlab-cli-tests-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const GOSSIP: &str = "protocol = \"gossip\"\nexpect = \"ok\"\nduration = \"500ms\"\n\n[gossip]\nnodes = 4\nrumors = 2\n";

// ---- exit codes --------------------------------------------------------------------------

/// Exit 0 for an ok run, 1 for a safety violation (with the reproduce line), 2 for usage
/// errors, 3 for a liveness failure.
#[test]
fn run_exit_codes_follow_the_outcome() {
    let o = simlab(&["run", "example/gossip"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("outcome     ok"));

    let o = simlab(&["run", "example/gossip-volatile"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("reproduce with: simlab run example/gossip-volatile --seed 0"),
        "{}",
        stderr(&o)
    );

    // Every node but the origin crashed for good: nobody learns anything -> liveness failure.
    let d = tmp("liveness");
    let f = write(
        &d,
        "dead.toml",
        &format!(
            "{GOSSIP}\n[[faults]]\nat = \"1ms\"\ncrash = \"n1\"\n[[faults]]\nat = \"1ms\"\ncrash = \"n2\"\n[[faults]]\nat = \"1ms\"\ncrash = \"n3\"\n"
        ),
    );
    let o = simlab(&["run", &f]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("reproduce with"));

    let o = simlab(&["run", "no/such-scenario"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("neither a catalog scenario nor a readable file"),
        "{}",
        stderr(&o)
    );

    let o = simlab(&["frobnicate"]);
    assert_eq!(code(&o), 2);
    let o = simlab(&["--help"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("check-determinism"));
}

/// Bad specs: wrong type, unknown field, missing field, out-of-range values, bad --set paths —
/// each exit 2 with the field named (and line/column for files).
#[test]
fn bad_specs_are_clear_errors() {
    let d = tmp("bad");
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "type.toml",
            GOSSIP.replace("nodes = 4", "nodes = \"four\""),
            &["gossip.nodes", "line 6, column 9"],
        ),
        (
            "unknown.toml",
            format!("{GOSSIP}colour = \"blue\"\n"),
            &["colour", "expected one of"],
        ),
        (
            "missing.toml",
            "duration = \"1s\"\n".to_string(),
            &["missing field `protocol`"],
        ),
        (
            "loss.toml",
            format!("{GOSSIP}\n[network]\nloss = 1.5\n"),
            &["network.loss must be in [0, 1)", "1.5"],
        ),
        (
            "zero.toml",
            GOSSIP.replace("nodes = 4", "nodes = 0"),
            &["gossip.nodes must be in 2..=10000, got 0"],
        ),
        (
            "variant.toml",
            format!("{GOSSIP}\n[network]\nlatency = {{ gaussian = \"1ms\" }}\n"),
            &["network.latency", "gaussian"],
        ),
        (
            "duration.toml",
            GOSSIP.replace("\"500ms\"", "\"5 fortnights\""),
            &["duration", "unknown unit"],
        ),
        (
            "node.toml",
            format!("{GOSSIP}\n[[faults]]\nat = \"1ms\"\ncrash = \"n99\"\n"),
            &["unknown node `n99`"],
        ),
        (
            "syntax.toml",
            "protocol = \"gossip\"\n[gossip\n".to_string(),
            &["line 2"],
        ),
    ];
    for (name, text, needles) in cases {
        let f = write(&d, name, &text);
        let o = simlab(&["run", &f]);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        for n in needles {
            assert!(
                stderr(&o).contains(n),
                "{name}: expected `{n}` in: {}",
                stderr(&o)
            );
        }
    }
    for (set, needle) in [
        ("gossip.nodez=3", "nodez"),
        ("network.loss=abc", "network.loss"),
        ("network.loss.x=1", "not a table"),
        ("noequals", "path=value"),
        ("faults.3.at=1s", "index"),
    ] {
        let o = simlab(&["run", "example/gossip-volatile", "--set", set]);
        assert_eq!(code(&o), 2, "--set {set}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "--set {set}: {}", stderr(&o));
    }
    for args in [
        vec!["sweep", "example/gossip", "--seeds", "5..2"],
        vec![
            "sweep",
            "example/gossip",
            "--seeds",
            "0..4",
            "--shard",
            "4/3",
        ],
        vec!["run", "example/gossip", "--trace", "full"],
        vec!["compare", "example/gossip", "--vary", "gossip.fanout"],
        vec!["hash", "nohash", "--servers", "3", "k"],
        vec!["hash", "ring", "--servers", "0", "k"],
    ] {
        let o = simlab(&args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("error:"), "{args:?}: {}", stderr(&o));
    }
}

/// Values that pass a field's own type but used to fail late (a panic with exit 70, or a run
/// that queued 1.2 GB before an "overloaded" error) are load-time errors naming the field
/// and its range, exit 2, before anything runs.
#[test]
fn derived_limits_are_load_time_errors() {
    let clock_step = "faults=[{at=\"1s\",clock_step={node=\"primary\",delta_ms=1e13}}]";
    for (scenario, sets, needles) in [
        (
            "fd/phi-crash",
            vec!["fd.phi_threshold=1e-20"],
            vec!["fd.phi_threshold must be in [0.01, 300]", "1e-20"],
        ),
        (
            "fd/phi-crash",
            vec!["fd.phi_threshold=1e-20", "fd.kind=nfd_s"],
            vec!["fd.phi_threshold must be in [0.01, 300]"],
        ),
        (
            "failover/lease-slow-clock",
            vec![clock_step],
            vec!["faults[0].clock_step.delta_ms must be", "146 years"],
        ),
        (
            "failover/lease-slow-clock",
            vec!["faults.0.drift.ppm=2000000"],
            vec!["faults[0].drift.ppm must be in -999999..=1000000"],
        ),
        (
            "2pc/failure-free",
            vec!["twopc.interval=1000000h"],
            vec!["twopc.start + twopc.interval x (twopc.transactions - 1)"],
        ),
        (
            "example/gossip",
            vec!["gossip.nodes=4294967295"],
            vec!["gossip.nodes must be in 2..=10000"],
        ),
    ] {
        let mut args = vec!["run", scenario];
        for s in &sets {
            args.extend(["--set", s]);
        }
        let o = simlab(&args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        for n in needles {
            assert!(
                stderr(&o).contains(n),
                "{args:?}: expected `{n}` in {}",
                stderr(&o)
            );
        }
    }
    // The largest step allowed runs: the clock lands 146 years ahead and its timers still work.
    let o = simlab(&[
        "run",
        "failover/lease-slow-clock",
        "--set",
        "faults=[{at=\"1s\",clock_step={node=\"primary\",delta_ms=4611686018427.0}}]",
    ]);
    assert!(matches!(code(&o), 0 | 1 | 3), "{}", stderr(&o));
}

/// `--timeline` keeps only the window and nodes asked for; a node that is not in the run, a
/// window that ends before it starts, or a filter without `--timeline` is a usage error.
#[test]
fn timeline_filters_and_their_errors() {
    let o = simlab(&[
        "run",
        "example/gossip",
        "--timeline",
        "--node",
        "n1",
        "--from",
        "10ms",
        "--to",
        "20ms",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && l.starts_with(' '))
        .collect();
    assert!(!rows.is_empty(), "{text}");
    for r in &rows {
        let t: f64 = r.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert!((0.010..=0.020).contains(&t), "outside the window: {r}");
        assert!(r.contains("n1"), "does not involve n1: {r}");
    }
    for (args, needle) in [
        (vec!["--timeline", "--node", "nope"], "no such node"),
        (
            vec!["--timeline", "--from", "2s", "--to", "1s"],
            "must not be after",
        ),
        (vec!["--node", "n1"], "add --timeline"),
        (vec!["--kind", "rumor"], "add --timeline"),
        (
            vec!["--timeline", "--kind", "rumour"],
            "--kind `rumour`: neither an event",
        ),
        (
            vec!["--around", "99999999"],
            "--around 99999999: the run has",
        ),
    ] {
        let mut all = vec!["run", "example/gossip"];
        all.extend(args.iter().copied());
        let o = simlab(&all);
        assert_eq!(code(&o), 2, "{all:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{all:?}: {}", stderr(&o));
    }
}

/// Durations past 2^62 ns (about 146 years) are refused by name: they used to saturate to
/// "never" and overflow in the protocols' arithmetic (a panic, found by fuzzing `--set`).
#[test]
fn overlong_durations_are_clear_errors() {
    for (scenario, set) in [
        ("paxos/campaign-5-lossy", "random.crash.max=1e30s"),
        ("paxos/campaign-5-lossy", "paxos.start_jitter=99999999999h"),
        ("paxos/campaign-5-lossy", "paxos.backoff_max=99999999999h"),
        ("fd/nfd-s-random-crashes", "phases.heal_at=1e30s"),
        ("example/gossip", "duration=1e30"),
    ] {
        let o = simlab(&["run", scenario, "--set", set]);
        assert_eq!(code(&o), 2, "{scenario} --set {set}: {}", stderr(&o));
        let field = set.split('=').next().unwrap();
        assert!(
            stderr(&o).contains("too long") && stderr(&o).contains(field),
            "{scenario} --set {set}: {}",
            stderr(&o)
        );
    }
}

// ---- subcommands -------------------------------------------------------------------------

/// `show` prints a spec that runs as a file and gives the same digest as the catalog name.
#[test]
fn show_round_trips_through_a_file() {
    let o = simlab(&["show", "example/gossip-faults", "--set", "gossip.rumors=2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let d = tmp("show");
    let f = write(&d, "shown.toml", &stdout(&o));
    let a = simlab(&["run", &f, "--format", "json", "--seed", "3"]);
    let b = simlab(&[
        "run",
        "example/gossip-faults",
        "--set",
        "gossip.rumors=2",
        "--format",
        "json",
        "--seed",
        "3",
    ]);
    let ja: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let jb: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(ja["trace_digest"], jb["trace_digest"]);
    assert_eq!(ja["metrics"], jb["metrics"]);
}

/// `run --trace full --out DIR` writes the trace and reports; `replay` of the untouched trace
/// exits 0, and `replay --out DIR` writes the same reports from the re-run.
#[test]
fn run_out_dir_and_replay() {
    let d = tmp("replay");
    let out = d.join("run");
    let o = simlab(&[
        "run",
        "example/gossip-volatile",
        "--trace",
        "full",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    let reports = [
        "summary.json",
        "timeline.txt",
        "diagram.svg",
        "chrome.json",
        "shiviz.log",
        "index.html",
        "viewer.html",
    ];
    for f in reports.iter().chain(&["trace.jsonl"]) {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let trace = out.join("trace.jsonl");
    let o = simlab(&["replay", trace.to_str().unwrap()]);
    // A replay that matches exits 0 whatever the run's outcome (here a safety violation).
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("event lines, the footer (digest ")
            && stdout(&o).contains("outcome safety_violation) and the node list match"),
        "{}",
        stdout(&o)
    );
    let again = d.join("again");
    let o = simlab(&[
        "replay",
        trace.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    for f in reports {
        let a = std::fs::read_to_string(out.join(f)).unwrap();
        let b = std::fs::read_to_string(again.join(f)).unwrap();
        match f {
            // wall_ms differs; the rest of the summary is the run's.
            "summary.json" => {
                let mut a: serde_json::Value = serde_json::from_str(&a).unwrap();
                let mut b: serde_json::Value = serde_json::from_str(&b).unwrap();
                a["wall_ms"] = 0.into();
                b["wall_ms"] = 0.into();
                assert_eq!(a, b);
            }
            // The page's reproduce line names the replay instead of the run.
            "index.html" => assert!(b.contains("replay "), "{f}"),
            "viewer.html" => {
                assert!(b.contains("replay "), "{f}");
                assert_eq!(without_reproduce(&a), without_reproduce(&b), "{f}");
            }
            _ => assert_eq!(a, b, "{f}"),
        }
    }
    assert!(!again.join("trace.jsonl").exists());
}

/// A viewer page without its reproduce line, the one thing a replay's page changes (the
/// line is the last field of the embedded metadata, just before the events).
fn without_reproduce(page: &str) -> String {
    let start = page.find("\"reproduce\":\"").expect("reproduce line");
    let end = page.find("},\"events\":[").expect("events");
    format!("{}{}", &page[..start], &page[end..])
}

/// The trace of `run --trace full` in a fresh directory, and its lines.
fn full_trace(name: &str, scenario: &str) -> (PathBuf, Vec<String>) {
    let d = tmp(name);
    let o = simlab(&[
        "run",
        scenario,
        "--trace",
        "full",
        "--out",
        d.join("run").to_str().unwrap(),
    ]);
    assert!([0, 1].contains(&code(&o)), "{}", stderr(&o));
    let text = std::fs::read_to_string(d.join("run/trace.jsonl")).unwrap();
    (d, text.lines().map(str::to_string).collect())
}

fn lines_to_file(d: &std::path::Path, name: &str, lines: &[String]) -> String {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    write(d, name, &text)
}

/// An edited event line (still a valid record) is a divergence: exit 4 naming the event index
/// and line, the re-run's line, the file's line and the equal lines before it.
#[test]
fn replay_finds_the_first_edited_event() {
    let (d, mut lines) = full_trace("replay-edit", "example/gossip-faults");
    let expected = lines[20].clone();
    let edited = expected.replacen("\"t\":", "\"t\":9", 1);
    assert_ne!(edited, expected);
    lines[20] = edited.clone();
    let f = lines_to_file(&d, "edited.jsonl", &lines);
    let o = simlab(&["replay", &f]);
    assert_eq!(code(&o), 4, "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("DIFFERS"), "{text}");
    assert!(
        text.contains("first differing event: index 19 (line 21)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("expected (re-run): {expected}\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("actual (file):     {edited}\n")),
        "{text}"
    );
    for before in &lines[17..20] {
        assert!(text.contains(&format!("    {before}\n")), "{text}");
    }
    // The footer still matches: only the event is reported.
    assert!(!text.contains("footer"), "{text}");
}

/// A changed footer outcome (or digest) is a difference between the file and the re-run, as
/// an edited event is: exit 4, naming the field and both values. A footer that is not a
/// footer is a malformed file (exit 2).
#[test]
fn replay_reports_a_changed_footer() {
    let (d, lines) = full_trace("replay-footer", "example/gossip-faults");
    let n = lines.len();
    let mut outcome = lines.clone();
    outcome[n - 1] = lines[n - 1].replace("\"outcome\":\"ok\"", "\"outcome\":\"safety_violation\"");
    assert_ne!(outcome[n - 1], lines[n - 1]);
    let o = simlab(&["replay", &lines_to_file(&d, "outcome.jsonl", &outcome)]);
    assert_eq!(code(&o), 4, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("footer outcome: the file has safety_violation, the re-run gives ok"),
        "{}",
        stdout(&o)
    );
    assert!(
        !stdout(&o).contains("first differing event"),
        "{}",
        stdout(&o)
    );
    let v: serde_json::Value = serde_json::from_str(&lines[n - 1]).unwrap();
    let mut digest = lines.clone();
    digest[n - 1] = lines[n - 1].replace(v["digest"].as_str().unwrap(), "0000000000000000");
    let o = simlab(&["replay", &lines_to_file(&d, "digest.jsonl", &digest)]);
    assert_eq!(code(&o), 4);
    assert!(stdout(&o).contains("footer digest: the file has 0000000000000000"));
    let mut nodes = lines.clone();
    nodes[0] = lines[0].replacen("\"nodes\":[\"", "\"nodes\":[\"x", 1);
    let o = simlab(&["replay", &lines_to_file(&d, "nodes.jsonl", &nodes)]);
    assert_eq!(code(&o), 4);
    assert!(
        stdout(&o).contains("nodes: the header has [x"),
        "{}",
        stdout(&o)
    );
    let mut bad = lines.clone();
    bad[n - 1] = "{\"footer\":true,\"digest\":\"0\"}".to_string();
    let o = simlab(&["replay", &lines_to_file(&d, "badfooter.jsonl", &bad)]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(&format!("line {n}: bad footer: missing field `events`")),
        "{}",
        stderr(&o)
    );
}

/// A file that is not a trace simlab wrote is exit 2 naming the line and what is wrong: a
/// garbage line, an unknown event name, a line that is not a trace record, a missing header
/// or footer, data after the footer. A garbage line wins over an earlier edited event.
#[test]
fn replay_rejects_malformed_traces() {
    let (d, lines) = full_trace("replay-malformed", "example/gossip-faults");
    let n = lines.len();
    let cases: Vec<(&str, Vec<String>, String)> = vec![
        (
            "garbage",
            {
                let mut l = lines.clone();
                l[30] = "garbage".into();
                l
            },
            "line 31: not JSON".into(),
        ),
        (
            "event",
            {
                let mut l = lines.clone();
                l[30] = lines[30].replacen("\"ev\":\"", "\"ev\":\"tele", 1);
                l
            },
            "line 31: not a trace record: unknown trace event \"tele".into(),
        ),
        (
            "record",
            {
                let mut l = lines.clone();
                l[30] = "{\"i\":29,\"t\":\"soon\",\"ev\":\"heal\"}".into();
                l
            },
            "line 31: not a trace record: invalid type".into(),
        ),
        (
            "after-edit",
            {
                let mut l = lines.clone();
                l[5] = lines[5].replacen("\"t\":", "\"t\":7", 1);
                l[40] = "[1, 2".into();
                l
            },
            "line 41: not JSON".into(),
        ),
        ("no-header", lines[1..].to_vec(), "line 1: no header".into()),
        (
            "no-footer",
            lines[..n - 1].to_vec(),
            format!("line {n}: no footer line"),
        ),
        (
            "after-footer",
            {
                let mut l = lines.clone();
                l.push(lines[2].clone());
                l
            },
            format!("line {}: data after the footer", n + 1),
        ),
    ];
    for (name, l, want) in cases {
        let o = simlab(&["replay", &lines_to_file(&d, &format!("{name}.jsonl"), &l)]);
        assert_eq!(code(&o), 2, "{name}: {}{}", stdout(&o), stderr(&o));
        assert!(
            stderr(&o).starts_with("error: ") && stderr(&o).contains(&want),
            "{name}: want {want:?}, got {}",
            stderr(&o)
        );
    }
}

/// The two scenarios whose traces did not replay (a duplicate rate of 0.9999999999999999
/// came back from the JSON header as 1, out of range): both replay through the binary.
#[test]
fn paxos_traces_with_awkward_floats_replay() {
    for s in [
        "paxos/bug-count-duplicate-promises",
        "paxos/bug-ballot-reuse-after-restart",
    ] {
        let (d, _) = full_trace(&s.replace('/', "-"), s);
        let o = simlab(&["replay", d.join("run/trace.jsonl").to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{s}: {}{}", stdout(&o), stderr(&o));
    }
}

/// Shards 1/3, 2/3, 3/3 merged equal the plain sweep byte for byte, and `--jobs` does not
/// change the result.
#[test]
fn sharded_sweep_merges_to_the_plain_sweep() {
    let d = tmp("shards");
    let plain = simlab(&[
        "sweep",
        "example/gossip-faults",
        "--seeds",
        "0..12",
        "--format",
        "json",
        "--jobs",
        "2",
    ]);
    assert_eq!(code(&plain), 0, "{}", stderr(&plain));
    let one_job = simlab(&[
        "sweep",
        "example/gossip-faults",
        "--seeds",
        "0..12",
        "--format",
        "json",
        "--jobs",
        "1",
    ]);
    assert_eq!(plain.stdout, one_job.stdout);
    let mut files = Vec::new();
    for k in 1..=3 {
        let o = simlab(&[
            "sweep",
            "example/gossip-faults",
            "--seeds",
            "0..12",
            "--format",
            "json",
            "--shard",
            &format!("{k}/3"),
        ]);
        assert_eq!(code(&o), 0);
        files.push(write(&d, &format!("s{k}.json"), &stdout(&o)));
    }
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let merged = simlab(&args);
    assert_eq!(code(&merged), 0, "{}", stderr(&merged));
    assert_eq!(stdout(&merged), stdout(&plain));
    let o = simlab(&["merge", &files[0], &files[1]]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("shard 3/3 is missing"),
        "{}",
        stderr(&o)
    );
}

/// The issue's example: `2pc/lossy-duplication` over seeds 0..12 in 3 shards merges to the
/// plain sweep byte for byte (metrics with 17 significant digits used to come back one ulp
/// off from the shard files).
#[test]
fn sharded_lossy_duplication_merges_exactly() {
    let d = tmp("shards-2pc");
    let args = [
        "sweep",
        "2pc/lossy-duplication",
        "--seeds",
        "0..12",
        "--format",
        "json",
    ];
    let plain = simlab(&args);
    assert_eq!(code(&plain), 0, "{}", stderr(&plain));
    let files: Vec<String> = (1..=3)
        .map(|k| {
            let shard = format!("{k}/3");
            let mut a = args.to_vec();
            a.extend(["--shard", &shard]);
            write(&d, &format!("s{k}.json"), &stdout(&simlab(&a)))
        })
        .collect();
    let merged = simlab(&["merge", &files[2], &files[0], &files[1]]);
    assert_eq!(code(&merged), 0, "{}", stderr(&merged));
    assert_eq!(stdout(&merged), stdout(&plain));
}

/// A sweep of a bug scenario exits 1 and names failing seeds.
#[test]
fn sweep_reports_failing_seeds() {
    let o = simlab(&[
        "sweep",
        "example/gossip-volatile",
        "--seeds",
        "0..4",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["runs"], 4);
    assert_eq!(v["failing_seeds"], serde_json::json!([0, 1, 2, 3]));
    assert!(v["metrics"]["messages_sent"]["ci95"].is_number());
}

/// `compare` builds the grid, prints CSV/markdown/JSON, writes charts, and exits 5 when a
/// metric regresses beyond the allowed percentage against a baseline.
#[test]
fn compare_grid_and_regression_gate() {
    let d = tmp("compare");
    let args = [
        "compare",
        "example/gossip",
        "--vary",
        "gossip.fanout=1,3",
        "--vary",
        "gossip.rumors=1,2",
        "--seeds",
        "0..3",
    ];
    let mut j = args.to_vec();
    j.extend(["--format", "json", "--metric", "messages_sent"]);
    let base = simlab(&j);
    assert_eq!(code(&base), 0, "{}", stderr(&base));
    let v: serde_json::Value = serde_json::from_slice(&base.stdout).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 4);
    assert_eq!(v["rows"][0]["metrics"]["messages_sent"]["n"], 3);
    let bfile = write(&d, "base.json", &stdout(&base));
    // Same code, same seeds: no regression.
    let mut same = args.to_vec();
    same.extend([
        "--baseline",
        &bfile,
        "--max-regression",
        "0",
        "--metric",
        "messages_sent",
    ]);
    assert_eq!(code(&simlab(&same)), 0);
    // Without --metric the gate also judges last_learn_s, which the baseline lacks: refused.
    let mut all = args.to_vec();
    all.extend(["--baseline", &bfile]);
    let o = simlab(&all);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("metric `last_learn_s`"),
        "{}",
        stderr(&o)
    );
    // A baseline that claims fewer messages: the current run is a regression.
    let mut doc = v.clone();
    for r in doc["rows"].as_array_mut().unwrap() {
        let m = r["metrics"]["messages_sent"]["mean"].as_f64().unwrap();
        r["metrics"]["messages_sent"]["mean"] = serde_json::json!(m * 0.5);
    }
    let worse = write(&d, "worse.json", &doc.to_string());
    let mut reg = args.to_vec();
    reg.extend([
        "--baseline",
        &worse,
        "--max-regression",
        "5",
        "--metric",
        "messages_sent",
    ]);
    let o = simlab(&reg);
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    assert!(stderr(&o).contains("regression: messages_sent"));
    let mut csv = args.to_vec();
    csv.extend(["--format", "csv", "--metric", "messages_sent"]);
    let o = simlab(&csv);
    assert!(
        stdout(&o).lines().next().unwrap().contains("gossip.fanout"),
        "{}",
        stdout(&o)
    );
    let out = d.join("report");
    let mut html = args.to_vec();
    html.extend(["--out", out.to_str().unwrap(), "--metric", "messages_sent"]);
    assert_eq!(code(&simlab(&html)), 0);
    assert!(out.join("index.html").is_file() && out.join("chart-messages_sent.svg").is_file());
}

/// `check-determinism` passes on a scenario with every kind of random fault.
#[test]
fn check_determinism_passes() {
    let o = simlab(&[
        "check-determinism",
        "example/gossip-faults",
        "--seeds",
        "0..5",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

/// `test` checks declared expectations and exits 1 when one is not met.
#[test]
fn test_command_checks_expectations() {
    let o = simlab(&["test", "example"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("0 failed"));
    let d = tmp("expect");
    let f = write(
        &d,
        "wrong.toml",
        &GOSSIP.replace("expect = \"ok\"", "expect = \"safety_violation\""),
    );
    let o = simlab(&["test", &f]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("FAIL"));
    // Declared metric values: met, then missed (and reported, in the table and in JUnit).
    let met = write(
        &d,
        "met.toml",
        &format!(
            "{GOSSIP}\n[expect_metrics]\nmessages_dropped = {{ value = 0 }}\nlast_learn_s = {{ min = 0.001, max = 1 }}\n"
        ),
    );
    let o = simlab(&["test", &met, "--seeds", "0..3"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let missed = write(
        &d,
        "missed.toml",
        &format!(
            "{GOSSIP}\n[expect_metrics]\nlast_learn_s = {{ max = 0.0001 }}\nno_such = {{ value = 1 }}\n"
        ),
    );
    let junit = d.join("t.xml");
    let o = simlab(&["test", &missed, "--junit", junit.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("seed 0: last_learn_s = 0.022, expected <= 0.0001"),
        "{out}"
    );
    assert!(
        out.contains("seed 0: metric `no_such` was not reported"),
        "{out}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("last_learn_s = 0.022"), "{xml}");
}

/// `bench` reports model events, rates and memory per sink.
#[test]
fn bench_reports_rates() {
    let o = simlab(&["bench", "example/gossip", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert!(v[0]["kernel_events_per_s"].as_f64().unwrap() > 0.0);
    assert_eq!(v[0]["digest"], v[1]["digest"], "the sink changed the run");
    assert!(v[0]["customers_per_s"].is_null(), "gossip has no customers");

    // A queueing model also reports customers: one arrival and one departure each, so twice
    // as many model events as customers, up to those still in the system at the end.
    let o = simlab(&[
        "bench",
        "lb/supermarket",
        "--set",
        "lb.horizon=200",
        "--sinks",
        "none",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let customers = v[0]["customers"].as_u64().unwrap();
    let model = v[0]["model_events"].as_u64().unwrap();
    assert!(customers > 10_000, "{customers}");
    assert!(
        model >= 2 * customers && model <= 2 * customers + 1_000,
        "{model} vs {customers}"
    );
    let rate = v[0]["customers_per_s"].as_f64().unwrap();
    let wall = v[0]["wall_s"].as_f64().unwrap();
    assert!(
        (rate * wall - customers as f64).abs() < 1.0,
        "{rate} * {wall} != {customers}"
    );
}

/// `bench --repeat N` runs each sink N times, reports the median wall time with its range and
/// computes the rates from the median; a repeat count outside 1..=1000 is a usage error.
#[test]
fn bench_repeats_report_median_and_range() {
    let o = simlab(&[
        "bench",
        "example/gossip",
        "--repeat",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for row in v.as_array().unwrap() {
        assert_eq!(row["runs"], 3);
        let (lo, med, hi) = (
            row["wall_min_s"].as_f64().unwrap(),
            row["wall_s"].as_f64().unwrap(),
            row["wall_max_s"].as_f64().unwrap(),
        );
        assert!(lo <= med && med <= hi, "{lo} {med} {hi}");
        let rate = row["kernel_events_per_s"].as_f64().unwrap();
        let events = row["kernel_events"].as_f64().unwrap();
        assert!(
            (rate * med - events).abs() < 1e-6 * events,
            "rate not from the median"
        );
    }
    let text = simlab(&[
        "bench",
        "example/gossip",
        "--repeat",
        "2",
        "--sinks",
        "none",
    ]);
    assert_eq!(code(&text), 0, "{}", stderr(&text));
    assert!(stdout(&text).contains("none: median of 2 runs; wall "));
    for bad in ["0", "1001", "x"] {
        let o = simlab(&["bench", "example/gossip", "--repeat", bad]);
        assert_eq!(code(&o), 2, "--repeat {bad}");
        assert!(stderr(&o).contains("--repeat"), "{}", stderr(&o));
    }
}

/// `hash` answers with the reference jump-hash buckets for decimal keys.
#[test]
fn hash_lookup_command() {
    let o = simlab(&[
        "hash",
        "jump",
        "--servers",
        "60",
        "--format",
        "json",
        "1",
        "2",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["server"], 55);
    assert_eq!(v[1]["server"], 46);
}

// ---- fuzz-style --------------------------------------------------------------------------

/// Many random and truncated scenario files and argument lists: no panic, no signal; every
/// failure exits 2 with a message.
#[test]
fn random_and_truncated_inputs_never_panic() {
    let d = tmp("fuzz");
    let base = stdout(&simlab(&["show", "example/gossip-faults"]));
    let mut rng = sim::Stream::new(2024, "fuzz");
    let junk = [
        "=",
        "[",
        "]",
        "{",
        "\"",
        "1e999",
        "-1",
        "nan",
        "[[faults]]",
        "\n",
        "protocol = \"paxos\"",
        "x.y = 3",
        "\u{0}",
    ];
    for i in 0..120 {
        let mut text: String = base.chars().take(rng.index(base.len() + 1)).collect();
        if i % 2 == 0 {
            let at = rng.index(text.len() + 1);
            let at = (0..=at)
                .rev()
                .find(|&k| text.is_char_boundary(k))
                .unwrap_or(0);
            text.insert_str(at, rng.choose(&junk).unwrap());
        }
        let f = write(&d, &format!("f{i}.toml"), &text);
        let o = simlab(&[
            "run",
            &f,
            "--set",
            "phases.heal_at=200ms",
            "--set",
            "phases.liveness=200ms",
        ]);
        let c = code(&o);
        assert!(
            [0, 1, 2, 3].contains(&c),
            "case {i}: exit {c}\n{text}\n{}",
            stderr(&o)
        );
        if c == 2 {
            assert!(stderr(&o).starts_with("error:"), "case {i}: {}", stderr(&o));
        }
    }
    let words = [
        "run",
        "sweep",
        "--seeds",
        "0..2",
        "--set",
        "x=1",
        "--format",
        "json",
        "csv",
        "example/gossip",
        "--shard",
        "1/0",
        "--out",
        "--seed",
        "-5",
        "compare",
        "--vary",
        "=",
        "merge",
        "replay",
        "show",
        "list",
        "test",
        "hash",
        "--servers",
    ];
    for i in 0..120 {
        let n = 1 + rng.index(5);
        let args: Vec<&str> = (0..n).map(|_| *rng.choose(&words).unwrap()).collect();
        let args: Vec<&str> = args
            .into_iter()
            .map(|a| if a == "--out" { "--format" } else { a })
            .collect();
        let o = simlab(&args);
        let c = code(&o);
        assert!(
            [0, 1, 2, 3].contains(&c),
            "case {i} {args:?}: exit {c}\n{}",
            stderr(&o)
        );
        if c == 2 {
            assert!(!stderr(&o).is_empty(), "case {i} {args:?}: no message");
        }
    }
}

// ---- catalog-wide ------------------------------------------------------------------------

/// Every catalog scenario meets its declared expectation (its own seed), and every one is
/// deterministic over 20 seeds.
#[test]
fn whole_catalog_meets_expectations_and_is_deterministic() {
    let o = simlab(&["test"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let list = stdout(&simlab(&["list"]));
    let names: Vec<String> = list
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(names.len() >= 3);
    use rayon::prelude::*;
    let failures: Vec<String> = names
        .par_iter()
        .filter_map(|n| {
            let o = simlab(&["check-determinism", n, "--seeds", "0..20"]);
            (code(&o) != 0).then(|| format!("{n}: {}{}", stdout(&o), stderr(&o)))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---- snapshots ---------------------------------------------------------------------------

/// Snapshots of `show`, text and JSON output (wall-clock fields redacted).
#[test]
fn output_snapshots() {
    insta::assert_snapshot!(
        "show_example_gossip",
        stdout(&simlab(&["show", "example/gossip"]))
    );
    insta::assert_snapshot!(
        "run_text_gossip_volatile",
        stdout(&simlab(&["run", "example/gossip-volatile"]))
    );
    let v: serde_json::Value = serde_json::from_slice(
        &simlab(&["run", "example/gossip-volatile", "--format", "json"]).stdout,
    )
    .unwrap();
    insta::assert_json_snapshot!("run_json_gossip_volatile", v, { ".wall_ms" => "[wall]" });
    let v: serde_json::Value = serde_json::from_slice(
        &simlab(&[
            "sweep",
            "example/gossip",
            "--seeds",
            "0..3",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    insta::assert_json_snapshot!("sweep_json_gossip", v);
}

/// Snapshot of `list` (the catalog's names, protocols, expectations and descriptions).
#[test]
fn list_snapshot() {
    insta::assert_snapshot!("list", stdout(&simlab(&["list"])));
}

/// Issue "Runs you can trust", item 1: a crash ends a node's volatile beliefs in the
/// checkers too. c1 crashes at 1 s holding the lock, so C2's grant at 10.002 s overlaps
/// nothing; the primary crashes at 5.05 s, so the backup's promotion at 6.001 s leaves one
/// server serving. Both runs exit 0.
#[test]
fn crashed_nodes_neither_hold_locks_nor_serve() {
    let o = simlab(&[
        "run",
        "lock/short-pause",
        "--set",
        r#"faults=[{ at = "1s", crash = "c1" }]"#,
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("outcome     ok"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("overlap_ms          0\n"),
        "{}",
        stdout(&o)
    );
    let o = simlab(&[
        "run",
        "failover/lease-perfect-clocks",
        "--set",
        r#"faults=[{ at = "5050ms", crash = "primary" }]"#,
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("outcome     ok"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("promoted_at_s               6.001\n"),
        "{}",
        stdout(&o)
    );
}

/// `list FAMILY` lists one family (or one protocol's scenarios) and refuses an unknown one,
/// naming the choices; each command's `--format` accepts only the formats it writes.
#[test]
fn list_by_family_and_formats_per_command() {
    let o = simlab(&["list", "paxos"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.starts_with("paxos/")), "{rows:?}");
    let all = simlab(&["list"]);
    let n_paxos = stdout(&all)
        .lines()
        .filter(|l| l.starts_with("paxos/"))
        .count();
    assert_eq!(rows.len(), n_paxos);
    let o = simlab(&["list", "nope"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("choose one of: 2pc,"), "{}", stderr(&o));
    for (cmd, bad) in [
        (&["run", "example/gossip"][..], "csv"),
        (&["run", "example/gossip"][..], "jsonl"),
        (
            &["sweep", "example/gossip", "--seeds", "0..1"][..],
            "markdown",
        ),
        (
            &["compare", "example/gossip", "--vary", "gossip.fanout=2"][..],
            "jsonl",
        ),
        (&["merge", "x.json"][..], "csv"),
    ] {
        let mut args = cmd.to_vec();
        args.extend(["--format", bad]);
        let o = simlab(&args);
        assert_eq!(code(&o), 2, "{args:?}");
        assert!(
            stderr(&o).contains("invalid value"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}
