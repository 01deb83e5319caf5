//! The tracer: every trace record of a run goes into the digest (always) and to the sink
//! (if there is one), numbered in order. Checkers that ask for every record
//! ([`crate::Checker::wants_events`]) are fed from here too, which is why the core's `emit`
//! lives here rather than on the tracer alone.

use super::Core;
use crate::actor::{Actor, NodeId};
use crate::checker::Verdicts;
use crate::time::Time;
use crate::trace::{Digest, Event, Record, TraceSink};

/// The digest, the sink, and the record count.
pub(super) struct Tracer {
    pub(super) sink: Option<Box<dyn TraceSink>>,
    /// The sink wants the detail text (a message's `Debug`, an observation's).
    pub(super) detail: bool,
    // `sink.is_some() || checker_events`: one flag on the per-record path.
    pub(super) slow_emit: bool,
    pub(super) digest: Digest,
    /// Records emitted so far: the next record's index.
    pub(super) index: u64,
    // One reused buffer for detail text: a traced run formats every message, and allocating
    // a string per send was a visible part of the JSONL sink's cost.
    pub(super) scratch: String,
}

impl Tracer {
    /// A tracer writing to `sink`, if any; `checker_events` when a checker reads every record.
    pub(super) fn new(sink: Option<Box<dyn TraceSink>>, checker_events: bool) -> Self {
        Tracer {
            detail: sink.as_ref().is_some_and(|s| s.wants_detail()),
            slow_emit: checker_events || sink.is_some(),
            sink,
            digest: Digest::default(),
            index: 0,
            scratch: String::new(),
        }
    }

    /// Hands the record about to take index `self.index` to the sink, if there is one.
    fn write(&mut self, now: Time, event: &Event<'_>, detail: Option<&str>, summary: Option<&str>) {
        if let Some(s) = self.sink.as_mut() {
            s.record(&Record {
                index: self.index,
                time: now,
                event: event.clone(),
                detail,
                summary,
            });
        }
    }
}

impl<A: Actor> Core<A> {
    #[inline(always)]
    pub(super) fn emit(&mut self, event: Event<'_>, detail: Option<&str>) {
        self.tracer.digest.record(self.sched.now, &event);
        if self.tracer.slow_emit {
            self.emit_slow(event, detail, None);
        } else {
            self.tracer.index += 1;
        }
    }

    /// [`Core::emit`] for a traced `send`, with the message's summary (never on the hot path:
    /// only runs whose sink wants detail get here).
    pub(super) fn emit_summarised(
        &mut self,
        event: Event<'_>,
        detail: Option<&str>,
        summary: Option<&str>,
    ) {
        self.tracer.digest.record(self.sched.now, &event);
        if self.tracer.slow_emit {
            self.emit_slow(event, detail, summary);
        } else {
            self.tracer.index += 1;
        }
    }

    #[inline(never)]
    fn emit_slow(&mut self, event: Event<'_>, detail: Option<&str>, summary: Option<&str>) {
        let now = self.sched.now;
        self.tracer.write(now, &event, detail, summary);
        if self.judge.checker_events && !matches!(event, Event::Violation { .. }) {
            let rec = Record {
                index: self.tracer.index,
                time: now,
                event,
                detail,
                summary,
            };
            let mut v = Verdicts::default();
            for c in self.judge.checkers.iter_mut().filter(|c| c.wants_events()) {
                c.event(&rec, &mut v);
            }
            self.tracer.index += 1;
            self.verdicts(v);
            return;
        }
        self.tracer.index += 1;
    }

    /// Emits a crash, restart, pause or resume record and hands it to every checker's
    /// [`crate::Checker::node_event`] (the cheap path: no call per other record).
    pub(super) fn emit_node_event(&mut self, event: Event<'static>) {
        self.emit(event.clone(), None);
        let rec = Record {
            index: self.tracer.index - 1,
            time: self.sched.now,
            event,
            detail: None,
            summary: None,
        };
        let mut v = Verdicts::default();
        for c in self.judge.checkers.iter_mut() {
            c.node_event(&rec, &mut v);
        }
        self.verdicts(v);
    }

    pub(super) fn note(&mut self, node: Option<NodeId>, text: &str) {
        self.emit(Event::Note { node, text }, None);
    }
}
