//! Pins every catalog scenario's run over seeds 0, 1 and 2 in one committed snapshot, so a
//! refactor that changes any run fails here and the snapshot diff names the scenarios and
//! seeds that moved. A simulation is pinned by its trace digest; an analysis (no events, no
//! trace) by a hash of its metric names and the bits of their values.

use protocols::plugin::Kind;
use scenarios::registry::Registry;
use scenarios::runners::{RunOutput, RunRequest, run};

use crate::common::spec;

/// FNV-1a over the metric names and value bits, finished with the kernel's 64-bit mixer.
fn metrics_hash(o: &RunOutput) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in &o.metrics {
        for b in k.bytes().chain(v.to_bits().to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
    }
    format!("{:016x}", sim::rng::mix64(h))
}

#[test]
fn every_catalog_scenario_keeps_its_digest() {
    let mut table = String::new();
    for e in Registry::builtin().catalog() {
        let name = e.name;
        let s = spec(name, &[]);
        for seed in 0..3 {
            let o = run(RunRequest {
                spec: &s,
                seed,
                sink: None,
                interrupt: None,
            })
            .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
            let pin = match e.protocol.kind() {
                Kind::Simulation => o.trace_digest.clone(),
                Kind::Analysis => format!("metrics {}", metrics_hash(&o)),
            };
            table.push_str(&format!("{name} {seed} {} {} {pin}\n", o.outcome, o.events));
        }
    }
    insta::assert_snapshot!(table);
}
