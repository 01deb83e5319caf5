//! A FIFO server: queues jobs, serves the head of the line (service time = the job's work
//! divided by the server's speed), answers `Done` to the job's dispatcher, and accounts how
//! long it held each queue length after the warm-up.
//!
//! The queue-length accounting is one addition per event: `time_at[l]` is the time spent
//! with exactly `l` customers (the last slot: `LEVELS` or more), from which the runner derives
//! the time-average fraction of servers with at least i customers. Statistics live in the
//! actor's own fields, never in string-keyed metrics, so the per-event path allocates nothing.

use std::collections::VecDeque;

use sim::{Ctx, NodeId, Time};

use super::node::{LbNode, Msg, Timer};
use super::{Params, UNIT_NS};

/// Queue lengths tracked exactly by the time-at-level accounting (`queue_ge_1..LEVELS`).
pub const LEVELS: usize = 10;

#[derive(Clone, Copy, Debug)]
struct Waiting {
    queued: u64,
    work: f64,
    from: u32,
    ahead: u32,
}

/// One FIFO server. Laid out so that an event touches one cache line of it besides the queue
/// buffer and the one `time_at` slot it adds to.
#[derive(Debug)]
#[repr(C)]
pub struct Server {
    queue: VecDeque<Waiting>,
    last: u64,
    started: u64,
    /// ns of service per unit of work (1e9 / speed).
    scale: f64,
    warmup: u64,
    time_at: [u64; LEVELS + 1],
    completed: u64,
    max_queue: u32,
    dispatchers: u32,
    broadcast: bool,
}

impl Server {
    /// Server `s{idx}` of the model `p`.
    pub fn new(p: &Params, idx: u32) -> Server {
        Server {
            scale: UNIT_NS / p.speed(idx as usize),
            queue: VecDeque::new(),
            started: 0,
            dispatchers: p.dispatchers,
            broadcast: p.dispatchers > 1 && p.policy.reads_queues(),
            warmup: (p.warmup_time() * UNIT_NS).round() as u64,
            last: 0,
            time_at: [0; LEVELS + 1],
            max_queue: 0,
            completed: 0,
        }
    }

    /// Customers at the server (in service included).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether the server is idle.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Jobs completed over the whole run.
    pub fn completed(&self) -> u64 {
        self.completed
    }

    /// Largest queue length held at any time after the warm-up.
    pub fn max_queue(&self) -> u32 {
        self.max_queue
    }

    /// Time (ns) spent after the warm-up with exactly `l` customers (`l < LEVELS`), or with
    /// `LEVELS` or more in the last slot, up to true time `end`.
    pub fn time_at(&self, end: u64) -> [u64; LEVELS + 1] {
        let mut t = self.time_at;
        if end > self.warmup && end > self.last {
            t[self.queue.len().min(LEVELS)] += end - self.last.max(self.warmup);
        }
        t
    }

    /// Closes the interval since the last change at `now`, before the queue length changes.
    #[inline]
    fn account(&mut self, now: u64) {
        if now > self.warmup {
            let len = self.queue.len();
            self.time_at[len.min(LEVELS)] += now - self.last.max(self.warmup);
            self.max_queue = self.max_queue.max(len as u32);
        }
        self.last = now;
    }

    #[inline]
    fn start_service(&mut self, now: u64, work: f64, ctx: &mut Ctx<'_, LbNode>) {
        self.started = now;
        let ns = work * self.scale + 0.5;
        ctx.set_timer(Time(ns as u64), Timer::Complete);
    }

    #[inline]
    fn tell_others(&self, except: u32, ctx: &mut Ctx<'_, LbNode>) {
        if self.broadcast {
            let qlen = self.queue.len() as u32;
            for j in 0..self.dispatchers {
                if j != except {
                    ctx.send(NodeId(j), Msg::Load { qlen });
                }
            }
        }
    }

    /// A job arrived from a dispatcher.
    #[inline]
    pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, LbNode>) {
        let Msg::Job { work, ahead } = msg else {
            panic!("server got {msg:?} from {from}: servers only take jobs");
        };
        let now = ctx.metrics_time().0;
        self.account(now);
        self.queue.push_back(Waiting {
            queued: now,
            work,
            from: from.0,
            ahead,
        });
        if now >= self.warmup {
            self.max_queue = self.max_queue.max(self.queue.len() as u32);
        }
        if self.queue.len() == 1 {
            self.start_service(now, work, ctx);
        }
        self.tell_others(from.0, ctx);
    }

    /// The head-of-line job finished.
    #[inline]
    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, LbNode>) {
        assert_eq!(timer, Timer::Complete, "servers only set completion timers");
        let now = ctx.metrics_time().0;
        self.account(now);
        let w = self
            .queue
            .pop_front()
            .expect("a completion timer runs only while a job is in service");
        self.completed += 1;
        let qlen = self.queue.len() as u32;
        ctx.send(
            NodeId(w.from),
            Msg::Done {
                queued: w.queued,
                started: self.started,
                departed: now,
                ahead: w.ahead,
                qlen,
            },
        );
        if let Some(next) = self.queue.front() {
            let work = next.work;
            self.start_service(now, work, ctx);
        }
        self.tell_others(w.from, ctx);
    }
}
