//! Text timeline: one line per trace event, in trace order, fixed columns.
//!
//! ```text
//! #   index       time(s)  node  event         what              detail
//!         4      0.001000  n0    send          prepare#12        n0->n2
//!         9      0.003500  n2    deliver       prepare#12        n0->n2
//!        11      0.004000  n1    drop          prepare#13        n0->n1 loss
//! ```
//!
//! Columns (separated by two spaces; trailing spaces trimmed):
//!
//! | column | width | content |
//! |--------|-------|---------|
//! | `index` | 9, right-aligned | the event's index in the run (0-based), the number a violation names (`event 199`) and `run --around N` centres on |
//! | `time(s)` | 12, right-aligned | true time in seconds, six decimals (µs, truncated) |
//! | `node` | longest node name (≥ 4) | where the event happens: the sender for `send`/`duplicate`, the destination for `deliver`/`drop`, the owner for node events; `-` for `cut`, `heal`, `rule`, `phase` and events without a node |
//! | `event` | 12 | kernel event name (`send`, `deliver`, `drop`, `duplicate`, `timer_set`, `timer_fire`, `timer_cancel`, `crash`, `restart`, `pause`, `resume`, `cut`, `heal`, `clock_step`, `drift`, `persist`, `note`, `observe`, `rule`, `phase`, `violation`, `start`) |
//! | `what` | 16 (longer values push the rest right) | `kind#msg` for messages, `timer#id` for timers, else empty |
//! | `detail` | rest of line | messages: `from->to` (+ drop reason); `timer_set`: `at <s>`; `cut`: `from-/->to`; `clock_step`: signed seconds; `drift`: `±N ppm`; `note`/`phase`: the text; `rule`: `+name` installed / `-name` removed; `violation`: the property; then the event's `detail` text (message or observation), if any, after ` | ` |
//!
//! Control characters inside texts are escaped (`\n`), so one event is always one line.
//! The first line is a header starting with `#`.

use std::io::{self, Write};

use sim::trace::{EventKind, TraceLine};

use crate::common::{node_name, site, what};
use crate::fmt::{fmt_signed_secs, one_line, push_secs};

/// Which events a timeline shows. The default shows everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimelineFilter {
    /// Only events at or after this time (ns).
    pub from: Option<u64>,
    /// Only events at or before this time (ns, inclusive).
    pub to: Option<u64>,
    /// Only events involving one of these nodes (as `node`, `from` or `to`); empty = all.
    /// Events that involve no node at all (`heal`, `phase`, `rule`, a `violation` or `note`
    /// without a node) are always kept: they concern every node.
    pub nodes: Vec<String>,
    /// Only events whose message kind or event name is one of these; empty = all.
    pub kinds: Vec<String>,
    /// Only events whose index is within this inclusive range (`run --around N`).
    pub indices: Option<(u64, u64)>,
}

impl TimelineFilter {
    fn compile(&self, nodes: &[String]) -> Compiled<'_> {
        let idx = self
            .nodes
            .iter()
            .filter_map(|n| nodes.iter().position(|m| m == n).map(|p| p as u32))
            .collect();
        Compiled {
            f: self,
            node_idx: idx,
        }
    }
}

struct Compiled<'a> {
    f: &'a TimelineFilter,
    node_idx: Vec<u32>,
}

impl Compiled<'_> {
    fn keeps(&self, l: &TraceLine) -> bool {
        if self.f.from.is_some_and(|f| l.t < f) || self.f.to.is_some_and(|t| l.t > t) {
            return false;
        }
        if self.f.indices.is_some_and(|(a, b)| l.i < a || l.i > b) {
            return false;
        }
        if !self.f.nodes.is_empty() {
            let involved = [l.node, l.from, l.to];
            if involved.iter().any(Option::is_some)
                && !involved.iter().flatten().any(|n| self.node_idx.contains(n))
            {
                return false;
            }
        }
        if !self.f.kinds.is_empty()
            && !self
                .f
                .kinds
                .iter()
                .any(|k| k == l.ev.name() || l.kind.as_deref() == Some(k.as_str()))
        {
            return false;
        }
        true
    }
}

/// Writes the timeline of `lines` (header line first) and returns the number of events
/// written. Streams: memory does not grow with the trace.
pub fn write_timeline<W: Write>(
    mut out: W,
    nodes: &[String],
    lines: impl IntoIterator<Item = TraceLine>,
    filter: &TimelineFilter,
) -> io::Result<u64> {
    let f = filter.compile(nodes);
    let node_w = nodes
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut buf = String::with_capacity(128);
    push_row(
        &mut buf,
        "#   index",
        "time(s)",
        "node",
        node_w,
        "event",
        "what",
        "detail",
    );
    out.write_all(buf.as_bytes())?;
    let mut n = 0u64;
    for l in lines {
        if !f.keeps(&l) {
            continue;
        }
        buf.clear();
        format_line(&mut buf, nodes, node_w, &l);
        out.write_all(buf.as_bytes())?;
        n += 1;
    }
    Ok(n)
}

/// [`write_timeline`] into a `String`.
pub fn timeline_string(
    nodes: &[String],
    lines: impl IntoIterator<Item = TraceLine>,
    filter: &TimelineFilter,
) -> String {
    let mut v = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_timeline(&mut v, nodes, lines, filter);
    String::from_utf8(v).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)] // one argument per column, in column order
fn push_row(
    buf: &mut String,
    index: &str,
    time: &str,
    node: &str,
    node_w: usize,
    ev: &str,
    what: &str,
    detail: &str,
) {
    use std::fmt::Write as _;
    let _ = write!(
        buf,
        "{index:>9}  {time:>12}  {node:<node_w$}  {ev:<12}  {what:<16}  {detail}"
    );
    let end = buf.trim_end().len();
    buf.truncate(end);
    buf.push('\n');
}

fn format_line(buf: &mut String, nodes: &[String], node_w: usize, l: &TraceLine) {
    let mut time = String::with_capacity(16);
    push_secs(&mut time, l.t);
    let node = match site(l) {
        Some(n) => node_name(nodes, n),
        None => "-".into(),
    };
    let what = one_line(&what(l)).into_owned();
    let detail = detail(nodes, l);
    let index = l.i.to_string();
    push_row(
        buf,
        &index,
        &time,
        &node,
        node_w,
        l.ev.name(),
        &what,
        &detail,
    );
}

/// The `detail` column of one event (also used as tooltip text by the diagram).
pub(crate) fn detail(nodes: &[String], l: &TraceLine) -> String {
    let name = |n: Option<u32>| n.map_or_else(|| "?".into(), |n| node_name(nodes, n));
    let text = || one_line(l.text.as_deref().unwrap_or("")).into_owned();
    let mut d = match l.ev {
        EventKind::Send | EventKind::Deliver | EventKind::Duplicate => {
            format!("{}->{}", name(l.from), name(l.to))
        }
        EventKind::Drop => format!(
            "{}->{} {}",
            name(l.from),
            name(l.to),
            l.reason.as_deref().unwrap_or("?")
        ),
        EventKind::TimerSet => {
            l.at.map(|a| format!("at {}", crate::fmt::fmt_secs(a)))
                .unwrap_or_default()
        }
        EventKind::Cut => format!("{}-/->{}", name(l.from), name(l.to)),
        EventKind::ClockStep => l.delta.map(fmt_signed_secs).unwrap_or_default(),
        EventKind::Drift => l.delta.map(|d| format!("{d:+} ppm")).unwrap_or_default(),
        EventKind::Rule => {
            let sign = if l.delta == Some(0) { '-' } else { '+' };
            format!("{sign}{}", text())
        }
        EventKind::Note | EventKind::Phase | EventKind::Violation => text(),
        EventKind::Start
        | EventKind::TimerFire
        | EventKind::TimerCancel
        | EventKind::Crash
        | EventKind::Restart
        | EventKind::Pause
        | EventKind::Resume
        | EventKind::Heal
        | EventKind::Persist
        | EventKind::Observe => String::new(),
    };
    if let Some(x) = &l.detail {
        if !d.is_empty() {
            d.push_str(" | ");
        }
        d.push_str(&one_line(x));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{names, sample_trace};

    #[test]
    fn timeline_snapshot() {
        let s = timeline_string(&names(), sample_trace(), &TimelineFilter::default());
        insta::assert_snapshot!(s);
    }

    #[test]
    fn counts_events_written() {
        let mut v = Vec::new();
        let n =
            write_timeline(&mut v, &names(), sample_trace(), &TimelineFilter::default()).unwrap();
        assert_eq!(n as usize, sample_trace().len());
        assert_eq!(
            String::from_utf8(v).unwrap().lines().count(),
            sample_trace().len() + 1
        );
    }

    fn body(s: &str) -> Vec<&str> {
        s.lines().skip(1).collect()
    }

    #[test]
    fn filter_by_node() {
        let f = TimelineFilter {
            nodes: vec!["n2".into()],
            ..Default::default()
        };
        let s = timeline_string(&names(), sample_trace(), &f);
        let rows = body(&s);
        assert!(!rows.is_empty());
        for r in &rows {
            // Either n2 is involved, or the event involves no node at all.
            let no_node = ["heal", "phase", "violation"].iter().any(|e| r.contains(e));
            assert!(r.contains("n2") || no_node, "{r}");
        }
        // Events only between n0 and n1 are gone.
        assert!(!s.contains("n0->n1"), "{s}");
        // The crash of n1 is not n2's business.
        assert!(!rows.iter().any(|r| r.contains("crash")));
    }

    #[test]
    fn filter_by_kind_matches_message_kind_or_event_name() {
        let f = TimelineFilter {
            kinds: vec!["prepare".into()],
            ..Default::default()
        };
        let s = timeline_string(&names(), sample_trace(), &f);
        let rows = body(&s);
        assert!(rows.len() >= 3);
        assert!(rows.iter().all(|r| r.contains("prepare#")), "{s}");

        let f = TimelineFilter {
            kinds: vec!["crash".into(), "restart".into()],
            ..Default::default()
        };
        let s = timeline_string(&names(), sample_trace(), &f);
        let rows = body(&s);
        assert_eq!(rows.len(), 2, "{s}");
        assert!(rows[0].contains("crash") && rows[1].contains("restart"));
    }

    #[test]
    fn filter_by_time_window_is_inclusive() {
        let all = sample_trace();
        let (lo, hi) = (all[3].t, all[8].t);
        let f = TimelineFilter {
            from: Some(lo),
            to: Some(hi),
            ..Default::default()
        };
        let s = timeline_string(&names(), all.clone(), &f);
        let expect = all.iter().filter(|l| l.t >= lo && l.t <= hi).count();
        assert_eq!(body(&s).len(), expect);
        let first_time: String = crate::fmt::fmt_secs(lo);
        let last_time: String = crate::fmt::fmt_secs(hi);
        let time_of = |row: &str| row.split_whitespace().nth(1).unwrap().to_string();
        assert_eq!(time_of(body(&s)[0]), first_time);
        assert_eq!(time_of(body(&s).last().unwrap()), last_time);
    }

    /// `indices` keeps exactly the events whose index is in the range, and each row starts
    /// with that index.
    #[test]
    fn filter_by_index_range_is_inclusive() {
        let f = TimelineFilter {
            indices: Some((4, 6)),
            ..Default::default()
        };
        let s = timeline_string(&names(), sample_trace(), &f);
        let idx: Vec<&str> = body(&s)
            .iter()
            .map(|r| r.split_whitespace().next().unwrap())
            .collect();
        assert_eq!(idx, ["4", "5", "6"], "{s}");
    }

    /// Every kernel event kind gets a row, under the name it has in the JSONL.
    #[test]
    fn every_event_kind_is_listed() {
        let lines = EventKind::ALL.iter().enumerate().map(|(i, &k)| TraceLine {
            node: Some(0),
            ..TraceLine::new(i as u64, i as u64, k)
        });
        let s = timeline_string(&names(), lines, &TimelineFilter::default());
        let rows = body(&s);
        assert_eq!(rows.len(), EventKind::ALL.len(), "{s}");
        for (r, k) in rows.iter().zip(EventKind::ALL) {
            assert!(r.split_whitespace().any(|w| w == k.name()), "{k:?}: {r}");
        }
    }

    #[test]
    fn texts_stay_on_one_line() {
        let l = TraceLine {
            node: Some(0),
            text: Some("two\nlines".into()),
            ..TraceLine::new(0, 1, EventKind::Note)
        };
        let s = timeline_string(&names(), vec![l], &TimelineFilter::default());
        assert_eq!(s.lines().count(), 2);
        assert!(s.contains("two\\nlines"));
    }
}
