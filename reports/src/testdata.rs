//! Synthetic traces shared by the tests (compiled only for tests).

use sim::trace::TraceLine;

/// The three node names of the sample trace.
pub(crate) fn names() -> Vec<String> {
    vec!["n0".into(), "n1".into(), "n2".into()]
}

fn ev(t: u64, ev: &str) -> TraceLine {
    TraceLine {
        t,
        ev: ev.to_string(),
        ..TraceLine::default()
    }
}

fn node(t: u64, e: &str, n: u32) -> TraceLine {
    TraceLine {
        node: Some(n),
        ..ev(t, e)
    }
}

fn msg(t: u64, e: &str, from: u32, to: u32, id: u64, kind: &str) -> TraceLine {
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
        node(0, "start", 0),
        node(0, "start", 1),
        node(0, "start", 2),
        msg(ms, "send", 0, 1, 1, "prepare"),
        msg(ms, "send", 0, 2, 2, "prepare"),
        msg(ms, "duplicate", 0, 2, 2, "prepare"),
        TraceLine {
            timer: Some(1),
            at: Some(5 * ms),
            ..node(ms + ms / 2, "timer_set", 0)
        },
        msg(2 * ms, "deliver", 0, 1, 1, "prepare"),
        msg(2 * ms + 200_000, "deliver", 0, 2, 2, "prepare"),
        TraceLine {
            detail: Some("Vote(yes)".into()),
            ..msg(2 * ms + 200_000, "send", 1, 0, 3, "vote")
        },
        msg(2 * ms + 400_000, "deliver", 0, 2, 2, "prepare"),
        msg(2 * ms + 500_000, "send", 2, 0, 4, "vote"),
        TraceLine {
            text: Some("faults".into()),
            ..ev(2 * ms + 600_000, "phase")
        },
        TraceLine {
            from: Some(2),
            to: Some(0),
            ..ev(2 * ms + 600_000, "cut")
        },
        msg(3 * ms, "deliver", 1, 0, 3, "vote"),
        TraceLine {
            reason: Some("partition".into()),
            ..msg(3 * ms + 100_000, "drop", 2, 0, 4, "vote")
        },
        node(3 * ms + 200_000, "crash", 1),
        node(3 * ms + 300_000, "pause", 2),
        TraceLine {
            delta: Some(-2 * ms as i64),
            ..node(3 * ms + 500_000, "clock_step", 0)
        },
        TraceLine {
            text: Some("decided <commit> & \"done\"".into()),
            ..node(4 * ms, "note", 0)
        },
        node(4 * ms + 200_000, "resume", 2),
        ev(4 * ms + 500_000, "heal"),
        TraceLine {
            timer: Some(1),
            ..node(5 * ms, "timer_fire", 0)
        },
        msg(5 * ms, "send", 0, 1, 5, "commit"),
        TraceLine {
            reason: Some("crashed".into()),
            ..msg(5 * ms + 100_000, "drop", 0, 1, 5, "commit")
        },
        node(6 * ms, "restart", 1),
        msg(6 * ms + 200_000, "send", 0, 2, 6, "commit"),
        TraceLine {
            text: Some("agreement".into()),
            ..ev(6 * ms + 500_000, "violation")
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
            0 => msg(t, "send", a, b, id, "append"),
            1 => msg(t, "deliver", a, b, id, "append"),
            2 => TraceLine {
                timer: Some(id),
                ..node(t, "timer_fire", b)
            },
            _ => TraceLine {
                text: Some("commit".into()),
                ..node(t, "note", a)
            },
        };
        l.i = i;
        l
    })
}
