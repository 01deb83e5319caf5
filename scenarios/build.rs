//! Embeds every `catalog/<family>/<name>.toml` into the binary as `CATALOG`, sorted by name.
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut entries = Vec::new();
    if let Ok(families) = std::fs::read_dir(&root) {
        for fam in families.flatten() {
            if !fam.path().is_dir() {
                continue;
            }
            println!("cargo:rerun-if-changed={}", fam.path().display());
            for f in std::fs::read_dir(fam.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let p = f.path();
                if p.extension().and_then(|e| e.to_str()) == Some("toml") {
                    let name = format!(
                        "{}/{}",
                        fam.file_name().to_string_lossy(),
                        p.file_stem().unwrap().to_string_lossy()
                    );
                    entries.push((name, p));
                }
            }
        }
    }
    entries.sort();
    let mut out = String::from(
        "/// Built-in scenarios: (`family/name`, TOML text), sorted by name.\npub static CATALOG: &[(&str, &str)] = &[\n",
    );
    for (name, p) in entries {
        println!("cargo:rerun-if-changed={}", p.display());
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            p.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("catalog_gen.rs");
    std::fs::write(dest, out).unwrap();
}
