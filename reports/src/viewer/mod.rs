//! The interactive trace viewer: one self-contained HTML page (no network, no CDN) holding
//! the run's events as JSON and the script that draws them.
//!
//! The page draws the space-time diagram on a `<canvas>` (one column per node, time
//! downwards) and redraws only the part on screen, so it stays responsive with the 10^5
//! events an export holds by default. It offers zoom and pan, a "now" line stepped event by
//! event with each node's state at that moment, filters by node, message kind and event,
//! text search, the full record of a clicked event or message with its causal past (vector
//! clocks computed in the page from send/deliver pairs, as ShiViz does), a jump to the
//! violation, and it says how many of the run's events it holds.
//!
//! * [`data`] — the embedded payload ([`ViewerMeta`] and the events) as script-safe JSON.
//! * `viewer.css`, `shell.html` and the scripts `model.js` (indexing, layout, vector
//!   clocks), `draw.js` (canvas drawing, hit tests), `panels.js` (header, legend, record and
//!   node panels) and `ui.js` (state, controls, input) are embedded with `include_str!`, so
//!   the page needs nothing but itself.

mod data;

use std::fmt::Write as _;

use sim::trace::TraceLine;

pub use data::{ViewerMeta, ViewerViolation};

use crate::fmt::push_xml_escaped;

const CSS: &str = include_str!("viewer.css");
const SHELL: &str = include_str!("shell.html");
const SCRIPTS: [&str; 4] = [
    include_str!("model.js"),
    include_str!("draw.js"),
    include_str!("panels.js"),
    include_str!("ui.js"),
];

/// The viewer page for `events` (the run's events in trace order, at most the export's
/// limit; `meta` says how many the run had and why the rest is missing).
pub fn viewer_html(meta: &ViewerMeta, events: impl IntoIterator<Item = TraceLine>) -> String {
    let payload = data::payload_json(meta, events);
    let mut o = String::with_capacity(payload.len() + CSS.len() + SHELL.len() + 64 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = write!(o, "<title>simlab viewer: ");
    push_xml_escaped(&mut o, &meta.scenario);
    let _ = write!(o, " (seed {})</title>\n<style>\n", meta.seed);
    o.push_str(CSS);
    o.push_str("</style>\n</head>\n<body>\n");
    o.push_str(SHELL);
    o.push_str("<script type=\"application/json\" id=\"trace-data\">");
    o.push_str(&payload);
    o.push_str("</script>\n<script>\n");
    for s in SCRIPTS {
        o.push_str(s);
        o.push('\n');
    }
    o.push_str("</script>\n</body>\n</html>\n");
    o
}

#[cfg(test)]
mod tests;
