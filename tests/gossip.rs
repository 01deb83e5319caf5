//! Gossip: every `example/gossip` scenario meets its declared outcome; a crash-and-pause
//! campaign of every node, origin included, never makes a node learn a rumor twice and
//! spreads every rumor after the heal; the volatile_seen bug is caught by `learn_once`, in its
//! scripted scenario and in the campaign.

use crate::common::{assert_campaign_ok, crash_campaign_seeds, spec};

use scenarios::runners::{RunRequest, run};
use scenarios::sweep::run_seeds;

// Crash campaign: 10,000 seeds (release) of crash-restarts and pauses of all eight nodes with
// zero violations; with volatile_seen the same campaign fails `learn_once`.
#[test]
fn crash_campaign_learns_once_and_spreads_everything() {
    let seeds = crash_campaign_seeds(10_000);
    assert_campaign_ok("example/gossip-crash-campaign", &[], &seeds);
    let s = spec(
        "example/gossip-crash-campaign",
        &["gossip.bugs=[\"volatile_seen\"]"],
    );
    let runs = run_seeds(&s, &seeds[..seeds.len().min(100)], 0, &|| {}).unwrap();
    assert!(
        runs.iter()
            .all(|(_, o)| o.violations.iter().any(|v| v.property == "learn_once")),
        "volatile_seen escaped the crash campaign"
    );
    let s = spec("example/gossip-volatile", &[]);
    let o = run(RunRequest {
        spec: &s,
        seed: s.seed,
        sink: None,
        interrupt: None,
    })
    .unwrap();
    assert_eq!(o.violations[0].property, "learn_once");
}
