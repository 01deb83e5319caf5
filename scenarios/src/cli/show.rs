//! `simlab show`: a scenario's fully resolved spec as TOML.

use std::io::Write;

use super::args::load_spec;
use super::output::{Failure, Res, w};
use super::{EXIT_INTERNAL, EXIT_OK};
use crate::registry::Registry;

/// Runs `simlab show`.
pub(super) fn cmd_show(
    reg: &Registry,
    scenario: &str,
    sets: &[String],
    out: &mut dyn Write,
) -> Res<i32> {
    let spec = load_spec(reg, scenario, sets)?;
    let text = toml::to_string_pretty(&spec).map_err(|e| Failure {
        code: EXIT_INTERNAL,
        message: format!("spec to TOML: {e}"),
    })?;
    w(
        out,
        &format!(
            "# simlab {} — resolved spec of {}\n{text}",
            env!("CARGO_PKG_VERSION"),
            spec.name
        ),
    )?;
    Ok(EXIT_OK)
}
