//! Empirical CDFs of one metric, one step line per variant (the Raft paper's Figure 16 is
//! this kind of chart: downtime per election-timeout range). The fraction is of *trials*,
//! not of measurements: a trial that gave no value (no leader elected before the run ended)
//! never reaches the line, which then ends below 1 at `measured / trials`. The x axis is
//! linear or logarithmic; with two variants or more the legend sits in a panel right of the
//! plot, so it never hides a line.

use std::ops::Range;

use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::charts::{Area, DrawResult, HEIGHT, WIDTH, color, no_data, range_head};
use crate::fmt::fmt_f64;

/// One variant's measurements.
#[derive(Clone, Debug, PartialEq)]
pub struct CdfVariant {
    /// Legend label.
    pub name: String,
    /// The measured values (any order; non-finite ones are ignored).
    pub samples: Vec<f64>,
    /// Trials run, measured or not (`>= samples.len()`; fewer is read as `samples.len()`).
    pub trials: usize,
}

/// Titles and scale of a CDF chart.
#[derive(Clone, Debug, PartialEq)]
pub struct CdfAxes {
    /// Chart title.
    pub title: String,
    /// X-axis description (the metric, with its unit).
    pub x_label: String,
    /// A logarithmic x axis (values `<= 0` still count towards the fraction, left of it).
    pub log_x: bool,
    /// Lines over the legend (what the variant names give values of).
    pub legend_title: Vec<String>,
}

/// The corners of an empirical CDF as a step line, without the axis ends: for each distinct
/// value `x` in increasing order, `(x, F before x)` then `(x, F(x))`, where `F(x)` is the
/// fraction of `trials` with a value `<= x`. The last fraction is `measured / trials`
/// (1 when every trial was measured); empty when nothing was.
pub fn cdf_steps(samples: &[f64], trials: usize) -> Vec<(f64, f64)> {
    let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let total = trials.max(v.len()) as f64;
    let mut out = Vec::with_capacity(2 * v.len());
    let mut prev = 0.0;
    let mut i = 0;
    while i < v.len() {
        let x = v[i];
        while i < v.len() && v[i] == x {
            i += 1;
        }
        let f = i as f64 / total;
        out.push((x, prev));
        out.push((x, f));
        prev = f;
    }
    out
}

/// The x range covering every variant's finite values (positive ones on a log axis).
fn x_range(variants: &[CdfVariant], log_x: bool) -> Option<Range<f64>> {
    range_head(
        variants.iter().flat_map(|v| v.samples.iter().copied()),
        log_x,
        0.0,
    )
}

/// Width of the legend panel (0 for a single variant: the title names it).
fn legend_width(variants: &[CdfVariant], title: &[String]) -> u32 {
    if variants.len() < 2 {
        return 0;
    }
    // 16 px sans-serif runs about 9 px a character (10 bold); names start right of a swatch.
    let names = variants.iter().map(|v| 30 + 9 * v.name.chars().count());
    let titles = title.iter().map(|t| 4 + 10 * t.chars().count());
    (names.chain(titles).max().unwrap_or(0) as u32 + 16).clamp(120, 560)
}

/// A CDF chart (see the module docs). Never panics on awkward data; with no drawable value
/// in any variant it shows "no data".
pub fn variant_cdf_chart(axes: &CdfAxes, variants: &[CdfVariant]) -> String {
    let Some(xr) = x_range(variants, axes.log_x) else {
        return no_data(&axes.title);
    };
    let mut s = String::new();
    let ok = {
        let lw = legend_width(variants, &axes.legend_title);
        let root = SVGBackend::with_string(&mut s, (WIDTH + lw, HEIGHT)).into_drawing_area();
        let r = root.fill(&WHITE).map_err(|e| e.to_string()).and_then(|_| {
            let (plot, legend) = root.split_horizontally(WIDTH);
            // A little room below 0, so a line along 0 (nothing measured) shows above the axis.
            let y = RangedCoordf64::from(-0.02..1.02);
            if axes.log_x {
                let x: LogCoord<f64> = xr.clone().log_scale().into();
                draw(&plot, axes, x, y, xr, variants)?;
            } else {
                draw(
                    &plot,
                    axes,
                    RangedCoordf64::from(xr.clone()),
                    y,
                    xr,
                    variants,
                )?;
            }
            if lw > 0 {
                draw_legend(&legend, variants, &axes.legend_title)?;
            }
            Ok(())
        });
        r.is_ok() && root.present().is_ok()
    };
    if ok { s } else { no_data(&axes.title) }
}

/// Axes, mesh, then each variant's step line from the left edge at 0 to the right edge.
fn draw<X>(
    root: &Area<'_>,
    axes: &CdfAxes,
    x: X,
    y: RangedCoordf64,
    xr: Range<f64>,
    variants: &[CdfVariant],
) -> DrawResult
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut c = ChartBuilder::on(root)
        .caption(&axes.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)
        .map_err(|e| err(&e))?;
    let fmt = |v: &f64| fmt_f64(*v);
    c.configure_mesh()
        .x_desc(axes.x_label.as_str())
        .y_desc("fraction of trials ≤ x")
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 17))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()
        .map_err(|e| err(&e))?;
    for (i, v) in variants.iter().enumerate() {
        let steps = cdf_steps(&v.samples, v.trials);
        // A variant with no value at all is a line along 0: none of its trials is <= x.
        let last = steps.last().map_or(0.0, |p| p.1);
        // Values left of a log axis (<= 0) are already counted: the line starts at their
        // fraction at the left edge.
        let shown: Vec<(f64, f64)> = steps
            .iter()
            .copied()
            .filter(|&(x, _)| x >= xr.start)
            .collect();
        let start = shown.first().map(|p| p.1).unwrap_or(last);
        let mut line = vec![(xr.start, start)];
        line.extend(shown);
        line.push((xr.end, last));
        c.draw_series(LineSeries::new(line, color(i).stroke_width(2)))
            .map_err(|e| err(&e))?;
    }
    Ok(())
}

/// One row per variant (colour swatch and name) under the title lines, right of the plot.
fn draw_legend(area: &Area<'_>, variants: &[CdfVariant], title: &[String]) -> DrawResult {
    let font = |bold: bool| {
        let f = ("sans-serif", 16).into_font();
        let f = if bold { f.style(FontStyle::Bold) } else { f };
        f.color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center))
    };
    let mut top = 60;
    for t in title {
        area.draw(&Text::new(t.clone(), (4, top), font(true)))
            .map_err(|e| e.to_string())?;
        top += 22;
    }
    top += 4;
    for (i, v) in variants.iter().enumerate() {
        let y = top + i as i32 * 22;
        area.draw(&PathElement::new(
            vec![(4, y), (24, y)],
            color(i).stroke_width(2),
        ))
        .map_err(|e| e.to_string())?;
        area.draw(&Text::new(v.name.clone(), (30, y), font(false)))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(name: &str, samples: &[f64], trials: usize) -> CdfVariant {
        CdfVariant {
            name: name.into(),
            samples: samples.to_vec(),
            trials,
        }
    }

    fn axes(log_x: bool) -> CdfAxes {
        CdfAxes {
            title: "downtime".into(),
            x_label: "election_time (s)".into(),
            log_x,
            legend_title: vec!["raft.election_timeout_max".into()],
        }
    }

    /// The `points` of every `<polyline>` stroked in `rgb(r,g,b)`.
    fn polylines(svg: &str, (r, g, b): (u8, u8, u8)) -> Vec<Vec<(f64, f64)>> {
        let stroke = format!("stroke=\"#{r:02X}{g:02X}{b:02X}\"");
        svg.split("<polyline")
            .skip(1)
            .filter(|p| p.split("/>").next().unwrap().contains(&stroke))
            .map(|p| {
                let pts = p
                    .split("points=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                pts.split_whitespace()
                    .map(|xy| {
                        let (x, y) = xy.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect()
            })
            .collect()
    }

    fn rgb(i: usize) -> (u8, u8, u8) {
        let c = color(i);
        (c.0, c.1, c.2)
    }

    #[test]
    fn steps_rise_by_one_trial_each_and_end_at_the_measured_fraction() {
        let s = cdf_steps(&[0.3, 0.1, 0.2, 0.2, f64::NAN], 4);
        assert_eq!(
            s,
            vec![
                (0.1, 0.0),
                (0.1, 0.25),
                (0.2, 0.25),
                (0.2, 0.75),
                (0.3, 0.75),
                (0.3, 1.0)
            ]
        );
        // Two of five trials unmeasured: the line stops at 3/5.
        let c = cdf_steps(&[1.0, 2.0, 3.0], 5);
        assert_eq!(c.last(), Some(&(3.0, 0.6)));
        assert!(cdf_steps(&[], 10).is_empty());
    }

    #[test]
    fn one_monotone_step_line_per_variant_ending_at_its_fraction() {
        let vs = vec![
            variant("150ms", &[0.4, 0.2, 0.9, 0.3], 4),
            variant("155ms", &[0.25, 0.15, 0.5], 3),
            variant("151ms", &[1.5, 3.0], 4),
            variant("none", &[], 4),
        ];
        for log_x in [false, true] {
            let svg = variant_cdf_chart(&axes(log_x), &vs);
            // The y pixel of fraction 0 and 1, from the complete variants' ends.
            let mut ends = Vec::new();
            for (i, v) in vs.iter().enumerate() {
                // The legend's swatch is a line of the same colour, right of the plot.
                let (lines, swatch): (Vec<_>, Vec<_>) = polylines(&svg, rgb(i))
                    .into_iter()
                    .partition(|l| l[0].0 < f64::from(WIDTH));
                assert_eq!(
                    (lines.len(), swatch.len()),
                    (1, 1),
                    "one line for {}",
                    v.name
                );
                let l = &lines[0];
                // Each step goes right or up (pixel y falls), never back.
                for w in l.windows(2) {
                    assert!(w[1].0 >= w[0].0 && w[1].1 <= w[0].1, "{w:?} in {}", v.name);
                    assert!(w[1].0 == w[0].0 || w[1].1 == w[0].1, "a diagonal: {w:?}");
                }
                // Rises: one per distinct value, plus none elsewhere.
                let rises = l.windows(2).filter(|w| w[1].1 < w[0].1).count();
                assert_eq!(rises, v.samples.len(), "{}", v.name);
                ends.push((l[0].1, l.last().unwrap().1));
                assert!(svg.contains(&format!(">\n{}\n</text>", v.name)));
            }
            let (zero, one) = (ends[0].0, ends[0].1);
            assert_eq!(ends[1], (zero, one), "a complete variant ends at 1");
            // Half of the trials measured: ends halfway up.
            let half = ends[2].1;
            assert!(
                ((zero - half) / (zero - one) - 0.5).abs() < 0.01,
                "{ends:?}"
            );
        }
    }

    #[test]
    fn nothing_measured_says_no_data() {
        let svg = variant_cdf_chart(&axes(false), &[variant("a", &[], 10)]);
        assert!(svg.contains("no data"));
        let svg = variant_cdf_chart(&axes(true), &[variant("a", &[0.0, -1.0], 2)]);
        assert!(svg.contains("no data"));
    }
}
