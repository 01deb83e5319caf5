//! `simlab check-determinism`: each seed run twice, on two threads, traces compared event by
//! event.

use std::io::Write;

use super::args::{load_spec, parse_seeds, reproduce};
use super::output::{Failure, Res, usage, w};
use super::{EXIT_INTERNAL, EXIT_NONDETERMINISM, EXIT_OK};
use crate::registry::Registry;
use crate::runners::{self, RunOutput, RunRequest};
use crate::spec::Spec;

/// Records one running digest value per event, to find the first divergent event.
pub(super) struct StepDigests(std::sync::Arc<std::sync::Mutex<Vec<u64>>>);

impl sim::TraceSink for StepDigests {
    fn wants_detail(&self) -> bool {
        true
    }
    fn record(&mut self, r: &sim::Record<'_>) {
        let mut d = sim::Digest::default();
        d.record(r.time, &r.event);
        // Include the detail text (message contents), which the digest leaves out for speed.
        let extra = r.detail.map_or(0, |s| {
            s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
            })
        });
        self.0
            .lock()
            .expect("not poisoned")
            .push(d.value() ^ extra.rotate_left(17) ^ r.index);
    }
}

pub(super) fn step_digests(spec: &Spec, seed: u64) -> Result<(RunOutput, Vec<u64>), String> {
    let v = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = StepDigests(v.clone());
    let o = runners::run(RunRequest {
        spec,
        seed,
        sink: Some(Box::new(sink)),
        interrupt: None,
    })?;
    let steps = std::mem::take(&mut *v.lock().expect("not poisoned"));
    Ok((o, steps))
}

/// Runs `simlab check-determinism`: exit 4 at the first seed whose two runs differ.
pub(super) fn cmd_check(
    reg: &Registry,
    scenario: &str,
    seeds: &str,
    sets: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Res<i32> {
    let spec = load_spec(reg, scenario, sets)?;
    let (lo, hi) = parse_seeds(seeds).map_err(usage)?;
    let mut bad = Vec::new();
    for seed in lo..hi {
        let (a, sa) = step_digests(&spec, seed).map_err(usage)?;
        // The second run happens on another thread, so thread-local state (hash seeds,
        // allocator state) differs between the two.
        let spec2 = spec.clone();
        let (b, sb) = std::thread::spawn(move || step_digests(&spec2, seed))
            .join()
            .map_err(|_| Failure {
                code: EXIT_INTERNAL,
                message: "the second run panicked".into(),
            })?
            .map_err(usage)?;
        let same_metrics =
            serde_json::to_string(&a.metrics).ok() == serde_json::to_string(&b.metrics).ok();
        if sa != sb || a.trace_digest != b.trace_digest || !same_metrics {
            let idx = sa
                .iter()
                .zip(&sb)
                .position(|(x, y)| x != y)
                .unwrap_or(sa.len().min(sb.len()));
            bad.push((seed, idx, sa.len(), sb.len()));
        }
    }
    if bad.is_empty() {
        w(
            out,
            &format!(
                "{}: seeds {lo}..{hi}: every seed ran twice with identical traces\n",
                spec.name
            ),
        )?;
        Ok(EXIT_OK)
    } else {
        for (seed, idx, la, lb) in &bad {
            w(
                out,
                &format!(
                    "{}: seed {seed} is NOT deterministic: first divergent event index {idx} (runs had {la} and {lb} events)\n",
                    spec.name
                ),
            )?;
        }
        let _ = writeln!(err, "{}", reproduce(reg, &spec.name, bad[0].0, sets));
        Ok(EXIT_NONDETERMINISM)
    }
}
