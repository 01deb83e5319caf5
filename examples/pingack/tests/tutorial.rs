//! `docs/your-own-protocol.md` shows this crate's code in pieces; its `src/lib.rs` and
//! `src/main.rs` blocks, joined, must be the files themselves, so the tutorial never drifts
//! from code that compiles and passes these tests.

fn blocks_for(doc: &str, file: &str) -> String {
    let marker = format!("<!-- {file} -->");
    let mut out = Vec::new();
    let mut lines = doc.lines();
    while let Some(l) = lines.next() {
        if l.trim() == marker {
            let fence = lines.next().expect("a code block after the marker");
            assert!(
                fence.starts_with("```"),
                "{file}: marker not followed by a code block"
            );
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            out.push(body.join("\n"));
        }
    }
    assert!(!out.is_empty(), "no block for {file}");
    out.join("\n\n") + "\n"
}

#[test]
fn the_tutorial_shows_the_crate_as_it_is() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/../../docs/your-own-protocol.md")).unwrap();
    for file in ["src/lib.rs", "src/main.rs"] {
        let real = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
        assert_eq!(
            blocks_for(&doc, file),
            real,
            "docs/your-own-protocol.md's {file} blocks differ from examples/pingack/{file}"
        );
    }
}
