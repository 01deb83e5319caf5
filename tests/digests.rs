//! Pins the trace digest of every catalog scenario over seeds 0, 1 and 2 in one committed
//! snapshot, so a refactor that changes any run's events (order, content, count) fails here
//! and the snapshot diff names the scenarios and seeds that moved.

use scenarios::catalog::CATALOG;
use scenarios::runners::{RunRequest, run};

use crate::common::spec;

#[test]
fn every_catalog_scenario_keeps_its_digest() {
    let mut table = String::new();
    for (name, _) in CATALOG {
        let s = spec(name, &[]);
        for seed in 0..3 {
            let o = run(RunRequest {
                spec: &s,
                seed,
                sink: None,
            })
            .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
            table.push_str(&format!(
                "{name} {seed} {} {} {}\n",
                o.outcome, o.events, o.trace_digest
            ));
        }
    }
    insta::assert_snapshot!(table);
}
