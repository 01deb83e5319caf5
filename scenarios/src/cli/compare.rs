//! `simlab compare`: a grid of parameter values x seeds, mean and 95% CI per metric, and the
//! regression gate against a baseline.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use protocols::plugin::Better;

use super::args::{load_spec, parse_seeds};
use super::json::{CompareJson, CompareRowJson, MetricJson};
use super::output::{Format, Res, ensure_dir, formats, usage, w, write_file};
use super::progress::Progress;
use super::{EXIT_OK, EXIT_REGRESSION, compare_reports};
use crate::registry::Registry;
use crate::spec::Spec;
use crate::stats::summarize;
use crate::sweep;

#[derive(Args, Debug)]
pub(super) struct CompareArgs {
    /// Catalog name or file path.
    scenario: String,
    /// A parameter and its values: `--vary lb.policy=random,jsq` (repeatable: a grid).
    #[arg(long, value_name = "PATH=V1,V2,...", required = true)]
    vary: Vec<String>,
    /// Seed range per grid point.
    #[arg(long, default_value = "0..5")]
    seeds: String,
    /// Override a field for every grid point (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Only these metrics (repeatable; default: all).
    #[arg(long)]
    metric: Vec<String>,
    /// Output format: text, json, csv or markdown.
    #[arg(
        long,
        default_value = "text",
        value_parser = formats(&["text", "json", "csv", "markdown"])
    )]
    format: Format,
    /// A previous `compare --format json` output to check against.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Accept a baseline measured over a different number of seeds per point.
    #[arg(long)]
    allow_seed_mismatch: bool,
    /// Charts (with --out): the varied parameter on the x axis; the others become one line
    /// each. Default: the first varied parameter whose values are numbers, else the first.
    #[arg(long = "x", value_name = "PARAM")]
    x_param: Option<String>,
    /// Charts: a logarithmic x axis (default: log when the x values are positive and span
    /// two decades or more, such as vnodes 1..1000).
    #[arg(long, conflicts_with = "linear_x")]
    log_x: bool,
    /// Charts: a linear x axis even when the values span decades.
    #[arg(long)]
    linear_x: bool,
    /// Charts: a logarithmic y axis.
    #[arg(long)]
    log_y: bool,
    /// With --baseline: also write the gate's verdicts as JUnit XML (one test case per grid
    /// row and gated metric), which GitHub, GitLab and Jenkins render.
    #[arg(long, value_name = "FILE", requires = "baseline")]
    junit: Option<PathBuf>,
    /// Allowed worsening in percent before exit code 5 (the change must also be beyond the
    /// noise: the two 95% confidence intervals disjoint).
    #[arg(long, value_name = "PCT", default_value_t = 5.0)]
    max_regression: f64,
    /// Treat these metrics as larger-is-better. By default each metric's direction comes from
    /// its protocol's metadata; one without a direction is gated (smaller is better) only if
    /// named by --metric.
    #[arg(long, value_name = "METRIC")]
    higher_is_better: Vec<String>,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// No progress on stderr (by default: a bar on a terminal, a line every 5 s elsewhere).
    #[arg(long)]
    quiet: bool,
    /// Write compare.json (and the report) into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// With --out: also draw METRIC's empirical CDF over the seeds, one line per grid point
    /// (DIR/cdf-METRIC.svg, values in DIR/cdf-METRIC.csv); --log-x for a log x axis.
    #[arg(long, value_name = "METRIC", requires = "out")]
    cdf: Option<String>,
}

/// Runs `simlab compare`: the grid, its table, its files, and the gate if asked.
pub(super) fn cmd_compare(
    reg: &Registry,
    a: CompareArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Res<i32> {
    let (lo, hi) = parse_seeds(&a.seeds).map_err(usage)?;
    let seeds: Vec<u64> = (lo..hi).collect();
    let axes = crate::vary::axes(&a.vary).map_err(usage)?;
    let points = crate::vary::grid(&axes);
    check_x(&a, &points)?;
    let base = load_spec(reg, &a.scenario, &a.sets)?;
    if let Some(m) = &a.cdf {
        super::cdf::check_metric(base.protocol.metrics(), m)?;
    }
    let (rows, cdf_values) = measure(reg, &a, &base, &points, &seeds)?;
    for m in &a.metric {
        if !rows.iter().any(|r| r.metrics.contains_key(m)) {
            return Err(usage(format!(
                "--metric `{m}`: no run reported it; the scenario's metrics are listed by `simlab run {}`",
                a.scenario
            )));
        }
    }
    let doc = CompareJson {
        scenario: base.name.clone(),
        rows,
    };
    let json = serde_json::to_string_pretty(&doc).expect("serialisable");
    if let Some(dir) = &a.out {
        write_out(dir, &a, &base, &doc, &json)?;
        if let Some(m) = &a.cdf {
            let u = unit_of(&base, m);
            let (name, pts) = (&doc.scenario, &points);
            super::cdf::write(dir, name, m, &u, &axes, pts, &cdf_values, a.log_x)?;
        }
    }
    let text = match a.format {
        Format::Json => json + "\n",
        Format::Csv => compare_reports::compare_table(&doc, &a.vary, false),
        Format::Markdown => compare_reports::compare_table(&doc, &a.vary, true),
        Format::Text | Format::Jsonl => compare_reports::compare_text(&doc),
    };
    w(out, &text)?;
    match &a.baseline {
        Some(bpath) => gate(&a, &base, &doc, bpath, err),
        None => Ok(EXIT_OK),
    }
}

/// `--x` must name a varied parameter.
fn check_x(a: &CompareArgs, points: &[Vec<(String, String)>]) -> Res<()> {
    if let Some(x) = &a.x_param
        && !points.iter().flatten().any(|(k, _)| k == x)
    {
        let keys: Vec<&str> = points
            .first()
            .map(|p| p.iter().map(|(k, _)| k.as_str()).collect())
            .unwrap_or_default();
        return Err(usage(format!(
            "--x `{x}`: not a varied parameter; choose one of: {}",
            keys.join(", ")
        )));
    }
    Ok(())
}

/// Runs every grid point over `seeds`: one row of metric summaries per point, and the
/// `--cdf` metric's per-seed values per point (empty without `--cdf`).
fn measure(
    reg: &Registry,
    a: &CompareArgs,
    base: &Spec,
    points: &[Vec<(String, String)>],
    seeds: &[u64],
) -> Res<(Vec<CompareRowJson>, Vec<super::cdf::SeedValues>)> {
    let pb = Progress::new((points.len() * seeds.len()) as u64, "runs", a.quiet);
    let mut rows = Vec::new();
    let mut cdf_values = Vec::new();
    for p in points {
        let mut sets = a.sets.clone();
        sets.extend(p.iter().map(|(k, v)| format!("{k}={v}")));
        let mut spec = load_spec(reg, &a.scenario, &sets)?;
        spec.name = base.name.clone();
        let tick = || pb.tick();
        let runs = sweep::run_seeds(&spec, seeds, a.jobs, &tick).map_err(usage)?;
        if let Some(m) = &a.cdf {
            cdf_values.push(super::cdf::values(&runs, m));
        }
        let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for (_, o) in &runs {
            for (k, v) in &o.metrics {
                if a.metric.is_empty() || a.metric.contains(k) {
                    values.entry(k.clone()).or_default().push(*v);
                }
            }
        }
        rows.push(CompareRowJson {
            params: p.iter().cloned().collect(),
            metrics: values.into_iter().map(|(k, v)| (k, metric(&v))).collect(),
        });
    }
    pb.finish();
    Ok((rows, cdf_values))
}

/// One metric's values over seeds, summarised.
fn metric(values: &[f64]) -> MetricJson {
    let s = summarize(values);
    MetricJson {
        mean: s.mean,
        ci95: s.ci95,
        n: s.n,
    }
}

/// Writes compare.json, the report and the charts into `--out DIR`.
fn write_out(dir: &Path, a: &CompareArgs, base: &Spec, doc: &CompareJson, json: &str) -> Res<()> {
    ensure_dir(dir)?;
    write_file(&dir.join("compare.json"), json.as_bytes())?;
    let opts = compare_reports::ChartOptions {
        x: a.x_param.clone(),
        log_x: (a.log_x || a.linear_x).then_some(a.log_x),
        log_y: a.log_y,
    };
    let unit = |m: &str| unit_of(base, m);
    compare_reports::write_compare_reports(dir, doc, &a.vary, &a.metric, &opts, &unit)
}

/// A metric's unit from the protocol's metadata ("" when it has none).
fn unit_of(base: &Spec, m: &str) -> String {
    protocols::plugin::metrics::lookup(base.protocol.metrics(), m)
        .map(|meta| meta.unit.to_string())
        .unwrap_or_default()
}

/// The regression gate against `--baseline`: verdicts on stderr (and `--junit`), exit 5 on a
/// regression.
fn gate(
    a: &CompareArgs,
    base: &Spec,
    doc: &CompareJson,
    bpath: &Path,
    err: &mut dyn Write,
) -> Res<i32> {
    let btext = fs::read_to_string(bpath)
        .map_err(|e| usage(format!("--baseline {}: {e}", bpath.display())))?;
    let baseline: CompareJson = serde_json::from_str(&btext).map_err(|e| {
        usage(format!(
            "--baseline {}: not a `compare --format json` output: {e}",
            bpath.display()
        ))
    })?;
    let own = base.protocol.metrics();
    let better = |k: &str| -> Better {
        if a.higher_is_better.iter().any(|h| h == k) {
            return Better::Higher;
        }
        let named = a.metric.iter().any(|m| m == k);
        match protocols::plugin::metrics::lookup(own, k).map(|m| m.better) {
            Some(b @ (Better::Lower | Better::Higher)) => b,
            // No direction known: gated (smaller is better) only when named by --metric.
            _ if named => Better::Lower,
            _ => Better::Neither,
        }
    };
    let report = crate::gate::check(
        &baseline,
        doc,
        &crate::gate::GateOptions {
            max_regression_pct: a.max_regression,
            better: &better,
            allow_seed_mismatch: a.allow_seed_mismatch,
        },
    )
    .map_err(|e| usage(format!("--baseline {}: {e}", bpath.display())))?;
    let _ = writeln!(err, "{}", report.summary(a.max_regression));
    for r in &report.regressions {
        let _ = writeln!(err, "{}", r.line());
    }
    if let Some(path) = &a.junit {
        let rows: Vec<String> = doc
            .rows
            .iter()
            .map(|r| crate::junit::params_key(&r.params))
            .collect();
        let xml = crate::junit::gate(&doc.scenario, &report, &rows).map_err(usage)?;
        write_file(path, xml.as_bytes())?;
    }
    if report.regressions.is_empty() {
        Ok(EXIT_OK)
    } else {
        Ok(EXIT_REGRESSION)
    }
}
