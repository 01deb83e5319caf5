//! A run's client history out of the run: `history.jsonl` in `--out DIR` (the JSONL format
//! `simlab check-history` reads, so the file can be checked again, by simlab or anything
//! else) and the history section of the run report (the verdict, and the history drawn).
//! Protocols hand their history over in [`RunOutput::history`]; a run without one writes
//! neither.

use std::io::Write as _;
use std::path::Path;

use protocols::linearizability::{Op, Report, Verdict, jsonl};
use protocols::plugin::ClientHistory;
use reports::{DrawnOp, HistorySection, Mark, TimedOp};

use crate::check_history::describe;
use crate::cli::{EXIT_USAGE, Failure};
use crate::runners::RunOutput;

/// The file's name in `--out DIR`.
pub const FILE: &str = "history.jsonl";

/// Operations of the linearizable prefix listed before the culprit.
const PREFIX_LISTED: usize = 5;
/// The detail drawing around a culprit: operations of its key invoked before it, and after.
const DETAIL_BEFORE: usize = 16;
const DETAIL_AFTER: usize = 4;
/// Operations drawn to scale at most (around the culprit, or the first ones).
const OVERVIEW_MAX: usize = 1000;

/// Writes `dir/history.jsonl`, one operation per line in the checker's order, if the run
/// recorded a client history.
pub fn write_jsonl(dir: &Path, o: &RunOutput) -> Result<(), Failure> {
    let Some(h) = &o.history else {
        return Ok(());
    };
    let p = dir.join(FILE);
    let fail = |e: std::io::Error| Failure {
        code: EXIT_USAGE,
        message: format!("cannot write {}: {e}", p.display()),
    };
    let mut w = std::io::BufWriter::new(std::fs::File::create(&p).map_err(fail)?);
    for op in &h.ops {
        writeln!(w, "{}", jsonl::to_line(op)).map_err(fail)?;
    }
    w.flush().map_err(fail)
}

/// The indices of `ops` on the failing key of `rep`, in invocation order, from `before`
/// operations invoked before the culprit to `after` after it.
pub fn around_culprit(ops: &[Op], rep: &Report, before: usize, after: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ops.len())
        .filter(|&i| ops[i].call.key() == rep.key)
        .collect();
    order.sort_by_key(|&i| (ops[i].invoke, i));
    let at = order.iter().position(|&i| i == rep.culprit).unwrap_or(0);
    order[at.saturating_sub(before)..(at + 1 + after).min(order.len())].to_vec()
}

/// Each operation's mark: its place in the longest linearizable prefix, or the culprit.
pub fn marks(n: usize, verdict: &Verdict) -> Vec<Mark> {
    let mut marks = vec![Mark::Plain; n];
    if let Verdict::NotLinearizable(rep) = verdict {
        for (k, &i) in rep.linearized.iter().enumerate() {
            marks[i] = Mark::Linearized(k + 1);
        }
        marks[rep.culprit] = Mark::Culprit;
    }
    marks
}

/// The run report's section for `h`.
pub fn report_section(h: &ClientHistory) -> HistorySection {
    let n = h.ops.len();
    let clients: std::collections::BTreeSet<u64> = h.ops.iter().map(|o| o.client).collect();
    let model = h.model.name();
    let recheck = format!(
        "The run wrote it to {FILE} (one operation per line, in the order checked); \
         `simlab check-history {FILE} --model {model}` checks it again."
    );
    let what = format!(
        "{n} operations by {} client sessions, checked against the {model} model at the end \
         of the run:",
        clients.len()
    );
    let marks = marks(n, &h.verdict);
    let mut section = HistorySection::default();
    match &h.verdict {
        Verdict::Linearizable => {
            section.lines = vec![format!("{what} linearizable."), recheck];
        }
        Verdict::NotLinearizable(rep) => {
            section.lines = vec![
                format!(
                    "{what} not linearizable. On {} the longest linearizable prefix has {} \
                     operations, and the operation that must come next cannot be placed after \
                     it (red below; the prefix is green, numbered in its order).",
                    register(&rep.key),
                    rep.linearized.len()
                ),
                recheck,
            ];
            let tail = rep.linearized.len().saturating_sub(PREFIX_LISTED);
            let mut listing = String::new();
            if tail > 0 {
                listing += &format!("... {tail} operations before\n");
            }
            for (k, &i) in rep.linearized.iter().enumerate().skip(tail) {
                listing += &format!("{:>4}. {}\n", k + 1, op_text(h, i));
            }
            listing += &format!("cannot place: {}", op_text(h, rep.culprit));
            section.listing = Some(listing);
            let window = around_culprit(&h.ops, rep, DETAIL_BEFORE, DETAIL_AFTER);
            let drawn = drawn(h, &window, &marks);
            section.detail = Some(reports::history_svg_with_axis(
                &format!(
                    "{} around the culprit: {} operations, spread by rank (not to scale)",
                    register(&rep.key),
                    drawn.len()
                ),
                &drawn,
                &|t| reports::fmt_f64(t as f64 / 1e9),
            ));
        }
        Verdict::Unknown(u) => {
            section.lines = vec![
                format!("{what} undecided: {u}."),
                recheck.replace(
                    "checks it again.",
                    "checks it again (raise --budget or --max-memory).",
                ),
            ];
        }
    }
    let (window, of) = overview_window(h);
    let failing_key = match &h.verdict {
        Verdict::NotLinearizable(rep) => Some(rep.key.as_str()),
        _ => None,
    };
    let timed: Vec<TimedOp> = drawn(h, &window, &marks)
        .into_iter()
        .zip(&window)
        .map(|(op, &i)| TimedOp {
            op,
            faded: failing_key.is_some_and(|k| h.ops[i].call.key() != k),
        })
        .collect();
    section.overview = reports::history_timeline_svg(&of, &timed);
    section
}

/// The operations the overview draws (all, unless there are very many) and its title.
fn overview_window(h: &ClientHistory) -> (Vec<usize>, String) {
    let n = h.ops.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (h.ops[i].invoke, i));
    if n <= OVERVIEW_MAX {
        return (order, format!("all {n} operations, to scale"));
    }
    let at = match &h.verdict {
        Verdict::NotLinearizable(rep) => order.iter().position(|&i| i == rep.culprit),
        _ => None,
    };
    let start = at.map_or(0, |a| {
        a.saturating_sub(OVERVIEW_MAX / 2).min(n - OVERVIEW_MAX)
    });
    let window = order[start..start + OVERVIEW_MAX].to_vec();
    let title = format!(
        "operations {} to {} of {n} in invocation order{}, to scale",
        start + 1,
        start + OVERVIEW_MAX,
        if at.is_some() {
            ", around the culprit"
        } else {
            ""
        }
    );
    (window, title)
}

/// The operations `which`, as drawn: lanes in client order, each in time order.
fn drawn(h: &ClientHistory, which: &[usize], marks: &[Mark]) -> Vec<DrawnOp> {
    let mut order = which.to_vec();
    order.sort_by_key(|&i| (h.ops[i].client, h.ops[i].invoke, i));
    order
        .iter()
        .map(|&i| {
            let op = &h.ops[i];
            DrawnOp {
                client: h.client_name(op.client),
                invoke: op.invoke,
                ret: op.ret,
                label: describe(op),
                detail: op_text(h, i),
                mark: marks[i],
            }
        })
        .collect()
}

/// `key "3"`, or `the register` for the single-register models' one key.
fn register(key: &str) -> String {
    match key {
        "" => "the register".to_string(),
        k => format!("key {k:?}"),
    }
}

/// `c1: [3] write 7 -> ok, 0.012000 s to 0.015000 s (history.jsonl line 4)`.
fn op_text(h: &ClientHistory, i: usize) -> String {
    let op = &h.ops[i];
    format!(
        "{}: {}, {} ({FILE} line {})",
        h.client_name(op.client),
        describe(op),
        interval(op),
        i + 1
    )
}

/// `0.012000 s to 0.015000 s`, or `from 0.012000 s, never answered` (as the report's
/// violations give times).
fn interval(op: &Op) -> String {
    let s = reports::fmt::fmt_secs;
    match op.ret {
        Some(r) => format!("{} s to {} s", s(op.invoke), s(r)),
        None => format!("from {} s, never answered", s(op.invoke)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocols::linearizability::{Budget, Call, Model, Ret, check};

    const MS: u64 = 1_000_000;

    /// Client `c` writes `v` to `key` from `t` ms to a millisecond later.
    fn write(c: u64, key: &str, v: i64, t: u64) -> Op {
        Op {
            client: c,
            invoke: t * MS,
            ret: Some((t + 1) * MS),
            call: Call::Write {
                key: key.into(),
                value: v,
            },
            result: Some(Ret::Ok),
        }
    }

    fn read(c: u64, key: &str, v: Option<i64>, t: u64) -> Op {
        Op {
            client: c,
            invoke: t * MS,
            ret: Some((t + 1) * MS),
            call: Call::Read { key: key.into() },
            result: Some(Ret::Read(v)),
        }
    }

    /// `ops` as a run would hand them over, with the checker's own verdict.
    fn history(ops: Vec<Op>) -> ClientHistory {
        let verdict = check(Model::Kv, &ops, &Budget::unlimited()).unwrap();
        ClientHistory {
            model: Model::Kv,
            clients: [(0, "c1".to_string())].into(),
            ops,
            verdict,
        }
    }

    // A violation gets its listing and detail drawing, the culprit marked in both drawings
    // and other keys faded in the overview; a linearizable history only the overview.
    #[test]
    fn a_violation_is_listed_and_drawn_around_its_culprit() {
        let ops = vec![
            write(0, "a", 1, 10),
            write(1, "b", 5, 12),
            read(1, "a", Some(2), 20),
        ];
        let bad = report_section(&history(ops.clone()));
        assert!(
            bad.lines[0].contains("not linearizable. On key \"a\""),
            "{:?}",
            bad.lines
        );
        let listing = bad.listing.as_deref().unwrap();
        assert!(listing.contains("   1. c1: [a] write 1 -> ok"), "{listing}");
        assert!(
            listing.ends_with(
                "cannot place: client 1: [a] read -> 2, 0.020000 s to 0.021000 s \
                 (history.jsonl line 3)"
            ),
            "{listing}"
        );
        let detail = bad.detail.as_deref().unwrap();
        assert_eq!(detail.matches("class=\"culprit\"").count(), 1);
        // The detail is key a's: b's write is not in it.
        assert!(!detail.contains("[b]"), "{detail}");
        assert!(
            bad.overview
                .contains("<g class=\"faded\"><title>client 1: [b] write 5")
        );
        // The culprit's bar, and its swatch in the legend.
        assert_eq!(bad.overview.matches("<rect class=\"culprit\"").count(), 2);

        let good = report_section(&history(vec![ops[0].clone(), read(1, "a", Some(1), 20)]));
        assert!(good.lines[0].ends_with("linearizable."), "{:?}", good.lines);
        assert!(good.listing.is_none() && good.detail.is_none());
        assert!(good.lines[1].contains("simlab check-history history.jsonl --model kv"));
    }

    // Past 1,000 operations the overview draws the 1,000 around the culprit (or the first).
    #[test]
    fn long_histories_are_drawn_around_the_culprit() {
        let mut ops: Vec<Op> = (0..1500).map(|i| write(i % 3, "a", 1, 2 * i)).collect();
        ops[1400] = read(0, "a", Some(9), 2 * 1400);
        let h = history(ops);
        let Verdict::NotLinearizable(rep) = &h.verdict else {
            panic!("{:?}", h.verdict)
        };
        assert_eq!(rep.culprit, 1400);
        let (window, title) = overview_window(&h);
        assert_eq!(window, (500..1500).collect::<Vec<usize>>());
        assert_eq!(
            title,
            "operations 501 to 1500 of 1500 in invocation order, around the culprit, to scale"
        );
        let mut fine = h.clone();
        fine.verdict = Verdict::Linearizable;
        let (window, title) = overview_window(&fine);
        assert_eq!(window, (0..1000).collect::<Vec<usize>>());
        assert!(title.starts_with("operations 1 to 1000 of 1500"), "{title}");
    }
}
