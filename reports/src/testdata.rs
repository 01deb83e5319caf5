//! Synthetic traces shared by the tests (compiled only for tests).

use sim::trace::{EventKind, TraceLine};

/// The three node names of the sample trace.
pub(crate) fn names() -> Vec<String> {
    vec!["n0".into(), "n1".into(), "n2".into()]
}

fn ev(t: u64, ev: EventKind) -> TraceLine {
    TraceLine::new(0, t, ev)
}

fn node(t: u64, e: EventKind, n: u32) -> TraceLine {
    TraceLine {
        node: Some(n),
        ..ev(t, e)
    }
}

fn msg(t: u64, e: EventKind, from: u32, to: u32, id: u64, kind: &str) -> TraceLine {
    TraceLine {
        from: Some(from),
        to: Some(to),
        msg: Some(id),
        kind: Some(kind.into()),
        ..ev(t, e)
    }
}

/// ~28 events over 3 nodes exercising every renderer feature: sends and delivers, a
/// duplicate, two drops (partition, crashed destination), a message still in flight at the
/// end, timers, crash/restart, pause/resume, cut/heal, a clock step, a note with characters
/// that need escaping, a phase and a violation.
pub(crate) fn sample_trace() -> Vec<TraceLine> {
    let ms = 1_000_000u64;
    let mut v = vec![
        node(0, EventKind::Start, 0),
        node(0, EventKind::Start, 1),
        node(0, EventKind::Start, 2),
        msg(ms, EventKind::Send, 0, 1, 1, "prepare"),
        msg(ms, EventKind::Send, 0, 2, 2, "prepare"),
        msg(ms, EventKind::Duplicate, 0, 2, 2, "prepare"),
        TraceLine {
            timer: Some(1),
            at: Some(5 * ms),
            ..node(ms + ms / 2, EventKind::TimerSet, 0)
        },
        msg(2 * ms, EventKind::Deliver, 0, 1, 1, "prepare"),
        msg(2 * ms + 200_000, EventKind::Deliver, 0, 2, 2, "prepare"),
        TraceLine {
            detail: Some("Vote(yes)".into()),
            ..msg(2 * ms + 200_000, EventKind::Send, 1, 0, 3, "vote")
        },
        msg(2 * ms + 400_000, EventKind::Deliver, 0, 2, 2, "prepare"),
        msg(2 * ms + 500_000, EventKind::Send, 2, 0, 4, "vote"),
        TraceLine {
            text: Some("faults".into()),
            ..ev(2 * ms + 600_000, EventKind::Phase)
        },
        TraceLine {
            from: Some(2),
            to: Some(0),
            ..ev(2 * ms + 600_000, EventKind::Cut)
        },
        msg(3 * ms, EventKind::Deliver, 1, 0, 3, "vote"),
        TraceLine {
            reason: Some("partition".into()),
            ..msg(3 * ms + 100_000, EventKind::Drop, 2, 0, 4, "vote")
        },
        node(3 * ms + 200_000, EventKind::Crash, 1),
        node(3 * ms + 300_000, EventKind::Pause, 2),
        TraceLine {
            delta: Some(-2 * ms as i64),
            ..node(3 * ms + 500_000, EventKind::ClockStep, 0)
        },
        TraceLine {
            text: Some("decided <commit> & \"done\"".into()),
            ..node(4 * ms, EventKind::Note, 0)
        },
        node(4 * ms + 200_000, EventKind::Resume, 2),
        ev(4 * ms + 500_000, EventKind::Heal),
        TraceLine {
            timer: Some(1),
            ..node(5 * ms, EventKind::TimerFire, 0)
        },
        msg(5 * ms, EventKind::Send, 0, 1, 5, "commit"),
        TraceLine {
            reason: Some("crashed".into()),
            ..msg(5 * ms + 100_000, EventKind::Drop, 0, 1, 5, "commit")
        },
        node(6 * ms, EventKind::Restart, 1),
        msg(6 * ms + 200_000, EventKind::Send, 0, 2, 6, "commit"),
        TraceLine {
            text: Some("agreement".into()),
            ..ev(6 * ms + 500_000, EventKind::Violation)
        },
    ];
    for (i, l) in v.iter_mut().enumerate() {
        l.i = i as u64;
    }
    v
}

/// A lazily generated trace of `n` events over `nodes` nodes (send/deliver pairs, timers,
/// notes); nothing is collected, so it can feed the streaming writers for any `n`.
pub(crate) fn generated(n: u64, nodes: u32) -> impl Iterator<Item = TraceLine> {
    (0..n).map(move |i| {
        let t = i * 1_000 + 17;
        let a = (i / 4 % nodes as u64) as u32;
        let b = (a + 1) % nodes;
        let id = i / 4;
        let mut l = match i % 4 {
            0 => msg(t, EventKind::Send, a, b, id, "append"),
            1 => msg(t, EventKind::Deliver, a, b, id, "append"),
            2 => TraceLine {
                timer: Some(id),
                ..node(t, EventKind::TimerFire, b)
            },
            _ => TraceLine {
                text: Some("commit".into()),
                ..node(t, EventKind::Note, a)
            },
        };
        l.i = i;
        l
    })
}
