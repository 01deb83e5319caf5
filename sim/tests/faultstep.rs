//! Fault steps round-trip through TOML, as `simlab show` needs.
#[test]
fn fault_steps_round_trip_through_toml() {
    for s in [
        "at = \"1s\"\nheal = {}\n",
        "at = \"1s\"\ncrash = \"n1\"\n",
        "at = \"2ms\"\npartition = { a = [\"x\"], b = [\"y\"], one_way = true }\n",
        "at = \"1s\"\nadd_rule = { name = \"r\", kind = \"vote\", nth = 2, verdict = { hold_until = \"3s\" } }\n",
    ] {
        let v: sim::FaultStep = toml::from_str(s).unwrap();
        let back: sim::FaultStep = toml::from_str(&toml::to_string(&v).unwrap()).unwrap();
        assert_eq!(v, back, "{s}");
    }
    let bad: Result<sim::FaultStep, _> = toml::from_str("at = \"1s\"\ncrash = \"n1\"\nbogus = 3\n");
    assert!(bad.unwrap_err().to_string().contains("bogus"));
}
