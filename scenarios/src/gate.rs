//! The regression gate of `compare --baseline`: strict about what it compares (same scenario,
//! every grid row and gated metric present in the baseline, same number of seeds unless
//! allowed), and honest about noise (a change is a regression only if it is worse than the
//! allowed percentage AND the two 95% confidence intervals do not overlap).

use std::collections::BTreeMap;

use protocols::plugin::Better;

use crate::cli::{CompareJson, MetricJson};

/// What the gate is told.
pub struct GateOptions<'a> {
    /// Allowed worsening in percent of the baseline's mean.
    pub max_regression_pct: f64,
    /// Which direction each metric improves in; `Neither` metrics are not gated.
    pub better: &'a dyn Fn(&str) -> Better,
    /// Accept a baseline measured over a different number of seeds.
    pub allow_seed_mismatch: bool,
}

/// One gated metric at one grid point that got worse.
#[derive(Clone, Debug, PartialEq)]
pub struct Regression {
    /// The metric.
    pub metric: String,
    /// The grid point (`param=value`, ...).
    pub params: BTreeMap<String, String>,
    /// Baseline mean and CI half-width.
    pub base: MetricJson,
    /// Current mean and CI half-width.
    pub now: MetricJson,
    /// Worsening in percent of the baseline mean (positive = worse).
    pub worse_pct: f64,
}

/// What the gate checked and found.
#[derive(Clone, Debug, PartialEq)]
pub struct GateReport {
    /// Grid rows compared.
    pub rows: usize,
    /// Gated metrics (per row).
    pub metrics: Vec<String>,
    /// Seeds per point now, and in the baseline.
    pub seeds: (usize, usize),
    /// Regressions found.
    pub regressions: Vec<Regression>,
    /// Changes beyond the threshold whose CIs overlap (noise, not failing).
    pub within_noise: usize,
}

impl GateReport {
    /// The one-line summary printed after every gated comparison.
    pub fn summary(&self, pct: f64) -> String {
        let seeds = if self.seeds.0 == self.seeds.1 {
            format!("{} seeds per point", self.seeds.0)
        } else {
            format!(
                "{} seeds per point (baseline: {})",
                self.seeds.0, self.seeds.1
            )
        };
        format!(
            "gate: {} rows x {} metrics ({}), {seeds}: {} regressions; rule: worse by more than \
             {pct}% and the 95% CIs disjoint ({} changes beyond {pct}% were within noise)",
            self.rows,
            self.metrics.len(),
            self.metrics.join(", "),
            self.regressions.len(),
            self.within_noise
        )
    }
}

impl Regression {
    /// One line: metric, grid point, baseline and now with their CIs, the difference.
    pub fn line(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(
            "regression: {} at [{}]: baseline {} ± {}, now {} ± {} ({:+.2}% worse; 95% CIs \
             disjoint)",
            self.metric,
            params.join(" "),
            fmt(self.base.mean),
            fmt(self.base.ci95),
            fmt(self.now.mean),
            fmt(self.now.ci95),
            self.worse_pct
        )
    }
}

fn fmt(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Compares `now` against `base`. A baseline it cannot match (another scenario, a grid row
/// or gated metric it lacks, a different seed count unless allowed) is an error saying why.
pub fn check(
    base: &CompareJson,
    now: &CompareJson,
    o: &GateOptions<'_>,
) -> Result<GateReport, String> {
    if base.scenario != now.scenario {
        return Err(format!(
            "the baseline is a comparison of `{}`, this one of `{}`",
            base.scenario, now.scenario
        ));
    }
    let mut gated: Vec<String> = Vec::new();
    let mut report = GateReport {
        rows: now.rows.len(),
        metrics: Vec::new(),
        seeds: (0, 0),
        regressions: Vec::new(),
        within_noise: 0,
    };
    for row in &now.rows {
        let b = base
            .rows
            .iter()
            .find(|r| r.params == row.params)
            .ok_or_else(|| {
                format!(
                    "grid row {:?} has no row in the baseline (its rows: {:?}); measure the \
                 baseline with the same --vary",
                    row.params,
                    base.rows.iter().map(|r| &r.params).collect::<Vec<_>>()
                )
            })?;
        for (k, cm) in &row.metrics {
            let better = (o.better)(k);
            if better == Better::Neither {
                continue;
            }
            let bm = b.metrics.get(k).ok_or_else(|| {
                format!(
                    "metric `{k}` at {:?} is not in the baseline; measure the baseline with \
                     the same --metric",
                    row.params
                )
            })?;
            if bm.n != cm.n && !o.allow_seed_mismatch {
                return Err(format!(
                    "the baseline has {} seeds per point, this comparison {}: compare like \
                     with like, or pass --allow-seed-mismatch",
                    bm.n, cm.n
                ));
            }
            report.seeds = (cm.n, bm.n);
            if !gated.contains(k) {
                gated.push(k.clone());
            }
            let worse = match better {
                Better::Higher => bm.mean - cm.mean,
                Better::Lower => cm.mean - bm.mean,
                Better::Neither => unreachable!("skipped above"),
            };
            let pct = if bm.mean == 0.0 {
                if worse > 0.0 { f64::INFINITY } else { 0.0 }
            } else {
                100.0 * worse / bm.mean.abs()
            };
            if pct <= o.max_regression_pct {
                continue;
            }
            // Disjoint 95% CIs: the difference exceeds the sum of the half-widths.
            if worse > bm.ci95 + cm.ci95 {
                report.regressions.push(Regression {
                    metric: k.clone(),
                    params: row.params.clone(),
                    base: bm.clone(),
                    now: cm.clone(),
                    worse_pct: pct,
                });
            } else {
                report.within_noise += 1;
            }
        }
    }
    if gated.is_empty() {
        return Err(
            "no metric to gate: none of this comparison's metrics has a direction (lower or \
             higher is better) in its protocol's metadata; name one with --metric"
                .into(),
        );
    }
    report.metrics = gated;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::CompareRowJson;

    fn doc(scenario: &str, mean: f64, ci: f64, n: usize) -> CompareJson {
        CompareJson {
            scenario: scenario.into(),
            rows: vec![CompareRowJson {
                params: [("x".to_string(), "1".to_string())].into(),
                metrics: [("latency".to_string(), MetricJson { mean, ci95: ci, n })].into(),
            }],
        }
    }

    fn run(base: &CompareJson, now: &CompareJson, allow: bool) -> Result<GateReport, String> {
        check(
            base,
            now,
            &GateOptions {
                max_regression_pct: 5.0,
                better: &|_| Better::Lower,
                allow_seed_mismatch: allow,
            },
        )
    }

    #[test]
    fn a_regression_must_exceed_the_threshold_and_the_noise() {
        let base = doc("s", 10.0, 0.5, 5);
        // 20% worse, CIs [9.5, 10.5] and [11.5, 12.5]: disjoint, a regression.
        let r = run(&base, &doc("s", 12.0, 0.5, 5), false).unwrap();
        assert_eq!(r.regressions.len(), 1);
        assert!(r.regressions[0].line().contains("+20.00% worse"));
        // 20% worse but CIs overlap ([9.5, 10.5] and [10, 14]): noise, not a regression.
        let r = run(&base, &doc("s", 12.0, 2.0, 5), false).unwrap();
        assert_eq!((r.regressions.len(), r.within_noise), (0, 1));
        // Better (lower) is never a regression; 3% worse is within the threshold.
        assert!(
            run(&base, &doc("s", 8.0, 0.1, 5), false)
                .unwrap()
                .regressions
                .is_empty()
        );
        assert!(
            run(&base, &doc("s", 10.3, 0.0, 5), false)
                .unwrap()
                .regressions
                .is_empty()
        );
    }

    #[test]
    fn a_baseline_it_cannot_match_is_refused() {
        let base = doc("s", 10.0, 0.5, 5);
        assert!(
            run(&base, &doc("t", 10.0, 0.5, 5), false)
                .unwrap_err()
                .contains("`s`")
        );
        let e = run(&base, &doc("s", 10.0, 0.5, 2), false).unwrap_err();
        assert!(e.contains("5 seeds per point, this comparison 2"), "{e}");
        assert!(run(&base, &doc("s", 10.0, 0.5, 2), true).is_ok());
        let mut other_row = doc("s", 10.0, 0.5, 5);
        other_row.rows[0].params = [("x".to_string(), "2".to_string())].into();
        assert!(
            run(&base, &other_row, false)
                .unwrap_err()
                .contains("no row in the baseline")
        );
        let mut no_metric = doc("s", 10.0, 0.5, 5);
        no_metric.rows[0].metrics.clear();
        assert!(
            run(&no_metric, &base, false)
                .unwrap_err()
                .contains("not in the baseline")
        );
    }
}
