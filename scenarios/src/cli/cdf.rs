//! `compare --cdf METRIC`: one metric's value in every seed of every grid point, drawn as
//! empirical CDFs (one line per grid point, `cdf-METRIC.svg`) and listed seed by seed
//! (`cdf-METRIC.csv`). A seed that did not report the metric counts as a trial without a
//! value, so its variant's line ends below 1.

use std::path::Path;

use ::reports::{CdfAxes, CdfVariant};
use protocols::plugin::{MetricMeta, RunOutput, metrics::KERNEL_METRICS};

use crate::cli::{EXIT_USAGE, Failure};
use crate::vary::{self, Axis};

fn usage(message: String) -> Failure {
    Failure {
        code: EXIT_USAGE,
        message,
    }
}

/// Refuses a metric the protocol does not declare, naming the ones it does.
pub fn check_metric(own: &[MetricMeta], metric: &str) -> Result<(), Failure> {
    if protocols::plugin::metrics::lookup(own, metric).is_some() {
        return Ok(());
    }
    let allowed: Vec<&str> = own.iter().chain(KERNEL_METRICS).map(|m| m.name).collect();
    Err(usage(format!(
        "--cdf `{metric}`: not a metric of this scenario's protocol; choose one of: {} \
         (`*` stands for any suffix, e.g. a percentile)",
        allowed.join(", ")
    )))
}

/// One grid point's values of a metric, seed by seed (`None`: not reported).
pub type SeedValues = Vec<(u64, Option<f64>)>;

/// One grid point's values of `metric`, seed by seed (`None`: not reported).
pub fn values(runs: &[(u64, RunOutput)], metric: &str) -> SeedValues {
    runs.iter()
        .map(|(seed, o)| (*seed, o.metrics.get(metric).copied()))
        .collect()
}

/// Writes `cdf-METRIC.svg` and `cdf-METRIC.csv` into `dir`: `points[i]` is a grid point and
/// `per_point[i]` its values.
#[allow(clippy::too_many_arguments)]
pub fn write(
    dir: &Path,
    scenario: &str,
    metric: &str,
    unit: &str,
    axes: &[Axis],
    points: &[Vec<(String, String)>],
    per_point: &[Vec<(u64, Option<f64>)>],
    log_x: bool,
) -> Result<(), Failure> {
    let variants: Vec<CdfVariant> = points
        .iter()
        .zip(per_point)
        .map(|(p, vals)| {
            let samples: Vec<f64> = vals.iter().filter_map(|v| v.1).collect();
            let mut name = vary::label(axes, p);
            if samples.len() < vals.len() {
                name.push_str(&format!(" ({} of {})", samples.len(), vals.len()));
            }
            CdfVariant {
                name,
                samples,
                trials: vals.len(),
            }
        })
        .collect();
    let chart_axes = CdfAxes {
        title: format!("{scenario}: {metric}, CDF over seeds"),
        x_label: if unit.is_empty() {
            metric.to_string()
        } else {
            format!("{metric} ({unit})")
        },
        log_x,
        legend_title: axes.iter().flat_map(|a| a.keys.iter().cloned()).collect(),
    };
    let svg = reports::variant_cdf_chart(&chart_axes, &variants);
    let file = metric.replace(['/', ' ', '*'], "_");
    put(dir, &format!("cdf-{file}.svg"), svg.as_bytes())?;
    put(
        dir,
        &format!("cdf-{file}.csv"),
        csv(metric, points, per_point).as_bytes(),
    )
}

/// One line per grid point and seed: the varied parameters, the seed and the value (empty
/// when the seed did not report it).
fn csv(
    metric: &str,
    points: &[Vec<(String, String)>],
    per_point: &[Vec<(u64, Option<f64>)>],
) -> String {
    let esc = reports::fmt::csv_field;
    let mut s = String::new();
    if let Some(p) = points.first() {
        for (k, _) in p {
            s.push_str(&esc(k));
            s.push(',');
        }
    }
    s.push_str(&format!("seed,{}\n", esc(metric)));
    for (p, vals) in points.iter().zip(per_point) {
        for (seed, v) in vals {
            for (_, x) in p {
                s.push_str(&esc(x));
                s.push(',');
            }
            let v = v.map(reports::fmt_f64).unwrap_or_default();
            s.push_str(&format!("{seed},{v}\n"));
        }
    }
    s
}

fn put(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Failure> {
    let p = dir.join(name);
    std::fs::write(&p, bytes).map_err(|e| Failure {
        code: EXIT_USAGE,
        message: format!("cannot write {}: {e}", p.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_metric_is_refused_with_the_allowed_ones() {
        let own = [MetricMeta::lower("election_time", "s", "downtime")];
        assert!(check_metric(&own, "election_time").is_ok());
        assert!(check_metric(&own, "messages_sent").is_ok());
        let e = check_metric(&own, "election_tme").unwrap_err();
        assert_eq!(e.code, EXIT_USAGE);
        assert!(
            e.message.contains("election_time, messages_sent"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_csv_lists_every_seed_with_an_empty_value_when_unmeasured() {
        let points = vec![vec![("a".to_string(), "1".to_string())]];
        let csv = csv("m", &points, &[vec![(0, Some(0.5)), (1, None)]]);
        assert_eq!(csv, "a,seed,m\n1,0,0.5\n1,1,\n");
    }
}
