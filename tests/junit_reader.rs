//! A JUnit XML reader, as CI servers read the files `simlab test --junit` and
//! `compare --baseline --junit` write: it parses the document with a real XML parser and checks
//! the structure GitHub, GitLab and Jenkins rely on (a `testsuites` root holding `testsuite`s
//! holding `testcase`s, each with a name and a class name; the `tests` and `failures` counts
//! on every suite and on the root equal what the file holds).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// One test case as a CI server shows it.
#[derive(Debug)]
pub struct Case {
    /// The case's name.
    pub name: String,
    /// The failure message, if it failed.
    pub failure: Option<String>,
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .map(|a| a.expect("well-formed attribute"))
        .find(|a| a.key.as_ref() == key.as_bytes())
        .map(|a| a.unescape_value().expect("escaped value").into_owned())
}

fn count(e: &BytesStart<'_>, key: &str) -> usize {
    attr(e, key)
        .unwrap_or_else(|| {
            panic!(
                "<{}> has no `{key}`",
                String::from_utf8_lossy(e.name().as_ref())
            )
        })
        .parse()
        .expect("a count")
}

/// Parses `xml` and checks its structure and counts (panicking with what is wrong); returns
/// every test case in document order.
pub fn read(xml: &str) -> Vec<Case> {
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(true);
    let mut cases: Vec<Case> = Vec::new();
    let mut root: Option<(usize, usize)> = None;
    let mut suite: Option<(usize, usize, usize)> = None; // declared tests, failures, first case
    let mut suites_checked = 0;
    let mut in_case = false;
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"testsuites" => {
                root = Some((count(&e, "tests"), count(&e, "failures")));
            }
            Event::Start(e) if e.name().as_ref() == b"testsuite" => {
                assert!(root.is_some(), "a testsuite outside testsuites");
                assert!(attr(&e, "name").is_some(), "a testsuite without a name");
                suite = Some((count(&e, "tests"), count(&e, "failures"), cases.len()));
            }
            Event::End(e) if e.name().as_ref() == b"testsuite" => {
                let (tests, failures, first) = suite.take().expect("open testsuite");
                let mine = &cases[first..];
                assert_eq!(
                    mine.len(),
                    tests,
                    "testsuite tests= disagrees with its cases"
                );
                let failed = mine.iter().filter(|c| c.failure.is_some()).count();
                assert_eq!(
                    failed, failures,
                    "testsuite failures= disagrees with its cases"
                );
                suites_checked += 1;
            }
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                let (e, empty) = match ev {
                    Event::Start(e) => (e, false),
                    Event::Empty(e) => (e, true),
                    _ => unreachable!(),
                };
                match e.name().as_ref() {
                    b"testcase" => {
                        assert!(suite.is_some(), "a testcase outside a testsuite");
                        assert!(
                            attr(&e, "classname").is_some(),
                            "a testcase without classname"
                        );
                        cases.push(Case {
                            name: attr(&e, "name").expect("a testcase without a name"),
                            failure: None,
                        });
                        in_case = !empty;
                    }
                    b"failure" => {
                        assert!(in_case, "a failure outside a testcase");
                        let c = cases.last_mut().expect("a case");
                        c.failure = Some(attr(&e, "message").unwrap_or_default());
                    }
                    _ => {}
                }
            }
            Event::End(e) if e.name().as_ref() == b"testcase" => in_case = false,
            Event::Eof => break,
            _ => {}
        }
    }
    let (tests, failures) = root.expect("a testsuites root");
    assert!(suites_checked > 0, "no testsuite");
    assert_eq!(
        cases.len(),
        tests,
        "testsuites tests= disagrees with the cases"
    );
    let failed = cases.iter().filter(|c| c.failure.is_some()).count();
    assert_eq!(
        failed, failures,
        "testsuites failures= disagrees with the cases"
    );
    cases
}

/// The reader itself: it accepts a well-formed file and rejects counts that lie.
#[test]
fn reader_checks_counts() {
    let ok = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="simlab" tests="2" failures="1" errors="0">
  <testsuite name="gate" tests="2" disabled="0" errors="0" failures="1">
    <testcase name="a" classname="gate"/>
    <testcase name="b" classname="gate"><failure message="worse">detail</failure></testcase>
  </testsuite>
</testsuites>"#;
    let cases = read(ok);
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[1].failure.as_deref(), Some("worse"));
    let lying = ok.replace(
        r#"tests="2" failures="1" errors="0">"#,
        r#"tests="3" failures="1" errors="0">"#,
    );
    assert!(std::panic::catch_unwind(|| read(&lying)).is_err());
}
