//! The gossip node.

use std::collections::BTreeSet;

use sim::{Actor, Ctx, Message, NodeId};

use super::{Bug, Params};

/// Gossip messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// A rumor, by number.
    Rumor(u32),
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        "rumor"
    }

    fn summary(&self, out: &mut String) {
        use std::fmt::Write as _;
        let Msg::Rumor(r) = self;
        let _ = write!(out, "#{r}");
    }
}

/// Gossip timers.
#[derive(Clone, Debug)]
pub enum Timer {
    /// The origin broadcasts its next rumor.
    Broadcast,
    /// Push a known rumor to a random peer.
    AntiEntropy,
}

/// Durable state: the rumors seen.
#[derive(Clone, Debug, Default)]
pub struct Seen(pub BTreeSet<u32>);

/// Facts for checkers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Obs {
    /// The origin created a rumor.
    Originated(u32),
    /// A node learned a rumor (first time, as far as it knows).
    Learned(u32),
}

/// One gossip node.
#[derive(Debug)]
pub struct GossipNode {
    p: Params,
    seen: BTreeSet<u32>,
    next: u32,
}

impl GossipNode {
    /// Builds (or rebuilds after a crash) node `_id` from its durable state.
    pub fn new(p: &Params, _id: NodeId, durable: &Seen) -> Self {
        let seen = if p.bugs.contains(&Bug::VolatileSeen) {
            BTreeSet::new()
        } else {
            durable.0.clone()
        };
        let next = seen.iter().max().map_or(0, |m| m + 1);
        GossipNode {
            p: p.clone(),
            seen,
            next,
        }
    }

    fn is_origin(&self, cx: &Ctx<'_, Self>) -> bool {
        cx.me() == NodeId(0)
    }

    fn forward(&self, r: u32, cx: &mut Ctx<'_, Self>) {
        let n = self.p.nodes;
        let me = cx.me().0;
        let mut peers: Vec<u32> = (0..n).filter(|&i| i != me).collect();
        if self.p.fanout > 0 {
            cx.rng().shuffle(&mut peers);
            peers.truncate(self.p.fanout as usize);
        }
        for to in peers {
            cx.send(NodeId(to), Msg::Rumor(r));
        }
    }

    fn learn(&mut self, r: u32, cx: &mut Ctx<'_, Self>) -> bool {
        if !self.seen.insert(r) {
            return false;
        }
        if !self.p.bugs.contains(&Bug::VolatileSeen) {
            cx.persist(Seen(self.seen.clone()));
        }
        cx.observe(Obs::Learned(r));
        true
    }
}

impl Actor for GossipNode {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Seen;
    type Obs = Obs;

    fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
        if self.is_origin(cx) && self.next < self.p.rumors {
            cx.set_timer(self.p.interval, Timer::Broadcast);
        }
        cx.set_timer(self.p.interval, Timer::AntiEntropy);
    }

    fn on_message(&mut self, _from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
        let Msg::Rumor(r) = msg;
        if self.learn(r, cx) {
            self.forward(r, cx);
        }
    }

    fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, Self>) {
        match t {
            Timer::Broadcast => {
                let r = self.next;
                self.next += 1;
                cx.observe(Obs::Originated(r));
                self.learn(r, cx);
                self.forward(r, cx);
                if self.next < self.p.rumors {
                    cx.set_timer(self.p.interval, Timer::Broadcast);
                }
            }
            Timer::AntiEntropy => {
                if !self.seen.is_empty() {
                    let known: Vec<u32> = self.seen.iter().copied().collect();
                    let r = *cx.rng().choose(&known).expect("non-empty");
                    let mut to = cx.rng().below(self.p.nodes as u64 - 1) as u32;
                    if to >= cx.me().0 {
                        to += 1;
                    }
                    cx.send(NodeId(to), Msg::Rumor(r));
                }
                cx.set_timer(self.p.interval, Timer::AntiEntropy);
            }
        }
    }
}
