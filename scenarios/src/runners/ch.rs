//! Runner for consistent-hashing analyses (`protocol = "ch"`): pure computations, one ring
//! (or table) per seed, metrics straight from `protocols::ch::run_analysis`.

use super::common::{RunOutput, RunRequest, analysis_output};

/// Runs one seed of the analysis named by `ch.analysis`.
pub fn run(req: RunRequest<'_>) -> Result<RunOutput, String> {
    let p = req.spec.ch.clone().expect("resolved spec has [ch]");
    p.validate_for(&p.analysis)?;
    let metrics = protocols::ch::run_analysis(&p.analysis, &p, req.seed)?;
    Ok(analysis_output(metrics, Vec::new()))
}
