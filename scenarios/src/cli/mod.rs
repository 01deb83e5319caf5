//! The `simlab` command line. The only module in the workspace that parses arguments, reads
//! or writes files, reads the wall clock, or looks at the terminal.
//!
//! This file holds the clap definitions, the entry points and the dispatch; each subcommand
//! has a file of its own (with its arguments), and what they share is in `output` (formats,
//! failures, writing), `args`, `progress`, `json` (the JSON contracts), `reports` and
//! `compare_reports`.
//!
//! Exit codes (a stable contract): 0 ok; 1 safety violation (or `test` found an unmet expectation);
//! 2 usage or spec error; 3 liveness failure; 4 nondeterminism; 5 regression; 70 internal error.
//! `check-history` has its own reading of 1 and 3 (not linearizable, undecided): see
//! [`check_history`].

#![allow(clippy::disallowed_methods)] // wall clock for `wall_ms`, progress and `bench` only

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::registry::Registry;
use output::{Format, Res, formats, output_error};

mod args;
mod bench;
mod cdf;
mod check_determinism;
pub mod check_history;
mod compare;
mod compare_reports;
mod completions;
mod hash;
mod json;
mod list;
mod merge;
mod output;
mod progress;
mod replay;
mod reports;
mod run;
mod show;
mod shrink;
mod sweep;
mod test;

pub use ::reports::{TraceFooter, TraceHeader};
pub use args::parse_seeds;
pub use json::{CompareJson, CompareRowJson, MetricJson, RunJson, ShardFile, ViolationJson};
pub use output::Failure;
pub use sweep::shard_from_env;

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
    Run(run::RunArgs),
    /// Run many seeds in parallel and summarise them.
    Sweep(sweep::SweepArgs),
    /// Run a grid of parameter values x seeds; report mean and 95% CI per metric.
    Compare(compare::CompareArgs),
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
    Shrink(shrink::ShrinkArgs),
    /// Measure kernel speed: events/s, ns/event, peak memory, per trace sink.
    Bench(bench::BenchArgs),
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
    CheckHistory(check_history::CheckHistoryArgs),
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
        Cmd::List { family } => list::cmd_list(reg, family.as_deref(), out),
        Cmd::Show { scenario, sets } => show::cmd_show(reg, &scenario, &sets, out),
        Cmd::Run(a) => run::cmd_run(reg, a, out, err),
        Cmd::Sweep(a) => sweep::cmd_sweep(reg, a, out, err),
        Cmd::Compare(a) => compare::cmd_compare(reg, a, out, err),
        Cmd::Replay { file, out: dir } => replay::cmd_replay(reg, &file, dir.as_deref(), out, err),
        Cmd::CheckDeterminism {
            scenario,
            seeds,
            sets,
        } => check_determinism::cmd_check(reg, &scenario, &seeds, &sets, out, err),
        Cmd::Test {
            targets,
            seeds,
            jobs,
            junit,
        } => test::cmd_test(reg, &targets, seeds.as_deref(), jobs, junit.as_deref(), out),
        Cmd::Merge { files, format } => merge::cmd_merge(&files, format, out),
        Cmd::Completions { shell } => completions::cmd_completions(reg, shell, out),
        Cmd::Man => completions::cmd_man(reg, out),
        Cmd::Shrink(a) => shrink::cmd_shrink(reg, a, out, err),
        Cmd::Bench(a) => bench::cmd_bench(reg, a, out),
        Cmd::CheckHistory(a) => check_history::cmd_check_history(a, out),
        Cmd::Hash {
            algo,
            servers,
            vnodes,
            format,
            keys,
        } => hash::cmd_hash(&algo, servers, vnodes, format, &keys, out),
    }
}
