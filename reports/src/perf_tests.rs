//! Streaming performance: generated events go through the timeline, Chrome and ShiViz
//! writers into `io::sink()` without ever being collected.

use std::io::sink;

use crate::testdata::generated;
use crate::timeline::TimelineFilter;

fn stream_all(n: u64) {
    let nodes: Vec<String> = (0..5).map(|i| format!("n{i}")).collect();
    let f = TimelineFilter::default();
    assert_eq!(
        crate::write_timeline(sink(), &nodes, generated(n, 5), &f).unwrap(),
        n
    );
    assert_eq!(
        crate::write_chrome(sink(), &nodes, generated(n, 5), None).unwrap(),
        n
    );
    // Logged by ShiViz: send, deliver, timer_fire, note = every event.
    assert_eq!(
        crate::write_shiviz(sink(), &nodes, generated(n, 5)).unwrap(),
        n
    );
}

#[test]
fn streams_1e5_events() {
    stream_all(100_000);
}

/// Manual measurement: `cargo test --release -p reports -- --ignored streams_1e6`.
#[test]
#[ignore]
fn streams_1e6_events() {
    stream_all(1_000_000);
}
