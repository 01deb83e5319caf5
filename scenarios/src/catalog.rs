//! The built-in catalog: scenario files under `scenarios/catalog/<family>/<name>.toml`,
//! embedded at build time. A scenario's name is its path without the extension.

include!(concat!(env!("OUT_DIR"), "/catalog_gen.rs"));

/// The TOML text of catalog scenario `name`.
pub fn get(name: &str) -> Option<&'static str> {
    CATALOG.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Catalog names in `family` (or every name when `family` is empty).
pub fn family(family: &str) -> Vec<&'static str> {
    CATALOG
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| family.is_empty() || n.split('/').next() == Some(family))
        .collect()
}
