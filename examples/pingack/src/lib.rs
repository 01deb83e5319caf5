//! `pingack`: a protocol that lives outside simlab and plugs into it. Read it top to bottom;
//! `docs/your-own-protocol.md` builds it step by step.
//!
//! The protocol is stop-and-wait delivery. A `sender` sends pings 1..=N to a `receiver` one
//! at a time and retransmits the current ping until its ack arrives. The receiver delivers
//! ping `k` once, in order, and acks every ping it has delivered (retransmissions included,
//! since the first ack may have been lost). Both persist their counter before acting on it,
//! so a crash loses nothing that was acknowledged.
//!
//! Code map:
//! - [`Params`] and [`Bug`]: the scenario table `[pingack]`.
//! - [`Node`], [`Msg`], [`Obs`]: the actors (sans-IO: they record intents through `Ctx`).
//! - [`DeliveryChecker`]: the properties, judged from observations apart from the protocol.
//! - [`PingAck`]: the plug-in (`scenarios::plugin::Protocol`) and its catalog.

use scenarios::plugin::{
    Better, MetricMeta, Protocol, RunOutput, RunRequest, Scenario, Spec, run_world,
};
use serde::{Deserialize, Serialize};
use sim::{Actor, Checker, Ctx, Message, NodeId, Property, Time, Verdicts, WorldBuilder};

// ---- parameters -------------------------------------------------------------------------

/// A classic mistake that can be switched on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// The receiver delivers every ping it gets, so a retransmission is delivered twice.
    NoDedup,
}

/// The `[pingack]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Pings to deliver (1..=100000).
    pub pings: u32,
    /// The sender's wait before it sends the current ping again (> 0).
    pub retransmit: Time,
    /// Switched-on bugs.
    pub bugs: Vec<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            pings: 10,
            retransmit: Time::from_millis(50),
            bugs: Vec::new(),
        }
    }
}

// ---- the actors -------------------------------------------------------------------------

/// Messages: `kind()` names them in traces and network rules; `summary()` adds the number to
/// their arrows in space-time diagrams (`ping 3`).
#[derive(Clone, Debug)]
pub enum Msg {
    /// Ping number `k`.
    Ping(u32),
    /// The receiver has delivered ping `k`.
    Ack(u32),
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Ping(_) => "ping",
            Msg::Ack(_) => "ack",
        }
    }

    fn summary(&self, out: &mut String) {
        let (Msg::Ping(k) | Msg::Ack(k)) = self;
        out.push_str(&k.to_string());
    }
}

/// Facts for the checker.
#[derive(Clone, Debug)]
pub enum Obs {
    /// The receiver delivered ping `k` to its application.
    Delivered(u32),
}

/// Both roles. `count` is the durable counter: pings acknowledged (sender) or delivered
/// (receiver); a restarted node starts from it.
#[derive(Debug)]
pub enum Node {
    /// Sends the pings.
    Sender {
        /// Parameters.
        p: Params,
        /// Pings acknowledged so far.
        acked: u32,
    },
    /// Delivers them.
    Receiver {
        /// Parameters.
        p: Params,
        /// Pings delivered so far.
        delivered: u32,
    },
}

const SENDER: NodeId = NodeId(0);
const RECEIVER: NodeId = NodeId(1);

impl Node {
    fn send_current(acked: u32, p: &Params, ctx: &mut Ctx<'_, Node>) {
        if acked < p.pings {
            ctx.send(RECEIVER, Msg::Ping(acked + 1));
            ctx.set_timer(p.retransmit, acked + 1);
        }
    }
}

impl Actor for Node {
    type Msg = Msg;
    /// The ping a retransmission timer is for.
    type Timer = u32;
    type Durable = u32;
    type Obs = Obs;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        if let Node::Sender { p, acked } = self {
            Node::send_current(*acked, p, ctx);
        }
    }

    fn on_message(&mut self, _from: NodeId, msg: Msg, ctx: &mut Ctx<'_, Self>) {
        match (self, msg) {
            (Node::Sender { p, acked }, Msg::Ack(k)) if k == *acked + 1 => {
                *acked = k;
                ctx.persist(k);
                ctx.metrics().add("pings_acked", 1.0);
                Node::send_current(k, p, ctx);
            }
            (Node::Receiver { p, delivered }, Msg::Ping(k)) => {
                let fresh = k == *delivered + 1;
                if fresh || p.bugs.contains(&Bug::NoDedup) {
                    *delivered = k;
                    ctx.persist(k);
                    ctx.observe(Obs::Delivered(k));
                }
                if k <= *delivered {
                    ctx.send(SENDER, Msg::Ack(k));
                }
            }
            // A stale ack, or a message to the wrong role: nothing to do.
            _ => {}
        }
    }

    fn on_timer(&mut self, k: u32, ctx: &mut Ctx<'_, Self>) {
        if let Node::Sender { p, acked } = self
            && k == *acked + 1
        {
            ctx.metrics().add("retransmissions", 1.0);
            Node::send_current(*acked, p, ctx);
        }
    }
}

// ---- the checker ------------------------------------------------------------------------

/// `exactly_once_in_order` (always): the receiver delivers 1, 2, 3, ... with no repeat and no
/// gap. `all_delivered` (eventually): every ping is delivered by the end of the liveness
/// window. The checker's view (`last`) is the receiver's durable counter, so it survives the
/// receiver's crashes exactly as that counter does.
#[derive(Debug, Default)]
pub struct DeliveryChecker {
    pings: u32,
    last: u32,
    done_at: Option<Time>,
}

impl Checker<Node> for DeliveryChecker {
    fn properties(&self) -> Vec<Property> {
        vec![
            Property::always("exactly_once_in_order"),
            Property::eventually("all_delivered"),
        ]
    }

    fn observe(&mut self, at: Time, _node: NodeId, obs: &Obs, v: &mut Verdicts) {
        let Obs::Delivered(k) = *obs;
        if k != self.last + 1 {
            v.fail(
                "exactly_once_in_order",
                format!("delivered ping {k} after ping {}", self.last),
            );
        }
        self.last = self.last.max(k);
        if self.last == self.pings && self.done_at.is_none() {
            self.done_at = Some(at);
        }
    }

    fn finish(&mut self, _end: Time, v: &mut Verdicts) {
        if self.last == self.pings {
            v.hold("all_delivered");
        } else {
            v.fail(
                "all_delivered",
                format!("{} of {} pings delivered", self.last, self.pings),
            );
        }
    }

    fn metrics(&self) -> Vec<(String, f64)> {
        let mut m = vec![("pings_delivered".to_string(), f64::from(self.last))];
        if let Some(t) = self.done_at {
            m.push(("delivery_time".to_string(), t.as_secs_f64()));
        }
        m
    }
}

// ---- the plug-in ------------------------------------------------------------------------

/// The protocol as simlab sees it: `protocol = "pingack"` and the `[pingack]` table.
pub struct PingAck;

impl Protocol for PingAck {
    type Params = Params;

    fn name(&self) -> &'static str {
        "pingack"
    }

    fn about(&self) -> &'static str {
        "stop-and-wait delivery with acks and retransmission (an out-of-tree example)"
    }

    fn validate(&self, p: &Params, _spec: &Spec) -> Result<(), String> {
        if !(1..=100_000).contains(&p.pings) {
            return Err(format!(
                "pingack.pings must be in 1..=100000, got {}",
                p.pings
            ));
        }
        if p.retransmit == Time::ZERO {
            return Err("pingack.retransmit must be > 0".into());
        }
        Ok(())
    }

    fn run(&self, p: &Params, req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut b = WorldBuilder::<Node>::new(req.seed);
        b.node("sender");
        b.node("receiver");
        let fp = p.clone();
        b.factory(move |id, count| match id {
            SENDER => Node::Sender {
                p: fp.clone(),
                acked: *count,
            },
            _ => Node::Receiver {
                p: fp.clone(),
                delivered: *count,
            },
        });
        b.checker(DeliveryChecker {
            pings: p.pings,
            ..DeliveryChecker::default()
        });
        run_world(b, req)
    }

    fn metrics(&self) -> &'static [MetricMeta] {
        METRICS
    }

    fn catalog(&self) -> &'static [Scenario] {
        CATALOG
    }
}

const METRICS: &[MetricMeta] = &[
    MetricMeta::higher("pings_delivered", "pings", "pings the receiver delivered"),
    MetricMeta::neither("pings_acked", "pings", "acks the sender accepted"),
    MetricMeta::lower(
        "retransmissions",
        "pings",
        "pings sent again after a timeout",
    ),
    MetricMeta {
        name: "delivery_time",
        unit: "s",
        better: Better::Lower,
        about: "when the last ping was delivered",
    },
];

const CATALOG: &[Scenario] = &[
    Scenario::new(
        "pingack/failure-free",
        include_str!("../catalog/failure-free.toml"),
    ),
    Scenario::new("pingack/lossy", include_str!("../catalog/lossy.toml")),
    Scenario::new(
        "pingack/lossy-no-dedup",
        include_str!("../catalog/lossy-no-dedup.toml"),
    ),
    Scenario::new(
        "pingack/bug-no-dedup",
        include_str!("../catalog/bug-no-dedup.toml"),
    ),
];
