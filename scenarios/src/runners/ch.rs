//! Runner for consistent-hashing analyses (not landed yet).

use serde::{Deserialize, Serialize};

use super::common::{RunOutput, RunRequest};

/// Parameters (`[ch]` in scenario files).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChTable {}

impl ChTable {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), String> {
        Err("protocol `ch` has not landed yet".into())
    }
}

/// Runs one seed.
pub fn run(_req: RunRequest<'_>) -> Result<RunOutput, String> {
    Err("protocol `ch` has not landed yet".into())
}
