//! A dispatcher: draws its share of the arrivals and each customer's work (service
//! requirement), asks its policy for a server, sends the job,
//! and learns queue lengths back from `Done` (and, with several dispatchers, `Load`) messages.
//! It also keeps the sojourn statistics of the customers it dispatched (after the warm-up), in
//! its own fields, for the runner to read at the end. Sojourn and wait are measured at the
//! server (from the job's arrival there), so a network delay adds staleness, not transit time.

use sim::{Ctx, NodeId, Stream, Time};

use super::board::QueueView;
use super::histogram::Histogram;
use super::node::{LbNode, Msg, Timer};
use super::policy::Picker;
use super::{Dist, Params, UNIT_NS};

/// One dispatcher.
#[derive(Debug)]
pub struct Dispatcher {
    first_server: u32,
    picker: Picker,
    /// The policy's own stream, so that the customers (arrival times and work, drawn from the
    /// node's stream) are the same for every policy under a seed: common random numbers.
    policy_rng: Stream,
    view: QueueView,
    arrivals: Dist,
    service: Dist,
    /// ns per unit of inter-arrival draw: `dispatchers / (lambda * servers)` time units.
    gap_scale: f64,
    board_ns: Option<u64>,
    warmup: u64,
    arrived: u64,
    departed: u64,
    customers: u64,
    sojourn_ns: u128,
    wait_ns: u128,
    hist: Histogram,
}

impl Dispatcher {
    /// Dispatcher `d{idx}` of the model `p`.
    pub fn new(p: &Params, idx: u32) -> Dispatcher {
        let n = p.servers as usize;
        let speeds: Vec<f64> = (0..n).map(|i| p.speed(i)).collect();
        let start = idx as usize * n / p.dispatchers as usize;
        Dispatcher {
            first_server: p.dispatchers,
            picker: Picker::new(p.policy, &speeds, p.d, p.with_replacement, start),
            policy_rng: Stream::new(0, "lb/policy"), // re-keyed from the node's stream at start
            view: QueueView::new(n, p.board_period.is_some(), p.policy.indexed()),
            arrivals: p.arrivals,
            service: p.service,
            gap_scale: UNIT_NS * p.dispatchers as f64 / (p.lambda * p.servers as f64),
            board_ns: p
                .board_period
                .map(|t| ((t * UNIT_NS).round() as u64).max(1)),
            warmup: (p.warmup_time() * UNIT_NS).round() as u64,
            arrived: 0,
            departed: 0,
            customers: 0,
            sojourn_ns: 0,
            wait_ns: 0,
            hist: Histogram::default(),
        }
    }

    #[inline]
    fn next_arrival(&self, ctx: &mut Ctx<'_, LbNode>) {
        let ns = self.arrivals.sample(ctx.rng()) * self.gap_scale + 0.5;
        ctx.set_timer(Time(ns as u64), Timer::Arrival);
    }

    /// Keys the policy stream, schedules the first arrival and the first board refresh.
    pub fn start(&mut self, ctx: &mut Ctx<'_, LbNode>) {
        self.policy_rng = Stream::new(ctx.rng().next_u64(), "lb/policy");
        self.next_arrival(ctx);
        if let Some(t) = self.board_ns {
            ctx.set_timer(Time(t), Timer::Board);
        }
    }

    /// An arrival or a board refresh.
    #[inline]
    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, LbNode>) {
        match timer {
            Timer::Arrival => {
                let s = self.picker.pick(&mut self.view, &mut self.policy_rng);
                let ahead = self.view.read()[s];
                self.view.dispatched(s);
                self.arrived += 1;
                let work = self.service.sample(ctx.rng());
                ctx.send(
                    NodeId(self.first_server + s as u32),
                    Msg::Job { work, ahead },
                );
                self.next_arrival(ctx);
            }
            Timer::Board => {
                self.view.refresh();
                ctx.set_timer(
                    Time(self.board_ns.expect("board timer only with a board")),
                    Timer::Board,
                );
            }
            Timer::Complete => panic!("dispatchers set no completion timers"),
        }
    }

    /// A `Done` or a `Load` from a server.
    #[inline]
    pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, LbNode>) {
        let _ = ctx;
        let s = (from.0 - self.first_server) as usize;
        match msg {
            Msg::Done {
                queued,
                started,
                departed,
                ahead,
                qlen,
            } => {
                self.view.reported(s, qlen);
                self.departed += 1;
                let sojourn = departed - queued;
                if departed >= self.warmup {
                    self.customers += 1;
                    self.sojourn_ns += sojourn as u128;
                    self.wait_ns += (started - queued) as u128;
                    self.hist.record(sojourn);
                }
                self.picker.observe(s, ahead, sojourn as f64 / UNIT_NS);
            }
            Msg::Load { qlen } => self.view.reported(s, qlen),
            Msg::Job { .. } => panic!("dispatcher got a job from {from}: only servers take jobs"),
        }
    }

    /// Customers that arrived (whole run).
    pub fn arrived(&self) -> u64 {
        self.arrived
    }

    /// `Done` answers received (whole run).
    pub fn departed(&self) -> u64 {
        self.departed
    }

    /// Customers that left after the warm-up.
    pub fn customers(&self) -> u64 {
        self.customers
    }

    /// Sum of their sojourn times, ns.
    pub fn sojourn_ns(&self) -> u128 {
        self.sojourn_ns
    }

    /// Sum of their waiting times (before service), ns.
    pub fn wait_ns(&self) -> u128 {
        self.wait_ns
    }

    /// Their sojourn times.
    pub fn histogram(&self) -> &Histogram {
        &self.hist
    }
}
