//! Service-time and inter-arrival distributions, all with mean 1 (callers scale them), written
//! in scenario files as a short string: `"exp"`, `"deterministic"`, `"erlang:K"`,
//! `"lognormal:CV"`, `"pareto:ALPHA"`.
//!
//! Exponentials are the hot path of the supermarket model (two per customer), so they use a
//! 256-layer ziggurat (Marsaglia and Tsang 2000) on top of the stream's 64-bit words: about
//! one word and one table lookup per draw, and a `libm` logarithm only in the rare tail and
//! wedge cases. The table is computed with `libm` at start-up, so draws are bit-identical on
//! every platform, like every other variate in `sim::rng`.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sim::Stream;

/// A distribution with mean 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Dist {
    /// Exponential (coefficient of variation 1): Poisson arrivals, M/M/· service.
    #[default]
    Exp,
    /// Always exactly 1.
    Deterministic,
    /// Erlang-k: the sum of k exponentials of mean 1/k (cv = 1/sqrt(k)).
    Erlang(u32),
    /// Log-normal with the given coefficient of variation (> 0).
    Lognormal(f64),
    /// Pareto with shape alpha (> 1, so the mean is finite; the variance is infinite for
    /// alpha <= 2): heavy tails.
    Pareto(f64),
}

impl Dist {
    /// Parses `exp`, `deterministic`, `erlang:K`, `lognormal:CV`, `pareto:ALPHA`.
    pub fn parse(s: &str) -> Result<Dist, String> {
        let allowed = "allowed: exp, deterministic, erlang:K (K in 1..=1000), lognormal:CV (CV > 0), pareto:ALPHA (ALPHA > 1)";
        let (name, arg) = match s.split_once(':') {
            Some((a, b)) => (a.trim(), Some(b.trim())),
            None => (s.trim(), None),
        };
        let num = |a: Option<&str>| -> Result<f64, String> {
            let a = a.ok_or_else(|| format!("`{s}` needs a parameter after `:`; {allowed}"))?;
            a.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("`{s}`: `{a}` is not a number; {allowed}"))
        };
        let d = match (name, arg) {
            ("exp", None) => Dist::Exp,
            ("deterministic", None) => Dist::Deterministic,
            ("erlang", a) => {
                let k = num(a)?;
                if k.fract() != 0.0 || !(1.0..=1000.0).contains(&k) {
                    return Err(format!(
                        "`{s}`: K must be an integer in 1..=1000; {allowed}"
                    ));
                }
                Dist::Erlang(k as u32)
            }
            ("lognormal", a) => {
                let cv = num(a)?;
                if cv <= 0.0 {
                    return Err(format!("`{s}`: CV must be > 0; {allowed}"));
                }
                Dist::Lognormal(cv)
            }
            ("pareto", a) => {
                let alpha = num(a)?;
                if alpha <= 1.0 {
                    return Err(format!(
                        "`{s}`: ALPHA must be > 1 (a finite mean); {allowed}"
                    ));
                }
                Dist::Pareto(alpha)
            }
            _ => return Err(format!("unknown distribution `{s}`; {allowed}")),
        };
        Ok(d)
    }

    /// The squared coefficient of variation (variance, as the mean is 1); infinite for
    /// Pareto with alpha <= 2.
    pub fn scv(&self) -> f64 {
        match *self {
            Dist::Exp => 1.0,
            Dist::Deterministic => 0.0,
            Dist::Erlang(k) => 1.0 / k as f64,
            Dist::Lognormal(cv) => cv * cv,
            Dist::Pareto(a) => {
                if a <= 2.0 {
                    f64::INFINITY
                } else {
                    1.0 / (a * (a - 2.0))
                }
            }
        }
    }

    /// One draw (mean 1).
    #[inline(always)]
    pub fn sample(&self, s: &mut Stream) -> f64 {
        match *self {
            Dist::Exp => exp1(s),
            Dist::Deterministic => 1.0,
            Dist::Erlang(k) => {
                let mut x = 0.0;
                for _ in 0..k {
                    x += exp1(s);
                }
                x / k as f64
            }
            Dist::Lognormal(cv) => {
                let s2 = libm::log1p(cv * cv);
                s.lognormal(-0.5 * s2, libm::sqrt(s2))
            }
            Dist::Pareto(a) => s.pareto((a - 1.0) / a, a),
        }
    }
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dist::Exp => f.write_str("exp"),
            Dist::Deterministic => f.write_str("deterministic"),
            Dist::Erlang(k) => write!(f, "erlang:{k}"),
            Dist::Lognormal(cv) => write!(f, "lognormal:{cv}"),
            Dist::Pareto(a) => write!(f, "pareto:{a}"),
        }
    }
}

impl TryFrom<String> for Dist {
    type Error = String;
    fn try_from(s: String) -> Result<Dist, String> {
        Dist::parse(&s)
    }
}

impl From<Dist> for String {
    fn from(d: Dist) -> String {
        d.to_string()
    }
}

// ---- the exponential ziggurat ------------------------------------------------------------

const LAYERS: usize = 256;
/// Right edge of the base layer for 256 layers (Marsaglia and Tsang's `r`).
const R: f64 = 7.697_117_470_131_05;
/// Area of each layer.
const V: f64 = 3.949_659_822_581_557e-3;

struct Tables {
    /// `f(x[i]) = exp(-x[i])` for the layer right edges `x[i]`: `x[0] = V / f(R)` (the base
    /// strip's virtual width), `x[1] = R`, `x[256] = 0`.
    f: [f64; LAYERS + 1],
    /// Integer acceptance thresholds: `u < k[i]` (u a 53-bit uniform) means the point falls
    /// inside the next layer's rectangle.
    k: [u64; LAYERS],
    /// `x[i] / 2^53`, to turn a 53-bit integer into a point of layer i.
    w: [f64; LAYERS],
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut x = [0.0; LAYERS + 1];
        let mut f = [0.0; LAYERS + 1];
        let fr = libm::exp(-R);
        x[0] = V / fr;
        x[1] = R;
        for i in 2..LAYERS {
            // f(x[i]) = f(x[i-1]) + V / x[i-1]
            x[i] = -libm::log(V / x[i - 1] + libm::exp(-x[i - 1]));
        }
        x[LAYERS] = 0.0;
        for i in 0..=LAYERS {
            f[i] = libm::exp(-x[i]);
        }
        let scale = (1u64 << 53) as f64;
        let mut k = [0u64; LAYERS];
        let mut w = [0.0; LAYERS];
        for i in 0..LAYERS {
            k[i] = ((x[i + 1] / x[i]) * scale) as u64;
            w[i] = x[i] / scale;
        }
        Tables { f, k, w }
    })
}

/// Exp(1) by the ziggurat: 8 bits pick the layer, 53 bits the point. Rare cases (about 1.2%)
/// fall back to a wedge test or the tail, both exact.
#[inline(always)]
pub fn exp1(s: &mut Stream) -> f64 {
    let t = tables();
    loop {
        let r = s.next_u64();
        let i = (r & 0xff) as usize;
        let u = r >> 11;
        let x = u as f64 * t.w[i];
        if u < t.k[i] {
            return x;
        }
        if i == 0 {
            // The tail beyond R is again exponential (memorylessness).
            return R - libm::log(s.open01());
        }
        // Wedge: accept with probability proportional to the density above layer i's floor.
        if t.f[i + 1] + s.f64() * (t.f[i] - t.f[i + 1]) < libm::exp(-x) {
            return x;
        }
    }
}

/// Layer `i`'s right edge, recovered from the table (for the table test).
#[cfg(test)]
fn edge(i: usize) -> f64 {
    tables().w[i] * (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_rejects_bad_ones() {
        assert_eq!(Dist::parse("exp").unwrap(), Dist::Exp);
        assert_eq!(Dist::parse("deterministic").unwrap(), Dist::Deterministic);
        assert_eq!(Dist::parse("erlang:4").unwrap(), Dist::Erlang(4));
        assert_eq!(Dist::parse("lognormal:2.5").unwrap(), Dist::Lognormal(2.5));
        assert_eq!(Dist::parse("pareto:1.5").unwrap(), Dist::Pareto(1.5));
        for bad in [
            "expo",
            "erlang",
            "erlang:0",
            "erlang:2.5",
            "pareto:1",
            "lognormal:-1",
            "exp:3",
            "pareto:x",
        ] {
            let e = Dist::parse(bad).unwrap_err();
            assert!(e.contains("allowed"), "{bad}: {e}");
        }
        for d in [
            Dist::Exp,
            Dist::Deterministic,
            Dist::Erlang(3),
            Dist::Lognormal(0.5),
            Dist::Pareto(2.5),
        ] {
            assert_eq!(Dist::parse(&d.to_string()).unwrap(), d);
        }
    }

    /// The ziggurat table closes: the top layer ends at x = 0 with f = 1 (to 1e-9), which
    /// checks R and V together.
    #[test]
    fn ziggurat_table_closes() {
        let t = tables();
        assert_eq!(edge(1), R);
        // The last computed edge x[255] must satisfy f(x[255]) + V / x[255] = 1.
        let top = t.f[LAYERS - 1] + V / edge(LAYERS - 1);
        assert!((top - 1.0).abs() < 1e-9, "top layer {top}");
    }

    /// Sample mean, variance and tail probabilities of each distribution against theory:
    /// means within 4 standard errors (fixed seed), P(X > t) for the exponential within 4 se.
    #[test]
    fn moments_and_exponential_tail_match_theory() {
        let n = 400_000usize;
        let mut s = Stream::new(11, "service-test");
        for d in [
            Dist::Exp,
            Dist::Deterministic,
            Dist::Erlang(4),
            Dist::Lognormal(1.0),
            Dist::Pareto(3.5),
        ] {
            let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut s)).collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64;
            let se = (d.scv() / n as f64).sqrt();
            assert!(
                (m - 1.0).abs() <= 4.0 * se + 1e-12,
                "{d}: mean {m}, se {se}"
            );
            if d.scv() > 0.0 && !matches!(d, Dist::Pareto(_)) {
                assert!(
                    (v - d.scv()).abs() < 0.05 * d.scv(),
                    "{d}: variance {v} vs {}",
                    d.scv()
                );
            }
        }
        let xs: Vec<f64> = (0..n).map(|_| exp1(&mut s)).collect();
        for t in [0.1, 0.5, 1.0, 2.0, 5.0, 8.0, 10.0] {
            let p = libm::exp(-t);
            let got = xs.iter().filter(|&&x| x > t).count() as f64 / n as f64;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (got - p).abs() <= 4.0 * se + 1e-6,
                "P(X > {t}) = {got} vs {p}"
            );
        }
        assert!(xs.iter().all(|&x| x >= 0.0 && x.is_finite()));
    }
}
