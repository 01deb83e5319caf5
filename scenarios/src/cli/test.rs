//! `simlab test`: do scenarios meet their declared `expect` and `[expect_metrics]`?

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use super::args::{load_spec, parse_seeds};
use super::output::{Res, usage, w, write_file};
use super::{EXIT_OK, EXIT_SAFETY};
use crate::junit::TestVerdict;
use crate::registry::Registry;
use crate::spec::Expect;
use crate::sweep;

/// Runs `simlab test`: the verdict table, exit 1 if any scenario misses its expectations.
pub(super) fn cmd_test(
    reg: &Registry,
    targets: &[String],
    seeds: Option<&str>,
    jobs: usize,
    junit: Option<&Path>,
    out: &mut dyn Write,
) -> Res<i32> {
    let names = scenario_names(reg, targets)?;
    let range = seeds.map(parse_seeds).transpose().map_err(usage)?;
    let wn = names.iter().map(|n| n.len()).max().unwrap_or(8).max(8);
    let mut table = format!(
        "{:<wn$}  {:<16}  {:>5}  {:<40}  RESULT\n",
        "SCENARIO", "EXPECT", "RUNS", "OUTCOMES"
    );
    let mut verdicts = Vec::new();
    for name in &names {
        let (verdict, runs) = check_scenario(reg, name, range, jobs)?;
        table.push_str(&verdict_rows(&verdict, runs, wn));
        verdicts.push(verdict);
    }
    let failures = verdicts.iter().filter(|v| !v.pass).count();
    table.push_str(&format!(
        "{} passed, {} failed\n",
        names.len() - failures,
        failures
    ));
    w(out, &table)?;
    if let Some(path) = junit {
        let xml = crate::junit::test(&verdicts).map_err(usage)?;
        write_file(path, xml.as_bytes())?;
    }
    Ok(if failures == 0 { EXIT_OK } else { EXIT_SAFETY })
}

/// The scenarios the targets name: families, catalog names or files; none = the catalog.
fn scenario_names(reg: &Registry, targets: &[String]) -> Res<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    if targets.is_empty() {
        names.extend(reg.family("").into_iter().map(str::to_string));
    }
    for t in targets {
        if reg.scenario(t).is_some() || Path::new(t).is_file() {
            names.push(t.clone());
        } else {
            let fam = reg.family(t);
            if fam.is_empty() {
                return Err(usage(format!(
                    "`{t}` is not a catalog family, scenario or file; `simlab list` shows the catalog"
                )));
            }
            names.extend(fam.into_iter().map(str::to_string));
        }
    }
    Ok(names)
}

/// Runs one scenario's seeds and judges them against its `expect` and `[expect_metrics]`;
/// also returns the number of runs.
fn check_scenario(
    reg: &Registry,
    name: &str,
    range: Option<(u64, u64)>,
    jobs: usize,
) -> Res<(TestVerdict, usize)> {
    let spec = load_spec(reg, name, &[])?;
    let seeds: Vec<u64> = match range {
        Some((a, b)) => (a..b).collect(),
        None => vec![spec.seed],
    };
    let runs = sweep::run_seeds(&spec, &seeds, jobs, &|| {}).map_err(usage)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (_, o) in &runs {
        *counts.entry(o.outcome.clone()).or_insert(0) += 1;
    }
    let n_safety = counts.get("safety_violation").copied().unwrap_or(0);
    let n_live = counts.get("liveness_failure").copied().unwrap_or(0);
    let outcome_ok = match spec.expect {
        Expect::Ok => n_safety == 0 && n_live == 0,
        Expect::SafetyViolation => n_safety > 0,
        Expect::LivenessFailure => n_live > 0 && n_safety == 0,
    };
    // Declared metric values ([expect_metrics]) must hold on every run.
    let misses: Vec<String> = runs
        .iter()
        .flat_map(|(seed, o)| crate::expect::metric_misses(&spec, *seed, &o.metrics))
        .collect();
    let oc: Vec<String> = counts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let verdict = TestVerdict {
        name: name.to_string(),
        expect: spec.expect.as_str().to_string(),
        outcomes: oc.join(" "),
        pass: outcome_ok && misses.is_empty(),
        misses,
    };
    Ok((verdict, runs.len()))
}

/// A scenario's row of the table, and the first few metric misses under it.
fn verdict_rows(v: &TestVerdict, runs: usize, wn: usize) -> String {
    let mut rows = format!(
        "{:<wn$}  {:<16}  {:>5}  {:<40}  {}\n",
        v.name,
        v.expect,
        runs,
        v.outcomes,
        if v.pass { "PASS" } else { "FAIL" }
    );
    const SHOWN: usize = 5;
    for m in v.misses.iter().take(SHOWN) {
        rows.push_str(&format!("    {m}\n"));
    }
    if v.misses.len() > SHOWN {
        rows.push_str(&format!("    ... and {} more\n", v.misses.len() - SHOWN));
    }
    rows
}
