//! What a run leaves behind, through the real binary: the timeline's event-index column and
//! `--around`, violations that point at their events, exports capped and saying so, partial
//! files removed on Ctrl-C, write errors and closed pipes, and limits for runaway runs.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn simlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simlab"))
        .args(args)
        .output()
        .expect("simlab runs")
}

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
    let o = simlab(&["run", "example/gossip", "--out", dir]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!read("timeline.txt").contains("# cut"));
    assert!(!read("chrome.json").contains("\"note\":\"cut"));
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
