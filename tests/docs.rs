//! The documentation is tested like code: every relative link in README, ARCHITECTURE and
//! docs/ leads to a file (and heading) that exists, and every `simlab` command in their `sh`
//! code blocks parses with the real command-line parser and names catalog scenarios that
//! exist. A renamed flag, subcommand, scenario or heading fails here instead of on a reader.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pages() -> Vec<PathBuf> {
    let mut v = vec![root().join("README.md"), root().join("ARCHITECTURE.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    v.extend(docs);
    v
}

/// GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces
/// to `-`.
fn anchor(heading: &str) -> String {
    heading
        .trim_start_matches('#')
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Headings outside code blocks.
fn anchors(text: &str) -> Vec<String> {
    let mut fence = false;
    let mut out = Vec::new();
    for l in text.lines() {
        if l.starts_with("```") {
            fence = !fence;
        } else if !fence && l.starts_with('#') {
            out.push(anchor(l));
        }
    }
    out
}

/// `](target)` links, not external ones.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let Some(j) = rest.find(')') else { break };
        let t = &rest[..j];
        if !t.starts_with("http://") && !t.starts_with("https://") && !t.contains(' ') {
            out.push(t.to_string());
        }
    }
    out
}

#[test]
fn links_lead_somewhere() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let dir = page.parent().unwrap();
        for l in links(&text) {
            let (file, frag) = match l.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (l.as_str(), None),
            };
            let target: PathBuf = if file.is_empty() {
                page.clone()
            } else {
                dir.join(file)
            };
            if !target.exists() {
                broken.push(format!("{}: {l}: no such file", page.display()));
                continue;
            }
            if let Some(a) = frag
                && target.extension().is_some_and(|e| e == "md")
                && !anchors(&std::fs::read_to_string(&target).unwrap()).contains(&a.to_string())
            {
                broken.push(format!("{}: {l}: no such heading", page.display()));
            }
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
}

/// Splits a shell line into words (single and double quotes; no expansion).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `simlab ...` command lines of `sh` blocks (continuations joined, comments and
/// redirections cut), with where they come from.
fn commands(page: &Path) -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(page).unwrap();
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for (n, l) in text.lines().enumerate() {
        if l.starts_with("```") {
            in_sh = !in_sh && l.trim() == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        if let Some(head) = l.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        let line = std::mem::take(&mut pending) + l;
        // A comment starts at a `#` after whitespace (none of the commands quote one).
        let line = match line.find(" #") {
            Some(i) => &line[..i],
            None => line.as_str(),
        };
        let mut w = words(line.trim());
        let start = match w.first().map(String::as_str) {
            Some("simlab") | Some("target/release/simlab") => 0,
            Some("cargo")
                if w.iter().any(|x| x == "--") && w.get(1).is_some_and(|x| x == "run") =>
            {
                w.iter().position(|x| x == "--").unwrap()
            }
            _ => continue,
        };
        let mut args: Vec<String> = vec!["simlab".into()];
        args.extend(
            w.drain(start + 1..)
                .take_while(|a| !a.starts_with('>') && a != "|"),
        );
        // Shell variables and templates (GNU parallel's {}) are filled in by the shell.
        if args.iter().any(|a| a.contains('$') || a.contains("{}")) {
            continue;
        }
        out.push((format!("{}:{}", page.display(), n + 1), args));
    }
    out
}

#[test]
fn documented_commands_parse_and_name_real_scenarios() {
    let reg = scenarios::registry::Registry::builtin();
    let mut bad = Vec::new();
    let mut count = 0;
    for page in pages() {
        for (at, args) in commands(&page) {
            count += 1;
            if let Err(e) = scenarios::cli::parses(&args) {
                bad.push(format!("{at}: {}: {e}", args.join(" ")));
                continue;
            }
            let takes_scenario = [
                "run",
                "show",
                "sweep",
                "compare",
                "check-determinism",
                "bench",
            ];
            if let (Some(cmd), Some(name)) = (args.get(1), args.get(2))
                && takes_scenario.contains(&cmd.as_str())
                && name.contains('/')
                && !name.ends_with(".toml")
                && !name.ends_with(".json")
                && reg.scenario(name).is_none()
            {
                bad.push(format!("{at}: `{name}` is not a catalog scenario"));
            }
        }
    }
    assert!(
        count > 50,
        "only {count} commands found: the extraction broke"
    );
    assert!(bad.is_empty(), "{bad:#?}");
}
