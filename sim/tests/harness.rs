//! The handler harness: every verb comes back as data in the order the handler used it, the
//! node's view (durable state, incarnation, clock, random stream) is what a world would give
//! it, and a send to a node past the harness's own is recorded, not refused.

use sim::{Actor, Ctx, Effect, Harness, Message, NodeId, Time, TimerId, WorldBuilder};

#[derive(Clone, Debug, PartialEq)]
struct Hello;

impl Message for Hello {
    fn kind(&self) -> &'static str {
        "hello"
    }
}

/// At start: draws a number, sets and cancels a timer, notes, persists its incarnation and
/// the time, greets node 9, and reports the draw.
#[derive(Debug, Default)]
struct Busy {
    drawn: u64,
}

impl Actor for Busy {
    type Msg = Hello;
    type Timer = &'static str;
    type Durable = (u32, Time);
    type Obs = u64;

    fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
        self.drawn = cx.rng().next_u64();
        let t = cx.set_timer(Time::from_millis(5), "tick");
        cx.cancel_timer(t);
        cx.note("started");
        let inc = cx.incarnation();
        let now = cx.now();
        cx.persist((inc, now));
        assert_eq!(
            cx.durable(),
            &(inc, now),
            "a handler reads what it persisted"
        );
        cx.send(NodeId(9), Hello);
        cx.observe(self.drawn);
    }
    fn on_message(&mut self, _: NodeId, _: Hello, _: &mut Ctx<'_, Self>) {}
}

#[test]
fn effects_come_back_in_order_with_the_nodes_own_view() {
    let mut h = Harness::new(NodeId(1), Busy::default());
    h.seed(5, "n1").set_now(Time::from_millis(3));
    let fx = h.start();
    let drawn = h.actor().drawn;
    let expected: Vec<Effect<Busy>> = vec![
        Effect::SetTimer {
            id: TimerId(0),
            after: Time::from_millis(5),
            timer: "tick",
        },
        Effect::CancelTimer(TimerId(0)),
        Effect::Note("started".into()),
        Effect::Persist((0, Time::from_millis(3))),
        Effect::Send {
            to: NodeId(9),
            msg: Hello,
        },
        Effect::Observe(drawn),
    ];
    assert_eq!(fx.0, expected);
    assert_eq!(fx.cancels(), [TimerId(0)]);
    assert_eq!(fx.notes(), ["started"]);

    // The same node in a world of the same seed draws the same number at its start.
    let mut b = WorldBuilder::<Busy>::new(5);
    b.node("n0");
    let n1 = b.node("n1");
    b.node("n9");
    for i in 3..10 {
        b.node(&format!("x{i}"));
    }
    b.factory(|_, _| Busy::default());
    let mut w = b.build().unwrap();
    w.start();
    assert_eq!(w.actor(n1).unwrap().drawn, drawn);

    // A restart rebuilds the actor from the durable state, one incarnation later.
    h.set_now(Time::from_millis(8));
    let fx = h.restart(|_, d| {
        assert_eq!(*d, (0, Time::from_millis(3)));
        Busy::default()
    });
    assert_eq!(fx.persisted(), Some(&(1, Time::from_millis(8))));
    assert_eq!(h.durable(), &(1, Time::from_millis(8)));
}
