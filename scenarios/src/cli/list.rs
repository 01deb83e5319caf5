//! `simlab list`: the catalog as a table, all of it or one family's.

use std::io::Write;

use super::EXIT_OK;
use super::output::{Res, usage, w};
use crate::load;
use crate::registry::Registry;

/// Runs `simlab list`.
pub(super) fn cmd_list(reg: &Registry, family: Option<&str>, out: &mut dyn Write) -> Res<i32> {
    let mut rows: Vec<(String, String, String, String)> = Vec::new();
    for e in reg.catalog() {
        let name = e.name;
        match load::parse_in(reg, e.toml, name, &[]) {
            Ok(s) => rows.push((
                name.to_string(),
                s.protocol.name().to_string(),
                s.expect.as_str().to_string(),
                s.description,
            )),
            Err(e) => rows.push((
                name.to_string(),
                "?".into(),
                "?".into(),
                format!("(does not load: {e})"),
            )),
        }
    }
    if let Some(f) = family {
        let fam = |n: &str| n.split_once('/').map_or(n, |(a, _)| a).to_string();
        let known: std::collections::BTreeSet<String> = rows
            .iter()
            .flat_map(|r| [fam(&r.0), r.1.clone()])
            .filter(|x| x != "?")
            .collect();
        if !known.contains(f) {
            return Err(usage(format!(
                "list `{f}`: no such family or protocol; choose one of: {}",
                known.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
        rows.retain(|r| fam(&r.0) == f || r.1 == f);
    }
    let wn = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(8);
    let mut s = format!(
        "{:<wn$}  {:<9}  {:<16}  {}\n",
        "SCENARIO", "PROTOCOL", "EXPECT", "DESCRIPTION"
    );
    for (n, p, e, d) in rows {
        s.push_str(&format!("{n:<wn$}  {p:<9}  {e:<16}  {d}\n"));
    }
    w(out, &s)?;
    Ok(EXIT_OK)
}
