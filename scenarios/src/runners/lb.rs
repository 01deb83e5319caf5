//! Runner for load balancing (not landed yet).

use super::common::{RunOutput, RunRequest};

/// Runs one seed of the supermarket model.
pub fn run(_req: RunRequest<'_>) -> Result<RunOutput, String> {
    Err("protocol `lb` has not landed yet".into())
}

/// Runs one seed of balls into bins.
pub fn run_bins(_req: RunRequest<'_>) -> Result<RunOutput, String> {
    Err("protocol `bins` has not landed yet".into())
}
