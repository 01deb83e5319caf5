//! The one actor type of a Raft run ([`RaftNode`]): a server or a client, by node id.

use std::rc::Rc;

use sim::{Actor, Ctx, NodeId};

use super::client::Client;
use super::messages::{Durable, Msg, Obs, Timer};
use super::params::Config;
use super::server::Server;

/// A Raft node: servers `s1..sN` are ids `0..N`, clients follow.
#[derive(Debug)]
pub enum RaftNode {
    /// A server (boxed: it is several times a client's size, and a world holds both).
    Server(Box<Server>),
    /// A client.
    Client(Client),
}

impl RaftNode {
    /// Builds (or rebuilds after a crash) node `id` from its durable state.
    pub fn new(cfg: &Rc<Config>, id: NodeId, d: &Durable) -> RaftNode {
        if id.0 < cfg.servers {
            RaftNode::Server(Box::new(Server::new(cfg.clone(), id.0, d)))
        } else {
            RaftNode::Client(Client::new(cfg, id.0, d))
        }
    }
}

impl Actor for RaftNode {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Obs = Obs;

    fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
        match self {
            RaftNode::Server(s) => s.on_start(cx),
            RaftNode::Client(c) => c.on_start(cx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
        match self {
            RaftNode::Server(s) => s.on_message(from, msg, cx),
            RaftNode::Client(c) => c.on_message(from, msg, cx),
        }
    }

    fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, Self>) {
        match self {
            RaftNode::Server(s) => s.on_timer(t, cx),
            RaftNode::Client(c) => c.on_timer(t, cx),
        }
    }
}
