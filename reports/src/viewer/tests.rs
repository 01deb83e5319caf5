use sim::trace::{EventKind, TraceLine};

use super::*;
use crate::testdata::{generated, names, sample_trace};

const DATA_OPEN: &str = "<script type=\"application/json\" id=\"trace-data\">";

fn meta(total: u64) -> ViewerMeta {
    ViewerMeta {
        scenario: "2pc <lossy>".into(),
        seed: u64::MAX,
        outcome: "safety_violation".into(),
        nodes: names(),
        total_events: total,
        cut: None,
        from_ns: None,
        to_ns: None,
        violations: vec![ViewerViolation {
            property: "agreement".into(),
            time_ns: 6_500_000,
            event_index: 27,
            detail: "n0 decided commit & n1 decided abort".into(),
        }],
        reproduce: "simlab run 2pc --seed 42".into(),
    }
}

/// The embedded payload, parsed back.
fn payload(html: &str) -> serde_json::Value {
    let start = html.find(DATA_OPEN).expect("data element") + DATA_OPEN.len();
    let len = html[start..]
        .find("</script>")
        .expect("data element closed");
    serde_json::from_str(&html[start..start + len]).expect("the payload is JSON")
}

/// A trace whose texts try to break out of the script element and carry links.
fn hostile() -> Vec<TraceLine> {
    let mut v = sample_trace();
    let mut note = TraceLine::new(v.len() as u64, 7_000_000, EventKind::Note);
    note.node = Some(1);
    note.text = Some("</script><script>alert(1)</script> see https://example.org/x".into());
    v.push(note);
    let mut obs = TraceLine::new(v.len() as u64, 7_000_001, EventKind::Observe);
    obs.node = Some(2);
    obs.detail = Some("<!-- http://example.org -->".into());
    v.push(obs);
    v
}

#[test]
fn payload_holds_every_event_and_the_meta() {
    let events = hostile();
    let html = viewer_html(&meta(500), events.clone());
    let p = payload(&html);
    let back: Vec<TraceLine> =
        serde_json::from_value(p["events"].clone()).expect("events are trace lines");
    assert_eq!(back, events, "every event, every field, in order");
    assert_eq!(p["meta"]["total_events"], 500);
    assert_eq!(p["meta"]["nodes"], serde_json::json!(["n0", "n1", "n2"]));
    // JavaScript numbers cannot hold every u64: the seed travels as a string.
    assert_eq!(p["meta"]["seed"], u64::MAX.to_string());
    assert_eq!(p["meta"]["violations"][0]["event_index"], 27);
    assert_eq!(p["meta"]["cut"], serde_json::Value::Null);
}

#[test]
fn page_is_self_contained() {
    let html = viewer_html(&meta(30), hostile());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    for external in ["<link", " src=", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
    // Two scripts (data, code), each closed once: no trace text closes them early.
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("</script>").count(), 2);
    assert!(!html.contains("<!--"));
    assert!(html.contains("<title>simlab viewer: 2pc &lt;lossy&gt; (seed"));
}

#[test]
fn legend_knows_every_event_kind() {
    let draw = include_str!("draw.js");
    for k in EventKind::ALL {
        assert!(
            draw.contains(&format!("\n  {}: [", k.name())),
            "draw.js SYMBOLS lacks `{}`",
            k.name()
        );
    }
}

#[test]
fn page_is_deterministic_and_holds_1e5_events() {
    let m = ViewerMeta {
        cut: Some("cut: the first 100000 events".into()),
        ..meta(250_000)
    };
    let a = viewer_html(&m, generated(100_000, 5));
    assert_eq!(a, viewer_html(&m, generated(100_000, 5)));
    let p = payload(&a);
    let events = p["events"].as_array().expect("events");
    assert_eq!(events.len(), 100_000);
    assert_eq!(events[99_999]["i"], 99_999);
    assert_eq!(p["meta"]["cut"], "cut: the first 100000 events");
}
