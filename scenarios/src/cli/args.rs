//! Arguments several commands share: a scenario with `--set` overrides, seed ranges, the
//! runaway limits, and the line that reproduces a failing seed.

use std::fs;
use std::time::Instant;

use clap::Args;

use super::output::{Res, usage};
use crate::load::{self, Override};
use crate::registry::Registry;
use crate::spec::Spec;

pub(super) fn read_file(p: &str) -> Result<String, String> {
    fs::read_to_string(p).map_err(|e| e.to_string())
}

pub(super) fn parse_sets(sets: &[String]) -> Res<Vec<Override>> {
    sets.iter()
        .map(|s| Override::parse(s).map_err(usage))
        .collect()
}

pub(super) fn load_spec(reg: &Registry, scenario: &str, sets: &[String]) -> Res<Spec> {
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

pub(super) fn reproduce(reg: &Registry, spec_name: &str, seed: u64, sets: &[String]) -> String {
    let mut s = format!(
        "reproduce with: {} run {spec_name} --seed {seed}",
        reg.program()
    );
    for x in sets {
        s.push_str(&format!(" --set '{x}'"));
    }
    s
}

/// Stops for runaway runs.
#[derive(Args, Debug, Clone)]
pub(super) struct Limits {
    /// Stop each run after N kernel events (the same as `--set max_events=N`; the run ends
    /// with stop reason `event_budget` and reports what it has).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_events: Option<u64>,
    /// Give up after this much wall-clock time (e.g. 30s, 10min): a run still going is cut
    /// and the command fails (exit 2) without results, since a cut run has none.
    #[arg(long, value_name = "DURATION", value_parser = parse_wall)]
    max_wall: Option<std::time::Duration>,
}

pub(super) fn parse_wall(s: &str) -> Result<std::time::Duration, String> {
    let t = sim::time::parse_duration(s)?;
    if t == sim::Time::ZERO {
        return Err("must be > 0".into());
    }
    Ok(std::time::Duration::from_nanos(t.0))
}

impl Limits {
    /// Applies `--max-events` to the spec (the smaller budget wins).
    pub(super) fn apply(&self, spec: &mut Spec) {
        if let Some(n) = self.max_events {
            spec.max_events = Some(spec.max_events.map_or(n, |m| m.min(n)));
        }
    }

    /// The interrupt check shared by a sweep's runs for `--max-wall`, counted from `start`.
    pub(super) fn stop(
        &self,
        start: Instant,
    ) -> Option<std::sync::Arc<dyn Fn() -> bool + Send + Sync>> {
        let end = start + self.max_wall?;
        Some(std::sync::Arc::new(move || Instant::now() >= end))
    }

    /// The interrupt check for `--max-wall`, counted from `start`.
    pub(super) fn deadline(&self, start: Instant) -> Option<Box<dyn FnMut() -> bool>> {
        let d = self.max_wall?;
        let end = start + d;
        Some(Box::new(move || Instant::now() >= end))
    }
}
