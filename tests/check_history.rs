//! `simlab check-history` through the real binary: each input format, each exit code (0
//! linearizable, 1 not, with the report; 2 bad input, with line and column; 3 undecided
//! within the step, memory or wall-clock budget).

use crate::common::{code, simlab, stderr, stdout};
use std::path::PathBuf;
use std::process::Output;

fn file(name: &str, text: &str) -> String {
    let d: PathBuf =
        std::env::temp_dir().join(format!("simlab-check-history-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn check(path: &str, model: &str, extra: &[&str]) -> Output {
    let mut args = vec!["check-history", path, "--model", model];
    args.extend_from_slice(extra);
    simlab(&args)
}

// A cas-register history in Knossos's EDN: a failed write and a nemesis event are ignored,
// the timed-out cas (:info) may have taken effect, which the last read needs.
const EDN_OK: &str = r#"[{:process 0, :type :invoke, :f :write, :value 1}
 {:process 0, :type :ok, :f :write, :value 1}
 {:process :nemesis, :type :info, :f :start, :value nil}
 {:process 1, :type :invoke, :f :cas, :value [1 2]}
 {:process 2, :type :invoke, :f :write, :value 7}
 {:process 2, :type :fail, :f :write, :value 7}
 {:process 1, :type :info, :f :cas, :value [1 2]}
 {:process 0, :type :invoke, :f :read, :value nil}
 {:process 0, :type :ok, :f :read, :value 2}]
"#;

// The same register read back as 1 after it was read as 2: nothing can explain it.
const EDN_BAD: &str = r#"{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :invoke, :f :cas, :value [1 2]}
{:process 1, :type :ok, :f :cas, :value [1 2]}
{:process 0, :type :invoke, :f :read, :value nil}
{:process 0, :type :ok, :f :read, :value 2}
{:process 0, :type :invoke, :f :read, :value nil}
{:process 0, :type :ok, :f :read, :value 1}
"#;

#[test]
fn edn_histories_exit_0_when_linearizable_and_1_with_a_report_when_not() {
    let o = check(&file("ok.edn", EDN_OK), "cas-register", &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).starts_with("linearizable: 3 operations (cas-register)"),
        "{}",
        stdout(&o)
    );

    let o = check(&file("bad.edn", EDN_BAD), "cas-register", &[]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let s = stdout(&o);
    assert!(
        s.starts_with("not linearizable: 4 operations (cas-register)"),
        "{s}"
    );
    assert!(
        s.contains("longest linearizable prefix: 3 operations"),
        "{s}"
    );
    assert!(
        s.contains("cannot place: lines 7-8: process 0 read -> 1"),
        "{s}"
    );
}

#[test]
fn kv_histories_use_independent_tuples_and_name_the_failing_key() {
    // Key 1 is fine; key 2's read misses a completed write.
    let h = r#"[{:process 0, :type :invoke, :f :write, :value [1 5]}
 {:process 1, :type :invoke, :f :write, :value [2 6]}
 {:process 0, :type :ok, :f :write, :value [1 5]}
 {:process 1, :type :ok, :f :write, :value [2 6]}
 {:process 0, :type :invoke, :f :read, :value [1 nil]}
 {:process 0, :type :ok, :f :read, :value [1 5]}
 {:process 1, :type :invoke, :f :read, :value [2 nil]}
 {:process 1, :type :ok, :f :read, :value [2 nil]}]"#;
    let path = file("kv.edn", h);
    let o = check(&path, "kv", &[]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("key: \"2\""), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("cannot place: lines 7-8: process 1 [2] read -> nil"),
        "{}",
        stdout(&o)
    );
    // The same file under a single-register model: the tuples are not register values.
    let o = check(&path, "register", &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("line 1, column 48"), "{}", stderr(&o));
    assert!(stderr(&o).contains("use --model kv"), "{}", stderr(&o));
}

// Log lines as old Jepsen tests wrote them (and Porcupine's etcd test data holds): a failed
// cas there saw another value, so it constrains the history.
#[test]
fn jepsen_log_lines_are_read_with_failed_cas_as_an_observation() {
    let ok = "\
2014-06-01 INFO  jepsen.core - starting
INFO  jepsen.util - 0\t:invoke\t:write\t3
INFO  jepsen.util - 1\t:invoke\t:cas\t[3 4]
INFO  jepsen.util - 0\t:ok\t:write\t3
INFO  jepsen.util - 1\t:info\t:cas\t:timed-out
INFO  jepsen.util - 2   :invoke :read   nil
INFO  jepsen.util - 2   :fail   :read   :timed-out
INFO  jepsen.util - 3\t:invoke\t:cas\t[3 5]
INFO  jepsen.util - 3\t:fail\t:cas\t[3 5]
INFO  jepsen.util - 0\t:invoke\t:read\tnil
INFO  jepsen.util - 0\t:ok\t:read\t4
";
    let o = check(&file("ok.log", ok), "cas-register", &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).starts_with("linearizable: 4 operations"),
        "{}",
        stdout(&o)
    );
    // Without the timed-out cas, the failed cas [3 5] saw 3: a violation at line 9.
    let bad = ok.replace("[3 4]", "[9 4]");
    let o = check(&file("bad.log", &bad), "cas-register", &[]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("cannot place: lines 8-9: process 3 cas 3 5 -> failed"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn jsonl_histories_are_checked_and_bad_lines_located() {
    let ok = r#"{"client":0,"invoke":0,"ret":5,"f":"write","key":"x","value":3,"result":"ok"}
{"client":1,"invoke":2,"ret":7,"f":"read","key":"x","value":3,"result":"ok"}

{"client":2,"invoke":4,"f":"cas","key":"x","value":[3,4],"result":"unknown"}
{"client":0,"invoke":8,"ret":9,"f":"read","key":"x","value":4,"result":"ok"}
"#;
    let o = check(&file("ok.jsonl", ok), "kv", &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let bad = ok.replace(r#""value":4"#, r#""value":null"#);
    let o = check(&file("bad.jsonl", &bad), "cas-register", &[]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("key: \"x\""), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("cannot place: line 5: process 0 [x] read -> nil"),
        "{}",
        stdout(&o)
    );
    let broken = ok.replace(r#""f":"read""#, r#""f":"get""#);
    let o = check(&file("broken.jsonl", &broken), "kv", &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("line 2, column "), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("unknown variant `get`, expected one of `read`, `write`, `cas`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_input_exits_2_with_file_line_column_and_expectation() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :done, :f :read, :value 1}\n",
            "line 2, column 20: expected a type :invoke, :ok, :fail or :info, found :done",
            "edn",
        ),
        (
            "[{:process 0, :type :invoke, :f :cas, :value [1]}]",
            "line 1, column 46: expected a cas's value [from to], two integers, found a vector",
            "edn",
        ),
        (
            "[{:process 0, :type :invoke, :f :read}\n {:process 0, :type :invoke, :f :read}]",
            "line 2, column 2: process 0 invokes an operation while its :read from line 1 is still open",
            "edn",
        ),
        (
            "[{:process 0, :type :ok, :f :read, :value 1}]",
            "line 1, column 2: process 0 completes an operation it never invoked",
            "edn",
        ),
        (
            "[{:process 0 :type :invoke",
            "line 1, column 27: expected `}` to close the one opened at line 1, column 2",
            "edn",
        ),
        (
            "[{:process 0 :type}]",
            "line 1, column 2: a map needs an even number of forms",
            "edn",
        ),
        (
            "INFO  jepsen.util - 0 :invoke :read\n",
            "line 1, column 21: expected 4 fields after `jepsen.util - `",
            "log",
        ),
    ];
    for (text, expected, ext) in cases {
        let path = file(&format!("bad-input.{ext}"), text);
        let o = check(&path, "cas-register", &[]);
        assert_eq!(code(&o), 2, "{text}: {}", stdout(&o));
        let e = stderr(&o);
        assert!(e.contains(&format!("{path}: {expected}")), "{text}\n{e}");
    }
    let o = check("no/such/history.edn", "register", &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no/such/history.edn: "),
        "{}",
        stderr(&o)
    );
    // A log with no operation lines, named as a log: nothing to check is an error.
    let o = check(
        &file("empty.log", "hello\n"),
        "register",
        &["--format", "jepsen-log"],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("found none"), "{}", stderr(&o));
    let o = check(&file("ok2.edn", EDN_OK), "register", &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("line 4: op 1 is a compare-and-set"),
        "{}",
        stderr(&o)
    );
    let o = check(
        &file("ok3.edn", EDN_OK),
        "cas-register",
        &["--max-wall", "0"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--max-wall 0: expected a positive number"),
        "{}",
        stderr(&o)
    );
}

/// `n` concurrent writes that never return, each read back in turn, then the first value
/// again: the search must try every subset of writes, about 2^n states.
fn hard_history(n: usize) -> String {
    let mut s = String::from("[\n");
    for v in 0..n {
        s += &format!("{{:process {v}, :type :invoke, :f :write, :value {v}}}\n");
    }
    for v in 0..=n {
        let p = n + 1;
        s += &format!("{{:process {p}, :type :invoke, :f :read, :value nil}}\n");
        s += &format!("{{:process {p}, :type :ok, :f :read, :value {}}}\n", v % n);
    }
    s + "]\n"
}

#[test]
fn an_exhausted_budget_exits_3_and_a_sufficient_one_decides() {
    let small = file("hard10.edn", &hard_history(10));
    let o = check(&small, "register", &["--budget", "1000"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).starts_with("unknown: step budget exhausted on key \"\" after 1001 steps"),
        "{}",
        stdout(&o)
    );
    let o = check(&small, "register", &[]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("cannot place: lines 32-33: process 11 read -> 0"),
        "{}",
        stdout(&o)
    );

    let hard = file("hard40.edn", &hard_history(40));
    let o = check(&hard, "register", &["--max-memory", "1"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).starts_with("unknown: memory budget exhausted"),
        "{}",
        stdout(&o)
    );
    let o = check(
        &hard,
        "register",
        &[
            "--budget",
            "1000000000000",
            "--max-memory",
            "100000",
            "--max-wall",
            "0.2",
        ],
    );
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).starts_with("unknown: cancelled (time limit)"),
        "{}",
        stdout(&o)
    );
}

// --out draws the history: every operation of the failing key once, the culprit marked red
// with its lines, the prefix numbered; the page holds the verdict and the drawing.
#[test]
fn out_dir_draws_the_violation_with_the_culprit_marked() {
    let path = file("draw.edn", EDN_BAD);
    let dir = std::env::temp_dir().join(format!("simlab-check-history-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = check(&path, "cas-register", &["--out", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let svg = std::fs::read_to_string(dir.join("history.svg")).unwrap();
    assert_eq!(svg.matches("<rect ").count(), 4, "{svg}");
    assert_eq!(svg.matches("class=\"culprit\"").count(), 1, "{svg}");
    assert!(
        svg.contains("<title>lines 7-8: process 0 read -&gt; 1</title><rect class=\"culprit\""),
        "{svg}"
    );
    for n in 1..=3 {
        assert!(svg.contains(&format!(">{n}. ")), "{svg}");
    }
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains("longest linearizable prefix: 3 operations") && html.contains(&svg));
}

/// `simlab run NAME --out DIR` into a fresh directory; the run's exit code and the directory.
fn run_out(name: &str) -> (i32, PathBuf) {
    let d = std::env::temp_dir()
        .join(format!("simlab-run-history-{}", std::process::id()))
        .join(name.replace('/', "-"));
    let _ = std::fs::remove_dir_all(&d);
    let o = simlab(&["run", name, "--out", d.to_str().unwrap()]);
    (code(&o), d)
}

/// The number after `label` in `text`, up to the next non-digit.
fn number_after(text: &str, label: &str) -> usize {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in {text}"))
        + label.len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {label:?} in {text}"))
}

// A linearizable Raft run writes its history; check-history reads every line and agrees.
#[test]
fn a_linearizable_run_writes_a_history_that_checks_linearizable() {
    let (run, d) = run_out("raft/failure-free");
    assert_eq!(run, 0);
    let file = d.join("history.jsonl");
    let lines = std::fs::read_to_string(&file).unwrap().lines().count();
    assert!(lines > 0, "an empty history checks nothing");
    let o = check(file.to_str().unwrap(), "kv", &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).starts_with(&format!("linearizable: {lines} operations (kv)")),
        "{}",
        stdout(&o)
    );
    let html = std::fs::read_to_string(d.join("index.html")).unwrap();
    assert!(html.contains(&format!(
        "{lines} operations by 2 client sessions, checked against the kv model at the end of \
         the run: linearizable."
    )));
    assert!(html.contains("simlab check-history history.jsonl --model kv"));
    assert!(!html.contains("class=\"culprit\""));
}

// A run the checker found not linearizable writes a history check-history rejects with the
// same longest prefix and the same culprit (the run's report names its line in the file).
#[test]
fn a_stale_read_run_writes_a_history_that_check_history_rejects_the_same_way() {
    for (name, model) in [
        ("raft/bug-local-reads", "kv"),
        ("failover/split-brain", "register"),
    ] {
        let (run, d) = run_out(name);
        assert_eq!(run, 1, "{name}");
        let summary = std::fs::read_to_string(d.join("summary.json")).unwrap();
        assert!(
            summary.contains("\"property\": \"linearizable\""),
            "{summary}"
        );
        let html = std::fs::read_to_string(d.join("index.html")).unwrap();
        let prefix = number_after(&html, "the longest linearizable prefix has ");
        let culprit_line = number_after(
            &html[html.find("cannot place: ").unwrap()..],
            "history.jsonl line ",
        );
        let file = d.join("history.jsonl");
        let o = check(file.to_str().unwrap(), model, &[]);
        assert_eq!(code(&o), 1, "{name}: {}{}", stdout(&o), stderr(&o));
        let s = stdout(&o);
        assert_eq!(
            number_after(&s, "longest linearizable prefix: "),
            prefix,
            "{name}: {s}"
        );
        assert_eq!(
            number_after(&s, "cannot place: line "),
            culprit_line,
            "{name}: {s}"
        );
        // The run's report draws the culprit and the prefix.
        assert!(html.contains("class=\"culprit\""), "{name}");
        assert!(html.contains("class=\"lin\""), "{name}");
    }
}

// Operations whose outcome the run never learnt (a client crashed or timed out) are written
// as unknown: no return tick, result "unknown"; and the file still checks as the run did.
#[test]
fn unknown_outcomes_are_written_as_unknown() {
    let (run, d) = run_out("failover/crash-campaign");
    assert_eq!(run, 0);
    let file = d.join("history.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let unknown: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\"result\":\"unknown\""))
        .collect();
    assert!(
        !unknown.is_empty(),
        "the campaign's crashes leave unknown outcomes"
    );
    assert!(
        unknown.iter().all(|l| !l.contains("\"ret\"")),
        "{unknown:?}"
    );
    let o = check(file.to_str().unwrap(), "register", &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

// A protocol without a client history writes no history file and no history section.
#[test]
fn runs_without_a_client_history_write_none() {
    let (run, d) = run_out("2pc/failure-free");
    assert_eq!(run, 0);
    assert!(d.join("index.html").exists());
    assert!(!d.join("history.jsonl").exists());
    let html = std::fs::read_to_string(d.join("index.html")).unwrap();
    assert!(!html.contains("Client history"));
}
