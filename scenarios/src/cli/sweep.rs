//! `simlab sweep`: many seeds in parallel, sharded across machines if asked, summarised.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::args::{Limits, load_spec, parse_seeds, reproduce};
use super::json::ShardFile;
use super::output::{Format, Res, ensure_dir, fmt_num, formats, usage, w, write_file};
use super::progress::Progress;
use super::{EXIT_LIVENESS, EXIT_OK, EXIT_SAFETY};
use crate::registry::Registry;
use crate::runners::RunOutput;
use crate::spec::Spec;
use crate::sweep::{self, SweepSummary};

#[derive(Args, Debug)]
pub(super) struct SweepArgs {
    /// Catalog name or file path.
    scenario: String,
    /// Seed range `A..B` (end exclusive) or `A..=B`.
    #[arg(long)]
    seeds: String,
    /// Worker threads (0 = all cores). Results never depend on it.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Run only shard K of N (1-based): seeds A+K-1, A+K-1+N, ... Without it, a Kubernetes
    /// Indexed Job (JOB_COMPLETION_INDEX, with --shard-count) or a Slurm array
    /// (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT) picks the shard.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// With JOB_COMPLETION_INDEX (a Kubernetes Indexed Job): the number of shards (the Job's
    /// `completions`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    shard_count: Option<u64>,
    /// Override a field (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Output format: text, json, or jsonl (one record per seed, for collecting campaigns).
    #[arg(long, default_value = "text", value_parser = formats(&["text", "json", "jsonl"]))]
    format: Format,
    /// Also write sweep.json into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// No progress on stderr (by default: a bar on a terminal, a line every 5 s elsewhere).
    #[arg(long)]
    quiet: bool,
    /// Swarm testing: each seed draws its own fault profile within the scenario's [swarm]
    /// bounds; failing seeds are listed with their profiles.
    #[arg(long)]
    swarm: bool,
    #[command(flatten)]
    limits: Limits,
}

pub(super) fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("--shard `{s}`: expected K/N with 1 <= K <= N, e.g. 2/4");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: u64 = k.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The shard a batch system assigned, when no `--shard` was given: a Kubernetes Indexed Job
/// (`JOB_COMPLETION_INDEX`, 0-based, with `--shard-count`) or a Slurm array
/// (`SLURM_ARRAY_TASK_ID` counted from `SLURM_ARRAY_TASK_MIN`, `SLURM_ARRAY_TASK_COUNT`
/// shards). `None` when neither is set.
pub fn shard_from_env(
    count: Option<u64>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(u64, u64)>, String> {
    let num = |k: &str| -> Result<Option<u64>, String> {
        env(k)
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{k}=`{v}`: expected a whole number"))
            })
            .transpose()
    };
    if let Some(i) = num("JOB_COMPLETION_INDEX")? {
        let n = count.ok_or(
            "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): give --shard-count N, the \
             Job's completions"
                .to_string(),
        )?;
        if i >= n {
            return Err(format!(
                "JOB_COMPLETION_INDEX={i} is not below --shard-count {n}"
            ));
        }
        return Ok(Some((i + 1, n)));
    }
    if count.is_some() {
        return Err("--shard-count needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)".into());
    }
    if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
        let n = num("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| {
            "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not".to_string()
        })?;
        let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let k = id
            .checked_sub(min)
            .map(|k| k + 1)
            .filter(|k| (1..=n).contains(k))
            .ok_or_else(|| {
                format!(
                    "SLURM_ARRAY_TASK_ID={id} with SLURM_ARRAY_TASK_MIN={min} is not one of \
                     {n} tasks: use a contiguous --array (e.g. 1-{n})"
                )
            })?;
        return Ok(Some((k, n)));
    }
    Ok(None)
}

pub(super) fn sweep_text(s: &SweepSummary) -> String {
    let mut t = format!(
        "scenario  {}\nseeds     {}..{} ({} runs)\noutcomes ",
        s.scenario, s.seeds[0], s.seeds[1], s.runs
    );
    for (k, v) in &s.outcomes {
        t.push_str(&format!(" {k}={v}"));
    }
    t.push('\n');
    if !s.failing_seeds.is_empty() {
        let f: Vec<String> = s.failing_seeds.iter().map(|x| x.to_string()).collect();
        t.push_str(&format!("failing   {}\n", f.join(" ")));
    }
    let wk = s.metrics.keys().map(|k| k.len()).max().unwrap_or(6).max(6);
    t.push_str(&format!(
        "{:<wk$}  {:>14}  {:>12}  {:>14}  {:>14}\n",
        "metric", "mean", "ci95", "min", "max"
    ));
    for (k, m) in &s.metrics {
        t.push_str(&format!(
            "{k:<wk$}  {:>14}  {:>12}  {:>14}  {:>14}\n",
            fmt_num(m.mean),
            fmt_num(m.ci95),
            fmt_num(m.min),
            fmt_num(m.max)
        ));
    }
    t
}

/// The profile of each failing seed of a `--swarm` sweep (empty without `--swarm`).
pub(super) fn swarm_failures(s: &SweepSummary, profiles: &BTreeMap<u64, String>) -> String {
    s.failing_seeds
        .iter()
        .filter_map(|seed| {
            profiles
                .get(seed)
                .map(|p| format!("swarm     seed {seed}: {p}\n"))
        })
        .collect()
}

pub(super) fn sweep_exit(s: &SweepSummary) -> i32 {
    if s.outcomes.contains_key("safety_violation") {
        EXIT_SAFETY
    } else if s.outcomes.contains_key("liveness_failure") {
        EXIT_LIVENESS
    } else {
        EXIT_OK
    }
}

/// Runs `simlab sweep`: the seeds (or one shard of them), summarised.
pub(super) fn cmd_sweep(
    reg: &Registry,
    a: SweepArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Res<i32> {
    let t0 = Instant::now();
    let mut spec = load_spec(reg, &a.scenario, &a.sets)?;
    a.limits.apply(&mut spec);
    let (lo, hi) = parse_seeds(&a.seeds).map_err(usage)?;
    let shard = match a.shard.as_deref() {
        Some(k_of_n) => Some(parse_shard(k_of_n).map_err(usage)?),
        None => shard_from_env(a.shard_count, &|k| std::env::var(k).ok()).map_err(usage)?,
    };
    let seeds: Vec<u64> = (lo..hi)
        .filter(|s| shard.is_none_or(|(k, n)| (s - lo) % n == k - 1))
        .collect();
    let (runs, profiles) = run_sweep(&spec, &a, &seeds, t0)?;
    let results = sweep::seed_results(&runs);
    let summary = sweep::summarize_sweep(&spec.name, [lo, hi], &results);
    let doc = match shard {
        Some((k, n)) => serde_json::to_string_pretty(&ShardFile {
            scenario: spec.name.clone(),
            seeds: [lo, hi],
            shard: [k, n],
            results: results.clone(),
        })
        .expect("serialisable"),
        None => serde_json::to_string_pretty(&summary).expect("serialisable"),
    };
    if let Some(dir) = &a.out {
        ensure_dir(dir)?;
        let name = match shard {
            Some((k, n)) => format!("shard-{k}-of-{n}.json"),
            None => "sweep.json".to_string(),
        };
        write_file(&dir.join(name), doc.as_bytes())?;
    }
    match a.format {
        Format::Json => w(out, &(doc + "\n"))?,
        Format::Jsonl => {
            let hash = crate::sweep::spec_hash(&spec);
            for r in &results {
                let rec = crate::sweep::SeedRecord::new(&spec.name, &hash, r);
                w(
                    out,
                    &(serde_json::to_string(&rec).expect("serialisable") + "\n"),
                )?;
            }
        }
        _ => {
            w(out, &sweep_text(&summary))?;
            w(out, &swarm_failures(&summary, &profiles))?;
        }
    }
    let code = sweep_exit(&summary);
    if let Some(s) = summary.failing_seeds.first() {
        let mut line = reproduce(reg, &spec.name, *s, &a.sets);
        if a.swarm {
            line.push_str(" --swarm");
        }
        let _ = writeln!(err, "{line}");
    }
    Ok(code)
}

/// Each seed's run, in seed order.
type Runs = Vec<(u64, RunOutput)>;

/// Runs the seeds (each with its own swarm profile under `--swarm`, then also returned as
/// text by seed), with progress on stderr.
fn run_sweep(
    spec: &Spec,
    a: &SweepArgs,
    seeds: &[u64],
    t0: Instant,
) -> Res<(Runs, BTreeMap<u64, String>)> {
    let pb = Progress::new(seeds.len() as u64, "seeds", a.quiet);
    let tick = || pb.tick();
    let (runs, profiles) = if a.swarm {
        let r = sweep::run_swarm_seeds_until(spec, seeds, a.jobs, &tick, a.limits.stop(t0))
            .map_err(usage)?;
        let p: BTreeMap<u64, String> = r.iter().map(|(s, _, p)| (*s, p.to_string())).collect();
        (r.into_iter().map(|(s, o, _)| (s, o)).collect(), p)
    } else {
        let r =
            sweep::run_seeds_until(spec, seeds, a.jobs, &tick, a.limits.stop(t0)).map_err(usage)?;
        (r, BTreeMap::new())
    };
    pb.finish();
    Ok((runs, profiles))
}
