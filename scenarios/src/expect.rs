//! A scenario's declared metric values (`[expect_metrics]` in its file), checked against a
//! run: the numbers a scenario demonstrates live in its file as data, and `simlab test` (and
//! with it the test suite) checks every one of them on every run it makes.

use std::collections::BTreeMap;

use crate::spec::Spec;

/// One line per declared metric the run missed: not reported, or outside what was declared.
pub fn metric_misses(spec: &Spec, seed: u64, metrics: &BTreeMap<String, f64>) -> Vec<String> {
    spec.expect_metrics
        .iter()
        .filter_map(|(name, e)| match metrics.get(name) {
            None => Some(format!("seed {seed}: metric `{name}` was not reported")),
            Some(&got) => e
                .miss(got)
                .map(|want| format!("seed {seed}: {name} = {got}, expected {want}")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocols::plugin::MetricExpect;

    fn spec_with(e: &[(&str, MetricExpect)]) -> Spec {
        let text = crate::catalog::get("example/gossip").unwrap();
        let mut s = crate::load::parse(text, "example/gossip", &[]).unwrap();
        s.expect_metrics = e.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        s
    }

    #[test]
    fn values_tolerances_and_bounds() {
        let exact = MetricExpect {
            value: Some(0.004),
            ..Default::default()
        };
        let near = MetricExpect {
            value: Some(10.0),
            tol: 0.5,
            ..Default::default()
        };
        let band = MetricExpect {
            min: Some(1.0),
            max: Some(2.0),
            ..Default::default()
        };
        let s = spec_with(&[("a", exact), ("b", near), ("c", band)]);
        let m = |a: f64, b: f64, c: f64| -> BTreeMap<String, f64> {
            [("a".into(), a), ("b".into(), b), ("c".into(), c)].into()
        };
        assert!(metric_misses(&s, 0, &m(0.004, 10.5, 1.0)).is_empty());
        let miss = metric_misses(&s, 3, &m(0.0041, 9.4, 2.5));
        assert_eq!(
            miss,
            vec![
                "seed 3: a = 0.0041, expected 0.004",
                "seed 3: b = 9.4, expected 10 ± 0.5",
                "seed 3: c = 2.5, expected >= 1, <= 2",
            ]
        );
        let none = metric_misses(&s, 0, &BTreeMap::new());
        assert_eq!(none.len(), 3);
        assert!(none[0].contains("`a` was not reported"));
    }

    #[test]
    fn expectations_are_validated_at_load() {
        let bad = |toml_tail: &str| {
            let text = format!(
                "protocol = \"gossip\"\n[gossip]\nnodes = 3\n[expect_metrics]\n{toml_tail}\n"
            );
            crate::load::parse(&text, "t.toml", &[]).unwrap_err()
        };
        assert!(bad("x = {}").contains("expect_metrics.x: give `value`"));
        assert!(bad("x = { min = 2, max = 1 }").contains("min 2 is above max 1"));
        assert!(bad("x = { value = 1, tol = -1 }").contains("expect_metrics.x.tol: must be >= 0"));
        assert!(bad("x = { min = 1, tol = 1 }").contains("tol: needs `value`"));
        assert!(bad("x = { value = 1, typo = 1 }").contains("unknown field `typo`"));
    }
}
