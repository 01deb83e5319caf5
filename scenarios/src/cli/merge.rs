//! `simlab merge`: shard files or per-seed records from many machines, as one sweep.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use super::json::ShardFile;
use super::output::{Format, Res, usage, w};
use super::sweep::{sweep_exit, sweep_text};
use crate::sweep::{self, SweepSummary};

/// Runs `simlab merge`: shard files or per-seed records, summarised as one sweep.
pub(super) fn cmd_merge(files: &[PathBuf], format: Format, out: &mut dyn Write) -> Res<i32> {
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            fs::read_to_string(f)
                .map(|t| (f.display().to_string(), t))
                .map_err(|e| usage(format!("{}: {e}", f.display())))
        })
        .collect::<Res<_>>()?;
    // Per-seed records (`sweep --format jsonl`) from any number of machines and files.
    if texts
        .iter()
        .any(|(_, t)| serde_json::from_str::<ShardFile>(t).is_err())
    {
        let (scenario, range, results) = sweep::merge_records(&texts).map_err(usage)?;
        let summary = sweep::summarize_sweep(&scenario, range, &results);
        return merged(&summary, format, out);
    }
    let mut shards = Vec::new();
    for f in files {
        let text = fs::read_to_string(f).map_err(|e| usage(format!("{}: {e}", f.display())))?;
        let s: ShardFile = serde_json::from_str(&text).map_err(|e| {
            usage(format!(
                "{}: not a `sweep --shard K/N --format json` output: {e}",
                f.display()
            ))
        })?;
        shards.push((f.display().to_string(), s));
    }
    let (_, first) = &shards[0];
    let (scenario, range, n) = (first.scenario.clone(), first.seeds, first.shard[1]);
    let mut seen = vec![false; n as usize];
    let mut results = Vec::new();
    for (name, s) in &shards {
        if s.scenario != scenario || s.seeds != range || s.shard[1] != n {
            return Err(usage(format!(
                "{name}: shard of a different sweep ({} seeds {:?} of {}), expected {scenario} seeds {range:?} in {n} shards",
                s.scenario, s.seeds, s.shard[1]
            )));
        }
        let k = s.shard[0] as usize;
        if k == 0 || k > n as usize || seen[k - 1] {
            return Err(usage(format!(
                "{name}: shard {k}/{n} given twice or out of range"
            )));
        }
        seen[k - 1] = true;
        results.extend(s.results.iter().cloned());
    }
    if let Some(k) = seen.iter().position(|x| !x) {
        return Err(usage(format!("shard {}/{n} is missing", k + 1)));
    }
    results.sort_by_key(|r| r.seed);
    let expected = range[1] - range[0];
    if results.len() as u64 != expected {
        return Err(usage(format!(
            "the shards hold {} results, the sweep has {expected} seeds",
            results.len()
        )));
    }
    let summary = sweep::summarize_sweep(&scenario, range, &results);
    merged(&summary, format, out)
}

/// Prints a merged sweep as the plain sweep would.
pub(super) fn merged(summary: &SweepSummary, format: Format, out: &mut dyn Write) -> Res<i32> {
    match format {
        Format::Json => w(
            out,
            &(serde_json::to_string_pretty(summary).expect("serialisable") + "\n"),
        )?,
        _ => w(out, &sweep_text(summary))?,
    }
    Ok(sweep_exit(summary))
}
