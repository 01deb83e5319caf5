//! Placeholder: this protocol has not landed yet.

use serde::{Deserialize, Serialize};

/// Parameters (`[lb]` in scenario files).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {}

impl Params {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), String> {
        Err("protocol `lb` has not landed yet".into())
    }
}

/// Parameters (`[bins]` in scenario files).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BinsParams {}

impl BinsParams {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), String> {
        Err("protocol `bins` has not landed yet".into())
    }
}
