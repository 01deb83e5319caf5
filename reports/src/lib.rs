//! `reports`: simlab's pure renderers — data in, bytes/strings out.
//!
//! Code map (one module per output):
//! * [`jsonl`] — streaming reader for JSONL trace files: [`jsonl::TraceHeader`], the event
//!   lines ([`sim::trace::TraceLine`]) and [`jsonl::TraceFooter`].
//! * [`timeline`] — fixed-column text timeline with [`timeline::TimelineFilter`] (streaming).
//! * [`spacetime`] — space-time (Lamport) diagram as hand-written SVG: `layout` (lanes, time
//!   axis, positions), `draw` (markup) and `legend` (symbols) submodules.
//! * [`chrome`] — Chrome/Perfetto Trace Event Format JSON: node tracks, instants, message
//!   flows (streaming).
//! * [`shiviz`] — ShiViz log with vector clocks (streaming).
//! * [`charts`] — line, CDF and comparison charts (plotters SVG backend → `String`).
//! * [`cdf_chart`] — empirical CDFs of one metric, one step line per variant, as a fraction
//!   of trials (unmeasured trials keep a line below 1), linear or log x, legend panel.
//! * [`compare_chart`] — a metric against a parameter: linear, log or categorical x axis, CI
//!   bars, legend panel.
//! * [`mod@traffic`] — message counts and network latencies per kind, and their charts.
//! * [`html`] — self-contained HTML run/compare reports; CSV and Markdown compare tables.
//! * [`viewer`] — the interactive trace viewer: one self-contained HTML page (canvas
//!   space-time diagram, zoom, step, filters, search, causal past), its scripts embedded.
//! * [`history`] — a client history (one lane per client, operations as intervals, the
//!   linearized prefix and the culprit of a linearizability violation marked) as SVG/HTML,
//!   operations spread by rank so overlaps show.
//! * [`history_timeline`] — a whole client history to scale (hundreds of operations on one
//!   screen, a time axis), for the run report.
//! * [`fmt`] — deterministic float/time formatting and XML/JSON/CSV/Markdown escaping.
//! * `common` (private) — node names, event sites, pairing message copies with their fate.
//!
//! Invariants: reports knows no protocol by name (message kinds, node names and metric
//! names arrive as data); pure: no files, no clocks, no randomness — writers take a
//! caller-supplied [`std::io::Write`], and the same input always gives the same bytes.
//! Streaming writers keep memory bounded by the messages in flight, not the trace length.

pub mod cdf_chart;
pub mod charts;
pub mod chrome;
mod common;
pub mod compare_chart;
pub mod fmt;
pub mod history;
pub mod history_timeline;
pub mod html;
pub mod jsonl;
pub mod shiviz;
pub mod spacetime;
pub mod timeline;
pub mod traffic;
pub mod viewer;

#[cfg(test)]
mod perf_tests;
#[cfg(test)]
mod testdata;

pub use cdf_chart::{CdfAxes, CdfVariant, cdf_steps, variant_cdf_chart};
pub use charts::{bar_chart, cdf_chart, cdf_points, comparison_chart, level_chart, line_chart};
pub use chrome::{chrome_string, write_chrome};
pub use compare_chart::{CompareAxes, XScale, compare_chart, x_scale_for};
pub use fmt::fmt_f64;
pub use history::{DrawnOp, Mark, history_html, history_svg, history_svg_with_axis};
pub use history_timeline::{TimedOp, history_timeline_svg};
pub use html::{
    CompareReport, CompareRow, HistorySection, RunReport, ViolationRow, compare_csv, compare_html,
    compare_markdown, run_html,
};
pub use jsonl::{JsonlReader, TraceFooter, TraceHeader, read_jsonl};
pub use shiviz::{shiviz_string, write_shiviz};
pub use spacetime::{AxisMode, SpacetimeOptions, spacetime_svg};
pub use timeline::{TimelineFilter, timeline_string, write_timeline};
pub use traffic::{Traffic, latency_cdf_chart, message_count_chart, traffic};
pub use viewer::{ViewerMeta, ViewerViolation, viewer_html};
