//! `simlab check-history FILE --model M`: is a history recorded elsewhere linearizable?
//!
//! Exit codes: 0 linearizable, 1 not (with the key, the longest linearizable prefix and the
//! operation that cannot be placed, by line), 2 bad input (file, line and column, what was
//! expected), 3 undecided (the step, memory or wall-clock budget ran out).
//!
//! The wall-clock limit is a thread that raises the checker's cancellation flag; the checker
//! itself never reads the clock.

#![allow(clippy::disallowed_methods)] // wall clock for the time limit and the time report

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use protocols::linearizability::{self as lin, Budget, Call, Model, Op, Ret, Verdict};

use crate::cli::{EXIT_OK, EXIT_SAFETY, EXIT_USAGE, Failure};
use crate::history::{self, Format, Parsed};
use reports::DrawnOp;

/// Exit code of `check-history` when the budget ran out before a verdict.
pub const EXIT_UNKNOWN: i32 = 3;

/// The models on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// One register: read, write.
    Register,
    /// One register: read, write, cas.
    CasRegister,
    /// A cas-register per key (Jepsen's independent `[key value]` tuples, or `:key`).
    Kv,
}

impl From<ModelArg> for Model {
    fn from(m: ModelArg) -> Model {
        match m {
            ModelArg::Register => Model::Register,
            ModelArg::CasRegister => Model::CasRegister,
            ModelArg::Kv => Model::Kv,
        }
    }
}

/// Arguments of `check-history`.
#[derive(Args, Debug)]
pub struct CheckHistoryArgs {
    /// The history: Jepsen/Knossos EDN, `jepsen.util` log lines, or JSONL (docs/histories.md).
    file: PathBuf,
    /// The object the history is checked against.
    #[arg(long, value_enum)]
    model: ModelArg,
    /// The file's format (default: guessed from its first line).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Search steps per key before giving up with exit 3.
    #[arg(long, value_name = "STEPS", default_value_t = Budget::default().max_steps)]
    budget: u64,
    /// Memory for the search's cache per key, in MiB, before giving up with exit 3.
    #[arg(long, value_name = "MIB", default_value_t = Budget::default().max_memory_bytes >> 20)]
    max_memory: u64,
    /// Wall-clock limit in seconds before giving up with exit 3 (default: none).
    #[arg(long, value_name = "SECS")]
    max_wall: Option<f64>,
    /// Also write DIR/history.svg and DIR/index.html: the history drawn one lane per client
    /// (around the culprit of a violation, which is marked).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

fn usage(message: String) -> Failure {
    Failure {
        code: EXIT_USAGE,
        message,
    }
}

/// Runs `check-history`.
pub fn cmd_check_history(a: CheckHistoryArgs, out: &mut dyn Write) -> Result<i32, Failure> {
    let path = a.file.display().to_string();
    let text = std::fs::read_to_string(&a.file).map_err(|e| usage(format!("{path}: {e}")))?;
    let format = a.format.unwrap_or_else(|| Format::detect(&text));
    let model = Model::from(a.model);
    let parsed = history::parse(&text, format, model).map_err(|e| usage(format!("{path}: {e}")))?;
    let max_wall = a
        .max_wall
        .map(|s| {
            Duration::try_from_secs_f64(s)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    usage(format!(
                        "--max-wall {s}: expected a positive number of seconds"
                    ))
                })
        })
        .transpose()?;
    let cancel = Arc::new(AtomicBool::new(false));
    let budget = Budget {
        max_steps: a.budget,
        max_memory_bytes: a.max_memory.saturating_mul(1 << 20),
        cancel: Some(cancel.clone()),
    };
    let started = Instant::now();
    let verdict = with_time_limit(max_wall, &cancel, || {
        lin::check(model, &parsed.ops, &budget)
    });
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    let verdict = verdict.map_err(|e| usage(format!("{path}: {}", located(&e, &parsed))))?;
    let n = parsed.ops.len();
    let text = match &verdict {
        Verdict::Linearizable => format!("linearizable: {n} operations ({model})\n"),
        Verdict::NotLinearizable(rep) => {
            let mut s = format!(
                "not linearizable: {n} operations ({model})\n  key: {:?}\n  longest linearizable prefix: {} operations\n",
                rep.key,
                rep.linearized.len()
            );
            let tail = rep.linearized.len().saturating_sub(PREFIX_SHOWN);
            if !rep.linearized.is_empty() {
                s += "  its last operations:\n";
            }
            for &i in &rep.linearized[tail..] {
                s += &format!("    {}\n", op_line(&parsed, i));
            }
            s += &format!("  cannot place: {}\n", op_line(&parsed, rep.culprit));
            s
        }
        Verdict::Unknown(u) => format!(
            "unknown: {u}; raise --budget, --max-memory or --max-wall ({n} operations, {model})\n"
        ),
    };
    let text = text + &format!("  checked in {elapsed:.1} ms\n");
    if let Some(dir) = &a.out {
        write_drawing(dir, &path, &parsed, &verdict, &text)?;
    }
    out.write_all(text.as_bytes())
        .map_err(|e| usage(format!("writing output: {e}")))?;
    Ok(match verdict {
        Verdict::Linearizable => EXIT_OK,
        Verdict::NotLinearizable(_) => EXIT_SAFETY,
        Verdict::Unknown(_) => EXIT_UNKNOWN,
    })
}

/// Operations of the linearizable prefix printed before the culprit.
const PREFIX_SHOWN: usize = 5;

/// Runs `f`, raising `cancel` if it outlives `limit`.
fn with_time_limit<T>(
    limit: Option<Duration>,
    cancel: &Arc<AtomicBool>,
    f: impl FnOnce() -> T,
) -> T {
    let Some(limit) = limit else {
        return f();
    };
    let (done, wait) = mpsc::channel::<()>();
    let flag = cancel.clone();
    let timer = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(limit) {
            flag.store(true, Ordering::Relaxed);
        }
    });
    let result = f();
    drop(done);
    let _ = timer.join();
    result
}

/// A malformed-history error from the checker, pointed at the file's line.
fn located(e: &lin::InvalidHistory, parsed: &Parsed) -> String {
    let op = match e {
        lin::InvalidHistory::ReturnsBeforeInvoke { op }
        | lin::InvalidHistory::ResultMismatch { op }
        | lin::InvalidHistory::CasInRegister { op }
        | lin::InvalidHistory::MixedKeys { op } => *op,
    };
    let line = parsed.origins.get(op).map_or(0, |o| o.invoke_line);
    format!("line {line}: {e}")
}

/// One operation as the report shows it: lines, process, call and result.
fn op_line(parsed: &Parsed, i: usize) -> String {
    let (op, origin) = (&parsed.ops[i], parsed.origins[i]);
    let lines = match origin.ret_line {
        Some(r) if r != origin.invoke_line => format!("lines {}-{r}", origin.invoke_line),
        _ => format!("line {}", origin.invoke_line),
    };
    format!("{lines}: process {} {}", op.client, describe(op))
}

/// `read -> 3`, `write 4 -> ok`, `cas 1 2 -> failed`, `write 4 -> unknown`.
pub fn describe(op: &Op) -> String {
    let key = match op.call.key() {
        "" => String::new(),
        k => format!("[{k}] "),
    };
    let call = match &op.call {
        Call::Read { .. } => "read".to_string(),
        Call::Write { value, .. } => format!("write {value}"),
        Call::Cas { from, to, .. } => format!("cas {from} {to}"),
    };
    let result = match op.result {
        None => "unknown".to_string(),
        Some(Ret::Read(None)) => "nil".to_string(),
        Some(Ret::Read(Some(v))) => v.to_string(),
        Some(Ret::Ok) => "ok".to_string(),
        Some(Ret::CasFailed) => "failed".to_string(),
    };
    format!("{key}{call} -> {result}")
}

/// Operations drawn at most: a violation's window holds this many before the culprit
/// (of its key, in invocation order) and a quarter as many after it.
const DRAWN: usize = 64;

/// Writes the history's drawing into `dir`.
fn write_drawing(
    dir: &std::path::Path,
    path: &str,
    parsed: &Parsed,
    verdict: &Verdict,
    text: &str,
) -> Result<(), Failure> {
    let marks = crate::history_out::marks(parsed.ops.len(), verdict);
    let (title, mut order) = match verdict {
        Verdict::NotLinearizable(rep) => (
            format!("{path}: not linearizable (key {:?})", rep.key),
            crate::history_out::around_culprit(&parsed.ops, rep, DRAWN, DRAWN / 4),
        ),
        _ => {
            let mut order: Vec<usize> = (0..parsed.ops.len()).collect();
            order.sort_by_key(|&i| (parsed.ops[i].invoke, i));
            order.truncate(DRAWN);
            (
                format!("{path}: the first {} operations", order.len()),
                order,
            )
        }
    };
    // Lanes in process order, each lane's operations in time order.
    order.sort_by_key(|&i| (parsed.ops[i].client, parsed.ops[i].invoke, i));
    let drawn: Vec<DrawnOp> = order
        .iter()
        .map(|&i| {
            let op = &parsed.ops[i];
            DrawnOp {
                client: format!("process {}", op.client),
                invoke: op.invoke,
                ret: op.ret,
                label: describe(op),
                detail: op_line(parsed, i),
                mark: marks[i],
            }
        })
        .collect();
    let svg = reports::history_svg(&title, &drawn);
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let html = reports::history_html(&title, &lines, &svg);
    let fail = |e: std::io::Error| usage(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    std::fs::write(dir.join("history.svg"), &svg).map_err(fail)?;
    std::fs::write(dir.join("index.html"), html).map_err(fail)
}
