//! `simlab hash`: which server owns each key under a consistent-hashing algorithm.

use std::io::Write;

use super::EXIT_OK;
use super::output::{Format, Res, usage, w};

/// Runs `simlab hash`: each key and its server.
pub(super) fn cmd_hash(
    algo: &str,
    servers: u32,
    vnodes: u32,
    format: Format,
    keys: &[String],
    out: &mut dyn Write,
) -> Res<i32> {
    if servers == 0 {
        return Err(usage("--servers must be >= 1"));
    }
    let owners = hash_lookup(algo, servers, vnodes, keys).map_err(usage)?;
    match format {
        Format::Json => {
            let v: Vec<serde_json::Value> = owners
                .iter()
                .map(|(k, o)| serde_json::json!({"key": k, "server": o}))
                .collect();
            w(
                out,
                &(serde_json::to_string_pretty(&v).expect("serialisable") + "\n"),
            )?;
        }
        _ => {
            for (k, o) in owners {
                w(out, &format!("{k}\t{o}\n"))?;
            }
        }
    }
    Ok(EXIT_OK)
}

/// Owner of each key under `algo` with `servers` servers (see `protocols::ch::lookup`).
fn hash_lookup(
    algo: &str,
    servers: u32,
    vnodes: u32,
    keys: &[String],
) -> Result<Vec<(String, u32)>, String> {
    if vnodes == 0 {
        return Err("--vnodes must be >= 1".into());
    }
    protocols::ch::lookup(algo, servers, vnodes, keys)
}
