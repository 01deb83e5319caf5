//! Consistent hashing: six placement algorithms behind one trait, and analyses of balance and
//! disruption with exact and statistical tests.
//!
//! Code map:
//! - [`hash`]: the fixed key hash `splitmix64(fnv1a64(bytes))` and the rendezvous score.
//! - [`modn`]: `key mod N`, the non-consistent baseline.
//! - [`ring`]: the Karger et al. ring with virtual nodes (weights as vnode counts).
//! - [`jump`]: Lamping-Veach jump consistent hash, bit-exact with the reference.
//! - [`rendezvous`]: highest-random-weight hashing, plus the weighted `-w/ln(h)` variant.
//! - [`maglev`]: Maglev lookup tables (prime size M, the paper's populate procedure).
//! - [`bounded`]: consistent hashing with bounded loads (capacity `ceil(c * keys / n)`).
//! - [`analysis`]: `ChParams` (`ch.*` scenario parameters), the analyses behind
//!   [`analysis::run_analysis`], and the statistics toolkit (CI, chi-square, quantiles).
//!
//! Keys handed to [`Placement::owner`] are already-hashed 64-bit words; string keys go
//! through [`hash::key_hash`] first. Server ids are stable `u32`s (never reused, except that
//! jump hash's ids are its bucket numbers), so moved keys can be counted across a change.
//! Everything random comes from `sim::rng::Stream` keyed by the caller's seed.

pub mod analysis;
pub mod bench;
pub mod bounded;
pub mod hash;
pub mod jump;
pub mod maglev;
pub mod modn;
pub mod plugin;
pub mod rendezvous;
pub mod ring;

use std::fmt;

pub use analysis::{ChParams, Metrics, run_analysis};
pub use bounded::Bounded;
pub use hash::key_hash;
pub use jump::{Jump, jump_hash};
pub use maglev::Maglev;
pub use modn::ModN;
pub use plugin::Ch;
pub use rendezvous::Rendezvous;
pub use ring::Ring;

/// A key-to-server placement that can grow and shrink.
pub trait Placement: Send + Sync {
    /// The algorithm's name as accepted by [`Algorithm::parse`].
    fn name(&self) -> &'static str;
    /// The server owning the already-hashed `key`.
    fn owner(&self, key: u64) -> u32;
    /// Adds a server and returns its id.
    fn add_server(&mut self) -> u32;
    /// Removes server `id`. Errors (changing nothing) on an unknown id, on removing the last
    /// server, and for jump hash on any id but the highest.
    fn remove_server(&mut self, id: u32) -> Result<(), String>;
    /// The current server ids, ascending.
    fn servers(&self) -> Vec<u32>;
    /// Approximate size of the structure in bytes (inline size plus heap contents, from
    /// lengths, so it is deterministic).
    fn memory_bytes(&self) -> usize;
}

/// The placement algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    /// `key mod N` ([`ModN`]).
    ModN,
    /// Ring with virtual nodes ([`Ring`]).
    Ring,
    /// Jump consistent hash ([`Jump`]).
    Jump,
    /// Rendezvous / HRW ([`Rendezvous`]).
    Rendezvous,
    /// Maglev table ([`Maglev`]).
    Maglev,
    /// Ring with bounded loads ([`Bounded`]).
    Bounded,
}

impl Algorithm {
    /// Every algorithm, in documentation order.
    pub const ALL: [Algorithm; 6] = [
        Algorithm::ModN,
        Algorithm::Ring,
        Algorithm::Jump,
        Algorithm::Rendezvous,
        Algorithm::Maglev,
        Algorithm::Bounded,
    ];
    /// The accepted names, in the order of [`Algorithm::ALL`].
    pub const NAMES: [&'static str; 6] =
        ["mod_n", "ring", "jump", "rendezvous", "maglev", "bounded"];

    /// Parses one of [`Algorithm::NAMES`]; the error lists them.
    pub fn parse(s: &str) -> Result<Algorithm, String> {
        Algorithm::NAMES
            .iter()
            .position(|&n| n == s)
            .map(|i| Algorithm::ALL[i])
            .ok_or_else(|| {
                format!(
                    "unknown consistent-hashing algorithm {s:?}; allowed: {}",
                    Algorithm::NAMES.join(", ")
                )
            })
    }

    /// The algorithm's name.
    pub fn name(self) -> &'static str {
        Algorithm::NAMES[self as usize]
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Builds `algo` over servers `0..servers`.
///
/// - `mod_n`, `jump`: `vnodes` and `seed` are ignored.
/// - `ring`: `vnodes` points per server, placed by `seed`.
/// - `rendezvous`: `seed` picks the per-server salts; `vnodes` is ignored.
/// - `maglev`: table size M = smallest prime >= 100 * servers (use [`Maglev::new`] for another
///   M); `seed` picks each backend's (offset, skip); `vnodes` is ignored.
/// - `bounded`: the `ring` of the same `vnodes` and `seed`, with `c =`
///   [`bounded::DEFAULT_C`] (1.25) and no keys stored (use [`Bounded::new`] for another c).
///
/// Panics if `servers == 0`, or `vnodes == 0` for `ring`/`bounded`.
pub fn build(algo: Algorithm, servers: u32, vnodes: u32, seed: u64) -> Box<dyn Placement> {
    match algo {
        Algorithm::ModN => Box::new(ModN::new(servers)),
        Algorithm::Ring => Box::new(Ring::new(servers, vnodes, seed)),
        Algorithm::Jump => Box::new(Jump::new(servers)),
        Algorithm::Rendezvous => Box::new(Rendezvous::new(servers, seed)),
        Algorithm::Maglev => Box::new(Maglev::new(servers, None, seed)),
        Algorithm::Bounded => Box::new(Bounded::new(servers, vnodes, bounded::DEFAULT_C, seed)),
    }
}

/// The 64-bit key for string `key` under `algo`: for `jump`, a key of ASCII digits only that
/// fits a `u64` is that number (as in the paper's examples); otherwise [`key_hash`] of its
/// UTF-8 bytes.
pub fn key_for(algo: Algorithm, key: &str) -> u64 {
    if algo == Algorithm::Jump && !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
        return key
            .parse::<u64>()
            .unwrap_or_else(|_| key_hash(key.as_bytes()));
    }
    key_hash(key.as_bytes())
}

/// `simlab hash ALGO --servers N KEY...`: each key with its server, built with seed 0 (so
/// answers are stable). For `bounded`, the keys are inserted in the order given (c = 1.25)
/// and each gets the server it was assigned at insertion; a repeated key keeps its server.
pub fn lookup(
    algo: &str,
    servers: u32,
    vnodes: u32,
    keys: &[String],
) -> Result<Vec<(String, u32)>, String> {
    let algo = Algorithm::parse(algo)?;
    let p = ChParams {
        servers,
        vnodes,
        algorithm: algo.name().into(),
        ..ChParams::default()
    };
    p.validate()?;
    if matches!(algo, Algorithm::Ring | Algorithm::Bounded)
        && u64::from(servers) * u64::from(vnodes) > analysis::MAX_POINTS
    {
        return Err(format!(
            "servers * vnodes must be <= {}",
            analysis::MAX_POINTS
        ));
    }
    if algo == Algorithm::Bounded {
        let mut b = Bounded::new(servers, vnodes, bounded::DEFAULT_C, 0);
        return Ok(keys
            .iter()
            .map(|k| (k.clone(), b.insert_key(key_for(algo, k))))
            .collect());
    }
    let pl = build(algo, servers, vnodes, 0);
    Ok(keys
        .iter()
        .map(|k| (k.clone(), pl.owner(key_for(algo, k))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_round_trip() {
        // Shows: every name parses to its algorithm and back; an unknown name's error lists
        // the allowed ones.
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::parse(a.name()), Ok(a));
            assert_eq!(build(a, 3, 4, 0).name(), a.name());
        }
        let e = Algorithm::parse("chord").unwrap_err();
        assert!(
            e.contains("mod_n, ring, jump, rendezvous, maglev, bounded"),
            "{e}"
        );
    }

    #[test]
    fn lookup_uses_decimal_keys_for_jump_only() {
        // Shows: `hash jump --servers 60 1 2` answers 55 and 46 (the reference vectors), a
        // non-numeric key is hashed, and other algorithms hash even numeric keys.
        let keys: Vec<String> = ["1", "2", "user:7"].iter().map(|s| s.to_string()).collect();
        let got = lookup("jump", 60, 100, &keys).unwrap();
        assert_eq!(got[0], ("1".to_string(), 55));
        assert_eq!(got[1], ("2".to_string(), 46));
        assert_eq!(got[2].1, jump_hash(key_hash(b"user:7"), 60));
        assert_eq!(key_for(Algorithm::Jump, "+5"), key_hash(b"+5"));
        assert_eq!(key_for(Algorithm::Ring, "1"), key_hash(b"1"));
        let r = lookup("ring", 5, 10, &keys).unwrap();
        let ring = Ring::new(5, 10, 0);
        assert_eq!(r[0].1, ring.owner(key_hash(b"1")));
        assert_eq!(lookup("ring", 5, 10, &keys), lookup("ring", 5, 10, &keys));
        for a in Algorithm::NAMES {
            assert_eq!(lookup(a, 4, 10, &keys).unwrap().len(), 3);
        }
        assert!(lookup("ring", 0, 10, &keys).is_err());
        assert!(lookup("nope", 3, 10, &keys).is_err());
    }

    #[test]
    fn trait_objects_grow_and_shrink() {
        // Shows: through the trait, every algorithm adds a fresh id, refuses unknown ids and
        // refuses to drop its last server.
        for a in Algorithm::ALL {
            let mut p = build(a, 2, 8, 1);
            let id = p.add_server();
            assert_eq!(p.servers(), vec![0, 1, 2], "{a}");
            assert_eq!(id, 2);
            assert!(p.remove_server(77).is_err(), "{a}");
            p.remove_server(2).unwrap();
            p.remove_server(1).unwrap();
            assert!(p.remove_server(0).is_err(), "{a}");
            assert_eq!(p.owner(12345), 0, "{a}");
            assert!(p.memory_bytes() > 0);
        }
    }
}
