//! The viewer's payload: run metadata and events as one JSON document that is safe inside a
//! `<script type="application/json">` element.

use serde::Serialize;
use sim::trace::TraceLine;

/// A property violation, as the viewer lists it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ViewerViolation {
    /// Property name.
    pub property: String,
    /// True time of the violation (ns).
    pub time_ns: u64,
    /// Trace event index where it was detected.
    pub event_index: u64,
    /// Human explanation from the checker.
    pub detail: String,
}

/// What the viewer says about the run besides its events.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ViewerMeta {
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// `ok`, `safety_violation` or `liveness_failure`.
    pub outcome: String,
    /// Node names (index = node id in the trace).
    pub nodes: Vec<String>,
    /// Events in the whole run (the page holds at most this many).
    pub total_events: u64,
    /// Why the page holds fewer events than the window has (the export limit), if it does.
    pub cut: Option<String>,
    /// The time window the events were taken from (ns), if the run was narrowed.
    pub from_ns: Option<u64>,
    /// End of that window (ns).
    pub to_ns: Option<u64>,
    /// Violations, in detection order.
    pub violations: Vec<ViewerViolation>,
    /// The command line that reproduces the run.
    pub reproduce: String,
}

/// The JSON form of [`ViewerMeta`]: the seed as a string, since JavaScript numbers hold
/// integers exactly only up to 2^53.
#[derive(Serialize)]
struct MetaJson<'a> {
    scenario: &'a str,
    seed: String,
    outcome: &'a str,
    nodes: &'a [String],
    total_events: u64,
    cut: Option<&'a str>,
    from_ns: Option<u64>,
    to_ns: Option<u64>,
    violations: &'a [ViewerViolation],
    reproduce: &'a str,
}

/// `{"meta":{…},"events":[…]}` with every `<` and `/` escaped (`\u003c`, `\/`), so no text
/// in the trace can close the script element or read as a link.
pub(super) fn payload_json(
    meta: &ViewerMeta,
    events: impl IntoIterator<Item = TraceLine>,
) -> String {
    let m = MetaJson {
        scenario: &meta.scenario,
        seed: meta.seed.to_string(),
        outcome: &meta.outcome,
        nodes: &meta.nodes,
        total_events: meta.total_events,
        cut: meta.cut.as_deref(),
        from_ns: meta.from_ns,
        to_ns: meta.to_ns,
        violations: &meta.violations,
        reproduce: &meta.reproduce,
    };
    let mut raw = String::from("{\"meta\":");
    // Serialising plain data into a String cannot fail.
    raw.push_str(&serde_json::to_string(&m).unwrap_or_default());
    raw.push_str(",\"events\":[");
    for (k, l) in events.into_iter().enumerate() {
        if k > 0 {
            raw.push(',');
        }
        raw.push_str(&serde_json::to_string(&l).unwrap_or_default());
    }
    raw.push_str("]}");
    script_safe(&raw)
}

/// Escapes `<` and `/` inside JSON. Both occur only inside strings in a JSON text, where
/// `\u003c` and `\/` are valid escapes that parse back to the same characters.
fn script_safe(json: &str) -> String {
    let mut o = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => o.push_str("\\u003c"),
            '/' => o.push_str("\\/"),
            c => o.push(c),
        }
    }
    o
}
