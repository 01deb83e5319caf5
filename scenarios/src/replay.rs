//! Writing and replaying JSONL traces.
//!
//! [`full_trace`] and [`trace_header`]/[`trace_footer`] define the bytes `run --trace full`
//! writes. [`replay`] reads such a file, re-runs the run its header describes (spec and seed)
//! and compares the file with the re-run: every event line byte for byte (as
//! [`sim::trace::JsonlSink`] writes it), the footer line (digest, event count, outcome) and the
//! header's node list. A digest alone would let edited or garbage event lines, or a changed
//! outcome, pass unnoticed; comparing the lines also finds the first event that differs.
//!
//! The file is read as a stream while the re-run goes on, one line per event, so memory stays
//! flat however long the trace. Every line is checked for shape, including those after a
//! difference: a file that is not a trace simlab wrote is a [`Malformed`] error (the CLI's exit
//! 2), which takes precedence over a difference (exit 4), because comparing a broken file
//! with a run says nothing about the run.
//!
//! Like `reports::jsonl`, this module reads from a [`BufRead`] the caller opened; it opens no
//! file itself.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, Write};
use std::rc::Rc;

use protocols::plugin::Kind;
use reports::{TraceFooter, TraceHeader};
use sim::trace::JsonlSink;
use sim::{EventKind, Record, TraceLine, TraceSink};

use crate::load;
use crate::registry::Registry;
use crate::runners::{self, RunOutput, RunRequest};
use crate::spec::Spec;

/// How many equal lines before the first differing event a [`Divergence`] keeps as context.
pub const CONTEXT_LINES: usize = 3;

/// The header line of a trace of `spec` at `seed` whose run had the node names `nodes`.
pub fn trace_header(spec: &Spec, seed: u64, nodes: &[String]) -> TraceHeader {
    TraceHeader {
        simlab: env!("CARGO_PKG_VERSION").to_string(),
        scenario: spec.name.clone(),
        seed,
        nodes: nodes.to_vec(),
        spec: serde_json::to_value(spec).expect("a spec serialises"),
    }
}

/// The footer line of a trace of the run `o`.
pub fn trace_footer(o: &RunOutput) -> TraceFooter {
    TraceFooter {
        footer: true,
        digest: o.trace_digest.clone(),
        events: o.events,
        outcome: o.outcome.clone(),
    }
}

/// One JSON line without its newline: the header or footer as `run --trace full` writes it.
pub fn json_line<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("trace header and footer serialise")
}

/// A writer into a buffer that stays readable after the sink that owns the writer is gone.
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `spec` at `seed` and returns its output with the bytes of its whole JSONL trace
/// (header, one line per event, footer): what `run --trace full` writes to `trace.jsonl`,
/// held in memory (tests, small runs).
pub fn full_trace(spec: &Spec, seed: u64) -> Result<(RunOutput, Vec<u8>), String> {
    let body = Rc::new(RefCell::new(Vec::new()));
    let o = runners::run(RunRequest {
        spec,
        seed,
        sink: Some(Box::new(JsonlSink::new(Shared(body.clone())))),
        interrupt: None,
    })?;
    let mut bytes = json_line(&trace_header(spec, seed, &o.nodes)).into_bytes();
    bytes.push(b'\n');
    bytes.extend_from_slice(&body.borrow());
    bytes.extend_from_slice(json_line(&trace_footer(&o)).as_bytes());
    bytes.push(b'\n');
    Ok((o, bytes))
}

/// A trace file that is not one simlab wrote: the line (1-based) and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// Line number, 1-based (the header is line 1).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn malformed(line: u64, message: impl Into<String>) -> Malformed {
    Malformed {
        line,
        message: message.into(),
    }
}

/// The first event at which the file and the re-run differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// Event index (0-based; the `i` of a well-formed line).
    pub index: u64,
    /// The file's line number of that event (its footer, if the file's events ended there).
    pub line: u64,
    /// The re-run's line; `None` when the re-run had no event `index` (the file has more).
    pub expected: Option<String>,
    /// The file's line; `None` when the file had no event `index` (its events end there).
    pub actual: Option<String>,
    /// Up to [`CONTEXT_LINES`] event lines before it, equal in the file and the re-run.
    pub context: Vec<String>,
}

/// What [`replay`] found in a well-formed trace file.
#[derive(Debug)]
pub struct Replay {
    /// The file's header.
    pub header: TraceHeader,
    /// The spec the header describes (named after the header's scenario).
    pub spec: Spec,
    /// The re-run.
    pub output: RunOutput,
    /// The file's footer.
    pub footer: TraceFooter,
    /// Event lines in the file.
    pub file_events: u64,
    /// The first differing event line, if any.
    pub divergence: Option<Divergence>,
    /// How the footer differs from the re-run's, one entry per field (or one for the line's
    /// bytes when the fields agree but the line does not); empty when it is the same line.
    pub footer_diffs: Vec<String>,
}

impl Replay {
    /// The header's node list equals the re-run's.
    pub fn nodes_match(&self) -> bool {
        self.header.nodes == self.output.nodes
    }

    /// The file is exactly the re-run's trace: every event line, the footer and the nodes.
    pub fn matches(&self) -> bool {
        self.divergence.is_none() && self.footer_diffs.is_empty() && self.nodes_match()
    }
}

/// True if `file` is `exp` without its trailing `summary` field: traces recorded before
/// sends carried the protocol's summary still replay. (The summary is the last field, and a
/// string's quotes are escaped, so `,"summary":"` only starts the field itself.)
fn same_but_summary(file: &[u8], exp: &[u8]) -> bool {
    const KEY: &[u8] = b",\"summary\":\"";
    let Some(at) = exp.windows(KEY.len()).rposition(|w| w == KEY) else {
        return false;
    };
    file.len() == at + 1 && file[..at] == exp[..at] && file.last() == Some(&b'}')
}

/// Reads lines with their 1-based numbers, rejecting what no simlab trace contains.
struct Lines<R> {
    r: R,
    buf: Vec<u8>,
    line: u64,
}

impl<R: BufRead> Lines<R> {
    /// The next line without its `\n`; `None` at the end of the file.
    fn next(&mut self) -> Result<Option<(u64, String)>, Malformed> {
        self.buf.clear();
        let n = self
            .r
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| malformed(self.line + 1, format!("cannot read: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        let text = std::str::from_utf8(&self.buf)
            .map_err(|e| malformed(self.line, format!("not UTF-8 text: {e}")))?;
        // Spelled out because a CRLF line would otherwise parse and then "differ" from an
        // identical-looking re-run line.
        if text.ends_with('\r') {
            return Err(malformed(
                self.line,
                "ends in a carriage return: simlab writes \\n line ends (was the file converted?)",
            ));
        }
        Ok(Some((self.line, text.to_string())))
    }
}

/// A line of the file after the header.
enum FileLine {
    Event,
    Footer(TraceFooter),
}

/// A serde_json error without its ` at line 1 column C` (every line is parsed on its own, so
/// that "line 1" would contradict the file's line number) but with the column kept.
fn json_error(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match s.strip_suffix(&suffix) {
        Some(m) => format!("{m} (column {})", e.column()),
        None => s,
    }
}

/// What an event or footer line is, or why it is neither.
fn classify(line: u64, text: &str) -> Result<FileLine, Malformed> {
    if text.trim().is_empty() {
        return Err(malformed(line, "blank line: a trace has none"));
    }
    let e = match serde_json::from_str::<TraceLine>(text) {
        Ok(_) => return Ok(FileLine::Event),
        Err(e) => e,
    };
    // Not an event line: find out what it is, for a message that says what is wrong.
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| malformed(line, format!("not JSON: {}", json_error(&e))))?;
    let Some(obj) = v.as_object() else {
        return Err(malformed(line, "not a trace record: not a JSON object"));
    };
    if obj.contains_key("footer") {
        let f: TraceFooter = serde_json::from_str(text)
            .map_err(|e| malformed(line, format!("bad footer: {}", json_error(&e))))?;
        if !f.footer {
            return Err(malformed(line, "bad footer: `footer` must be true"));
        }
        return Ok(FileLine::Footer(f));
    }
    if let Some(ev) = obj.get("ev").and_then(|v| v.as_str())
        && let Err(m) = ev.parse::<EventKind>()
    {
        return Err(malformed(line, format!("not a trace record: {m}")));
    }
    if obj.contains_key("simlab") && obj.contains_key("spec") {
        return Err(malformed(
            line,
            "a second header: a trace has one, on line 1",
        ));
    }
    Err(malformed(
        line,
        format!("not a trace record: {}", json_error(&e)),
    ))
}

/// The comparison, shared by the sink (fed the re-run's lines as the run goes) and [`replay`]
/// (which reads the rest of the file afterwards).
struct Compare<R> {
    file: Lines<R>,
    /// Event lines the re-run has produced so far.
    produced: u64,
    /// Event lines read from the file so far.
    file_events: u64,
    /// The last [`CONTEXT_LINES`] equal lines (buffers reused: no allocation per event).
    context: VecDeque<Vec<u8>>,
    divergence: Option<Divergence>,
    error: Option<Malformed>,
    /// The file's footer and its line, once read.
    footer: Option<(TraceFooter, String, u64)>,
}

impl<R: BufRead> Compare<R> {
    fn context(&self) -> Vec<String> {
        self.context
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    }

    /// The re-run produced its next event line.
    fn expected(&mut self, exp: &[u8]) {
        let index = self.produced;
        self.produced += 1;
        // After a difference the rest is not compared (it would only repeat it), and the
        // file's remaining lines are checked for shape after the run.
        if self.error.is_some() || self.divergence.is_some() || self.footer.is_some() {
            return;
        }
        let (line, text) = match self.file.next() {
            Err(m) => return self.error = Some(m),
            // No footer: reported as a truncated file after the run.
            Ok(None) => return,
            Ok(Some(x)) => x,
        };
        if text.as_bytes() == exp || same_but_summary(text.as_bytes(), exp) {
            self.file_events += 1;
            let mut buf = if self.context.len() == CONTEXT_LINES {
                self.context.pop_front().unwrap_or_default()
            } else {
                Vec::new()
            };
            buf.clear();
            buf.extend_from_slice(exp);
            self.context.push_back(buf);
            return;
        }
        match classify(line, &text) {
            Err(m) => self.error = Some(m),
            Ok(FileLine::Event) => {
                self.file_events += 1;
                self.divergence = Some(Divergence {
                    index,
                    line,
                    expected: Some(String::from_utf8_lossy(exp).into_owned()),
                    actual: Some(text),
                    context: self.context(),
                });
            }
            Ok(FileLine::Footer(f)) => {
                self.divergence = Some(Divergence {
                    index,
                    line,
                    expected: Some(String::from_utf8_lossy(exp).into_owned()),
                    actual: None,
                    context: self.context(),
                });
                self.footer = Some((f, text, line));
            }
        }
    }

    /// Reads what the file has after the re-run's last event: more event lines (a
    /// difference) up to the footer, then nothing.
    fn read_rest(&mut self) -> Result<(), Malformed> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        while self.footer.is_none() {
            let Some((line, text)) = self.file.next()? else {
                return Err(malformed(
                    self.file.line + 1,
                    "no footer line: the file ends without one (a truncated trace?)",
                ));
            };
            match classify(line, &text)? {
                FileLine::Event => {
                    if self.divergence.is_none() {
                        self.divergence = Some(Divergence {
                            index: self.file_events,
                            line,
                            expected: None,
                            actual: Some(text),
                            context: self.context(),
                        });
                    }
                    self.file_events += 1;
                }
                FileLine::Footer(f) => self.footer = Some((f, text, line)),
            }
        }
        if let Some((line, _)) = self.file.next()? {
            return Err(malformed(
                line,
                "data after the footer: the footer is the last line",
            ));
        }
        Ok(())
    }
}

/// Hands the re-run's JSONL bytes, one complete line at a time, to the comparison.
struct Tap<R> {
    partial: Vec<u8>,
    compare: Rc<RefCell<Compare<R>>>,
}

impl<R: BufRead> Write for Tap<R> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // JSON escapes newlines inside strings, so every `\n` ends a line.
        let mut rest = data;
        while let Some(p) = rest.iter().position(|&b| b == b'\n') {
            self.partial.extend_from_slice(&rest[..p]);
            self.compare.borrow_mut().expected(&self.partial);
            self.partial.clear();
            rest = &rest[p + 1..];
        }
        self.partial.extend_from_slice(rest);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Sends every record to several sinks.
struct Tee(Vec<Box<dyn TraceSink>>);

impl TraceSink for Tee {
    fn wants_detail(&self) -> bool {
        self.0.iter().any(|s| s.wants_detail())
    }
    fn record(&mut self, rec: &Record<'_>) {
        for s in &mut self.0 {
            s.record(rec);
        }
    }
    fn finish(&mut self) -> Result<(), String> {
        let mut first = Ok(());
        for s in &mut self.0 {
            let r = s.finish();
            if first.is_ok() {
                first = r;
            }
        }
        first
    }
}

/// Replays the trace read from `input`: parses its header, re-runs the run it describes
/// (spec and seed from the header; `extra`, if given, receives the re-run's records too, e.g.
/// for reports) and compares the file with the re-run line by line as the run goes. Every
/// line of the file is checked; one that is not what simlab writes (not JSON, not a trace
/// record, an unknown event name, a missing header or footer, anything after the footer) is
/// a [`Malformed`] error, and so is a header whose spec does not load or run.
pub fn replay<R: BufRead + 'static>(
    reg: &Registry,
    input: R,
    extra: Option<Box<dyn TraceSink>>,
) -> Result<Replay, Malformed> {
    let mut file = Lines {
        r: input,
        buf: Vec::new(),
        line: 0,
    };
    let Some((_, first)) = file.next()? else {
        return Err(malformed(1, "empty file: no header line"));
    };
    let header: TraceHeader = serde_json::from_str(&first).map_err(|e| {
        if serde_json::from_str::<TraceLine>(&first).is_ok() {
            malformed(1, "no header: the first line is an event line")
        } else {
            malformed(1, format!("not a simlab trace header: {}", json_error(&e)))
        }
    })?;
    let spec_text = serde_json::to_string(&header.spec).expect("a JSON value serialises");
    let mut spec = load::parse_in(reg, &spec_text, "spec.json", &[])
        .map_err(|e| malformed(1, format!("the header's spec does not load: {e}")))?;
    spec.name = header.scenario.clone();
    if spec.protocol.kind() == Kind::Analysis {
        return Err(malformed(
            1,
            format!(
                "the header's spec is an analysis (protocol `{}`): it has no events, so no trace",
                spec.protocol.name()
            ),
        ));
    }
    let compare = Rc::new(RefCell::new(Compare {
        file,
        produced: 0,
        file_events: 0,
        context: VecDeque::with_capacity(CONTEXT_LINES),
        divergence: None,
        error: None,
        footer: None,
    }));
    // The re-run's lines come from the JSONL sink itself, so they are byte for byte what
    // `run --trace full` writes.
    let tap: Box<dyn TraceSink> = Box::new(JsonlSink::new(Tap {
        partial: Vec::new(),
        compare: compare.clone(),
    }));
    let sink: Box<dyn TraceSink> = match extra {
        Some(x) => Box::new(Tee(vec![tap, x])),
        None => tap,
    };
    let output = runners::run(RunRequest {
        spec: &spec,
        seed: header.seed,
        sink: Some(sink),
        interrupt: None,
    })
    .map_err(|e| malformed(1, format!("the header's spec does not run: {e}")))?;
    let mut c = compare.borrow_mut();
    c.read_rest()?;
    let (footer, footer_text, _) = c.footer.take().expect("read_rest found the footer");
    let expected = trace_footer(&output);
    let mut footer_diffs = Vec::new();
    let mut field = |name: &str, file: String, rerun: String| {
        if file != rerun {
            footer_diffs.push(format!(
                "{name}: the file has {file}, the re-run gives {rerun}"
            ));
        }
    };
    field("digest", footer.digest.clone(), expected.digest.clone());
    field(
        "events",
        footer.events.to_string(),
        expected.events.to_string(),
    );
    field("outcome", footer.outcome.clone(), expected.outcome.clone());
    let expected_text = json_line(&expected);
    if footer_diffs.is_empty() && footer_text != expected_text {
        footer_diffs.push(format!(
            "line: the file has {footer_text}, the re-run writes {expected_text}"
        ));
    }
    Ok(Replay {
        header,
        spec,
        output,
        footer,
        file_events: c.file_events,
        divergence: c.divergence.take(),
        footer_diffs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace() -> (Registry, Vec<u8>) {
        let reg = Registry::builtin();
        let spec = load::load_in(&reg, "example/gossip-faults", &[], &|_| {
            Err("no files".into())
        })
        .unwrap();
        let (_, bytes) = full_trace(&spec, 3).unwrap();
        (reg, bytes)
    }

    fn run(reg: &Registry, text: String) -> Result<Replay, Malformed> {
        replay(reg, io::Cursor::new(text.into_bytes()), None)
    }

    fn lines(bytes: &[u8]) -> Vec<String> {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn join(l: &[String]) -> String {
        l.iter().map(|x| format!("{x}\n")).collect()
    }

    #[test]
    fn a_clean_trace_matches() {
        let (reg, bytes) = trace();
        let n = lines(&bytes).len() as u64 - 2;
        let r = run(&reg, String::from_utf8(bytes).unwrap()).unwrap();
        assert!(r.matches(), "{:?} {:?}", r.divergence, r.footer_diffs);
        assert_eq!((r.file_events, r.output.events), (n, n));
    }

    #[test]
    fn an_edited_event_is_the_first_divergence_with_context() {
        let (reg, bytes) = trace();
        let mut l = lines(&bytes);
        let orig = l[10].clone();
        l[10] = orig.replacen("\"t\":", "\"t\":1", 1);
        let r = run(&reg, join(&l)).unwrap();
        let d = r.divergence.clone().unwrap();
        assert_eq!((d.index, d.line), (9, 11));
        assert_eq!(d.expected.as_deref(), Some(orig.as_str()));
        assert_eq!(d.actual.as_deref(), Some(l[10].as_str()));
        assert_eq!(d.context, l[7..10].to_vec());
        assert!(r.footer_diffs.is_empty() && !r.matches());
    }

    #[test]
    fn missing_and_extra_events_are_divergences() {
        let (reg, bytes) = trace();
        let l = lines(&bytes);
        let n = l.len();
        // The last event removed: the file's events end one early.
        let mut short = l.clone();
        short.remove(n - 2);
        let d = run(&reg, join(&short)).unwrap().divergence.unwrap();
        assert_eq!(d.index, n as u64 - 3);
        assert_eq!(d.actual, None);
        assert_eq!(d.expected.as_deref(), Some(l[n - 2].as_str()));
        // An event repeated: the file has one more than the re-run.
        let mut long = l.clone();
        long.insert(n - 1, l[n - 2].clone());
        let d = run(&reg, join(&long)).unwrap().divergence.unwrap();
        assert_eq!((d.index, d.expected.clone()), (n as u64 - 2, None));
        assert_eq!(d.actual.as_deref(), Some(l[n - 2].as_str()));
    }

    #[test]
    fn footer_and_node_changes_are_differences() {
        let (reg, bytes) = trace();
        let mut l = lines(&bytes);
        let n = l.len();
        l[n - 1] = l[n - 1].replace("\"outcome\":\"ok\"", "\"outcome\":\"liveness_failure\"");
        let r = run(&reg, join(&l)).unwrap();
        assert!(r.divergence.is_none());
        assert_eq!(r.footer_diffs.len(), 1, "{:?}", r.footer_diffs);
        assert!(r.footer_diffs[0].starts_with("outcome:"));
        let mut l = lines(&bytes);
        l[0] = l[0].replacen("\"n0\"", "\"x0\"", 1);
        let r = run(&reg, join(&l)).unwrap();
        assert!(!r.nodes_match() && !r.matches());
    }

    #[test]
    fn malformed_files_name_the_line() {
        let (reg, bytes) = trace();
        let l = lines(&bytes);
        let n = l.len();
        let with = |k: usize, text: &str| {
            let mut m = l.clone();
            m[k] = text.to_string();
            run(&reg, join(&m)).unwrap_err()
        };
        let e = with(5, "garbage");
        assert_eq!(e.line, 6);
        assert!(e.message.starts_with("not JSON"), "{e}");
        let e = with(5, &l[5].replacen("\"ev\":\"", "\"ev\":\"x", 1));
        assert!(e.message.contains("unknown trace event"), "{e}");
        let e = with(5, "{\"i\":4}");
        assert!(e.message.contains("missing field"), "{e}");
        let e = with(5, "");
        assert!(e.message.contains("blank"), "{e}");
        let e = with(n - 1, "{\"footer\":true}");
        assert_eq!(e.line, n as u64);
        assert!(e.message.starts_with("bad footer"), "{e}");
        let e = with(0, "{}");
        assert_eq!(e.line, 1);
        let e = run(&reg, join(&l[1..])).unwrap_err();
        assert!(e.message.contains("no header"), "{e}");
        let e = run(&reg, join(&l[..n - 1])).unwrap_err();
        assert!(e.message.contains("no footer"), "{e}");
        assert_eq!(e.line, n as u64);
        let e = run(&reg, format!("{}\n", join(&l))).unwrap_err();
        assert_eq!(e.line, n as u64 + 1);
        assert!(e.message.contains("after the footer"), "{e}");
        let e = run(&reg, join(&l).replace('\n', "\r\n")).unwrap_err();
        assert!(e.message.contains("carriage return"), "{e}");
        // A malformed line after a difference is still an error, not a divergence.
        let mut m = l.clone();
        m[3] = m[3].replacen("\"t\":", "\"t\":1", 1);
        m[8] = "nope".to_string();
        assert_eq!(run(&reg, join(&m)).unwrap_err().line, 9);
    }
}
