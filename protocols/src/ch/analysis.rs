//! Analyses (pure functions of parameters and a seed, returning metric maps) and the small
//! statistics toolkit their tests use.
//!
//! Keys are already-hashed 64-bit words drawn from `Stream::new(seed, "ch.keys")`; structure
//! randomness (ring points, salts, Maglev permutations) comes from the same `seed` under the
//! labels documented in each algorithm's module, and choices of what to remove from
//! `"ch.removal.pick"`, `"ch.maglev.remove"` and `"ch.bounded.remove_order"`.
//!
//! Metric names shared across analyses: `share_cv`, `share_max_over_mean`, `share_q005`,
//! `share_q995`, `moved_fraction`, `moved_all_to_new`, `max_load`, `off_owner_fraction`; each
//! function documents the extra ones it adds.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sim::rng::Stream;

use super::bounded::{Bounded, capacity};
use super::maglev::{Maglev, default_table_size, is_prime};
use super::{Algorithm, Jump, ModN, Placement, Rendezvous, Ring};

/// A metric map: metric name -> value.
pub type Metrics = BTreeMap<String, f64>;

/// The analysis kinds accepted by [`run_analysis`].
pub const ANALYSES: [&str; 5] = [
    "ring_balance",
    "growth",
    "removal",
    "maglev_disruption",
    "bounded_loads",
];

/// Largest accepted `ch.servers`.
pub const MAX_SERVERS: u32 = 100_000;
/// Largest accepted `ch.vnodes`.
pub const MAX_VNODES: u32 = 100_000;
/// Largest accepted `ch.servers * ch.vnodes` where a ring is built.
pub const MAX_POINTS: u64 = 10_000_000;
/// Largest accepted `ch.keys`.
pub const MAX_KEYS: u64 = 10_000_000;
/// Largest accepted `ch.m`.
pub const MAX_M: u64 = 20_000_000;
/// Largest accepted `ch.keys * ch.servers` for rendezvous (O(N) work per key).
pub const MAX_RENDEZVOUS_WORK: u64 = 1_000_000_000;

/// The consistent-hashing scenario parameters (`ch.*` in scenario files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChParams {
    /// Which analysis a `ch/` scenario runs: one of [`ANALYSES`] (default "ring_balance").
    pub analysis: String,
    /// Number of servers `n` (default 10).
    pub servers: u32,
    /// Virtual nodes per server for `ring` and `bounded` (default 100).
    pub vnodes: u32,
    /// Number of keys (default 100000; `ring_balance` and `maglev_disruption` accept 0).
    pub keys: u64,
    /// Algorithm for `growth` and `removal`: one of [`Algorithm::NAMES`] (default "ring").
    pub algorithm: String,
    /// Load factor for `bounded` (default 1.25; must be >= 1, `inf` allowed).
    pub c: f64,
    /// Maglev table size, a prime (default: smallest prime >= 100 * servers).
    pub m: Option<u64>,
    /// Servers removed by `removal` (default 1).
    pub remove: u32,
}

impl Default for ChParams {
    fn default() -> Self {
        ChParams {
            analysis: "ring_balance".into(),
            servers: 10,
            vnodes: 100,
            keys: 100_000,
            algorithm: "ring".into(),
            c: 1.25,
            m: None,
            remove: 1,
        }
    }
}

impl ChParams {
    /// Checks each field on its own, naming the field and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if !ANALYSES.contains(&self.analysis.as_str()) {
            return Err(format!(
                "ch.analysis must be one of {}, got `{}`",
                ANALYSES.join(", "),
                self.analysis
            ));
        }
        if self.servers < 1 || self.servers > MAX_SERVERS {
            return Err(format!(
                "ch.servers must be in 1..={MAX_SERVERS}, got {}",
                self.servers
            ));
        }
        if self.vnodes < 1 || self.vnodes > MAX_VNODES {
            return Err(format!(
                "ch.vnodes must be in 1..={MAX_VNODES}, got {}",
                self.vnodes
            ));
        }
        if self.keys > MAX_KEYS {
            return Err(format!("ch.keys must be <= {MAX_KEYS}, got {}", self.keys));
        }
        Algorithm::parse(&self.algorithm).map_err(|e| format!("ch.algorithm: {e}"))?;
        if self.c.is_nan() || self.c < 1.0 {
            return Err(format!("ch.c must be >= 1 (or inf), got {}", self.c));
        }
        if let Some(m) = self.m
            && (m > MAX_M || !is_prime(m))
        {
            return Err(format!("ch.m must be a prime <= {MAX_M}, got {m}"));
        }
        if self.remove < 1 {
            return Err(format!("ch.remove must be >= 1, got {}", self.remove));
        }
        Ok(())
    }

    /// [`ChParams::validate`] plus the cross-field rules of analysis `kind`.
    pub fn validate_for(&self, kind: &str) -> Result<(), String> {
        self.validate()?;
        let algo = Algorithm::parse(&self.algorithm)?;
        let (uses, needs_keys) = match kind {
            "ring_balance" => (Algorithm::Ring, false),
            "growth" | "removal" => (algo, true),
            "maglev_disruption" => (Algorithm::Maglev, false),
            "bounded_loads" => (Algorithm::Bounded, true),
            _ => {
                return Err(format!(
                    "unknown ch analysis {kind:?}; allowed: {}",
                    ANALYSES.join(", ")
                ));
            }
        };
        if needs_keys && self.keys < 1 {
            return Err(format!("ch.keys must be >= 1 for {kind}, got 0"));
        }
        let n = u64::from(self.servers);
        if kind == "removal" && self.remove >= self.servers {
            return Err(format!(
                "ch.remove must be < ch.servers ({}) so a server remains, got {}",
                self.servers, self.remove
            ));
        }
        if kind == "maglev_disruption" && self.servers < 2 {
            return Err(format!(
                "ch.servers must be >= 2 for maglev_disruption, got {}",
                self.servers
            ));
        }
        match uses {
            Algorithm::Ring | Algorithm::Bounded => {
                let pts = (n + u64::from(kind == "growth")) * u64::from(self.vnodes);
                if pts > MAX_POINTS {
                    return Err(format!(
                        "ch.servers * ch.vnodes must be <= {MAX_POINTS} for {}, got {pts}",
                        uses.name()
                    ));
                }
            }
            Algorithm::Maglev => {
                let need = n + u64::from(kind == "growth");
                if let Some(m) = self.m
                    && m < need
                {
                    return Err(format!(
                        "ch.m must be >= {need} (the number of backends) for {kind}, got {m}"
                    ));
                }
                if self.m.is_none() && default_table_size(self.servers) > MAX_M {
                    return Err(format!(
                        "ch.servers too large for the default maglev table (max M {MAX_M})"
                    ));
                }
            }
            Algorithm::Rendezvous => {
                let work = self.keys * (n + 1);
                if work > MAX_RENDEZVOUS_WORK {
                    return Err(format!(
                        "ch.keys * ch.servers must be <= {MAX_RENDEZVOUS_WORK} for rendezvous, got {work}"
                    ));
                }
            }
            Algorithm::ModN | Algorithm::Jump => {}
        }
        Ok(())
    }
}

/// Runs analysis `kind` (one of [`ANALYSES`]) after [`ChParams::validate_for`].
pub fn run_analysis(kind: &str, p: &ChParams, seed: u64) -> Result<Metrics, String> {
    match kind {
        "ring_balance" => ring_balance(p, seed),
        "growth" => growth(p, seed),
        "removal" => removal(p, seed),
        "maglev_disruption" => maglev_disruption(p, seed),
        "bounded_loads" => bounded_loads(p, seed),
        _ => Err(format!(
            "unknown ch analysis {kind:?}; allowed: {}",
            ANALYSES.join(", ")
        )),
    }
}

/// `count` already-hashed keys: words of `Stream::new(seed, "ch.keys")`.
pub fn draw_keys(seed: u64, count: u64) -> Vec<u64> {
    let mut s = Stream::new(seed, "ch.keys");
    (0..count).map(|_| s.next_u64()).collect()
}

/// Builds `algo` over `servers` servers using `p.vnodes`, `p.c`, `p.m`; a bounded-loads ring
/// also gets `keys` inserted in order.
fn make(
    algo: Algorithm,
    p: &ChParams,
    servers: u32,
    seed: u64,
    keys: &[u64],
) -> Box<dyn Placement> {
    match algo {
        Algorithm::ModN => Box::new(ModN::new(servers)),
        Algorithm::Ring => Box::new(Ring::new(servers, p.vnodes, seed)),
        Algorithm::Jump => Box::new(Jump::new(servers)),
        Algorithm::Rendezvous => Box::new(Rendezvous::new(servers, seed)),
        Algorithm::Maglev => Box::new(Maglev::new(servers, p.m, seed)),
        Algorithm::Bounded => {
            let mut b = Bounded::new(servers, p.vnodes, p.c, seed);
            for &k in keys {
                b.insert_key(k);
            }
            Box::new(b)
        }
    }
}

fn put(m: &mut Metrics, name: &str, v: f64) {
    m.insert(name.to_string(), v);
}

/// Coefficient of variation (population sd / mean), max/mean, min/mean and the 0.5% / 99.5%
/// quantiles of value/mean, under the names `{prefix}_cv`, `{prefix}_max_over_mean`, ...
fn share_stats(m: &mut Metrics, prefix: &str, xs: &[f64]) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let mut r: Vec<f64> = xs.iter().map(|x| x / mean).collect();
    r.sort_by(f64::total_cmp);
    put(m, &format!("{prefix}_cv"), var.sqrt() / mean);
    put(m, &format!("{prefix}_max_over_mean"), r[r.len() - 1]);
    put(m, &format!("{prefix}_min_over_mean"), r[0]);
    put(m, &format!("{prefix}_q005"), quantile(&r, 0.005));
    put(m, &format!("{prefix}_q995"), quantile(&r, 0.995));
}

/// Balance of the plain ring (`p.servers`, `p.vnodes`; `p.algorithm` is ignored).
///
/// Shares are exact arc lengths over `2^64`: `share_cv` (population sd over mean; theory
/// `sqrt((n-1)/(n v+1))`, reported as `expected_share_cv`), `share_max_over_mean`,
/// `share_min_over_mean`, `share_q005` and `share_q995` (type-7 quantiles of share/mean over
/// the servers). With `p.keys > 0`, the same for key counts as `key_share_*`. Also `servers`,
/// `vnodes`, `points`, `memory_bytes`.
pub fn ring_balance(p: &ChParams, seed: u64) -> Result<Metrics, String> {
    p.validate_for("ring_balance")?;
    let ring = Ring::new(p.servers, p.vnodes, seed);
    let mut m = Metrics::new();
    let shares: Vec<f64> = ring.arc_shares().into_values().collect();
    share_stats(&mut m, "share", &shares);
    let (n, v) = (f64::from(p.servers), f64::from(p.vnodes));
    put(
        &mut m,
        "expected_share_cv",
        ((n - 1.0) / (n * v + 1.0)).sqrt(),
    );
    put(&mut m, "servers", n);
    put(&mut m, "vnodes", v);
    put(&mut m, "points", ring.points().len() as f64);
    put(&mut m, "memory_bytes", ring.memory_bytes() as f64);
    if p.keys > 0 {
        let mut counts: BTreeMap<u32, f64> = ring.servers().into_iter().map(|s| (s, 0.0)).collect();
        for k in draw_keys(seed, p.keys) {
            *counts.get_mut(&ring.owner(k)).expect("owner is a server") += 1.0;
        }
        let xs: Vec<f64> = counts.into_values().collect();
        share_stats(&mut m, "key_share", &xs);
        put(&mut m, "keys", p.keys as f64);
    }
    Ok(m)
}

/// Keys moved going from `p.servers` to `p.servers + 1` servers under `p.algorithm`.
///
/// `moved_fraction`; `moved_all_to_new` (1 if every moved key went to the new server, else
/// 0); `new_server_fraction` (keys owned by the new server afterwards); `ideal_moved_fraction`
/// (`1/(n+1)`); `memory_bytes` (of the n-server structure). A bounded-loads ring holds all
/// keys, and the added server triggers its documented rebuild.
pub fn growth(p: &ChParams, seed: u64) -> Result<Metrics, String> {
    p.validate_for("growth")?;
    let algo = Algorithm::parse(&p.algorithm)?;
    let keys = draw_keys(seed, p.keys);
    let mut pl = make(algo, p, p.servers, seed, &keys);
    let before: Vec<u32> = keys.iter().map(|&k| pl.owner(k)).collect();
    let mem = pl.memory_bytes();
    let new = pl.add_server();
    let (mut moved, mut to_new, mut on_new) = (0u64, 0u64, 0u64);
    for (&k, &a) in keys.iter().zip(&before) {
        let b = pl.owner(k);
        if b == new {
            on_new += 1;
        }
        if a != b {
            moved += 1;
            if b == new {
                to_new += 1;
            }
        }
    }
    let total = keys.len() as f64;
    let mut m = Metrics::new();
    put(&mut m, "moved_fraction", moved as f64 / total);
    put(
        &mut m,
        "moved_all_to_new",
        f64::from(u8::from(moved == to_new)),
    );
    put(&mut m, "new_server_fraction", on_new as f64 / total);
    put(
        &mut m,
        "ideal_moved_fraction",
        1.0 / (f64::from(p.servers) + 1.0),
    );
    put(&mut m, "memory_bytes", mem as f64);
    Ok(m)
}

/// Keys moved when `p.remove` servers are removed under `p.algorithm`.
///
/// The removed servers are the highest ids for `jump` (the only removal it supports) and a
/// uniform choice (`"ch.removal.pick"`) otherwise. `moved_fraction`; `moved_all_from_removed`
/// (1 if every moved key was on a removed server); `removed_share` (keys that were on removed
/// servers: the least any scheme must move); `ideal_moved_fraction` (`k/n`).
pub fn removal(p: &ChParams, seed: u64) -> Result<Metrics, String> {
    p.validate_for("removal")?;
    let algo = Algorithm::parse(&p.algorithm)?;
    let keys = draw_keys(seed, p.keys);
    let mut pl = make(algo, p, p.servers, seed, &keys);
    let before: Vec<u32> = keys.iter().map(|&k| pl.owner(k)).collect();
    let mut ids = pl.servers();
    let k = p.remove as usize;
    let removed: Vec<u32> = if algo == Algorithm::Jump {
        ids.iter().rev().take(k).copied().collect()
    } else {
        Stream::new(seed, "ch.removal.pick").shuffle(&mut ids);
        ids[..k].to_vec()
    };
    for &id in &removed {
        pl.remove_server(id)?;
    }
    let (mut moved, mut from_removed, mut on_removed) = (0u64, 0u64, 0u64);
    for (&key, &a) in keys.iter().zip(&before) {
        let was_removed = removed.contains(&a);
        on_removed += u64::from(was_removed);
        if pl.owner(key) != a {
            moved += 1;
            from_removed += u64::from(was_removed);
        }
    }
    let total = keys.len() as f64;
    let mut m = Metrics::new();
    put(&mut m, "moved_fraction", moved as f64 / total);
    put(
        &mut m,
        "moved_all_from_removed",
        f64::from(u8::from(moved == from_removed)),
    );
    put(&mut m, "removed_share", on_removed as f64 / total);
    put(
        &mut m,
        "ideal_moved_fraction",
        f64::from(p.remove) / f64::from(p.servers),
    );
    Ok(m)
}

/// Maglev disruption when one uniformly chosen backend (`"ch.maglev.remove"`) is removed,
/// with table size `p.m` (default: smallest prime >= 100 n).
///
/// `m`; `table_changed_fraction` (entries whose owner changed, over M);
/// `removed_entry_fraction` (entries the removed backend held: the unavoidable part);
/// `excess_changed_fraction` (entries of surviving backends that changed, over M);
/// `share_max_over_mean` and `share_cv` of entries per backend before removal; with keys,
/// `moved_fraction` over `p.keys` random keys.
pub fn maglev_disruption(p: &ChParams, seed: u64) -> Result<Metrics, String> {
    p.validate_for("maglev_disruption")?;
    let mut g = Maglev::new(p.servers, p.m, seed);
    let before = g.table().to_vec();
    let mut counts: BTreeMap<u32, f64> = g.servers().into_iter().map(|s| (s, 0.0)).collect();
    for &o in &before {
        *counts.get_mut(&o).expect("owner is a backend") += 1.0;
    }
    let ids = g.servers();
    let gone = ids[Stream::new(seed, "ch.maglev.remove").index(ids.len())];
    g.remove_server(gone)?;
    let mut m = Metrics::new();
    let xs: Vec<f64> = counts.into_values().collect();
    share_stats(&mut m, "share", &xs);
    let size = before.len() as f64;
    let changed = before.iter().zip(g.table()).filter(|(a, b)| a != b).count() as f64;
    let removed_entries = before.iter().filter(|&&a| a == gone).count() as f64;
    put(&mut m, "m", size);
    put(&mut m, "table_changed_fraction", changed / size);
    put(&mut m, "removed_entry_fraction", removed_entries / size);
    put(
        &mut m,
        "excess_changed_fraction",
        (changed - removed_entries) / size,
    );
    if p.keys > 0 {
        let mm = before.len() as u64;
        let keys = draw_keys(seed, p.keys);
        let moved = keys
            .iter()
            .filter(|&&k| before[(k % mm) as usize] != g.table()[(k % mm) as usize])
            .count();
        put(&mut m, "moved_fraction", moved as f64 / keys.len() as f64);
    }
    Ok(m)
}

/// Consistent hashing with bounded loads: inserts `p.keys` keys one by one into a ring of
/// `p.servers` x `p.vnodes` with factor `p.c`, checking `max load <= ceil(c * keys / n)` after
/// every insertion, then removes half of them in random order (`"ch.bounded.remove_order"`),
/// checking again after every removal. Returns `Err` naming the first violation, if any.
///
/// At full load: `max_load`, `capacity`, `max_load_over_mean` (over `keys / n`),
/// `off_owner_fraction` (keys not on their plain-ring owner), `plain_max_load` (the unbounded
/// ring's max load for the same keys); then `checks` and `violations` (0), and
/// `max_load_after_removals`, `capacity_after_removals`.
pub fn bounded_loads(p: &ChParams, seed: u64) -> Result<Metrics, String> {
    p.validate_for("bounded_loads")?;
    let mut b = Bounded::new(p.servers, p.vnodes, p.c, seed);
    let mut keys = draw_keys(seed, p.keys);
    let n = u64::from(p.servers);
    let (mut checks, mut violations, mut first) = (0u64, 0u64, None);
    let mut check = |b: &Bounded, when: &str| {
        checks += 1;
        let cap = capacity(b.c(), b.len() as u64, n);
        if b.max_load() > cap {
            violations += 1;
            first.get_or_insert_with(|| {
                format!("{when}: max load {} > capacity {cap}", b.max_load())
            });
        }
    };
    for (i, &k) in keys.iter().enumerate() {
        b.insert_key(k);
        check(&b, &format!("after insertion {}", i + 1));
    }
    let mut m = Metrics::new();
    put(&mut m, "max_load", b.max_load() as f64);
    put(&mut m, "capacity", b.capacity() as f64);
    put(
        &mut m,
        "max_load_over_mean",
        b.max_load() as f64 * n as f64 / b.len() as f64,
    );
    put(
        &mut m,
        "off_owner_fraction",
        b.off_owner() as f64 / b.len() as f64,
    );
    let mut plain: BTreeMap<u32, u64> = BTreeMap::new();
    for &k in &keys {
        *plain.entry(b.ring().owner(k)).or_insert(0) += 1;
    }
    put(
        &mut m,
        "plain_max_load",
        plain.values().copied().max().unwrap_or(0) as f64,
    );
    Stream::new(seed, "ch.bounded.remove_order").shuffle(&mut keys);
    let half = keys.len() / 2;
    for (i, &k) in keys[..half].iter().enumerate() {
        b.remove_key(k);
        check(&b, &format!("after removal {}", i + 1));
    }
    if let Some(e) = first {
        return Err(format!(
            "bounded-loads invariant broken {violations} times; first {e}"
        ));
    }
    put(&mut m, "checks", checks as f64);
    put(&mut m, "violations", violations as f64);
    put(&mut m, "max_load_after_removals", b.max_load() as f64);
    put(&mut m, "capacity_after_removals", b.capacity() as f64);
    Ok(m)
}

// ---------------------------------------------------------------------------------------
// Statistics toolkit.

/// The type-7 (linear interpolation) quantile `q` of ascending `sorted`. Panics if empty.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "quantile of an empty sample");
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "normal_quantile: p must be in (0, 1)");
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The chi-square quantile `p` with `df` degrees of freedom by Wilson-Hilferty:
/// `df * (1 - 2/(9 df) + z_p sqrt(2/(9 df)))^3`.
pub fn chi_square_critical(df: u64, p: f64) -> f64 {
    let k = df as f64;
    let a = 2.0 / (9.0 * k);
    k * (1.0 - a + normal_quantile(p) * a.sqrt()).powi(3)
}

/// Sample mean and 95% confidence half-width `t * sd / sqrt(R)` (infinite for R < 2).
pub fn mean_ci95(xs: &[f64]) -> (f64, f64) {
    let r = xs.len();
    if r == 0 {
        return (f64::NAN, f64::INFINITY);
    }
    let mean = xs.iter().sum::<f64>() / r as f64;
    if r < 2 {
        return (mean, f64::INFINITY);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r - 1) as f64;
    (mean, crate::stats::t95(r - 1) * (var / r as f64).sqrt())
}

/// The outcome of the project's tolerance rule on a sample of independent replications.
#[derive(Clone, Debug, PartialEq)]
pub struct StatCheck {
    /// Number of replications R.
    pub samples: usize,
    /// Sample mean.
    pub mean: f64,
    /// 95% confidence half-width h.
    pub half_width: f64,
    /// The theoretical value.
    pub expected: f64,
    /// Relative tolerance.
    pub tol: f64,
    /// `R >= 5 && |mean - expected| <= tol * |expected| + 2h`.
    pub pass: bool,
}

impl fmt::Display for StatCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "mean {:.5} +/- {:.5} (R={}) vs expected {:.5} (tol {}%): {}",
            self.mean,
            self.half_width,
            self.samples,
            self.expected,
            self.tol * 100.0,
            if self.pass { "pass" } else { "FAIL" }
        )
    }
}

/// Applies the tolerance rule: R >= 5 replications, pass if
/// `|mean - expected| <= tol * |expected| + 2h`.
pub fn stat_check(samples: &[f64], expected: f64, tol: f64) -> StatCheck {
    let (mean, h) = mean_ci95(samples);
    let pass = samples.len() >= 5 && (mean - expected).abs() <= tol * expected.abs() + 2.0 * h;
    StatCheck {
        samples: samples.len(),
        mean,
        half_width: h,
        expected,
        tol,
        pass,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, MapDeserializer};

    fn params(algorithm: &str, servers: u32, keys: u64) -> ChParams {
        ChParams {
            servers,
            keys,
            algorithm: algorithm.into(),
            vnodes: 100,
            ..ChParams::default()
        }
    }

    #[test]
    fn statistics_helpers() {
        // Shows: the normal quantile, the Wilson-Hilferty chi-square quantile (within 1% of,
        // and never below, the tabulated 0.999 values for df 9, 10, 19, 100: it errs on the
        // conservative side), the t table and type-7 quantiles.
        assert!((normal_quantile(0.999) - 3.090_232_306).abs() < 1e-6);
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-6);
        for (df, table) in [(9u64, 27.877), (10, 29.588), (19, 43.820), (100, 149.449)] {
            let wh = chi_square_critical(df, 0.999);
            assert!(
                wh >= table && (wh - table) / table < 0.01,
                "df {df}: {wh} vs {table}"
            );
        }
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 5.0], 0.5), 2.5);
        assert!(!stat_check(&[1.0; 4], 1.0, 0.0).pass);
        assert!(stat_check(&[1.0; 5], 1.0, 0.0).pass);
    }

    #[test]
    fn params_defaults_and_unknown_fields() {
        // Shows: an empty map gives the documented defaults, a partial map overrides only its
        // field, and an unknown field is rejected (deny_unknown_fields).
        let empty: Vec<(&str, u64)> = Vec::new();
        let p =
            ChParams::deserialize(MapDeserializer::<_, DeError>::new(empty.into_iter())).unwrap();
        assert_eq!(p, ChParams::default());
        assert_eq!(
            (p.servers, p.vnodes, p.keys, p.c, p.m, p.remove),
            (10, 100, 100_000, 1.25, None, 1)
        );
        assert_eq!(p.algorithm, "ring");
        let p = ChParams::deserialize(MapDeserializer::<_, DeError>::new(
            vec![("servers", 7u64)].into_iter(),
        ))
        .unwrap();
        assert_eq!(p.servers, 7);
        assert_eq!(p.keys, 100_000);
        let bad = ChParams::deserialize(MapDeserializer::<_, DeError>::new(
            vec![("servrs", 7u64.into_deserializer())].into_iter(),
        ));
        assert!(bad.unwrap_err().to_string().contains("servrs"));
    }

    #[test]
    fn validation_names_fields() {
        // Shows: each rule's error names the ch.* field and the allowed values.
        let e = |p: ChParams, kind: &str| p.validate_for(kind).unwrap_err();
        assert_eq!(
            e(
                ChParams {
                    servers: 0,
                    ..ChParams::default()
                },
                "growth"
            ),
            "ch.servers must be in 1..=100000, got 0"
        );
        assert!(
            e(
                ChParams {
                    algorithm: "chord".into(),
                    ..ChParams::default()
                },
                "growth"
            )
            .contains("allowed: mod_n, ring")
        );
        assert!(
            e(
                ChParams {
                    c: 0.5,
                    ..ChParams::default()
                },
                "growth"
            )
            .starts_with("ch.c must be >= 1")
        );
        assert!(
            e(
                ChParams {
                    c: f64::NAN,
                    ..ChParams::default()
                },
                "growth"
            )
            .starts_with("ch.c")
        );
        assert!(
            e(
                ChParams {
                    m: Some(100),
                    ..ChParams::default()
                },
                "growth"
            )
            .starts_with("ch.m must be a prime")
        );
        assert!(
            e(
                ChParams {
                    remove: 10,
                    ..ChParams::default()
                },
                "removal"
            )
            .starts_with("ch.remove must be < ch.servers")
        );
        assert!(
            e(
                ChParams {
                    keys: 0,
                    ..ChParams::default()
                },
                "growth"
            )
            .starts_with("ch.keys must be >= 1")
        );
        assert!(e(ChParams::default(), "balance").contains("allowed: ring_balance, growth"));
        assert!(
            e(
                ChParams {
                    servers: 1,
                    ..ChParams::default()
                },
                "maglev_disruption"
            )
            .starts_with("ch.servers")
        );
    }

    #[test]
    fn validation_bounds_the_ring_and_accepts_the_edges() {
        // Shows: the ring's size bound (servers * vnodes) applies to the ring analyses only;
        // jump, an unbounded c with a prime m, and the defaults of every analysis are accepted.
        let e = |p: ChParams, kind: &str| p.validate_for(kind).unwrap_err();
        let big = ChParams {
            servers: 100_000,
            vnodes: 1000,
            ..ChParams::default()
        };
        assert!(e(big.clone(), "ring_balance").starts_with("ch.servers * ch.vnodes"));
        assert!(
            ChParams {
                algorithm: "jump".into(),
                ..big
            }
            .validate_for("growth")
            .is_ok()
        );
        assert!(
            ChParams {
                c: f64::INFINITY,
                m: Some(1009),
                ..ChParams::default()
            }
            .validate_for("bounded_loads")
            .is_ok()
        );
        for kind in ANALYSES {
            assert!(ChParams::default().validate_for(kind).is_ok(), "{kind}");
        }
    }

    #[test]
    fn every_analysis_reports_its_metrics() {
        // Shows: run_analysis dispatches every kind and each map carries its documented names.
        let p = ChParams {
            keys: 2000,
            ..ChParams::default()
        };
        let want: [(&str, &[&str]); 5] = [
            (
                "ring_balance",
                &[
                    "share_cv",
                    "share_max_over_mean",
                    "share_q005",
                    "share_q995",
                    "key_share_cv",
                ],
            ),
            ("growth", &["moved_fraction", "moved_all_to_new"]),
            (
                "removal",
                &["moved_fraction", "moved_all_from_removed", "removed_share"],
            ),
            (
                "maglev_disruption",
                &[
                    "table_changed_fraction",
                    "moved_fraction",
                    "share_max_over_mean",
                    "m",
                ],
            ),
            (
                "bounded_loads",
                &["max_load", "off_owner_fraction", "violations", "capacity"],
            ),
        ];
        for (kind, names) in want {
            let m = run_analysis(kind, &p, 1).unwrap();
            for name in names {
                assert!(m.contains_key(*name), "{kind} lacks {name}: {m:?}");
            }
        }
        assert!(run_analysis("nope", &p, 1).is_err());
        // Same seed, same numbers.
        assert_eq!(
            run_analysis("growth", &p, 5).unwrap(),
            run_analysis("growth", &p, 5).unwrap()
        );
    }

    #[test]
    fn ring_balance_quantiles_bracket_the_mean() {
        // Shows: at n=1000, v=100 the share quantiles straddle 1 and the CV is near 0.1.
        let p = ChParams {
            servers: 1000,
            vnodes: 100,
            keys: 0,
            ..ChParams::default()
        };
        let m = ring_balance(&p, 2).unwrap();
        eprintln!("ring_balance n=1000 v=100: {m:?}");
        assert!(m["share_q005"] < 1.0 && m["share_q995"] > 1.0);
        assert!(
            m["share_q005"] >= m["share_min_over_mean"]
                && m["share_q995"] <= m["share_max_over_mean"]
        );
    }

    #[test]
    fn growth_moves_the_theoretical_fraction() {
        // Shows (statistical, 10 seeds x 20k keys, n=10): moved fraction 1/11 = 0.0909 for
        // ring (v=100), jump and rendezvous with all moved keys going to the new server
        // (exact), and 10/11 = 0.909 for mod_n; tolerance 2% + 2h.
        for (algo, expected, all_new) in [
            ("ring", 1.0 / 11.0, true),
            ("jump", 1.0 / 11.0, true),
            ("rendezvous", 1.0 / 11.0, true),
            ("mod_n", 10.0 / 11.0, false),
        ] {
            let p = params(algo, 10, 20_000);
            let runs: Vec<Metrics> = (0..10).map(|seed| growth(&p, seed).unwrap()).collect();
            let xs: Vec<f64> = runs.iter().map(|m| m["moved_fraction"]).collect();
            if all_new {
                assert!(runs.iter().all(|m| m["moved_all_to_new"] == 1.0), "{algo}");
            }
            let c = stat_check(&xs, expected, 0.02);
            eprintln!("growth {algo}: {c}");
            assert!(c.pass, "growth {algo}: {c}");
        }
    }

    #[test]
    fn removal_moves_only_removed_keys() {
        // Shows: removing 2 of 10 servers moves exactly the removed servers' keys for ring,
        // jump and rendezvous (exact), a fraction 2/10 on average (statistical, 10 seeds x 20k
        // keys, tolerance 2% + 2h); mod_n moves far more.
        for algo in ["ring", "jump", "rendezvous"] {
            let p = ChParams {
                remove: 2,
                ..params(algo, 10, 20_000)
            };
            let runs: Vec<Metrics> = (0..10).map(|seed| removal(&p, seed).unwrap()).collect();
            for m in &runs {
                assert_eq!(m["moved_all_from_removed"], 1.0, "{algo}");
                assert_eq!(m["moved_fraction"], m["removed_share"], "{algo}");
            }
            let xs: Vec<f64> = runs.iter().map(|m| m["moved_fraction"]).collect();
            let c = stat_check(&xs, 0.2, 0.02);
            eprintln!("removal {algo}: {c}");
            assert!(c.pass, "removal {algo}: {c}");
        }
        let m = removal(
            &ChParams {
                remove: 2,
                ..params("mod_n", 10, 20_000)
            },
            0,
        )
        .unwrap();
        eprintln!("removal mod_n: {m:?}");
        assert!(m["moved_fraction"] > 0.5);
    }

    #[test]
    fn maglev_disruption_is_small() {
        // Shows: removing one of 10 backends (M = 1009) reassigns every entry it held, and
        // the excess churn among surviving backends is reported (exactly consistent metrics).
        let p = ChParams {
            servers: 10,
            keys: 20_000,
            ..ChParams::default()
        };
        for seed in 0..5 {
            let m = maglev_disruption(&p, seed).unwrap();
            eprintln!("maglev_disruption seed {seed}: {m:?}");
            assert_eq!(m["m"], 1009.0);
            let sum = m["removed_entry_fraction"] + m["excess_changed_fraction"];
            assert!((m["table_changed_fraction"] - sum).abs() < 1e-12);
            assert!(
                m["removed_entry_fraction"] >= 100.0 / 1009.0
                    && m["removed_entry_fraction"] <= 101.0 / 1009.0
            );
        }
    }

    #[test]
    fn bounded_loads_never_violates() {
        // Shows (exact): with 20k keys, n=10, v=100 and c in {1, 1.25, 2, inf}, every one of
        // the 30k checks passes; max_load <= capacity; c=inf equals the plain ring.
        for c in [1.0, 1.25, 2.0, f64::INFINITY] {
            let p = ChParams {
                c,
                keys: 20_000,
                ..ChParams::default()
            };
            let m = bounded_loads(&p, 3).unwrap();
            eprintln!("bounded_loads c={c}: {m:?}");
            assert_eq!(m["violations"], 0.0);
            assert_eq!(m["checks"], 30_000.0);
            if c.is_finite() {
                assert!(m["max_load"] <= m["capacity"]);
            } else {
                assert_eq!(m["max_load"], m["plain_max_load"]);
                assert_eq!(m["off_owner_fraction"], 0.0);
            }
        }
    }
}
