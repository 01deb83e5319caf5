//! The phi accrual suspicion level (Hayashibara et al., SRDS 2004) as pure functions, and the
//! special functions it needs, written here so results do not depend on a platform's maths
//! library beyond `exp`/`ln`.
//!
//! - [`erfc`]: W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev
//!   approximations for the error function", Math. Comp. 23, 1969, pp. 631-638; the netlib
//!   `specfun/erf` CALERF coefficients), relative error below 1e-15 in double precision.
//! - [`phi`]: `phi(t) = -log10(1 - F(t))` for three models of the inter-arrival time: the exact
//!   normal CDF ([`PhiVariant::Normal`], the default), Akka's logistic approximation of it
//!   ([`PhiVariant::Akka`], `akka.remote.PhiAccrualFailureDetector`), and Cassandra's
//!   exponential model ([`PhiVariant::Cassandra`], `phi = t / (mean * ln 10)`).
//! - [`predictive_false_suspicion`]: the exact probability that one inter-arrival interval
//!   triggers a suspicion when the detector estimates mean and standard deviation from a window
//!   of W i.i.d. normal samples (a Student-t prediction bound), which is what "about 10^-Phi
//!   false suspicions per interval" means precisely.

use serde::{Deserialize, Serialize};

/// Which model of the inter-arrival distribution turns elapsed time into phi.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhiVariant {
    /// The exact normal CDF (via [`erfc`]), as in Hayashibara et al.
    #[default]
    Normal,
    /// Akka's logistic approximation `1 / (1 + exp(-y (1.5976 + 0.070566 y^2)))`.
    Akka,
    /// Cassandra's exponential model: `phi = t / (mean * ln 10)`; ignores the deviation.
    Cassandra,
}

/// 1/sqrt(pi).
const SQRPI: f64 = 0.564_189_583_547_756_3;

// Cody's coefficients as published (more digits than a double holds; the compiler rounds).
#[allow(clippy::excessive_precision)]
const A: [f64; 5] = [
    3.16112374387056560e00,
    1.13864154151050156e02,
    3.77485237685302021e02,
    3.20937758913846947e03,
    1.85777706184603153e-1,
];
#[allow(clippy::excessive_precision)]
const B: [f64; 4] = [
    2.36012909523441209e01,
    2.44024637934444173e02,
    1.28261652607737228e03,
    2.84423683343917062e03,
];
#[allow(clippy::excessive_precision)]
const C: [f64; 9] = [
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
    1.23033935479799725e03,
    2.15311535474403846e-8,
];
#[allow(clippy::excessive_precision)]
const D: [f64; 8] = [
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
    1.23033935480374942e03,
];
#[allow(clippy::excessive_precision)]
const P: [f64; 6] = [
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
    6.58749161529837803e-4,
    1.63153871373020978e-2,
];
#[allow(clippy::excessive_precision)]
const Q: [f64; 5] = [
    2.56852019228982242e00,
    1.87295284992346047e00,
    5.27905102951428412e-1,
    6.05183413124413191e-2,
    2.33520497626869185e-3,
];

/// `exp(-y^2)` computed as Cody does, splitting `y` so the square loses no bits.
fn exp_neg_sq(y: f64) -> f64 {
    let ysq = (y * 16.0).trunc() / 16.0;
    let del = (y - ysq) * (y + ysq);
    (-ysq * ysq).exp() * (-del).exp()
}

/// The complementary error function `erfc(x) = 1 - erf(x)`, by Cody's three rational
/// approximations (|x| <= 0.46875, <= 4, > 4). Accurate in the far tail, where `1 - erf`
/// would cancel to zero.
pub fn erfc(x: f64) -> f64 {
    let y = x.abs();
    if y <= 0.46875 {
        let ysq = if y > 1.11e-16 { y * y } else { 0.0 };
        let (mut num, mut den) = (A[4] * ysq, ysq);
        for i in 0..3 {
            num = (num + A[i]) * ysq;
            den = (den + B[i]) * ysq;
        }
        return 1.0 - x * (num + A[3]) / (den + B[3]);
    }
    let r = if y <= 4.0 {
        let (mut num, mut den) = (C[8] * y, y);
        for i in 0..7 {
            num = (num + C[i]) * y;
            den = (den + D[i]) * y;
        }
        exp_neg_sq(y) * (num + C[7]) / (den + D[7])
    } else if y >= 26.543 {
        0.0
    } else {
        let ysq = 1.0 / (y * y);
        let (mut num, mut den) = (P[5] * ysq, ysq);
        for i in 0..4 {
            num = (num + P[i]) * ysq;
            den = (den + Q[i]) * ysq;
        }
        let r = ysq * (num + P[4]) / (den + Q[4]);
        exp_neg_sq(y) * (SQRPI - r) / y
    };
    if x < 0.0 { 2.0 - r } else { r }
}

/// The standard normal upper tail `Q(z) = P(Z > z) = erfc(z / sqrt 2) / 2`.
pub fn normal_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The `z` with `normal_tail(z) = p`, for `p` in (0, 1), by bisection (to 1e-13).
pub fn normal_tail_inverse(p: f64) -> f64 {
    assert!(
        p > 0.0 && p < 1.0,
        "normal_tail_inverse: p = {p} is not in (0, 1)"
    );
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    while hi - lo > 1e-13 {
        let mid = 0.5 * (lo + hi);
        if normal_tail(mid) > p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// `-log10(p)`, infinite for `p <= 0`.
fn neg_log10(p: f64) -> f64 {
    if p <= 0.0 { f64::INFINITY } else { -p.log10() }
}

/// phi after `elapsed` time since the last heartbeat, for inter-arrival mean `mean` and
/// standard deviation `sd` (all in the same unit; `sd > 0`, `mean > 0`).
pub fn phi(variant: PhiVariant, elapsed: f64, mean: f64, sd: f64) -> f64 {
    match variant {
        PhiVariant::Normal => neg_log10(normal_tail((elapsed - mean) / sd)),
        PhiVariant::Akka => {
            // Akka's formula, with its branch that keeps precision on either side of the mean.
            let y = (elapsed - mean) / sd;
            let e = (-y * (1.5976 + 0.070566 * y * y)).exp();
            if elapsed > mean {
                neg_log10(e / (1.0 + e))
            } else {
                neg_log10(1.0 - 1.0 / (1.0 + e))
            }
        }
        PhiVariant::Cassandra => elapsed / (mean * std::f64::consts::LN_10),
    }
}

/// The standardized suspicion point: `y*` such that phi reaches `threshold` at
/// `mean + y* * sd` (normal, Akka), or at `y* * mean` (Cassandra).
pub fn standard_threshold(variant: PhiVariant, threshold: f64) -> f64 {
    match variant {
        PhiVariant::Normal => normal_tail_inverse(10f64.powf(-threshold)),
        PhiVariant::Cassandra => threshold * std::f64::consts::LN_10,
        PhiVariant::Akka => {
            let (mut lo, mut hi) = (-40.0f64, 40.0f64);
            while hi - lo > 1e-13 {
                let mid = 0.5 * (lo + hi);
                if phi(PhiVariant::Akka, mid, 0.0, 1.0) < threshold {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            hi
        }
    }
}

/// What [`suspicion_delay`] returns when phi reaches the threshold only after 2^63 ns, past
/// the end of any run (phases end by 2 x 2^62 ns): "never".
pub const SUSPICION_NEVER: u64 = 1 << 63;

/// The first whole nanosecond `d >= 0` after the last heartbeat at which phi reaches
/// `threshold`, given the window's `mean` and `sd` in ns and the variant's
/// [`standard_threshold`] `ystar`. Starts from the closed-form guess and corrects by single
/// steps, so the answer agrees with [`phi`] itself to the nanosecond.
pub fn suspicion_delay(variant: PhiVariant, threshold: f64, ystar: f64, mean: f64, sd: f64) -> u64 {
    let guess = match variant {
        PhiVariant::Cassandra => ystar * mean,
        _ => mean + ystar * sd,
    };
    let reached = |d: u64| phi(variant, d as f64, mean, sd) >= threshold;
    if guess >= SUSPICION_NEVER as f64 {
        // Past the end of every run (a huge heartbeat interval or deviation): walking to the
        // crossing one nanosecond at a time from the cap would take for ever.
        return SUSPICION_NEVER;
    }
    let mut d = if guess <= 0.0 { 0 } else { guess.ceil() as u64 };
    // The guess is within a few ns of the answer: walk to the exact first crossing.
    while d > 0 && reached(d - 1) {
        d -= 1;
    }
    while !reached(d) {
        d += 1;
    }
    d
}

/// The exact probability that one inter-arrival interval triggers a false suspicion with
/// the exact normal variant, when inter-arrival times are i.i.d. normal and the detector
/// estimates mean and (n-1) standard deviation from the previous `window` of them:
/// `P(T > z / sqrt(1 + 1/W))` with `T` Student-t with `W - 1` degrees of freedom and
/// `z = normal_tail_inverse(10^-threshold)` — the standard prediction-interval argument
/// (`A - mean_hat` is normal with variance `sigma^2 (1 + 1/W)`, independent of `sd_hat`).
/// The t tail comes from the Cornish-Fisher expansion of the t quantile (Abramowitz and
/// Stegun 26.7.5, four terms), inverted by bisection; for `W >= 20` its error is far below
/// any simulation's resolution. As `W` grows this tends to `10^-threshold`.
pub fn predictive_false_suspicion(window: u32, threshold: f64) -> f64 {
    assert!(
        window >= 20,
        "predictive_false_suspicion: the expansion needs window >= 20, got {window}"
    );
    let w = window as f64;
    let z = normal_tail_inverse(10f64.powf(-threshold));
    let c = z / (1.0 + 1.0 / w).sqrt();
    let nu = w - 1.0;
    let t_quantile = |x: f64| {
        let (x3, x5, x7, x9) = (x.powi(3), x.powi(5), x.powi(7), x.powi(9));
        let g1 = (x3 + x) / 4.0;
        let g2 = (5.0 * x5 + 16.0 * x3 + 3.0 * x) / 96.0;
        let g3 = (3.0 * x7 + 19.0 * x5 + 17.0 * x3 - 15.0 * x) / 384.0;
        let g4 = (79.0 * x9 + 776.0 * x7 + 1482.0 * x5 - 1920.0 * x3 - 945.0 * x) / 92160.0;
        x + g1 / nu + g2 / nu.powi(2) + g3 / nu.powi(3) + g4 / nu.powi(4)
    };
    // The normal quantile x whose t quantile is c: then P(T > c) = Q(x).
    let (mut lo, mut hi) = (0.0f64, c);
    while hi - lo > 1e-13 {
        let mid = 0.5 * (lo + hi);
        if t_quantile(mid) < c {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    normal_tail(0.5 * (lo + hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    // erfc against tabulated values (Abramowitz and Stegun table 7.1 and high-precision
    // references), across all three of Cody's intervals and both signs.
    #[test]
    fn erfc_matches_reference_values() {
        let cases = [
            (0.0, 1.0),
            (0.1, 0.887_537_083_981_715),
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_13),
            (2.0, 0.004_677_734_981_047_266),
            (3.0, 2.209_049_699_858_544e-5),
            (5.0, 1.537_459_794_428_034_8e-12),
            (10.0, 2.088_487_583_762_544_7e-45),
            (-1.0, 1.842_700_792_949_715),
        ];
        for (x, want) in cases {
            assert!(
                close(erfc(x), want, 1e-14),
                "erfc({x}) = {} want {want}",
                erfc(x)
            );
        }
    }

    // Published values: mu = 1000 ms, sigma = 100 ms -> phi(1000) = 0.3010, phi(1200) = 1.6430,
    // phi(1300) = 2.8697, phi(1500) = 6.5426, to 0.1%.
    #[test]
    #[allow(clippy::approx_constant)] // 0.3010 is the published table value (it is log10 2)
    fn phi_matches_the_published_values() {
        for (t, want) in [
            (1000.0, 0.3010),
            (1200.0, 1.6430),
            (1300.0, 2.8697),
            (1500.0, 6.5426),
        ] {
            let got = phi(PhiVariant::Normal, t, 1000.0, 100.0);
            assert!(close(got, want, 1e-3), "phi({t}) = {got}, want {want}");
        }
    }

    // Cassandra's model is exactly -log10 of the exponential survival function; Akka's
    // logistic curve agrees with the normal one at the mean and stays within 0.03 at 2 sigma.
    #[test]
    fn variants_follow_their_formulas() {
        let c = phi(PhiVariant::Cassandra, 2000.0, 1000.0, 1.0);
        assert!(close(c, -(-2.0f64).exp().log10(), 1e-12), "{c}");
        let a = phi(PhiVariant::Akka, 1000.0, 1000.0, 100.0);
        assert!(close(a, 0.5f64.log10().abs(), 1e-12), "{a}");
        let (a, n) = (
            phi(PhiVariant::Akka, 1200.0, 1000.0, 100.0),
            phi(PhiVariant::Normal, 1200.0, 1000.0, 100.0),
        );
        assert!((a - n).abs() < 0.03, "akka {a} normal {n}");
    }

    // The suspicion delay is the first nanosecond at which phi reaches the threshold.
    #[test]
    fn suspicion_delay_is_the_exact_crossing() {
        for v in [PhiVariant::Normal, PhiVariant::Akka, PhiVariant::Cassandra] {
            for th in [1.0, 3.0, 8.0] {
                let ys = standard_threshold(v, th);
                let (m, s) = (1.0e9, 1.0e8);
                let d = suspicion_delay(v, th, ys, m, s);
                assert!(
                    phi(v, d as f64, m, s) >= th && phi(v, (d - 1) as f64, m, s) < th,
                    "{v:?} {th}: {d}"
                );
            }
        }
        // Normal, phi = 3: mean + 3.0902 sd.
        let d = suspicion_delay(
            PhiVariant::Normal,
            3.0,
            standard_threshold(PhiVariant::Normal, 3.0),
            1.0e9,
            1.0e8,
        );
        assert!((d as f64 - 1.309_023_2e9).abs() < 1e3, "{d}");
    }

    // With a huge window the predictive rate tends to 10^-Phi; with a small one the Student-t
    // tail makes it several times larger.
    #[test]
    fn predictive_rate_tends_to_ten_to_minus_phi() {
        for th in [1.0, 2.0, 3.0] {
            let p = predictive_false_suspicion(1_000_000, th);
            assert!(close(p, 10f64.powf(-th), 1e-4), "{th}: {p}");
        }
        let p = predictive_false_suspicion(1000, 3.0);
        assert!(p > 1.0e-3 && p < 1.05e-3, "{p}");
        assert!(predictive_false_suspicion(20, 3.0) > 3.0e-3);
    }
}
