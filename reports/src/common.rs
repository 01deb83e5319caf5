//! Helpers shared by the trace renderers: node names, where an event "happens", and the
//! bookkeeping that pairs message copies (send/duplicate) with their fate (deliver/drop).

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};

use sim::trace::{EventKind, TraceLine};

/// The display name of node `idx`: `nodes[idx]`, or `#idx` when the list is too short.
pub(crate) fn node_name(nodes: &[String], idx: u32) -> Cow<'_, str> {
    match nodes.get(idx as usize) {
        Some(n) => Cow::Borrowed(n.as_str()),
        None => Cow::Owned(format!("#{idx}")),
    }
}

/// The node an event is drawn/listed on ("site"):
/// `send` and `duplicate` → the sender (`from`); `deliver` and `drop` → the destination
/// (`to`); node events → `node`; link and run-wide events (`cut`, `heal`, `rule`, `phase`,
/// a `violation` or `note` without a node) → `None`.
pub(crate) fn site(l: &TraceLine) -> Option<u32> {
    match l.ev {
        EventKind::Send | EventKind::Duplicate => l.from,
        EventKind::Deliver | EventKind::Drop => l.to,
        EventKind::Cut | EventKind::Heal | EventKind::Rule | EventKind::Phase => None,
        EventKind::Start
        | EventKind::TimerSet
        | EventKind::TimerFire
        | EventKind::TimerCancel
        | EventKind::Crash
        | EventKind::Restart
        | EventKind::Pause
        | EventKind::Resume
        | EventKind::ClockStep
        | EventKind::Drift
        | EventKind::Persist
        | EventKind::Note
        | EventKind::Observe
        | EventKind::Violation => l.node,
    }
}

/// What a message event does to the copies of its message in flight: the four message
/// events, which carry `from`, `to`, `msg` and `kind`, are the only ones that have a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MessageStep {
    /// `send`: copy 0 leaves.
    Send,
    /// `duplicate`: the network launches another copy.
    Duplicate,
    /// `deliver`: the oldest open copy arrives.
    Deliver,
    /// `drop`: the oldest open copy is lost.
    Drop,
}

/// The [`MessageStep`] of a message event; `None` for every other event.
pub(crate) fn message_step(ev: EventKind) -> Option<MessageStep> {
    match ev {
        EventKind::Send => Some(MessageStep::Send),
        EventKind::Duplicate => Some(MessageStep::Duplicate),
        EventKind::Deliver => Some(MessageStep::Deliver),
        EventKind::Drop => Some(MessageStep::Drop),
        EventKind::Start
        | EventKind::TimerSet
        | EventKind::TimerFire
        | EventKind::TimerCancel
        | EventKind::Crash
        | EventKind::Restart
        | EventKind::Pause
        | EventKind::Resume
        | EventKind::Cut
        | EventKind::Heal
        | EventKind::ClockStep
        | EventKind::Drift
        | EventKind::Persist
        | EventKind::Note
        | EventKind::Observe
        | EventKind::Rule
        | EventKind::Phase
        | EventKind::Violation => None,
    }
}

/// The "what" of an event: `kind#msg` for messages, `timer#id` for timers, else empty.
pub(crate) fn what(l: &TraceLine) -> String {
    if let Some(m) = l.msg {
        format!("{}#{m}", l.kind.as_deref().unwrap_or("msg"))
    } else if let Some(t) = l.timer {
        format!("timer#{t}")
    } else {
        String::new()
    }
}

/// The copies of one message still in flight.
#[derive(Debug)]
struct Flight<T> {
    next_copy: u32,
    open: VecDeque<(u32, T)>,
}

/// Pairs each copy of a message with its fate. A `send` launches copy 0, each `duplicate`
/// launches the next copy, and each `deliver`/`drop` lands the oldest open copy (FIFO).
/// A message's entry is removed once no copy is in flight, so memory is bounded by the
/// messages in flight, not by the trace length.
#[derive(Debug)]
pub(crate) struct Flights<T> {
    map: BTreeMap<u64, Flight<T>>,
}

impl<T> Default for Flights<T> {
    fn default() -> Self {
        Flights {
            map: BTreeMap::new(),
        }
    }
}

impl<T> Flights<T> {
    /// A `send`: starts copy 0 of `msg` (ids are unique per run; a repeated id restarts).
    pub(crate) fn launch(&mut self, msg: u64, data: T) {
        let mut open = VecDeque::with_capacity(1);
        open.push_back((0, data));
        self.map.insert(msg, Flight { next_copy: 1, open });
    }

    /// A `duplicate`: starts the next copy of a message in flight and returns its copy
    /// number; `None` (and nothing recorded) if the message is unknown.
    pub(crate) fn duplicate(&mut self, msg: u64, data: T) -> Option<u32> {
        let f = self.map.get_mut(&msg)?;
        let c = f.next_copy;
        f.next_copy += 1;
        f.open.push_back((c, data));
        Some(c)
    }

    /// The data of the oldest open copy of `msg`.
    pub(crate) fn first(&self, msg: u64) -> Option<&T> {
        self.map
            .get(&msg)
            .and_then(|f| f.open.front())
            .map(|(_, d)| d)
    }

    /// A `deliver` or `drop`: removes and returns the oldest open copy of `msg`.
    pub(crate) fn land(&mut self, msg: u64) -> Option<(u32, T)> {
        let f = self.map.get_mut(&msg)?;
        let r = f.open.pop_front();
        if f.open.is_empty() {
            self.map.remove(&msg);
        }
        r
    }

    /// Every copy still in flight, in message-id then copy order.
    pub(crate) fn drain(self) -> impl Iterator<Item = (u64, u32, T)> {
        self.map
            .into_iter()
            .flat_map(|(m, f)| f.open.into_iter().map(move |(c, d)| (m, c, d)))
    }
}
