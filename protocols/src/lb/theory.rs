//! Closed forms the validation tests compare against (docs/validation.md, "Load balancing and
//! queueing"). Time unit: the mean service time; `lambda` is the arrival rate per server.
//!
//! Sources: M/M/1 and GI/M/1 (Kleinrock, Queueing Systems vol. 1); power of d choices and
//! its queue-length tails (Mitzenmacher, IEEE TPDS 12(10) 2001; Vvedenskaya, Dobrushin,
//! Karpelevich 1996); Erlang C for M/M/n; balls into bins as the differential equations of
//! Mitzenmacher's thesis, whose d = 1 case is the Poisson limit (Azar, Broder, Karlin, Upfal
//! 1999 for the max load ln ln n / ln d + O(1)).

use super::{Dist, Params, Policy};

/// M/M/1 mean sojourn time: `1 / (1 - lambda)`.
pub fn mm1_sojourn(lambda: f64) -> f64 {
    1.0 / (1.0 - lambda)
}

/// M/G/1 mean sojourn time (Pollaczek-Khinchine) with mean-1 service of squared coefficient
/// of variation `scv`: `1 + lambda (1 + scv) / (2 (1 - lambda))`. Random dispatching makes
/// every server M/G/1.
pub fn mg1_sojourn(lambda: f64, scv: f64) -> f64 {
    1.0 + lambda * (1.0 + scv) / (2.0 * (1.0 - lambda))
}

/// Mean sojourn time of power of d choices as n -> infinity:
/// `sum_{i>=1} lambda^((d^i - d)/(d - 1))` (d >= 2), the M/M/1 value for d = 1.
pub fn power_of_d_sojourn(lambda: f64, d: u32) -> f64 {
    if d <= 1 {
        return mm1_sojourn(lambda);
    }
    (1..=LEVEL_CAP)
        .map(|i| power_of_d_tail(lambda, d, i))
        .sum::<f64>()
        / lambda
}

/// Terms beyond this level are below 1e-300 for every lambda < 1 - 1e-9 and d >= 2 that a
/// run can reach; the sum stops there.
const LEVEL_CAP: u32 = 64;

/// Fraction of servers with at least `i` customers as n -> infinity:
/// `lambda^((d^i - 1)/(d - 1))` for d >= 2, `lambda^i` for d = 1.
pub fn power_of_d_tail(lambda: f64, d: u32, i: u32) -> f64 {
    if d <= 1 {
        return libm::pow(lambda, i as f64);
    }
    let d = d as f64;
    let e = (libm::pow(d, i as f64) - 1.0) / (d - 1.0);
    libm::pow(lambda, e)
}

/// The root sigma in (0, 1) of `sigma = (n lambda / (n lambda + 1 - sigma))^n`: round robin
/// makes each server E_n/M/1 (Erlang-n inter-arrivals of mean 1/lambda).
pub fn round_robin_sigma(n: u32, lambda: f64) -> f64 {
    let nl = n as f64 * lambda;
    let f = |s: f64| libm::pow(nl / (nl + 1.0 - s), n as f64) - s;
    // f > 0 below the root, f < 0 between it and the trivial root 1.
    let (mut lo, mut hi) = (0.0, 1.0 - 1e-12);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Round robin mean sojourn time: `1 / (1 - sigma)`.
pub fn round_robin_sojourn(n: u32, lambda: f64) -> f64 {
    1.0 / (1.0 - round_robin_sigma(n, lambda))
}

/// Erlang C: the probability that an arrival waits in M/M/`servers` with offered load
/// `offered` (< servers), by the stable Erlang B recursion.
pub fn erlang_c(servers: u32, offered: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=servers {
        b = offered * b / (k as f64 + offered * b);
    }
    let n = servers as f64;
    n * b / (n - offered * (1.0 - b))
}

/// JSQ's lower bound: the M/M/n (one shared queue) mean sojourn time,
/// `1 + C(n, n lambda) / (n - n lambda)`.
pub fn jsq_lower_bound(n: u32, lambda: f64) -> f64 {
    let a = n as f64 * lambda;
    1.0 + erlang_c(n, a) / (n as f64 - a)
}

/// The sojourn time theory predicts for this model, where a closed form applies (Poisson
/// arrivals, identical servers, fresh state): random (exact for any n: M/G/1, any service
/// distribution with finite variance); with exponential service also round robin with one
/// dispatcher (exact, E_n/M/1) and power of d with replacement (the n -> infinity limit, an
/// underestimate at finite n). None otherwise.
pub fn sojourn_for(p: &Params) -> Option<f64> {
    if p.arrivals != Dist::Exp || !p.homogeneous() || p.board_period.is_some() {
        return None;
    }
    if matches!(p.policy, Policy::Random | Policy::WeightedRandom) {
        let scv = p.service.scv();
        return scv.is_finite().then(|| mg1_sojourn(p.lambda, scv));
    }
    if p.service != Dist::Exp {
        return None;
    }
    match p.policy {
        Policy::RoundRobin | Policy::WeightedRoundRobin if p.dispatchers == 1 => {
            Some(round_robin_sojourn(p.servers, p.lambda))
        }
        Policy::PowerOfD if p.with_replacement => Some(power_of_d_sojourn(p.lambda, p.d)),
        _ => None,
    }
}

/// Balls into bins with `c` balls per bin, each ball joining the least loaded of `d` bins
/// sampled with replacement, as n -> infinity: `s[i]` = fraction of bins with at least `i`
/// balls, for i in 0..=imax, from `ds_i/dt = s_{i-1}^d - s_i^d`, `s_0 = 1`, integrated to
/// t = c by classical Runge-Kutta. d = 1 gives the Poisson(c) tails.
pub fn bins_tails(d: u32, c: f64, imax: usize) -> Vec<f64> {
    let mut s = vec![0.0; imax + 2];
    s[0] = 1.0;
    let steps = ((c / 1e-3).ceil() as usize).max(1);
    let h = c / steps as f64;
    let pw = |x: f64| libm::pow(x, d as f64);
    let deriv = |s: &[f64], out: &mut [f64]| {
        out[0] = 0.0;
        for i in 1..s.len() {
            out[i] = pw(s[i - 1]) - pw(s[i]);
        }
    };
    let m = s.len();
    let (mut k1, mut k2, mut k3, mut k4, mut tmp) = (
        vec![0.0; m],
        vec![0.0; m],
        vec![0.0; m],
        vec![0.0; m],
        vec![0.0; m],
    );
    for _ in 0..steps {
        deriv(&s, &mut k1);
        for i in 0..m {
            tmp[i] = s[i] + 0.5 * h * k1[i];
        }
        deriv(&tmp, &mut k2);
        for i in 0..m {
            tmp[i] = s[i] + 0.5 * h * k2[i];
        }
        deriv(&tmp, &mut k3);
        for i in 0..m {
            tmp[i] = s[i] + h * k3[i];
        }
        deriv(&tmp, &mut k4);
        for i in 0..m {
            s[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    s.truncate(imax + 1);
    s
}

/// Poisson probability `P(X = k)` for mean `mu`.
pub fn poisson_pmf(mu: f64, k: u32) -> f64 {
    let mut p = libm::exp(-mu);
    for j in 1..=k {
        p *= mu / j as f64;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published table, to its 3-4 significant digits.
    /// Round robin (E_n/M/1 per server) beats random (M/M/1) at every load, and loses to
    /// power of two choices under heavy load: the ordering the simulated policies show.
    #[test]
    fn round_robin_sits_between_random_and_power_of_two() {
        for (n, lambda) in [(10, 0.5), (100, 0.5), (100, 0.9)] {
            let t = round_robin_sojourn(n, lambda);
            assert!(t < mm1_sojourn(lambda), "n {n}, lambda {lambda}");
        }
        assert!(round_robin_sojourn(100, 0.9) > power_of_d_sojourn(0.9, 2));
    }

    #[test]
    fn power_of_d_matches_the_validation_table() {
        let table = [
            (0.50, 2.000, 1.266, 1.125),
            (0.70, 3.333, 1.614, 1.357),
            (0.80, 5.000, 1.947, 1.581),
            (0.90, 10.00, 2.614, 2.028),
            (0.95, 20.00, 3.383, 2.535),
            (0.99, 100.0, 5.432, 3.858),
        ];
        for (l, t1, t2, t3) in table {
            for (d, t) in [(1, t1), (2, t2), (3, t3)] {
                let got = power_of_d_sojourn(l, d);
                assert!((got - t).abs() < 6e-4 * t, "lambda {l} d {d}: {got} vs {t}");
            }
        }
        // Little's law ties tails to the mean: T = sum_i s_i / lambda; s_1 = lambda.
        assert!((power_of_d_tail(0.9, 2, 1) - 0.9).abs() < 1e-15);
        assert!((power_of_d_tail(0.9, 2, 2) - 0.9f64.powi(3)).abs() < 1e-15);
    }

    /// Round robin: n = 1 is M/M/1 (sigma = lambda); large n tends to D/M/1; values lie
    /// between M/M/1 and the service time alone.
    #[test]
    fn round_robin_root() {
        assert!((round_robin_sigma(1, 0.7) - 0.7).abs() < 1e-9);
        for n in [2, 10, 100] {
            for l in [0.5, 0.9] {
                let s = round_robin_sigma(n, l);
                let nl = n as f64 * l;
                assert!((libm::pow(nl / (nl + 1.0 - s), n as f64) - s).abs() < 1e-9);
                let t = round_robin_sojourn(n, l);
                assert!(t > 1.0 && t < mm1_sojourn(l), "n {n} lambda {l}: {t}");
            }
        }
        // E_10/M/1 at lambda 0.9 (computed independently by fixed-point iteration).
        let mut s: f64 = 0.5;
        for _ in 0..100_000 {
            s = (9.0 / (9.0 + 1.0 - s)).powi(10);
        }
        assert!((round_robin_sigma(10, 0.9) - s).abs() < 1e-9);
    }

    /// Erlang C: one server waits with probability rho; the known M/M/2 closed form.
    #[test]
    fn erlang_c_values() {
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        assert!((mg1_sojourn(0.7, 1.0) - mm1_sojourn(0.7)).abs() < 1e-12);
        // M/M/2: C = 2 rho^2 / (1 + rho), rho = a / 2.
        let rho: f64 = 0.8;
        assert!((erlang_c(2, 2.0 * rho) - 2.0 * rho * rho / (1.0 + rho)).abs() < 1e-12);
        assert!(jsq_lower_bound(100, 0.9) > 1.0 && jsq_lower_bound(100, 0.9) < 1.1);
    }

    /// The differential equations with d = 1 reproduce the Poisson tails.
    #[test]
    fn bins_equations_reduce_to_poisson() {
        let s = bins_tails(1, 1.0, 8);
        for i in 0..8 {
            let eq = s[i] - s[i + 1];
            assert!(
                (eq - poisson_pmf(1.0, i as u32)).abs() < 1e-9,
                "k {i}: {eq}"
            );
        }
        // d = 2: ds_1/dt = 1 - s_1^2 solves to s_1 = tanh(t).
        let s2 = bins_tails(2, 1.0, 8);
        assert!((s2[1] - libm::tanh(1.0)).abs() < 1e-9, "{s2:?}");
        assert!(s2.windows(2).all(|w| w[0] >= w[1]));
    }
}
