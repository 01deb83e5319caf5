//! Glue between the CLI and the `reports` crate for `compare`: the files `compare --out DIR`
//! writes (report, tables, one chart per metric) and the text, CSV and Markdown tables.

use std::collections::BTreeSet;
use std::path::Path;

use reports::{CompareReport, CompareRow};

use super::reports::write;
use super::{CompareJson, Failure};

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
        code: super::EXIT_USAGE,
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
