//! Runs you can trust: floats survive every JSON and TOML simlab writes and reads back, so
//! every catalog scenario's full trace replays as the same run, and a sweep split into shards
//! merges to the plain sweep byte for byte, for every catalog scenario. These use the library
//! (and the CLI as an in-process function) for speed; tests/cli.rs drives the real binary.

use std::io::Cursor;

use protocols::plugin::Kind;
use rayon::prelude::*;
use scenarios::registry::Registry;
use scenarios::replay::{full_trace, replay};

use crate::common::spec;

/// The CLI as a function: exit code, stdout, stderr.
fn cli(args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["simlab".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let code = scenarios::cli::run_cli(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir()
        .join(format!("simlab-replay-tests-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Finite doubles spread over every exponent and mantissa (random bit patterns), plus the
/// awkward ones: neighbours of 1, subnormals, extremes.
fn awkward_floats() -> Vec<f64> {
    let mut rng = sim::Stream::new(7, "floats");
    let mut v: Vec<f64> = (0..100_000)
        .map(|_| f64::from_bits(rng.next_u64()))
        .filter(|x| x.is_finite())
        .collect();
    v.extend([
        0.9999999999999999,
        1.0 - f64::EPSILON / 2.0,
        1.0 + f64::EPSILON,
        0.1,
        0.30000000000000004,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        -f64::MAX,
        0.0,
        -0.0,
        0.009471350333333333,
    ]);
    v
}

/// JSON (serde_json with `float_roundtrip`) and TOML give back every double bit for bit, as a
/// typed field and through a value tree.
#[test]
fn floats_round_trip_exactly_through_json_and_toml() {
    // A one-entry map serialises like a struct with one field, in both formats.
    type Doc = std::collections::BTreeMap<String, f64>;
    for x in awkward_floats() {
        let doc = Doc::from([("x".to_string(), x)]);
        let json = serde_json::to_string(&doc).unwrap();
        let back: Doc = serde_json::from_str(&json).unwrap();
        assert_eq!(back["x"].to_bits(), x.to_bits(), "JSON {json}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            v["x"].as_f64().unwrap().to_bits(),
            x.to_bits(),
            "JSON value {json}"
        );
        let toml_text = toml::to_string(&doc).unwrap();
        let back: Doc = toml::from_str(&toml_text).unwrap();
        assert_eq!(back["x"].to_bits(), x.to_bits(), "TOML {toml_text}");
    }
}

/// A spec with the floats that used to come back one ulp off keeps them exactly through
/// `show` (TOML), a JSON spec file and a trace header.
#[test]
fn spec_floats_survive_show_json_and_trace_headers() {
    let sets = [
        "network.duplicate=0.9999999999999999",
        "network.loss=0.30000000000000004",
    ];
    let s = spec("2pc/lossy-duplication", &sets);
    let json = serde_json::to_string(&s).unwrap();
    let mut args = vec!["show", "2pc/lossy-duplication"];
    for x in &sets {
        args.extend(["--set", x]);
    }
    let (code, shown, err) = cli(&args);
    assert_eq!(code, 0, "{err}");
    let from_toml = scenarios::load::parse(&shown, "shown.toml", &[]).unwrap();
    let from_json = scenarios::load::parse(&json, "spec.json", &[]).unwrap();
    for (how, t) in [("show", &from_toml), ("JSON", &from_json)] {
        assert_eq!(
            t.network.duplicate.to_bits(),
            0.9999999999999999f64.to_bits(),
            "{how}"
        );
        let mut t = (*t).clone();
        t.name = s.name.clone();
        assert_eq!(serde_json::to_string(&t).unwrap(), json, "{how}");
    }
    let (_, bytes) = full_trace(&s, 1).unwrap();
    let r = replay(&Registry::builtin(), Cursor::new(bytes), None).unwrap();
    assert!(r.matches(), "{:?} {:?}", r.divergence, r.footer_diffs);
    assert_eq!(
        serde_json::to_string(&r.spec).unwrap(),
        json,
        "the header's spec is the spec"
    );
}

/// `show` of every catalog scenario reads back as the same spec (every float exact).
#[test]
fn every_catalog_scenario_survives_show() {
    for e in Registry::builtin().catalog() {
        let s = spec(e.name, &[]);
        let (code, shown, err) = cli(&["show", e.name]);
        assert_eq!(code, 0, "{}: {err}", e.name);
        let mut back = scenarios::load::parse(&shown, "shown.toml", &[])
            .unwrap_or_else(|x| panic!("{}: {x}", e.name));
        back.name = s.name.clone();
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(&s).unwrap(),
            "{}",
            e.name
        );
    }
}

/// Every catalog simulation's full trace (its own seed), as `run --trace full` writes it,
/// replays with every event line, the footer and the node list equal. (An analysis has no
/// trace.)
#[test]
fn every_catalog_trace_replays() {
    let reg = Registry::builtin();
    let entries: Vec<_> = reg
        .catalog()
        .iter()
        .filter(|e| e.protocol.kind() != Kind::Analysis)
        .map(|e| e.name)
        .collect();
    assert!(entries.len() > 40, "{}", entries.len());
    let failures: Vec<String> = entries
        .par_iter()
        .filter_map(|name| {
            let s = spec(name, &[]);
            let (o, bytes) = full_trace(&s, s.seed).unwrap();
            match replay(&Registry::builtin(), Cursor::new(bytes), None) {
                Err(e) => Some(format!("{name}: {e}")),
                Ok(r) if !r.matches() => {
                    Some(format!("{name}: {:?} {:?}", r.divergence, r.footer_diffs))
                }
                Ok(r) => (r.output.events != o.events || r.file_events != o.events)
                    .then(|| format!("{name}: event counts")),
            }
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

/// For every catalog scenario, `sweep --seeds 0..6` in 3 shards, merged, prints exactly what
/// the plain `sweep --format json` prints (the sweep document has no wall-clock field).
#[test]
fn every_catalog_sweep_merges_byte_for_byte() {
    let reg = Registry::builtin();
    let names: Vec<&str> = reg.catalog().iter().map(|e| e.name).collect();
    let d = tmp("merge");
    let failures: Vec<String> = names
        .par_iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let sweep = |extra: &[&str]| {
                let mut a = vec!["sweep", name, "--seeds", "0..6", "--format", "json"];
                a.extend(["--jobs", "1"]);
                a.extend(extra);
                let (code, out, err) = cli(&a);
                assert!([0, 1, 3].contains(&code), "{name} {extra:?}: {err}");
                out
            };
            let plain = sweep(&[]);
            let mut files = Vec::new();
            for k in 1..=3 {
                let p = d.join(format!("{i}-{k}.json"));
                std::fs::write(&p, sweep(&["--shard", &format!("{k}/3")])).unwrap();
                files.push(p.display().to_string());
            }
            let mut args = vec!["merge"];
            args.extend(files.iter().map(String::as_str));
            let (_, merged, err) = cli(&args);
            (merged != plain)
                .then(|| format!("{name}: {err}\n--- plain\n{plain}\n--- merged\n{merged}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A trace recorded before sends carried a summary (the same lines without the field)
/// replays as matching; any other difference still diverges.
#[test]
fn traces_without_summaries_still_replay() {
    let s = spec("paxos/failure-free", &[]);
    let (_, bytes) = full_trace(&s, s.seed).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let old: String = text
        .lines()
        .map(|l| match l.find(",\"summary\":\"") {
            Some(at) => format!("{}}}\n", &l[..at]),
            None => format!("{l}\n"),
        })
        .collect();
    assert_ne!(old, text, "the trace has summaries to strip");
    let r = replay(
        &Registry::builtin(),
        Cursor::new(old.clone().into_bytes()),
        None,
    )
    .unwrap();
    assert!(r.matches(), "{:?}", r.divergence);
    let wrong = old.replacen("\"kind\":\"prepare\"}", "\"kind\":\"promise\"}", 1);
    assert_ne!(wrong, old);
    let r = replay(&Registry::builtin(), Cursor::new(wrong.into_bytes()), None).unwrap();
    assert!(!r.matches());
}
