//! The built-in catalog: every scenario the built-in protocols ship (each protocol lists its
//! own files, `protocols/src/<name>/catalog/*.toml`). A binary with other protocols reads its
//! catalog from its [`Registry`].

use crate::registry::Registry;

/// The TOML text of built-in catalog scenario `name`.
pub fn get(name: &str) -> Option<&'static str> {
    Registry::builtin().scenario(name)
}

/// Built-in catalog names in `family` (every name when `family` is empty), sorted.
pub fn family(family: &str) -> Vec<&'static str> {
    Registry::builtin().family(family)
}
