//! Chrome / Perfetto trace (Trace Event Format, JSON object form) for `ui.perfetto.dev` or
//! `chrome://tracing`.
//!
//! Layout:
//! * one process (`pid` 1, named `simlab`) with one track per node: `tid` = node index,
//!   named by `thread_name` metadata and ordered by `thread_sort_index`; one extra track
//!   `tid` = number of nodes, named `global`, for events without a node (`cut`, `heal`,
//!   `rule`, a node-less `note`);
//! * every kernel event is an instant event (`"ph":"i"`) on its node's track (the sender for
//!   `send`/`duplicate`, the destination for `deliver`/`drop`), named `<event> [<what>]`,
//!   with category `message`, `timer`, `fault`, `clock`, `node`, `run` or `check` and every
//!   field in `args` (node indices resolved to names); `violation`, `phase` and `rule` are
//!   named with their text (`violation agreement`). `violation` and `phase` are global
//!   instants (`"s":"g"`): a line across all tracks;
//! * every message copy is a flow arrow: `"ph":"s"` right after its `send` (copy 0) or
//!   `duplicate` (copy 1) on the sender's track, `"ph":"f","bp":"e"` right after its
//!   `deliver` or `drop` on the destination's track (copies land in FIFO order). Flow id =
//!   `msg * 2 + copy`; flow `cat` is `msg` and `name` the message kind. Flow events bind to
//!   the instant just before them (Perfetto binds v1 flows to the topmost slice on the
//!   track). Copies still in flight at the end of the trace get an instant `in_flight` on the
//!   destination's track at the last trace time, and their `f` there, so every `s` has
//!   exactly one `f`. A third or later copy of one message (the kernel makes at most two)
//!   gets no flow.
//! * `ts` is in microseconds with exactly three decimals (exact ns; no float rounding).
//!
//! Memory is bounded by the messages in flight, not by the trace length.

use std::fmt::Write as _;
use std::io::{self, Write};

use sim::trace::{EventKind, TraceLine};

use crate::common::{Flights, MessageStep, message_step, node_name, site, what};
use crate::fmt::{fmt_micros, json_str};

/// How the Chrome trace shows one kind of event.
struct Look {
    /// The instant's `cat`.
    category: &'static str,
    /// A global instant (`"s":"g"`, a line across all tracks) rather than a track one.
    global: bool,
    /// Named with its `text` (`violation agreement`) when it has no "what".
    titled: bool,
}

/// The [`Look`] of an event kind.
fn look(ev: EventKind) -> Look {
    let (category, global, titled) = match ev {
        EventKind::Send | EventKind::Deliver | EventKind::Drop | EventKind::Duplicate => {
            ("message", false, false)
        }
        EventKind::TimerSet | EventKind::TimerFire | EventKind::TimerCancel => {
            ("timer", false, false)
        }
        EventKind::Crash
        | EventKind::Restart
        | EventKind::Pause
        | EventKind::Resume
        | EventKind::Cut
        | EventKind::Heal => ("fault", false, false),
        EventKind::ClockStep | EventKind::Drift => ("clock", false, false),
        EventKind::Rule => ("run", false, true),
        EventKind::Phase => ("run", true, true),
        EventKind::Violation => ("check", true, true),
        EventKind::Start | EventKind::Persist | EventKind::Note | EventKind::Observe => {
            ("node", false, false)
        }
    };
    Look {
        category,
        global,
        titled,
    }
}

/// Destination track and kind of a message copy in flight.
struct InFlight {
    to: u32,
    kind: String,
}

/// Writes the whole Chrome trace JSON for `lines` and returns the number of kernel events
/// written (metadata and flow events not counted). `note`, if any, goes into `otherData`
/// (e.g. that the export holds only part of the run).
pub fn write_chrome<W: Write>(
    mut out: W,
    nodes: &[String],
    lines: impl IntoIterator<Item = TraceLine>,
    note: Option<&str>,
) -> io::Result<u64> {
    let global_tid = nodes.len() as u32;
    let mut buf = String::with_capacity(512);
    buf.push_str("{\"traceEvents\":[\n");
    buf.push_str(
        "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"simlab\"}}",
    );
    let names = nodes
        .iter()
        .map(String::as_str)
        .chain(std::iter::once("global"));
    for (tid, name) in names.enumerate() {
        let _ = write!(
            buf,
            ",\n{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":{tid},\"args\":{{\"name\":{}}}}}",
            json_str(name)
        );
        let _ = write!(
            buf,
            ",\n{{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":1,\"tid\":{tid},\"args\":{{\"sort_index\":{tid}}}}}"
        );
    }
    out.write_all(buf.as_bytes())?;

    let mut flights: Flights<InFlight> = Flights::default();
    let mut n = 0u64;
    let mut last_t = 0u64;
    for l in lines {
        buf.clear();
        last_t = last_t.max(l.t);
        instant(&mut buf, nodes, global_tid, &l);
        if let (Some(step), Some(msg), Some(from), Some(to)) =
            (message_step(l.ev), l.msg, l.from, l.to)
        {
            let kind = l.kind.as_deref().unwrap_or("msg");
            match step {
                MessageStep::Send => {
                    flights.launch(
                        msg,
                        InFlight {
                            to,
                            kind: kind.to_string(),
                        },
                    );
                    flow(&mut buf, 's', msg * 2, kind, l.t, from);
                }
                MessageStep::Duplicate => {
                    let copy = flights.duplicate(
                        msg,
                        InFlight {
                            to,
                            kind: kind.to_string(),
                        },
                    );
                    if copy == Some(1) {
                        flow(&mut buf, 's', msg * 2 + 1, kind, l.t, from);
                    }
                }
                MessageStep::Deliver | MessageStep::Drop => {
                    if let Some((copy @ 0..=1, f)) = flights.land(msg) {
                        flow(&mut buf, 'f', msg * 2 + copy as u64, &f.kind, l.t, to);
                    }
                }
            }
        }
        out.write_all(buf.as_bytes())?;
        n += 1;
    }
    buf.clear();
    for (msg, copy, f) in flights.drain() {
        if copy > 1 {
            continue;
        }
        let _ = write!(
            buf,
            ",\n{{\"ph\":\"i\",\"s\":\"t\",\"name\":{},\"cat\":\"message\",\"ts\":{},\"pid\":1,\"tid\":{},\"args\":{{\"note\":\"still in flight at the end of the trace\"}}}}",
            json_str(&format!("in_flight {}#{msg}", f.kind)),
            fmt_micros(last_t),
            f.to
        );
        flow(&mut buf, 'f', msg * 2 + copy as u64, &f.kind, last_t, f.to);
    }
    buf.push_str(
        "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"generator\":\"simlab reports\"",
    );
    if let Some(n) = note {
        // Where the trace viewer shows metadata: e.g. that the export was cut.
        let _ = write!(buf, ",\"note\":{}", json_str(n));
    }
    buf.push_str("}}\n");
    out.write_all(buf.as_bytes())?;
    Ok(n)
}

/// [`write_chrome`] into a `String`.
pub fn chrome_string(nodes: &[String], lines: impl IntoIterator<Item = TraceLine>) -> String {
    let mut v = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_chrome(&mut v, nodes, lines, None);
    String::from_utf8(v).unwrap_or_default()
}

fn flow(buf: &mut String, ph: char, id: u64, kind: &str, t: u64, tid: u32) {
    let bp = if ph == 'f' { ",\"bp\":\"e\"" } else { "" };
    let _ = write!(
        buf,
        ",\n{{\"ph\":\"{ph}\"{bp},\"name\":{},\"cat\":\"msg\",\"id\":{id},\"ts\":{},\"pid\":1,\"tid\":{tid}}}",
        json_str(kind),
        fmt_micros(t)
    );
}

fn instant(buf: &mut String, nodes: &[String], global_tid: u32, l: &TraceLine) {
    let tid = site(l).unwrap_or(global_tid);
    let look = look(l.ev);
    let scope = if look.global { "g" } else { "t" };
    let w = what(l);
    let name = match (w.is_empty(), look.titled, &l.text) {
        (false, ..) => format!("{} {w}", l.ev),
        (true, true, Some(text)) => format!("{} {text}", l.ev),
        _ => l.ev.name().to_string(),
    };
    let _ = write!(
        buf,
        ",\n{{\"ph\":\"i\",\"s\":\"{scope}\",\"name\":{},\"cat\":\"{}\",\"ts\":{},\"pid\":1,\"tid\":{tid},\"args\":{{\"i\":{}",
        json_str(&name),
        look.category,
        fmt_micros(l.t),
        l.i
    );
    let mut node_arg = |key: &str, v: Option<u32>| {
        if let Some(v) = v {
            let _ = write!(buf, ",\"{key}\":{}", json_str(&node_name(nodes, v)));
        }
    };
    node_arg("node", l.node);
    node_arg("from", l.from);
    node_arg("to", l.to);
    if let Some(v) = l.msg {
        let _ = write!(buf, ",\"msg\":{v}");
    }
    if let Some(v) = &l.kind {
        let _ = write!(buf, ",\"kind\":{}", json_str(v));
    }
    if let Some(v) = l.timer {
        let _ = write!(buf, ",\"timer\":{v}");
    }
    if let Some(v) = l.at {
        let _ = write!(buf, ",\"at_ns\":{v}");
    }
    if let Some(v) = &l.reason {
        let _ = write!(buf, ",\"reason\":{}", json_str(v));
    }
    if let Some(v) = l.delta {
        let _ = write!(buf, ",\"delta\":{v}");
    }
    if let Some(v) = &l.text {
        let _ = write!(buf, ",\"text\":{}", json_str(v));
    }
    if let Some(v) = &l.detail {
        let _ = write!(buf, ",\"detail\":{}", json_str(v));
    }
    buf.push_str("}}");
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Value;

    use super::*;
    use crate::testdata::{names, sample_trace};

    #[test]
    fn chrome_snapshot() {
        let s = chrome_string(&names(), sample_trace());
        insta::assert_snapshot!(s);
    }

    #[test]
    fn every_flow_start_has_exactly_one_end() {
        let s = chrome_string(&names(), sample_trace());
        let v: Value = serde_json::from_str(&s).expect("valid JSON");
        let evs = v["traceEvents"].as_array().expect("traceEvents array");
        let mut starts: BTreeMap<u64, u32> = BTreeMap::new();
        let mut ends: BTreeMap<u64, u32> = BTreeMap::new();
        for e in evs {
            match e["ph"].as_str() {
                Some("s") => *starts.entry(e["id"].as_u64().unwrap()).or_default() += 1,
                Some("f") => {
                    assert_eq!(e["bp"], "e");
                    *ends.entry(e["id"].as_u64().unwrap()).or_default() += 1
                }
                _ => {}
            }
        }
        assert!(starts.values().all(|&c| c == 1), "{starts:?}");
        assert!(ends.values().all(|&c| c == 1), "{ends:?}");
        assert_eq!(
            starts.keys().collect::<Vec<_>>(),
            ends.keys().collect::<Vec<_>>()
        );
        // 6 sends + 1 duplicate copy.
        assert_eq!(starts.len(), 7);
        // Both copies of message 2 are there.
        assert!(starts.contains_key(&4) && starts.contains_key(&5));
        // Every kernel event is an instant with a µs timestamp.
        let instants = evs.iter().filter(|e| e["ph"] == "i").count();
        assert_eq!(
            instants,
            sample_trace().len() + 1,
            "+1 for the in-flight marker"
        );
        for e in evs.iter().filter(|e| e["ph"] != "M") {
            assert!(e["ts"].is_number(), "{e}");
        }
        // Tracks are named after the nodes.
        let names: Vec<&str> = evs
            .iter()
            .filter(|e| e["name"] == "thread_name")
            .map(|e| e["args"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["n0", "n1", "n2", "global"]);
    }

    #[test]
    fn flow_ends_sit_on_the_destination_track() {
        let s = chrome_string(&names(), sample_trace());
        let v: Value = serde_json::from_str(&s).unwrap();
        let evs = v["traceEvents"].as_array().unwrap();
        let f = evs.iter().find(|e| e["ph"] == "f" && e["id"] == 2).unwrap();
        assert_eq!(f["tid"], 1, "prepare#1 goes n0 -> n1");
        assert_eq!(f["ts"].as_f64(), Some(2000.0));
    }
}
