//! `scenarios`: scenario specs, the built-in catalog, runners, sweeps and the `simlab` CLI.
//!
//! Code map:
//! - [`spec`]: the scenario file format (TOML or JSON), re-exported from `protocols::plugin`.
//! - [`load`]: text -> [`spec::Spec`], `--set path=value` overrides, errors with field paths.
//! - [`registry`]: which protocols a binary knows ([`registry::BUILTINS`], or a user's list).
//! - [`catalog`]: the built-in scenarios (each protocol ships its own).
//! - [`runners`]: one seed of a spec, run by its protocol (`protocols::plugin::Protocol`).
//! - [`gate`]: the regression gate of `compare --baseline` (pure: verdicts, no I/O).
//! - [`interrupt`]: Ctrl-C as a flag runs check, and partial files removed on the way out.
//! - [`stats`]: means and 95% confidence intervals across seeds.
//! - [`vary`]: the grid of `compare --vary` (axes, some moving parameters in pairs).
//! - [`sweep`]: seeds in parallel (rayon), sharding, merging, comparisons.
//! - [`shrink`]: a failing seed's faults as a script, minimised (ddmin, shorter outages,
//!   quiet network, fewer nodes, faults moved earlier) within a budget of runs;
//!   [`shrink_net`] scripts the random network's drops and copies as rules, [`shrink_size`]
//!   lowers node and client counts; `cli/shrink.rs` is its command.
//! - [`replay`]: the JSONL trace a run writes, and replaying one: re-run from its header,
//!   compare every event line, the footer and the node list.
//! - [`history`]: histories recorded outside simlab (Jepsen/Knossos EDN, `jepsen.util` log
//!   lines, JSONL) read into the linearizability checker's operations.
//! - [`check_history`]: the `check-history` command (reads the file, runs the checker
//!   within its budgets, prints the verdict), in `cli/` with the other commands.
//! - [`history_out`]: a run's client history as `history.jsonl` and as the report's history
//!   section (verdict, drawings).
//! - [`cli`]: the `simlab` command line: the only code here that reads files, writes files,
//!   reads the wall clock or touches the terminal. `cli/mod.rs` holds the clap definitions
//!   and the dispatch; one file per subcommand (`run`, `sweep`, `merge`, `compare`, `replay`,
//!   `check_determinism`, `check_history`, `test`, `bench`, `hash`, `list`, `show`, `shrink`,
//!   `completions` with `man`), each with its arguments; shared code in `output` (formats,
//!   failures and exit codes, writing), `args` (scenario, seeds, limits, the reproduce
//!   line), `progress`, `json` (the JSON contracts) and `reports`/`compare_reports` (what
//!   `--out DIR` holds), `cdf` (`compare --cdf`: a metric's CDF over seeds, one line per
//!   grid point).
//!
//! Architecture invariant: results never depend on `--jobs`, on shards, or on anything but
//! the spec and the seed.

pub mod catalog;
pub mod cli;
pub mod expect;
pub mod gate;
pub mod history;
pub mod history_out;
pub mod interrupt;
mod junit;
pub mod load;
pub mod registry;
pub mod replay;
pub mod runners;
pub mod shrink;
pub mod shrink_net;
pub mod shrink_size;
pub mod spec;
pub mod stats;
pub mod sweep;
pub mod vary;

/// The plug-in interface a protocol implements, re-exported so a user's crate needs only
/// `sim` and `scenarios`.
pub use protocols::plugin;

// The command's module, also at the crate root, where it was before the commands moved
// into `cli/`.
pub use cli::check_history;

use protocols::plugin::DynProtocol;

/// The whole `simlab` program for a binary with its own list of protocols: parses the
/// process's arguments, runs the subcommand, turns a panic into exit code 70, and exits.
/// `simlab` itself is `main_with(registry::BUILTINS)`; a user's crate passes its protocols,
/// with or without the built-ins. (Nothing is read after a panic, so unwinding cannot expose
/// a half-updated value: `AssertUnwindSafe` is sound here.)
pub fn main_with(protocols: &[&'static dyn DynProtocol]) -> ! {
    interrupt::install();
    let args: Vec<String> = std::env::args().collect();
    let mut reg = match registry::Registry::new(protocols) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(cli::EXIT_USAGE);
        }
    };
    if let Some(name) = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_stem())
        .and_then(|n| n.to_str())
    {
        reg.set_program(name);
    }
    let code = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        // Not locked for the whole command: the progress bar draws to stderr from a worker
        // thread, and a lock held here made every sweep on a terminal wait forever.
        let mut err = std::io::stderr();
        cli::run_cli_with(&reg, args, &mut out, &mut err)
    })) {
        Ok(c) => c,
        Err(_) => {
            eprintln!(
                "internal error: simlab panicked (a bug: please report it with the command line above)"
            );
            cli::EXIT_INTERNAL
        }
    };
    std::process::exit(code);
}
