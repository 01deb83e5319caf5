//! Streaming reader for JSONL trace files written by the CLI.
//!
//! Layout: line 1 is a [`TraceHeader`] object, then one [`TraceLine`] per line, then a
//! [`TraceFooter`] object (`{"footer": true, ...}`). Blank lines are ignored. The reader
//! holds one line at a time, never the whole trace; the caller opens the file and hands in
//! any [`BufRead`].
//!
//! ```
//! use std::io::BufReader;
//! let text = "{\"simlab\":\"0.1.0\",\"scenario\":\"demo\",\"seed\":7,\"nodes\":[\"n0\"],\"spec\":{}}\n\
//!             {\"i\":0,\"t\":0,\"ev\":\"start\",\"node\":0}\n\
//!             {\"footer\":true,\"digest\":\"00000000000000ff\",\"events\":1,\"outcome\":\"ok\"}\n";
//! let (header, mut reader) = reports::jsonl::read_jsonl(BufReader::new(text.as_bytes())).unwrap();
//! assert_eq!(header.nodes, vec!["n0".to_string()]);
//! let n = reader.events().count();
//! let footer = reader.finish().unwrap().unwrap();
//! assert_eq!((n, footer.events), (1, 1));
//! ```

use std::io::BufRead;

use serde::{Deserialize, Serialize};
use sim::trace::TraceLine;

/// The first line of a JSONL trace file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceHeader {
    /// simlab version that wrote the file.
    pub simlab: String,
    /// Scenario name.
    pub scenario: String,
    /// Master seed of the run.
    pub seed: u64,
    /// Node names; trace node indices refer to this list.
    pub nodes: Vec<String>,
    /// The scenario spec as run (opaque to reports).
    #[serde(default)]
    pub spec: serde_json::Value,
}

/// The last line of a JSONL trace file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceFooter {
    /// Always `true`: marks the line as the footer.
    pub footer: bool,
    /// The trace digest, 16 lowercase hex digits.
    pub digest: String,
    /// Number of events in the run.
    pub events: u64,
    /// `ok`, `safety_violation` or `liveness_failure`.
    pub outcome: String,
}

/// Reads the header line and returns it with a streaming [`JsonlReader`] over the rest.
pub fn read_jsonl<R: BufRead>(mut r: R) -> Result<(TraceHeader, JsonlReader<R>), String> {
    let mut buf = String::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        line_no += 1;
        let n = r
            .read_line(&mut buf)
            .map_err(|e| format!("line {line_no}: {e}"))?;
        if n == 0 {
            return Err("empty trace file: no header line".to_string());
        }
        if !buf.trim().is_empty() {
            break;
        }
    }
    let header: TraceHeader = serde_json::from_str(buf.trim())
        .map_err(|e| format!("line {line_no}: not a trace header: {e}"))?;
    Ok((
        header,
        JsonlReader {
            r,
            buf,
            line_no,
            footer: None,
            error: None,
            done: false,
        },
    ))
}

/// Streams the event lines of a trace file. As an [`Iterator`] it yields
/// `Result<TraceLine, String>` (an error ends the stream); [`JsonlReader::events`] yields
/// plain lines and keeps the first error for [`JsonlReader::finish`]. The footer, once seen,
/// is stored and available from [`JsonlReader::footer`].
#[derive(Debug)]
pub struct JsonlReader<R> {
    r: R,
    buf: String,
    line_no: u64,
    footer: Option<TraceFooter>,
    error: Option<String>,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// The footer, if it has been read (it is the last line, so: after the stream ended).
    pub fn footer(&self) -> Option<&TraceFooter> {
        self.footer.as_ref()
    }

    /// An iterator of plain [`TraceLine`]s for the renderers; it stops at the first error,
    /// which [`JsonlReader::finish`] then reports.
    pub fn events(&mut self) -> Events<'_, R> {
        Events { reader: self }
    }

    /// Ends reading: the first error met, else the footer (`None` if the file had none, e.g.
    /// a run that was cut short, or if the stream was not read to the end).
    pub fn finish(self) -> Result<Option<TraceFooter>, String> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.footer),
        }
    }

    fn next_line(&mut self) -> Option<Result<TraceLine, String>> {
        if self.done {
            return None;
        }
        loop {
            self.buf.clear();
            self.line_no += 1;
            match self.r.read_line(&mut self.buf) {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) => {}
                Err(e) => return Some(self.fail(format!("line {}: {e}", self.line_no))),
            }
            let text = self.buf.trim();
            if text.is_empty() {
                continue;
            }
            if self.footer.is_some() {
                return Some(self.fail(format!("line {}: data after the footer", self.line_no)));
            }
            match serde_json::from_str::<TraceLine>(text) {
                Ok(l) => return Some(Ok(l)),
                Err(e) => match serde_json::from_str::<TraceFooter>(text) {
                    Ok(f) if f.footer => self.footer = Some(f),
                    _ => return Some(self.fail(format!("line {}: {e}", self.line_no))),
                },
            }
        }
    }

    fn fail(&mut self, e: String) -> Result<TraceLine, String> {
        self.done = true;
        if self.error.is_none() {
            self.error = Some(e.clone());
        }
        Err(e)
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<TraceLine, String>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_line()
    }
}

/// Plain trace lines from a [`JsonlReader`]; see [`JsonlReader::events`].
#[derive(Debug)]
pub struct Events<'a, R> {
    reader: &'a mut JsonlReader<R>,
}

impl<R: BufRead> Iterator for Events<'_, R> {
    type Item = TraceLine;
    fn next(&mut self) -> Option<TraceLine> {
        self.reader.next_line().and_then(Result::ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        r#"{"simlab":"0.1.0","scenario":"demo","seed":7,"nodes":["a","b"],"spec":{"k":1}}"#;

    #[test]
    fn reads_header_events_and_footer() {
        let text = format!(
            "{HEADER}\n{}\n\n{}\n{}\n",
            r#"{"i":0,"t":0,"ev":"start","node":0}"#,
            r#"{"i":1,"t":5,"ev":"send","from":0,"to":1,"msg":1,"kind":"ping"}"#,
            r#"{"footer":true,"digest":"0123456789abcdef","events":2,"outcome":"ok"}"#
        );
        let (h, mut r) = read_jsonl(text.as_bytes()).unwrap();
        assert_eq!(h.scenario, "demo");
        assert_eq!(h.seed, 7);
        assert_eq!(h.spec["k"], 1);
        let evs: Vec<TraceLine> = r.events().collect();
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[1].kind.as_deref(), Some("ping"));
        assert_eq!(r.footer().map(|f| f.events), Some(2));
        let f = r.finish().unwrap().unwrap();
        assert_eq!(f.digest, "0123456789abcdef");
        assert_eq!(f.outcome, "ok");
    }

    #[test]
    fn errors_are_reported_with_line_numbers() {
        assert!(read_jsonl("".as_bytes()).is_err());
        assert!(read_jsonl("{\"i\":0}\n".as_bytes()).is_err());
        let text = format!("{HEADER}\n{}\nnot json\n", r#"{"i":0,"t":0,"ev":"heal"}"#);
        let (_, mut r) = read_jsonl(text.as_bytes()).unwrap();
        assert_eq!(r.events().count(), 1);
        let e = r.finish().unwrap_err();
        assert!(e.starts_with("line 3:"), "{e}");

        let text = format!(
            "{HEADER}\n{}\n{}\n",
            r#"{"footer":true,"digest":"0","events":0,"outcome":"ok"}"#,
            r#"{"i":0,"t":0,"ev":"heal"}"#
        );
        let (_, r) = read_jsonl(text.as_bytes()).unwrap();
        let all: Vec<_> = r.collect();
        assert_eq!(all.len(), 1);
        assert!(all[0].as_ref().unwrap_err().contains("after the footer"));
    }

    /// The event name is a closed set: a line with an unknown one is a parse error naming
    /// the line and the allowed names, not an event the renderers would silently skip.
    #[test]
    fn unknown_event_names_are_errors() {
        let text = format!(
            "{HEADER}\n{}\n{}\n",
            r#"{"i":0,"t":0,"ev":"heal"}"#, r#"{"i":1,"t":0,"ev":"teleport","node":0}"#
        );
        let (_, mut r) = read_jsonl(text.as_bytes()).unwrap();
        assert_eq!(r.events().count(), 1);
        let e = r.finish().unwrap_err();
        assert!(e.starts_with("line 3:"), "{e}");
        assert!(e.contains("unknown variant `teleport`"), "{e}");
        assert!(
            e.contains("`timer_set`") && e.contains("`violation`"),
            "{e}"
        );
    }

    #[test]
    fn missing_footer_is_not_an_error() {
        let text = format!("{HEADER}\n{}\n", r#"{"i":0,"t":0,"ev":"heal"}"#);
        let (_, mut r) = read_jsonl(text.as_bytes()).unwrap();
        assert_eq!(r.events().count(), 1);
        assert_eq!(r.finish().unwrap(), None);
    }
}
