//! Key-value cluster: every `ch/kv-cluster` scenario meets its declared outcome; a crash-and-
//! pause campaign of storage nodes, clients and the coordinator resolves every request and
//! serves every key by its owner; the serve_misrouted bug is caught by `served_by_owner`.

use crate::common::{assert_campaign_ok, crash_campaign_seeds, spec, total};

use scenarios::runners::{RunRequest, run};

// Crash campaign: 3000 seeds (release) with zero violations; crashed clients abandon their
// requests, crashed storage nodes are removed and rejoin. The scripted bug scenario still
// fails `served_by_owner`.
#[test]
fn crash_campaign_resolves_every_request() {
    let seeds = crash_campaign_seeds(3000);
    let runs = assert_campaign_ok("ch/kv-crash-campaign", &[], &seeds);
    assert!(total(&runs, "abandoned_requests") > 0.0);
    assert!(total(&runs, "membership_changes") > 0.0);
    let s = spec("ch/kv-cluster-bug-serve-misrouted", &[]);
    let o = run(RunRequest {
        spec: &s,
        seed: s.seed,
        sink: None,
        interrupt: None,
    })
    .unwrap();
    assert_eq!(o.outcome, "safety_violation");
    assert!(o.violations.iter().all(|v| v.property == "served_by_owner"));
}
