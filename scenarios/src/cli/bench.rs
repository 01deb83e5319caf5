//! `simlab bench`: kernel speed (events/s, ns/event, memory) per trace sink.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde::Serialize;

use super::args::load_spec;
use super::output::{Failure, Format, Res, formats, usage, w};
use super::{EXIT_NONDETERMINISM, EXIT_OK};
use crate::registry::Registry;
use crate::runners::{self, RunOutput, RunRequest};
use crate::spec::Spec;

#[derive(Args, Debug)]
pub(super) struct BenchArgs {
    /// Catalog name or file path (default: lb/supermarket at n=100, d=2, lambda=0.9).
    scenario: Option<String>,
    /// Override a field (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Trace sinks to measure: none (digest only) and/or jsonl (streamed to a null writer, or
    /// to --trace-file).
    #[arg(long, value_delimiter = ',', default_value = "none,jsonl")]
    sinks: Vec<String>,
    /// Stream the JSONL trace to this file instead of discarding it.
    #[arg(long)]
    trace_file: Option<PathBuf>,
    /// Runs per sink (1-1000): rates are computed from the median wall time, and the minimum
    /// and maximum are reported too; every repeat must give the same trace digest.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,
    /// Output format: text or json.
    #[arg(long, default_value = "text", value_parser = formats(&["text", "json"]))]
    format: Format,
}

/// Peak and current resident memory in MiB, from /proc (Linux); None elsewhere.
pub(super) fn memory_mib() -> (Option<f64>, Option<f64>) {
    let Ok(s) = fs::read_to_string("/proc/self/status") else {
        return (None, None);
    };
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// One bench measurement: a sink's median run of `runs`.
#[derive(Serialize, Debug)]
pub(super) struct BenchRow {
    sink: String,
    runs: u32,
    /// Median wall time; every rate below is computed from it.
    wall_s: f64,
    wall_min_s: f64,
    wall_max_s: f64,
    kernel_events: u64,
    trace_events: u64,
    model_events: u64,
    kernel_events_per_s: f64,
    model_events_per_s: f64,
    ns_per_model_event: f64,
    /// Customers served (queueing models only): the reference loops' unit for comparing
    /// implementations that use different numbers of kernel events per customer.
    customers: Option<u64>,
    customers_per_s: Option<f64>,
    peak_rss_mib: Option<f64>,
    rss_mib: Option<f64>,
    digest: String,
}

/// Runs `simlab bench`: the protocol's own bench table, or timed runs per sink.
pub(super) fn cmd_bench(reg: &Registry, a: BenchArgs, out: &mut dyn Write) -> Res<i32> {
    let scenario = a
        .scenario
        .clone()
        .unwrap_or_else(|| "lb/supermarket".to_string());
    let spec = load_spec(reg, &scenario, &a.sets)?;
    let t0 = Instant::now();
    let mut clock = || t0.elapsed().as_secs_f64();
    if let Some(table) = spec.protocol.bench(&spec, &mut clock) {
        return bench_table(&spec.name, table.map_err(usage)?, a.format, out);
    }
    let mut rows = Vec::new();
    for sink_name in &a.sinks {
        if !matches!(sink_name.as_str(), "none" | "digest" | "jsonl") {
            return Err(usage(format!(
                "--sinks: unknown sink `{sink_name}`; allowed: none, jsonl"
            )));
        }
        rows.push(measure_sink(&spec, &a, sink_name)?);
    }
    if a.format == Format::Json {
        w(
            out,
            &(serde_json::to_string_pretty(&rows).expect("serialisable") + "\n"),
        )?;
    } else {
        w(out, &bench_text(&spec.name, a.seed, &rows))?;
    }
    Ok(EXIT_OK)
}

/// `--repeat` runs with one sink: the median run, and the range of wall times.
fn measure_sink(spec: &Spec, a: &BenchArgs, sink_name: &str) -> Res<BenchRow> {
    // Machine speed drifts by 10-20% over minutes on a shared host: repeats give a median
    // and a range instead of one draw.
    let mut walls = Vec::with_capacity(a.repeat as usize);
    let mut first: Option<RunOutput> = None;
    for k in 0..a.repeat {
        let (o, wall) = timed_run(spec, a, sink_name)?;
        walls.push(wall);
        match &first {
            None => first = Some(o),
            Some(f) if f.trace_digest != o.trace_digest => {
                return Err(Failure {
                    code: EXIT_NONDETERMINISM,
                    message: format!(
                        "nondeterminism: repeat {} of sink {sink_name} gave trace digest {}, \
                         the first gave {}",
                        k + 1,
                        o.trace_digest,
                        f.trace_digest
                    ),
                });
            }
            Some(_) => {}
        }
    }
    let o = first.expect("at least one run");
    walls.sort_by(f64::total_cmp);
    Ok(bench_row(spec, a, sink_name, &o, &walls))
}

/// One run with the named sink, and its wall time in seconds.
fn timed_run(spec: &Spec, a: &BenchArgs, sink_name: &str) -> Res<(RunOutput, f64)> {
    let sink: Option<Box<dyn sim::TraceSink>> = match (sink_name, &a.trace_file) {
        ("jsonl", Some(p)) => {
            let f = fs::File::create(p)
                .map_err(|e| usage(format!("--trace-file {}: {e}", p.display())))?;
            Some(Box::new(sim::trace::JsonlSink::new(
                BufWriter::with_capacity(1 << 20, f),
            )))
        }
        ("jsonl", None) => Some(Box::new(sim::trace::JsonlSink::new(std::io::sink()))),
        _ => None,
    };
    let t0 = Instant::now();
    let o = runners::run(RunRequest {
        spec,
        seed: a.seed,
        sink,
        interrupt: None,
    })
    .map_err(usage)?;
    let wall = t0.elapsed().as_secs_f64().max(1e-9);
    if o.metrics.contains_key("trace_write_errors") {
        let to = a
            .trace_file
            .as_ref()
            .map_or("the null writer".to_string(), |p| p.display().to_string());
        return Err(usage(format!(
            "--sinks {sink_name}: writing the trace to {to} failed (is the disk full?)"
        )));
    }
    Ok((o, wall))
}

/// The row of a sink's runs, rates from the median of `sorted` wall times.
fn bench_row(spec: &Spec, a: &BenchArgs, sink: &str, o: &RunOutput, sorted: &[f64]) -> BenchRow {
    let secs = sorted[(sorted.len() - 1) / 2];
    let counts = spec.protocol.bench_counts(o);
    let model = counts.model_events;
    let customers = counts.customers;
    let (peak, rss) = memory_mib();
    BenchRow {
        sink: sink.to_string(),
        runs: a.repeat,
        wall_s: secs,
        wall_min_s: sorted[0],
        wall_max_s: sorted[sorted.len() - 1],
        kernel_events: o.kernel_events,
        trace_events: o.events,
        model_events: model,
        kernel_events_per_s: o.kernel_events as f64 / secs,
        model_events_per_s: model as f64 / secs,
        ns_per_model_event: secs * 1e9 / model.max(1) as f64,
        customers,
        customers_per_s: customers.map(|c| c as f64 / secs),
        peak_rss_mib: peak,
        rss_mib: rss,
        digest: o.trace_digest.clone(),
    }
}

/// The bench rows as an aligned table.
fn bench_text(name: &str, seed: u64, rows: &[BenchRow]) -> String {
    let mut t = format!("bench {name} seed {seed}\n");
    t.push_str(&format!(
        "{:<6} {:>8} {:>13} {:>13} {:>13} {:>12} {:>10} {:>10} {:>13}\n",
        "sink",
        "wall_s",
        "model_events",
        "model_ev/s",
        "kernel_ev/s",
        "ns/model_ev",
        "peak_MiB",
        "rss_MiB",
        "customers/s"
    ));
    for r in rows {
        t.push_str(&format!(
            "{:<6} {:>8.3} {:>13} {:>13.0} {:>13.0} {:>12.1} {:>10} {:>10} {:>13}\n",
            r.sink,
            r.wall_s,
            r.model_events,
            r.model_events_per_s,
            r.kernel_events_per_s,
            r.ns_per_model_event,
            r.peak_rss_mib.map_or("-".into(), |x| format!("{x:.1}")),
            r.rss_mib.map_or("-".into(), |x| format!("{x:.1}")),
            r.customers_per_s.map_or("-".into(), |x| format!("{x:.0}")),
        ));
    }
    for r in rows.iter().filter(|r| r.runs > 1) {
        t.push_str(&format!(
            "{}: median of {} runs; wall {:.3}-{:.3} s\n",
            r.sink, r.runs, r.wall_min_s, r.wall_max_s
        ));
    }
    t
}

/// Prints a protocol's own bench table (its `bench` hook replaced the timed runs).
pub(super) fn bench_table(
    name: &str,
    t: protocols::plugin::BenchTable,
    format: Format,
    out: &mut dyn Write,
) -> Res<i32> {
    if format == Format::Json {
        w(
            out,
            &(serde_json::to_string_pretty(&t.json).expect("serialisable") + "\n"),
        )?;
        return Ok(EXIT_OK);
    }
    let widths: Vec<usize> = (0..t.columns.len())
        .map(|i| {
            t.rows
                .iter()
                .filter_map(|r| r.get(i))
                .chain(std::iter::once(&t.columns[i]))
                .map(String::len)
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let wd = widths.get(i).copied().unwrap_or(0);
            if i == 0 {
                l.push_str(&format!("{c:<wd$}"));
            } else {
                l.push_str(&format!(" {c:>wd$}"));
            }
        }
        l.push('\n');
        l
    };
    let mut text = format!("bench {name}: {}\n", t.title);
    text.push_str(&line(&t.columns));
    for r in &t.rows {
        text.push_str(&line(r));
    }
    w(out, &text)?;
    Ok(EXIT_OK)
}
