//! Glue between the CLI and the `reports` crate (and other libraries) — kept apart so the
//! CLI file stays about arguments, files and exit codes.

use std::collections::BTreeMap;
use std::path::Path;

use crate::cli::{CompareJson, Failure};
use crate::runners::RunOutput;
use crate::spec::Spec;

/// Writes the run's reports into `dir` (placeholder until the reports crate lands).
#[allow(clippy::too_many_arguments)]
pub fn write_run_reports(
    _dir: &Path,
    _spec: &Spec,
    _seed: u64,
    _o: &RunOutput,
    _lines: &[sim::TraceLine],
    _sets: &[String],
    _from: Option<sim::Time>,
    _to: Option<sim::Time>,
) -> Result<(), Failure> {
    Ok(())
}

/// Writes the comparison's report into `dir` (placeholder until the reports crate lands).
pub fn write_compare_reports(_dir: &Path, _doc: &CompareJson, _vary: &[String]) -> Result<(), Failure> {
    Ok(())
}

/// A plain timeline (placeholder until the reports crate lands).
pub fn timeline(
    nodes: &[String],
    lines: &[sim::TraceLine],
    from: Option<sim::Time>,
    to: Option<sim::Time>,
    only_nodes: &[String],
    kinds: &[String],
) -> String {
    let _ = (nodes, from, to, only_nodes, kinds);
    lines.iter().map(|l| format!("{:?}\n", l)).collect()
}

/// The comparison as a table with `sep` between cells; markdown adds the header rule.
pub fn compare_table(doc: &CompareJson, sep: &str, markdown: bool) -> String {
    let params: Vec<String> = doc.rows.first().map(|r| r.params.keys().cloned().collect()).unwrap_or_default();
    let metrics: Vec<String> = doc
        .rows
        .iter()
        .flat_map(|r| r.metrics.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut head: Vec<String> = params.clone();
    for m in &metrics {
        head.push(format!("{m}_mean"));
        head.push(format!("{m}_ci95"));
    }
    let wrap = |cells: Vec<String>| if markdown { format!("| {} |\n", cells.join(sep)) } else { format!("{}\n", cells.join(sep)) };
    let mut s = wrap(head.clone());
    if markdown {
        s.push_str(&wrap(head.iter().map(|_| "---".to_string()).collect()));
    }
    for r in &doc.rows {
        let mut cells: Vec<String> = params.iter().map(|p| r.params.get(p).cloned().unwrap_or_default()).collect();
        for m in &metrics {
            match r.metrics.get(m) {
                Some(x) => {
                    cells.push(format!("{}", x.mean));
                    cells.push(format!("{}", x.ci95));
                }
                None => {
                    cells.push(String::new());
                    cells.push(String::new());
                }
            }
        }
        s.push_str(&wrap(cells));
    }
    s
}

/// The comparison as aligned text: one block per grid point, `mean ± ci95 (n)` per metric.
pub fn compare_text(doc: &CompareJson) -> String {
    let mut s = format!("compare {}\n", doc.scenario);
    for r in &doc.rows {
        let p: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        s.push_str(&format!("\n[{}]\n", p.join(" ")));
        let wk = r.metrics.keys().map(|k| k.len()).max().unwrap_or(0);
        let m: BTreeMap<_, _> = r.metrics.iter().collect();
        for (k, x) in m {
            s.push_str(&format!("  {k:<wk$}  {:>14.6} ± {:<12.6} (n={})\n", x.mean, x.ci95, x.n));
        }
    }
    s
}

/// Owner of each key under `algo` with `servers` servers (see `protocols::ch::lookup`).
pub fn hash_lookup(algo: &str, servers: u32, vnodes: u32, keys: &[String]) -> Result<Vec<(String, u32)>, String> {
    if vnodes == 0 {
        return Err("--vnodes must be >= 1".into());
    }
    protocols::ch::lookup(algo, servers, vnodes, keys)
}
