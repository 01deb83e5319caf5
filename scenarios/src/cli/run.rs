//! `simlab run`: one seed of a scenario, its summary, its trace and its reports.

use std::fs;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use protocols::plugin::Kind;

use super::args::{Limits, load_spec, reproduce};
use super::json::run_json;
use super::output::{
    Failure, Format, Res, ensure_dir, exit_for_outcome, fmt_num, formats, usage, w, write_file,
};
use super::{EXIT_OK, EXIT_USAGE, reports};
use crate::registry::Registry;
use crate::runners::{self, RunOutput, RunRequest};
use crate::spec::Spec;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum TraceMode {
    /// Same as digest (the digest is always computed).
    Off,
    /// Compute the digest only.
    Digest,
    /// Write every event to DIR/trace.jsonl (needs --out).
    Full,
}

#[derive(Args, Debug)]
pub(super) struct RunArgs {
    /// Catalog name (`family/name`) or file path.
    scenario: String,
    /// Seed (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Override a field (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Trace sink.
    #[arg(long, value_enum, default_value_t = TraceMode::Digest)]
    trace: TraceMode,
    /// Write the run's files (summary.json, trace.jsonl, reports) into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Output format: text or json.
    #[arg(long, default_value = "text", value_parser = formats(&["text", "json"]))]
    format: Format,
    /// Print the event timeline.
    #[arg(long)]
    timeline: bool,
    /// Timeline/diagram window start (e.g. 2s, 150ms).
    #[arg(long)]
    from: Option<String>,
    /// Timeline/diagram window end.
    #[arg(long)]
    to: Option<String>,
    /// Timeline and diagram: only these nodes (repeatable). Without it, a diagram of more
    /// than 20 nodes gives lanes to the 20 busiest.
    #[arg(long)]
    node: Vec<String>,
    /// Timeline: only these message kinds or event names (repeatable).
    #[arg(long)]
    kind: Vec<String>,
    /// Print the events around event index N (the number a violation names); implies
    /// --timeline.
    #[arg(long, value_name = "N")]
    around: Option<u64>,
    /// With --around: events shown on each side.
    #[arg(long, value_name = "K", default_value_t = reports::AROUND_EVENTS)]
    context: u64,
    /// Events each export (timeline.txt, chrome.json, shiviz.log, viewer.html) holds at most,
    /// from the start of the --from/--to window; a cut export says so.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_EXPORT_EVENTS,
          value_parser = clap::value_parser!(u64).range(1..))]
    export_events: u64,
    /// Swarm testing: run the fault profile this seed draws within the scenario's [swarm]
    /// bounds (as `sweep --swarm` ran it).
    #[arg(long)]
    swarm: bool,
    #[command(flatten)]
    limits: Limits,
}

/// `around` is the command that prints a violation's neighbourhood, less its index.
pub(super) fn text_summary(spec: &Spec, seed: u64, o: &RunOutput, around: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!("scenario    {}\n", spec.name));
    s.push_str(&format!("seed        {seed}\n"));
    s.push_str(&format!("outcome     {}\n", o.outcome));
    s.push_str(&format!(
        "stopped     {} at {} after {} events\n",
        o.stop,
        sim::Time(o.sim_time_ns),
        o.events
    ));
    if o.trace_digest.is_empty() {
        s.push_str("digest      none (an analysis: no events, no trace)\n");
    } else {
        s.push_str(&format!("digest      {}\n", o.trace_digest));
    }
    if !o.violations.is_empty() {
        s.push_str("violations\n");
        for v in &o.violations {
            s.push_str(&format!(
                "  {} at {} (event {}): {}\n",
                v.property,
                sim::Time(v.time_ns),
                v.event_index,
                v.detail
            ));
        }
        if let Some(v) = o.violations.first() {
            s.push_str(&format!(
                "  events around the first: {around} {}\n",
                v.event_index
            ));
        }
    }
    if !o.metrics.is_empty() {
        s.push_str("metrics\n");
        let wk = o.metrics.keys().map(|k| k.len()).max().unwrap_or(0);
        for (k, v) in &o.metrics {
            s.push_str(&format!("  {k:<wk$}  {}\n", fmt_num(*v)));
        }
    }
    s
}

/// The trace kept in memory for the timeline and the reports (unless it went to a file).
type Memory = std::rc::Rc<std::cell::RefCell<Vec<sim::TraceLine>>>;

/// The `--from`/`--to` window, parsed.
#[derive(Copy, Clone)]
struct Window {
    from: Option<sim::Time>,
    to: Option<sim::Time>,
}

/// Runs `simlab run`: one seed, its summary on stdout, its files in `--out`.
pub(super) fn cmd_run(
    reg: &Registry,
    a: RunArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Res<i32> {
    if a.trace == TraceMode::Full && a.out.is_none() {
        return Err(usage("--trace full writes DIR/trace.jsonl: give --out DIR"));
    }
    let t0 = Instant::now();
    let (spec, seed) = run_spec(reg, &a)?;
    let window = parse_window(&a)?;
    let timeline = a.timeline || a.around.is_some();
    let body_path = a.out.as_ref().map(|d| d.join("trace.body.jsonl"));
    if let Some(d) = &a.out {
        ensure_dir(d)?;
    }
    let memory = Memory::default();
    // The trace body is a temporary file: removed on every way out (error, Ctrl-C, success
    // after it was copied into trace.jsonl).
    let _body_guard = body_path
        .as_deref()
        .filter(|_| a.trace == TraceMode::Full)
        .map(crate::interrupt::Partial::new);
    let sink = trace_sink(&a, body_path.as_deref(), &memory, window, timeline)?;
    let o = runners::run(RunRequest {
        spec: &spec,
        seed,
        sink,
        interrupt: a.limits.deadline(t0),
    })
    .map_err(usage)?;
    if a.trace == TraceMode::Full && o.metrics.contains_key("trace_write_errors") {
        return Err(usage(format!(
            "writing the trace into {} failed (is the disk full?)",
            a.out.as_ref().expect("checked above").display()
        )));
    }
    let wall_ms = t0.elapsed().as_millis() as u64;
    let json =
        serde_json::to_string_pretty(&run_json(&spec, seed, &o, wall_ms)).expect("serialisable");
    let mut repro = reproduce(reg, &spec.name, seed, &a.sets);
    if a.swarm {
        repro.push_str(" --swarm");
    }
    if let Some(dir) = &a.out {
        write_file(&dir.join("summary.json"), json.as_bytes())?;
        if let Some(body) = body_path.as_deref().filter(|_| a.trace == TraceMode::Full) {
            finish_trace(dir, body, &spec, seed, &o)?;
        }
    }
    let run = Finished {
        spec: &spec,
        seed,
        o: &o,
        repro: &repro,
        window,
    };
    show_run(&a, &run, &memory, &json, out)?;
    let code = exit_for_outcome(&o.outcome);
    if code != EXIT_OK {
        let _ = writeln!(err, "{repro}");
    }
    Ok(code)
}

/// A finished run and what its reports and timeline are drawn with.
struct Finished<'a> {
    spec: &'a Spec,
    seed: u64,
    o: &'a RunOutput,
    repro: &'a str,
    window: Window,
}

/// The spec to run (with `--max-events` and the swarm profile applied) and the seed.
fn run_spec(reg: &Registry, a: &RunArgs) -> Res<(Spec, u64)> {
    let mut spec = load_spec(reg, &a.scenario, &a.sets)?;
    a.limits.apply(&mut spec);
    if spec.protocol.kind() == Kind::Analysis
        && (a.trace == TraceMode::Full || a.timeline || a.around.is_some())
    {
        return Err(usage(format!(
            "{} is an analysis (protocol `{}`): it has no events, so no trace and no \
             timeline; run it without --trace full, --timeline and --around",
            spec.name,
            spec.protocol.name()
        )));
    }
    let seed = a.seed.unwrap_or(spec.seed);
    if a.swarm {
        spec = protocols::plugin::swarm::draw(&spec, seed)
            .map_err(usage)?
            .0;
    }
    Ok((spec, seed))
}

/// `--from`/`--to`, and the timeline filters that need a timeline (or a diagram) to filter.
fn parse_window(a: &RunArgs) -> Res<Window> {
    let from = a
        .from
        .as_deref()
        .map(sim::time::parse_duration)
        .transpose()
        .map_err(|e| usage(format!("--from: {e}")))?;
    let to =
        a.to.as_deref()
            .map(sim::time::parse_duration)
            .transpose()
            .map_err(|e| usage(format!("--to: {e}")))?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(usage(format!("--from ({f}) must not be after --to ({t})")));
    }
    let timeline = a.timeline || a.around.is_some();
    if !timeline && !a.kind.is_empty() {
        return Err(usage(
            "--kind filters the timeline: add --timeline (or --around N)",
        ));
    }
    if !timeline && a.out.is_none() && !a.node.is_empty() {
        return Err(usage(
            "--node filters the timeline and the diagram: add --timeline (or --around N) or \
             --out DIR",
        ));
    }
    Ok(Window { from, to })
}

/// Where the run's events go: the trace body file (`--trace full`), memory (for a timeline
/// or reports), or nowhere.
fn trace_sink(
    a: &RunArgs,
    body_path: Option<&Path>,
    memory: &Memory,
    window: Window,
    timeline: bool,
) -> Res<Option<Box<dyn sim::TraceSink>>> {
    if a.trace == TraceMode::Full {
        let p = body_path.expect("checked above");
        let f = fs::File::create(p)
            .map_err(|e| usage(format!("cannot create {}: {e}", p.display())))?;
        return Ok(Some(Box::new(sim::trace::JsonlSink::new(BufWriter::new(
            f,
        )))));
    }
    if !timeline && a.out.is_none() {
        return Ok(None);
    }
    let m = memory.clone();
    // Reports need the window's first `export_events` (one more tells them they were
    // cut); a timeline on the terminal may want more, up to a memory cap.
    let cap = if timeline {
        MEMORY_TRACE_CAP
    } else {
        (a.export_events as usize).saturating_add(1)
    };
    let (lo, hi) = (
        window.from.map_or(0, |t| t.0),
        window.to.map_or(u64::MAX, |t| t.0),
    );
    Ok(Some(Box::new(sim::trace::FnSink(
        move |r: &sim::Record<'_>| {
            let mut v = m.borrow_mut();
            if v.len() < cap {
                let l = sim::TraceLine::from_record(r);
                if (lo..=hi).contains(&l.t) {
                    v.push(l);
                }
            }
        },
    ))))
}

/// Writes the reports into `--out`, then the timeline and the summary to `out`.
fn show_run(
    a: &RunArgs,
    run: &Finished<'_>,
    memory: &Memory,
    json: &str,
    out: &mut dyn Write,
) -> Res<()> {
    // Reports and the timeline read the trace again: from memory, or streamed from the file.
    let trace_file = a.out.as_ref().map(|d| d.join("trace.jsonl"));
    let mem = memory.borrow();
    let from_file = || -> Box<dyn Iterator<Item = sim::TraceLine> + '_> {
        let p = trace_file.clone().expect("full traces have --out");
        match fs::File::open(&p)
            .map_err(|e| e.to_string())
            .and_then(|f| ::reports::read_jsonl(BufReader::new(f)))
        {
            Ok((_, mut r)) => Box::new(std::iter::from_fn(move || r.events().next())),
            Err(_) => Box::new(std::iter::empty()),
        }
    };
    let from_mem =
        || -> Box<dyn Iterator<Item = sim::TraceLine> + '_> { Box::new(mem.iter().cloned()) };
    let lines: reports::Lines<'_> = if a.trace == TraceMode::Full {
        &from_file
    } else {
        &from_mem
    };
    let o = run.o;
    if let Some(bad) = a.node.iter().find(|n| !o.nodes.contains(n)) {
        return Err(usage(format!(
            "--node `{bad}`: no such node in this run; nodes: {}",
            o.nodes.join(", ")
        )));
    }
    if let Some(dir) = &a.out {
        reports::write_run_reports(
            dir,
            run.spec,
            run.seed,
            o,
            lines,
            run.repro,
            run.window.from,
            run.window.to,
            a.export_events,
            &a.node,
        )?;
    }
    let timeline = a.timeline || a.around.is_some();
    if timeline {
        w(out, &timeline_text(a, run, lines)?)?;
    }
    match a.format {
        Format::Json => w(out, &format!("{json}\n")),
        _ if timeline => Ok(()),
        _ => {
            let cmd = run.repro.trim_start_matches("reproduce with: ");
            let around = format!("{cmd} --around");
            w(out, &text_summary(run.spec, run.seed, o, &around))
        }
    }
}

/// The timeline `--timeline`/`--around` print.
fn timeline_text(a: &RunArgs, run: &Finished<'_>, lines: reports::Lines<'_>) -> Res<String> {
    check_kinds(&a.kind, lines)?;
    let o = run.o;
    let indices = match a.around {
        Some(n) if n >= o.events => {
            return Err(usage(format!(
                "--around {n}: the run has {} events, numbered 0..{}",
                o.events,
                o.events.saturating_sub(1)
            )));
        }
        Some(n) => Some(reports::around(n, a.context)),
        None => None,
    };
    let (from, to) = (run.window.from, run.window.to);
    Ok(reports::timeline(
        &o.nodes, lines, from, to, &a.node, &a.kind, indices,
    ))
}

/// Each `--kind` must be an event name or a message kind this run sent: an unknown one would
/// silently filter everything out.
pub(super) fn check_kinds(kinds: &[String], lines: reports::Lines<'_>) -> Res<()> {
    let unknown: Vec<&String> = kinds
        .iter()
        .filter(|k| k.parse::<sim::trace::EventKind>().is_err())
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let mut seen = std::collections::BTreeSet::new();
    for l in lines() {
        if let Some(k) = l.kind {
            seen.insert(k);
        }
    }
    if let Some(bad) = unknown.iter().find(|k| !seen.contains(k.as_str())) {
        let events: Vec<&str> = sim::trace::EventKind::ALL
            .iter()
            .map(|e| e.name())
            .collect();
        return Err(usage(format!(
            "--kind `{bad}`: neither an event ({}) nor a message kind of this run ({})",
            events.join(", "),
            seen.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(())
}

/// Events each export of `run --out` and `replay --out` holds at most, by default.
pub(super) const DEFAULT_EXPORT_EVENTS: u64 = 100_000;

/// Traces kept in memory for reports are capped; a longer run's reports cover its start.
pub(super) const MEMORY_TRACE_CAP: usize = 2_000_000;

pub(super) fn finish_trace(
    dir: &Path,
    body: &Path,
    spec: &Spec,
    seed: u64,
    o: &RunOutput,
) -> Res<()> {
    let path = dir.join("trace.jsonl");
    let io = |e: std::io::Error| Failure {
        code: EXIT_USAGE,
        message: format!("writing {}: {e}", path.display()),
    };
    let guard = crate::interrupt::Partial::new(&path);
    let f = fs::File::create(&path).map_err(io)?;
    let mut wr = BufWriter::new(f);
    // The same lines as `replay::full_trace`, which `replay` compares against.
    let header = crate::replay::trace_header(spec, seed, &o.nodes);
    wr.write_all(crate::replay::json_line(&header).as_bytes())
        .map_err(io)?;
    wr.write_all(b"\n").map_err(io)?;
    let mut src = fs::File::open(body).map_err(io)?;
    std::io::copy(&mut src, &mut wr).map_err(io)?;
    let footer = crate::replay::trace_footer(o);
    wr.write_all(crate::replay::json_line(&footer).as_bytes())
        .map_err(io)?;
    wr.write_all(b"\n").map_err(io)?;
    wr.flush().map_err(io)?;
    guard.keep();
    Ok(())
}
