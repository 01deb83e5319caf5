//! What every command shares on the way out: the output formats, the failure type and its
//! exit code, writing to stdout and into `--out DIR`, numbers as text.

use std::fs;
use std::io::Write;
use std::path::Path;

use clap::ValueEnum;

use super::{EXIT_LIVENESS, EXIT_OK, EXIT_SAFETY, EXIT_USAGE};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Text,
    Json,
    Csv,
    Markdown,
    /// One JSON record per line (sweep: one per seed, for collecting campaigns).
    Jsonl,
}

/// A `--format` parser that offers (in `--help`, completions and errors) only the formats
/// its command writes.
pub(super) fn formats(
    allowed: &'static [&'static str],
) -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(allowed)
        .map(|s: String| Format::from_str(&s, false).expect("every listed format is a Format"))
}

/// A CLI failure: message and exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Message for stderr.
    pub message: String,
}

pub(super) fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: EXIT_USAGE,
        message: message.into(),
    }
}

pub(super) type Res<T> = Result<T, Failure>;

pub(super) fn w(out: &mut dyn Write, s: &str) -> Res<()> {
    out.write_all(s.as_bytes()).map_err(output_error)
}

/// A failed write to stdout. A reader that went away (`| head`) ends the command quietly
/// (an empty message, exit 0: the reader asked for no more); any other failure (a full disk,
/// `> /dev/full`) is exit 2 with the reason.
pub(super) fn output_error(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure {
            code: EXIT_OK,
            message: String::new(),
        }
    } else {
        usage(format!("writing output: {e}"))
    }
}

pub(super) fn exit_for_outcome(outcome: &str) -> i32 {
    match outcome {
        "safety_violation" => EXIT_SAFETY,
        "liveness_failure" => EXIT_LIVENESS,
        _ => EXIT_OK,
    }
}

pub(super) fn fmt_num(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

pub(super) fn ensure_dir(dir: &Path) -> Res<()> {
    fs::create_dir_all(dir).map_err(|e| {
        usage(format!(
            "--out {}: cannot create directory: {e}",
            dir.display()
        ))
    })
}

pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Res<()> {
    fs::write(path, bytes).map_err(|e| Failure {
        code: EXIT_USAGE,
        message: format!("cannot write {}: {e}", path.display()),
    })
}
