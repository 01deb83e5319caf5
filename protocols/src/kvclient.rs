//! The key-value client Raft and Multi-Paxos share ([`KvClient`]): runs `ops` operations one
//! at a time against the cluster, sends each to the leader it knows (at first a random
//! server), follows redirects, and on a timeout resends the same request (same id, so the
//! state machine applies it once) to another server. Every invocation and answer is
//! reported to the checkers, which keep the history. A protocol plugs it in through
//! [`KvHost`] (its own messages, timers, observations and durable state) and dispatches
//! its client messages and timers to it.

use std::collections::BTreeMap;

use sim::{Actor, Ctx, NodeId, Time};

use crate::raft::messages::{Command, KvOp, KvResult};

type Cx<'a, 'b, N> = &'a mut Ctx<'b, N>;

/// What a protocol's actor provides so that [`KvClient`] can run inside it.
pub trait KvHost: Actor {
    /// The client request carrying `cmd`.
    fn request(cmd: Command) -> Self::Msg;
    /// The timer that starts the next operation.
    fn next_op() -> Self::Timer;
    /// The timer that resends request `seq` unanswered after `attempt` tries.
    fn retry(seq: u64, attempt: u32) -> Self::Timer;
    /// The observation of an invocation.
    fn invoke(cmd: Command) -> Self::Obs;
    /// The observation of an answer.
    fn answer(inc: u32, seq: u64, result: KvResult) -> Self::Obs;
    /// A client's durable state: how many operations it started.
    fn started(started: u32) -> Self::Durable;
}

/// The workload and timing of a run's clients.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Servers (node ids `0..servers`); clients follow.
    pub servers: u32,
    /// Operations per client.
    pub ops: u32,
    /// Keys the operations spread over.
    pub keys: u32,
    /// Read and cas fractions (the rest are puts).
    pub mix: (f64, f64),
    /// First operation's time, think time between operations, resend timeout.
    pub client_times: (Time, Time, Time),
    /// Also record `read_latency` and `write_latency` beside `client_latency`.
    pub split_latency: bool,
    /// Count every request sent (`client_messages`).
    pub count_messages: bool,
}

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
pub struct KvClient {
    cfg: Workload,
    me: u32,
    inc: u32,
    started: u32,
    seq: u64,
    leader: u32,
    pending: Option<Pending>,
    /// Last value seen per key (what a cas expects); keys never seen written are absent.
    seen: BTreeMap<u32, u64>,
}

impl KvClient {
    /// Rebuilds client node `me` from its durable count of operations `started`.
    pub fn new(cfg: Workload, me: u32, started: u32) -> KvClient {
        KvClient {
            cfg,
            me,
            inc: 0,
            started,
            seq: 0,
            leader: 0,
            pending: None,
            seen: BTreeMap::new(),
        }
    }

    /// The node (re)started: a random first leader, the first operation's timer.
    pub fn on_start<N: KvHost>(&mut self, cx: Cx<'_, '_, N>) {
        self.inc = cx.incarnation();
        self.leader = cx.rng().below(u64::from(self.cfg.servers)) as u32;
        let (start, think, _) = self.cfg.client_times;
        let after = if cx.now() < start {
            start - cx.now()
        } else {
            think
        };
        cx.set_timer(after, N::next_op());
    }

    /// A value no other operation writes: client, session and request id.
    fn unique(&self) -> u64 {
        (u64::from(self.me) << 48) | (u64::from(self.inc & 0xffff) << 32) | (self.seq & 0xffff_ffff)
    }

    /// Starts the next operation, if none is pending and some are left.
    pub fn next_op<N: KvHost>(&mut self, cx: Cx<'_, '_, N>) {
        if self.pending.is_some() || self.started >= self.cfg.ops {
            return;
        }
        self.started += 1;
        cx.persist(N::started(self.started));
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
        cx.observe(N::invoke(cmd));
        self.pending = Some(Pending {
            cmd,
            attempt: 0,
            redirects: 0,
            hinted: false,
            since: cx.metrics_time(),
        });
        self.send(cx);
    }

    fn send<N: KvHost>(&mut self, cx: Cx<'_, '_, N>) {
        let Some(p) = &mut self.pending else {
            return;
        };
        p.attempt += 1;
        p.hinted = false;
        let (seq, attempt) = (p.cmd.seq, p.attempt);
        if self.cfg.count_messages {
            cx.metrics().add("client_messages", 1.0);
        }
        cx.send(NodeId(self.leader), N::request(p.cmd));
        cx.set_timer(self.cfg.client_times.2, N::retry(seq, attempt));
    }

    /// The answer to request `seq` of session `inc`.
    pub fn on_reply<N: KvHost>(&mut self, inc: u32, seq: u64, result: KvResult, cx: Cx<'_, '_, N>) {
        let Some(p) = self.pending else {
            return;
        };
        if inc != self.inc || seq != p.cmd.seq {
            return;
        }
        self.pending = None;
        cx.observe(N::answer(inc, seq, result));
        let latency = (cx.metrics_time() - p.since).as_secs_f64();
        cx.metrics().record("client_latency", latency);
        if self.cfg.split_latency {
            let kind = if matches!(p.cmd.op, KvOp::Get { .. }) {
                "read_latency"
            } else {
                "write_latency"
            };
            cx.metrics().record(kind, latency);
        }
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
        cx.set_timer(self.cfg.client_times.1, N::next_op());
    }

    /// A server that is not the leader turned request `seq` away, naming the leader it knows.
    pub fn on_redirect<N: KvHost>(
        &mut self,
        inc: u32,
        seq: u64,
        leader: Option<u32>,
        cx: Cx<'_, '_, N>,
    ) {
        let Some(p) = &mut self.pending else {
            return;
        };
        if inc != self.inc || seq != p.cmd.seq {
            return;
        }
        if let Some(l) = leader
            && l != self.leader
            && l < self.cfg.servers
        {
            self.leader = l;
            p.hinted = true;
            // Follow a hint at once, but only so often per request: two stale hints pointing
            // at each other would otherwise bounce it for ever. The timer covers the rest
            // (and resets the budget).
            if p.redirects < self.cfg.servers {
                p.redirects += 1;
                self.send(cx);
            }
        }
    }

    /// True if `from` is a server: clients answer nothing else.
    pub fn is_server(&self, from: NodeId) -> bool {
        from.0 < self.cfg.servers
    }

    /// Request `seq`'s resend timer of try `attempt` fired: resend it, to another server
    /// unless a redirect named the leader meanwhile.
    pub fn on_retry<N: KvHost>(&mut self, seq: u64, attempt: u32, cx: Cx<'_, '_, N>) {
        if let Some(p) = &mut self.pending
            && p.cmd.seq == seq
            && p.attempt == attempt
        {
            p.redirects = 0;
            if !p.hinted && self.cfg.servers > 1 {
                // Another server, at random: a fixed rotation can cycle between a dead
                // leader and a follower whose stale hint names it.
                let k = cx.rng().below(u64::from(self.cfg.servers) - 1) as u32;
                self.leader = if k >= self.leader { k + 1 } else { k };
            }
            self.send(cx);
        }
    }
}
