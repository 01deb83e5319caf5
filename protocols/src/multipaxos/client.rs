//! A client: runs `ops` operations one at a time against the replicas, sends each to the
//! leader it knows (at first a random replica), follows redirects, and on a timeout resends
//! the same request (same id, so the state machine applies it once) to another replica.
//! Every invocation and answer is reported to the checkers, which keep the history.

use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{Ctx, NodeId, Time};

use super::messages::{Command, Durable, KvOp, KvResult, Msg, Obs, Timer};
use super::node::MpNode;
use super::params::Config;

type Cx<'a, 'b> = &'a mut Ctx<'b, MpNode>;

/// The request in flight.
#[derive(Clone, Copy, Debug)]
struct Pending {
    cmd: Command,
    attempt: u32,
    redirects: u32,
    /// A redirect named a leader since the last send: the retry goes there.
    hinted: bool,
    since: Time,
}

/// One client.
#[derive(Debug)]
pub struct Client {
    cfg: Rc<Config>,
    me: u32,
    inc: u32,
    started: u32,
    seq: u64,
    leader: u32,
    pending: Option<Pending>,
    /// Last value seen per key (what a cas expects); keys never seen written are absent.
    seen: BTreeMap<u32, u64>,
}

impl Client {
    /// Rebuilds client node `me` from its durable count of operations started.
    pub fn new(cfg: Rc<Config>, me: u32, d: &Durable) -> Client {
        Client {
            cfg,
            me,
            inc: 0,
            started: d.started,
            seq: 0,
            leader: 0,
            pending: None,
            seen: BTreeMap::new(),
        }
    }

    pub(crate) fn on_start(&mut self, cx: Cx<'_, '_>) {
        self.inc = cx.incarnation();
        self.leader = cx.rng().below(u64::from(self.cfg.replicas)) as u32;
        let (start, think, _) = self.cfg.client_times;
        let after = if cx.now() < start {
            start - cx.now()
        } else {
            think
        };
        cx.set_timer(after, Timer::NextOp);
    }

    /// A value no other operation writes: client, session and request id.
    fn unique(&self) -> u64 {
        (u64::from(self.me) << 48) | (u64::from(self.inc & 0xffff) << 32) | (self.seq & 0xffff_ffff)
    }

    fn next_op(&mut self, cx: Cx<'_, '_>) {
        if self.pending.is_some() || self.started >= self.cfg.ops {
            return;
        }
        self.started += 1;
        cx.persist(Durable {
            started: self.started,
            ..Durable::default()
        });
        self.seq += 1;
        let (reads, cas) = self.cfg.mix;
        let x = cx.rng().f64();
        let key = cx.rng().below(u64::from(self.cfg.keys)) as u32;
        let expect = self.seen.get(&key).copied();
        let op = if x < reads {
            KvOp::Get { key }
        } else if let (true, Some(expect)) = (x < reads + cas, expect) {
            // Only a value seen is expected: a key never written is nil to the history's
            // model, not 0, so a cas of a fresh key would not be checkable.
            KvOp::Cas {
                key,
                expect,
                new: self.unique(),
            }
        } else {
            KvOp::Put {
                key,
                value: self.unique(),
            }
        };
        let cmd = Command {
            client: self.me,
            inc: self.inc,
            seq: self.seq,
            op,
        };
        cx.observe(Obs::Invoke { cmd });
        self.pending = Some(Pending {
            cmd,
            attempt: 0,
            redirects: 0,
            hinted: false,
            since: cx.metrics_time(),
        });
        self.send(cx);
    }

    fn send(&mut self, cx: Cx<'_, '_>) {
        let Some(p) = &mut self.pending else {
            return;
        };
        p.attempt += 1;
        p.hinted = false;
        let (seq, attempt) = (p.cmd.seq, p.attempt);
        cx.metrics().add("client_messages", 1.0);
        cx.send(NodeId(self.leader), Msg::Request { cmd: p.cmd });
        cx.set_timer(self.cfg.client_times.2, Timer::Retry { seq, attempt });
    }

    fn on_reply(&mut self, inc: u32, seq: u64, result: KvResult, cx: Cx<'_, '_>) {
        let Some(p) = self.pending else {
            return;
        };
        if inc != self.inc || seq != p.cmd.seq {
            return;
        }
        self.pending = None;
        cx.observe(Obs::Return { inc, seq, result });
        let latency = (cx.metrics_time() - p.since).as_secs_f64();
        cx.metrics().record("client_latency", latency);
        match (p.cmd.op, result) {
            (KvOp::Get { key }, KvResult::Value(v)) if v != 0 => {
                self.seen.insert(key, v);
            }
            (KvOp::Put { key, value }, _) => {
                self.seen.insert(key, value);
            }
            (KvOp::Cas { key, new, .. }, KvResult::Swapped(true)) => {
                self.seen.insert(key, new);
            }
            _ => {}
        }
        cx.set_timer(self.cfg.client_times.1, Timer::NextOp);
    }

    fn on_redirect(&mut self, inc: u32, seq: u64, leader: Option<u32>, cx: Cx<'_, '_>) {
        let Some(p) = &mut self.pending else {
            return;
        };
        if inc != self.inc || seq != p.cmd.seq {
            return;
        }
        if let Some(l) = leader
            && l != self.leader
            && l < self.cfg.replicas
        {
            self.leader = l;
            p.hinted = true;
            // Follow a hint at once, but only so often per request: two stale hints pointing
            // at each other would otherwise bounce it for ever. The timer covers the rest
            // (and resets the budget).
            if p.redirects < self.cfg.replicas {
                p.redirects += 1;
                self.send(cx);
            }
        }
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, cx: Cx<'_, '_>) {
        if from.0 >= self.cfg.replicas {
            return;
        }
        match msg {
            Msg::Reply { inc, seq, result } => self.on_reply(inc, seq, result, cx),
            Msg::Redirect { inc, seq, leader } => self.on_redirect(inc, seq, leader, cx),
            _ => {}
        }
    }

    pub(crate) fn on_timer(&mut self, t: Timer, cx: Cx<'_, '_>) {
        match t {
            Timer::NextOp => self.next_op(cx),
            Timer::Retry { seq, attempt } => {
                if let Some(p) = &mut self.pending
                    && p.cmd.seq == seq
                    && p.attempt == attempt
                {
                    p.redirects = 0;
                    if !p.hinted && self.cfg.replicas > 1 {
                        // Another replica, at random: a fixed rotation can cycle between a
                        // dead leader and a follower whose stale hint names it.
                        let k = cx.rng().below(u64::from(self.cfg.replicas) - 1) as u32;
                        self.leader = if k >= self.leader { k + 1 } else { k };
                    }
                    self.send(cx);
                }
            }
            Timer::Election | Timer::Heartbeat(_) | Timer::Campaign => {}
        }
    }
}
