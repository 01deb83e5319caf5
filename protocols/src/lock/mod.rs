//! Placeholder: this protocol has not landed yet.

use serde::{Deserialize, Serialize};

/// Parameters (`[lock]` in scenario files).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {}

impl Params {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), String> {
        Err("protocol `lock` has not landed yet".into())
    }
}
