//! Chrome / Perfetto trace (Trace Event Format, JSON object form) for `ui.perfetto.dev` or
//! `chrome://tracing`.
//!
//! Layout:
//! * one process (`pid` 1, named `simlab`) with one track per node: `tid` = node index,
//!   named by `thread_name` metadata and ordered by `thread_sort_index`; one extra track
//!   `tid` = number of nodes, named `global`, for events without a node (`cut`, `heal`,
//!   `rule`, a node-less `note`);
//! * every kernel event is on its node's track (the sender for `send`/`duplicate`, the
//!   destination for `deliver`/`drop`), named `<event> [<what>]`, with category `message`,
//!   `timer`, `fault`, `clock`, `node`, `run` or `check` and every field in `args` (node
//!   indices resolved to names); `violation`, `phase` and `rule` are named with their text
//!   (`violation agreement`). Message events are complete slices (`"ph":"X"`) 1 ns long, so
//!   flow arrows have a slice to bind to in both ui.perfetto.dev and chrome://tracing; every
//!   other event is an instant (`"ph":"i"`). `violation` and `phase` are global instants
//!   (`"s":"g"`): a line across all tracks;
//! * periods are duration slices (`"ph":"B"` … `"E"`, category `fault`) on the node's
//!   track: `down` from crash to restart, `paused` from pause to resume, `partitioned` from
//!   the first cut involving the node to the heal; open ones end at the last trace time. They
//!   nest properly: when an outer period ends first, the inner one is ended and begun again
//!   around it. A period's `B`/`E` come first among the events of their instant;
//! * every message copy is a flow arrow: `"ph":"s"` right after its `send` (copy 0) or
//!   `duplicate` (copy 1) slice on the sender's track, `"ph":"f","bp":"e"` right after its
//!   `deliver` or `drop` slice on the destination's track (copies land in FIFO order). Flow
//!   id = `msg * 2 + copy`; flow `cat` is `msg` and `name` the message kind; each binds to the
//!   message slice it sits in. Copies still in flight at the end of the trace get an
//!   `in_flight` slice on the destination's track at the last trace time, and their `f`
//!   there, so every `s` has exactly one `f`. A third or later copy of one message (the
//!   kernel makes at most two) gets no flow.
//! * `ts` is in microseconds with exactly three decimals (exact ns; no float rounding).
//!
//! Memory is bounded by the messages in flight and the events of one instant, not by the
//! trace length.

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
    thread_names(&mut buf, nodes);
    out.write_all(buf.as_bytes())?;
    buf.clear();

    let mut flights: Flights<InFlight> = Flights::default();
    let mut periods = Periods::new(nodes.len());
    let mut n = 0u64;
    let mut last_t = 0u64;
    // The events of the current instant, written after its periods' `B`/`E`.
    let mut now: Option<u64> = None;
    for l in lines {
        if now != Some(l.t) {
            if let Some(t) = now {
                flush(&mut out, &mut periods, t, &mut buf)?;
            }
            now = Some(l.t);
        }
        last_t = last_t.max(l.t);
        periods.apply(&l);
        instant(&mut buf, nodes, global_tid, &l);
        message_flow(&mut buf, &mut flights, &l);
        n += 1;
    }
    if let Some(t) = now {
        flush(&mut out, &mut periods, t, &mut buf)?;
    }
    for (msg, copy, f) in flights.drain() {
        if copy > 1 {
            continue;
        }
        let _ = write!(
            buf,
            ",\n{{\"ph\":\"X\",\"dur\":0.001,\"name\":{},\"cat\":\"message\",\"ts\":{},\"pid\":1,\"tid\":{},\"args\":{{\"note\":\"still in flight at the end of the trace\"}}}}",
            json_str(&format!("in_flight {}#{msg}", f.kind)),
            fmt_micros(last_t),
            f.to
        );
        flow(&mut buf, 'f', msg * 2 + copy as u64, &f.kind, last_t, f.to);
    }
    // Periods still open end with the trace, just after its last slices (1 ns long).
    periods.close_all();
    periods.write(&mut buf, last_t + 1);
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

/// The process and thread names (one thread per node, then `global`), in node order.
fn thread_names(buf: &mut String, nodes: &[String]) {
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
}

/// The flow arrows of a message: a copy's start on its sender, its end where it landed
/// (only copies 0 and 1: a message has two flow ids, `2 msg` and `2 msg + 1`).
fn message_flow(buf: &mut String, flights: &mut Flights<InFlight>, l: &TraceLine) {
    let (Some(step), Some(msg), Some(from), Some(to)) = (message_step(l.ev), l.msg, l.from, l.to)
    else {
        return;
    };
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
            flow(buf, 's', msg * 2, kind, l.t, from);
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
                flow(buf, 's', msg * 2 + 1, kind, l.t, from);
            }
        }
        MessageStep::Deliver | MessageStep::Drop => {
            if let Some((copy @ 0..=1, f)) = flights.land(msg) {
                flow(buf, 'f', msg * 2 + copy as u64, &f.kind, l.t, to);
            }
        }
    }
}

/// [`write_chrome`] into a `String`.
pub fn chrome_string(nodes: &[String], lines: impl IntoIterator<Item = TraceLine>) -> String {
    let mut v = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_chrome(&mut v, nodes, lines, None);
    String::from_utf8(v).unwrap_or_default()
}

/// Writes one instant: its periods' `B`/`E`, then its events (in `buf`, cleared).
fn flush<W: Write>(out: &mut W, periods: &mut Periods, t: u64, buf: &mut String) -> io::Result<()> {
    let mut head = String::new();
    periods.write(&mut head, t);
    out.write_all(head.as_bytes())?;
    out.write_all(buf.as_bytes())?;
    buf.clear();
    Ok(())
}

/// A period of a node, drawn as a duration slice on its track.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Period {
    Down,
    Paused,
    Partitioned,
}

impl Period {
    fn name(self) -> &'static str {
        match self {
            Period::Down => "down",
            Period::Paused => "paused",
            Period::Partitioned => "partitioned",
        }
    }
}

/// Which periods are open on each node: as the events say (`now`) and as written so far
/// (`drawn`, a stack of `B`s per track). Writing an instant turns `drawn` into `now` with
/// `E`s for what ended and `B`s for what began, keeping slices nested.
struct Periods {
    now: Vec<Vec<Period>>,
    drawn: Vec<Vec<Period>>,
    dirty: std::collections::BTreeSet<usize>,
}

impl Periods {
    fn new(n: usize) -> Periods {
        Periods {
            now: vec![Vec::new(); n],
            drawn: vec![Vec::new(); n],
            dirty: Default::default(),
        }
    }

    fn set(&mut self, node: Option<u32>, p: Period, on: bool) {
        let Some(v) = node.and_then(|i| self.now.get_mut(i as usize)) else {
            return;
        };
        let has = v.contains(&p);
        if on && !has {
            v.push(p);
        } else if !on && has {
            v.retain(|&q| q != p);
        } else {
            return;
        }
        self.dirty.insert(node.unwrap_or(0) as usize);
    }

    /// Follows the periods an event opens or closes.
    fn apply(&mut self, l: &TraceLine) {
        match l.ev {
            EventKind::Crash => self.set(l.node, Period::Down, true),
            EventKind::Restart => self.set(l.node, Period::Down, false),
            EventKind::Pause => self.set(l.node, Period::Paused, true),
            EventKind::Resume => self.set(l.node, Period::Paused, false),
            EventKind::Cut => {
                self.set(l.from, Period::Partitioned, true);
                self.set(l.to, Period::Partitioned, true);
            }
            EventKind::Heal => {
                for i in 0..self.now.len() {
                    self.set(Some(i as u32), Period::Partitioned, false);
                }
            }
            EventKind::Start
            | EventKind::Send
            | EventKind::Deliver
            | EventKind::Drop
            | EventKind::Duplicate
            | EventKind::TimerSet
            | EventKind::TimerFire
            | EventKind::TimerCancel
            | EventKind::ClockStep
            | EventKind::Drift
            | EventKind::Persist
            | EventKind::Note
            | EventKind::Observe
            | EventKind::Rule
            | EventKind::Phase
            | EventKind::Violation => {}
        }
    }

    fn close_all(&mut self) {
        for (i, v) in self.now.iter_mut().enumerate() {
            if !v.is_empty() {
                v.clear();
                self.dirty.insert(i);
            }
        }
    }

    /// The `E`s and `B`s that bring the written slices in line with the open periods.
    fn write(&mut self, out: &mut String, t: u64) {
        for i in std::mem::take(&mut self.dirty) {
            let (now, drawn) = (&self.now[i], &mut self.drawn[i]);
            let keep = now
                .iter()
                .zip(drawn.iter())
                .take_while(|(a, b)| a == b)
                .count();
            for p in drawn[keep..].iter().rev() {
                slice_edge(out, 'E', *p, t, i);
            }
            for p in &now[keep..] {
                slice_edge(out, 'B', *p, t, i);
            }
            *drawn = now.clone();
        }
    }
}

fn slice_edge(out: &mut String, ph: char, p: Period, t: u64, tid: usize) {
    let _ = write!(
        out,
        ",\n{{\"ph\":\"{ph}\",\"name\":\"{}\",\"cat\":\"fault\",\"ts\":{},\"pid\":1,\"tid\":{tid}}}",
        p.name(),
        fmt_micros(t)
    );
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
    // Message events are slices, so flow arrows bind to them in every viewer.
    let ph = if message_step(l.ev).is_some() {
        "\"ph\":\"X\",\"dur\":0.001".to_string()
    } else {
        format!("\"ph\":\"i\",\"s\":\"{scope}\"")
    };
    let _ = write!(
        buf,
        ",\n{{{ph},\"name\":{},\"cat\":\"{}\",\"ts\":{},\"pid\":1,\"tid\":{tid},\"args\":{{\"i\":{}",
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
    if let Some(v) = &l.summary {
        let _ = write!(buf, ",\"summary\":{}", json_str(v));
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
        // Every kernel event is an instant or a message slice, with a µs timestamp.
        let instants = evs.iter().filter(|e| e["ph"] == "i").count();
        let slices = evs.iter().filter(|e| e["ph"] == "X").count();
        assert_eq!(
            instants + slices,
            sample_trace().len() + 1,
            "+1 for the in-flight marker"
        );
        assert_eq!(
            slices, 14,
            "6 sends, 1 duplicate, 4 deliveries, 2 drops, 1 in flight"
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

    /// Nanoseconds of a µs `ts`.
    fn ns(e: &Value) -> u64 {
        (e["ts"].as_f64().unwrap() * 1000.0).round() as u64
    }

    /// A slice open on a track while reading a trace as the viewers do.
    #[derive(Debug)]
    struct Open {
        name: String,
        start: u64,
        /// `None` for a `B` (ends at its `E`).
        end: Option<u64>,
    }

    /// Reads the trace the way a viewer does (sorted by time, stable, per track) and checks
    /// the structure: `B`/`E` balanced and matched by name, no slice ending while a child
    /// is still open, every flow event inside a message slice that starts at its time.
    /// Returns every period as `(track, name, start ns, end ns)`.
    fn check_structure(s: &str) -> Vec<(u64, String, u64, u64)> {
        let v: Value = serde_json::from_str(s).expect("valid JSON");
        let mut evs: Vec<&Value> = v["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ph"] != "M")
            .collect();
        evs.sort_by_key(|e| ns(e));
        let mut stacks: BTreeMap<u64, Vec<Open>> = BTreeMap::new();
        let mut periods = Vec::new();
        for e in evs {
            let tid = e["tid"].as_u64().unwrap();
            let t = ns(e);
            let stack = stacks.entry(tid).or_default();
            // Complete slices that ended by now close.
            while stack
                .last()
                .is_some_and(|o| o.end.is_some_and(|end| end <= t))
            {
                stack.pop();
            }
            let ph = e["ph"].as_str().unwrap();
            let name = e["name"].as_str().unwrap_or("").to_string();
            match ph {
                "B" => stack.push(Open {
                    name,
                    start: t,
                    end: None,
                }),
                "E" => {
                    let top = stack.pop().expect("an E with a B open");
                    assert_eq!(top.end, None, "E at {t} on {tid} inside a complete slice");
                    assert_eq!(top.name, name, "E closes the B it matches");
                    periods.push((tid, name, top.start, t));
                }
                "X" => {
                    let dur = (e["dur"].as_f64().unwrap() * 1000.0).round() as u64;
                    assert!(dur > 0, "{e}");
                    if let Some(parent) = stack.last().and_then(|o| o.end) {
                        assert!(t + dur <= parent, "{e} sticks out of its parent");
                    }
                    stack.push(Open {
                        name,
                        start: t,
                        end: Some(t + dur),
                    });
                }
                "s" | "f" => {
                    let top = stack.last().expect("a flow binds to a slice");
                    assert!(
                        top.end.is_some() && top.start == t,
                        "flow {e} binds to {top:?}"
                    );
                }
                "i" => {}
                other => panic!("unexpected ph {other}"),
            }
        }
        for (tid, st) in stacks {
            assert!(
                st.iter().all(|o| o.end.is_some()),
                "unbalanced B on {tid}: {st:?}"
            );
        }
        periods.sort();
        periods
    }

    /// Crash, pause and partition periods are duration slices on their node's track; the
    /// slices nest and every flow binds to a message slice.
    #[test]
    fn periods_are_slices_and_flows_bind_to_slices() {
        let periods = check_structure(&chrome_string(&names(), sample_trace()));
        let p = |tid, name: &str, a, b| (tid, name.to_string(), a, b);
        assert_eq!(
            periods,
            vec![
                p(0, "partitioned", 2_600_000, 4_500_000),
                p(1, "down", 3_200_000, 6_000_000),
                p(2, "partitioned", 2_600_000, 4_500_000),
                p(2, "paused", 3_300_000, 4_200_000),
            ]
        );
    }

    /// Periods that overlap without nesting (a partition that heals while its node is down)
    /// and periods still open at the end stay balanced.
    #[test]
    fn overlapping_and_open_periods_stay_balanced() {
        let at = |t, ev, n| TraceLine {
            node: Some(n),
            ..TraceLine::new(0, t, ev)
        };
        let lines = vec![
            TraceLine {
                from: Some(0),
                to: Some(1),
                ..TraceLine::new(0, 10, EventKind::Cut)
            },
            at(20, EventKind::Crash, 0),
            TraceLine::new(0, 30, EventKind::Heal),
            TraceLine {
                from: Some(1),
                to: Some(0),
                msg: Some(1),
                kind: Some("ping".into()),
                ..TraceLine::new(0, 40, EventKind::Send)
            },
            at(50, EventKind::Pause, 1),
            at(60, EventKind::Restart, 0),
            at(60, EventKind::Crash, 0),
        ];
        let periods = check_structure(&chrome_string(&names(), lines));
        let p = |tid, name: &str, a, b| (tid, name.to_string(), a, b);
        assert_eq!(
            periods,
            vec![
                p(0, "down", 20, 30),
                p(0, "down", 30, 61),
                p(0, "partitioned", 10, 30),
                p(1, "partitioned", 10, 30),
                p(1, "paused", 50, 61),
            ]
        );
    }
}
