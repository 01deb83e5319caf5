//! Multi-Paxos's clients: the shared key-value client ([`crate::kvclient`]) plugged into
//! [`MpNode`] through [`KvHost`].

use sim::{Ctx, NodeId};

use super::messages::{Command, Durable, KvResult, Msg, Obs, Timer};
use super::node::MpNode;
use super::params::Config;
use crate::kvclient::{KvClient, KvHost, Workload};

type Cx<'a, 'b> = &'a mut Ctx<'b, MpNode>;

impl KvHost for MpNode {
    fn request(cmd: Command) -> Msg {
        Msg::Request { cmd }
    }
    fn next_op() -> Timer {
        Timer::NextOp
    }
    fn retry(seq: u64, attempt: u32) -> Timer {
        Timer::Retry { seq, attempt }
    }
    fn invoke(cmd: Command) -> Obs {
        Obs::Invoke { cmd }
    }
    fn answer(inc: u32, seq: u64, result: KvResult) -> Obs {
        Obs::Return { inc, seq, result }
    }
    fn started(started: u32) -> Durable {
        Durable {
            started,
            ..Durable::default()
        }
    }
}

/// One client.
#[derive(Debug)]
pub struct Client(KvClient);

impl Client {
    /// Rebuilds client node `me` from its durable count of operations started.
    pub fn new(cfg: &Config, me: u32, d: &Durable) -> Client {
        let w = Workload {
            servers: cfg.replicas,
            ops: cfg.ops,
            keys: cfg.keys,
            mix: cfg.mix,
            client_times: cfg.client_times,
            split_latency: false,
            count_messages: true,
        };
        Client(KvClient::new(w, me, d.started))
    }

    pub(crate) fn on_start(&mut self, cx: Cx<'_, '_>) {
        self.0.on_start(cx);
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, cx: Cx<'_, '_>) {
        if !self.0.is_server(from) {
            return;
        }
        match msg {
            Msg::Reply { inc, seq, result } => self.0.on_reply(inc, seq, result, cx),
            Msg::Redirect { inc, seq, leader } => self.0.on_redirect(inc, seq, leader, cx),
            _ => {}
        }
    }

    pub(crate) fn on_timer(&mut self, t: Timer, cx: Cx<'_, '_>) {
        match t {
            Timer::NextOp => self.0.next_op(cx),
            Timer::Retry { seq, attempt } => self.0.on_retry(seq, attempt, cx),
            Timer::Election | Timer::Heartbeat(_) | Timer::Campaign => {}
        }
    }
}
