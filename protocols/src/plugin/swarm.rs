//! Swarm testing (Groce et al., ISSTA 2012): each seed draws its own fault profile (which
//! random fault kinds are on, their rates, loss, duplication, latency jitter) from a stream
//! named after the seed, within the bounds of the scenario's `[swarm]` table, so a campaign
//! explores many failure models instead of one. The drawn profile is an ordinary spec: it is
//! what the trace header records, what `run --seed N --swarm` runs again and what `shrink`
//! starts from.

use serde::{Deserialize, Serialize};
use sim::{FaultRate, Stream, Time, TimeDist};

use super::spec::Spec;

/// The stream a seed's profile is drawn from: apart from every stream the kernel hands out,
/// so switching swarm on never shifts what a run draws for its own faults and latencies.
pub const SWARM_STREAM: &str = "swarm/profile";

/// The random fault kinds swarm can switch on, as named in `[random]`.
pub const SWARM_KINDS: &[&str] = &["crash", "pause", "partition", "clock_step"];

/// The `[swarm]` table: bounds each seed's profile is drawn within. Every field is optional;
/// see [`SwarmBounds::resolve`] for the defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwarmBounds {
    /// Random fault kinds a seed may switch on (each must be declared in `[random]`, which
    /// gives its durations). Default: every kind `[random]` declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<String>>,
    /// Probability that each allowed kind is on in a seed's profile (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_on: Option<f64>,
    /// An enabled kind's rate is its `[random]` rate times a factor uniform in this range
    /// (default `[0.0, 2.0]`; a drawn rate of 0 switches the kind off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_scale: Option<[f64; 2]>,
    /// Loss probability, uniform in this range (default `[0, network.loss]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<[f64; 2]>,
    /// Duplication probability, uniform in this range (default `[0, network.duplicate]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<[f64; 2]>,
    /// Extra latency spread, uniform in this range: a constant latency `c` becomes uniform on
    /// `[c, c + jitter]`, which reorders messages unless the network is FIFO. Only for a
    /// constant `network.latency` (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<[Time; 2]>,
}

/// A seed's drawn profile, printed with each failure.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SwarmProfile {
    /// Random fault kind -> drawn rate (per second); kinds that are off are absent.
    pub rates: Vec<(String, f64)>,
    /// Allowed kinds that were switched off.
    pub off: Vec<String>,
    /// Drawn loss probability.
    pub loss: f64,
    /// Drawn duplication probability.
    pub duplicate: f64,
    /// Drawn latency jitter, if the bounds give one.
    pub jitter: Option<Time>,
}

impl std::fmt::Display for SwarmProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts: Vec<String> = self
            .rates
            .iter()
            .map(|(k, r)| format!("{k}={r:.3}/s"))
            .collect();
        parts.extend(self.off.iter().map(|k| format!("{k}=off")));
        parts.push(format!("loss={:.4}", self.loss));
        parts.push(format!("duplicate={:.4}", self.duplicate));
        if let Some(j) = self.jitter {
            parts.push(format!("jitter={j}"));
        }
        f.write_str(&parts.join(" "))
    }
}

fn rate_of<'a>(spec: &'a Spec, kind: &str) -> Option<&'a FaultRate> {
    let r = spec.random.as_ref()?;
    match kind {
        "crash" => r.crash.as_ref(),
        "pause" => r.pause.as_ref(),
        "partition" => r.partition.as_ref(),
        "clock_step" => r.clock_step.as_ref(),
        _ => None,
    }
}

fn slot<'a>(r: &'a mut sim::RandomFaults, kind: &str) -> &'a mut Option<FaultRate> {
    match kind {
        "crash" => &mut r.crash,
        "pause" => &mut r.pause,
        "partition" => &mut r.partition,
        _ => &mut r.clock_step,
    }
}

/// Bounds with every default filled in.
#[derive(Clone, Debug, PartialEq)]
struct Resolved {
    kinds: Vec<String>,
    p_on: f64,
    rate_scale: [f64; 2],
    loss: [f64; 2],
    duplicate: [f64; 2],
    jitter: Option<[Time; 2]>,
}

fn unit_range(name: &str, r: [f64; 2], hi_open: bool) -> Result<(), String> {
    let top_ok = if hi_open { r[1] < 1.0 } else { r[1] <= 1.0 };
    if !(r[0].is_finite() && r[1].is_finite() && r[0] >= 0.0 && top_ok && r[0] <= r[1]) {
        let top = if hi_open { "1)" } else { "1]" };
        return Err(format!(
            "swarm.{name}: must be [lo, hi] with 0 <= lo <= hi in [0, {top}, got [{}, {}]",
            r[0], r[1]
        ));
    }
    Ok(())
}

impl SwarmBounds {
    /// The bounds with defaults filled in, checked against `spec` (errors name the field
    /// `swarm.<field>` and what is allowed).
    fn resolve(&self, spec: &Spec) -> Result<Resolved, String> {
        let declared: Vec<String> = SWARM_KINDS
            .iter()
            .filter(|k| rate_of(spec, k).is_some())
            .map(|k| k.to_string())
            .collect();
        let kinds = match &self.kinds {
            None => declared,
            Some(ks) => {
                for (i, k) in ks.iter().enumerate() {
                    if !SWARM_KINDS.contains(&k.as_str()) {
                        return Err(format!(
                            "swarm.kinds[{i}]: unknown fault kind `{k}`, expected one of {}",
                            SWARM_KINDS.join(", ")
                        ));
                    }
                    if rate_of(spec, k).is_none() {
                        return Err(format!(
                            "swarm.kinds[{i}]: `{k}` is not declared in [random]; give its \
                             rate, min and max there (swarm scales the rate)"
                        ));
                    }
                    if ks[..i].contains(k) {
                        return Err(format!("swarm.kinds[{i}]: `{k}` appears twice"));
                    }
                }
                ks.clone()
            }
        };
        let p_on = self.p_on.unwrap_or(0.5);
        if !(0.0..=1.0).contains(&p_on) {
            return Err(format!("swarm.p_on: must be in [0, 1], got {p_on}"));
        }
        let rate_scale = self.rate_scale.unwrap_or([0.0, 2.0]);
        if !(rate_scale[0].is_finite()
            && rate_scale[1].is_finite()
            && rate_scale[0] >= 0.0
            && rate_scale[0] <= rate_scale[1])
        {
            return Err(format!(
                "swarm.rate_scale: must be [lo, hi] with 0 <= lo <= hi, got [{}, {}]",
                rate_scale[0], rate_scale[1]
            ));
        }
        for k in &kinds {
            let r = rate_of(spec, k).expect("checked above").rate;
            if r * rate_scale[1] > sim::faults::MAX_FAULT_RATE {
                return Err(format!(
                    "swarm.rate_scale: {} times random.{k}.rate ({r}) is above 1e6 faults \
                     per second",
                    rate_scale[1]
                ));
            }
        }
        let loss = self.loss.unwrap_or([0.0, spec.network.loss]);
        unit_range("loss", loss, true)?;
        let duplicate = self.duplicate.unwrap_or([0.0, spec.network.duplicate]);
        unit_range("duplicate", duplicate, true)?;
        if let Some(j) = self.jitter {
            if j[0] > j[1] {
                return Err(format!(
                    "swarm.jitter: lo ({}) must be <= hi ({})",
                    j[0], j[1]
                ));
            }
            if !matches!(spec.network.latency, TimeDist::Const(_)) {
                return Err(
                    "swarm.jitter: widens a constant network.latency; this scenario's latency \
                     is already a distribution (drop swarm.jitter or make it constant)"
                        .into(),
                );
            }
        }
        if kinds.is_empty()
            && loss == [0.0, 0.0]
            && duplicate == [0.0, 0.0]
            && self.jitter.is_none()
        {
            return Err(
                "swarm: nothing to vary: the scenario declares no [random] fault kind, \
                        no loss, no duplication and no swarm.jitter"
                    .into(),
            );
        }
        Ok(Resolved {
            kinds,
            p_on,
            rate_scale,
            loss,
            duplicate,
            jitter: self.jitter,
        })
    }

    /// Checks the bounds against the spec they belong to.
    pub fn validate(&self, spec: &Spec) -> Result<(), String> {
        self.resolve(spec).map(|_| ())
    }
}

/// The spec seed `seed` runs under `--swarm`: its own profile drawn from the stream
/// ([`SWARM_STREAM`], `seed`) within the spec's `[swarm]` bounds (defaults if the table is
/// absent), written into `[random]` and `[network]`. The returned spec has no `[swarm]` table
/// and names its profile in its description, so its trace header is a plain, replayable
/// record of what ran.
pub fn draw(spec: &Spec, seed: u64) -> Result<(Spec, SwarmProfile), String> {
    let bounds = spec.swarm.clone().unwrap_or_default();
    let b = bounds.resolve(spec)?;
    let mut s = Stream::new(seed, SWARM_STREAM);
    let mut out = spec.clone();
    let mut profile = SwarmProfile::default();
    // Every kind draws the same number of variates whether it ends up on or off, so the
    // draws of one kind never shift another's.
    for k in &b.kinds {
        let on = s.f64() < b.p_on;
        let scale = s.range_f64(b.rate_scale[0], b.rate_scale[1]);
        let declared = rate_of(spec, k)
            .expect("resolved kinds are declared")
            .clone();
        let rate = declared.rate * scale;
        let r = out.random.get_or_insert_with(Default::default);
        if on && rate > 0.0 {
            *slot(r, k) = Some(FaultRate { rate, ..declared });
            profile.rates.push((k.clone(), rate));
        } else {
            *slot(r, k) = None;
            profile.off.push(k.clone());
        }
    }
    profile.loss = s.range_f64(b.loss[0], b.loss[1]);
    profile.duplicate = s.range_f64(b.duplicate[0], b.duplicate[1]);
    out.network.loss = profile.loss;
    out.network.duplicate = profile.duplicate;
    if let Some(j) = b.jitter {
        let spread = Time(j[0].0 + s.below((j[1].0 - j[0].0).saturating_add(1)));
        if let TimeDist::Const(c) = out.network.latency {
            out.network.latency = TimeDist::Uniform {
                lo: c,
                hi: Time(c.0.saturating_add(spread.0)),
            };
        }
        profile.jitter = Some(spread);
    }
    out.swarm = None;
    let note = format!("swarm profile of seed {seed}: {profile}");
    out.description = if out.description.is_empty() {
        note
    } else {
        format!("{} [{note}]", out.description)
    };
    Ok((out, profile))
}
