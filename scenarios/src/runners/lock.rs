//! Runner for `lock` (not landed yet).

use super::common::{RunOutput, RunRequest};

/// Runs one seed.
pub fn run(_req: RunRequest<'_>) -> Result<RunOutput, String> {
    Err("protocol `lock` has not landed yet".into())
}
