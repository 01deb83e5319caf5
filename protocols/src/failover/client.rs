//! A failover client: one operation at a time (a read, or a write of a value no one else
//! writes), sent to the server it believes is primary; on `NotPrimary`, a failed replication
//! or a timeout it switches to the other server. It reports invocations and outcomes for the
//! linearizability checker.

use sim::{Ctx, NodeId, Time, TimerId};

use super::Params;
use super::node::{FailoverNode, Msg, Obs, OpKind, OpResult, Timer};

/// A client.
#[derive(Clone, Debug)]
pub struct Client {
    index: u64,
    count: u64,
    target: u32,
    next_op: u64,
    current: Option<(u64, TimerId)>,
    op_interval: Time,
    op_timeout: Time,
    read_fraction: f64,
}

impl Client {
    /// Client number `k` (0-based).
    pub fn new(p: &Params, k: usize) -> Client {
        Client {
            index: k as u64,
            count: p.clients as u64,
            target: 0,
            next_op: 0,
            current: None,
            op_interval: p.op_interval,
            op_timeout: p.op_timeout,
            read_fraction: p.read_fraction,
        }
    }

    /// Starts the first operation, staggered so clients do not move in lockstep.
    pub fn on_start(&mut self, ctx: &mut Ctx<'_, FailoverNode>) {
        // Op ids (and so written values) carry the incarnation in their high half: a restarted
        // client must not take a late reply to its previous life's op for one of its own.
        self.next_op = u64::from(ctx.incarnation()) << 32;
        let stagger = Time(self.op_interval.0 / self.count.max(1) * self.index);
        ctx.set_timer(self.op_interval + stagger, Timer::NextOp);
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, FailoverNode>) {
        match timer {
            Timer::NextOp => self.start(ctx),
            Timer::OpTimeout { op } => {
                if self.current.is_some_and(|(o, _)| o == op) {
                    self.current = None;
                    ctx.observe(Obs::Unknown { op });
                    self.switch_and_continue(ctx);
                }
            }
            other => panic!("a client got a server timer: {other:?}"),
        }
    }

    /// Handles a server's reply.
    pub fn on_message(&mut self, msg: Msg, ctx: &mut Ctx<'_, FailoverNode>) {
        let Msg::Reply { op, result } = msg else {
            panic!("a client got a server-to-server message: {msg:?}");
        };
        let Some((cur, timer)) = self.current else {
            return;
        };
        if cur != op {
            return; // the answer to an operation already given up on
        }
        self.current = None;
        ctx.cancel_timer(timer);
        match result {
            OpResult::Ok | OpResult::Value(_) => {
                ctx.observe(Obs::Done { op, result });
                ctx.set_timer(self.op_interval, Timer::NextOp);
            }
            OpResult::NotPrimary => {
                ctx.observe(Obs::Refused { op });
                self.switch_and_continue(ctx);
            }
            OpResult::Failed => {
                ctx.observe(Obs::Unknown { op });
                self.switch_and_continue(ctx);
            }
        }
    }

    fn start(&mut self, ctx: &mut Ctx<'_, FailoverNode>) {
        let op = self.next_op;
        self.next_op += 1;
        let kind = if ctx.rng().bernoulli(self.read_fraction) {
            OpKind::Read
        } else {
            // Unique and never 0 (the register's initial value).
            OpKind::Write((self.index + 1) * 1_000_000 + op + 1)
        };
        ctx.observe(Obs::Invoke { op, kind });
        ctx.send(NodeId(self.target), Msg::Request { op, kind });
        let t = ctx.set_timer(self.op_timeout, Timer::OpTimeout { op });
        self.current = Some((op, t));
    }

    fn switch_and_continue(&mut self, ctx: &mut Ctx<'_, FailoverNode>) {
        self.target = 1 - self.target;
        ctx.set_timer(self.op_interval, Timer::NextOp);
    }
}
