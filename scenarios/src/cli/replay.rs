//! `simlab replay`: re-run a JSONL trace from its header and compare it line by line.

use std::fs;
use std::io::{BufReader, Write};
use std::path::Path;
use std::time::Instant;

use super::json::run_json;
use super::output::{Res, ensure_dir, usage, w, write_file};
use super::run::DEFAULT_EXPORT_EVENTS;
use super::{EXIT_NONDETERMINISM, EXIT_OK, reports};
use crate::registry::Registry;
use crate::replay::Replay;

/// Runs `simlab replay`: exit 0 when the re-run matches the file, 4 at a difference.
pub(super) fn cmd_replay(
    reg: &Registry,
    file: &Path,
    dir: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Res<i32> {
    let f = fs::File::open(file).map_err(|e| usage(format!("{}: {e}", file.display())))?;
    // With --out, the reports are drawn from the re-run, kept in memory as `run --out` does.
    let memory = std::rc::Rc::new(std::cell::RefCell::new(Vec::<sim::TraceLine>::new()));
    let extra: Option<Box<dyn sim::TraceSink>> = dir.map(|_| {
        let m = memory.clone();
        Box::new(sim::trace::FnSink(move |r: &sim::Record<'_>| {
            let mut v = m.borrow_mut();
            // The exports' window, and one more event to tell them they were cut.
            if v.len() <= DEFAULT_EXPORT_EVENTS as usize {
                v.push(sim::TraceLine::from_record(r));
            }
        })) as Box<dyn sim::TraceSink>
    });
    if let Some(d) = dir {
        ensure_dir(d)?;
    }
    let t0 = Instant::now();
    let r = crate::replay::replay(reg, BufReader::new(f), extra)
        .map_err(|e| usage(format!("{}: {e}", file.display())))?;
    let wall_ms = t0.elapsed().as_millis() as u64;
    let (h, o) = (&r.header, &r.output);
    if h.simlab != env!("CARGO_PKG_VERSION") {
        let _ = writeln!(
            err,
            "note: {} was written by simlab {}, this is simlab {}",
            file.display(),
            h.simlab,
            env!("CARGO_PKG_VERSION")
        );
    }
    if let Some(d) = dir {
        write_rerun_reports(reg, file, d, &r, &memory.borrow(), wall_ms)?;
    }
    if r.matches() {
        w(
            out,
            &format!(
                "replayed {} seed {}: all {} event lines, the footer (digest {}, outcome {}) \
                 and the node list match the re-run\n",
                h.scenario, h.seed, o.events, o.trace_digest, o.outcome
            ),
        )?;
        return Ok(EXIT_OK);
    }
    w(out, &differences(&r, file))?;
    Ok(EXIT_NONDETERMINISM)
}

/// `replay --out DIR`: the re-run's summary.json and reports, as `run --out` writes them.
fn write_rerun_reports(
    reg: &Registry,
    file: &Path,
    d: &Path,
    r: &Replay,
    mem: &[sim::TraceLine],
    wall_ms: u64,
) -> Res<()> {
    let (h, o) = (&r.header, &r.output);
    let json = run_json(&r.spec, h.seed, o, wall_ms);
    let summary = serde_json::to_string_pretty(&json).expect("serialisable");
    write_file(&d.join("summary.json"), summary.as_bytes())?;
    let lines =
        || -> Box<dyn Iterator<Item = sim::TraceLine> + '_> { Box::new(mem.iter().cloned()) };
    let repro = format!(
        "reproduce with: {} replay {}",
        reg.program(),
        file.display()
    );
    reports::write_run_reports(
        d,
        &r.spec,
        h.seed,
        o,
        &lines,
        &repro,
        None,
        None,
        DEFAULT_EXPORT_EVENTS,
        &[],
    )?;
    Ok(())
}

/// What differs between the file and the re-run: the first divergent event with the events
/// before it, the footer fields, the node list.
fn differences(r: &Replay, file: &Path) -> String {
    let (h, o) = (&r.header, &r.output);
    let mut t = format!(
        "replay of {} seed {} DIFFERS from the re-run ({}):\n",
        h.scenario,
        h.seed,
        file.display()
    );
    if let Some(d) = &r.divergence {
        t.push_str(&format!(
            "first differing event: index {} (line {})\n",
            d.index, d.line
        ));
        if !d.context.is_empty() {
            t.push_str("  before it (the same in both):\n");
            for c in &d.context {
                t.push_str(&format!("    {c}\n"));
            }
        }
        let expected = d
            .expected
            .clone()
            .unwrap_or_else(|| format!("(none: the re-run ended after {} events)", o.events));
        let actual = d.actual.clone().unwrap_or_else(|| {
            format!(
                "(none: the file's events end here, after {}; line {} is its footer)",
                r.file_events, d.line
            )
        });
        t.push_str(&format!("  expected (re-run): {expected}\n"));
        t.push_str(&format!("  actual (file):     {actual}\n"));
    }
    for fd in &r.footer_diffs {
        t.push_str(&format!("footer {fd}\n"));
    }
    if !r.nodes_match() {
        t.push_str(&format!(
            "nodes: the header has [{}], the re-run has [{}]\n",
            h.nodes.join(", "),
            o.nodes.join(", ")
        ));
    }
    t
}
