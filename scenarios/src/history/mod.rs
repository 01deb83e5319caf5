//! Histories recorded outside simlab, read into [`protocols::linearizability::Op`]s:
//! Jepsen/Knossos EDN op maps and `jepsen.util` log lines ([`jepsen`], over the [`edn`]
//! reader), and simlab's JSONL ([`protocols::linearizability::jsonl`]). Pure: text in,
//! operations (with the lines they came from) or a positioned error out.

pub mod edn;
pub mod jepsen;

use std::fmt;

use protocols::linearizability::{Model, Op, jsonl};

/// A history file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Jepsen/Knossos EDN op maps (`{:process 0, :type :invoke, :f :read, :value nil}`).
    Edn,
    /// `jepsen.util` log lines (`INFO jepsen.util - 0 :invoke :read nil`).
    JepsenLog,
    /// simlab's JSONL: one operation per line.
    Jsonl,
}

impl Format {
    /// Guesses the format from the first line that is not blank: JSONL starts with `{"`,
    /// EDN with a bracket or a comment, and anything else is taken for a log (whose lines
    /// start with a timestamp or a level).
    pub fn detect(text: &str) -> Format {
        let first = text
            .lines()
            .map(str::trim_start)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        if first.starts_with("{\"") {
            Format::Jsonl
        } else if first.starts_with(['[', '(', '{', ';']) {
            Format::Edn
        } else {
            Format::JepsenLog
        }
    }
}

/// Where an operation came from in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Line of its invocation.
    pub invoke_line: usize,
    /// Line of its completion (`:ok`, `:fail`, `:info`), if any.
    pub ret_line: Option<usize>,
}

/// A parsed history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The operations (for Jepsen formats in invocation order; for JSONL in file order).
    pub ops: Vec<Op>,
    /// Where each came from (same indices).
    pub origins: Vec<Origin>,
}

/// Bad input, with where it is and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What was expected and found.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Parses `text` in `format` for `model`.
pub fn parse(text: &str, format: Format, model: Model) -> Result<Parsed, ParseError> {
    match format {
        Format::Edn => jepsen::parse_edn(text, model),
        Format::JepsenLog => jepsen::parse_log(text, model),
        Format::Jsonl => parse_jsonl(text),
    }
}

fn parse_jsonl(text: &str) -> Result<Parsed, ParseError> {
    let mut parsed = Parsed {
        ops: Vec::new(),
        origins: Vec::new(),
    };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let op = jsonl::from_line(line).map_err(|e| ParseError {
            line: i + 1,
            column: e.column,
            message: e.message,
        })?;
        parsed.ops.push(op);
        parsed.origins.push(Origin {
            invoke_line: i + 1,
            ret_line: Some(i + 1),
        });
    }
    Ok(parsed)
}
