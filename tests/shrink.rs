//! Swarm campaigns and shrinking, through the real binary: a seed's swarm profile is the same
//! on every run and `run --swarm` reproduces a `sweep --swarm` failure (digest, replayable
//! trace); `[swarm]` bounds are checked at load; shrinking a random campaign's failing seed
//! gives a small scripted scenario that `run` fails with the same property, the same bytes
//! every time; random loss is replaced by scripted drop rules and node counts go down where
//! the run still fails; shrinking a run that does not fail is exit 2.

use crate::common::{code, simlab};
use std::path::PathBuf;
use std::process::Output;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("simlab-shrink-tests-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const GOSSIP: &str = "example/gossip-crash-campaign";
const GOSSIP_BUG: &str = "gossip.bugs=[\"volatile_seen\"]";

/// `sweep --format jsonl` records as (seed, outcome, digest).
fn records(o: &Output) -> Vec<(u64, String, String)> {
    text(&o.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["seed"].as_u64().unwrap(),
                v["outcome"].as_str().unwrap().to_string(),
                v["trace_digest"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn run_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["run", "--format", "json"];
    all.extend_from_slice(args);
    let o = simlab(&all);
    let v = serde_json::from_str(&text(&o.stdout))
        .unwrap_or_else(|e| panic!("{e}: {}", text(&o.stderr)));
    (code(&o), v)
}

#[test]
fn swarm_profiles_come_from_the_seed_and_run_reproduces_a_sweep_failure() {
    let sweep = |swarm: bool| {
        let mut a = vec![
            "sweep", GOSSIP, "--seeds", "0..12", "--quiet", "--format", "jsonl", "--set",
            GOSSIP_BUG,
        ];
        if swarm {
            a.push("--swarm");
        }
        records(&simlab(&a))
    };
    let first = sweep(true);
    assert_eq!(first, sweep(true), "a swarm sweep is the same on every run");
    // Swarm changes what runs: the seeds' digests differ from the plain campaign's.
    let plain = sweep(false);
    assert_ne!(
        first.iter().map(|r| &r.2).collect::<Vec<_>>(),
        plain.iter().map(|r| &r.2).collect::<Vec<_>>()
    );
    let (seed, outcome, digest) = first
        .iter()
        .find(|r| r.1 != "ok")
        .expect("some swarm seed of the buggy campaign fails")
        .clone();
    let s = seed.to_string();
    let (rc, v) = run_json(&[GOSSIP, "--seed", &s, "--set", GOSSIP_BUG, "--swarm"]);
    assert_eq!(rc, 1);
    assert_eq!(v["outcome"], outcome.as_str());
    assert_eq!(v["trace_digest"], digest.as_str());
    // The text sweep lists each failing seed with its profile; the profile is in the trace
    // header's spec, so the trace replays without --swarm.
    let t = text(
        &simlab(&[
            "sweep", GOSSIP, "--seeds", "0..12", "--quiet", "--set", GOSSIP_BUG, "--swarm",
        ])
        .stdout,
    );
    let line = format!("swarm     seed {seed}: ");
    let profile = t
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .unwrap_or_else(|| panic!("no profile for seed {seed} in\n{t}"));
    let dir = tmp("swarm-trace");
    let d = dir.display().to_string();
    let o = simlab(&[
        "run", GOSSIP, "--seed", &s, "--set", GOSSIP_BUG, "--swarm", "--trace", "full", "--out", &d,
    ]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    let trace = std::fs::read_to_string(dir.join("trace.jsonl")).unwrap();
    let header = trace.lines().next().unwrap();
    assert!(header.contains(profile), "{profile} not in {header}");
    let o = simlab(&["replay", &dir.join("trace.jsonl").display().to_string()]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
}

#[test]
fn swarm_bounds_are_checked_at_load() {
    let dir = tmp("bounds");
    let base = "protocol = \"gossip\"\n[phases]\nheal_at = \"1s\"\nliveness = \"1s\"\n\
                [random]\ncrash = { rate = 1.0, min = \"10ms\", max = \"20ms\" }\n\
                [gossip]\nnodes = 3\n";
    for (swarm, field) in [
        ("p_on = 1.5", "swarm.p_on"),
        ("kinds = [\"crush\"]", "swarm.kinds[0]"),
        ("kinds = [\"pause\"]", "swarm.kinds[0]"),
        ("loss = [0.2, 0.1]", "swarm.loss"),
        ("rate_scale = [-1.0, 2.0]", "swarm.rate_scale"),
        ("jitter = [\"5ms\", \"1ms\"]", "swarm.jitter"),
        ("colour = 1", "colour"),
    ] {
        let p = dir.join("s.toml");
        std::fs::write(&p, format!("{base}[swarm]\n{swarm}\n")).unwrap();
        let o = simlab(&["run", &p.display().to_string(), "--swarm"]);
        assert_eq!(code(&o), 2, "{swarm}");
        assert!(
            text(&o.stderr).contains(field),
            "{swarm}: {}",
            text(&o.stderr)
        );
    }
    // Nothing to vary: no random kind, no loss, no duplication.
    let p = dir.join("calm.toml");
    std::fs::write(&p, "protocol = \"gossip\"\n[gossip]\nnodes = 3\n").unwrap();
    let o = simlab(&["run", &p.display().to_string(), "--swarm"]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("nothing to vary"),
        "{}",
        text(&o.stderr)
    );
}

/// The numbers of the `before  ` or `after   ` line of a shrink's summary: faults, rules,
/// random drops/copies, events, nodes.
fn sizes(out: &str, prefix: &str) -> Vec<u64> {
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line in\n{out}"));
    line.split(", ")
        .map(|w| w.split_whitespace().next().unwrap().parse().unwrap())
        .collect()
}

/// Shrinks `seed` of `scenario` with `set`, checks the file it writes fails `run` with the
/// original run's first violated property and has fewer faults; returns the file's bytes.
fn shrink_reproduces(scenario: &str, set: &str, seed: u64, swarm: bool) -> Vec<u8> {
    shrink_reproduces_with(scenario, set, seed, swarm).0
}

/// [`shrink_reproduces`], also returning the summary the command printed.
fn shrink_reproduces_with(scenario: &str, set: &str, seed: u64, swarm: bool) -> (Vec<u8>, String) {
    let s = seed.to_string();
    let mut orig = vec![scenario, "--seed", &s, "--set", set];
    if swarm {
        orig.push("--swarm");
    }
    let (_, v) = run_json(&orig);
    let property = v["violations"][0]["property"]
        .as_str()
        .expect("the seed fails")
        .to_string();
    let dir = tmp(&format!("shrink-{}-{seed}", scenario.replace('/', "-")));
    let d = dir.display().to_string();
    let mut a = vec!["shrink", scenario, "--seed", &s, "--set", set, "--out", &d];
    if swarm {
        a.push("--swarm");
    }
    let o = simlab(&a);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let (before, after) = (sizes(&out, "before  ")[0], sizes(&out, "after   ")[0]);
    assert!(
        after < before,
        "{scenario} seed {seed}: {before} -> {after} faults"
    );
    let file = dir.join("shrunk.toml");
    let (rc, v) = run_json(&[&file.display().to_string()]);
    assert_eq!(
        rc, 1,
        "{scenario} seed {seed}: the shrunk file fails as a safety violation"
    );
    assert_eq!(v["violations"][0]["property"], property.as_str());
    let toml = std::fs::read_to_string(&file).unwrap();
    assert!(!toml.lines().any(|l| l.trim() == "[random]"), "{toml}");
    assert!(dir.join("report").join("index.html").exists());
    (std::fs::read(&file).unwrap(), out)
}

#[test]
fn shrink_gossip_campaign_is_small_reproducing_and_deterministic() {
    let a = shrink_reproduces(GOSSIP, GOSSIP_BUG, 0, false);
    let b = shrink_reproduces(GOSSIP, GOSSIP_BUG, 0, false);
    assert_eq!(a, b, "same input, same shrunk file");
}

#[test]
fn shrink_starts_from_a_swarm_profile() {
    let recs = records(&simlab(&[
        "sweep", GOSSIP, "--seeds", "0..12", "--quiet", "--format", "jsonl", "--set", GOSSIP_BUG,
        "--swarm",
    ]));
    let seed = recs.iter().find(|r| r.1 != "ok").expect("a failing seed").0;
    shrink_reproduces(GOSSIP, GOSSIP_BUG, seed, true);
}

#[test]
fn shrink_paxos_and_lock_campaigns() {
    // Failing seeds found by sweeping each campaign from seed 0 with the bug switched on.
    for (scenario, set) in [
        ("paxos/campaign-3", "paxos.bugs=[\"volatile_acceptor\"]"),
        ("paxos/campaign-3", "paxos.bugs=[\"accept_below_promise\"]"),
        ("lock/crash-campaign", "lock.bugs=[\"volatile_state\"]"),
    ] {
        let recs = records(&simlab(&[
            "sweep", scenario, "--seeds", "0..60", "--quiet", "--format", "jsonl", "--set", set,
        ]));
        let seed = recs
            .iter()
            .find(|r| r.1 == "safety_violation")
            .unwrap_or_else(|| panic!("{scenario} {set}: no failing seed in 0..60"))
            .0;
        shrink_reproduces(scenario, set, seed, false);
    }
}

#[test]
fn shrink_from_a_sweep_takes_its_first_failing_seed() {
    let recs = records(&simlab(&[
        "sweep", GOSSIP, "--seeds", "0..12", "--quiet", "--format", "jsonl", "--set", GOSSIP_BUG,
        "--swarm",
    ]));
    let seed = recs.iter().find(|r| r.1 != "ok").expect("a failing seed").0;
    let from = simlab(&[
        "shrink",
        GOSSIP,
        "--from-sweep",
        "0..12",
        "--set",
        GOSSIP_BUG,
        "--swarm",
    ]);
    assert_eq!(code(&from), 0, "{}", text(&from.stderr));
    let s = seed.to_string();
    let direct = simlab(&[
        "shrink", GOSSIP, "--seed", &s, "--set", GOSSIP_BUG, "--swarm",
    ]);
    assert_eq!(
        from.stdout, direct.stdout,
        "the same shrunk file as --seed {seed}"
    );
    let o = simlab(&["shrink", GOSSIP, "--from-sweep", "0..5"]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("no seed in 0..5 fails"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn shrinking_a_run_that_does_not_fail_is_an_error() {
    let o = simlab(&["shrink", GOSSIP, "--seed", "0"]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("does not fail"),
        "{}",
        text(&o.stderr)
    );
    let o = simlab(&["shrink", GOSSIP, "--budget", "1", "--set", GOSSIP_BUG]);
    assert_eq!(code(&o), 2, "a budget below 2 is refused");
}

const TWOPC: &str = "2pc/crash-campaign";
const TWOPC_BUG: &str = "twopc.bugs=[\"abort_after_yes\"]";

/// Seed 0 of the 2PC campaign needs its lossy network: shrink names the messages the
/// network lost, scripts them as drop rules with loss and duplication at 0, and keeps the
/// ones the violation needs. The file says so and still fails; the same command writes the
/// same bytes.
#[test]
fn shrink_replaces_random_loss_by_scripted_drops() {
    let (o, v) = run_json(&[TWOPC, "--seed", "0", "--set", TWOPC_BUG]);
    assert_eq!(o, 1);
    assert_eq!(v["outcome"], "safety_violation");
    let (bytes, out) = shrink_reproduces_with(TWOPC, TWOPC_BUG, 0, false);
    let (before, after) = (sizes(&out, "before  "), sizes(&out, "after   "));
    assert!(before[2] > 0, "the campaign's run lost messages: {out}");
    assert_eq!(after[2], 0, "no random drop or copy is left: {out}");
    assert!(after[1] >= 1, "a scripted rule took their place: {out}");
    let toml = String::from_utf8(bytes.clone()).unwrap();
    let spec: toml::Value = toml::from_str(&toml).unwrap();
    assert_eq!(spec["network"]["loss"].as_float(), Some(0.0), "{toml}");
    assert_eq!(spec["network"]["duplicate"].as_float(), Some(0.0), "{toml}");
    let rules: Vec<&toml::Value> = spec["faults"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.get("add_rule"))
        .collect();
    assert!(
        rules
            .iter()
            .any(|r| r["verdict"].as_str() == Some("drop") && r.get("nth").is_some()),
        "{toml}"
    );
    let again = shrink_reproduces(TWOPC, TWOPC_BUG, 0, false);
    assert_eq!(bytes, again, "same input, same shrunk file");
}

/// Paxos names its acceptors, proposers and learners as sizes: a quorum bug found with
/// three acceptors, two proposers and a learner needs fewer nodes, and the smaller file
/// still fails.
#[test]
fn shrink_lowers_the_node_count() {
    let set = "paxos.bugs=[\"quorum_floor_half\"]";
    let (_, out) = shrink_reproduces_with("paxos/campaign-3", set, 3, false);
    let (before, after) = (sizes(&out, "before  ")[4], sizes(&out, "after   ")[4]);
    assert!(after < before, "{before} -> {after} nodes: {out}");
}

/// A scripted rule's verdict and `nth` are checked when the file loads (exit 2, naming the
/// field or the values allowed); a `duplicate` rule is a valid one.
#[test]
fn scripted_rules_are_checked_at_load() {
    let dir = tmp("rules");
    let base = "protocol = \"gossip\"\n[gossip]\nnodes = 3\n[[faults]]\nat = \"0s\"\n";
    for (rule, field) in [
        (
            "{ name = \"d\", kind = \"gossip\", nth = 0, verdict = \"duplicate\" }",
            "nth",
        ),
        // The message lists the verdicts allowed.
        (
            "{ name = \"d\", kind = \"gossip\", verdict = \"twice\" }",
            "`duplicate`",
        ),
    ] {
        let p = dir.join("r.toml");
        std::fs::write(&p, format!("{base}add_rule = {rule}\n")).unwrap();
        let o = simlab(&["run", &p.display().to_string()]);
        assert_eq!(code(&o), 2, "{rule}");
        assert!(
            text(&o.stderr).contains(field),
            "{rule}: {}",
            text(&o.stderr)
        );
    }
    let p = dir.join("ok.toml");
    std::fs::write(
        &p,
        format!("{base}add_rule = {{ name = \"d\", nth = 1, verdict = \"duplicate\" }}\n"),
    )
    .unwrap();
    let (rc, v) = run_json(&[&p.display().to_string()]);
    assert_eq!(rc, 0, "{v}");
}
