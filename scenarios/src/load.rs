//! Loading scenarios: catalog name or file text -> resolved [`Spec`], with `--set` overrides.
//! Errors name the source, the field path, line and column where known, the bad value and
//! what is allowed.

use protocols::plugin::DynProtocol;

use crate::registry::Registry;
use crate::spec::Spec;

/// One `--set path=value` override.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// Dotted path, e.g. `network.loss` or `faults.0.at`.
    pub path: String,
    /// The raw value text (a TOML literal, or a bare string).
    pub value: String,
}

impl Override {
    /// Parses `path=value`.
    pub fn parse(s: &str) -> Result<Override, String> {
        let (p, v) = s.split_once('=').ok_or_else(|| {
            format!("--set `{s}`: expected path=value, e.g. --set network.loss=0.1")
        })?;
        let p = p.trim();
        if p.is_empty() || p.split('.').any(str::is_empty) {
            return Err(format!(
                "--set `{s}`: the path must be dotted field names, e.g. lb.servers"
            ));
        }
        Ok(Override {
            path: p.to_string(),
            value: v.trim().to_string(),
        })
    }
}

/// Where a scenario came from, for messages.
fn is_json(source: &str, text: &str) -> bool {
    source.ends_with(".json") || text.trim_start().starts_with('{')
}

/// Parses `text` with the built-in protocols; see [`parse_in`].
pub fn parse(text: &str, source: &str, sets: &[Override]) -> Result<Spec, String> {
    parse_in(&Registry::builtin(), text, source, sets)
}

/// Parses `text` (TOML, or JSON when `source` ends in `.json` or the text starts with `{`)
/// for one of `reg`'s protocols, applies overrides, fills defaults and checks ranges.
pub fn parse_in(
    reg: &Registry,
    text: &str,
    source: &str,
    sets: &[Override],
) -> Result<Spec, String> {
    let json = is_json(source, text);
    let name = protocol_name(text, json).map_err(|e| {
        if e.ends_with("missing field `protocol`") {
            format!(
                "{source}: {e}: say which protocol the scenario runs, one of {}",
                known(reg)
            )
        } else {
            format!("{source}: {e}")
        }
    })?;
    let proto =
        lookup(reg, &name.0).map_err(|e| format!("{source}: field `protocol`{}: {e}", name.1))?;
    let others = others(reg, proto.name());
    let mut spec = if json {
        proto.parse_json(text, &others)
    } else {
        proto.parse_toml(text, &others)
    }
    .map_err(|e| format!("{source}: {e}"))?;
    if !sets.is_empty() {
        spec = apply_overrides_in(reg, &spec, sets)?;
    }
    spec.validate().map_err(|e| format!("{source}: {e}"))?;
    Ok(spec)
}

/// The value of the top-level `protocol` key, and where it is (` at line L, column C`, TOML
/// only) for messages.
fn protocol_name(text: &str, json: bool) -> Result<(String, String), String> {
    #[derive(serde::Deserialize)]
    struct Head<T> {
        protocol: Option<T>,
    }
    let missing = || "missing field `protocol`".to_string();
    if json {
        let h: Head<String> = serde_json::from_str(text).map_err(|e| {
            if e.is_data() {
                format!("field `protocol`: {e}")
            } else {
                e.to_string()
            }
        })?;
        return h.protocol.map(|p| (p, String::new())).ok_or_else(missing);
    }
    let h: Head<toml::Spanned<String>> = toml::from_str(text).map_err(|e| e.to_string())?;
    let p = h.protocol.ok_or_else(missing)?;
    let at = p.span().start.min(text.len());
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    Ok((p.into_inner(), format!(" (line {line}, column {column})")))
}

/// The protocol named `name` in `reg`, or an error listing the ones it has.
fn lookup(reg: &Registry, name: &str) -> Result<&'static dyn DynProtocol, String> {
    reg.get(name).ok_or_else(|| {
        format!(
            "unknown protocol `{name}`; this simlab knows {}",
            known(reg)
        )
    })
}

/// `reg`'s protocol names, quoted, for messages.
fn known(reg: &Registry) -> String {
    reg.names()
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table names of `reg`'s protocols other than `this`.
fn others(reg: &Registry, this: &str) -> Vec<&'static str> {
    reg.names().into_iter().filter(|n| *n != this).collect()
}

/// Applies `--set` overrides with the built-in protocols; see [`apply_overrides_in`].
pub fn apply_overrides(spec: &Spec, sets: &[Override]) -> Result<Spec, String> {
    apply_overrides_in(&Registry::builtin(), spec, sets)
}

/// Applies `--set` overrides to a spec through its TOML value tree, so every field of every
/// table can be set and a bad path or type is reported like a bad file. `--set protocol=...`
/// switches the protocol (and so the table that applies).
pub fn apply_overrides_in(reg: &Registry, spec: &Spec, sets: &[Override]) -> Result<Spec, String> {
    let mut root =
        toml::Value::try_from(spec).map_err(|e| format!("internal: spec to TOML: {e}"))?;
    for o in sets {
        let v = literal(&o.value);
        set_path(&mut root, &o.path, v)
            .map_err(|e| format!("--set {}={}: {e}", o.path, o.value))?;
    }
    let all: Vec<String> = sets
        .iter()
        .map(|o| format!("{}={}", o.path, o.value))
        .collect();
    let name = match root.get("protocol") {
        Some(toml::Value::String(s)) => s.clone(),
        _ => {
            return Err(format!(
                "--set {}: field `protocol`: must be a protocol name",
                all.join(" ")
            ));
        }
    };
    let proto = lookup(reg, &name)
        .map_err(|e| format!("--set {}: field `protocol`: {e}", all.join(" ")))?;
    proto
        .parse_value(root, &others(reg, proto.name()))
        .map_err(|e| format!("--set {}: {e}", all.join(" ")))
}

/// A TOML literal (`0.1`, `true`, `[1, 2]`, `{ const = "1ms" }`, `"x"`), or the raw text as a
/// string when it is not one (`jsq`, `5s`).
fn literal(raw: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or(toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

fn set_path(root: &mut toml::Value, path: &str, v: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut cur = root;
    for (i, key) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let here = parts[..=i].join(".");
        match cur {
            toml::Value::Table(t) => {
                if last {
                    t.insert(key.to_string(), v);
                    return Ok(());
                }
                cur = t
                    .entry(key.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            }
            toml::Value::Array(a) => {
                let idx: usize = key.parse().map_err(|_| {
                    format!(
                        "`{}` is a list; index it with a number, e.g. {}.0",
                        parts[..i].join("."),
                        parts[..i].join(".")
                    )
                })?;
                let len = a.len();
                let slot = a.get_mut(idx).ok_or_else(|| {
                    format!("`{here}`: index {idx} is out of range (the list has {len} items)")
                })?;
                if last {
                    *slot = v;
                    return Ok(());
                }
                cur = slot;
            }
            _ => {
                return Err(format!(
                    "`{}` is a value, not a table; cannot set `{here}`",
                    parts[..i].join(".")
                ));
            }
        }
    }
    Ok(())
}

/// Loads a built-in catalog scenario or a file; see [`load_in`].
pub fn load(
    name_or_path: &str,
    sets: &[Override],
    read: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Spec, String> {
    load_in(&Registry::builtin(), name_or_path, sets, read)
}

/// Loads a catalog scenario of `reg` by name, or a file by path, returning the resolved spec.
/// The caller (the CLI) does the file reading through `read`.
pub fn load_in(
    reg: &Registry,
    name_or_path: &str,
    sets: &[Override],
    read: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Spec, String> {
    let (text, source, name) = match reg.scenario(name_or_path) {
        Some(t) => (
            t.to_string(),
            name_or_path.to_string(),
            name_or_path.to_string(),
        ),
        None => {
            let looks_like_file = name_or_path.ends_with(".toml")
                || name_or_path.ends_with(".json")
                || name_or_path.contains(std::path::MAIN_SEPARATOR) && !name_or_path.contains('/');
            match read(name_or_path) {
                Ok(t) => (t, name_or_path.to_string(), name_or_path.to_string()),
                Err(e) => {
                    let hint = if looks_like_file {
                        String::new()
                    } else {
                        "; `simlab list` shows the catalog".to_string()
                    };
                    return Err(format!(
                        "`{name_or_path}` is neither a catalog scenario nor a readable file ({e}){hint}"
                    ));
                }
            }
        }
    };
    let mut spec = parse_in(reg, &text, &source, sets)?;
    if spec.name.is_empty() {
        spec.name = name;
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOSSIP: &str = "protocol = \"gossip\"\nduration = \"1s\"\n[gossip]\nnodes = 3\n";

    #[test]
    fn overrides_reach_nested_fields_and_create_tables() {
        let s = parse(
            GOSSIP,
            "t.toml",
            &[
                Override::parse("network.loss=0.25").unwrap(),
                Override::parse("gossip.rumors=7").unwrap(),
            ],
        )
        .unwrap();
        assert_eq!(s.network.loss, 0.25);
        assert_eq!(
            s.params_of::<protocols::gossip::Params>().unwrap().rumors,
            7
        );
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse(
            "protocol = \"gossip\"\n[gossip]\nnodes = \"three\"\n",
            "t.toml",
            &[],
        )
        .unwrap_err();
        assert!(e.contains("gossip.nodes") && e.contains("line 3"), "{e}");
        let e = parse(
            GOSSIP,
            "t.toml",
            &[Override::parse("gossip.nodez=4").unwrap()],
        )
        .unwrap_err();
        assert!(e.contains("nodez") && e.contains("expected one of"), "{e}");
        let e = parse(
            GOSSIP,
            "t.toml",
            &[Override::parse("network.loss=1.5").unwrap()],
        )
        .unwrap_err();
        assert!(
            e.contains("loss must be in [0, 1)") && e.contains("1.5"),
            "{e}"
        );
        let e = parse("protocol = \"gossip\"\n[paxos]\n", "t.toml", &[]).unwrap_err();
        assert!(e.contains("[paxos] does not apply"), "{e}");
        assert!(Override::parse("novalue").is_err());
    }

    #[test]
    fn json_goes_through_the_same_structs() {
        let s = parse(
            "{\"protocol\": \"gossip\", \"gossip\": {\"nodes\": 4}}",
            "t.json",
            &[],
        )
        .unwrap();
        assert_eq!(s.params_of::<protocols::gossip::Params>().unwrap().nodes, 4);
        let e = parse(
            "{\"protocol\": \"gossip\", \"gossip\": {\"nodes\": -4}}",
            "t.json",
            &[],
        )
        .unwrap_err();
        assert!(e.contains("gossip.nodes"), "{e}");
    }
}
