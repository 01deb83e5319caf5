//! The lookup benchmark behind `simlab bench ch/ring-balance`: per algorithm, time per
//! lookup, structure size, balance over the keys looked up, and keys moved on growth.
//!
//! The library never reads the wall clock (a determinism rule): the caller passes a clock
//! (`now_secs`, seconds from any origin) and only the CLI hands in a real one. Everything
//! else is deterministic: structures are built with seed 0 and keys are
//! [`super::analysis::draw_keys`]`(0, keys)`.

use std::collections::BTreeMap;
use std::hint::black_box;

use super::analysis::{ChParams, draw_keys, growth};
use super::bounded::Bounded;
use super::{Algorithm, Placement, build};

/// Timed passes over the keys per algorithm; the fastest is reported.
pub const TIMED_PASSES: u32 = 5;

/// Lookups timed when `p.keys` is 0 (as in `ch/ring-balance`, which measures arcs, not keys).
pub const DEFAULT_LOOKUPS: u64 = 100_000;

/// For every algorithm in [`Algorithm::ALL`], built over `p.servers` servers (`p.vnodes` for
/// `ring` and `bounded`, default Maglev M, `c = 1.25` for `bounded`), reports:
/// - `<algo>_lookup_ns`: wall time per `owner()` call over `p.keys` keys
///   ([`DEFAULT_LOOKUPS`] if 0), measured with `now_secs` around each of [`TIMED_PASSES`]
///   passes (after an untimed pass that also warms the caches), the fastest pass reported;
///   each lookup is wrapped in `black_box`;
/// - `<algo>_memory_bytes`: [`Placement::memory_bytes`];
/// - `<algo>_share_max_over_mean`: the most loaded server's key count over the mean count;
/// - `<algo>_moved_fraction`: keys moved growing `n -> n+1` ([`growth`] with the same keys);
///   absent if the growth analysis rejects the parameters (it names the limit).
///
/// `bounded` holds the keys before the timed pass, so its lookup is that of a stored key and
/// its memory includes the key map. Also reports `lookups` and `servers`.
pub fn lookup_bench(p: &ChParams, now_secs: &mut dyn FnMut() -> f64) -> BTreeMap<String, f64> {
    let n = if p.keys == 0 { DEFAULT_LOOKUPS } else { p.keys };
    let keys = draw_keys(0, n);
    let mut out = BTreeMap::new();
    out.insert("lookups".to_string(), n as f64);
    out.insert("servers".to_string(), f64::from(p.servers));
    for algo in Algorithm::ALL {
        let pl: Box<dyn Placement> = if algo == Algorithm::Bounded {
            let mut b = Bounded::new(p.servers, p.vnodes, super::bounded::DEFAULT_C, 0);
            for &k in &keys {
                b.insert_key(k);
            }
            Box::new(b)
        } else {
            build(algo, p.servers, p.vnodes, 0)
        };
        let name = algo.name();
        // Untimed pass: balance, and warm caches and branch predictors for the timed pass.
        let mut counts: BTreeMap<u32, u64> = pl.servers().into_iter().map(|s| (s, 0)).collect();
        for &k in &keys {
            *counts.get_mut(&pl.owner(k)).expect("owner is a server") += 1;
        }
        let mean = n as f64 / counts.len() as f64;
        let max = counts.values().copied().max().unwrap_or(0) as f64;
        out.insert(format!("{name}_share_max_over_mean"), max / mean);
        // The fastest of a few passes: other load on the machine only ever adds time.
        let mut best = f64::INFINITY;
        for _ in 0..TIMED_PASSES {
            let t0 = now_secs();
            let mut acc = 0u32;
            for &k in &keys {
                acc ^= black_box(pl.owner(black_box(k)));
            }
            let t1 = now_secs();
            black_box(acc);
            best = best.min(t1 - t0);
        }
        out.insert(format!("{name}_lookup_ns"), best * 1e9 / n as f64);
        out.insert(format!("{name}_memory_bytes"), pl.memory_bytes() as f64);
        let gp = ChParams {
            algorithm: name.to_string(),
            keys: n,
            ..p.clone()
        };
        if let Ok(m) = growth(&gp, 0) {
            out.insert(format!("{name}_moved_fraction"), m["moved_fraction"]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_algorithm_with_the_callers_clock() {
        // Shows: with a fake clock that advances 1 s per call, every algorithm's lookup_ns is
        // exactly 1e9 / lookups (so only the caller's clock is read, twice per pass);
        // balance, memory and growth are reported; mod_n moves far more keys than ring.
        let p = ChParams {
            servers: 10,
            vnodes: 50,
            keys: 2000,
            ..ChParams::default()
        };
        let mut t = 0.0;
        let mut clock = || {
            t += 1.0;
            t
        };
        let m = lookup_bench(&p, &mut clock);
        for a in Algorithm::NAMES {
            assert_eq!(m[&format!("{a}_lookup_ns")], 1e9 / 2000.0, "{a}");
            assert!(m[&format!("{a}_memory_bytes")] > 0.0, "{a}");
            assert!(m[&format!("{a}_share_max_over_mean")] >= 1.0, "{a}");
            assert!(m.contains_key(&format!("{a}_moved_fraction")), "{a}");
        }
        assert!(m["mod_n_moved_fraction"] > 0.5 && m["ring_moved_fraction"] < 0.3);
        assert_eq!(m["lookups"], 2000.0);
        // ch/ring-balance has keys = 0: the default number of lookups applies.
        let p0 = ChParams {
            servers: 3,
            keys: 0,
            ..ChParams::default()
        };
        assert_eq!(
            lookup_bench(&p0, &mut || 0.0)["lookups"],
            DEFAULT_LOOKUPS as f64
        );
    }
}
