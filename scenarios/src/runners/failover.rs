//! Runner for `failover` (not landed yet).

use super::common::{RunOutput, RunRequest};

/// Runs one seed.
pub fn run(_req: RunRequest<'_>) -> Result<RunOutput, String> {
    Err("protocol `failover` has not landed yet".into())
}
