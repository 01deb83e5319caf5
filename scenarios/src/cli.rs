//! The `simlab` command line. The only module in the workspace that parses arguments, reads
//! or writes files, reads the wall clock, or looks at the terminal (with
//! [`crate::check_history`], the one command it hands off whole).
//!
//! Exit codes (a stable contract): 0 ok; 1 safety violation (or `test` found an unmet expectation);
//! 2 usage or spec error; 3 liveness failure; 4 nondeterminism; 5 regression; 70 internal error.
//! `check-history` has its own reading of 1 and 3 (not linearizable, undecided): see
//! [`crate::check_history`].

#![allow(clippy::disallowed_methods)] // wall clock for `wall_ms`, progress and `bench` only

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

use crate::load::{self, Override};
use crate::registry::Registry;
use crate::runners::{self, RunOutput, RunRequest};
use crate::spec::{Expect, Spec};
use crate::stats::summarize;
use crate::sweep::{self, SeedResult, SweepSummary};
use protocols::plugin::{Better, Kind};

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: a safety property was violated.
pub const EXIT_SAFETY: i32 = 1;
/// Exit code: bad arguments or a bad scenario file.
pub const EXIT_USAGE: i32 = 2;
/// Exit code: a liveness property failed.
pub const EXIT_LIVENESS: i32 = 3;
/// Exit code: two runs of the same seed differed.
pub const EXIT_NONDETERMINISM: i32 = 4;
/// Exit code: `compare` found a regression against its baseline.
pub const EXIT_REGRESSION: i32 = 5;
/// Exit code: a bug in simlab itself.
pub const EXIT_INTERNAL: i32 = 70;

/// simlab: a deterministic simulation testbed for distributed protocols.
#[derive(Parser, Debug)]
#[command(name = "simlab", version, long_about = None, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// List the built-in scenarios, all or one family's.
    List {
        /// A family (the part before `/`, e.g. `2pc`, `ch`) or a protocol name (e.g. `kv`).
        family: Option<String>,
    },
    /// Print a scenario's fully resolved spec as TOML (copy it, edit it, run the file).
    Show {
        /// Catalog name (`family/name`) or file path.
        scenario: String,
        /// Override a field: `--set path=value` (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Run one seed of a scenario.
    Run(RunArgs),
    /// Run many seeds in parallel and summarise them.
    Sweep(SweepArgs),
    /// Run a grid of parameter values x seeds; report mean and 95% CI per metric.
    Compare(CompareArgs),
    /// Re-run a JSONL trace from its header and compare every event line, the footer and the
    /// node list with the re-run (exit 4 at the first difference, 2 for a malformed file).
    Replay {
        /// A trace written by `run --trace full --out DIR`.
        file: PathBuf,
        /// Also write the re-run's summary.json and reports (as `run --out`) into DIR.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Run each seed twice and compare traces event by event.
    CheckDeterminism {
        /// Catalog name or file path.
        scenario: String,
        /// Seed range `A..B` (end exclusive) or `A..=B`.
        #[arg(long, default_value = "0..20")]
        seeds: String,
        /// Override a field (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Check that scenarios meet their declared `expect` (all catalog scenarios by default).
    Test {
        /// Families (`2pc`), catalog names or files; none = the whole catalog.
        targets: Vec<String>,
        /// Seed range; default: each scenario's own seed.
        #[arg(long)]
        seeds: Option<String>,
        /// Worker threads (0 = all cores).
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// Also write the verdicts as JUnit XML (one test case per scenario).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// Combine `sweep --shard K/N --format json` outputs into one sweep result.
    Merge {
        /// Shard files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format: json or text.
        #[arg(long, default_value = "json", value_parser = formats(&["json", "text"]))]
        format: Format,
    },
    /// Shrink a failing seed: its faults as a script, minimised, written as a scenario file
    /// that `run` reproduces (exit 2 if the seed does not fail).
    Shrink(crate::cli_shrink::ShrinkArgs),
    /// Measure kernel speed: events/s, ns/event, peak memory, per trace sink.
    Bench(BenchArgs),
    /// Print a shell completion script: `source <(simlab completions bash)`, or save it where
    /// your shell looks (e.g. ~/.local/share/bash-completion/completions/simlab).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `simlab man > simlab.1; man ./simlab.1`.
    Man,
    /// Check that a recorded history (Jepsen/Knossos EDN, jepsen.util log lines, JSONL) is
    /// linearizable: exit 0 yes, 1 no, 2 bad input, 3 undecided within the budget.
    CheckHistory(crate::check_history::CheckHistoryArgs),
    /// Which server owns each key under a consistent-hashing algorithm.
    Hash {
        /// mod_n, ring, jump, rendezvous, maglev or bounded.
        algo: String,
        /// Number of servers.
        #[arg(long)]
        servers: u32,
        /// Virtual nodes per server (ring, bounded).
        #[arg(long, default_value_t = 100)]
        vnodes: u32,
        /// Output format: text or json.
        #[arg(long, default_value = "text", value_parser = formats(&["text", "json"]))]
        format: Format,
        /// Keys (for `jump`, a decimal number is the 64-bit key itself).
        #[arg(required = true)]
        keys: Vec<String>,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Csv,
    Markdown,
    /// One JSON record per line (sweep: one per seed, for collecting campaigns).
    Jsonl,
}

/// A `--format` parser that offers (in `--help`, completions and errors) only the formats
/// its command writes.
fn formats(
    allowed: &'static [&'static str],
) -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(allowed)
        .map(|s: String| Format::from_str(&s, false).expect("every listed format is a Format"))
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum TraceMode {
    /// Same as digest (the digest is always computed).
    Off,
    /// Compute the digest only.
    Digest,
    /// Write every event to DIR/trace.jsonl (needs --out).
    Full,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Catalog name (`family/name`) or file path.
    scenario: String,
    /// Seed (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Override a field (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Trace sink.
    #[arg(long, value_enum, default_value_t = TraceMode::Digest)]
    trace: TraceMode,
    /// Write the run's files (summary.json, trace.jsonl, reports) into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Output format: text or json.
    #[arg(long, default_value = "text", value_parser = formats(&["text", "json"]))]
    format: Format,
    /// Print the event timeline.
    #[arg(long)]
    timeline: bool,
    /// Timeline/diagram window start (e.g. 2s, 150ms).
    #[arg(long)]
    from: Option<String>,
    /// Timeline/diagram window end.
    #[arg(long)]
    to: Option<String>,
    /// Timeline and diagram: only these nodes (repeatable). Without it, a diagram of more
    /// than 20 nodes gives lanes to the 20 busiest.
    #[arg(long)]
    node: Vec<String>,
    /// Timeline: only these message kinds or event names (repeatable).
    #[arg(long)]
    kind: Vec<String>,
    /// Print the events around event index N (the number a violation names); implies
    /// --timeline.
    #[arg(long, value_name = "N")]
    around: Option<u64>,
    /// With --around: events shown on each side.
    #[arg(long, value_name = "K", default_value_t = crate::cli_reports::AROUND_EVENTS)]
    context: u64,
    /// Events each export (timeline.txt, chrome.json, shiviz.log, viewer.html) holds at most,
    /// from the start of the --from/--to window; a cut export says so.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_EXPORT_EVENTS,
          value_parser = clap::value_parser!(u64).range(1..))]
    export_events: u64,
    /// Swarm testing: run the fault profile this seed draws within the scenario's [swarm]
    /// bounds (as `sweep --swarm` ran it).
    #[arg(long)]
    swarm: bool,
    #[command(flatten)]
    limits: Limits,
}

/// Stops for runaway runs.
#[derive(Args, Debug, Clone)]
struct Limits {
    /// Stop each run after N kernel events (the same as `--set max_events=N`; the run ends
    /// with stop reason `event_budget` and reports what it has).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_events: Option<u64>,
    /// Give up after this much wall-clock time (e.g. 30s, 10min): a run still going is cut
    /// and the command fails (exit 2) without results, since a cut run has none.
    #[arg(long, value_name = "DURATION", value_parser = parse_wall)]
    max_wall: Option<std::time::Duration>,
}

fn parse_wall(s: &str) -> Result<std::time::Duration, String> {
    let t = sim::time::parse_duration(s)?;
    if t == sim::Time::ZERO {
        return Err("must be > 0".into());
    }
    Ok(std::time::Duration::from_nanos(t.0))
}

impl Limits {
    /// Applies `--max-events` to the spec (the smaller budget wins).
    fn apply(&self, spec: &mut Spec) {
        if let Some(n) = self.max_events {
            spec.max_events = Some(spec.max_events.map_or(n, |m| m.min(n)));
        }
    }

    /// The interrupt check shared by a sweep's runs for `--max-wall`, counted from `start`.
    fn stop(&self, start: Instant) -> Option<std::sync::Arc<dyn Fn() -> bool + Send + Sync>> {
        let end = start + self.max_wall?;
        Some(std::sync::Arc::new(move || Instant::now() >= end))
    }

    /// The interrupt check for `--max-wall`, counted from `start`.
    fn deadline(&self, start: Instant) -> Option<Box<dyn FnMut() -> bool>> {
        let d = self.max_wall?;
        let end = start + d;
        Some(Box::new(move || Instant::now() >= end))
    }
}

#[derive(Args, Debug)]
struct SweepArgs {
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

#[derive(Args, Debug)]
struct CompareArgs {
    /// Catalog name or file path.
    scenario: String,
    /// A parameter and its values: `--vary lb.policy=random,jsq` (repeatable: a grid).
    #[arg(long, value_name = "PATH=V1,V2,...", required = true)]
    vary: Vec<String>,
    /// Seed range per grid point.
    #[arg(long, default_value = "0..5")]
    seeds: String,
    /// Override a field for every grid point (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Only these metrics (repeatable; default: all).
    #[arg(long)]
    metric: Vec<String>,
    /// Output format: text, json, csv or markdown.
    #[arg(
        long,
        default_value = "text",
        value_parser = formats(&["text", "json", "csv", "markdown"])
    )]
    format: Format,
    /// A previous `compare --format json` output to check against.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Accept a baseline measured over a different number of seeds per point.
    #[arg(long)]
    allow_seed_mismatch: bool,
    /// Charts (with --out): the varied parameter on the x axis; the others become one line
    /// each. Default: the first varied parameter whose values are numbers, else the first.
    #[arg(long = "x", value_name = "PARAM")]
    x_param: Option<String>,
    /// Charts: a logarithmic x axis (default: log when the x values are positive and span
    /// two decades or more, such as vnodes 1..1000).
    #[arg(long, conflicts_with = "linear_x")]
    log_x: bool,
    /// Charts: a linear x axis even when the values span decades.
    #[arg(long)]
    linear_x: bool,
    /// Charts: a logarithmic y axis.
    #[arg(long)]
    log_y: bool,
    /// With --baseline: also write the gate's verdicts as JUnit XML (one test case per grid
    /// row and gated metric), which GitHub, GitLab and Jenkins render.
    #[arg(long, value_name = "FILE", requires = "baseline")]
    junit: Option<PathBuf>,
    /// Allowed worsening in percent before exit code 5 (the change must also be beyond the
    /// noise: the two 95% confidence intervals disjoint).
    #[arg(long, value_name = "PCT", default_value_t = 5.0)]
    max_regression: f64,
    /// Treat these metrics as larger-is-better. By default each metric's direction comes from
    /// its protocol's metadata; one without a direction is gated (smaller is better) only if
    /// named by --metric.
    #[arg(long, value_name = "METRIC")]
    higher_is_better: Vec<String>,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// No progress on stderr (by default: a bar on a terminal, a line every 5 s elsewhere).
    #[arg(long)]
    quiet: bool,
    /// Write compare.json (and the report) into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// With --out: also draw METRIC's empirical CDF over the seeds, one line per grid point
    /// (DIR/cdf-METRIC.svg, values in DIR/cdf-METRIC.csv); --log-x for a log x axis.
    #[arg(long, value_name = "METRIC", requires = "out")]
    cdf: Option<String>,
}

#[derive(Args, Debug)]
struct BenchArgs {
    /// Catalog name or file path (default: lb/supermarket at n=100, d=2, lambda=0.9).
    scenario: Option<String>,
    /// Override a field (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Trace sinks to measure: none (digest only) and/or jsonl (streamed to a null writer, or
    /// to --trace-file).
    #[arg(long, value_delimiter = ',', default_value = "none,jsonl")]
    sinks: Vec<String>,
    /// Stream the JSONL trace to this file instead of discarding it.
    #[arg(long)]
    trace_file: Option<PathBuf>,
    /// Runs per sink (1-1000): rates are computed from the median wall time, and the minimum
    /// and maximum are reported too; every repeat must give the same trace digest.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,
    /// Output format: text or json.
    #[arg(long, default_value = "text", value_parser = formats(&["text", "json"]))]
    format: Format,
}

/// A CLI failure: message and exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Message for stderr.
    pub message: String,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: EXIT_USAGE,
        message: message.into(),
    }
}

type Res<T> = Result<T, Failure>;

/// Whether `args` (including the program name) parse as a `simlab` command line, without
/// running anything: the error is clap's message. Documentation tests use it on every
/// command the docs show.
pub fn parses(args: &[String]) -> Result<(), String> {
    Cli::try_parse_from(args)
        .map(|_| ())
        .map_err(|e| e.render().to_string())
}

/// Entry point with the built-in protocols: parses `args` (including the program name),
/// writes to `out`/`err`, returns the exit code. Panics inside are the caller's to catch (exit
/// 70).
pub fn run_cli(args: Vec<String>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    run_cli_with(&Registry::builtin(), args, out, err)
}

/// Entry point for a binary with its own protocols: every subcommand works on `reg`'s
/// protocols and catalog. See [`run_cli`].
pub fn run_cli_with(
    reg: &Registry,
    args: Vec<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let text = e.render().to_string();
            if code == EXIT_OK {
                let _ = write!(out, "{text}");
            } else {
                let _ = write!(err, "{text}");
            }
            return code;
        }
    };
    // Flushed here, not at drop, so a write error surfaces as an exit code.
    let result = dispatch(reg, cli.cmd, out, err)
        .and_then(|code| out.flush().map(|()| code).map_err(output_error));
    match result {
        Ok(code) => code,
        Err(f) if f.message.is_empty() => f.code,
        Err(f) => {
            let _ = writeln!(err, "error: {}", f.message);
            if crate::interrupt::requested() {
                crate::interrupt::EXIT_INTERRUPTED
            } else {
                f.code
            }
        }
    }
}

fn dispatch(reg: &Registry, cmd: Cmd, out: &mut dyn Write, err: &mut dyn Write) -> Res<i32> {
    match cmd {
        Cmd::List { family } => cmd_list(reg, family.as_deref(), out),
        Cmd::Show { scenario, sets } => cmd_show(reg, &scenario, &sets, out),
        Cmd::Run(a) => cmd_run(reg, a, out, err),
        Cmd::Sweep(a) => cmd_sweep(reg, a, out, err),
        Cmd::Compare(a) => cmd_compare(reg, a, out, err),
        Cmd::Replay { file, out: dir } => cmd_replay(reg, &file, dir.as_deref(), out, err),
        Cmd::CheckDeterminism {
            scenario,
            seeds,
            sets,
        } => cmd_check(reg, &scenario, &seeds, &sets, out, err),
        Cmd::Test {
            targets,
            seeds,
            jobs,
            junit,
        } => cmd_test(reg, &targets, seeds.as_deref(), jobs, junit.as_deref(), out),
        Cmd::Merge { files, format } => cmd_merge(&files, format, out),
        Cmd::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, reg.program(), out);
            Ok(EXIT_OK)
        }
        Cmd::Man => {
            // clap names commands with 'static strings; the process ends right after.
            let name: &'static str = Box::leak(reg.program().to_string().into_boxed_str());
            let cmd = <Cli as clap::CommandFactory>::command().name(name);
            clap_mangen::Man::new(cmd)
                .render(out)
                .map_err(output_error)?;
            Ok(EXIT_OK)
        }
        Cmd::Shrink(a) => crate::cli_shrink::cmd_shrink(reg, a, out, err),
        Cmd::Bench(a) => cmd_bench(reg, a, out),
        Cmd::CheckHistory(a) => crate::check_history::cmd_check_history(a, out),
        Cmd::Hash {
            algo,
            servers,
            vnodes,
            format,
            keys,
        } => cmd_hash(&algo, servers, vnodes, format, &keys, out),
    }
}

fn w(out: &mut dyn Write, s: &str) -> Res<()> {
    out.write_all(s.as_bytes()).map_err(output_error)
}

/// A failed write to stdout. A reader that went away (`| head`) ends the command quietly
/// (an empty message, exit 0: the reader asked for no more); any other failure (a full disk,
/// `> /dev/full`) is exit 2 with the reason.
fn output_error(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure {
            code: EXIT_OK,
            message: String::new(),
        }
    } else {
        usage(format!("writing output: {e}"))
    }
}

fn read_file(p: &str) -> Result<String, String> {
    fs::read_to_string(p).map_err(|e| e.to_string())
}

fn parse_sets(sets: &[String]) -> Res<Vec<Override>> {
    sets.iter()
        .map(|s| Override::parse(s).map_err(usage))
        .collect()
}

fn load_spec(reg: &Registry, scenario: &str, sets: &[String]) -> Res<Spec> {
    let ov = parse_sets(sets)?;
    load::load_in(reg, scenario, &ov, &read_file).map_err(usage)
}

/// Parses `A..B` (exclusive) or `A..=B` (inclusive) into a list of seeds.
pub fn parse_seeds(s: &str) -> Result<(u64, u64), String> {
    let bad = || {
        format!("--seeds `{s}`: expected A..B (end exclusive) or A..=B, with A < B, e.g. 0..100")
    };
    let (a, b, incl) = if let Some((a, b)) = s.split_once("..=") {
        (a, b, true)
    } else if let Some((a, b)) = s.split_once("..") {
        (a, b, false)
    } else {
        return Err(bad());
    };
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    let end = if incl {
        b.checked_add(1).ok_or_else(bad)?
    } else {
        b
    };
    if end <= a {
        return Err(bad());
    }
    Ok((a, end))
}

fn reproduce(reg: &Registry, spec_name: &str, seed: u64, sets: &[String]) -> String {
    let mut s = format!(
        "reproduce with: {} run {spec_name} --seed {seed}",
        reg.program()
    );
    for x in sets {
        s.push_str(&format!(" --set '{x}'"));
    }
    s
}

fn exit_for_outcome(outcome: &str) -> i32 {
    match outcome {
        "safety_violation" => EXIT_SAFETY,
        "liveness_failure" => EXIT_LIVENESS,
        _ => EXIT_OK,
    }
}

// ---- list / show -------------------------------------------------------------------------

fn cmd_list(reg: &Registry, family: Option<&str>, out: &mut dyn Write) -> Res<i32> {
    let mut rows: Vec<(String, String, String, String)> = Vec::new();
    for e in reg.catalog() {
        let name = e.name;
        match load::parse_in(reg, e.toml, name, &[]) {
            Ok(s) => rows.push((
                name.to_string(),
                s.protocol.name().to_string(),
                s.expect.as_str().to_string(),
                s.description,
            )),
            Err(e) => rows.push((
                name.to_string(),
                "?".into(),
                "?".into(),
                format!("(does not load: {e})"),
            )),
        }
    }
    if let Some(f) = family {
        let fam = |n: &str| n.split_once('/').map_or(n, |(a, _)| a).to_string();
        let known: std::collections::BTreeSet<String> = rows
            .iter()
            .flat_map(|r| [fam(&r.0), r.1.clone()])
            .filter(|x| x != "?")
            .collect();
        if !known.contains(f) {
            return Err(usage(format!(
                "list `{f}`: no such family or protocol; choose one of: {}",
                known.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
        rows.retain(|r| fam(&r.0) == f || r.1 == f);
    }
    let wn = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(8);
    let mut s = format!(
        "{:<wn$}  {:<9}  {:<16}  {}\n",
        "SCENARIO", "PROTOCOL", "EXPECT", "DESCRIPTION"
    );
    for (n, p, e, d) in rows {
        s.push_str(&format!("{n:<wn$}  {p:<9}  {e:<16}  {d}\n"));
    }
    w(out, &s)?;
    Ok(EXIT_OK)
}

fn cmd_show(reg: &Registry, scenario: &str, sets: &[String], out: &mut dyn Write) -> Res<i32> {
    let spec = load_spec(reg, scenario, sets)?;
    let text = toml::to_string_pretty(&spec).map_err(|e| Failure {
        code: EXIT_INTERNAL,
        message: format!("spec to TOML: {e}"),
    })?;
    w(
        out,
        &format!(
            "# simlab {} — resolved spec of {}\n{text}",
            env!("CARGO_PKG_VERSION"),
            spec.name
        ),
    )?;
    Ok(EXIT_OK)
}

// ---- run ---------------------------------------------------------------------------------

/// The `run --format json` document (a stable contract, snapshot-tested).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct RunJson {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// `ok`, `safety_violation` or `liveness_failure`.
    pub outcome: String,
    /// Violations.
    pub violations: Vec<ViolationJson>,
    /// Metrics.
    pub metrics: BTreeMap<String, f64>,
    /// Trace records.
    pub events: u64,
    /// Simulated time, ns.
    pub sim_time_ns: u64,
    /// Trace digest.
    pub trace_digest: String,
    /// Wall-clock milliseconds (not reproducible; redact in snapshots).
    pub wall_ms: u64,
}

/// One violation in JSON output.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ViolationJson {
    /// Property.
    pub property: String,
    /// True time, ns.
    pub time_ns: u64,
    /// Event index.
    pub event_index: u64,
    /// Detail.
    pub detail: String,
}

fn run_json(spec: &Spec, seed: u64, o: &RunOutput, wall_ms: u64) -> RunJson {
    RunJson {
        scenario: spec.name.clone(),
        seed,
        outcome: o.outcome.clone(),
        violations: o
            .violations
            .iter()
            .map(|v| ViolationJson {
                property: v.property.clone(),
                time_ns: v.time_ns,
                event_index: v.event_index,
                detail: v.detail.clone(),
            })
            .collect(),
        metrics: o.metrics.clone(),
        events: o.events,
        sim_time_ns: o.sim_time_ns,
        trace_digest: o.trace_digest.clone(),
        wall_ms,
    }
}

fn fmt_num(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

/// `around` is the command that prints a violation's neighbourhood, less its index.
fn text_summary(spec: &Spec, seed: u64, o: &RunOutput, around: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!("scenario    {}\n", spec.name));
    s.push_str(&format!("seed        {seed}\n"));
    s.push_str(&format!("outcome     {}\n", o.outcome));
    s.push_str(&format!(
        "stopped     {} at {} after {} events\n",
        o.stop,
        sim::Time(o.sim_time_ns),
        o.events
    ));
    if o.trace_digest.is_empty() {
        s.push_str("digest      none (an analysis: no events, no trace)\n");
    } else {
        s.push_str(&format!("digest      {}\n", o.trace_digest));
    }
    if !o.violations.is_empty() {
        s.push_str("violations\n");
        for v in &o.violations {
            s.push_str(&format!(
                "  {} at {} (event {}): {}\n",
                v.property,
                sim::Time(v.time_ns),
                v.event_index,
                v.detail
            ));
        }
        if let Some(v) = o.violations.first() {
            s.push_str(&format!(
                "  events around the first: {around} {}\n",
                v.event_index
            ));
        }
    }
    if !o.metrics.is_empty() {
        s.push_str("metrics\n");
        let wk = o.metrics.keys().map(|k| k.len()).max().unwrap_or(0);
        for (k, v) in &o.metrics {
            s.push_str(&format!("  {k:<wk$}  {}\n", fmt_num(*v)));
        }
    }
    s
}

fn ensure_dir(dir: &Path) -> Res<()> {
    fs::create_dir_all(dir).map_err(|e| {
        usage(format!(
            "--out {}: cannot create directory: {e}",
            dir.display()
        ))
    })
}

fn write_file(path: &Path, bytes: &[u8]) -> Res<()> {
    fs::write(path, bytes).map_err(|e| Failure {
        code: EXIT_USAGE,
        message: format!("cannot write {}: {e}", path.display()),
    })
}

pub use reports::{TraceFooter, TraceHeader};

fn cmd_run(reg: &Registry, a: RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Res<i32> {
    if a.trace == TraceMode::Full && a.out.is_none() {
        return Err(usage("--trace full writes DIR/trace.jsonl: give --out DIR"));
    }
    let t0 = Instant::now();
    let mut spec = load_spec(reg, &a.scenario, &a.sets)?;
    a.limits.apply(&mut spec);
    if spec.protocol.kind() == Kind::Analysis
        && (a.trace == TraceMode::Full || a.timeline || a.around.is_some())
    {
        return Err(usage(format!(
            "{} is an analysis (protocol `{}`): it has no events, so no trace and no \
             timeline; run it without --trace full, --timeline and --around",
            spec.name,
            spec.protocol.name()
        )));
    }
    let seed = a.seed.unwrap_or(spec.seed);
    if a.swarm {
        spec = protocols::plugin::swarm::draw(&spec, seed)
            .map_err(usage)?
            .0;
    }
    let from = a
        .from
        .as_deref()
        .map(sim::time::parse_duration)
        .transpose()
        .map_err(|e| usage(format!("--from: {e}")))?;
    let to =
        a.to.as_deref()
            .map(sim::time::parse_duration)
            .transpose()
            .map_err(|e| usage(format!("--to: {e}")))?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(usage(format!("--from ({f}) must not be after --to ({t})")));
    }
    let timeline = a.timeline || a.around.is_some();
    if !timeline && !a.kind.is_empty() {
        return Err(usage(
            "--kind filters the timeline: add --timeline (or --around N)",
        ));
    }
    if !timeline && a.out.is_none() && !a.node.is_empty() {
        return Err(usage(
            "--node filters the timeline and the diagram: add --timeline (or --around N) or \
             --out DIR",
        ));
    }
    let body_path = a.out.as_ref().map(|d| d.join("trace.body.jsonl"));
    if let Some(d) = &a.out {
        ensure_dir(d)?;
    }
    let want_memory = timeline || a.out.is_some();
    let memory = std::rc::Rc::new(std::cell::RefCell::new(Vec::<sim::TraceLine>::new()));
    // The trace body is a temporary file: removed on every way out (error, Ctrl-C, success
    // after it was copied into trace.jsonl).
    let _body_guard = body_path
        .as_deref()
        .filter(|_| a.trace == TraceMode::Full)
        .map(crate::interrupt::Partial::new);
    let sink: Option<Box<dyn sim::TraceSink>> = if a.trace == TraceMode::Full {
        let p = body_path.clone().expect("checked above");
        let f = fs::File::create(&p)
            .map_err(|e| usage(format!("cannot create {}: {e}", p.display())))?;
        Some(Box::new(sim::trace::JsonlSink::new(BufWriter::new(f))))
    } else if want_memory {
        let m = memory.clone();
        // Reports need the window's first `export_events` (one more tells them they were
        // cut); a timeline on the terminal may want more, up to a memory cap.
        let cap = if timeline {
            MEMORY_TRACE_CAP
        } else {
            (a.export_events as usize).saturating_add(1)
        };
        let (lo, hi) = (from.map_or(0, |t| t.0), to.map_or(u64::MAX, |t| t.0));
        Some(Box::new(sim::trace::FnSink(move |r: &sim::Record<'_>| {
            let mut v = m.borrow_mut();
            if v.len() < cap {
                let l = sim::TraceLine::from_record(r);
                if (lo..=hi).contains(&l.t) {
                    v.push(l);
                }
            }
        })))
    } else {
        None
    };
    let o = runners::run(RunRequest {
        spec: &spec,
        seed,
        sink,
        interrupt: a.limits.deadline(t0),
    })
    .map_err(usage)?;
    if a.trace == TraceMode::Full && o.metrics.contains_key("trace_write_errors") {
        return Err(usage(format!(
            "writing the trace into {} failed (is the disk full?)",
            a.out.as_ref().expect("checked above").display()
        )));
    }
    let wall_ms = t0.elapsed().as_millis() as u64;
    let json = run_json(&spec, seed, &o, wall_ms);
    let mut repro = reproduce(reg, &spec.name, seed, &a.sets);
    if a.swarm {
        repro.push_str(" --swarm");
    }
    if let Some(dir) = &a.out {
        let summary = serde_json::to_string_pretty(&json).expect("serialisable");
        write_file(&dir.join("summary.json"), summary.as_bytes())?;
        if a.trace == TraceMode::Full {
            let body = body_path.clone().expect("set with --out");
            finish_trace(dir, &body, &spec, seed, &o)?;
        }
    }
    // Reports and the timeline read the trace again: from memory, or streamed from the file.
    let trace_file = a.out.as_ref().map(|d| d.join("trace.jsonl"));
    let mem = memory.borrow();
    let from_file = || -> Box<dyn Iterator<Item = sim::TraceLine> + '_> {
        let p = trace_file.clone().expect("full traces have --out");
        match fs::File::open(&p)
            .map_err(|e| e.to_string())
            .and_then(|f| reports::read_jsonl(BufReader::new(f)))
        {
            Ok((_, mut r)) => Box::new(std::iter::from_fn(move || r.events().next())),
            Err(_) => Box::new(std::iter::empty()),
        }
    };
    let from_mem =
        || -> Box<dyn Iterator<Item = sim::TraceLine> + '_> { Box::new(mem.iter().cloned()) };
    let lines: crate::cli_reports::Lines<'_> = if a.trace == TraceMode::Full {
        &from_file
    } else {
        &from_mem
    };
    if let Some(bad) = a.node.iter().find(|n| !o.nodes.contains(n)) {
        return Err(usage(format!(
            "--node `{bad}`: no such node in this run; nodes: {}",
            o.nodes.join(", ")
        )));
    }
    if let Some(dir) = &a.out {
        crate::cli_reports::write_run_reports(
            dir,
            &spec,
            seed,
            &o,
            lines,
            &repro,
            from,
            to,
            a.export_events,
            &a.node,
        )?;
    }
    if timeline {
        check_kinds(&a.kind, lines)?;
        let indices = match a.around {
            Some(n) if n >= o.events => {
                return Err(usage(format!(
                    "--around {n}: the run has {} events, numbered 0..{}",
                    o.events,
                    o.events.saturating_sub(1)
                )));
            }
            Some(n) => Some(crate::cli_reports::around(n, a.context)),
            None => None,
        };
        let text =
            crate::cli_reports::timeline(&o.nodes, lines, from, to, &a.node, &a.kind, indices);
        w(out, &text)?;
    }
    match a.format {
        Format::Json => w(
            out,
            &(serde_json::to_string_pretty(&json).expect("serialisable") + "\n"),
        )?,
        _ => {
            if !timeline {
                let cmd = repro.trim_start_matches("reproduce with: ");
                let around = format!("{cmd} --around");
                w(out, &text_summary(&spec, seed, &o, &around))?;
            }
        }
    }
    let code = exit_for_outcome(&o.outcome);
    if code != EXIT_OK {
        let _ = writeln!(err, "{repro}");
    }
    Ok(code)
}

/// Each `--kind` must be an event name or a message kind this run sent: an unknown one would
/// silently filter everything out.
fn check_kinds(kinds: &[String], lines: crate::cli_reports::Lines<'_>) -> Res<()> {
    let unknown: Vec<&String> = kinds
        .iter()
        .filter(|k| k.parse::<sim::trace::EventKind>().is_err())
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let mut seen = std::collections::BTreeSet::new();
    for l in lines() {
        if let Some(k) = l.kind {
            seen.insert(k);
        }
    }
    if let Some(bad) = unknown.iter().find(|k| !seen.contains(k.as_str())) {
        let events: Vec<&str> = sim::trace::EventKind::ALL
            .iter()
            .map(|e| e.name())
            .collect();
        return Err(usage(format!(
            "--kind `{bad}`: neither an event ({}) nor a message kind of this run ({})",
            events.join(", "),
            seen.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(())
}

/// Events each export of `run --out` and `replay --out` holds at most, by default.
const DEFAULT_EXPORT_EVENTS: u64 = 100_000;

/// Traces kept in memory for reports are capped; a longer run's reports cover its start.
const MEMORY_TRACE_CAP: usize = 2_000_000;

fn finish_trace(dir: &Path, body: &Path, spec: &Spec, seed: u64, o: &RunOutput) -> Res<()> {
    let path = dir.join("trace.jsonl");
    let io = |e: std::io::Error| Failure {
        code: EXIT_USAGE,
        message: format!("writing {}: {e}", path.display()),
    };
    let guard = crate::interrupt::Partial::new(&path);
    let f = fs::File::create(&path).map_err(io)?;
    let mut wr = BufWriter::new(f);
    // The same lines as `replay::full_trace`, which `replay` compares against.
    let header = crate::replay::trace_header(spec, seed, &o.nodes);
    wr.write_all(crate::replay::json_line(&header).as_bytes())
        .map_err(io)?;
    wr.write_all(b"\n").map_err(io)?;
    let mut src = fs::File::open(body).map_err(io)?;
    std::io::copy(&mut src, &mut wr).map_err(io)?;
    let footer = crate::replay::trace_footer(o);
    wr.write_all(crate::replay::json_line(&footer).as_bytes())
        .map_err(io)?;
    wr.write_all(b"\n").map_err(io)?;
    wr.flush().map_err(io)?;
    guard.keep();
    Ok(())
}

// ---- sweep / merge -----------------------------------------------------------------------

/// A shard file: the per-seed results of one `sweep --shard K/N`.
#[derive(Serialize, Deserialize, Debug)]
pub struct ShardFile {
    /// Scenario name.
    pub scenario: String,
    /// The whole sweep's seed range.
    pub seeds: [u64; 2],
    /// `[K, N]`.
    pub shard: [u64; 2],
    /// Per-seed results, in seed order.
    pub results: Vec<SeedResult>,
}

fn parse_shard(s: &str) -> Result<(u64, u64), String> {
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

/// Progress of a sweep or comparison on stderr: a bar on a terminal; elsewhere (CI logs,
/// pipes) one line every few seconds, so a long job shows it is alive; nothing with --quiet.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    lines: Option<LineProgress>,
}

/// The off-terminal form: done/total, elapsed and an estimate, every `PROGRESS_EVERY`.
struct LineProgress {
    total: u64,
    done: std::sync::atomic::AtomicU64,
    start: Instant,
    last: std::sync::Mutex<Instant>,
}

/// How often the off-terminal progress line is printed.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Progress {
    fn new(total: u64, what: &str, quiet: bool) -> Progress {
        if quiet {
            return Progress {
                bar: None,
                lines: None,
            };
        }
        if std::io::stderr().is_terminal() {
            let pb = indicatif::ProgressBar::new(total);
            let template = format!("{{bar:40}} {{pos}}/{{len}} {what} [{{elapsed}} < {{eta}}]");
            pb.set_style(
                indicatif::ProgressStyle::with_template(&template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            return Progress {
                bar: Some(pb),
                lines: None,
            };
        }
        let now = Instant::now();
        Progress {
            bar: None,
            lines: Some(LineProgress {
                total,
                done: std::sync::atomic::AtomicU64::new(0),
                start: now,
                last: std::sync::Mutex::new(now),
            }),
        }
    }

    /// One more run finished (called from worker threads).
    fn tick(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
        let Some(l) = &self.lines else { return };
        let done = l.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let now = Instant::now();
        let Ok(mut last) = l.last.try_lock() else {
            return;
        };
        if now.duration_since(*last) < PROGRESS_EVERY || done == l.total {
            return;
        }
        *last = now;
        let secs = now.duration_since(l.start).as_secs_f64();
        let left = secs / done as f64 * (l.total - done) as f64;
        eprintln!(
            "progress: {done}/{} runs, {secs:.0} s elapsed, about {left:.0} s left",
            l.total
        );
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn sweep_text(s: &SweepSummary) -> String {
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
fn swarm_failures(s: &SweepSummary, profiles: &BTreeMap<u64, String>) -> String {
    s.failing_seeds
        .iter()
        .filter_map(|seed| {
            profiles
                .get(seed)
                .map(|p| format!("swarm     seed {seed}: {p}\n"))
        })
        .collect()
}

fn sweep_exit(s: &SweepSummary) -> i32 {
    if s.outcomes.contains_key("safety_violation") {
        EXIT_SAFETY
    } else if s.outcomes.contains_key("liveness_failure") {
        EXIT_LIVENESS
    } else {
        EXIT_OK
    }
}

fn cmd_sweep(reg: &Registry, a: SweepArgs, out: &mut dyn Write, err: &mut dyn Write) -> Res<i32> {
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
    let pb = Progress::new(seeds.len() as u64, "seeds", a.quiet);
    let tick = || pb.tick();
    let (runs, profiles) = if a.swarm {
        let r = sweep::run_swarm_seeds_until(&spec, &seeds, a.jobs, &tick, a.limits.stop(t0))
            .map_err(usage)?;
        let p: BTreeMap<u64, String> = r.iter().map(|(s, _, p)| (*s, p.to_string())).collect();
        (r.into_iter().map(|(s, o, _)| (s, o)).collect(), p)
    } else {
        let r = sweep::run_seeds_until(&spec, &seeds, a.jobs, &tick, a.limits.stop(t0))
            .map_err(usage)?;
        (r, BTreeMap::new())
    };
    pb.finish();
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

fn cmd_merge(files: &[PathBuf], format: Format, out: &mut dyn Write) -> Res<i32> {
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
fn merged(summary: &SweepSummary, format: Format, out: &mut dyn Write) -> Res<i32> {
    match format {
        Format::Json => w(
            out,
            &(serde_json::to_string_pretty(summary).expect("serialisable") + "\n"),
        )?,
        _ => w(out, &sweep_text(summary))?,
    }
    Ok(sweep_exit(summary))
}

// ---- compare -----------------------------------------------------------------------------

/// The `compare --format json` document (a stable contract, snapshot-tested).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct CompareJson {
    /// Scenario name.
    pub scenario: String,
    /// One row per grid point.
    pub rows: Vec<CompareRowJson>,
}

/// One grid point.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct CompareRowJson {
    /// The varied parameters.
    pub params: BTreeMap<String, String>,
    /// Metric -> mean, CI, n.
    pub metrics: BTreeMap<String, MetricJson>,
}

/// A metric over seeds.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MetricJson {
    /// Mean.
    pub mean: f64,
    /// 95% CI half-width.
    pub ci95: f64,
    /// Seeds.
    pub n: usize,
}

fn cmd_compare(
    reg: &Registry,
    a: CompareArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Res<i32> {
    let (lo, hi) = parse_seeds(&a.seeds).map_err(usage)?;
    let seeds: Vec<u64> = (lo..hi).collect();
    let axes = crate::vary::axes(&a.vary).map_err(usage)?;
    let points = crate::vary::grid(&axes);
    if let Some(x) = &a.x_param
        && !points.iter().flatten().any(|(k, _)| k == x)
    {
        let keys: Vec<&str> = points
            .first()
            .map(|p| p.iter().map(|(k, _)| k.as_str()).collect())
            .unwrap_or_default();
        return Err(usage(format!(
            "--x `{x}`: not a varied parameter; choose one of: {}",
            keys.join(", ")
        )));
    }
    let base = load_spec(reg, &a.scenario, &a.sets)?;
    if let Some(m) = &a.cdf {
        crate::cli_cdf::check_metric(base.protocol.metrics(), m)?;
    }
    let pb = Progress::new((points.len() * seeds.len()) as u64, "runs", a.quiet);
    let mut rows = Vec::new();
    let mut cdf_values = Vec::new();
    for p in &points {
        let mut sets = a.sets.clone();
        sets.extend(p.iter().map(|(k, v)| format!("{k}={v}")));
        let mut spec = load_spec(reg, &a.scenario, &sets)?;
        spec.name = base.name.clone();
        let tick = || pb.tick();
        let runs = sweep::run_seeds(&spec, &seeds, a.jobs, &tick).map_err(usage)?;
        if let Some(m) = &a.cdf {
            cdf_values.push(crate::cli_cdf::values(&runs, m));
        }
        let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for (_, o) in &runs {
            for (k, v) in &o.metrics {
                if a.metric.is_empty() || a.metric.contains(k) {
                    values.entry(k.clone()).or_default().push(*v);
                }
            }
        }
        let metrics = values
            .into_iter()
            .map(|(k, v)| {
                let s = summarize(&v);
                (
                    k,
                    MetricJson {
                        mean: s.mean,
                        ci95: s.ci95,
                        n: s.n,
                    },
                )
            })
            .collect();
        rows.push(CompareRowJson {
            params: p.iter().cloned().collect(),
            metrics,
        });
    }
    pb.finish();
    for m in &a.metric {
        if !rows.iter().any(|r| r.metrics.contains_key(m)) {
            return Err(usage(format!(
                "--metric `{m}`: no run reported it; the scenario's metrics are listed by `simlab run {}`",
                a.scenario
            )));
        }
    }
    let doc = CompareJson {
        scenario: base.name.clone(),
        rows,
    };
    let json = serde_json::to_string_pretty(&doc).expect("serialisable");
    if let Some(dir) = &a.out {
        ensure_dir(dir)?;
        write_file(&dir.join("compare.json"), json.as_bytes())?;
        let opts = crate::cli_reports::ChartOptions {
            x: a.x_param.clone(),
            log_x: (a.log_x || a.linear_x).then_some(a.log_x),
            log_y: a.log_y,
        };
        let own = base.protocol.metrics();
        let unit = |m: &str| {
            protocols::plugin::metrics::lookup(own, m)
                .map(|meta| meta.unit.to_string())
                .unwrap_or_default()
        };
        crate::cli_reports::write_compare_reports(dir, &doc, &a.vary, &a.metric, &opts, &unit)?;
        if let Some(m) = &a.cdf {
            let (name, u) = (&doc.scenario, unit(m));
            crate::cli_cdf::write(dir, name, m, &u, &axes, &points, &cdf_values, a.log_x)?;
        }
    }
    let text = match a.format {
        Format::Json => json + "\n",
        Format::Csv => crate::cli_reports::compare_table(&doc, &a.vary, false),
        Format::Markdown => crate::cli_reports::compare_table(&doc, &a.vary, true),
        Format::Text | Format::Jsonl => crate::cli_reports::compare_text(&doc),
    };
    w(out, &text)?;
    if let Some(bpath) = &a.baseline {
        let btext = fs::read_to_string(bpath)
            .map_err(|e| usage(format!("--baseline {}: {e}", bpath.display())))?;
        let baseline: CompareJson = serde_json::from_str(&btext).map_err(|e| {
            usage(format!(
                "--baseline {}: not a `compare --format json` output: {e}",
                bpath.display()
            ))
        })?;
        let own = base.protocol.metrics();
        let better = |k: &str| -> Better {
            if a.higher_is_better.iter().any(|h| h == k) {
                return Better::Higher;
            }
            let named = a.metric.iter().any(|m| m == k);
            match protocols::plugin::metrics::lookup(own, k).map(|m| m.better) {
                Some(b @ (Better::Lower | Better::Higher)) => b,
                // No direction known: gated (smaller is better) only when named by --metric.
                _ if named => Better::Lower,
                _ => Better::Neither,
            }
        };
        let report = crate::gate::check(
            &baseline,
            &doc,
            &crate::gate::GateOptions {
                max_regression_pct: a.max_regression,
                better: &better,
                allow_seed_mismatch: a.allow_seed_mismatch,
            },
        )
        .map_err(|e| usage(format!("--baseline {}: {e}", bpath.display())))?;
        let _ = writeln!(err, "{}", report.summary(a.max_regression));
        for r in &report.regressions {
            let _ = writeln!(err, "{}", r.line());
        }
        if let Some(path) = &a.junit {
            let rows: Vec<String> = doc
                .rows
                .iter()
                .map(|r| crate::junit::params_key(&r.params))
                .collect();
            let xml = crate::junit::gate(&doc.scenario, &report, &rows).map_err(usage)?;
            write_file(path, xml.as_bytes())?;
        }
        if !report.regressions.is_empty() {
            return Ok(EXIT_REGRESSION);
        }
    }
    Ok(EXIT_OK)
}

// ---- replay / check-determinism ----------------------------------------------------------

fn cmd_replay(
    reg: &Registry,
    file: &Path,
    dir: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Res<i32> {
    let f = fs::File::open(file).map_err(|e| usage(format!("{}: {e}", file.display())))?;
    // With --out, the reports are drawn from the re-run, kept in memory as `run --out` does.
    let memory = std::rc::Rc::new(std::cell::RefCell::new(Vec::<sim::TraceLine>::new()));
    let extra: Option<Box<dyn sim::TraceSink>> = dir.map(|_| {
        let m = memory.clone();
        Box::new(sim::trace::FnSink(move |r: &sim::Record<'_>| {
            let mut v = m.borrow_mut();
            // The exports' window, and one more event to tell them they were cut.
            if v.len() <= DEFAULT_EXPORT_EVENTS as usize {
                v.push(sim::TraceLine::from_record(r));
            }
        })) as Box<dyn sim::TraceSink>
    });
    if let Some(d) = dir {
        ensure_dir(d)?;
    }
    let t0 = Instant::now();
    let r = crate::replay::replay(reg, BufReader::new(f), extra)
        .map_err(|e| usage(format!("{}: {e}", file.display())))?;
    let wall_ms = t0.elapsed().as_millis() as u64;
    let (h, o) = (&r.header, &r.output);
    if h.simlab != env!("CARGO_PKG_VERSION") {
        let _ = writeln!(
            err,
            "note: {} was written by simlab {}, this is simlab {}",
            file.display(),
            h.simlab,
            env!("CARGO_PKG_VERSION")
        );
    }
    if let Some(d) = dir {
        let json = run_json(&r.spec, h.seed, o, wall_ms);
        let summary = serde_json::to_string_pretty(&json).expect("serialisable");
        write_file(&d.join("summary.json"), summary.as_bytes())?;
        let mem = memory.borrow();
        let lines =
            || -> Box<dyn Iterator<Item = sim::TraceLine> + '_> { Box::new(mem.iter().cloned()) };
        let repro = format!(
            "reproduce with: {} replay {}",
            reg.program(),
            file.display()
        );
        crate::cli_reports::write_run_reports(
            d,
            &r.spec,
            h.seed,
            o,
            &lines,
            &repro,
            None,
            None,
            DEFAULT_EXPORT_EVENTS,
            &[],
        )?;
    }
    if r.matches() {
        w(
            out,
            &format!(
                "replayed {} seed {}: all {} event lines, the footer (digest {}, outcome {}) \
                 and the node list match the re-run\n",
                h.scenario, h.seed, o.events, o.trace_digest, o.outcome
            ),
        )?;
        return Ok(EXIT_OK);
    }
    let mut t = format!(
        "replay of {} seed {} DIFFERS from the re-run ({}):\n",
        h.scenario,
        h.seed,
        file.display()
    );
    if let Some(d) = &r.divergence {
        t.push_str(&format!(
            "first differing event: index {} (line {})\n",
            d.index, d.line
        ));
        if !d.context.is_empty() {
            t.push_str("  before it (the same in both):\n");
            for c in &d.context {
                t.push_str(&format!("    {c}\n"));
            }
        }
        let expected = d
            .expected
            .clone()
            .unwrap_or_else(|| format!("(none: the re-run ended after {} events)", o.events));
        let actual = d.actual.clone().unwrap_or_else(|| {
            format!(
                "(none: the file's events end here, after {}; line {} is its footer)",
                r.file_events, d.line
            )
        });
        t.push_str(&format!("  expected (re-run): {expected}\n"));
        t.push_str(&format!("  actual (file):     {actual}\n"));
    }
    for fd in &r.footer_diffs {
        t.push_str(&format!("footer {fd}\n"));
    }
    if !r.nodes_match() {
        t.push_str(&format!(
            "nodes: the header has [{}], the re-run has [{}]\n",
            h.nodes.join(", "),
            o.nodes.join(", ")
        ));
    }
    w(out, &t)?;
    Ok(EXIT_NONDETERMINISM)
}

/// Records one running digest value per event, to find the first divergent event.
struct StepDigests(std::sync::Arc<std::sync::Mutex<Vec<u64>>>);

impl sim::TraceSink for StepDigests {
    fn wants_detail(&self) -> bool {
        true
    }
    fn record(&mut self, r: &sim::Record<'_>) {
        let mut d = sim::Digest::default();
        d.record(r.time, &r.event);
        // Include the detail text (message contents), which the digest leaves out for speed.
        let extra = r.detail.map_or(0, |s| {
            s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
            })
        });
        self.0
            .lock()
            .expect("not poisoned")
            .push(d.value() ^ extra.rotate_left(17) ^ r.index);
    }
}

fn step_digests(spec: &Spec, seed: u64) -> Result<(RunOutput, Vec<u64>), String> {
    let v = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = StepDigests(v.clone());
    let o = runners::run(RunRequest {
        spec,
        seed,
        sink: Some(Box::new(sink)),
        interrupt: None,
    })?;
    let steps = std::mem::take(&mut *v.lock().expect("not poisoned"));
    Ok((o, steps))
}

fn cmd_check(
    reg: &Registry,
    scenario: &str,
    seeds: &str,
    sets: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Res<i32> {
    let spec = load_spec(reg, scenario, sets)?;
    let (lo, hi) = parse_seeds(seeds).map_err(usage)?;
    let mut bad = Vec::new();
    for seed in lo..hi {
        let (a, sa) = step_digests(&spec, seed).map_err(usage)?;
        // The second run happens on another thread, so thread-local state (hash seeds,
        // allocator state) differs between the two.
        let spec2 = spec.clone();
        let (b, sb) = std::thread::spawn(move || step_digests(&spec2, seed))
            .join()
            .map_err(|_| Failure {
                code: EXIT_INTERNAL,
                message: "the second run panicked".into(),
            })?
            .map_err(usage)?;
        let same_metrics =
            serde_json::to_string(&a.metrics).ok() == serde_json::to_string(&b.metrics).ok();
        if sa != sb || a.trace_digest != b.trace_digest || !same_metrics {
            let idx = sa
                .iter()
                .zip(&sb)
                .position(|(x, y)| x != y)
                .unwrap_or(sa.len().min(sb.len()));
            bad.push((seed, idx, sa.len(), sb.len()));
        }
    }
    if bad.is_empty() {
        w(
            out,
            &format!(
                "{}: seeds {lo}..{hi}: every seed ran twice with identical traces\n",
                spec.name
            ),
        )?;
        Ok(EXIT_OK)
    } else {
        for (seed, idx, la, lb) in &bad {
            w(
                out,
                &format!(
                    "{}: seed {seed} is NOT deterministic: first divergent event index {idx} (runs had {la} and {lb} events)\n",
                    spec.name
                ),
            )?;
        }
        let _ = writeln!(err, "{}", reproduce(reg, &spec.name, bad[0].0, sets));
        Ok(EXIT_NONDETERMINISM)
    }
}

// ---- test --------------------------------------------------------------------------------

fn cmd_test(
    reg: &Registry,
    targets: &[String],
    seeds: Option<&str>,
    jobs: usize,
    junit: Option<&Path>,
    out: &mut dyn Write,
) -> Res<i32> {
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
    let range = seeds.map(parse_seeds).transpose().map_err(usage)?;
    let wn = names.iter().map(|n| n.len()).max().unwrap_or(8).max(8);
    let mut table = format!(
        "{:<wn$}  {:<16}  {:>5}  {:<40}  RESULT\n",
        "SCENARIO", "EXPECT", "RUNS", "OUTCOMES"
    );
    let mut failures = 0;
    let mut verdicts = Vec::new();
    for name in &names {
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
        let ok = outcome_ok && misses.is_empty();
        if !ok {
            failures += 1;
        }
        let oc: Vec<String> = counts.iter().map(|(k, v)| format!("{k}={v}")).collect();
        verdicts.push(crate::junit::TestVerdict {
            name: name.clone(),
            expect: spec.expect.as_str().to_string(),
            outcomes: oc.join(" "),
            misses: misses.clone(),
            pass: ok,
        });
        table.push_str(&format!(
            "{name:<wn$}  {:<16}  {:>5}  {:<40}  {}\n",
            spec.expect.as_str(),
            runs.len(),
            oc.join(" "),
            if ok { "PASS" } else { "FAIL" }
        ));
        const SHOWN: usize = 5;
        for m in misses.iter().take(SHOWN) {
            table.push_str(&format!("    {m}\n"));
        }
        if misses.len() > SHOWN {
            table.push_str(&format!("    ... and {} more\n", misses.len() - SHOWN));
        }
    }
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

// ---- bench -------------------------------------------------------------------------------

/// Peak and current resident memory in MiB, from /proc (Linux); None elsewhere.
fn memory_mib() -> (Option<f64>, Option<f64>) {
    let Ok(s) = fs::read_to_string("/proc/self/status") else {
        return (None, None);
    };
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// One bench measurement: a sink's median run of `runs`.
#[derive(Serialize, Debug)]
struct BenchRow {
    sink: String,
    runs: u32,
    /// Median wall time; every rate below is computed from it.
    wall_s: f64,
    wall_min_s: f64,
    wall_max_s: f64,
    kernel_events: u64,
    trace_events: u64,
    model_events: u64,
    kernel_events_per_s: f64,
    model_events_per_s: f64,
    ns_per_model_event: f64,
    /// Customers served (queueing models only): the reference loops' unit for comparing
    /// implementations that use different numbers of kernel events per customer.
    customers: Option<u64>,
    customers_per_s: Option<f64>,
    peak_rss_mib: Option<f64>,
    rss_mib: Option<f64>,
    digest: String,
}

fn cmd_bench(reg: &Registry, a: BenchArgs, out: &mut dyn Write) -> Res<i32> {
    let scenario = a
        .scenario
        .clone()
        .unwrap_or_else(|| "lb/supermarket".to_string());
    let spec = load_spec(reg, &scenario, &a.sets)?;
    let t0 = Instant::now();
    let mut clock = || t0.elapsed().as_secs_f64();
    if let Some(table) = spec.protocol.bench(&spec, &mut clock) {
        return bench_table(&spec.name, table.map_err(usage)?, a.format, out);
    }
    let mut rows = Vec::new();
    for sink_name in &a.sinks {
        if !matches!(sink_name.as_str(), "none" | "digest" | "jsonl") {
            return Err(usage(format!(
                "--sinks: unknown sink `{sink_name}`; allowed: none, jsonl"
            )));
        }
        // Machine speed drifts by 10-20% over minutes on a shared host: repeats give a median
        // and a range instead of one draw.
        let mut walls = Vec::with_capacity(a.repeat as usize);
        let mut first = None;
        for k in 0..a.repeat {
            let sink: Option<Box<dyn sim::TraceSink>> = match (sink_name.as_str(), &a.trace_file) {
                ("jsonl", Some(p)) => {
                    let f = fs::File::create(p)
                        .map_err(|e| usage(format!("--trace-file {}: {e}", p.display())))?;
                    Some(Box::new(sim::trace::JsonlSink::new(
                        BufWriter::with_capacity(1 << 20, f),
                    )))
                }
                ("jsonl", None) => Some(Box::new(sim::trace::JsonlSink::new(std::io::sink()))),
                _ => None,
            };
            let t0 = Instant::now();
            let o = runners::run(RunRequest {
                spec: &spec,
                seed: a.seed,
                sink,
                interrupt: None,
            })
            .map_err(usage)?;
            walls.push(t0.elapsed().as_secs_f64().max(1e-9));
            if o.metrics.contains_key("trace_write_errors") {
                let to = a
                    .trace_file
                    .as_ref()
                    .map_or("the null writer".to_string(), |p| p.display().to_string());
                return Err(usage(format!(
                    "--sinks {sink_name}: writing the trace to {to} failed (is the disk full?)"
                )));
            }
            match &first {
                None => first = Some(o),
                Some(f) if f.trace_digest != o.trace_digest => {
                    return Err(Failure {
                        code: EXIT_NONDETERMINISM,
                        message: format!(
                            "nondeterminism: repeat {} of sink {sink_name} gave trace digest {}, \
                             the first gave {}",
                            k + 1,
                            o.trace_digest,
                            f.trace_digest
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        let o = first.expect("at least one run");
        let mut sorted = walls;
        sorted.sort_by(f64::total_cmp);
        let secs = sorted[(sorted.len() - 1) / 2];
        let counts = spec.protocol.bench_counts(&o);
        let model = counts.model_events;
        let customers = counts.customers;
        let (peak, rss) = memory_mib();
        rows.push(BenchRow {
            sink: sink_name.clone(),
            runs: a.repeat,
            wall_s: secs,
            wall_min_s: sorted[0],
            wall_max_s: sorted[sorted.len() - 1],
            kernel_events: o.kernel_events,
            trace_events: o.events,
            model_events: model,
            kernel_events_per_s: o.kernel_events as f64 / secs,
            model_events_per_s: model as f64 / secs,
            ns_per_model_event: secs * 1e9 / model.max(1) as f64,
            customers,
            customers_per_s: customers.map(|c| c as f64 / secs),
            peak_rss_mib: peak,
            rss_mib: rss,
            digest: o.trace_digest.clone(),
        });
    }
    if a.format == Format::Json {
        w(
            out,
            &(serde_json::to_string_pretty(&rows).expect("serialisable") + "\n"),
        )?;
    } else {
        let mut t = format!("bench {} seed {}\n", spec.name, a.seed);
        t.push_str(&format!(
            "{:<6} {:>8} {:>13} {:>13} {:>13} {:>12} {:>10} {:>10} {:>13}\n",
            "sink",
            "wall_s",
            "model_events",
            "model_ev/s",
            "kernel_ev/s",
            "ns/model_ev",
            "peak_MiB",
            "rss_MiB",
            "customers/s"
        ));
        for r in &rows {
            t.push_str(&format!(
                "{:<6} {:>8.3} {:>13} {:>13.0} {:>13.0} {:>12.1} {:>10} {:>10} {:>13}\n",
                r.sink,
                r.wall_s,
                r.model_events,
                r.model_events_per_s,
                r.kernel_events_per_s,
                r.ns_per_model_event,
                r.peak_rss_mib.map_or("-".into(), |x| format!("{x:.1}")),
                r.rss_mib.map_or("-".into(), |x| format!("{x:.1}")),
                r.customers_per_s.map_or("-".into(), |x| format!("{x:.0}")),
            ));
        }
        for r in rows.iter().filter(|r| r.runs > 1) {
            t.push_str(&format!(
                "{}: median of {} runs; wall {:.3}-{:.3} s\n",
                r.sink, r.runs, r.wall_min_s, r.wall_max_s
            ));
        }
        w(out, &t)?;
    }
    Ok(EXIT_OK)
}

/// Prints a protocol's own bench table (its `bench` hook replaced the timed runs).
fn bench_table(
    name: &str,
    t: protocols::plugin::BenchTable,
    format: Format,
    out: &mut dyn Write,
) -> Res<i32> {
    if format == Format::Json {
        w(
            out,
            &(serde_json::to_string_pretty(&t.json).expect("serialisable") + "\n"),
        )?;
        return Ok(EXIT_OK);
    }
    let widths: Vec<usize> = (0..t.columns.len())
        .map(|i| {
            t.rows
                .iter()
                .filter_map(|r| r.get(i))
                .chain(std::iter::once(&t.columns[i]))
                .map(String::len)
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let wd = widths.get(i).copied().unwrap_or(0);
            if i == 0 {
                l.push_str(&format!("{c:<wd$}"));
            } else {
                l.push_str(&format!(" {c:>wd$}"));
            }
        }
        l.push('\n');
        l
    };
    let mut text = format!("bench {name}: {}\n", t.title);
    text.push_str(&line(&t.columns));
    for r in &t.rows {
        text.push_str(&line(r));
    }
    w(out, &text)?;
    Ok(EXIT_OK)
}

// ---- hash --------------------------------------------------------------------------------

fn cmd_hash(
    algo: &str,
    servers: u32,
    vnodes: u32,
    format: Format,
    keys: &[String],
    out: &mut dyn Write,
) -> Res<i32> {
    if servers == 0 {
        return Err(usage("--servers must be >= 1"));
    }
    let owners = crate::cli_reports::hash_lookup(algo, servers, vnodes, keys).map_err(usage)?;
    match format {
        Format::Json => {
            let v: Vec<serde_json::Value> = owners
                .iter()
                .map(|(k, o)| serde_json::json!({"key": k, "server": o}))
                .collect();
            w(
                out,
                &(serde_json::to_string_pretty(&v).expect("serialisable") + "\n"),
            )?;
        }
        _ => {
            for (k, o) in owners {
                w(out, &format!("{k}\t{o}\n"))?;
            }
        }
    }
    Ok(EXIT_OK)
}
