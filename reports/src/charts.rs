//! Charts as SVG strings, drawn with plotters' SVG backend (text is emitted as `<text>`
//! elements, so no system fonts are needed). All three never panic on awkward data:
//! non-finite points are ignored (and non-positive values on a log axis); a flat range
//! (one point, all-equal values) is widened around its value; if nothing drawable is left
//! the chart shows its title and "no data". Axis labels use [`fmt_f64`], colours come from a
//! fixed palette in series order: the same data always gives the same bytes.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor;

use crate::fmt::fmt_f64;

/// Width of every chart in px.
pub const WIDTH: u32 = 800;
/// Height of every chart in px.
pub const HEIGHT: u32 = 480;

/// A named series of `(x, y)` points.
pub type Series = (String, Vec<(f64, f64)>);

/// A named series of `(x, mean, ci95)` points: 95% confidence half-width around the mean.
pub type CiSeries = (String, Vec<(f64, f64, f64)>);

/// The series palette (Tableau 10), cycled.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub(crate) type DrawResult = Result<(), String>;

/// Renders with `draw`; on any plotting error, renders the "no data" chart instead.
fn render(title: &str, draw: impl FnOnce(&Area<'_>) -> DrawResult) -> String {
    let mut s = String::new();
    let ok = {
        let root = SVGBackend::with_string(&mut s, (WIDTH, HEIGHT)).into_drawing_area();
        let r = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|_| draw(&root));
        r.is_ok() && root.present().is_ok()
    };
    if ok { s } else { no_data(title) }
}

/// A chart with only its title and the words "no data".
pub(crate) fn no_data(title: &str) -> String {
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (WIDTH, HEIGHT)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let _ = root.draw(&Text::new(
            title.to_string(),
            ((WIDTH / 2) as i32, 30),
            ("sans-serif", 22)
                .into_font()
                .color(&BLACK)
                .pos(text_anchor::Pos::new(
                    text_anchor::HPos::Center,
                    text_anchor::VPos::Center,
                )),
        ));
        let _ = root.draw(&Text::new(
            "no data",
            ((WIDTH / 2) as i32, (HEIGHT / 2) as i32),
            ("sans-serif", 20)
                .into_font()
                .color(&RGBColor(0x77, 0x77, 0x77))
                .pos(text_anchor::Pos::new(
                    text_anchor::HPos::Center,
                    text_anchor::VPos::Center,
                )),
        ));
        let _ = root.present();
    }
    s
}

/// The padded range of `vals` (finite ones; positive ones only if `log`), or `None`.
/// The top gets extra room (`head` of the span) so the legend box rarely hides data.
pub(crate) fn range_head(
    vals: impl Iterator<Item = f64>,
    log: bool,
    head: f64,
) -> Option<Range<f64>> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return None;
    }
    let r = if log {
        if lo == hi {
            lo / 2.0..hi * 2.0
        } else {
            lo / 1.1..hi * 1.1 * (hi / lo).powf(head).min(1e3)
        }
    } else if lo == hi {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo - d..hi + d
    } else {
        let pad = (hi - lo) * 0.05;
        lo - pad..hi + pad + (hi - lo) * head
    };
    (r.start.is_finite() && r.end.is_finite() && r.start < r.end).then_some(r)
}

/// [`range_head`] without extra head room (x axes).
fn range(vals: impl Iterator<Item = f64>, log: bool) -> Option<Range<f64>> {
    range_head(vals, log, 0.0)
}

/// Head room above the data for charts with the legend in the upper right corner.
pub(crate) const HEAD: f64 = 0.15;

fn ok_point(&(x, y): &(f64, f64), log_y: bool) -> bool {
    x.is_finite() && y.is_finite() && (!log_y || y > 0.0)
}

/// Draws axes, then each series (via `series`), then the legend, on a 2-D chart.
/// `labels`: title, x-axis label, y-axis label.
fn chart<Y>(
    root: &Area<'_>,
    [title, x_label, y_label]: [&str; 3],
    x: Range<f64>,
    y: Y,
    legend: SeriesLabelPosition,
    series: impl FnOnce(
        &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordf64, Y>>,
    ) -> DrawResult,
) -> DrawResult
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut c = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(RangedCoordf64::from(x), y)
        .map_err(|e| err(&e))?;
    let fmt = |v: &f64| fmt_f64(*v);
    c.configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 17))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()
        .map_err(|e| err(&e))?;
    series(&mut c)?;
    c.configure_series_labels()
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0xaa, 0xaa, 0xaa))
        .position(legend)
        .draw()
        .map_err(|e| err(&e))
}

fn draw_lines<Y>(
    c: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordf64, Y>>,
    series: &[Series],
    log_y: bool,
) -> DrawResult
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    for (i, (name, pts)) in series.iter().enumerate() {
        let col = color(i);
        let pts: Vec<(f64, f64)> = pts.iter().copied().filter(|p| ok_point(p, log_y)).collect();
        if pts.is_empty() {
            continue;
        }
        c.draw_series(LineSeries::new(pts.iter().copied(), col.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(2)));
        if pts.len() == 1 {
            c.draw_series(pts.iter().map(|&p| Circle::new(p, 4, col.filled())))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// A metric over time (or any x): one line per series. With `log_y`, the y axis is
/// logarithmic (e.g. queue-length tails) and points with `y <= 0` are left out.
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_y: bool,
) -> String {
    let pts = || {
        series
            .iter()
            .flat_map(|(_, p)| p.iter().filter(|p| ok_point(p, log_y)))
    };
    let (Some(xr), Some(yr)) = (
        range(pts().map(|p| p.0), false),
        range_head(pts().map(|p| p.1), log_y, HEAD),
    ) else {
        return no_data(title);
    };
    render(title, |root| {
        if log_y {
            let y: LogCoord<f64> = yr.log_scale().into();
            let ur = SeriesLabelPosition::UpperRight;
            chart(root, [title, x_label, y_label], xr, y, ur, |c| {
                draw_lines(c, series, true)
            })
        } else {
            let y = RangedCoordf64::from(yr);
            let ur = SeriesLabelPosition::UpperRight;
            chart(root, [title, x_label, y_label], xr, y, ur, |c| {
                draw_lines(c, series, false)
            })
        }
    })
}

/// A level over time (a value that holds until it next changes: cluster members, queue
/// length): drawn as steps, never as diagonals between samples, the last value held until
/// `until` (the end of the run) if that is later. Points are taken in time order; see
/// [`line_chart`] for the rest.
pub fn level_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    until: Option<f64>,
) -> String {
    let steps: Vec<Series> = series
        .iter()
        .map(|(name, p)| {
            let mut p = p.clone();
            if let (Some(end), Some(&(x, y))) = (until, p.last())
                && end > x
            {
                p.push((end, y));
            }
            (name.clone(), step_points(&p))
        })
        .collect();
    line_chart(title, x_label, y_label, &steps, false)
}

/// `(x, y)` samples of a level as the corners of its step line: each value holds until the
/// next sample's x.
pub fn step_points(p: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(p.len() * 2);
    for (i, &(x, y)) in p.iter().enumerate() {
        if i > 0 {
            out.push((x, p[i - 1].1));
        }
        out.push((x, y));
    }
    out
}

/// Empirical CDF points of `samples` (non-finite ones ignored): sorted values paired with
/// the fraction of samples `<=` each, ready for [`cdf_chart`].
pub fn cdf_points(samples: &[f64]) -> Vec<(f64, f64)> {
    let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    v.iter()
        .enumerate()
        .map(|(i, &x)| (x, (i + 1) as f64 / n))
        .collect()
}

/// Latency CDFs: each series is a list of `(value, cumulative fraction in [0, 1])` points
/// (see [`cdf_points`]), drawn as a step line; the y axis is fixed to 0..1.
pub fn cdf_chart(title: &str, x_label: &str, series: &[Series]) -> String {
    let pts = || {
        series
            .iter()
            .flat_map(|(_, p)| p.iter().filter(|p| ok_point(p, false)))
    };
    let Some(xr) = range(pts().map(|p| p.0), false) else {
        return no_data(title);
    };
    let steps: Vec<(String, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(name, p)| {
            let mut p: Vec<(f64, f64)> = p.iter().copied().filter(|p| ok_point(p, false)).collect();
            p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            let mut st = Vec::with_capacity(p.len() * 2 + 1);
            let mut prev = 0.0;
            if let Some(first) = p.first() {
                st.push((xr.start, 0.0));
                st.push((first.0, 0.0));
            }
            for (x, f) in p {
                st.push((x, prev));
                st.push((x, f));
                prev = f;
            }
            if !st.is_empty() {
                st.push((xr.end, prev));
            }
            (name.clone(), st)
        })
        .collect();
    render(title, |root| {
        let y = RangedCoordf64::from(0.0..1.02);
        let lr = SeriesLabelPosition::LowerRight;
        chart(root, [title, x_label, "fraction ≤ x"], xr, y, lr, |c| {
            draw_lines(c, &steps, false)
        })
    })
}

/// Compares variants on a linear x axis: one line per series through `(x, mean)`, with a
/// vertical error bar `mean ± ci95` (95% confidence half-width; NaN or negative treated as 0)
/// at each point. With several series, each is shifted slightly along x ("dodged") so bars
/// at the same x do not hide each other. See [`crate::compare_chart`] for log and
/// categorical axes.
pub fn comparison_chart(title: &str, x_label: &str, y_label: &str, series: &[CiSeries]) -> String {
    crate::compare_chart::compare_chart(
        &crate::compare_chart::CompareAxes {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            x: crate::compare_chart::XScale::Linear,
            log_y: false,
            legend_title: None,
        },
        series,
    )
}

/// Grouped bars: one group per category (labelled under the x axis), one bar per series
/// in each group, `series[j].1[i]` the height of series `j` in category `i` (missing or
/// non-finite values: no bar). Heights start at 0. Series `j` takes palette colour
/// `colors[j]` (so a series can keep its meaning, e.g. red for drops), or the `j`-th colour
/// when `colors` is shorter.
pub fn bar_chart(
    title: &str,
    y_label: &str,
    categories: &[String],
    series: &[Series1],
    colors: &[usize],
) -> String {
    let k = categories.len();
    let top = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    if k == 0 || series.is_empty() || top <= 0.0 {
        return no_data(title);
    }
    let m = series.len() as f64;
    render(title, |root| {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let mut c = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(72)
            .build_cartesian_2d(-0.5..k as f64 - 0.5, 0.0..top * (1.0 + HEAD))
            .map_err(|e| err(&e))?;
        let fmt = |v: &f64| fmt_f64(*v);
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc(y_label)
            .y_label_formatter(&fmt)
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .draw()
            .map_err(|e| err(&e))?;
        for (j, (name, vals)) in series.iter().enumerate() {
            let col = color(colors.get(j).copied().unwrap_or(j));
            let x0 = |i: usize| i as f64 - 0.4 + 0.8 * j as f64 / m;
            c.draw_series(
                vals.iter()
                    .enumerate()
                    .take(k)
                    .filter(|(_, v)| v.is_finite())
                    .map(|(i, &v)| {
                        Rectangle::new([(x0(i), 0.0), (x0(i) + 0.8 / m, v)], col.filled())
                    }),
            )
            .map_err(|e| err(&e))?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], col.filled()));
        }
        c.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(0xaa, 0xaa, 0xaa))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| err(&e))?;
        // Category names under their groups; every other one a line lower when crowded.
        let crowded = k > 6;
        for (i, name) in categories.iter().enumerate() {
            let (x, y) = c.backend_coord(&(i as f64, 0.0));
            let dy = if crowded && i % 2 == 1 { 22 } else { 8 };
            root.draw(&Text::new(
                name.clone(),
                (x, y + dy),
                ("sans-serif", 13)
                    .into_font()
                    .color(&BLACK)
                    .pos(text_anchor::Pos::new(
                        text_anchor::HPos::Center,
                        text_anchor::VPos::Top,
                    )),
            ))
            .map_err(|e| err(&e))?;
        }
        Ok(())
    })
}

/// A named series of one value per category, for [`bar_chart`].
pub type Series1 = (String, Vec<f64>);

#[cfg(test)]
mod tests {
    use super::*;

    fn count(s: &str, pat: &str) -> usize {
        s.matches(pat).count()
    }

    fn polylines_with_width(svg: &str, w: &str) -> Vec<String> {
        svg.lines()
            .filter(|l| l.starts_with("<polyline") && l.contains(&format!("stroke-width=\"{w}\"")))
            .map(str::to_string)
            .collect()
    }

    fn stroke(l: &str) -> &str {
        let i = l.find("stroke=\"").unwrap() + 8;
        &l[i..i + 7]
    }

    #[test]
    fn comparison_chart_has_two_lines_and_error_bars() {
        let series = vec![
            (
                "raft".to_string(),
                vec![(1.0, 10.0, 1.0), (2.0, 12.0, 1.5), (3.0, 15.0, 0.5)],
            ),
            (
                "paxos".to_string(),
                vec![(1.0, 11.0, 2.0), (2.0, 11.5, 1.0), (3.0, 13.0, 1.0)],
            ),
        ];
        let svg = comparison_chart("latency vs loss", "loss", "p99 (ms)", &series);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("latency vs loss") && svg.contains("raft") && svg.contains("paxos"));
        // Series lines (and their legend swatches) are 2 px polylines in two colours.
        let thick = polylines_with_width(&svg, "2");
        let mut colours: Vec<&str> = thick.iter().map(|l| stroke(l)).collect();
        colours.sort();
        colours.dedup();
        assert_eq!(colours, ["#1F77B4", "#FF7F0E"], "{thick:?}");
        // Data lines have 3 points each.
        assert_eq!(
            thick.iter().filter(|l| l.matches(',').count() == 3).count(),
            2
        );
        // Error bars: 3 strokes (bar + 2 caps) per point, 6 points, in the series colours
        // (axes and ticks are black 1 px polylines too).
        let bars = polylines_with_width(&svg, "1");
        let bars: Vec<&String> = bars.iter().filter(|l| stroke(l) != "#000000").collect();
        assert_eq!(bars.len(), 18, "{bars:?}");
        assert_eq!(bars.iter().filter(|l| stroke(l) == "#1F77B4").count(), 9);
        // 6 points, plus one swatch per series in the legend panel.
        assert_eq!(count(&svg, "<circle"), 8);
        assert_eq!(
            svg,
            comparison_chart("latency vs loss", "loss", "p99 (ms)", &series)
        );
    }

    #[test]
    fn levels_are_steps() {
        assert_eq!(
            step_points(&[(0.0, 3.0), (1.0, 2.0), (2.5, 3.0)]),
            vec![(0.0, 3.0), (1.0, 3.0), (1.0, 2.0), (2.5, 2.0), (2.5, 3.0)]
        );
        assert!(step_points(&[]).is_empty());
        let svg = level_chart(
            "members",
            "time (s)",
            "members",
            &[("m".into(), vec![(1.0, 2.0)])],
            Some(5.0),
        );
        assert!(!svg.contains("no data"));
    }

    #[test]
    fn line_and_cdf_charts_draw() {
        let s = vec![(
            "queue".to_string(),
            vec![(0.0, 1.0), (1.0, 10.0), (2.0, 100.0)],
        )];
        let lin = line_chart("q", "t (s)", "len", &s, false);
        let log = line_chart("q", "t (s)", "len", &s, true);
        assert_eq!(polylines_with_width(&lin, "2").len(), 2, "line + legend");
        assert_eq!(polylines_with_width(&log, "2").len(), 2);
        assert_ne!(lin, log);
        let cdf = cdf_chart(
            "latency",
            "ms",
            &[("a".to_string(), cdf_points(&[3.0, 1.0, 2.0, f64::NAN]))],
        );
        assert!(!cdf.contains("no data"));
        assert_eq!(cdf_points(&[3.0, 1.0]), vec![(1.0, 0.5), (3.0, 1.0)]);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let empty: Vec<(String, Vec<(f64, f64)>)> = vec![];
        assert!(line_chart("t", "x", "y", &empty, false).contains("no data"));
        assert!(line_chart("t", "x", "y", &[("a".into(), vec![])], true).contains("no data"));
        // Zeros and negatives on a log axis: nothing drawable.
        let zeros = vec![("a".to_string(), vec![(0.0, 0.0), (1.0, -1.0)])];
        assert!(line_chart("t", "x", "y", &zeros, true).contains("no data"));
        // ... but fine on a linear one.
        assert!(!line_chart("t", "x", "y", &zeros, false).contains("no data"));
        // Single point, all-equal values, NaN and infinities.
        let one = vec![("a".to_string(), vec![(5.0, 5.0)])];
        for log in [false, true] {
            let s = line_chart("t", "x", "y", &one, log);
            assert!(!s.contains("no data") && s.contains("<circle"), "{s}");
        }
        let flat = vec![(
            "a".to_string(),
            vec![
                (1.0, 0.0),
                (2.0, 0.0),
                (f64::NAN, 1.0),
                (f64::INFINITY, 3.0),
            ],
        )];
        assert!(!line_chart("t", "x", "y", &flat, false).contains("no data"));
        assert!(cdf_chart("t", "x", &empty).contains("no data"));
        assert!(!cdf_chart("t", "x", &[("a".into(), vec![(1.0, 1.0)])]).contains("no data"));
        let nanish = vec![(
            "a".to_string(),
            vec![(f64::NAN, 1.0, 1.0), (1.0, 2.0, f64::NAN)],
        )];
        assert!(!comparison_chart("t", "x", "y", &nanish).contains("no data"));
        assert!(comparison_chart("t", "x", "y", &[]).contains("no data"));
        let huge = vec![("a".to_string(), vec![(-1e308, -1e308), (1e308, 1e308)])];
        let _ = line_chart("t", "x", "y", &huge, false);
        let tiny = vec![("a".to_string(), vec![(0.0, 1e-300), (1e-300, 2e-300)])];
        let _ = line_chart("t", "x", "y", &tiny, true);
        let _ = line_chart("t", "x", "y", &tiny, false);
    }

    #[test]
    fn text_is_escaped() {
        let s = line_chart(
            "a<b & c",
            "x",
            "y",
            &[("s\"1".into(), vec![(0.0, 1.0), (1.0, 2.0)])],
            false,
        );
        assert!(s.contains("a&lt;b &amp; c"));
        assert!(!s.contains("a<b"));
        assert!(no_data("x<y").contains("x&lt;y"));
    }
}
