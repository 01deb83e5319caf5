//! Glue between the CLI and the `reports` crate for one run: which files `run --out` and
//! `replay --out` write into DIR, and the terminal timeline. File writing stays in the CLI
//! layer; `reports` only turns data into bytes. (A comparison's files: `compare_reports`.)

use std::path::Path;

use reports::{RunReport, SpacetimeOptions, TimelineFilter, ViolationRow};
use sim::TraceLine;

use super::Failure;
use crate::runners::RunOutput;
use crate::spec::Spec;

/// A source of trace lines that can be read more than once (memory, or a JSONL file).
pub type Lines<'a> = &'a dyn Fn() -> Box<dyn Iterator<Item = TraceLine> + 'a>;

fn io_fail(path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure {
        code: super::EXIT_USAGE,
        message: format!("cannot write {}: {e}", path.display()),
    }
}

pub(super) fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Failure> {
    let p = dir.join(name);
    std::fs::write(&p, bytes).map_err(|e| io_fail(&p, e))
}

fn stream(
    dir: &Path,
    name: &str,
    f: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<u64>,
) -> Result<(), Failure> {
    let p = dir.join(name);
    // A half-written export is removed, not left looking complete.
    let guard = crate::interrupt::Partial::new(&p);
    let file = std::fs::File::create(&p).map_err(|e| io_fail(&p, e))?;
    let mut w = std::io::BufWriter::new(file);
    f(&mut w).map_err(|e| io_fail(&p, e))?;
    std::io::Write::flush(&mut w).map_err(|e| io_fail(&p, e))?;
    guard.keep();
    Ok(())
}

/// Charts of a run, all of them: every time series as a level (steps: a sampled value holds
/// until the next sample), every histogram as a CDF; `unit` labels the y axis of a series
/// and the x axis of a CDF.
pub fn run_charts(o: &RunOutput, unit: &dyn Fn(&str) -> String) -> Vec<(String, String)> {
    let label = |name: &str| match unit(name) {
        u if u.is_empty() => name.to_string(),
        u => format!("{name} ({u})"),
    };
    let mut charts = Vec::new();
    for (name, pts) in &o.series {
        let s = vec![(name.clone(), pts.clone())];
        charts.push((
            name.clone(),
            reports::level_chart(
                name,
                "time (s)",
                &label(name),
                &s,
                Some(o.sim_time_ns as f64 / 1e9),
            ),
        ));
    }
    for (name, pts) in &o.cdfs {
        let s = vec![(name.clone(), pts.clone())];
        charts.push((
            format!("{name} (CDF)"),
            reports::cdf_chart(&format!("{name} CDF"), &label(name), &s),
        ));
    }
    charts
}

/// Writes a run's reports into `dir`: `history.jsonl` (if the run recorded a client
/// history, see [`crate::history_out`]), `timeline.txt`, `diagram.svg`, `chrome.json`,
/// `shiviz.log`, chart SVGs (the protocol's series and histograms, then messages per kind
/// and their latency CDF), `index.html` and the interactive `viewer.html` (unless the run
/// has no events: an analysis).
///
/// Every export holds the events of one window: `from..=to` in time, and at most
/// `export_events` of them (the diagram draws fewer, see [`SpacetimeOptions`]); when that cuts
/// the window, each file and the HTML report say so.
#[allow(clippy::too_many_arguments)]
pub fn write_run_reports(
    dir: &Path,
    spec: &Spec,
    seed: u64,
    o: &RunOutput,
    lines: Lines<'_>,
    reproduce: &str,
    from: Option<sim::Time>,
    to: Option<sim::Time>,
    export_events: u64,
    diagram_nodes: &[String],
) -> Result<(), Failure> {
    let nodes = &o.nodes;
    let win = Window {
        lines,
        from,
        to,
        limit: export_events,
    };
    let more = win.all().nth(export_events as usize).is_some();
    let cut = more.then(|| {
        format!(
            "cut: the first {export_events} events of the window, of {} in the run \
             (--export-events {export_events}); narrow it with --from/--to or --around, or \
             read trace.jsonl (--trace full)",
            o.events
        )
    });
    crate::history_out::write_jsonl(dir, o)?;
    write_exports(dir, nodes, &win, cut.as_deref())?;
    // An analysis has no events: nothing to view.
    if o.events > 0 {
        let window_ns = (from, to);
        write_viewer(
            dir,
            spec,
            seed,
            o,
            reproduce,
            window_ns,
            cut.clone(),
            win.events(),
        )?;
    }
    let opts = diagram_options(nodes, from, to, diagram_nodes);
    let diagram = reports::spacetime_svg(nodes, lines(), &opts);
    write(dir, "diagram.svg", diagram.as_bytes())?;
    let own = spec.protocol.metrics();
    let unit = |m: &str| {
        protocols::plugin::metrics::lookup(own, m)
            .map(|meta| meta.unit.to_string())
            .unwrap_or_default()
    };
    let mut charts = run_charts(o, &unit);
    charts.extend(traffic_charts(&win, cut.is_some()));
    for (i, (_, svg)) in charts.iter().enumerate() {
        write(dir, &format!("chart-{i}.svg"), svg.as_bytes())?;
    }
    let mut report = run_report(spec, seed, o, reproduce);
    report.charts = charts;
    report.diagram = (!nodes.is_empty()).then_some(diagram);
    add_timeline(&mut report, o, &win, cut.as_deref());
    write(dir, "index.html", reports::run_html(&report).as_bytes())
}

/// The `--from`/`--to` window of a run's trace, and how many of its events the exports hold.
struct Window<'a> {
    lines: Lines<'a>,
    from: Option<sim::Time>,
    to: Option<sim::Time>,
    limit: u64,
}

impl Window<'_> {
    /// Every event in the window.
    fn all(&self) -> impl Iterator<Item = TraceLine> + '_ {
        let (from, to) = (self.from, self.to);
        (self.lines)()
            .filter(move |l| from.is_none_or(|f| l.t >= f.0) && to.is_none_or(|t| l.t <= t.0))
    }

    /// The events the exports hold: the window's first `limit`.
    fn events(&self) -> impl Iterator<Item = TraceLine> + '_ {
        self.all().take(self.limit as usize)
    }
}

/// timeline.txt, chrome.json and shiviz.log, each saying so when `cut`.
fn write_exports(
    dir: &Path,
    nodes: &[String],
    win: &Window<'_>,
    cut: Option<&str>,
) -> Result<(), Failure> {
    let filter = TimelineFilter::default();
    stream(dir, "timeline.txt", &|w| {
        let n = reports::write_timeline(&mut *w, nodes, win.events(), &filter)?;
        if let Some(c) = cut {
            writeln!(w, "# {c}")?;
        }
        Ok(n)
    })?;
    stream(dir, "chrome.json", &|w| {
        reports::write_chrome(w, nodes, win.events(), cut)
    })?;
    stream(dir, "shiviz.log", &|w| {
        let n = reports::write_shiviz(&mut *w, nodes, win.events())?;
        if let Some(c) = cut {
            // A host of its own, so ShiViz's log format (host, clock, event) still parses.
            writeln!(w, "simlab {{\"simlab\":1}}\n{c}")?;
        }
        Ok(n)
    })
}

/// The space-time diagram's window and lanes (`--node`, if given).
fn diagram_options(
    nodes: &[String],
    from: Option<sim::Time>,
    to: Option<sim::Time>,
    diagram_nodes: &[String],
) -> SpacetimeOptions {
    SpacetimeOptions {
        from: from.map(|t| t.0),
        to: to.map(|t| t.0),
        nodes: (!diagram_nodes.is_empty()).then(|| {
            nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| diagram_nodes.contains(n))
                .map(|(i, _)| i as u32)
                .collect()
        }),
        ..SpacetimeOptions::default()
    }
}

/// Messages per kind and their latency CDF, over the exported events.
fn traffic_charts(win: &Window<'_>, cut: bool) -> Vec<(String, String)> {
    let mut charts = Vec::new();
    let traffic = reports::traffic(win.events());
    if traffic.is_empty() {
        return charts;
    }
    let of = if cut {
        format!(" (first {} events)", win.limit)
    } else {
        String::new()
    };
    let title = format!("messages per kind{of}");
    charts.push((
        title.clone(),
        reports::message_count_chart(&title, &traffic),
    ));
    if traffic.values().any(|k| !k.latencies_ms.is_empty()) {
        let title = format!("message latency CDF{of}");
        charts.push((title.clone(), reports::latency_cdf_chart(&title, &traffic)));
    }
    charts
}

/// The HTML report's outcome, violations and metrics (charts, diagram and timeline are
/// added by the caller).
fn run_report(spec: &Spec, seed: u64, o: &RunOutput, reproduce: &str) -> RunReport {
    RunReport {
        scenario: spec.name.clone(),
        seed,
        outcome: o.outcome.clone(),
        violations: o
            .violations
            .iter()
            .map(|v| ViolationRow {
                property: v.property.clone(),
                time_ns: v.time_ns,
                event_index: v.event_index,
                detail: v.detail.clone(),
            })
            .collect(),
        metrics: o.metrics.clone(),
        reproduce: reproduce.to_string(),
        charts: Vec::new(),
        diagram: None,
        timeline_excerpt: None,
        timeline_note: None,
        violation_context: None,
        history: o.history.as_ref().map(crate::history_out::report_section),
    }
}

/// The HTML report's timeline excerpt (and a note where it stops), and the events around
/// the first violation.
fn add_timeline(report: &mut RunReport, o: &RunOutput, win: &Window<'_>, cut: Option<&str>) {
    let nodes = &o.nodes;
    let filter = TimelineFilter::default();
    let excerpt: String =
        reports::timeline_string(nodes, win.events().take(EXCERPT_EVENTS), &filter);
    let shown = excerpt.lines().count().saturating_sub(1);
    let next = win.all().nth(shown);
    report.timeline_note = next.map(|next| {
        let files = match cut {
            Some(c) => format!("timeline.txt, chrome.json and shiviz.log are {c}"),
            None => "timeline.txt (and `run --timeline`) has them all".to_string(),
        };
        format!(
            "Cut: the first {shown} events of the window, of {} in the run; it stops before \
             event {} at {} s. {files}; `run --around N` prints the events around event N.",
            o.events,
            next.i,
            reports::fmt::fmt_secs(next.t)
        )
    });
    report.violation_context = o.violations.first().map(|v| {
        let f = TimelineFilter {
            indices: Some(around(v.event_index, AROUND_EVENTS)),
            ..TimelineFilter::default()
        };
        (
            v.event_index,
            reports::timeline_string(nodes, (win.lines)(), &f),
        )
    });
    report.timeline_excerpt = (!excerpt.is_empty()).then_some(excerpt);
}

/// Writes `viewer.html`: the same window of events as the other exports, and what the run
/// had beyond it.
#[allow(clippy::too_many_arguments)]
fn write_viewer(
    dir: &Path,
    spec: &Spec,
    seed: u64,
    o: &RunOutput,
    reproduce: &str,
    (from, to): (Option<sim::Time>, Option<sim::Time>),
    cut: Option<String>,
    events: impl Iterator<Item = TraceLine>,
) -> Result<(), Failure> {
    let meta = reports::ViewerMeta {
        scenario: spec.name.clone(),
        seed,
        outcome: o.outcome.clone(),
        nodes: o.nodes.clone(),
        total_events: o.events,
        cut,
        from_ns: from.map(|t| t.0),
        to_ns: to.map(|t| t.0),
        violations: o
            .violations
            .iter()
            .map(|v| reports::ViewerViolation {
                property: v.property.clone(),
                time_ns: v.time_ns,
                event_index: v.event_index,
                detail: v.detail.clone(),
            })
            .collect(),
        reproduce: reproduce.to_string(),
    };
    let html = reports::viewer_html(&meta, events);
    write(dir, "viewer.html", html.as_bytes())
}

/// Events the HTML report's timeline excerpt shows (the rest is in timeline.txt).
const EXCERPT_EVENTS: usize = 200;

/// Events shown on each side of a violation (HTML report, and `run --around` by default).
pub const AROUND_EVENTS: u64 = 12;

/// The inclusive index range `k` events either side of `i`.
pub fn around(i: u64, k: u64) -> (u64, u64) {
    (i.saturating_sub(k), i.saturating_add(k))
}

/// The run's timeline as text, filtered.
#[allow(clippy::too_many_arguments)]
pub fn timeline(
    nodes: &[String],
    lines: Lines<'_>,
    from: Option<sim::Time>,
    to: Option<sim::Time>,
    only_nodes: &[String],
    kinds: &[String],
    indices: Option<(u64, u64)>,
) -> String {
    let filter = TimelineFilter {
        from: from.map(|t| t.0),
        to: to.map(|t| t.0),
        nodes: only_nodes.to_vec(),
        kinds: kinds.to_vec(),
        indices,
    };
    reports::timeline_string(nodes, lines(), &filter)
}
