//! Tests of the whole diagram (the parts have their own).

use super::*;
use crate::testdata::{generated, names, sample_trace};
use sim::trace::EventKind;

#[test]
fn spacetime_snapshot() {
    let svg = spacetime_svg(&names(), sample_trace(), &SpacetimeOptions::default());
    insta::assert_snapshot!(svg);
}

#[test]
fn svg_is_well_formed_enough() {
    let svg = spacetime_svg(&names(), sample_trace(), &SpacetimeOptions::default());
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    // The note's text is escaped.
    assert!(svg.contains("decided &lt;commit&gt; &amp; &quot;done&quot;"));
    assert!(!svg.contains("<commit>"));
    // One lane per node, drops end in crosses, the violation is labelled.
    for n in ["n0", "n1", "n2"] {
        assert!(svg.contains(&format!(">{n}</text>")));
    }
    assert!(svg.contains("violation: agreement"));
    assert!(svg.contains("stroke-dasharray=\"5,3\""));
    assert!(svg.contains("url(#st-arr-dup)"));
    assert!(svg.contains("still in flight"));
    // Deterministic.
    assert_eq!(
        svg,
        spacetime_svg(&names(), sample_trace(), &SpacetimeOptions::default())
    );
}

#[test]
fn window_and_truncation() {
    let ms = 1_000_000;
    let opts = SpacetimeOptions {
        from: Some(2 * ms),
        to: Some(4 * ms),
        ..Default::default()
    };
    let svg = spacetime_svg(&names(), sample_trace(), &opts);
    assert!(
        !svg.contains("#0 start"),
        "events before the window are not drawn"
    );
    assert!(
        !svg.contains("agreement"),
        "events after the window are not drawn"
    );
    assert!(svg.contains("vote#3"));
    // prepare#1 was sent before the window and delivered in it: an arrow from the top.
    assert!(svg.contains("sent before the window"));

    let opts = SpacetimeOptions {
        max_events: 100,
        ..Default::default()
    };
    let svg = spacetime_svg(&names(), generated(1_000, 3), &opts);
    assert!(
        svg.contains("truncated: 900 more events"),
        "{}",
        &svg[svg.len() - 2000..]
    );
}

#[test]
fn degenerate_inputs() {
    let svg = spacetime_svg(&[], Vec::new(), &SpacetimeOptions::default());
    assert!(svg.contains("no events in the window"));
    // Unknown node indices and missing fields do not panic.
    let odd = vec![
        TraceLine {
            from: Some(7),
            to: Some(9),
            msg: Some(1),
            ..TraceLine::new(0, 0, EventKind::Deliver)
        },
        TraceLine {
            node: Some(42),
            ..TraceLine::new(0, 0, EventKind::Crash)
        },
        TraceLine::new(0, 0, EventKind::Send),
    ];
    let svg = spacetime_svg(
        &names(),
        odd,
        &SpacetimeOptions {
            width: 10,
            ..Default::default()
        },
    );
    assert!(svg.ends_with("</svg>\n"));
}
