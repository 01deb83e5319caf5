//! Glue between the CLI and the `reports` crate: which files a run or a comparison writes
//! into `--out DIR`, and the text tables of `compare`. File writing stays in the CLI layer;
//! `reports` only turns data into bytes.

use std::collections::BTreeSet;
use std::path::Path;

use reports::{
    CompareReport, CompareRow, RunReport, SpacetimeOptions, TimelineFilter, ViolationRow,
};
use sim::TraceLine;

use crate::cli::{CompareJson, Failure};
use crate::runners::RunOutput;
use crate::spec::Spec;

/// A source of trace lines that can be read more than once (memory, or a JSONL file).
pub type Lines<'a> = &'a dyn Fn() -> Box<dyn Iterator<Item = TraceLine> + 'a>;

fn io_fail(path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure {
        code: crate::cli::EXIT_USAGE,
        message: format!("cannot write {}: {e}", path.display()),
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Failure> {
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

/// Writes a run's reports into `dir`: `timeline.txt`, `diagram.svg`, `chrome.json`,
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
    let in_window =
        |l: &sim::TraceLine| from.is_none_or(|f| l.t >= f.0) && to.is_none_or(|t| l.t <= t.0);
    let window = || lines().filter(in_window).take(export_events as usize);
    let more = lines()
        .filter(in_window)
        .nth(export_events as usize)
        .is_some();
    let cut = more.then(|| {
        format!(
            "cut: the first {export_events} events of the window, of {} in the run \
             (--export-events {export_events}); narrow it with --from/--to or --around, or \
             read trace.jsonl (--trace full)",
            o.events
        )
    });
    let filter = TimelineFilter::default();
    stream(dir, "timeline.txt", &|w| {
        let n = reports::write_timeline(&mut *w, nodes, window(), &filter)?;
        if let Some(c) = &cut {
            writeln!(w, "# {c}")?;
        }
        Ok(n)
    })?;
    stream(dir, "chrome.json", &|w| {
        reports::write_chrome(w, nodes, window(), cut.as_deref())
    })?;
    stream(dir, "shiviz.log", &|w| {
        let n = reports::write_shiviz(&mut *w, nodes, window())?;
        if let Some(c) = &cut {
            // A host of its own, so ShiViz's log format (host, clock, event) still parses.
            writeln!(w, "simlab {{\"simlab\":1}}\n{c}")?;
        }
        Ok(n)
    })?;
    let opts = SpacetimeOptions {
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
    };
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
            window(),
        )?;
    }
    let diagram = reports::spacetime_svg(nodes, lines(), &opts);
    write(dir, "diagram.svg", diagram.as_bytes())?;
    let own = spec.protocol.metrics();
    let unit = |m: &str| {
        protocols::plugin::metrics::lookup(own, m)
            .map(|meta| meta.unit.to_string())
            .unwrap_or_default()
    };
    let mut charts = run_charts(o, &unit);
    let traffic = reports::traffic(window());
    if !traffic.is_empty() {
        let of = if cut.is_some() {
            format!(" (first {export_events} events)")
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
    }
    for (i, (_, svg)) in charts.iter().enumerate() {
        write(dir, &format!("chart-{i}.svg"), svg.as_bytes())?;
    }
    let excerpt: String = reports::timeline_string(nodes, window().take(EXCERPT_EVENTS), &filter);
    let shown = excerpt.lines().count().saturating_sub(1);
    let next = lines().filter(in_window).nth(shown);
    let timeline_note = next.map(|next| {
        let files = match &cut {
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
    let violation_context = o.violations.first().map(|v| {
        let f = TimelineFilter {
            indices: Some(around(v.event_index, AROUND_EVENTS)),
            ..TimelineFilter::default()
        };
        (v.event_index, reports::timeline_string(nodes, lines(), &f))
    });
    let report = RunReport {
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
        charts,
        diagram: if nodes.is_empty() {
            None
        } else {
            Some(diagram)
        },
        timeline_excerpt: if excerpt.is_empty() {
            None
        } else {
            Some(excerpt)
        },
        timeline_note,
        violation_context,
    };
    write(dir, "index.html", reports::run_html(&report).as_bytes())
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

fn report_of(doc: &CompareJson, varied: &[String]) -> CompareReport {
    CompareReport {
        scenario: doc.scenario.clone(),
        varied: varied.to_vec(),
        rows: doc
            .rows
            .iter()
            .map(|r| CompareRow {
                params: r.params.clone(),
                metrics: r
                    .metrics
                    .iter()
                    .map(|(k, m)| (k.clone(), (m.mean, m.ci95, m.n as u64)))
                    .collect(),
            })
            .collect(),
        charts: Vec::new(),
    }
}

/// How `compare` draws its charts (`--x`, `--log-x`, `--linear-x`, `--log-y`).
#[derive(Clone, Debug, Default)]
pub struct ChartOptions {
    /// The varied parameter on the x axis; `None`: the first numeric one, else the first.
    pub x: Option<String>,
    /// `Some(true)`: log x axis; `Some(false)`: linear; `None`: log when the values are
    /// positive and span two decades or more.
    pub log_x: Option<bool>,
    /// A log y axis.
    pub log_y: bool,
}

/// The values `key` takes over the rows, in first-seen (grid) order.
fn values_of(doc: &CompareJson, key: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for r in &doc.rows {
        if let Some(v) = r.params.get(key)
            && !seen.contains(v)
        {
            seen.push(v.clone());
        }
    }
    seen
}

/// The varied parameter for the x axis: the one asked for, else the first whose values
/// are all numbers (so `--vary policy=... --vary lambda=...` plots against lambda, one
/// line per policy), else the first.
pub fn x_param(
    doc: &CompareJson,
    varied: &[String],
    asked: Option<&str>,
) -> Result<String, String> {
    if let Some(x) = asked {
        return if varied.iter().any(|v| v == x) {
            Ok(x.to_string())
        } else {
            Err(format!(
                "--x `{x}`: not a varied parameter; choose one of: {}",
                varied.join(", ")
            ))
        };
    }
    let numeric = |k: &String| {
        values_of(doc, k)
            .iter()
            .all(|v| v.trim().parse::<f64>().is_ok())
    };
    Ok(varied
        .iter()
        .find(|k| numeric(k))
        .or(varied.first())
        .cloned()
        .unwrap_or_default())
}

/// `name (unit)`, or `name` when the metric has no unit.
fn with_unit(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
}

/// Comparison charts, one per metric (all of them: no cap): the metric against the x
/// parameter (see [`x_param`]; categorical when its values are not all numbers), one line
/// per combination of the other varied parameters in grid order, with 95% CI bars. `unit`
/// gives each metric's unit for the y axis.
pub fn compare_charts(
    doc: &CompareJson,
    varied: &[String],
    only: &[String],
    opts: &ChartOptions,
    unit: &dyn Fn(&str) -> String,
) -> Result<Vec<(String, String)>, String> {
    if varied.is_empty() {
        return Ok(Vec::new());
    }
    let xk = x_param(doc, varied, opts.x.as_deref())?;
    let xs = values_of(doc, &xk);
    let scale = reports::x_scale_for(&xs, opts.log_x);
    let xpos = |v: &str| -> f64 {
        match &scale {
            reports::XScale::Categories(c) => c.iter().position(|x| x == v).unwrap_or(0) as f64,
            _ => v.trim().parse().unwrap_or(f64::NAN),
        }
    };
    let metrics: BTreeSet<String> = doc
        .rows
        .iter()
        .flat_map(|r| r.metrics.keys().cloned())
        .collect();
    let mut charts = Vec::new();
    for m in metrics
        .iter()
        .filter(|m| only.is_empty() || only.contains(m))
    {
        // Series in grid order (first appearance), not sorted by label: `d=10` after `d=2`.
        let others: Vec<&String> = varied.iter().filter(|k| **k != xk).collect();
        let mut series: Vec<reports::charts::CiSeries> = Vec::new();
        for r in &doc.rows {
            let Some(x) = r.params.get(&xk) else { continue };
            let Some(v) = r.metrics.get(m) else { continue };
            // The legend's heading names the other parameters; each line gives their values.
            let label: Vec<String> = others
                .iter()
                .filter_map(|k| r.params.get(*k).cloned())
                .collect();
            let label = if label.is_empty() {
                m.clone()
            } else {
                label.join(", ")
            };
            let point = (xpos(x), v.mean, v.ci95);
            match series.iter_mut().find(|(l, _)| *l == label) {
                Some((_, pts)) => pts.push(point),
                None => series.push((label, vec![point])),
            }
        }
        let axes = reports::CompareAxes {
            title: format!("{m} vs {xk}"),
            x_label: xk.clone(),
            y_label: with_unit(m, &unit(m)),
            x: scale.clone(),
            log_y: opts.log_y,
            legend_title: (!others.is_empty()).then(|| {
                others
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        };
        charts.push((m.clone(), reports::compare_chart(&axes, &series)));
    }
    Ok(charts)
}

/// Writes `compare.html`, `compare.csv`, `compare.md` and one chart per metric into `dir`.
pub fn write_compare_reports(
    dir: &Path,
    doc: &CompareJson,
    vary: &[String],
    only: &[String],
    opts: &ChartOptions,
    unit: &dyn Fn(&str) -> String,
) -> Result<(), Failure> {
    let varied: Vec<String> = crate::vary::names(vary);
    let mut rep = report_of(doc, &varied);
    rep.charts = compare_charts(doc, &varied, only, opts, unit).map_err(|message| Failure {
        code: crate::cli::EXIT_USAGE,
        message,
    })?;
    for (m, svg) in &rep.charts {
        write(
            dir,
            &format!("chart-{}.svg", m.replace(['/', ' '], "_")),
            svg.as_bytes(),
        )?;
    }
    write(dir, "compare.csv", reports::compare_csv(&rep).as_bytes())?;
    write(
        dir,
        "compare.md",
        reports::compare_markdown(&rep).as_bytes(),
    )?;
    write(dir, "index.html", reports::compare_html(&rep).as_bytes())
}

/// The comparison as CSV or Markdown (via `reports`).
pub fn compare_table(doc: &CompareJson, vary: &[String], markdown: bool) -> String {
    let varied: Vec<String> = crate::vary::names(vary);
    let rep = report_of(doc, &varied);
    if markdown {
        reports::compare_markdown(&rep)
    } else {
        reports::compare_csv(&rep)
    }
}

/// The comparison as aligned text: one block per grid point, `mean ± ci95 (n)` per metric.
pub fn compare_text(doc: &CompareJson) -> String {
    let mut s = format!("compare {}\n", doc.scenario);
    for r in &doc.rows {
        let p: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        s.push_str(&format!("\n[{}]\n", p.join(" ")));
        let wk = r.metrics.keys().map(|k| k.len()).max().unwrap_or(0);
        for (k, x) in &r.metrics {
            s.push_str(&format!(
                "  {k:<wk$}  {:>14} ± {:<12} (n={})\n",
                reports::fmt_f64(x.mean),
                reports::fmt_f64(x.ci95),
                x.n
            ));
        }
    }
    s
}

/// Owner of each key under `algo` with `servers` servers (see `protocols::ch::lookup`).
pub fn hash_lookup(
    algo: &str,
    servers: u32,
    vnodes: u32,
    keys: &[String],
) -> Result<Vec<(String, u32)>, String> {
    if vnodes == 0 {
        return Err("--vnodes must be >= 1".into());
    }
    protocols::ch::lookup(algo, servers, vnodes, keys)
}
