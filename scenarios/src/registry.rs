//! The protocol registry: which protocols a `simlab` binary knows, and through them its
//! catalog. [`BUILTINS`] lists simlab's own; a user's crate builds a [`Registry`] with its
//! protocols (beside or instead of the built-ins) and hands it to [`crate::cli::run_cli_with`].

use protocols::plugin::{DynProtocol, Scenario};

/// simlab's built-in protocols. Adding one is its folder under `protocols/src/` and one line
/// here.
pub static BUILTINS: &[&dyn DynProtocol] = &[
    &protocols::gossip::Gossip,
    &protocols::twopc::TwoPc,
    &protocols::paxos::Paxos,
    &protocols::lb::Lb,
    &protocols::lb::Bins,
    &protocols::ch::Ch,
    &protocols::kv::Kv,
    &protocols::lock::Lock,
    &protocols::fd::Fd,
    &protocols::failover::Failover,
    &protocols::raft::Raft,
    &protocols::multipaxos::MultiPaxos,
];

/// A catalog scenario with the protocol that ships it.
#[derive(Clone, Copy)]
pub struct Entry {
    /// `family/name`.
    pub name: &'static str,
    /// The scenario's TOML text.
    pub toml: &'static str,
    /// The protocol whose catalog holds it.
    pub protocol: &'static dyn DynProtocol,
}

/// A set of protocols with distinct names, and their catalogs with distinct scenario names.
#[derive(Clone)]
pub struct Registry {
    protocols: Vec<&'static dyn DynProtocol>,
    catalog: Vec<Entry>,
    program: String,
}

impl Registry {
    /// The built-in protocols.
    pub fn builtin() -> Registry {
        Registry::new(BUILTINS).expect("the built-in protocols have distinct names")
    }

    /// A registry of `protocols`. Two protocols with one name, or two catalog scenarios with
    /// one name, are an error naming both.
    pub fn new(protocols: &[&'static dyn DynProtocol]) -> Result<Registry, String> {
        let mut r = Registry {
            protocols: Vec::new(),
            catalog: Vec::new(),
            program: "simlab".to_string(),
        };
        for p in protocols {
            r.add(*p)?;
        }
        Ok(r)
    }

    /// Adds a protocol and its catalog.
    pub fn add(&mut self, p: &'static dyn DynProtocol) -> Result<(), String> {
        if self.get(p.name()).is_some() {
            return Err(format!("two protocols are named `{}`", p.name()));
        }
        let name = p.name();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || protocols::plugin::spec::COMMON_FIELDS.contains(&name)
        {
            return Err(format!(
                "protocol name `{name}` must be lowercase letters, digits and `_`, and not a \
                 shared spec field"
            ));
        }
        for &Scenario { name: s, toml } in p.catalog() {
            if let Some(e) = self.catalog.iter().find(|e| e.name == s) {
                return Err(format!(
                    "catalog scenario `{s}` is shipped by both `{}` and `{}`",
                    e.protocol.name(),
                    p.name()
                ));
            }
            self.catalog.push(Entry {
                name: s,
                toml,
                protocol: p,
            });
        }
        self.catalog.sort_by_key(|e| e.name);
        self.protocols.push(p);
        Ok(())
    }

    /// The command that runs this registry's CLI, for "reproduce with: ..." lines
    /// (`simlab` unless [`Registry::set_program`] said otherwise).
    pub fn program(&self) -> &str {
        &self.program
    }

    /// Names the command (a user's binary prints its own name in reproduce lines).
    pub fn set_program(&mut self, name: &str) {
        self.program = name.to_string();
    }

    /// The protocol named `name`.
    pub fn get(&self, name: &str) -> Option<&'static dyn DynProtocol> {
        self.protocols.iter().copied().find(|p| p.name() == name)
    }

    /// Every protocol, in registration order.
    pub fn protocols(&self) -> &[&'static dyn DynProtocol] {
        &self.protocols
    }

    /// Protocol names, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.protocols.iter().map(|p| p.name()).collect()
    }

    /// Every catalog scenario, sorted by name.
    pub fn catalog(&self) -> &[Entry] {
        &self.catalog
    }

    /// The TOML text of catalog scenario `name`.
    pub fn scenario(&self, name: &str) -> Option<&'static str> {
        self.catalog.iter().find(|e| e.name == name).map(|e| e.toml)
    }

    /// Catalog names in `family` (every name when `family` is empty).
    pub fn family(&self, family: &str) -> Vec<&'static str> {
        self.catalog
            .iter()
            .map(|e| e.name)
            .filter(|n| family.is_empty() || n.split('/').next() == Some(family))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_have_distinct_names_and_a_catalog_each() {
        let r = Registry::builtin();
        assert_eq!(r.names().len(), BUILTINS.len());
        for p in r.protocols() {
            assert!(!p.catalog().is_empty(), "{} ships no scenario", p.name());
        }
        let e = Registry::new(&[&protocols::gossip::Gossip, &protocols::gossip::Gossip])
            .err()
            .unwrap();
        assert!(e.contains("two protocols are named `gossip`"), "{e}");
    }

    /// Every scenario file in a protocol's `catalog/` folder is in that protocol's catalog
    /// list (a file missing from the list would silently drop out of `list` and `test`).
    #[test]
    fn every_catalog_file_is_listed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocols/src");
        let r = Registry::builtin();
        let mut files = 0;
        for dir in std::fs::read_dir(&root).unwrap().flatten() {
            let cat = dir.path().join("catalog");
            let Ok(entries) = std::fs::read_dir(&cat) else {
                continue;
            };
            for f in entries.flatten() {
                let text = std::fs::read_to_string(f.path()).unwrap();
                files += 1;
                assert!(
                    r.catalog().iter().any(|e| e.toml == text),
                    "{} is not in its protocol's catalog list",
                    f.path().display()
                );
            }
        }
        assert_eq!(
            files,
            r.catalog().len(),
            "a listed scenario has no file of its own"
        );
    }
}
