//! The failure-detector actor: the heartbeat sender `p` and the monitor `q` as one type, with
//! the heartbeat message, timers and the monitor's trust/suspect observations.

use sim::{Actor, Ctx, Message, NodeId};

use super::Params;
use super::monitor::Monitor;
use super::sender::Sender;

/// The only message: heartbeat number `seq` (heartbeat i is due at `i * eta` on p's clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    /// Sequence number, from 1.
    pub seq: u64,
}

impl Message for Heartbeat {
    fn kind(&self) -> &'static str {
        "heartbeat"
    }

    fn summary(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(out, "#{}", self.seq);
    }
}

/// Timers of both roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer {
    /// p: send the next heartbeat.
    Send,
    /// q (NFD-S): freshness point `tau_i = i * eta + delta`.
    Freshness {
        /// The index i.
        i: u64,
    },
    /// q (timeout, phi accrual): the moment to suspect if no newer heartbeat arrives first.
    Deadline,
}

/// The monitor's output changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Obs {
    /// q starts suspecting p.
    Suspect,
    /// q trusts p again.
    Trust,
}

/// A node of the failure-detector protocol: `p` (id 0) or `q` (id 1).
#[derive(Clone, Debug)]
pub enum FdNode {
    /// The heartbeat sender.
    Sender(Sender),
    /// The monitor running the detector.
    Monitor(Box<Monitor>),
}

impl FdNode {
    /// Node `id` of `p`: 0 is the sender, 1 the monitor.
    pub fn new(p: &Params, id: NodeId) -> FdNode {
        match id.0 {
            0 => FdNode::Sender(Sender::new(p, NodeId(1))),
            1 => FdNode::Monitor(Box::new(Monitor::new(p))),
            _ => panic!("the failure-detector world has two nodes, not {id}"),
        }
    }

    /// The monitor, if this node is q.
    pub fn as_monitor(&self) -> Option<&Monitor> {
        match self {
            FdNode::Monitor(m) => Some(m),
            FdNode::Sender(_) => None,
        }
    }
}

impl Actor for FdNode {
    type Msg = Heartbeat;
    type Timer = Timer;
    type Durable = ();
    type Obs = Obs;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        match self {
            FdNode::Sender(s) => s.on_start(ctx),
            FdNode::Monitor(m) => m.on_start(ctx),
        }
    }

    fn on_message(&mut self, _from: NodeId, msg: Heartbeat, ctx: &mut Ctx<'_, Self>) {
        match self {
            FdNode::Monitor(m) => m.on_heartbeat(msg.seq, ctx),
            FdNode::Sender(_) => panic!("p got a heartbeat: only q listens"),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        match self {
            FdNode::Sender(s) => s.on_timer(ctx),
            FdNode::Monitor(m) => m.on_timer(timer, ctx),
        }
    }
}
