//! Dispatching policies and the state each keeps between decisions.
//!
//! Every policy reads queue lengths through a [`QueueView`] (fresh state or the stale board)
//! and draws its randomness from the dispatcher's stream. Costs per decision: O(1) for
//! random, round robin, weighted random (alias table), power of d (O(d)), JSQ and
//! join-idle-queue (level index); O(n) for smooth weighted round robin, least connections and
//! least response time, which scan every server as their reference implementations do.

use serde::{Deserialize, Serialize};
use sim::Stream;

use super::board::QueueView;

/// A dispatching policy (`lb.policy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// A uniformly random server (each server is then M/M/1 under Poisson arrivals).
    Random,
    /// Servers in turn: server i gets arrivals i, i+n, ... (of this dispatcher).
    RoundRobin,
    /// A random server with probability proportional to its speed (Walker's alias method).
    WeightedRandom,
    /// nginx's smooth weighted round robin, weights = speeds.
    WeightedRoundRobin,
    /// Sample `d` servers (with or without replacement), join the shortest; ties go to the
    /// first sampled, which is a uniformly random one among the tied.
    #[default]
    PowerOfD,
    /// Join the shortest queue, ties at random.
    Jsq,
    /// Fewest outstanding jobs per unit of speed (`queue / speed`), ties in round-robin order.
    LeastConnections,
    /// Least predicted response time `(queue + 1) * m_i`, where `m_i` is server i's mean
    /// service time learnt from observed response times (see [`ResponseTimes`]); ties at
    /// random.
    LeastResponseTime,
    /// Join-idle-queue: a random idle server if any is known, else a random server.
    JoinIdleQueue,
}

impl Policy {
    /// Every policy, in the order comparisons list them.
    pub const ALL: [Policy; 9] = [
        Policy::Random,
        Policy::RoundRobin,
        Policy::WeightedRandom,
        Policy::WeightedRoundRobin,
        Policy::PowerOfD,
        Policy::Jsq,
        Policy::LeastConnections,
        Policy::LeastResponseTime,
        Policy::JoinIdleQueue,
    ];

    /// The snake_case name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Random => "random",
            Policy::RoundRobin => "round_robin",
            Policy::WeightedRandom => "weighted_random",
            Policy::WeightedRoundRobin => "weighted_round_robin",
            Policy::PowerOfD => "power_of_d",
            Policy::Jsq => "jsq",
            Policy::LeastConnections => "least_connections",
            Policy::LeastResponseTime => "least_response_time",
            Policy::JoinIdleQueue => "join_idle_queue",
        }
    }

    /// Whether the policy reads queue lengths (so other dispatchers must be told of changes).
    pub fn reads_queues(self) -> bool {
        matches!(
            self,
            Policy::PowerOfD
                | Policy::Jsq
                | Policy::LeastConnections
                | Policy::LeastResponseTime
                | Policy::JoinIdleQueue
        )
    }

    /// Whether the policy uses the level index.
    pub fn indexed(self) -> bool {
        matches!(self, Policy::Jsq | Policy::JoinIdleQueue)
    }
}

/// Walker's alias table for O(1) weighted sampling (Vose's construction).
#[derive(Clone, Debug)]
pub struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    /// A table for `weights` (all > 0).
    pub fn new(weights: &[f64]) -> Alias {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut prob = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers are 1 up to rounding.
        Alias { prob, alias }
    }

    /// One weighted draw.
    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> usize {
        let i = rng.index(self.prob.len());
        if rng.f64() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// nginx's smooth weighted round robin: every pick adds each weight to its server's current
/// value, takes the largest (the first on ties) and subtracts the total from it.
#[derive(Clone, Debug)]
pub struct Swrr {
    weight: Vec<f64>,
    current: Vec<f64>,
    total: f64,
}

impl Swrr {
    /// A rotation over `weights`.
    pub fn new(weights: &[f64]) -> Swrr {
        Swrr {
            weight: weights.to_vec(),
            current: vec![0.0; weights.len()],
            total: weights.iter().sum(),
        }
    }

    /// The next server.
    pub fn next_server(&mut self) -> usize {
        let mut best = 0;
        let mut best_v = f64::NEG_INFINITY;
        for (i, (c, w)) in self.current.iter_mut().zip(&self.weight).enumerate() {
            *c += w;
            if *c > best_v {
                best_v = *c;
                best = i;
            }
        }
        self.current[best] -= self.total;
        best
    }
}

/// Per-server mean service time learnt from observed response times (least response time).
/// A job that found `a` jobs ahead of it (as the dispatcher saw it) and spent `r` at the
/// server (the response time the server reports in `Done`) is one sample `r / (a + 1)`: for FIFO exponential servers its expectation is
/// the server's mean service time, whatever `a` was.
///
/// Each server's estimate is shrunk toward the mean over all servers by [`PRIOR_WEIGHT`]
/// pseudo-observations. Without it a server whose first few samples were unlucky looks slow,
/// stops receiving jobs, and so never corrects its estimate (the starvation trap of greedy
/// learners); with it, early noise cannot make a server look twice as slow as another, which
/// is what it takes to prefer a longer queue.
#[derive(Clone, Debug)]
pub struct ResponseTimes {
    sum: Vec<f64>,
    count: Vec<u64>,
    all_sum: f64,
    all_count: u64,
}

/// Pseudo-observations of the pooled mean in each server's estimate.
pub const PRIOR_WEIGHT: f64 = 10.0;

impl ResponseTimes {
    /// No observations for `n` servers.
    pub fn new(n: usize) -> ResponseTimes {
        ResponseTimes {
            sum: vec![0.0; n],
            count: vec![0; n],
            all_sum: 0.0,
            all_count: 0,
        }
    }

    /// Server `s` answered a job that had `ahead` jobs ahead of it in `response` time units.
    #[inline]
    pub fn observe(&mut self, s: usize, ahead: u32, response: f64) {
        let x = response / (ahead as f64 + 1.0);
        self.sum[s] += x;
        self.count[s] += 1;
        self.all_sum += x;
        self.all_count += 1;
    }

    /// Estimated mean service time of `s`: its samples plus [`PRIOR_WEIGHT`] samples of the
    /// pooled mean (1 before any observation).
    #[inline]
    pub fn mean(&self, s: usize) -> f64 {
        let pooled = if self.all_count > 0 {
            self.all_sum / self.all_count as f64
        } else {
            1.0
        };
        (self.sum[s] + PRIOR_WEIGHT * pooled) / (self.count[s] as f64 + PRIOR_WEIGHT)
    }
}

/// A policy with its state.
#[derive(Clone, Debug)]
pub struct Picker {
    policy: Policy,
    n: usize,
    d: u32,
    with_replacement: bool,
    rr: usize,
    alias: Option<Alias>,
    swrr: Option<Swrr>,
    inv_speed: Vec<f64>,
    rt: Option<ResponseTimes>,
    perm: Vec<u32>,
}

impl Picker {
    /// A picker over servers with the given speeds; `start` is where round-robin pointers
    /// begin (dispatchers start at different servers).
    pub fn new(
        policy: Policy,
        speeds: &[f64],
        d: u32,
        with_replacement: bool,
        start: usize,
    ) -> Picker {
        let n = speeds.len();
        let homogeneous = speeds.iter().all(|&s| s == speeds[0]);
        Picker {
            policy,
            n,
            d,
            with_replacement,
            rr: start % n,
            alias: (policy == Policy::WeightedRandom && !homogeneous).then(|| Alias::new(speeds)),
            swrr: (policy == Policy::WeightedRoundRobin).then(|| Swrr::new(speeds)),
            inv_speed: if policy == Policy::LeastConnections {
                speeds.iter().map(|s| 1.0 / s).collect()
            } else {
                Vec::new()
            },
            rt: (policy == Policy::LeastResponseTime).then(|| ResponseTimes::new(n)),
            perm: if policy == Policy::PowerOfD && !with_replacement {
                (0..n as u32).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Chooses a server for the next job.
    #[inline]
    pub fn pick(&mut self, view: &mut QueueView, rng: &mut Stream) -> usize {
        match self.policy {
            Policy::Random => rng.index(self.n),
            Policy::PowerOfD => self.power_of_d(view.read(), rng),
            Policy::RoundRobin => {
                let s = self.rr;
                self.rr = if s + 1 == self.n { 0 } else { s + 1 };
                s
            }
            Policy::WeightedRandom => match &self.alias {
                Some(a) => a.sample(rng),
                None => rng.index(self.n),
            },
            Policy::WeightedRoundRobin => self.swrr.as_mut().expect("built for swrr").next_server(),
            Policy::Jsq => view.index().expect("indexed view").pick_min(rng),
            Policy::JoinIdleQueue => {
                let idle = view.index().expect("indexed view").at(0);
                if idle.is_empty() {
                    rng.index(self.n)
                } else {
                    let s = idle[rng.index(idle.len())] as usize;
                    view.claim(s);
                    s
                }
            }
            Policy::LeastConnections => self.least_connections(view.read()),
            Policy::LeastResponseTime => self.least_response_time(view.read(), rng),
        }
    }

    #[inline]
    fn power_of_d(&mut self, q: &[u32], rng: &mut Stream) -> usize {
        let n = self.n;
        if self.with_replacement {
            let mut best = rng.index(n);
            for _ in 1..self.d {
                let k = rng.index(n);
                if q[k] < q[best] {
                    best = k;
                }
            }
            best
        } else {
            // Partial Fisher-Yates over a persistent permutation: the first d entries are a
            // uniformly random d-subset in random order, whatever the permutation was before.
            let mut best = usize::MAX;
            for j in 0..self.d as usize {
                let r = j + rng.index(n - j);
                self.perm.swap(j, r);
                let k = self.perm[j] as usize;
                if best == usize::MAX || q[k] < q[best] {
                    best = k;
                }
            }
            best
        }
    }

    fn least_connections(&mut self, q: &[u32]) -> usize {
        let n = self.n;
        let mut best = self.rr;
        let mut best_v = q[best] as f64 * self.inv_speed[best];
        for j in 1..n {
            let s = if self.rr + j >= n {
                self.rr + j - n
            } else {
                self.rr + j
            };
            let v = q[s] as f64 * self.inv_speed[s];
            if v < best_v {
                best_v = v;
                best = s;
            }
        }
        self.rr = if best + 1 == n { 0 } else { best + 1 };
        best
    }

    fn least_response_time(&mut self, q: &[u32], rng: &mut Stream) -> usize {
        let rt = self.rt.as_ref().expect("built for lrt");
        let mut best = 0;
        let mut best_v = f64::INFINITY;
        let mut ties = 0u64;
        for (s, &l) in q.iter().enumerate() {
            let v = (l as f64 + 1.0) * rt.mean(s);
            if v < best_v {
                best_v = v;
                best = s;
                ties = 1;
            } else if v == best_v {
                // Reservoir sampling: each tied server ends up chosen with probability 1/ties.
                ties += 1;
                if rng.below(ties) == 0 {
                    best = s;
                }
            }
        }
        best
    }

    /// A job sent to `s` with `ahead` jobs ahead of it (as the policy saw it) was answered
    /// after `response` time units.
    #[inline]
    pub fn observe(&mut self, s: usize, ahead: u32, response: f64) {
        if let Some(rt) = self.rt.as_mut() {
            rt.observe(s, ahead, response);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// nginx's documented example: weights a=5, b=1, c=1 give "a a b a c a a".
    #[test]
    fn smooth_weighted_round_robin_matches_nginx() {
        let mut w = Swrr::new(&[5.0, 1.0, 1.0]);
        let seq: Vec<usize> = (0..14).map(|_| w.next_server()).collect();
        assert_eq!(seq, [0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0]);
    }

    /// Alias sampling frequencies match the weights within 4 standard errors.
    #[test]
    fn alias_table_matches_weights() {
        let w = [1.0, 2.0, 3.0, 0.5, 3.5];
        let a = Alias::new(&w);
        let mut rng = Stream::new(3, "alias");
        let n = 200_000;
        let mut c = [0u64; 5];
        for _ in 0..n {
            c[a.sample(&mut rng)] += 1;
        }
        for i in 0..5 {
            let p = w[i] / 10.0;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            let got = c[i] as f64 / n as f64;
            assert!((got - p).abs() < 4.0 * se, "server {i}: {got} vs {p}");
        }
    }

    /// Power of d picks the shortest of its samples; without replacement the samples are
    /// distinct (so d = n is exactly JSQ with ties broken at random).
    #[test]
    fn power_of_d_and_jsq_pick_short_queues() {
        let q = [3u32, 1, 4, 1, 5];
        let mut view = QueueView::new(5, false, true);
        for (s, &l) in q.iter().enumerate() {
            view.reported(s, l);
        }
        let mut rng = Stream::new(5, "pick");
        let mut full = Picker::new(Policy::PowerOfD, &[1.0; 5], 5, false, 0);
        let mut jsq = Picker::new(Policy::Jsq, &[1.0; 5], 2, true, 0);
        let (mut hit1, mut hit3) = (0, 0);
        for _ in 0..1000 {
            let s = full.pick(&mut view, &mut rng);
            assert!(s == 1 || s == 3);
            let t = jsq.pick(&mut view, &mut rng);
            assert!(t == 1 || t == 3);
            if s == 1 { hit1 += 1 } else { hit3 += 1 }
        }
        assert!(hit1 > 400 && hit3 > 400, "ties at random: {hit1} vs {hit3}");
        let mut two = Picker::new(Policy::PowerOfD, &[1.0; 5], 2, false, 0);
        for _ in 0..1000 {
            assert_ne!(
                two.pick(&mut view, &mut rng),
                4,
                "the longest queue never wins a distinct pair"
            );
        }
    }

    /// Least connections divides by speed and breaks ties in round-robin order; round robin
    /// cycles; join-idle-queue prefers idle servers.
    #[test]
    fn deterministic_policies() {
        let mut rng = Stream::new(6, "det");
        let mut view = QueueView::new(4, false, true);
        let mut rr = Picker::new(Policy::RoundRobin, &[1.0; 4], 2, true, 2);
        let seq: Vec<usize> = (0..5).map(|_| rr.pick(&mut view, &mut rng)).collect();
        assert_eq!(seq, [2, 3, 0, 1, 2]);
        let mut lc = Picker::new(Policy::LeastConnections, &[1.0, 1.0, 2.0, 1.0], 2, true, 0);
        let seq: Vec<usize> = (0..4).map(|_| lc.pick(&mut view, &mut rng)).collect();
        assert_eq!(seq, [0, 1, 2, 3]);
        view.reported(2, 2); // 2 / speed 2 = 1 = the others' 1 / 1 below
        for s in [0, 1, 3] {
            view.reported(s, 1);
        }
        let seq: Vec<usize> = (0..4).map(|_| lc.pick(&mut view, &mut rng)).collect();
        assert_eq!(seq, [0, 1, 2, 3]);
        let mut jiq = Picker::new(Policy::JoinIdleQueue, &[1.0; 4], 2, true, 0);
        view.reported(3, 0);
        for _ in 0..10 {
            assert_eq!(jiq.pick(&mut view, &mut rng), 3);
        }
    }

    /// Least response time with equal estimates ranks exactly as queue length does.
    #[test]
    fn least_response_time_learns_speeds() {
        let mut rng = Stream::new(7, "lrt");
        let mut view = QueueView::new(3, false, false);
        let mut p = Picker::new(Policy::LeastResponseTime, &[1.0; 3], 2, true, 0);
        view.reported(0, 2);
        view.reported(1, 1);
        view.reported(2, 3);
        assert_eq!(p.pick(&mut view, &mut rng), 1);
        // Server 1 turns out to be 4x slower: 2 jobs there now look worse than 3 at server 0.
        for _ in 0..100 {
            p.observe(0, 0, 1.0);
            p.observe(1, 1, 8.0);
            p.observe(2, 0, 1.0);
        }
        assert_eq!(p.pick(&mut view, &mut rng), 0);
    }
}
