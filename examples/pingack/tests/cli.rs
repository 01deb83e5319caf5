//! The example crate through its own binary: every simlab subcommand works on a protocol that
//! lives outside simlab. A campaign finds the bug switch, the correct protocol survives the
//! same campaign, `test` checks the catalog's expectations, and bad input in the plugged-in
//! table is a usage error naming the field.

use std::process::{Command, Output};

fn pingack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pingack"))
        .args(args)
        .output()
        .expect("pingack runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_campaign_finds_the_bug_and_spares_the_correct_protocol() {
    let o = pingack(&["sweep", "pingack/lossy-no-dedup", "--seeds", "0..1000"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    let line = t
        .lines()
        .find(|l| l.starts_with("reproduce with: pingack run pingack/lossy-no-dedup --seed "))
        .unwrap_or_else(|| panic!("no reproduce line in {t}"));
    let seed = line.rsplit(' ').next().unwrap();
    // The failing seed, run alone, names the property the bug breaks.
    let o = pingack(&["run", "pingack/lossy-no-dedup", "--seed", seed]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("exactly_once_in_order"), "{}", text(&o));
    let o = pingack(&["sweep", "pingack/lossy", "--seeds", "0..1000"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn the_catalog_meets_its_expectations_and_replays() {
    let o = pingack(&["test", "pingack"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("4 passed, 0 failed"), "{}", text(&o));
    let o = pingack(&["check-determinism", "pingack/lossy", "--seeds", "0..5"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The built-ins are still there beside the plugged-in protocol.
    let o = pingack(&["run", "2pc/failure-free"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn bad_input_in_the_plugged_in_table_names_the_field() {
    let o = pingack(&["run", "pingack/lossy", "--set", "pingack.pings=0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("pingack.pings must be in 1..=100000, got 0"),
        "{}",
        text(&o)
    );
    let o = pingack(&["run", "pingack/lossy", "--set", "pingack.pingz=3"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("pingz"), "{}", text(&o));
    let dir = std::env::temp_dir().join(format!("pingack-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.toml");
    std::fs::write(
        &f,
        "protocol = \"pingack\"\n\n[pingack]\nretransmit = \"soon\"\n",
    )
    .unwrap();
    let o = pingack(&["run", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("pingack.retransmit") && t.contains("line 4"),
        "{t}"
    );
}
