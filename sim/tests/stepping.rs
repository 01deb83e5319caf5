//! The kernel as a library inside `cargo test`, through its public API only: a world driven
//! one step at a time, faults injected by node id between steps, actor state read between
//! them, and closure properties judging the run.

use sim::{
    Actor, Ctx, DropReason, Error, Expect, Fault, LinkConfig, Message, NodeId, Outcome, Step, Stop,
    Time, TimeDelta, TimeDist, World, WorldBuilder,
};

#[derive(Clone, Debug, PartialEq)]
enum Msg {
    Ping(u32),
    Pong(u32),
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Ping(_) => "ping",
            Msg::Pong(_) => "pong",
        }
    }
}

/// Node 0 pings node 1 every 10 ms (local clock) and counts the pongs; node 1 answers.
#[derive(Debug, Default)]
struct Pinger {
    pings: u32,
    pongs: u32,
}

const PERIOD: Time = Time::from_millis(10);

impl Actor for Pinger {
    type Msg = Msg;
    type Timer = ();
    type Durable = ();
    type Obs = (u32, Time);

    fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
        if cx.me() == NodeId(0) {
            cx.set_timer(PERIOD, ());
        }
    }
    fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
        match msg {
            Msg::Ping(n) => cx.send(from, Msg::Pong(n)),
            Msg::Pong(n) => {
                self.pongs += 1;
                cx.observe((n, cx.now()));
            }
        }
    }
    fn on_timer(&mut self, _: (), cx: &mut Ctx<'_, Self>) {
        self.pings += 1;
        cx.send(NodeId(1), Msg::Ping(self.pings));
        cx.set_timer(PERIOD, ());
    }
}

fn pongs(w: &World<Pinger>) -> u32 {
    w.actor(NodeId(0)).map_or(0, |a| a.pongs)
}

/// Two nodes on 1 ms links, for `end`, with the properties the test names.
fn pair(seed: u64, end: Time) -> (WorldBuilder<Pinger>, NodeId, NodeId) {
    let mut b = WorldBuilder::<Pinger>::new(seed);
    let a = b.node("a");
    let c = b.node("b");
    b.factory(|_, _| Pinger::default());
    b.default_link(LinkConfig {
        latency: TimeDist::Const(Time::from_millis(1)),
        ..LinkConfig::default()
    });
    b.end(end);
    (b, a, c)
}

/// The acceptance test: step, partition between two steps, heal, and judge closure
/// properties (one that the partition must break, two that must hold).
#[test]
fn a_partition_injected_between_steps_is_seen_by_closure_properties() {
    let (mut b, a, c) = pair(1, Time::from_millis(200));
    // A pong comes back 2 ms after each ping: no gap between pongs beyond two periods.
    let mut last = Time::ZERO;
    b.property(Expect::Always, "no long silence", move |at, _, _| {
        let ok = at - last <= Time::from_millis(20);
        last = at;
        ok
    });
    b.state_property(Expect::Always, "never more pongs than pings", |w| {
        w.actor(NodeId(0)).is_none_or(|p| p.pongs <= p.pings)
    });
    b.state_property(
        Expect::EventuallyBy(Time::from_millis(150)),
        "answers after the heal",
        |w| pongs(w) >= 8,
    );
    let mut w = b.build().unwrap();

    // The ping timer fires at 10 ms, the ping arrives at 11 ms, the pong at 12 ms.
    assert!(matches!(
        w.step(),
        Step::TimerFired { at, node, .. } if at == Time::from_millis(10) && node == a
    ));
    assert!(matches!(
        w.step(),
        Step::Delivered { at, from, to, kind: "ping", .. }
            if at == Time::from_millis(11) && from == a && to == c
    ));
    assert_eq!(pongs(&w), 0);
    assert_eq!(w.step().at(), Some(Time::from_millis(12)));
    assert_eq!(pongs(&w), 1);
    // The second ping leaves at 20 ms; cut the pair while it travels: it is lost on arrival.
    assert!(matches!(w.step(), Step::TimerFired { .. }));
    w.partition(&[a], &[c]).unwrap();
    assert_eq!(
        w.step(),
        Step::Dropped {
            at: Time::from_millis(21),
            from: a,
            to: c,
            msg: 2,
            kind: "ping",
            reason: DropReason::Partition,
        }
    );
    assert_eq!(w.run_until(Time::from_millis(75)), None);
    assert_eq!(w.now(), Time::from_millis(75));
    assert_eq!(pongs(&w), 1, "nothing crosses the cut");
    assert!(
        w.violations().is_empty(),
        "no pong since, so no silence seen yet"
    );

    // Heal at 75 ms: the 80 ms ping (the 8th) is answered at 82 ms, 70 ms after the last.
    w.heal().unwrap();
    assert_eq!(w.run_until(Time::from_millis(100)), None);
    assert_eq!(pongs(&w), 3);
    let r = w.run();
    assert_eq!(r.stop, Stop::TimeLimit);
    assert_eq!(r.outcome(), Outcome::SafetyViolation);
    let v: Vec<(&str, u64)> = r
        .violations
        .iter()
        .map(|v| (v.property.as_str(), v.time_ns))
        .collect();
    assert_eq!(v, [("no long silence", Time::from_millis(82).0)]);
    assert!(
        r.violations[0].detail.contains("observed (8, "),
        "{:?}",
        r.violations
    );
    // Pings 1 and 8 to 19 are answered by 200 ms; 2 to 7 were cut, 20 is still travelling.
    assert_eq!(pongs(&w), 13);
}

/// Stepping runs the loop `run` runs: a world stepped to its end, or run up to instants and
/// then on, has the trace digest of the same world run in one call.
#[test]
fn stepping_leaves_the_run_unchanged() {
    let whole = {
        let (b, _, _) = pair(9, Time::from_millis(300));
        let mut w = b.build().unwrap();
        w.run()
    };
    let (b, _, _) = pair(9, Time::from_millis(300));
    let mut w = b.build().unwrap();
    let mut steps = 0;
    while !w.step().is_done() {
        steps += 1;
    }
    let stepped = w.run();
    assert_eq!(stepped.digest, whole.digest);
    assert_eq!(stepped.end, whole.end);
    assert_eq!(steps, whole.kernel_events);

    let (b, _, _) = pair(9, Time::from_millis(300));
    let mut w = b.build().unwrap();
    for t in [5, 50, 51, 120, 299] {
        assert_eq!(w.run_until(Time::from_millis(t)), None);
        assert_eq!(w.now(), Time::from_millis(t));
    }
    assert_eq!(w.run_until(Time::from_secs(1)), Some(Stop::TimeLimit));
    let until = w.run();
    assert_eq!(until.digest, whole.digest);
    assert_eq!(until.events, whole.events);
}

/// `run_while` stops as soon as its condition on the world fails.
#[test]
fn run_while_stops_when_the_condition_fails() {
    let (b, _, _) = pair(3, Time::from_secs(1));
    let mut w = b.build().unwrap();
    assert_eq!(w.run_while(|w| pongs(w) < 4), None);
    assert_eq!(pongs(&w), 4);
    assert_eq!(w.now(), Time::from_millis(42));
    assert_eq!(w.run_while(|_| true), Some(Stop::TimeLimit));
}

/// Crash, restart, pause and resume by id between steps; what a paused node would have
/// handled is held and runs at resume.
#[test]
fn crash_restart_pause_resume_by_id() {
    let (b, a, c) = pair(4, Time::from_secs(1));
    let mut w = b.build().unwrap();
    w.run_until(Time::from_millis(15)).unwrap_none();
    w.crash(c).unwrap();
    assert!(w.actor(c).is_none() && !w.is_up(c));
    assert_eq!(w.incarnation(c), 1);
    assert!(matches!(w.step(), Step::TimerFired { .. }));
    assert!(matches!(
        w.step(),
        Step::Dropped {
            reason: DropReason::Crashed,
            ..
        }
    ));
    w.restart(c).unwrap();
    assert!(w.actor(c).is_some());
    w.run_until(Time::from_millis(35)).unwrap_none();
    let before = pongs(&w);
    w.pause(a).unwrap();
    assert!(w.is_paused(a) && w.is_up(a));
    // a's next ping timer (40 ms) waits while a is paused.
    assert_eq!(
        w.step(),
        Step::Held {
            at: Time::from_millis(40),
            node: a
        }
    );
    w.run_until(Time::from_millis(60)).unwrap_none();
    assert_eq!(pongs(&w), before);
    w.resume(a).unwrap();
    assert!(matches!(w.step(), Step::TimerFired { at, .. } if at == Time::from_millis(60)));
    assert!(w.run().outcome().is_ok());
}

/// A clock stepped back by id delays the node's timers by as much.
#[test]
fn clock_step_by_id_retimes_timers() {
    let (b, a, _) = pair(5, Time::from_secs(1));
    let mut w = b.build().unwrap();
    w.run_until(Time::from_millis(12)).unwrap_none();
    w.clock_step(a, -TimeDelta::from_millis(5)).unwrap();
    assert!(matches!(
        w.step(),
        Step::TimerFired { at, .. } if at == Time::from_millis(25)
    ));
}

/// Faults the world cannot apply are typed errors that change nothing.
#[test]
fn bad_injections_are_typed_errors() {
    let (b, a, _) = pair(6, Time::from_secs(1));
    let mut w = b.build().unwrap();
    let digest = w.digest();
    assert_eq!(
        w.crash(NodeId(7)),
        Err(Error::NoSuchNode {
            context: "crash".into(),
            id: NodeId(7),
            nodes: 2
        })
    );
    assert_eq!(
        w.crash(NodeId(7)).unwrap_err().to_string(),
        "crash: no node #7; node ids are #0 to #1"
    );
    let e = w.partition(&[a], &[a]).unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    assert!(e.to_string().contains("on both sides"), "{e}");
    let e = w.partition(&[], &[a]).unwrap_err();
    assert!(e.to_string().contains("must both name nodes"), "{e}");
    let e = w.clock_step(a, TimeDelta(i64::MIN)).unwrap_err();
    assert!(e.to_string().contains("146 years"), "{e}");
    let e = w.drift(a, -1_000_000).unwrap_err();
    assert!(e.to_string().contains("drift.ppm must be in"), "{e}");
    let e = w
        .inject(Fault::SetLink {
            from: Some(a),
            to: None,
            one_way: false,
            link: LinkConfig {
                loss: 2.0,
                ..LinkConfig::default()
            },
        })
        .unwrap_err();
    assert!(e.to_string().contains("loss must be in [0, 1)"), "{e}");
    assert_eq!(w.digest(), digest, "a refused fault leaves no trace");
    assert_eq!(w.now(), Time::ZERO);
}

/// A fault scripted by id at build time acts like one scripted by name.
#[test]
fn faults_scripted_by_id_match_faults_scripted_by_name() {
    let digest = |by_id: bool| {
        let (mut b, _, c) = pair(8, Time::from_millis(100));
        let (down, up) = (Time::from_millis(30), Time::from_millis(55));
        if by_id {
            b.fault_at(down, Fault::Crash(c));
            b.fault_at(up, Fault::Restart(c));
        } else {
            b.fault(sim::FaultStep {
                at: down,
                action: sim::FaultAction::Crash("b".into()),
            });
            b.fault(sim::FaultStep {
                at: up,
                action: sim::FaultAction::Restart("b".into()),
            });
        }
        b.build().unwrap().run().digest
    };
    assert_eq!(digest(true), digest(false));
    let (mut b, _, _) = pair(8, Time::from_millis(100));
    b.fault_at(Time::ZERO, Fault::Pause(NodeId(2)));
    assert_eq!(
        b.build().err().unwrap().to_string(),
        "faults[0]: no node #2; node ids are #0 to #1"
    );
}

/// An `EventuallyBy` state property fails at the first event after its deadline; `Sometimes`
/// is reported, never failed.
#[test]
fn eventually_by_fails_after_its_deadline() {
    let (mut b, a, c) = pair(2, Time::from_millis(100));
    b.state_property(
        Expect::EventuallyBy(Time::from_millis(30)),
        "three pongs by 30 ms",
        |w| pongs(w) >= 3,
    );
    b.state_property(Expect::Sometimes, "five pongs", |w| pongs(w) >= 5);
    let mut w = b.build().unwrap();
    w.partition(&[a], &[c]).unwrap();
    w.run_until(Time::from_millis(25)).unwrap_none();
    w.heal().unwrap();
    let r = w.run();
    assert_eq!(r.outcome(), Outcome::LivenessFailure);
    assert_eq!(r.violations.len(), 1);
    assert_eq!(r.violations[0].property, "three pongs by 30 ms");
    assert_eq!(
        r.violations[0].time_ns,
        Time::from_millis(31).0,
        "the first event after it"
    );
    assert_eq!(r.violations[0].detail, "not met by 30.000ms");
    assert!(r.reached["five pongs"]);
}

/// `run_until`'s result in one word: the run went on.
trait Reached {
    fn unwrap_none(self);
}

impl Reached for Option<Stop> {
    fn unwrap_none(self) {
        assert_eq!(self, None, "the run ended early");
    }
}
