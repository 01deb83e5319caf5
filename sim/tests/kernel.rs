//! Kernel tests through the public API: simultaneous events in insertion order (DET-3), every
//! fault kind shown acting in a trace, conservation, the rule pipeline, and clear errors on
//! misuse. (DET-1 and DET-2, one seed one trace, are shown over a protocol's scenario in the
//! workspace's integration binary, which has the protocols.)
//!
//! Most tests use `Probe`, a scripted actor: at start it performs a list of timed actions
//! (sends and timers) and it records every delivery and timer in its durable log, so a test
//! can check both the trace and what the node saw.

use std::cell::RefCell;
use std::rc::Rc;

use sim::faults::Everything;
use sim::{
    Actor, Ctx, EventKind, FaultAction, FaultRate, FaultStep, LinkConfig, Message, NodeId,
    RandomFaults, Rule, Stop, Time, TimeDist, TraceLine, Verdict, World, WorldBuilder,
};

#[derive(Clone, Debug, PartialEq)]
enum Msg {
    Ping(u32),
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        "ping"
    }
}

/// What a probe does at start: after `at` (local clock), send `Ping(seq)` to `to`, or set a
/// timer tagged `seq` that fires `after` later.
#[derive(Clone, Debug)]
enum Act {
    Send {
        node: u32,
        at: Time,
        to: u32,
        seq: u32,
    },
    Timer {
        node: u32,
        after: Time,
        tag: u32,
    },
}

#[derive(Clone, Debug)]
enum Tm {
    SendNow(u32, u32),
    Tag(u32),
}

/// Durable log: (local time ns, "recv"/"timer", value).
#[derive(Clone, Debug, Default)]
struct Log(Vec<(u64, &'static str, u32)>);

struct Probe {
    acts: Vec<Act>,
    log: Log,
    restarted: bool,
}

impl Actor for Probe {
    type Msg = Msg;
    type Timer = Tm;
    type Durable = Log;
    type Obs = ();

    fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
        if self.restarted {
            return;
        }
        let me = cx.me().0;
        for a in self.acts.clone() {
            match a {
                Act::Send { node, at, to, seq } if node == me => {
                    if at == Time::ZERO {
                        cx.send(NodeId(to), Msg::Ping(seq));
                    } else {
                        cx.set_timer(at, Tm::SendNow(to, seq));
                    }
                }
                Act::Timer { node, after, tag } if node == me => {
                    cx.set_timer(after, Tm::Tag(tag));
                }
                _ => {}
            }
        }
    }

    fn on_message(&mut self, _from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
        let Msg::Ping(s) = msg;
        self.log.0.push((cx.now().0, "recv", s));
        cx.persist(self.log.clone());
    }

    fn on_timer(&mut self, t: Tm, cx: &mut Ctx<'_, Self>) {
        match t {
            Tm::SendNow(to, seq) => cx.send(NodeId(to), Msg::Ping(seq)),
            Tm::Tag(tag) => {
                self.log.0.push((cx.now().0, "timer", tag));
                cx.persist(self.log.clone());
            }
        }
    }
}

/// A world of `n` probes running `acts`, with a trace kept in memory.
fn probes(
    n: u32,
    acts: Vec<Act>,
    link: LinkConfig,
    seed: u64,
) -> (WorldBuilder<Probe>, Rc<RefCell<Vec<TraceLine>>>) {
    let mut b = WorldBuilder::<Probe>::new(seed);
    for i in 0..n {
        b.node(&format!("n{i}"));
    }
    b.factory(move |_, d: &Log| Probe {
        acts: acts.clone(),
        log: d.clone(),
        restarted: !d.0.is_empty(),
    });
    b.default_link(link);
    let lines = Rc::new(RefCell::new(Vec::new()));
    let l2 = lines.clone();
    b.sink(Box::new(sim::trace::FnSink(move |r: &sim::Record<'_>| {
        l2.borrow_mut().push(TraceLine::from_record(r))
    })));
    (b, lines)
}

/// `n` pings from n0 to n1, all sent at start.
fn burst(n: u32) -> Vec<Act> {
    (0..n)
        .map(|i| Act::Send {
            node: 0,
            at: Time::ZERO,
            to: 1,
            seq: i,
        })
        .collect()
}

fn ms(x: u64) -> Time {
    Time::from_millis(x)
}

fn step(at: Time, action: FaultAction) -> FaultStep {
    FaultStep { at, action }
}

fn events(lines: &[TraceLine], ev: EventKind) -> impl Iterator<Item = &TraceLine> {
    lines.iter().filter(move |l| l.ev == ev)
}

fn log_of(w: &World<Probe>, n: u32) -> Vec<(u64, &'static str, u32)> {
    w.durable(NodeId(n)).0.clone()
}

// ---- determinism -------------------------------------------------------------------------

/// DET-3: events at the same instant run in insertion order, whatever the seed. Node 0 sends
/// five zero-delay messages in one handler; across 100 seeds they are delivered in send order.
#[test]
fn same_instant_events_run_in_insertion_order() {
    let acts: Vec<Act> = (0..5)
        .map(|i| Act::Send {
            node: 0,
            at: Time::ZERO,
            to: 1 + (i % 3),
            seq: i,
        })
        .collect();
    let mut orders = std::collections::BTreeSet::new();
    for seed in 0..100 {
        let (b, lines) = probes(4, acts.clone(), LinkConfig::instant(), seed);
        b.build().unwrap().run();
        let order: Vec<u64> = events(&lines.borrow(), EventKind::Deliver)
            .map(|l| l.msg.unwrap())
            .collect();
        assert_eq!(order, vec![0, 1, 2, 3, 4], "seed {seed}");
        orders.insert(order);
    }
    assert_eq!(orders.len(), 1);
}

// ---- faults ------------------------------------------------------------------------------

/// A crash drops the message in flight to the node and loses its pending timer; the restart
/// rebuilds the actor from durable state (the delivery logged before the crash survives).
#[test]
fn crash_drops_in_flight_loses_timers_keeps_durable_state() {
    let acts = vec![
        Act::Send {
            node: 0,
            at: Time::ZERO,
            to: 1,
            seq: 1,
        }, // arrives at 10ms
        Act::Send {
            node: 0,
            at: ms(15),
            to: 1,
            seq: 2,
        }, // in flight during the crash
        Act::Timer {
            node: 1,
            after: ms(50),
            tag: 9,
        }, // lost with the crash
    ];
    let link = LinkConfig {
        latency: TimeDist::Const(ms(10)),
        ..LinkConfig::default()
    };
    let (mut b, lines) = probes(2, acts, link, 1);
    b.fault(step(ms(20), FaultAction::Crash("n1".into())));
    b.fault(step(ms(40), FaultAction::Restart("n1".into())));
    let mut w = b.build().unwrap();
    let r = w.run();
    let lines = lines.borrow();
    let drops: Vec<&TraceLine> = events(&lines, EventKind::Drop).collect();
    assert_eq!(drops.len(), 1);
    assert_eq!(
        (drops[0].reason.as_deref(), drops[0].t),
        (Some("crashed"), ms(25).0)
    );
    // The timer was set (so the trace does show timers), and it never fired.
    let on_n1 = |ev| events(&lines, ev).filter(|l| l.node == Some(1)).count();
    assert_eq!(on_n1(EventKind::TimerSet), 1, "the timer was never set");
    assert_eq!(on_n1(EventKind::TimerFire), 0, "timer survived the crash");
    assert_eq!(
        log_of(&w, 1),
        vec![(ms(10).0, "recv", 1)],
        "durable log lost or extended"
    );
    assert!(w.actor(NodeId(1)).unwrap().restarted);
    assert_eq!((r.sent, r.delivered, r.dropped, r.in_flight), (2, 1, 1, 0));
}

/// A pause holds deliveries and timers until resume; the local clock runs on meanwhile, so
/// the node reads the resume time when they finally run.
#[test]
fn pause_delays_deliveries_and_timers() {
    let acts = vec![
        Act::Send {
            node: 0,
            at: ms(10),
            to: 1,
            seq: 1,
        },
        Act::Timer {
            node: 1,
            after: ms(50),
            tag: 7,
        },
    ];
    let link = LinkConfig {
        latency: TimeDist::Const(ms(10)),
        ..LinkConfig::default()
    };
    let (mut b, lines) = probes(2, acts, link, 1);
    b.fault(step(ms(5), FaultAction::Pause("n1".into())));
    b.fault(step(ms(100), FaultAction::Resume("n1".into())));
    let mut w = b.build().unwrap();
    w.run();
    assert_eq!(
        log_of(&w, 1),
        vec![(ms(100).0, "recv", 1), (ms(100).0, "timer", 7)]
    );
    let lines = lines.borrow();
    let d = events(&lines, EventKind::Deliver).next().unwrap();
    assert_eq!(d.t, ms(100).0);
}

/// A symmetric partition drops messages both ways; after heal they flow again.
#[test]
fn partition_drops_then_heals() {
    let acts = vec![
        Act::Send {
            node: 0,
            at: ms(10),
            to: 1,
            seq: 1,
        },
        Act::Send {
            node: 1,
            at: ms(10),
            to: 0,
            seq: 2,
        },
        Act::Send {
            node: 0,
            at: ms(30),
            to: 1,
            seq: 3,
        },
    ];
    let (mut b, lines) = probes(2, acts, LinkConfig::default(), 1);
    b.fault(step(
        ms(1),
        FaultAction::Partition {
            a: vec!["n0".into()],
            b: vec!["n1".into()],
            one_way: false,
        },
    ));
    b.fault(step(ms(20), FaultAction::Heal(Everything {})));
    let mut w = b.build().unwrap();
    w.run();
    let lines = lines.borrow();
    let reasons: Vec<_> = events(&lines, EventKind::Drop)
        .map(|l| (l.msg.unwrap(), l.reason.clone().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        vec![(0, "partition".to_string()), (1, "partition".to_string())]
    );
    assert_eq!(log_of(&w, 1), vec![(ms(31).0, "recv", 3)]);
    assert!(log_of(&w, 0).is_empty());
}

/// A one-way partition cuts only a -> b.
#[test]
fn one_way_partition_cuts_one_direction() {
    let acts = vec![
        Act::Send {
            node: 0,
            at: ms(10),
            to: 1,
            seq: 1,
        },
        Act::Send {
            node: 1,
            at: ms(10),
            to: 0,
            seq: 2,
        },
    ];
    let (mut b, _) = probes(2, acts, LinkConfig::default(), 1);
    b.fault(step(
        ms(1),
        FaultAction::Partition {
            a: vec!["n0".into()],
            b: vec!["n1".into()],
            one_way: true,
        },
    ));
    let mut w = b.build().unwrap();
    let r = w.run();
    assert!(log_of(&w, 1).is_empty(), "n0 -> n1 should be cut");
    assert_eq!(log_of(&w, 0), vec![(ms(11).0, "recv", 2)]);
    assert_eq!(r.dropped, 1);
}

/// Timers run on the local clock: 10% fast drift fires a 100 ms timer at 90.909 ms true
/// time; a +50 ms clock step at 10 ms fires a 100 ms timer at 50 ms true time.
#[test]
fn drift_and_clock_steps_move_local_timers() {
    let acts = vec![
        Act::Timer {
            node: 0,
            after: ms(100),
            tag: 1,
        },
        Act::Timer {
            node: 1,
            after: ms(100),
            tag: 2,
        },
    ];
    let (mut b, lines) = probes(2, acts, LinkConfig::default(), 1);
    b.fault(step(
        Time::ZERO,
        FaultAction::Drift {
            node: "n0".into(),
            ppm: 100_000,
        },
    ));
    b.fault(step(
        ms(10),
        FaultAction::ClockStep {
            node: "n1".into(),
            delta_ms: 50.0,
        },
    ));
    let mut w = b.build().unwrap();
    w.run();
    let lines = lines.borrow();
    let fires: Vec<(u32, u64)> = events(&lines, EventKind::TimerFire)
        .map(|l| (l.node.unwrap(), l.t))
        .collect();
    assert_eq!(fires, vec![(1, ms(50).0), (0, 90_909_091)]);
    // Each node read its own local clock at the firing: 100 ms on both.
    assert_eq!(log_of(&w, 0)[0].0, ms(100).0);
    assert_eq!(log_of(&w, 1)[0].0, ms(100).0);
}

/// A timer whose local deadline would pass the end of local time (an `i64` of ns) never
/// fires. It used to be clamped to the end, which a clock already there had passed: the timer
/// fired at once, and a protocol re-arming its timer ran in place for ever.
#[test]
fn a_timer_past_the_end_of_local_time_never_fires() {
    let mut b = WorldBuilder::<Probe>::new(0);
    b.node_with_clock("n0", i64::MAX - 1_000, 0);
    let acts = vec![Act::Timer {
        node: 0,
        after: ms(100),
        tag: 1,
    }];
    b.factory(move |_, d: &Log| Probe {
        acts: acts.clone(),
        log: d.clone(),
        restarted: false,
    });
    b.end(ms(1000));
    let mut w = b.build().unwrap();
    let r = w.run();
    assert_eq!(r.stop, Stop::TimeLimit);
    assert!(log_of(&w, 0).is_empty(), "{:?}", log_of(&w, 0));
}

/// Duplication delivers a message twice (both copies carry the same message id).
#[test]
fn duplication_delivers_twice() {
    let acts = burst(200);
    let link = LinkConfig {
        duplicate: 0.5,
        latency: TimeDist::Uniform {
            lo: ms(1),
            hi: ms(5),
        },
        ..LinkConfig::default()
    };
    let (b, lines) = probes(2, acts, link, 3);
    let mut w = b.build().unwrap();
    let r = w.run();
    let lines = lines.borrow();
    let dups: Vec<u64> = events(&lines, EventKind::Duplicate)
        .map(|l| l.msg.unwrap())
        .collect();
    // 200 messages, p = 0.5: the count is Binomial(200, 0.5); 4 sd band = 100 +- 28.
    assert!(
        (72..=128).contains(&dups.len()),
        "{} duplicates",
        dups.len()
    );
    for id in &dups {
        assert_eq!(
            events(&lines, EventKind::Deliver)
                .filter(|l| l.msg == Some(*id))
                .count(),
            2,
            "message {id}"
        );
    }
    assert_eq!(r.delivered as usize, 200 + dups.len());
    assert_eq!(r.sent, r.delivered);
}

/// FIFO links keep send order under random latency; without FIFO the same seed reorders.
#[test]
fn fifo_keeps_order() {
    let acts = burst(100);
    let order = |fifo| {
        let link = LinkConfig {
            latency: TimeDist::Uniform {
                lo: ms(1),
                hi: ms(50),
            },
            fifo,
            ..LinkConfig::default()
        };
        let (b, _) = probes(2, acts.clone(), link, 5);
        let mut w = b.build().unwrap();
        w.run();
        log_of(&w, 1).iter().map(|x| x.2).collect::<Vec<u32>>()
    };
    assert_eq!(order(true), (0..100).collect::<Vec<u32>>());
    assert_ne!(order(false), (0..100).collect::<Vec<u32>>());
}

/// The rule pipeline: one broadcast reaches two chosen nodes at once, and the third copy is
/// held until 500 ms.
#[test]
fn rule_holds_one_copy_of_a_broadcast() {
    let acts: Vec<Act> = (1..=3)
        .map(|to| Act::Send {
            node: 0,
            at: ms(10),
            to,
            seq: 0,
        })
        .collect();
    let (mut b, _) = probes(4, acts, LinkConfig::default(), 1);
    let rule = Rule {
        name: "hold-n3".into(),
        from: Some("n0".into()),
        to: Some("n3".into()),
        kind: Some("ping".into()),
        after: None,
        before: None,
        nth: Some(1),
        verdict: Verdict::HoldUntil(ms(500)),
    };
    b.fault(step(Time::ZERO, FaultAction::AddRule(rule)));
    let mut w = b.build().unwrap();
    w.run();
    assert_eq!(log_of(&w, 1), vec![(ms(11).0, "recv", 0)]);
    assert_eq!(log_of(&w, 2), vec![(ms(11).0, "recv", 0)]);
    assert_eq!(log_of(&w, 3), vec![(ms(500).0, "recv", 0)]);
}

/// Conservation holds in runs cut off with messages in flight and under every random fault:
/// sent = delivered + dropped + in flight (the kernel also asserts it with its own count).
#[test]
fn conservation_after_every_run() {
    let (mut cut_off, mut lost, mut duplicated) = (0, 0, 0);
    for seed in 0..50 {
        let acts: Vec<Act> = (0..40)
            .map(|i| Act::Send {
                node: i % 4,
                at: ms(i as u64 * 7),
                to: (i + 1) % 4,
                seq: i,
            })
            .collect();
        let link = LinkConfig {
            latency: TimeDist::Exp {
                mean: ms(20),
                shift: ms(1),
            },
            loss: 0.1,
            duplicate: 0.1,
            fifo: false,
        };
        let (mut b, lines) = probes(4, acts, link, seed);
        b.phases(sim::Phases {
            heal_at: ms(200),
            liveness: ms(50),
        });
        let r = |x: u64| FaultRate {
            rate: 20.0,
            min: ms(x),
            max: ms(3 * x),
        };
        b.random_faults(RandomFaults {
            crash: Some(r(10)),
            pause: Some(r(10)),
            partition: Some(r(20)),
            clock_step: Some(r(5)),
            max_down: Some(2),
            ..RandomFaults::default()
        });
        let mut w = b.build().unwrap();
        let res = w.run();
        assert_eq!(
            res.sent,
            res.delivered + res.dropped + res.in_flight,
            "seed {seed}"
        );
        // Every term of the sum was exercised somewhere, or the check says little.
        cut_off += u64::from(res.in_flight > 0);
        lost += u64::from(res.dropped > 0);
        duplicated += u64::from(
            events(&lines.borrow(), EventKind::Duplicate)
                .next()
                .is_some(),
        );
    }
    assert!(
        cut_off > 0 && lost > 0 && duplicated > 0,
        "runs with messages in flight {cut_off}, with drops {lost}, with duplicates \
         {duplicated}"
    );
}

/// A run that queues without bound stops as `overloaded` before its next event, with the
/// unqueued payloads still counted in flight: no panic, and conservation holds.
#[test]
fn queueing_past_the_pending_limit_stops_the_run_as_overloaded() {
    let acts = burst(10);
    let link = LinkConfig {
        latency: TimeDist::Const(ms(50)),
        ..LinkConfig::instant()
    };
    let (mut b, lines) = probes(2, acts.clone(), link.clone(), 1);
    b.max_pending(5);
    let mut w = b.build().unwrap();
    let res = w.run();
    assert_eq!(res.stop, sim::Stop::Overloaded);
    assert_eq!(res.stop.as_str(), "overloaded");
    assert_eq!(res.end, Time::ZERO, "no event ran after the overload");
    assert_eq!((res.sent, res.delivered, res.in_flight), (10, 0, 10));
    // The sink saw the ten sends, and no delivery.
    assert_eq!(events(&lines.borrow(), EventKind::Send).count(), 10);
    assert!(events(&lines.borrow(), EventKind::Deliver).next().is_none());
    // Running again does not resume an overloaded world.
    assert_eq!(w.run().stop, sim::Stop::Overloaded);

    // The same sends within the limit run to the end.
    let (mut b, _) = probes(2, acts, link, 1);
    b.max_pending(10);
    let res = b.build().unwrap().run();
    assert_eq!(res.stop, sim::Stop::Quiescent);
    assert_eq!((res.sent, res.delivered, res.in_flight), (10, 10, 0));

    let (mut b, _) = probes(2, Vec::new(), LinkConfig::instant(), 1);
    b.max_pending(0);
    let err = b
        .build()
        .err()
        .expect("max_pending 0 is refused")
        .to_string();
    assert!(err.contains("max_pending must be in 1..="), "{err}");
}

// ---- misuse ------------------------------------------------------------------------------

/// Misuse of the kernel API is a clear error when the world is built.
#[test]
fn misuse_is_a_clear_build_error() {
    let err = |f: &dyn Fn(&mut WorldBuilder<Probe>)| {
        let (mut b, _) = probes(2, vec![], LinkConfig::default(), 1);
        f(&mut b);
        match b.build() {
            Ok(_) => panic!("built"),
            Err(e) => e.to_string(),
        }
    };
    let e = err(&|b| {
        b.fault(step(
            ms(1),
            FaultAction::Partition {
                a: vec!["n0".into()],
                b: vec!["n9".into()],
                one_way: false,
            },
        ));
    });
    assert!(e.contains("unknown node `n9`"), "{e}");
    let e = err(&|b| {
        b.fault(step(
            ms(1),
            FaultAction::AddRule(Rule {
                name: "r".into(),
                from: Some("zz".into()),
                to: None,
                kind: None,
                after: None,
                before: None,
                nth: None,
                verdict: Verdict::Drop,
            }),
        ));
    });
    assert!(e.contains("unknown node `zz`"), "{e}");
    for (kind, rate) in [("crash", 0.0), ("crash", 4.3e9), ("pause", -1.0)] {
        let e = err(&|b| {
            b.phases(sim::Phases {
                heal_at: ms(10),
                liveness: ms(10),
            });
            let r = Some(FaultRate {
                rate,
                min: ms(1),
                max: ms(2),
            });
            b.random_faults(if kind == "crash" {
                RandomFaults {
                    crash: r,
                    ..RandomFaults::default()
                }
            } else {
                RandomFaults {
                    pause: r,
                    ..RandomFaults::default()
                }
            });
        });
        assert!(
            e.contains(&format!("{kind}.rate must be in (0, 1e6]")),
            "{kind} {rate}: {e}"
        );
    }
    let e = err(&|b| {
        b.default_link(LinkConfig {
            loss: 1.5,
            ..LinkConfig::default()
        });
    });
    assert!(e.contains("loss must be in [0, 1)"), "{e}");
    let e = err(&|b| {
        b.fault(step(
            ms(1),
            FaultAction::Drift {
                node: "n0".into(),
                ppm: -2_000_000,
            },
        ));
    });
    assert!(e.contains("drift.ppm must be in -999999..=1000000"), "{e}");
    let e = err(&|b| {
        b.random_faults(RandomFaults {
            crash: Some(FaultRate {
                rate: 1.0,
                min: ms(1),
                max: ms(2),
            }),
            ..RandomFaults::default()
        });
    });
    assert!(e.contains("need phases"), "{e}");
}

/// Sending to a node that does not exist is a bug in the protocol: the kernel panics with the
/// seed and the event index.
#[test]
fn send_to_unknown_node_panics_with_seed_and_event() {
    let acts = vec![Act::Send {
        node: 0,
        at: Time::ZERO,
        to: 7,
        seq: 0,
    }];
    let (b, _) = probes(2, acts, LinkConfig::default(), 42);
    let mut w = b.build().unwrap();
    let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.run())).unwrap_err();
    let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("seed 42") && msg.contains("event"), "{msg}");
}
