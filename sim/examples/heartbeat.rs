//! A heartbeat failure detector, driven step by step from code: the kernel used as a library,
//! with no scenario file and no CLI.
//!
//! A worker sends a heartbeat every 10 ms; a monitor suspects it after 35 ms of silence and
//! trusts it again at the next heartbeat. The program steps the world and prints what each
//! step did, cuts the two apart between two steps, heals the cut, and judges two closure
//! properties: the monitor suspects the worker while cut off, and trusts it again within
//! 50 ms of the heal. It ends with one handler tested on its own.
//!
//! Run it with `cargo run -p sim --example heartbeat`.

use sim::{Actor, Ctx, Expect, Harness, Message, NodeId, Step, Time, WorldBuilder};

const PERIOD: Time = Time::from_millis(10);
const TIMEOUT: Time = Time::from_millis(35);

#[derive(Clone, Debug, PartialEq)]
struct Beat(u64);

impl Message for Beat {
    fn kind(&self) -> &'static str {
        "beat"
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Timer {
    /// The worker's next heartbeat.
    Send,
    /// The monitor's check for a heartbeat since the last check; `seen` is what it had then.
    Check { seen: u64 },
}

/// What the monitor concludes, for the properties.
#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    Suspect,
    Trust,
}

enum Node {
    Worker { monitor: NodeId, sent: u64 },
    Monitor { last: u64, suspect: bool },
}

impl Actor for Node {
    type Msg = Beat;
    type Timer = Timer;
    type Durable = ();
    type Obs = Verdict;

    fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
        match self {
            Node::Worker { .. } => cx.set_timer(PERIOD, Timer::Send),
            Node::Monitor { .. } => cx.set_timer(TIMEOUT, Timer::Check { seen: 0 }),
        };
    }
    fn on_message(&mut self, _from: NodeId, Beat(n): Beat, cx: &mut Ctx<'_, Self>) {
        if let Node::Monitor { last, suspect } = self {
            *last = n;
            if *suspect {
                *suspect = false;
                cx.observe(Verdict::Trust);
            }
        }
    }
    fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, Self>) {
        match (self, t) {
            (Node::Worker { monitor, sent }, Timer::Send) => {
                *sent += 1;
                cx.send(*monitor, Beat(*sent));
                cx.set_timer(PERIOD, Timer::Send);
            }
            (Node::Monitor { last, suspect }, Timer::Check { seen }) => {
                if *last == seen && !*suspect {
                    *suspect = true;
                    cx.observe(Verdict::Suspect);
                }
                cx.set_timer(TIMEOUT, Timer::Check { seen: *last });
            }
            _ => {}
        }
    }
}

fn main() -> Result<(), sim::Error> {
    let mut b = WorldBuilder::new(1);
    let worker = b.node("worker");
    let monitor = b.node("monitor");
    b.factory(move |id, _| match id == worker {
        true => Node::Worker { monitor, sent: 0 },
        false => Node::Monitor {
            last: 0,
            suspect: false,
        },
    });
    let (cut_at, heal_at) = (Time::from_millis(25), Time::from_millis(120));
    b.property(
        Expect::Sometimes,
        "suspects while cut off",
        move |at, _, v| *v == Verdict::Suspect && at > cut_at && at <= heal_at,
    );
    b.state_property(
        Expect::EventuallyBy(heal_at + Time::from_millis(50)),
        "trusts again after the heal",
        move |w| {
            w.now() > heal_at
                && matches!(w.actor(monitor), Some(Node::Monitor { suspect: false, .. }))
        },
    );
    b.end(Time::from_millis(300));
    let mut w = b.build()?;

    println!("-- the first steps");
    for _ in 0..4 {
        print_step(&w.step());
    }
    w.run_until(cut_at);
    println!("-- {}: cut worker | monitor", w.now());
    w.partition(&[worker], &[monitor])?;
    w.run_until(heal_at);
    let suspect = matches!(w.actor(monitor), Some(Node::Monitor { suspect: true, .. }));
    println!(
        "-- {}: the monitor suspects the worker: {suspect}; heal",
        w.now()
    );
    w.heal()?;
    loop {
        let step = w.step();
        print_step(&step);
        if matches!(step, Step::Delivered { .. }) {
            break;
        }
    }
    let r = w.run();
    println!(
        "-- end at {}: {} ({} events, digest {})",
        r.end,
        r.outcome(),
        r.events,
        r.digest.hex()
    );
    for (name, reached) in &r.reached {
        println!("   sometimes `{name}`: {reached}");
    }
    for v in &r.violations {
        println!("   violated `{}`: {}", v.property, v.detail);
    }

    // One handler, no world: a monitor that heard nothing since its last check suspects.
    let mut h = Harness::new(
        monitor,
        Node::Monitor {
            last: 3,
            suspect: false,
        },
    );
    h.set_now(Time::from_millis(70));
    let fx = h.timer(Timer::Check { seen: 3 });
    println!("-- one check handler on its own recorded {fx:?}");
    assert_eq!(fx.observations(), [&Verdict::Suspect]);
    Ok(())
}

fn print_step(s: &Step) {
    match s {
        Step::Delivered { at, from, to, .. } => println!("{at}: beat {from} -> {to}"),
        Step::TimerFired { at, node, .. } => println!("{at}: timer on {node}"),
        other => println!("{other:?}"),
    }
}
