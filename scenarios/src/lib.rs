//! `scenarios`: scenario specs, the built-in catalog, runners, sweeps and the `simlab` CLI.
//!
//! Code map:
//! - [`spec`]: the scenario file format (TOML or JSON), with defaults and range checks.
//! - [`load`]: text -> [`spec::Spec`], `--set path=value` overrides, errors with field paths.
//! - [`catalog`]: the built-in scenarios embedded from `scenarios/catalog/<family>/<name>.toml`.
//! - [`runners`]: one runner per protocol, spec + seed -> `RunOutput`.
//! - [`stats`]: means and 95% confidence intervals across seeds.
//! - [`sweep`]: seeds in parallel (rayon), sharding, merging, comparisons.
//! - [`cli`]: the `simlab` command line: the only code here that reads files, writes files,
//!   reads the wall clock or touches the terminal.
//!
//! Architecture invariant: results never depend on `--jobs`, on shards, or on anything but
//! the spec and the seed.

pub mod catalog;
pub mod cli;
mod cli_reports;
pub mod load;
pub mod runners;
pub mod spec;
pub mod stats;
pub mod sweep;
