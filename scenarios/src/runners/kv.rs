//! Runner for `kv` (not landed yet).

use super::common::{RunOutput, RunRequest};

/// Runs one seed.
pub fn run(_req: RunRequest<'_>) -> Result<RunOutput, String> {
    Err("protocol `kv` has not landed yet".into())
}
