//! The one actor type of a Multi-Paxos run ([`MpNode`]): a replica or a client, by node id.

use std::rc::Rc;

use sim::{Actor, Ctx, NodeId};

use super::client::Client;
use super::messages::{Durable, Msg, Obs, Timer};
use super::params::Config;
use super::replica::Replica;

/// A Multi-Paxos node: replicas `r1..rN` are ids `0..N`, clients follow.
#[derive(Debug)]
pub enum MpNode {
    /// A replica (proposer, acceptor and learner).
    Replica(Box<Replica>),
    /// A client.
    Client(Client),
}

impl MpNode {
    /// Builds (or rebuilds after a crash) node `id` from its durable state.
    pub fn new(cfg: &Rc<Config>, id: NodeId, d: &Durable) -> MpNode {
        if id.0 < cfg.replicas {
            MpNode::Replica(Box::new(Replica::new(cfg.clone(), id.0, d)))
        } else {
            MpNode::Client(Client::new(cfg, id.0, d))
        }
    }
}

impl Actor for MpNode {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Obs = Obs;

    fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
        match self {
            MpNode::Replica(r) => r.on_start(cx),
            MpNode::Client(c) => c.on_start(cx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
        match self {
            MpNode::Replica(r) => r.on_message(from, msg, cx),
            MpNode::Client(c) => c.on_message(from, msg, cx),
        }
    }

    fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, Self>) {
        match self {
            MpNode::Replica(r) => r.on_timer(t, cx),
            MpNode::Client(c) => c.on_timer(t, cx),
        }
    }
}
