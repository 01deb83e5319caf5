//! `simlab shrink`: the command's I/O around [`crate::shrink`]: load the scenario (and draw
//! the seed's swarm profile), shrink, write the commented TOML and the shrunk run's report.

#![allow(clippy::disallowed_methods)] // wall clock for the time a shrink took, printed only
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{EXIT_OK, EXIT_USAGE, Failure};
use crate::load::{self, Override};
use crate::registry::Registry;
use crate::shrink::{self, ShrinkError};

/// The arguments of `simlab shrink`.
#[derive(clap::Args, Debug)]
pub struct ShrinkArgs {
    /// Catalog name or file path of the failing scenario.
    pub scenario: String,
    /// The failing seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Instead of --seed: sweep seeds `A..B` (as `sweep --seeds`, with `--swarm` if given)
    /// and shrink the first that fails.
    #[arg(long, value_name = "A..B", conflicts_with = "seed")]
    pub from_sweep: Option<String>,
    /// Override a field (repeatable), as given to the sweep that found the seed.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Start from the seed's swarm profile (as `sweep --swarm` ran it).
    #[arg(long)]
    pub swarm: bool,
    /// Write DIR/shrunk.toml and the shrunk run's report (DIR/report/) instead of printing
    /// the TOML.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Most runs the shrink may take.
    #[arg(long, default_value_t = shrink::DEFAULT_BUDGET as u64,
          value_parser = clap::value_parser!(u64).range(2..))]
    pub budget: u64,
}

fn usage(m: impl Into<String>) -> Failure {
    Failure {
        code: EXIT_USAGE,
        message: m.into(),
    }
}

fn write(out: &mut dyn Write, s: &str) -> Result<(), Failure> {
    out.write_all(s.as_bytes())
        .map_err(|e| usage(format!("writing output: {e}")))
}

/// Runs `simlab shrink`.
pub fn cmd_shrink(
    reg: &Registry,
    a: ShrinkArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Failure> {
    let t0 = Instant::now();
    let (spec, seed) = failing_seed(reg, &a)?;
    let s = shrink::shrink(&spec, seed, a.budget as usize).map_err(|e| match e {
        ShrinkError::NotFailing(m) | ShrinkError::NotReproduced(m) | ShrinkError::Run(m) => {
            usage(m)
        }
    })?;
    let toml = shrink::to_toml(&s, &a.scenario, seed, a.swarm).map_err(usage)?;
    let summary = summary(&a, &s, seed, t0.elapsed().as_secs_f64());
    match &a.out {
        None => {
            write(out, &toml)?;
            write(err, &summary)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| usage(format!("cannot create {}: {e}", dir.display())))?;
            let file = dir.join("shrunk.toml");
            std::fs::write(&file, toml.as_bytes())
                .map_err(|e| usage(format!("cannot write {}: {e}", file.display())))?;
            write_report(reg, &file, &dir.join("report"))?;
            write(out, &summary)?;
            write(out, &format!("wrote   {}\n", file.display()))?;
        }
    }
    Ok(EXIT_OK)
}

/// The scenario (with the seed's swarm profile under `--swarm`) and the failing seed.
fn failing_seed(reg: &Registry, a: &ShrinkArgs) -> Result<(crate::spec::Spec, u64), Failure> {
    let sets: Vec<Override> = a
        .sets
        .iter()
        .map(|s| Override::parse(s).map_err(usage))
        .collect::<Result<_, _>>()?;
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| e.to_string());
    let mut spec = load::load_in(reg, &a.scenario, &sets, &read).map_err(usage)?;
    if spec.protocol.kind() == protocols::plugin::Kind::Analysis {
        return Err(usage(format!(
            "{} is an analysis: it has no faults and no trace to shrink",
            spec.name
        )));
    }
    let seed = match &a.from_sweep {
        Some(range) => first_failing(&spec, range, a.swarm)?,
        None => a.seed.unwrap_or(spec.seed),
    };
    if a.swarm {
        spec = protocols::plugin::swarm::draw(&spec, seed)
            .map_err(usage)?
            .0;
    }
    Ok((spec, seed))
}

/// What the shrink did: before and after, runs and time taken.
fn summary(a: &ShrinkArgs, s: &shrink::Shrunk, seed: u64, secs: f64) -> String {
    format!(
        "shrunk {} seed {seed}: `{}` ({})\nbefore  {}\nafter   {}\nruns    {}{} in {:.1} s\n",
        a.scenario,
        s.property,
        s.outcome,
        s.before.words(),
        s.after.words(),
        s.runs,
        if s.budget_exhausted {
            " (budget exhausted)"
        } else {
            ""
        },
        secs
    )
}

/// The first seed of `range` whose run fails (as `sweep --seeds range [--swarm]` runs it).
fn first_failing(spec: &crate::spec::Spec, range: &str, swarm: bool) -> Result<u64, Failure> {
    let (lo, hi) = super::parse_seeds(range).map_err(usage)?;
    let seeds: Vec<u64> = (lo..hi).collect();
    let runs: Vec<(u64, String)> = if swarm {
        crate::sweep::run_swarm_seeds_until(spec, &seeds, 0, &|| {}, None)
            .map_err(usage)?
            .into_iter()
            .map(|(s, o, _)| (s, o.outcome))
            .collect()
    } else {
        crate::sweep::run_seeds(spec, &seeds, 0, &|| {})
            .map_err(usage)?
            .into_iter()
            .map(|(s, o)| (s, o.outcome))
            .collect()
    };
    runs.iter()
        .find(|(_, outcome)| outcome != "ok")
        .map(|(s, _)| *s)
        .ok_or_else(|| {
            usage(format!(
                "no seed in {range} fails{}: there is nothing to shrink",
                if swarm { " under --swarm" } else { "" }
            ))
        })
}

/// The shrunk run's report: `run FILE --trace full --out DIR` (its exit code is the
/// violation's, which is what the file is for).
fn write_report(reg: &Registry, file: &Path, dir: &Path) -> Result<(), Failure> {
    let args = vec![
        reg.program().to_string(),
        "run".into(),
        file.display().to_string(),
        "--trace".into(),
        "full".into(),
        "--out".into(),
        dir.display().to_string(),
    ];
    let mut sink_out = Vec::new();
    let mut sink_err = Vec::new();
    let code = super::run_cli_with(reg, args, &mut sink_out, &mut sink_err);
    if code == EXIT_OK || code == EXIT_USAGE {
        return Err(usage(format!(
            "internal: the shrunk scenario {} did not fail when run for its report (exit \
             {code}): {}",
            file.display(),
            String::from_utf8_lossy(&sink_err).trim()
        )));
    }
    Ok(())
}
