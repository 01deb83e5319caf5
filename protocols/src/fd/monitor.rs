//! The monitor q and its three detectors. Each reports only changes of its output (`Suspect`,
//! `Trust`); q trusts p at the start.
//!
//! - `timeout`: suspect when no fresher heartbeat has arrived for `timeout` (q's clock).
//! - `nfd_s` (Chen, Toueg, Aguilera 2002, NFD-S): freshness points `tau_i = i*eta + delta` on
//!   q's clock (the algorithm assumes synchronized clocks); for t in `[tau_i, tau_{i+1})` q
//!   trusts p iff some heartbeat `j >= i` has arrived. So after p's last heartbeat k, q
//!   suspects for good at `tau_{k+1}`, at most `delta + eta` after the crash.
//! - `phi_accrual` (Hayashibara et al. 2004): the last `window` inter-arrival times give a mean
//!   and (n-1) standard deviation (floored at `min_std_deviation`); q suspects once
//!   `phi(now - last arrival)` reaches `phi_threshold`. phi only grows between heartbeats, so
//!   instead of polling q sets one timer at the first nanosecond phi reaches the threshold
//!   ([`super::phi::suspicion_delay`]). Like Akka, the window starts with two samples
//!   `eta -/+ eta/4` (its first-heartbeat estimate), pushed out by real ones.
//!
//! Heartbeats that are not fresher than the freshest seen are ignored by `timeout` and
//! `phi_accrual` (a delayed old heartbeat says nothing about p now).

use sim::{Ctx, Time, TimerId};

use super::node::{FdNode, Obs, Timer};
use super::phi::{PhiVariant, standard_threshold, suspicion_delay};
use super::window::Window;
use super::{Bug, Kind, Params};

/// The monitor q.
#[derive(Clone, Debug)]
pub struct Monitor {
    kind: Kind,
    eta: Time,
    timeout: Time,
    delta: Time,
    threshold: f64,
    variant: PhiVariant,
    ystar: f64,
    min_sd: f64,
    trust_stale: bool,
    window: Window,
    suspect: bool,
    max_seq: u64,
    /// NFD-S: the index i of the current freshness interval (0 before `tau_1`).
    cur_i: u64,
    /// Phi: the last fresh arrival (None before the first).
    last_arrival: Option<Time>,
    deadline: Option<TimerId>,
    arrivals: u64,
}

impl Monitor {
    /// A monitor configured by `p`.
    pub fn new(p: &Params) -> Monitor {
        let mut window = Window::new(p.window as usize);
        let (eta, quarter) = (p.heartbeat_interval.0, p.heartbeat_interval.0 / 4);
        window.push(eta - quarter);
        window.push(eta + quarter);
        Monitor {
            kind: p.kind,
            eta: p.heartbeat_interval,
            timeout: p.timeout,
            delta: p.delta,
            threshold: p.phi_threshold,
            variant: p.phi_variant,
            // Only the phi detector uses it; the others never evaluate the inverse.
            ystar: if p.kind == Kind::PhiAccrual {
                standard_threshold(p.phi_variant, p.phi_threshold)
            } else {
                0.0
            },
            min_sd: p.min_std_deviation.0 as f64,
            trust_stale: p.bugs.contains(&Bug::TrustStaleHeartbeats),
            window,
            suspect: false,
            max_seq: 0,
            cur_i: 0,
            last_arrival: None,
            deadline: None,
            arrivals: 0,
        }
    }

    /// True while q suspects p.
    pub fn suspects(&self) -> bool {
        self.suspect
    }

    /// Heartbeats received.
    pub fn arrivals(&self) -> u64 {
        self.arrivals
    }

    /// Arms the detector.
    pub fn on_start(&mut self, ctx: &mut Ctx<'_, FdNode>) {
        match self.kind {
            Kind::Timeout => self.arm(self.timeout, ctx),
            Kind::NfdS => {
                // Normally now = 0 and the first freshness point is tau_1. After a restart, q
                // starts trusting (as at time 0) in the current interval and judges from the
                // next freshness point on, rather than replaying every point it missed.
                let now = ctx.now().0;
                let passed = now.saturating_sub(self.delta.0) / self.eta.0;
                self.cur_i = if now >= self.eta.0 + self.delta.0 {
                    passed
                } else {
                    0
                };
                let i = self.cur_i + 1;
                // Saturating: with eta and delta near the 146-year bound the product passes
                // u64::MAX, which is "never" anyway.
                let tau = i.saturating_mul(self.eta.0).saturating_add(self.delta.0);
                ctx.set_timer(Time(tau.saturating_sub(now)), Timer::Freshness { i });
            }
            Kind::PhiAccrual => {
                let d = self.phi_delay();
                self.arm(d, ctx);
            }
        }
    }

    /// Heartbeat `seq` arrived.
    pub fn on_heartbeat(&mut self, seq: u64, ctx: &mut Ctx<'_, FdNode>) {
        self.arrivals += 1;
        let fresh = seq > self.max_seq;
        self.max_seq = self.max_seq.max(seq);
        match self.kind {
            Kind::Timeout => {
                if fresh {
                    self.set_suspect(false, ctx);
                    self.arm(self.timeout, ctx);
                }
            }
            Kind::NfdS => {
                // The bug trusts on any arrival, even a heartbeat older than the current
                // freshness point, so a late old heartbeat undoes a correct suspicion.
                if self.max_seq >= self.cur_i || self.trust_stale {
                    self.set_suspect(false, ctx);
                }
            }
            Kind::PhiAccrual => {
                if fresh {
                    let now = ctx.now();
                    if let Some(last) = self.last_arrival {
                        self.window.push(now.0 - last.0);
                    }
                    self.last_arrival = Some(now);
                    self.set_suspect(false, ctx);
                    let d = self.phi_delay();
                    self.arm(d, ctx);
                }
            }
        }
    }

    /// A freshness point or a deadline.
    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, FdNode>) {
        match timer {
            Timer::Freshness { i } => {
                self.cur_i = i;
                if self.max_seq < i {
                    self.set_suspect(true, ctx);
                }
                let next = Time(
                    (i + 1)
                        .saturating_mul(self.eta.0)
                        .saturating_add(self.delta.0),
                );
                ctx.set_timer(
                    Time(next.0.saturating_sub(ctx.now().0)),
                    Timer::Freshness { i: i + 1 },
                );
            }
            Timer::Deadline => {
                self.deadline = None;
                self.set_suspect(true, ctx);
            }
            Timer::Send => panic!("q does not send heartbeats"),
        }
    }

    fn phi_delay(&self) -> Time {
        let sd = self.window.sd().max(self.min_sd).max(1.0);
        Time(suspicion_delay(
            self.variant,
            self.threshold,
            self.ystar,
            self.window.mean(),
            sd,
        ))
    }

    fn arm(&mut self, after: Time, ctx: &mut Ctx<'_, FdNode>) {
        if let Some(t) = self.deadline.take() {
            ctx.cancel_timer(t);
        }
        self.deadline = Some(ctx.set_timer(after, Timer::Deadline));
    }

    fn set_suspect(&mut self, s: bool, ctx: &mut Ctx<'_, FdNode>) {
        if self.suspect != s {
            self.suspect = s;
            ctx.observe(if s { Obs::Suspect } else { Obs::Trust });
        }
    }
}
