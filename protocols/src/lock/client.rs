//! A lock client following its [`ClientPlan`]: acquire (single node, or Redlock's majority
//! round), write to the storage under its token, renew, release. Its belief that it holds the
//! lock is reported to the checkers (`Acquired` / `Released`); it ends only when the client
//! itself runs — so a paused client keeps believing past its lease, which is the point.

use sim::{Ctx, NodeId, Time, TimerId};

use super::node::{LockNode, Msg, Obs, ReleaseReason, Timer};
use super::{ClientPlan, Mode, Params, redlock_validity};

/// One acquisition round in progress.
#[derive(Clone, Debug)]
struct Attempt {
    req: u64,
    /// Local time the requests went out; the lease is counted from here (conservative).
    start: Time,
    /// Redlock: the random value sent to every node.
    value: Option<u64>,
    granted: u32,
    replies: u32,
}

/// The lock as the client believes it holds it.
#[derive(Clone, Debug)]
struct Held {
    value: u64,
    /// Local time at which the client's lease runs out.
    deadline: Time,
    expire: TimerId,
}

/// A lock client.
#[derive(Clone, Debug)]
pub struct Client {
    plan: ClientPlan,
    mode: Mode,
    locks: Vec<NodeId>,
    storage: NodeId,
    ttl: Time,
    drift_factor: f64,
    request_timeout: Time,
    retry_interval: Time,
    next_req: u64,
    attempt: Option<Attempt>,
    held: Option<Held>,
    writes: u32,
    renewing: Option<(u64, Time)>,
}

impl Client {
    /// Client number `k` (0-based) of `p`.
    pub fn new(p: &Params, k: usize) -> Client {
        Client {
            plan: p.clients[k].clone(),
            mode: p.mode,
            locks: (0..p.lock_nodes()).map(NodeId).collect(),
            storage: p.storage_id(),
            ttl: p.ttl,
            drift_factor: p.drift_factor,
            request_timeout: p.request_timeout,
            retry_interval: p.retry_interval,
            next_req: 0,
            attempt: None,
            held: None,
            writes: 0,
            renewing: None,
        }
    }

    /// The token the client believes it holds, if any.
    pub fn holding(&self) -> Option<u64> {
        self.held.as_ref().map(|h| h.value)
    }

    /// Writes sent so far.
    pub fn writes(&self) -> u32 {
        self.writes
    }

    /// Sets the plan's timers (on the client's own clock, counted from the start of the run).
    pub fn on_start(&mut self, ctx: &mut Ctx<'_, LockNode>) {
        // Request ids carry the incarnation in their high half: a restarted client must not
        // take a late grant to its previous life's request as the answer to its own, since
        // it would count that lease from its own, later, attempt.
        self.next_req = u64::from(ctx.incarnation()) << 32;
        let now = ctx.now();
        let at = |t: Time| Time(t.0.saturating_sub(now.0));
        ctx.set_timer(at(self.plan.acquire_at), Timer::Acquire);
        if let Some(w) = self.plan.write_at {
            ctx.set_timer(at(w), Timer::Write);
        }
        if let Some(r) = self.plan.release_at {
            ctx.set_timer(at(r), Timer::Release);
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, LockNode>) {
        match timer {
            Timer::Acquire => {
                if self.held.is_none() && self.attempt.is_none() {
                    self.start_attempt(ctx);
                }
            }
            Timer::AttemptTimeout { req } => {
                if self.attempt.as_ref().is_some_and(|a| a.req == req) {
                    match self.mode {
                        Mode::Single => {
                            self.attempt = None;
                            ctx.set_timer(self.retry_interval, Timer::Acquire);
                        }
                        Mode::Redlock => self.decide(ctx),
                    }
                }
            }
            Timer::Expire { value } => {
                let due = self
                    .held
                    .as_ref()
                    .is_some_and(|h| h.value == value && ctx.now() >= h.deadline);
                if due {
                    self.drop_belief(ReleaseReason::Expired, ctx);
                }
            }
            Timer::Write => self.write_due(ctx),
            Timer::WriteNow { token } => self.send_write(token, ctx),
            Timer::Release => {
                if let Some(h) = &self.held {
                    for &l in &self.locks {
                        ctx.send(l, Msg::Release { value: h.value });
                    }
                    self.drop_belief(ReleaseReason::Released, ctx);
                }
            }
            Timer::Renew => {
                if let (Some(h), Some(every)) = (&self.held, self.plan.renew_every) {
                    let req = self.next_req;
                    self.next_req += 1;
                    self.renewing = Some((req, ctx.now()));
                    ctx.send(
                        self.locks[0],
                        Msg::Renew {
                            req,
                            value: h.value,
                            ttl: self.ttl,
                        },
                    );
                    ctx.set_timer(every, Timer::Renew);
                }
            }
        }
    }

    /// Handles a reply from a lock node or the storage.
    pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, LockNode>) {
        match msg {
            Msg::Granted { req, value } => {
                let current = self.attempt.as_ref().is_some_and(|a| a.req == req);
                if !current {
                    // A grant for an attempt already given up: free it at once rather than
                    // leave it to block others for a whole TTL.
                    ctx.send(from, Msg::Release { value });
                    return;
                }
                match self.mode {
                    Mode::Single => {
                        let a = self.attempt.take().expect("current attempt");
                        self.hold(value, a.start + self.ttl, ctx);
                    }
                    Mode::Redlock => {
                        let a = self.attempt.as_mut().expect("current attempt");
                        assert_eq!(
                            a.value,
                            Some(value),
                            "a Redlock node granted a value the client did not send"
                        );
                        a.granted += 1;
                        a.replies += 1;
                        if a.replies == self.locks.len() as u32 {
                            self.decide(ctx);
                        }
                    }
                }
            }
            Msg::Denied { req } => {
                if self.attempt.as_ref().is_none_or(|a| a.req != req) {
                    return;
                }
                match self.mode {
                    Mode::Single => {
                        self.attempt = None;
                        ctx.set_timer(self.retry_interval, Timer::Acquire);
                    }
                    Mode::Redlock => {
                        let a = self.attempt.as_mut().expect("current attempt");
                        a.replies += 1;
                        if a.replies == self.locks.len() as u32 {
                            self.decide(ctx);
                        }
                    }
                }
            }
            Msg::Renewed { req } => {
                let Some((r, sent)) = self.renewing else {
                    return;
                };
                if r != req || self.held.is_none() {
                    return;
                }
                self.renewing = None;
                let deadline = sent + self.ttl;
                let now = ctx.now();
                let h = self.held.as_mut().expect("holding");
                ctx.cancel_timer(h.expire);
                h.deadline = deadline;
                h.expire = ctx.set_timer(
                    Time(deadline.0.saturating_sub(now.0)),
                    Timer::Expire { value: h.value },
                );
            }
            Msg::RenewFailed { req } => {
                if self.renewing.is_some_and(|(r, _)| r == req) && self.held.is_some() {
                    self.renewing = None;
                    self.drop_belief(ReleaseReason::Lost, ctx);
                }
            }
            Msg::WriteOk { .. } | Msg::WriteRejected { .. } => {}
            other => panic!("client got a message meant for a server: {other:?}"),
        }
    }

    fn start_attempt(&mut self, ctx: &mut Ctx<'_, LockNode>) {
        let req = self.next_req;
        self.next_req += 1;
        let value = match self.mode {
            Mode::Single => None,
            Mode::Redlock => Some(ctx.rng().next_u64()),
        };
        for &l in &self.locks {
            ctx.send(
                l,
                Msg::Acquire {
                    req,
                    value,
                    ttl: self.ttl,
                },
            );
        }
        self.attempt = Some(Attempt {
            req,
            start: ctx.now(),
            value,
            granted: 0,
            replies: 0,
        });
        ctx.set_timer(self.request_timeout, Timer::AttemptTimeout { req });
    }

    /// Redlock: every node answered or the timeout passed; hold the lock if a majority granted
    /// it with validity left, otherwise release everywhere and retry.
    fn decide(&mut self, ctx: &mut Ctx<'_, LockNode>) {
        let a = self.attempt.take().expect("an attempt to decide");
        let value = a.value.expect("Redlock attempts carry a value");
        let now = ctx.now();
        let quorum = self.locks.len() as u32 / 2 + 1;
        let validity = redlock_validity(self.ttl, Time(now.0 - a.start.0), self.drift_factor);
        match validity {
            Some(v) if a.granted >= quorum => self.hold(value, now + v, ctx),
            _ => {
                for &l in &self.locks {
                    ctx.send(l, Msg::Release { value });
                }
                ctx.set_timer(self.retry_interval, Timer::Acquire);
            }
        }
    }

    fn hold(&mut self, value: u64, deadline: Time, ctx: &mut Ctx<'_, LockNode>) {
        let now = ctx.now();
        if deadline <= now {
            // The grant arrived after the whole lease: worthless. Give it back and retry.
            for &l in &self.locks {
                ctx.send(l, Msg::Release { value });
            }
            ctx.set_timer(self.retry_interval, Timer::Acquire);
            return;
        }
        let expire = ctx.set_timer(Time(deadline.0 - now.0), Timer::Expire { value });
        self.held = Some(Held {
            value,
            deadline,
            expire,
        });
        ctx.observe(Obs::Acquired { token: value });
        if let Some(every) = self.plan.renew_every {
            ctx.set_timer(every, Timer::Renew);
        }
    }

    fn drop_belief(&mut self, reason: ReleaseReason, ctx: &mut Ctx<'_, LockNode>) {
        let h = self.held.take().expect("dropping a belief the client has");
        ctx.cancel_timer(h.expire);
        self.renewing = None;
        ctx.observe(Obs::Released {
            token: h.value,
            reason,
        });
    }

    fn write_due(&mut self, ctx: &mut Ctx<'_, LockNode>) {
        let Some(h) = &self.held else {
            ctx.note("write skipped: the client does not hold the lock");
            return;
        };
        let token = h.value;
        if self.plan.check_before_write {
            if ctx.now() >= h.deadline {
                self.drop_belief(ReleaseReason::Expired, ctx);
                ctx.note("write skipped: the lease had run out at the check");
                return;
            }
            if self.plan.check_to_write > Time::ZERO {
                ctx.set_timer(self.plan.check_to_write, Timer::WriteNow { token });
                return;
            }
        }
        self.send_write(token, ctx);
    }

    fn send_write(&mut self, token: u64, ctx: &mut Ctx<'_, LockNode>) {
        self.writes += 1;
        let n = self.writes;
        ctx.observe(Obs::WriteIssued { n, token });
        ctx.send(self.storage, Msg::Write { n, token });
    }
}
