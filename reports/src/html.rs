//! Self-contained HTML5 reports (no network access, no external CSS or JS: one file that
//! opens anywhere) and CSV/Markdown tables for comparisons.
//!
//! Every text field is escaped. SVG fields (`charts`, `diagram`) are inlined as they are:
//! they must be SVG documents produced by this crate ([`crate::charts`],
//! [`crate::spacetime`]); a leading `<?xml …?>` declaration, if any, is dropped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::fmt::{csv_field, fmt_f64, fmt_secs, md_cell, push_xml_escaped, xml_escape};

/// A property violation found in a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ViolationRow {
    /// Property name.
    pub property: String,
    /// True time of the violation (ns).
    pub time_ns: u64,
    /// Trace event index where it was detected.
    pub event_index: u64,
    /// Human explanation from the checker.
    pub detail: String,
}

/// Everything the single-run report shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// `ok`, `safety_violation` or `liveness_failure`.
    pub outcome: String,
    /// Violations, in detection order.
    pub violations: Vec<ViolationRow>,
    /// Named metric values (sorted by name).
    pub metrics: BTreeMap<String, f64>,
    /// The command line that reproduces the run.
    pub reproduce: String,
    /// `(title, svg)` charts, in display order.
    pub charts: Vec<(String, String)>,
    /// Space-time diagram SVG, if rendered.
    pub diagram: Option<String>,
    /// A timeline excerpt (plain text), if any.
    pub timeline_excerpt: Option<String>,
    /// What the excerpt holds when it is not the whole run (e.g. "the first 200 of 291
    /// events"), said above it.
    pub timeline_note: Option<String>,
    /// The events around the first violation: its event index and a timeline excerpt.
    pub violation_context: Option<(u64, String)>,
    /// The clients' history, for protocols that record one.
    pub history: Option<HistorySection>,
}

/// The run report's client history: what the run's linearizability check found and the
/// history drawn ([`crate::history`], [`crate::history_timeline`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistorySection {
    /// The verdict and how to check the written file again, one paragraph per line.
    pub lines: Vec<String>,
    /// Text set in a code block after the lines (the prefix's last operations and the
    /// culprit), if any.
    pub listing: Option<String>,
    /// For a violation: the operations around the culprit, spread by rank, prefix numbered.
    pub detail: Option<String>,
    /// The whole history to scale.
    pub overview: String,
}

/// One variant in a comparison: its parameters and per-metric statistics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompareRow {
    /// Parameter name → value for this variant.
    pub params: BTreeMap<String, String>,
    /// Metric name → (mean, 95% CI half-width, number of runs).
    pub metrics: BTreeMap<String, (f64, f64, u64)>,
}

/// Everything the comparison report shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompareReport {
    /// Scenario name.
    pub scenario: String,
    /// Names of the parameters that vary between rows (table columns, in this order); if
    /// empty, every parameter found in the rows is shown.
    pub varied: Vec<String>,
    /// One row per variant.
    pub rows: Vec<CompareRow>,
    /// `(title, svg)` charts, in display order.
    pub charts: Vec<(String, String)>,
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222;line-height:1.4}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}\
pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:.6em;overflow-x:auto;font-size:.85em}\
figure{margin:1em 0}figcaption{font-weight:bold;margin-bottom:.3em}figure svg{max-width:100%;height:auto}\
.badge{display:inline-block;padding:.1em .6em;border-radius:.8em;color:#fff;font-weight:bold}\
.ok{background:#2ca02c}.bad{background:#d62728}.warn{background:#e08a00}.meta{color:#555}\
.diagram{overflow-x:auto}";

pub(crate) fn head(out: &mut String, title: &str) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>");
    push_xml_escaped(out, title);
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
}

pub(crate) fn tail(out: &mut String) {
    out.push_str(
        "<footer class=\"meta\"><p>Generated by simlab reports.</p></footer>\n</body>\n</html>\n",
    );
}

fn strip_xml_decl(svg: &str) -> &str {
    let t = svg.trim_start();
    match t
        .strip_prefix("<?xml")
        .and_then(|r| r.find("?>").map(|e| &r[e + 2..]))
    {
        Some(rest) => rest.trim_start(),
        None => t,
    }
}

fn charts(out: &mut String, charts: &[(String, String)]) {
    if charts.is_empty() {
        return;
    }
    out.push_str("<h2>Charts</h2>\n");
    for (title, svg) in charts {
        out.push_str("<figure>\n<figcaption>");
        push_xml_escaped(out, title);
        out.push_str("</figcaption>\n");
        out.push_str(strip_xml_decl(svg));
        if !svg.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("</figure>\n");
    }
}

fn outcome_class(outcome: &str) -> &'static str {
    match outcome {
        "ok" => "ok",
        "liveness_failure" => "warn",
        _ => "bad",
    }
}

/// The single-run report: outcome, reproduce command, violations, metrics, charts,
/// space-time diagram and timeline excerpt.
pub fn run_html(r: &RunReport) -> String {
    let mut o = String::with_capacity(8192);
    head(&mut o, &format!("simlab: {} (seed {})", r.scenario, r.seed));
    let _ = write!(
        o,
        "<h1>{}</h1>\n<p class=\"meta\">seed {} · outcome <span class=\"badge {}\">{}</span></p>\n",
        xml_escape(&r.scenario),
        r.seed,
        outcome_class(&r.outcome),
        xml_escape(&r.outcome)
    );
    if !r.reproduce.is_empty() {
        o.push_str("<h2>Reproduce</h2>\n<pre><code>");
        push_xml_escaped(&mut o, &r.reproduce);
        o.push_str("</code></pre>\n");
    }
    o.push_str("<h2>Violations</h2>\n");
    if r.violations.is_empty() {
        o.push_str("<p>None.</p>\n");
    } else {
        o.push_str("<table>\n<thead><tr><th>property</th><th>time (s)</th><th>event</th><th>detail</th></tr></thead>\n<tbody>\n");
        let linked = r.violation_context.as_ref().map(|(i, _)| *i);
        for v in &r.violations {
            let event = if linked == Some(v.event_index) {
                format!("<a href=\"#event-{0}\">{0}</a>", v.event_index)
            } else {
                v.event_index.to_string()
            };
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{event}</td><td>{}</td></tr>",
                xml_escape(&v.property),
                fmt_secs(v.time_ns),
                xml_escape(&v.detail)
            );
        }
        o.push_str("</tbody>\n</table>\n");
        if let Some((i, t)) = &r.violation_context {
            let _ = writeln!(
                o,
                "<h3 id=\"event-{i}\">Events around event {i}</h3>\n<pre>"
            );
            push_xml_escaped(&mut o, t);
            o.push_str("</pre>\n");
        }
    }
    if let Some(h) = &r.history {
        history_section(&mut o, h);
    }
    if !r.metrics.is_empty() {
        o.push_str("<h2>Metrics</h2>\n<table>\n<thead><tr><th>metric</th><th>value</th></tr></thead>\n<tbody>\n");
        for (k, v) in &r.metrics {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                xml_escape(k),
                fmt_f64(*v)
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }
    charts(&mut o, &r.charts);
    if let Some(svg) = &r.diagram {
        o.push_str("<h2>Space-time diagram</h2>\n<div class=\"diagram\">\n");
        o.push_str(strip_xml_decl(svg));
        o.push_str("\n</div>\n");
    }
    if let Some(t) = &r.timeline_excerpt {
        o.push_str("<h2>Timeline</h2>\n");
        if let Some(n) = &r.timeline_note {
            let _ = writeln!(o, "<p class=\"meta\">{}</p>", xml_escape(n));
        }
        o.push_str("<pre>");
        push_xml_escaped(&mut o, t);
        o.push_str("</pre>\n");
    }
    tail(&mut o);
    o
}

fn history_section(o: &mut String, h: &HistorySection) {
    o.push_str("<h2 id=\"history\">Client history</h2>\n");
    for l in &h.lines {
        o.push_str("<p>");
        push_xml_escaped(o, l);
        o.push_str("</p>\n");
    }
    if let Some(t) = &h.listing {
        o.push_str("<pre><code>");
        push_xml_escaped(o, t);
        o.push_str("</code></pre>\n");
    }
    if let Some(svg) = &h.detail {
        o.push_str("<div class=\"diagram\">\n");
        o.push_str(strip_xml_decl(svg));
        o.push_str("</div>\n");
    }
    o.push_str("<div class=\"diagram\">\n");
    o.push_str(strip_xml_decl(&h.overview));
    o.push_str("</div>\n");
}

/// Parameter columns of a comparison: `varied`, or every parameter found in the rows.
fn param_columns(c: &CompareReport) -> Vec<String> {
    if !c.varied.is_empty() {
        return c.varied.clone();
    }
    let mut v: Vec<String> = c
        .rows
        .iter()
        .flat_map(|r| r.params.keys().cloned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Metric columns of a comparison: every metric found in the rows, sorted.
fn metric_columns(c: &CompareReport) -> Vec<String> {
    let mut v: Vec<String> = c
        .rows
        .iter()
        .flat_map(|r| r.metrics.keys().cloned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Parameters that are the same in every row (shown once above the table).
fn fixed_params(c: &CompareReport, shown: &[String]) -> BTreeMap<String, String> {
    let mut fixed = BTreeMap::new();
    if let Some(first) = c.rows.first() {
        for (k, v) in &first.params {
            if !shown.contains(k) && c.rows.iter().all(|r| r.params.get(k) == Some(v)) {
                fixed.insert(k.clone(), v.clone());
            }
        }
    }
    fixed
}

fn mean_ci(m: &(f64, f64, u64)) -> String {
    format!("{} ± {}", fmt_f64(m.0), fmt_f64(m.1))
}

/// The comparison report: fixed parameters, a table (one row per variant, one column per
/// varied parameter and per metric as `mean ± ci95` with `n` in a tooltip) and the charts.
pub fn compare_html(c: &CompareReport) -> String {
    let params = param_columns(c);
    let metrics = metric_columns(c);
    let mut o = String::with_capacity(8192);
    head(&mut o, &format!("simlab compare: {}", c.scenario));
    let _ = writeln!(o, "<h1>{}: comparison</h1>", xml_escape(&c.scenario));
    let fixed = fixed_params(c, &params);
    if !fixed.is_empty() {
        o.push_str("<p class=\"meta\">fixed: ");
        let parts: Vec<String> = fixed
            .iter()
            .map(|(k, v)| format!("{} = {}", xml_escape(k), xml_escape(v)))
            .collect();
        o.push_str(&parts.join(", "));
        o.push_str("</p>\n");
    }
    o.push_str("<h2>Results</h2>\n<p class=\"meta\">mean ± 95% confidence half-width over n runs.</p>\n<table>\n<thead><tr>");
    for p in &params {
        let _ = write!(o, "<th>{}</th>", xml_escape(p));
    }
    for m in &metrics {
        let _ = write!(o, "<th>{}</th>", xml_escape(m));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for r in &c.rows {
        o.push_str("<tr>");
        for p in &params {
            let _ = write!(
                o,
                "<td>{}</td>",
                xml_escape(r.params.get(p).map_or("", String::as_str))
            );
        }
        for m in &metrics {
            match r.metrics.get(m) {
                Some(v) => {
                    let _ = write!(
                        o,
                        "<td class=\"num\" title=\"n = {}\">{}</td>",
                        v.2,
                        xml_escape(&mean_ci(v))
                    );
                }
                None => o.push_str("<td></td>"),
            }
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table>\n");
    charts(&mut o, &c.charts);
    tail(&mut o);
    o
}

/// The comparison table as CSV: the parameter columns, then `<metric>_mean`,
/// `<metric>_ci95` and `<metric>_n` per metric; missing values are empty fields.
pub fn compare_csv(c: &CompareReport) -> String {
    let params = param_columns(c);
    let metrics = metric_columns(c);
    let mut header: Vec<String> = params.iter().map(|p| csv_field(p)).collect();
    for m in &metrics {
        for suffix in ["mean", "ci95", "n"] {
            header.push(csv_field(&format!("{m}_{suffix}")));
        }
    }
    let mut o = header.join(",");
    o.push('\n');
    for r in &c.rows {
        let mut row: Vec<String> = params
            .iter()
            .map(|p| csv_field(r.params.get(p).map_or("", String::as_str)))
            .collect();
        for m in &metrics {
            match r.metrics.get(m) {
                Some(&(mean, ci, n)) => row.extend([fmt_f64(mean), fmt_f64(ci), n.to_string()]),
                None => row.extend([String::new(), String::new(), String::new()]),
            }
        }
        o.push_str(&row.join(","));
        o.push('\n');
    }
    o
}

/// The comparison table as a GitHub-flavoured Markdown table (`mean ± ci95 (n=N)` cells).
pub fn compare_markdown(c: &CompareReport) -> String {
    let params = param_columns(c);
    let metrics = metric_columns(c);
    let cols: Vec<String> = params.iter().chain(&metrics).map(|s| md_cell(s)).collect();
    let mut o = String::new();
    if cols.is_empty() {
        return o;
    }
    let _ = writeln!(o, "| {} |", cols.join(" | "));
    let aligns: Vec<&str> = params
        .iter()
        .map(|_| "---")
        .chain(metrics.iter().map(|_| "---:"))
        .collect();
    let _ = writeln!(o, "| {} |", aligns.join(" | "));
    for r in &c.rows {
        let mut cells: Vec<String> = params
            .iter()
            .map(|p| md_cell(r.params.get(p).map_or("", String::as_str)))
            .collect();
        for m in &metrics {
            cells.push(match r.metrics.get(m) {
                Some(v) => format!("{} (n={})", md_cell(&mean_ci(v)), v.2),
                None => String::new(),
            });
        }
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spacetime::{SpacetimeOptions, spacetime_svg};
    use crate::testdata::{names, sample_trace};
    use crate::timeline::{TimelineFilter, timeline_string};

    fn run() -> RunReport {
        let chart = crate::charts::line_chart(
            "commits",
            "t (s)",
            "n",
            &[("n0".into(), vec![(0.0, 0.0), (1.0, 3.0)])],
            false,
        );
        RunReport {
            scenario: "2pc <lossy>".into(),
            seed: 42,
            outcome: "safety_violation".into(),
            violations: vec![ViolationRow {
                property: "agreement".into(),
                time_ns: 6_500_000,
                event_index: 27,
                detail: "n0 decided commit & n1 decided abort".into(),
            }],
            metrics: [
                ("latency_p99_ms".to_string(), 12.5),
                ("commits".to_string(), 3.0),
            ]
            .into(),
            reproduce: "simlab run 2pc --seed 42 --trace \"out dir/t.jsonl\"".into(),
            charts: vec![("commits over time".into(), chart)],
            diagram: Some(spacetime_svg(
                &names(),
                sample_trace(),
                &SpacetimeOptions::default(),
            )),
            timeline_excerpt: Some(timeline_string(
                &names(),
                sample_trace(),
                &TimelineFilter::default(),
            )),
            timeline_note: Some("The first 200 of 291 events".into()),
            violation_context: Some((
                27,
                timeline_string(
                    &names(),
                    sample_trace(),
                    &TimelineFilter {
                        indices: Some((25, 29)),
                        ..TimelineFilter::default()
                    },
                ),
            )),
            history: None,
        }
    }

    fn compare() -> CompareReport {
        let row = |loss: &str, m: f64| CompareRow {
            params: [
                ("loss".to_string(), loss.to_string()),
                ("nodes".to_string(), "3".to_string()),
            ]
            .into(),
            metrics: [
                ("p99|ms".to_string(), (m, 0.5, 30)),
                ("commits".to_string(), (m * 2.0, 1.0, 30)),
            ]
            .into(),
        };
        CompareReport {
            scenario: "2pc".into(),
            varied: vec!["loss".into()],
            rows: vec![row("0.0", 10.0), row("0.1", 12.25)],
            charts: vec![(
                "p99 vs loss".into(),
                crate::charts::comparison_chart(
                    "p99 vs loss",
                    "loss",
                    "ms",
                    &[("2pc".into(), vec![(0.0, 10.0, 0.5), (0.1, 12.25, 0.5)])],
                ),
            )],
        }
    }

    fn check_html(h: &str) {
        assert!(h.starts_with("<!DOCTYPE html>"), "{}", &h[..40]);
        assert!(h.contains("<html lang=\"en\">") && h.contains("<meta charset=\"utf-8\">"));
        assert!(h.contains("<title>"));
        for tag in ["html", "head", "body", "table", "figure", "svg", "pre"] {
            let open =
                h.matches(&format!("<{tag}>")).count() + h.matches(&format!("<{tag} ")).count();
            let close = h.matches(&format!("</{tag}>")).count();
            assert_eq!(open, close, "<{tag}> balanced");
        }
        assert_eq!(h.matches("<html").count(), 1);
        assert_eq!(h.matches("<body>").count(), 1);
        assert!(h.find("<body>") < h.find("</body>"));
        assert!(h.trim_end().ends_with("</html>"));
        // No network references except the SVG namespace.
        let stripped = h.replace("http://www.w3.org/2000/svg", "");
        assert!(!stripped.contains("http://") && !stripped.contains("https://"));
        assert!(!stripped.contains("<script") && !stripped.contains("<link"));
    }

    #[test]
    fn run_report_is_self_contained_html() {
        let h = run_html(&run());
        check_html(&h);
        assert!(h.contains("2pc &lt;lossy&gt;"));
        assert!(h.contains("n0 decided commit &amp; n1 decided abort"));
        assert!(h.contains("--trace &quot;out dir/t.jsonl&quot;"));
        assert!(h.contains("class=\"badge bad\""));
        // Metrics sorted by name.
        assert!(h.find("commits</td>") < h.find("latency_p99_ms</td>"));
        assert!(h.contains("<td class=\"num\">12.5</td>"));
        assert!(h.contains("space-time diagram"));
        // The violation's event index links to the events around it, and a cut timeline
        // says so.
        assert!(h.contains("<a href=\"#event-27\">27</a>"), "{h}");
        assert!(h.contains("<h3 id=\"event-27\">Events around event 27</h3>"));
        assert!(h.contains("The first 200 of 291 events"));
        assert!(
            h.contains("decided &lt;commit&gt;"),
            "timeline excerpt escaped"
        );

        let empty = run_html(&RunReport::default());
        check_html(&empty);
        assert!(empty.contains("<p>None.</p>"));
    }

    // The history section sits between the violations and the metrics: its lines escaped,
    // the listing in a code block, the detail drawing before the overview.
    #[test]
    fn run_report_draws_the_client_history_after_the_violations() {
        let mut r = run();
        r.history = Some(HistorySection {
            lines: vec!["not linearizable on key \"a<b\"".into()],
            listing: Some("cannot place: c1 read -> 3".into()),
            detail: Some("<svg id=\"detail\"></svg>".into()),
            overview: "<?xml version=\"1.0\"?><svg id=\"overview\"></svg>".into(),
        });
        let h = run_html(&r);
        check_html(&h);
        let at = |needle: &str| h.find(needle).unwrap_or_else(|| panic!("{needle}"));
        assert!(at("<h2>Violations</h2>") < at("<h2 id=\"history\">Client history</h2>"));
        assert!(at("Client history</h2>") < at("<h2>Metrics</h2>"));
        assert!(h.contains("<p>not linearizable on key &quot;a&lt;b&quot;</p>"));
        assert!(h.contains("<pre><code>cannot place: c1 read -&gt; 3</code></pre>"));
        assert!(at("<svg id=\"detail\">") < at("<svg id=\"overview\">"));
        assert!(!h.contains("<?xml"));
        assert!(!run_html(&run()).contains("Client history"));
    }

    #[test]
    fn compare_report_and_tables() {
        let c = compare();
        let h = compare_html(&c);
        check_html(&h);
        assert!(h.contains("fixed: nodes = 3"));
        assert!(h.contains("<th>loss</th>") && !h.contains("<th>nodes</th>"));
        assert!(h.contains("12.25 ± 0.5"));
        check_html(&compare_html(&CompareReport::default()));

        assert_eq!(
            compare_csv(&c),
            "loss,commits_mean,commits_ci95,commits_n,p99|ms_mean,p99|ms_ci95,p99|ms_n\n\
             0.0,20,1,30,10,0.5,30\n\
             0.1,24.5,1,30,12.25,0.5,30\n"
        );
        assert_eq!(
            compare_markdown(&c),
            "| loss | commits | p99\\|ms |\n\
             | --- | ---: | ---: |\n\
             | 0.0 | 20 ± 1 (n=30) | 10 ± 0.5 (n=30) |\n\
             | 0.1 | 24.5 ± 1 (n=30) | 12.25 ± 0.5 (n=30) |\n"
        );
        // No varied list: every parameter becomes a column.
        let all = CompareReport {
            varied: vec![],
            ..compare()
        };
        assert!(compare_csv(&all).starts_with("loss,nodes,"));
        assert_eq!(compare_markdown(&CompareReport::default()), "");
    }
}
