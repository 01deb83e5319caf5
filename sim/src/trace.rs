//! The trace: one record per kernel event, a stable 64-bit digest over a canonical encoding of
//! every record (always on), and sinks that keep or stream the records.
//!
//! The JSONL line format ([`TraceLine`]) is the interchange format: `reports` and
//! `simlab replay` read it back. Fields: `i` event index, `t` true time in ns, `ev` the event
//! name, then only the fields that event has (`node`, `from`, `to`, `msg`, `kind`, `timer`,
//! `at`, `reason`, `delta`, `text`, `property`).

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::actor::NodeId;
use crate::time::Time;

/// Why a message was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Random loss on the link.
    Loss,
    /// The link was cut by a partition.
    Partition,
    /// The destination was crashed when the message arrived.
    Crashed,
    /// A network rule dropped it.
    Rule,
}

impl DropReason {
    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Loss => "loss",
            DropReason::Partition => "partition",
            DropReason::Crashed => "crashed",
            DropReason::Rule => "rule",
        }
    }
}

/// One kernel event. A closed enum: adding a kind makes the compiler show every renderer and
/// checker that must learn it.
#[derive(Clone, Debug)]
pub enum Event<'a> {
    /// A node started (time 0).
    Start {
        /// The node.
        node: NodeId,
    },
    /// A message left `from`.
    Send {
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Message id, unique in the run.
        msg: u64,
        /// Message kind.
        kind: &'static str,
    },
    /// A message reached its destination's handler.
    Deliver {
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Message id.
        msg: u64,
        /// Message kind.
        kind: &'static str,
    },
    /// A message (or one copy of it) was lost.
    Drop {
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Message id.
        msg: u64,
        /// Message kind.
        kind: &'static str,
        /// Why.
        reason: DropReason,
    },
    /// The network made a second copy of a message.
    Duplicate {
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Message id (both copies carry it).
        msg: u64,
        /// Message kind.
        kind: &'static str,
    },
    /// A timer was set; it fires at true time `at` unless the clock changes.
    TimerSet {
        /// Owner.
        node: NodeId,
        /// Timer id.
        timer: u64,
        /// Planned true firing time.
        at: Time,
    },
    /// A timer fired.
    TimerFire {
        /// Owner.
        node: NodeId,
        /// Timer id.
        timer: u64,
    },
    /// A timer was cancelled.
    TimerCancel {
        /// Owner.
        node: NodeId,
        /// Timer id.
        timer: u64,
    },
    /// The node crashed: volatile state and timers are gone.
    Crash {
        /// The node.
        node: NodeId,
    },
    /// The node restarted from its durable state.
    Restart {
        /// The node.
        node: NodeId,
    },
    /// The node froze (stop-the-world pause).
    Pause {
        /// The node.
        node: NodeId,
    },
    /// The node resumed.
    Resume {
        /// The node.
        node: NodeId,
    },
    /// Messages from `from` to `to` are cut (one direction; a symmetric partition is two).
    Cut {
        /// Sending side.
        from: NodeId,
        /// Receiving side.
        to: NodeId,
    },
    /// Every partition healed.
    Heal,
    /// The node's local clock jumped by `delta` ns (negative: backwards).
    ClockStep {
        /// The node.
        node: NodeId,
        /// Signed jump in ns.
        delta: i64,
    },
    /// The node's clock drift rate became `ppm` parts per million.
    Drift {
        /// The node.
        node: NodeId,
        /// Drift rate.
        ppm: i64,
    },
    /// The node replaced its durable state (a forced write).
    Persist {
        /// The node.
        node: NodeId,
    },
    /// Free text from an actor or the kernel.
    Note {
        /// The node, if any.
        node: Option<NodeId>,
        /// Text.
        text: &'a str,
    },
    /// A fact reported to the checkers.
    Observe {
        /// The node.
        node: NodeId,
    },
    /// A network rule was installed or removed.
    Rule {
        /// Rule name.
        name: &'a str,
        /// True when installed, false when removed.
        installed: bool,
    },
    /// A run phase began: `faults`, `heal`, `liveness`.
    Phase {
        /// Phase name.
        name: &'static str,
    },
    /// A checker found a property violated.
    Violation {
        /// Property name.
        property: &'a str,
    },
}

/// The kind of a kernel [`Event`], without its fields: what a parsed [`TraceLine`] carries
/// and what renderers match on. Closed like [`Event`] (one variant each, same order), so a
/// new event kind does not compile until every exhaustive `match` on it handles it.
///
/// Serialises as its [`EventKind::name`] (`"timer_set"`), the JSONL `ev` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// [`Event::Start`].
    Start,
    /// [`Event::Send`].
    Send,
    /// [`Event::Deliver`].
    Deliver,
    /// [`Event::Drop`].
    Drop,
    /// [`Event::Duplicate`].
    Duplicate,
    /// [`Event::TimerSet`].
    TimerSet,
    /// [`Event::TimerFire`].
    TimerFire,
    /// [`Event::TimerCancel`].
    TimerCancel,
    /// [`Event::Crash`].
    Crash,
    /// [`Event::Restart`].
    Restart,
    /// [`Event::Pause`].
    Pause,
    /// [`Event::Resume`].
    Resume,
    /// [`Event::Cut`].
    Cut,
    /// [`Event::Heal`].
    Heal,
    /// [`Event::ClockStep`].
    ClockStep,
    /// [`Event::Drift`].
    Drift,
    /// [`Event::Persist`].
    Persist,
    /// [`Event::Note`].
    Note,
    /// [`Event::Observe`].
    Observe,
    /// [`Event::Rule`].
    Rule,
    /// [`Event::Phase`].
    Phase,
    /// [`Event::Violation`].
    Violation,
}

impl EventKind {
    /// Every kind, in [`Event`] declaration order.
    pub const ALL: [EventKind; 22] = [
        EventKind::Start,
        EventKind::Send,
        EventKind::Deliver,
        EventKind::Drop,
        EventKind::Duplicate,
        EventKind::TimerSet,
        EventKind::TimerFire,
        EventKind::TimerCancel,
        EventKind::Crash,
        EventKind::Restart,
        EventKind::Pause,
        EventKind::Resume,
        EventKind::Cut,
        EventKind::Heal,
        EventKind::ClockStep,
        EventKind::Drift,
        EventKind::Persist,
        EventKind::Note,
        EventKind::Observe,
        EventKind::Rule,
        EventKind::Phase,
        EventKind::Violation,
    ];

    /// The stable event name used in JSONL (`ev`) and timelines.
    #[inline]
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Start => "start",
            EventKind::Send => "send",
            EventKind::Deliver => "deliver",
            EventKind::Drop => "drop",
            EventKind::Duplicate => "duplicate",
            EventKind::TimerSet => "timer_set",
            EventKind::TimerFire => "timer_fire",
            EventKind::TimerCancel => "timer_cancel",
            EventKind::Crash => "crash",
            EventKind::Restart => "restart",
            EventKind::Pause => "pause",
            EventKind::Resume => "resume",
            EventKind::Cut => "cut",
            EventKind::Heal => "heal",
            EventKind::ClockStep => "clock_step",
            EventKind::Drift => "drift",
            EventKind::Persist => "persist",
            EventKind::Note => "note",
            EventKind::Observe => "observe",
            EventKind::Rule => "rule",
            EventKind::Phase => "phase",
            EventKind::Violation => "violation",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for EventKind {
    type Err = String;

    /// Parses an [`EventKind::name`]; the error lists every allowed name.
    fn from_str(s: &str) -> Result<EventKind, String> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown trace event {s:?}; allowed: {}", names.join(", "))
            })
    }
}

impl Event<'_> {
    /// The kind of this event, without its fields.
    #[inline]
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Start { .. } => EventKind::Start,
            Event::Send { .. } => EventKind::Send,
            Event::Deliver { .. } => EventKind::Deliver,
            Event::Drop { .. } => EventKind::Drop,
            Event::Duplicate { .. } => EventKind::Duplicate,
            Event::TimerSet { .. } => EventKind::TimerSet,
            Event::TimerFire { .. } => EventKind::TimerFire,
            Event::TimerCancel { .. } => EventKind::TimerCancel,
            Event::Crash { .. } => EventKind::Crash,
            Event::Restart { .. } => EventKind::Restart,
            Event::Pause { .. } => EventKind::Pause,
            Event::Resume { .. } => EventKind::Resume,
            Event::Cut { .. } => EventKind::Cut,
            Event::Heal => EventKind::Heal,
            Event::ClockStep { .. } => EventKind::ClockStep,
            Event::Drift { .. } => EventKind::Drift,
            Event::Persist { .. } => EventKind::Persist,
            Event::Note { .. } => EventKind::Note,
            Event::Observe { .. } => EventKind::Observe,
            Event::Rule { .. } => EventKind::Rule,
            Event::Phase { .. } => EventKind::Phase,
            Event::Violation { .. } => EventKind::Violation,
        }
    }

    /// The stable event name used in JSONL and timelines (see [`EventKind::name`]).
    #[inline]
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    fn tag(&self) -> u64 {
        match self {
            Event::Start { .. } => 1,
            Event::Send { .. } => 2,
            Event::Deliver { .. } => 3,
            Event::Drop { .. } => 4,
            Event::Duplicate { .. } => 5,
            Event::TimerSet { .. } => 6,
            Event::TimerFire { .. } => 7,
            Event::TimerCancel { .. } => 8,
            Event::Crash { .. } => 9,
            Event::Restart { .. } => 10,
            Event::Pause { .. } => 11,
            Event::Resume { .. } => 12,
            Event::Cut { .. } => 13,
            Event::Heal => 14,
            Event::ClockStep { .. } => 15,
            Event::Drift { .. } => 16,
            Event::Persist { .. } => 17,
            Event::Note { .. } => 18,
            Event::Observe { .. } => 19,
            Event::Rule { .. } => 20,
            Event::Phase { .. } => 21,
            Event::Violation { .. } => 22,
        }
    }
}

/// One trace record as handed to sinks. `detail` (a message's or observation's `Debug` text)
/// is filled only when the sink asks for it, so digest-only runs never format anything.
#[derive(Clone, Debug)]
pub struct Record<'a> {
    /// Event index in the run (0-based).
    pub index: u64,
    /// True time.
    pub time: Time,
    /// What happened.
    pub event: Event<'a>,
    /// Optional human detail.
    pub detail: Option<&'a str>,
    /// A `send`'s payload summary ([`crate::Message::summary`]), when a sink asked for
    /// detail and the protocol wrote one.
    pub summary: Option<&'a str>,
}

/// The stable 64-bit trace digest over a canonical encoding of every record (tag, time, ids,
/// kind bytes). Independent of platform, pointer values and sinks.
///
/// Each record is first reduced to one word by folded 64x64->128-bit multiplies of its fields
/// (independent of each other, so they run in parallel), and only that word enters the serial
/// chain: one multiply of latency per record keeps the always-on digest cheap on the hot path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Digest(u64);

impl Default for Digest {
    fn default() -> Self {
        Digest(0x243F_6A88_85A3_08D3)
    }
}

// Odd constants with mixed bits (digits of pi and e, and the golden ratio).
const K: [u64; 7] = [
    0xA409_3822_299F_31D0,
    0x0827_0E16_5B7C_8E23,
    0x4528_21E6_38D0_1377,
    0xBE54_66CF_34E9_0C6C,
    0xC0AC_29B7_C97C_50DD,
    0x3F84_D5B5_B547_0917,
    0x9E37_79B9_7F4A_7C15,
];

/// The 128-bit product of `a` and `b`, folded to 64 bits.
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let p = (a as u128).wrapping_mul(b as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

/// Up to 8 bytes as one word, read without a copy loop: with 4..=8 bytes, the first four and
/// the last four (overlapping); with 1..=3, the first, middle and last. Unique given the
/// length, which the caller folds in separately.
#[inline(always)]
fn short_word(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 4 {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64;
        let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]) as u64;
        lo | (hi << 32)
    } else if n > 0 {
        b[0] as u64 | ((b[n / 2] as u64) << 8) | ((b[n - 1] as u64) << 16)
    } else {
        0
    }
}

impl Digest {
    /// Folds one record, reduced to the words `w` (tag first), into the chain.
    #[inline(always)]
    fn mix(&mut self, w: [u64; 6]) {
        // The tag and the drop reason (w[0], w[5]) are below 256: they share one word, which
        // enters the chain directly, and the four wide words take two independent products.
        // (Three products per record cost 3% more wall time at n = 1000: multiply throughput.)
        let small = w[0] | (w[5] << 8);
        let r = fold(w[1] ^ K[1], w[2] ^ K[2]) ^ fold(w[3] ^ K[3], w[4] ^ K[4]);
        self.0 = fold(self.0 ^ r ^ small, K[6]);
    }
    /// A string of any length as one word (length included).
    #[inline(always)]
    fn text(b: &[u8]) -> u64 {
        if b.len() <= 8 {
            return short_word(b) ^ ((b.len() as u64) << 56).rotate_left(5);
        }
        let mut h = (b.len() as u64).wrapping_mul(K[6]);
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            h = fold(
                h ^ u64::from_le_bytes(c.try_into().expect("chunk of 8")),
                K[2],
            );
        }
        fold(h ^ short_word(chunks.remainder()), K[3])
    }
    /// Folds one record in.
    #[inline(always)]
    pub fn record(&mut self, time: Time, ev: &Event<'_>) {
        let tag = ev.tag();
        let t = time.0;
        let pair = |a: NodeId, b: NodeId| ((a.0 as u64) << 32) | b.0 as u64;
        let w = match *ev {
            Event::Send {
                from,
                to,
                msg,
                kind,
            }
            | Event::Deliver {
                from,
                to,
                msg,
                kind,
            }
            | Event::Duplicate {
                from,
                to,
                msg,
                kind,
            } => [tag, t, pair(from, to), msg, Self::text(kind.as_bytes()), 0],
            Event::Drop {
                from,
                to,
                msg,
                kind,
                reason,
            } => [
                tag,
                t,
                pair(from, to),
                msg,
                Self::text(kind.as_bytes()),
                reason as u64,
            ],
            Event::TimerSet { node, timer, at } => [tag, t, node.0 as u64, timer, at.0, 0],
            Event::TimerFire { node, timer } | Event::TimerCancel { node, timer } => {
                [tag, t, node.0 as u64, timer, 0, 0]
            }
            Event::Start { node }
            | Event::Crash { node }
            | Event::Restart { node }
            | Event::Pause { node }
            | Event::Resume { node }
            | Event::Persist { node }
            | Event::Observe { node } => [tag, t, node.0 as u64, 0, 0, 0],
            Event::Cut { from, to } => [tag, t, pair(from, to), 0, 0, 0],
            Event::Heal => [tag, t, 0, 0, 0, 0],
            Event::ClockStep { node, delta } => [tag, t, node.0 as u64, delta as u64, 0, 0],
            Event::Drift { node, ppm } => [tag, t, node.0 as u64, ppm as u64, 0, 0],
            Event::Note { node, text } => [
                tag,
                t,
                node.map_or(u64::MAX, |n| n.0 as u64),
                Self::text(text.as_bytes()),
                0,
                0,
            ],
            Event::Rule { name, installed } => {
                [tag, t, Self::text(name.as_bytes()), installed as u64, 0, 0]
            }
            Event::Phase { name } => [tag, t, Self::text(name.as_bytes()), 0, 0, 0],
            Event::Violation { property } => [tag, t, Self::text(property.as_bytes()), 0, 0, 0],
        };
        self.mix(w);
    }
    /// The digest value.
    pub fn value(&self) -> u64 {
        crate::rng::mix64(self.0)
    }
    /// The digest as 16 lowercase hex digits, as printed in JSON output.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.value())
    }
}

/// Receives every trace record. Sinks are the only way records leave the kernel.
pub trait TraceSink {
    /// True if records should carry `detail` text (costs a `format!` per message).
    fn wants_detail(&self) -> bool {
        true
    }
    /// One record, in event order.
    fn record(&mut self, rec: &Record<'_>);
    /// Called once at the end of the run; returns the first write error, if any.
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// The owned, serialisable form of a record: one JSONL line. An `ev` that names no
/// [`EventKind`] is a parse error (it lists the allowed names).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceLine {
    /// Event index.
    pub i: u64,
    /// True time in ns.
    pub t: u64,
    /// The event kind, written as its name (see [`EventKind::name`]).
    pub ev: EventKind,
    /// The node the event happened on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<u32>,
    /// Message sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<u32>,
    /// Message destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<u32>,
    /// Message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<u64>,
    /// Message kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Timer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timer: Option<u64>,
    /// Planned firing time of a timer (ns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
    /// Drop reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Clock step (ns) or drift (ppm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<i64>,
    /// Note text, rule or phase name, or property name of a violation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Message or observation detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A `send`'s short payload summary, written by the protocol (`b=3`, `yes T1`); absent
    /// when it wrote none. Labels arrows in diagrams; not part of the digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

impl TraceLine {
    /// A line of event `ev` with index `i` at time `t` and no other field set (there is no
    /// `Default`: no event kind is a sensible default).
    pub fn new(i: u64, t: u64, ev: EventKind) -> TraceLine {
        TraceLine {
            i,
            t,
            ev,
            node: None,
            from: None,
            to: None,
            msg: None,
            kind: None,
            timer: None,
            at: None,
            reason: None,
            delta: None,
            text: None,
            detail: None,
            summary: None,
        }
    }

    /// Converts a borrowed record into its owned line.
    pub fn from_record(r: &Record<'_>) -> TraceLine {
        let l = LineRef::from_record(r);
        TraceLine {
            i: l.i,
            t: l.t,
            ev: r.event.kind(),
            node: l.node,
            from: l.from,
            to: l.to,
            msg: l.msg,
            kind: l.kind.map(str::to_string),
            timer: l.timer,
            at: l.at,
            reason: l.reason.map(str::to_string),
            delta: l.delta,
            text: l.text.map(str::to_string),
            detail: l.detail.map(str::to_string),
            summary: l.summary.map(str::to_string),
        }
    }
}

/// A [`TraceLine`] that borrows its strings: the same fields in the same order with the same
/// serde attributes, so it serialises to the same bytes, and the JSONL sink writes a record
/// without allocating.
#[derive(Default, Serialize)]
struct LineRef<'a> {
    i: u64,
    t: u64,
    // The name rather than the `EventKind`: the same bytes (the kind serialises as its
    // name), and the streaming sink keeps writing a static string as it always did.
    ev: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msg: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timer: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
}

impl<'a> LineRef<'a> {
    /// The line of a record, borrowing its strings.
    fn from_record(r: &Record<'a>) -> LineRef<'a> {
        let mut l = LineRef {
            i: r.index,
            t: r.time.0,
            ev: r.event.name(),
            detail: r.detail,
            summary: r.summary,
            ..LineRef::default()
        };
        match r.event {
            Event::Send {
                from,
                to,
                msg,
                kind,
            }
            | Event::Deliver {
                from,
                to,
                msg,
                kind,
            }
            | Event::Duplicate {
                from,
                to,
                msg,
                kind,
            } => {
                l.from = Some(from.0);
                l.to = Some(to.0);
                l.msg = Some(msg);
                l.kind = Some(kind);
            }
            Event::Drop {
                from,
                to,
                msg,
                kind,
                reason,
            } => {
                l.from = Some(from.0);
                l.to = Some(to.0);
                l.msg = Some(msg);
                l.kind = Some(kind);
                l.reason = Some(reason.as_str());
            }
            Event::TimerSet { node, timer, at } => {
                l.node = Some(node.0);
                l.timer = Some(timer);
                l.at = Some(at.0);
            }
            Event::TimerFire { node, timer } | Event::TimerCancel { node, timer } => {
                l.node = Some(node.0);
                l.timer = Some(timer);
            }
            Event::Start { node }
            | Event::Crash { node }
            | Event::Restart { node }
            | Event::Pause { node }
            | Event::Resume { node }
            | Event::Persist { node }
            | Event::Observe { node } => l.node = Some(node.0),
            Event::Cut { from, to } => {
                l.from = Some(from.0);
                l.to = Some(to.0);
            }
            Event::Heal => {}
            Event::ClockStep { node, delta } | Event::Drift { node, ppm: delta } => {
                l.node = Some(node.0);
                l.delta = Some(delta);
            }
            Event::Note { node, text } => {
                l.node = node.map(|n| n.0);
                l.text = Some(text);
            }
            Event::Rule { name, installed } => {
                l.text = Some(name);
                l.delta = Some(installed as i64);
            }
            Event::Phase { name } => l.text = Some(name),
            Event::Violation { property } => l.text = Some(property),
        }
        l
    }
}

/// Keeps every record in memory (tests, small teaching runs).
#[derive(Debug, Default)]
pub struct MemorySink {
    /// The records so far.
    pub lines: Vec<TraceLine>,
}

impl TraceSink for MemorySink {
    fn record(&mut self, rec: &Record<'_>) {
        self.lines.push(TraceLine::from_record(rec));
    }
}

/// Streams records as JSON lines to a writer the caller opened (the CLI opens files; the
/// kernel does no I/O of its own). Memory stays flat however long the run.
pub struct JsonlSink<W: Write> {
    out: W,
    error: Option<String>,
}

impl<W: Write> JsonlSink<W> {
    /// Wraps a writer; buffer it (`BufWriter`) for speed.
    pub fn new(out: W) -> Self {
        JsonlSink { out, error: None }
    }
}

impl<W: Write> TraceSink for JsonlSink<W> {
    fn record(&mut self, rec: &Record<'_>) {
        if self.error.is_some() {
            return;
        }
        let line = LineRef::from_record(rec);
        let r = serde_json::to_writer(&mut self.out, &line)
            .map_err(|e| e.to_string())
            .and_then(|_| self.out.write_all(b"\n").map_err(|e| e.to_string()));
        if let Err(e) = r {
            self.error = Some(e);
        }
    }
    fn finish(&mut self) -> Result<(), String> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush().map_err(|e| e.to_string())
    }
}

/// A sink that shares its lines through a callback (used by checkers that need the raw
/// records, and by tests that inspect a trace while the run goes on).
pub struct FnSink<F: FnMut(&Record<'_>)>(pub F);

impl<F: FnMut(&Record<'_>)> TraceSink for FnSink<F> {
    fn record(&mut self, rec: &Record<'_>) {
        (self.0)(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The allocation-free line the JSONL sink writes is byte for byte the owned line's JSON,
    /// for every event kind, with and without detail text that needs escaping.
    #[test]
    fn borrowed_line_serialises_like_the_owned_line() {
        let (a, b) = (NodeId(3), NodeId(70000));
        let events = [
            Event::Start { node: a },
            Event::Send {
                from: a,
                to: b,
                msg: 9,
                kind: "prepare",
            },
            Event::Deliver {
                from: b,
                to: a,
                msg: u64::MAX,
                kind: "vote",
            },
            Event::Drop {
                from: a,
                to: b,
                msg: 1,
                kind: "k\"q",
                reason: DropReason::Rule,
            },
            Event::Duplicate {
                from: a,
                to: b,
                msg: 2,
                kind: "",
            },
            Event::TimerSet {
                node: a,
                timer: 4,
                at: Time(123),
            },
            Event::TimerFire { node: a, timer: 4 },
            Event::TimerCancel { node: b, timer: 5 },
            Event::Crash { node: a },
            Event::Restart { node: a },
            Event::Pause { node: b },
            Event::Resume { node: b },
            Event::Cut { from: a, to: b },
            Event::Heal,
            Event::ClockStep { node: a, delta: -7 },
            Event::Drift { node: a, ppm: 100 },
            Event::Persist { node: a },
            Event::Note {
                node: None,
                text: "tab\there \u{1} \"q\" é",
            },
            Event::Note {
                node: Some(b),
                text: "",
            },
            Event::Observe { node: a },
            Event::Rule {
                name: "hold",
                installed: true,
            },
            Event::Phase { name: "heal" },
            Event::Violation {
                property: "agreement",
            },
        ];
        for (k, event) in events.into_iter().enumerate() {
            for (detail, summary) in [
                (None, None),
                (Some("Msg { v: \"x\\n\" }\n\u{7f}"), Some("b=3 \"q\"")),
            ] {
                let rec = Record {
                    index: k as u64,
                    time: Time(1_000 * k as u64),
                    event: event.clone(),
                    detail,
                    summary,
                };
                // `ALL` is in declaration order, as the digest tags are.
                assert_eq!(
                    EventKind::ALL[rec.event.tag() as usize - 1],
                    rec.event.kind()
                );
                let owned = serde_json::to_string(&TraceLine::from_record(&rec)).unwrap();
                let borrowed = serde_json::to_string(&LineRef::from_record(&rec)).unwrap();
                assert_eq!(borrowed, owned);
                let back: TraceLine = serde_json::from_str(&borrowed).unwrap();
                assert_eq!(back, TraceLine::from_record(&rec));
            }
        }
    }

    /// Every kind parses back from its name, serialises as its name, and unknown names are
    /// an error that lists the allowed ones.
    #[test]
    fn event_kinds_round_trip_through_their_names() {
        let mut names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
        for k in EventKind::ALL {
            assert_eq!(k.name().parse::<EventKind>(), Ok(k));
            assert_eq!(k.to_string(), k.name());
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.name()));
            assert_eq!(serde_json::from_str::<EventKind>(&json).unwrap(), k);
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventKind::ALL.len(), "names are distinct");
        let e = "sendd".parse::<EventKind>().unwrap_err();
        assert!(
            e.contains("\"sendd\"") && e.contains("send, deliver, drop"),
            "{e}"
        );
        assert!(e.ends_with("phase, violation"), "{e}");
        let e = serde_json::from_str::<TraceLine>(r#"{"i":0,"t":0,"ev":"sendd"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown variant `sendd`"), "{e}");
    }

    #[test]
    fn digest_depends_on_every_field() {
        let base = {
            let mut d = Digest::default();
            d.record(
                Time(5),
                &Event::Send {
                    from: NodeId(1),
                    to: NodeId(2),
                    msg: 3,
                    kind: "ping",
                },
            );
            d.value()
        };
        for (t, ev) in [
            (
                Time(6),
                Event::Send {
                    from: NodeId(1),
                    to: NodeId(2),
                    msg: 3,
                    kind: "ping",
                },
            ),
            (
                Time(5),
                Event::Send {
                    from: NodeId(2),
                    to: NodeId(1),
                    msg: 3,
                    kind: "ping",
                },
            ),
            (
                Time(5),
                Event::Send {
                    from: NodeId(1),
                    to: NodeId(2),
                    msg: 4,
                    kind: "ping",
                },
            ),
            (
                Time(5),
                Event::Send {
                    from: NodeId(1),
                    to: NodeId(2),
                    msg: 3,
                    kind: "pong",
                },
            ),
            (
                Time(5),
                Event::Deliver {
                    from: NodeId(1),
                    to: NodeId(2),
                    msg: 3,
                    kind: "ping",
                },
            ),
        ] {
            let mut d = Digest::default();
            d.record(t, &ev);
            assert_ne!(d.value(), base, "{ev:?}");
        }
    }

    #[test]
    fn digest_separates_drop_reasons_and_record_kinds() {
        // The tag and the drop reason share one word of the encoding; records that differ
        // only there must still digest differently.
        let one = |ev: Event<'_>| {
            let mut d = Digest::default();
            d.record(Time(9), &ev);
            d.value()
        };
        let drop = |reason| Event::Drop {
            from: NodeId(1),
            to: NodeId(2),
            msg: 3,
            kind: "ping",
            reason,
        };
        let mut seen = vec![
            one(drop(DropReason::Loss)),
            one(drop(DropReason::Partition)),
            one(drop(DropReason::Crashed)),
            one(drop(DropReason::Rule)),
            one(Event::Duplicate {
                from: NodeId(1),
                to: NodeId(2),
                msg: 3,
                kind: "ping",
            }),
            one(Event::TimerFire {
                node: NodeId(1),
                timer: 3,
            }),
            one(Event::TimerCancel {
                node: NodeId(1),
                timer: 3,
            }),
        ];
        let n = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), n, "two records digested alike");
    }

    #[test]
    fn jsonl_lines_round_trip() {
        let mut buf = Vec::new();
        {
            let mut s = JsonlSink::new(&mut buf);
            s.record(&Record {
                index: 0,
                time: Time(7),
                event: Event::Drop {
                    from: NodeId(0),
                    to: NodeId(1),
                    msg: 9,
                    kind: "vote",
                    reason: DropReason::Loss,
                },
                detail: Some("Vote(yes)"),
                summary: None,
            });
            s.finish().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(
            text,
            "{\"i\":0,\"t\":7,\"ev\":\"drop\",\"from\":0,\"to\":1,\"msg\":9,\"kind\":\"vote\",\"reason\":\"loss\",\"detail\":\"Vote(yes)\"}\n"
        );
        let back: TraceLine = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(back.reason.as_deref(), Some("loss"));
    }
}
