//! The heartbeat sender p. Without jitter heartbeat i leaves at exactly `i * eta` on p's clock
//! (NFD-S relies on it); with `heartbeat_jitter` the gaps are i.i.d. Normal(eta, jitter),
//! truncated at zero, which is how the phi experiments get i.i.d. normal inter-arrivals over a
//! constant-delay link. After a restart p resumes at the next multiple of eta.

use sim::{Ctx, NodeId, Time};

use super::Params;
use super::node::{FdNode, Heartbeat, Timer};

/// The heartbeat sender.
#[derive(Clone, Debug)]
pub struct Sender {
    to: NodeId,
    eta: Time,
    jitter: Time,
    next_seq: u64,
}

impl Sender {
    /// A sender heartbeating `to`.
    pub fn new(p: &Params, to: NodeId) -> Sender {
        Sender {
            to,
            eta: p.heartbeat_interval,
            jitter: p.heartbeat_jitter,
            next_seq: 1,
        }
    }

    /// Schedules the first heartbeat: number `floor(now / eta) + 1`, due at that multiple.
    pub fn on_start(&mut self, ctx: &mut Ctx<'_, FdNode>) {
        let now = ctx.now();
        self.next_seq = now.0 / self.eta.0 + 1;
        let first = Time(
            self.next_seq
                .saturating_mul(self.eta.0)
                .saturating_sub(now.0),
        );
        let after = if self.jitter == Time::ZERO {
            first
        } else {
            self.gap(ctx)
        };
        ctx.set_timer(after, Timer::Send);
    }

    /// Sends heartbeat `next_seq` and schedules the next.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, FdNode>) {
        ctx.send(self.to, Heartbeat { seq: self.next_seq });
        self.next_seq += 1;
        let after = if self.jitter == Time::ZERO {
            // Back on the grid: the due time of heartbeat next_seq, so no error accumulates.
            // Saturating: with eta near the 146-year bound the product can pass u64::MAX.
            Time(
                self.next_seq
                    .saturating_mul(self.eta.0)
                    .saturating_sub(ctx.now().0),
            )
        } else {
            self.gap(ctx)
        };
        ctx.set_timer(after, Timer::Send);
    }

    fn gap(&self, ctx: &mut Ctx<'_, FdNode>) -> Time {
        let x = ctx.rng().normal(self.eta.0 as f64, self.jitter.0 as f64);
        Time(if x <= 0.0 { 0 } else { x.round() as u64 })
    }
}
