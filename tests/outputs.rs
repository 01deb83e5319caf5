//! What a run leaves behind, through the real binary: the timeline's event-index column and
//! `--around`, violations that point at their events, exports capped and saying so, partial
//! files removed on Ctrl-C, write errors and closed pipes, and limits for runaway runs.

use crate::common::simlab;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("simlab-outputs-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A violation names its event; the text summary says how to print the events around it,
/// and that command prints a window centred on it whose rows start with their index.
#[test]
fn a_violation_leads_to_its_events() {
    let o = simlab(&["run", "example/gossip-volatile"]);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    let line = t
        .lines()
        .find(|l| l.contains("events around the first:"))
        .unwrap_or_else(|| panic!("{t}"));
    let cmd: Vec<&str> = line.split(": ").nth(1).unwrap().split(' ').collect();
    assert_eq!(cmd[..2], ["simlab", "run"]);
    let n: u64 = cmd.last().unwrap().parse().unwrap();
    assert!(t.contains(&format!("(event {n})")), "{t}");
    let o = simlab(&[&cmd[1..], &["--context", "2"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let rows: Vec<u64> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .skip(1)
        .map(|r| r.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(rows, (n - 2..=n + 2).collect::<Vec<_>>());
    // The HTML report links the violation to the same events.
    let d = tmp("violation");
    let o = simlab(&[
        "run",
        "example/gossip-volatile",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let html = std::fs::read_to_string(d.join("index.html")).unwrap();
    assert!(html.contains(&format!("<a href=\"#event-{n}\">{n}</a>")));
    assert!(html.contains(&format!("id=\"event-{n}\"")));
}

/// Exports hold at most --export-events events of the window and say so in each file and
/// in the HTML report; an uncut export says nothing.
#[test]
fn exports_are_capped_and_say_so() {
    let d = tmp("cap");
    let dir = d.to_str().unwrap();
    let o = simlab(&[
        "run",
        "example/gossip",
        "--out",
        dir,
        "--export-events",
        "50",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let read = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    let tl = read("timeline.txt");
    assert_eq!(tl.lines().filter(|l| !l.starts_with('#')).count(), 50);
    assert!(
        tl.lines()
            .last()
            .unwrap()
            .starts_with("# cut: the first 50 events")
    );
    let chrome: serde_json::Value = serde_json::from_str(&read("chrome.json")).unwrap();
    assert!(
        chrome["otherData"]["note"]
            .as_str()
            .unwrap()
            .starts_with("cut: the first 50 events")
    );
    assert!(read("shiviz.log").contains("\ncut: the first 50 events"));
    assert!(read("index.html").contains("cut: the first 50 events"));
    let total: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    let viewer = viewer_data(&read("viewer.html"));
    assert_eq!(viewer["events"].as_array().unwrap().len(), 50);
    assert_eq!(viewer["meta"]["total_events"], total["events"]);
    assert!(
        viewer["meta"]["cut"]
            .as_str()
            .unwrap()
            .starts_with("cut: the first 50 events")
    );
    let o = simlab(&["run", "example/gossip", "--out", dir]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!read("timeline.txt").contains("# cut"));
    assert!(!read("chrome.json").contains("\"note\":\"cut"));
    let viewer = viewer_data(&read("viewer.html"));
    assert_eq!(viewer["meta"]["cut"], serde_json::Value::Null);
    assert_eq!(
        viewer["events"].as_array().unwrap().len() as u64,
        viewer["meta"]["total_events"].as_u64().unwrap()
    );
}

/// The JSON document a viewer page embeds (its run metadata and events).
fn viewer_data(page: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"trace-data\">";
    let start = page.find(open).expect("data element") + open.len();
    let len = page[start..].find("</script>").expect("closed");
    serde_json::from_str(&page[start..start + len]).expect("JSON")
}

/// Ctrl-C stops a long run within moments, removes the trace being written, exits 130.
#[test]
fn ctrl_c_removes_partial_files() {
    let d = tmp("sigint");
    let child = Command::new(env!("CARGO_BIN_EXE_simlab"))
        .args([
            "run",
            "lb/supermarket",
            "--set",
            "lb.horizon=10000000",
            "--trace",
            "full",
            "--out",
            d.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run is writing its trace.
    let body = d.join("trace.body.jsonl");
    for _ in 0..200 {
        if std::fs::metadata(&body).is_ok_and(|m| m.len() > 0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(body.exists(), "the run never started its trace");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    assert!(text(&o).contains("interrupted (Ctrl-C)"), "{}", text(&o));
    let left: Vec<_> = std::fs::read_dir(&d).unwrap().flatten().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A write error is exit 2 with the reason; a reader that goes away ends the command quietly.
#[test]
fn write_errors_and_closed_pipes() {
    if std::path::Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_simlab"))
            .arg("list")
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o).contains("writing output"), "{}", text(&o));
        let o = simlab(&[
            "bench",
            "example/gossip",
            "--sinks",
            "jsonl",
            "--trace-file",
            "/dev/full",
        ]);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o).contains("writing the trace to /dev/full failed"));
    }
    // `| head -1`: the reader closes its end after one line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_simlab"))
        .args(["run", "lb/supermarket", "--timeline"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(o.stderr.is_empty(), "{}", text(&o));
}

/// --max-events ends a run early with stop reason event_budget; --max-wall gives up on a run
/// that takes too long, exit 2, naming the limit.
#[test]
fn limits_stop_runaway_runs() {
    let o = simlab(&[
        "run",
        "lb/supermarket",
        "--max-events",
        "1000",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["events"].as_u64().unwrap() <= 1000 * 3);
    let o = simlab(&[
        "run",
        "lb/supermarket",
        "--set",
        "lb.horizon=10000000",
        "--max-wall",
        "200ms",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--max-wall"), "{}", text(&o));
    let o = simlab(&[
        "sweep",
        "lb/supermarket",
        "--seeds",
        "0..4",
        "--set",
        "lb.horizon=10000000",
        "--max-wall",
        "300ms",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = simlab(&["run", "lb/supermarket", "--max-wall", "0s"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Under a pseudo-terminal (`script` gives the command one), sweep and compare draw their
/// progress bar and finish; they used to wait forever for a stderr lock held by `main`.
#[test]
fn sweep_and_compare_finish_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to provide a pseudo-terminal");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_simlab");
    for cmd in [
        format!("{bin} sweep paxos/failure-free --seeds 0..50 --jobs 1"),
        format!("{bin} compare paxos/failure-free --vary network.loss=0,0.1 --seeds 0..5"),
    ] {
        let o = Command::new("timeout")
            .args(["60", "script", "-qec", &cmd, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{cmd}: {}", text(&o));
        assert!(
            text(&o).contains("paxos/failure-free"),
            "{cmd}: {}",
            text(&o)
        );
    }
}

/// The gate refuses what it cannot compare (another scenario, a grid row or seed count the
/// baseline lacks), prints one summary line, needs a change beyond both the threshold and the
/// noise, and writes JUnit XML a reader can parse.
#[test]
fn the_gate_is_strict_and_reports_what_it_checked() {
    let d = tmp("gate");
    let base = d.join("base.json");
    let junit = d.join("gate.xml");
    let run = |extra: &[&str]| simlab(&[&GATE_ARGS[..], extra].concat());
    let o = run(&["--seeds", "0..4", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    std::fs::write(&base, &o.stdout).unwrap();
    gate_passes_against_its_own_baseline(&run, &base, &junit);
    gate_refuses_what_it_cannot_compare(&run, &base);
    gate_tells_regressions_from_noise(&run, &base, &junit);
}

/// The comparison the gate tests run (their seeds and baseline come after).
const GATE_ARGS: [&str; 5] = [
    "compare",
    "example/gossip",
    "--vary",
    "gossip.fanout=1,3",
    "--quiet",
];

/// Against a baseline of the same comparison, the gate passes, prints one summary line and
/// writes a JUnit case per row.
fn gate_passes_against_its_own_baseline(
    run: &dyn Fn(&[&str]) -> Output,
    base: &Path,
    junit: &Path,
) {
    let b = base.to_str().unwrap();
    let o = run(&[
        "--seeds",
        "0..4",
        "--baseline",
        b,
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o)
            .contains("gate: 2 rows x 1 metrics (last_learn_s), 4 seeds per point: 0 regressions"),
        "{}",
        text(&o)
    );
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(
        xml.contains("<testsuites name=\"simlab\" tests=\"2\" failures=\"0\""),
        "{xml}"
    );
    let cases = crate::junit_reader::read(&xml);
    assert_eq!(cases.len(), 2);
    assert!(cases.iter().all(|c| c.failure.is_none()));
}

/// Another seed count (unless allowed), a grid row the baseline lacks, and another
/// scenario's baseline are refused with exit code 2.
fn gate_refuses_what_it_cannot_compare(run: &dyn Fn(&[&str]) -> Output, base: &Path) {
    let b = base.to_str().unwrap();
    // A different seed count is refused unless allowed.
    let o = run(&["--seeds", "0..2", "--baseline", b]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("4 seeds per point, this comparison 2"),
        "{}",
        text(&o)
    );
    let o = run(&["--seeds", "0..2", "--baseline", b, "--allow-seed-mismatch"]);
    assert_ne!(o.status.code(), Some(2), "{}", text(&o));
    // A grid row the baseline lacks, and another scenario's baseline, are refused.
    let o = simlab(&[
        "compare",
        "example/gossip",
        "--vary",
        "gossip.fanout=2",
        "--seeds",
        "0..4",
        "--baseline",
        b,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no row in the baseline"), "{}", text(&o));
    let o = simlab(&[
        "compare",
        "example/gossip-faults",
        "--vary",
        "gossip.fanout=1,3",
        "--seeds",
        "0..4",
        "--baseline",
        b,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("the baseline is a comparison of `example/gossip`"));
}

/// A change is a regression only beyond both the threshold and the noise of the two CIs;
/// a regression fails the gate (exit code 5) and its JUnit case.
fn gate_tells_regressions_from_noise(run: &dyn Fn(&[&str]) -> Output, base: &Path, junit: &Path) {
    let b = base.to_str().unwrap();
    // A baseline 40% better than now, with tight CIs, is a regression where the current CI is
    // tight too (fanout 3: every seed equal) and noise where it is not (fanout 1); with
    // baseline CIs wider than any difference, both are noise.
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(base).unwrap()).unwrap();
    for r in doc["rows"].as_array_mut().unwrap() {
        let m = &mut r["metrics"]["last_learn_s"];
        let mean = m["mean"].as_f64().unwrap();
        m["mean"] = serde_json::json!(mean * 0.6);
        m["ci95"] = serde_json::json!(0.0);
    }
    std::fs::write(base, doc.to_string()).unwrap();
    let o = run(&[
        "--seeds",
        "0..4",
        "--baseline",
        b,
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    assert!(
        text(&o).contains("regression: last_learn_s at [gossip.fanout=3]: baseline"),
        "{}",
        text(&o)
    );
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(
        xml.contains("failures=\"1\"") && xml.contains("<failure"),
        "{xml}"
    );
    let failed: Vec<_> = crate::junit_reader::read(&xml)
        .into_iter()
        .filter(|c| c.failure.is_some())
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    for r in doc["rows"].as_array_mut().unwrap() {
        r["metrics"]["last_learn_s"]["ci95"] = serde_json::json!(1e9);
    }
    std::fs::write(base, doc.to_string()).unwrap();
    let o = run(&["--seeds", "0..4", "--baseline", b]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("2 changes beyond 5% were within noise"),
        "{}",
        text(&o)
    );
}

/// `test --junit` writes one test case per scenario; completions load in bash; the man page
/// renders.
#[test]
fn junit_completions_and_man_page() {
    let d = tmp("junit");
    let f = d.join("test.xml");
    let o = simlab(&["test", "2pc", "--junit", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let xml = std::fs::read_to_string(&f).unwrap();
    let family = scenarios::registry::Registry::builtin().family("2pc").len();
    assert_eq!(xml.matches("<testcase ").count(), family, "{xml}");
    let cases = crate::junit_reader::read(&xml);
    assert_eq!(cases.len(), family);
    assert!(cases.iter().any(|c| c.name == "2pc/failure-free"));
    assert!(cases.iter().all(|c| c.failure.is_none()), "{cases:?}");
    assert!(xml.contains("name=\"2pc/failure-free\""));
    let script = d.join("simlab.bash");
    std::fs::write(&script, simlab(&["completions", "bash"]).stdout).unwrap();
    let o = Command::new("bash")
        .args([
            "-c",
            &format!("source {} && complete -p simlab", script.display()),
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("-F _simlab simlab"),
        "{}",
        text(&o)
    );
    let man = simlab(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let roff = String::from_utf8_lossy(&man.stdout);
    assert!(roff.contains(".TH simlab 1") && roff.contains("deterministic simulation testbed"));
}

/// A Kubernetes Indexed Job (JOB_COMPLETION_INDEX, 0-based, with --shard-count) and a Slurm
/// array (SLURM_ARRAY_TASK_ID from SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT) pick the
/// shard when --shard is absent; their shards merge into the plain sweep, byte for byte.
#[test]
fn batch_systems_pick_the_shard() {
    let d = tmp("batch");
    let sweep = [
        "sweep",
        "2pc/lossy-duplication",
        "--seeds",
        "0..12",
        "--format",
        "json",
        "--quiet",
    ];
    let plain = simlab(&sweep);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));
    let shard = |env: &[(&str, String)], extra: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_simlab"));
        c.args(sweep).args(extra);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    for system in ["k8s", "slurm"] {
        let mut files = Vec::new();
        for i in 0..3u64 {
            let (env, extra): (Vec<(&str, String)>, Vec<&str>) = if system == "k8s" {
                (
                    vec![("JOB_COMPLETION_INDEX", i.to_string())],
                    vec!["--shard-count", "3"],
                )
            } else {
                (
                    vec![
                        ("SLURM_ARRAY_TASK_ID", (i + 1).to_string()),
                        ("SLURM_ARRAY_TASK_MIN", "1".to_string()),
                        ("SLURM_ARRAY_TASK_COUNT", "3".to_string()),
                    ],
                    vec![],
                )
            };
            let o = shard(&env, &extra);
            assert_eq!(o.status.code(), Some(0), "{system} {i}: {}", text(&o));
            let f = d.join(format!("{system}-{i}.json"));
            std::fs::write(&f, &o.stdout).unwrap();
            files.push(f.to_str().unwrap().to_string());
        }
        let mut merge = vec!["merge"];
        merge.extend(files.iter().map(String::as_str));
        let merged = simlab(&merge);
        assert_eq!(merged.stdout, plain.stdout, "{system}: {}", text(&merged));
    }
    let o = shard(&[("JOB_COMPLETION_INDEX", "0".to_string())], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("give --shard-count"), "{}", text(&o));
    let o = shard(
        &[("JOB_COMPLETION_INDEX", "3".to_string())],
        &["--shard-count", "3"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("not below --shard-count 3"),
        "{}",
        text(&o)
    );
}

/// `sweep --format jsonl` writes one record per seed (failing seeds included); records from
/// separate runs merge into the plain sweep byte for byte, and records that do not form one
/// campaign (a seed twice, a gap, another spec) are refused.
#[test]
fn seed_records_merge_into_the_plain_sweep() {
    let d = tmp("records");
    let base = [
        "sweep",
        "paxos/campaign-3",
        "--format",
        "jsonl",
        "--quiet",
        "--seeds",
    ];
    let mut files = Vec::new();
    for (i, range) in ["0..7", "7..12"].iter().enumerate() {
        let o = simlab(&[&base[..], &[range]].concat());
        let f = d.join(format!("r{i}.jsonl"));
        std::fs::write(&f, &o.stdout).unwrap();
        let lines = String::from_utf8_lossy(&o.stdout).lines().count();
        assert_eq!(lines, if i == 0 { 7 } else { 5 }, "{}", text(&o));
        files.push(f.to_str().unwrap().to_string());
    }
    let rec: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&files[0])
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    for k in [
        "scenario",
        "seed",
        "outcome",
        "trace_digest",
        "metrics",
        "spec_hash",
        "simlab",
    ] {
        assert!(rec.get(k).is_some(), "record lacks {k}: {rec}");
    }
    let merged = simlab(&["merge", &files[0], &files[1], "--format", "json"]);
    let plain = simlab(&[
        "sweep",
        "paxos/campaign-3",
        "--seeds",
        "0..12",
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(merged.stdout, plain.stdout, "{}", text(&merged));
    let o = simlab(&["merge", &files[1], &files[1]]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("appears twice"), "{}", text(&o));
    let o = simlab(&[&base[..], &["12..14", "--set", "network.loss=0.5"]].concat());
    let other = d.join("other.jsonl");
    std::fs::write(&other, &o.stdout).unwrap();
    let o = simlab(&["merge", &files[0], &files[1], other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("records of different campaigns"),
        "{}",
        text(&o)
    );
}

/// Compare charts read: a parameter spanning decades gets a log axis with its decades as
/// ticks, a string parameter gets its values as labels (never positions 0, 1, 2), `--x`
/// picks the axis and must name a varied parameter, axes carry the metric's unit, and every
/// metric gets its chart (no cap).
#[test]
fn compare_charts_pick_their_axes() {
    let read_dir = |d: &std::path::Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("chart-"))
            .collect();
        v.sort();
        v
    };
    let tick = |svg: &str, t: &str| svg.contains(&format!(">\n{t}\n</text>"));
    // vnodes 1..1000: a log axis, so 1, 10, 100 and 1000 are all ticks.
    let d = tmp("charts-log");
    let o = simlab(&[
        "compare",
        "ch/ring-balance",
        "--vary",
        "ch.vnodes=1,10,100,1000",
        "--seeds",
        "0..3",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let svg = std::fs::read_to_string(d.join("chart-share_cv.svg")).unwrap();
    for t in ["1", "10", "100", "1000"] {
        assert!(tick(&svg, t), "tick {t} missing on the log axis");
    }
    // Every metric of a comparison has its chart: this one reports more than the 24 that
    // used to be drawn (the rest dropped without a word).
    let d = tmp("charts-all");
    let o = simlab(&[
        "compare",
        "ch/kv-cluster-join",
        "--vary",
        "kv.algorithm=ring,jump",
        "--seeds",
        "0..1",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("compare.json")).unwrap()).unwrap();
    let metrics = doc["rows"][0]["metrics"].as_object().unwrap().len();
    assert!(metrics > 24, "{metrics} metrics");
    assert_eq!(read_dir(&d).len(), metrics);
    // A string parameter: its values label the axis; numbers under it would be positions.
    let d = tmp("charts-cat");
    let algos = ["mod_n", "ring", "jump", "rendezvous"];
    let vary = format!("ch.algorithm={}", algos.join(","));
    let o = simlab(&[
        "compare",
        "ch/growth",
        "--vary",
        &vary,
        "--seeds",
        "0..2",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let svg = std::fs::read_to_string(d.join("chart-memory_bytes.svg")).unwrap();
    for a in algos {
        assert!(tick(&svg, a), "category {a} missing");
    }
    assert!(
        svg.contains(">\nmemory_bytes (bytes)\n</text>"),
        "the y axis names its unit"
    );
    // --x must be one of the varied parameters: exit 2 before any run.
    let o = simlab(&[
        "compare",
        "ch/growth",
        "--vary",
        &vary,
        "--x",
        "ch.servers",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--x `ch.servers`: not a varied parameter; choose one of: ch.algorithm")
    );
}

/// The Kubernetes Indexed Job manifest and the Slurm array script README ships run as the
/// batch systems would run them (every index or task id, with the variables each system
/// sets, a small scenario and seed range given through their SCENARIO and SEEDS variables),
/// and their shards merge into the plain sweep byte for byte.
#[test]
fn shipped_batch_files_run_and_merge() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/batch");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_simlab"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (scenario, seeds) = ("2pc/lossy-duplication", "0..40");
    let plain = simlab(&[
        "sweep", scenario, "--seeds", seeds, "--format", "json", "--quiet",
    ]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));
    let merge_dir = |d: &std::path::Path| {
        let mut files: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path().to_string_lossy().into_owned())
            .filter(|p| p.ends_with(".json"))
            .collect();
        files.sort();
        let mut args = vec!["merge"];
        args.extend(files.iter().map(String::as_str));
        simlab(&args)
    };

    // Kubernetes: the container's `sh -c` script is the folded block under `args:`.
    let yaml = std::fs::read_to_string(root.join("sweep-indexed-job.yaml")).unwrap();
    let lines: Vec<&str> = yaml.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == "- >-")
        .expect("args: - >-");
    let indent = lines[at + 1].len() - lines[at + 1].trim_start().len();
    let script: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| l.len() - l.trim_start().len() == indent && !l.trim().is_empty())
        .map(|l| l.trim())
        .collect();
    let script = script.join(" ");
    let field = |key: &str| -> u64 {
        lines
            .iter()
            .find_map(|l| l.trim().strip_prefix(key))
            .unwrap_or_else(|| panic!("{key} missing"))
            .trim()
            .parse()
            .unwrap()
    };
    let completions = field("completions:");
    assert!(
        script.contains(&format!("--shard-count {completions}")),
        "completions and --shard-count differ: {script}"
    );
    let d = tmp("k8s-files");
    let script = script.replace("/results/", &format!("{}/", d.display()));
    for i in 0..completions {
        let o = Command::new("sh")
            .args(["-c", &script])
            .env("PATH", &path)
            .env("SCENARIO", scenario)
            .env("SEEDS", seeds)
            .env("JOB_COMPLETION_INDEX", i.to_string())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "index {i}: {}", text(&o));
    }
    let merged = merge_dir(&d);
    assert_eq!(merged.stdout, plain.stdout, "k8s: {}", text(&merged));

    // Slurm: the script runs as is, once per task of its `--array=A-B`.
    let sbatch = root.join("sweep-array.sbatch");
    let body = std::fs::read_to_string(&sbatch).unwrap();
    let range = body
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --array="))
        .expect("#SBATCH --array=");
    let (a, b) = range.split_once('-').unwrap();
    let (a, b): (u64, u64) = (a.parse().unwrap(), b.parse().unwrap());
    let d = tmp("slurm-files");
    for id in a..=b {
        let o = Command::new("bash")
            .arg(&sbatch)
            .current_dir(&d)
            .env("PATH", &path)
            .env("SCENARIO", scenario)
            .env("SEEDS", seeds)
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_MIN", a.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", (b - a + 1).to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "task {id}: {}", text(&o));
    }
    let merged = merge_dir(&d);
    assert_eq!(merged.stdout, plain.stdout, "slurm: {}", text(&merged));
}
