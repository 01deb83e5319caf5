//! Comparison charts: one metric against one parameter, one line per combination of the
//! other parameters, with 95% confidence bars. The x axis is linear, logarithmic (for a
//! parameter spanning decades: vnodes, server counts) or categorical (a string parameter
//! such as a policy name: one tick per value, labelled with it, never a number). With two
//! series or more the legend sits in a panel right of the plot, so it never hides a point.

use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::charts::{Area, CiSeries, DrawResult, HEAD, HEIGHT, WIDTH, color, no_data, range_head};
use crate::fmt::fmt_f64;

/// How the x axis places its values.
#[derive(Clone, Debug, PartialEq)]
pub enum XScale {
    /// Numbers, evenly spaced.
    Linear,
    /// Positive numbers, each decade the same width.
    Log,
    /// Named values in this order; a point's x is the index of its value.
    Categories(Vec<String>),
}

/// Titles and scales of a comparison chart.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareAxes {
    /// Chart title.
    pub title: String,
    /// X-axis description (the parameter, with its unit if any).
    pub x_label: String,
    /// Y-axis description (the metric, with its unit if any).
    pub y_label: String,
    /// The x scale.
    pub x: XScale,
    /// A logarithmic y axis (points and bar ends `<= 0` are left out).
    pub log_y: bool,
    /// A heading over the legend (the parameters the series names give values of).
    pub legend_title: Option<String>,
}

/// Width of the legend panel for these labels (0 for a single series: the axis names it).
fn legend_width(series: &[CiSeries], title: Option<&str>) -> u32 {
    if series.len() < 2 {
        return 0;
    }
    let longest = series
        .iter()
        .map(|(n, _)| n.chars().count() + 3)
        .chain(title.map(|t| t.chars().count()))
        .max()
        .unwrap_or(0);
    (longest as u32 * 8 + 44).clamp(120, 320)
}

/// Where points go along x, in the axis's own units: `to` maps a value to a linear
/// "axis space" (the log for a log axis) and `from` maps back, so dodging and bar caps
/// are the same width on screen whatever the scale.
struct Geometry {
    log_x: bool,
    dodge: f64,
    cap: f64,
}

impl Geometry {
    fn to(&self, x: f64) -> f64 {
        if self.log_x { x.ln() } else { x }
    }
    fn from(&self, t: f64) -> f64 {
        if self.log_x { t.exp() } else { t }
    }
    /// `x` moved by `d` in axis space.
    fn shift(&self, x: f64, d: f64) -> f64 {
        self.from(self.to(x) + d)
    }
}

/// A comparison chart (see the module docs). Never panics on awkward data: non-finite
/// points are left out, as are non-positive ones on a log axis; with nothing left it shows
/// "no data".
pub fn compare_chart(axes: &CompareAxes, series: &[CiSeries]) -> String {
    let log_x = axes.x == XScale::Log;
    let ci = |c: f64| if c.is_finite() { c.abs() } else { 0.0 };
    let ok = |&(x, m, _): &(f64, f64, f64)| {
        x.is_finite() && m.is_finite() && (!log_x || x > 0.0) && (!axes.log_y || m > 0.0)
    };
    let pts = || series.iter().flat_map(|(_, p)| p.iter().filter(|p| ok(p)));
    let xr = match &axes.x {
        XScale::Categories(c) if c.is_empty() => None,
        XScale::Categories(c) => Some(-0.5..c.len() as f64 - 0.5),
        _ => range_head(pts().map(|p| p.0), log_x, 0.0),
    };
    let yr = range_head(
        pts().flat_map(|&(_, m, c)| [m - ci(c), m + ci(c)]),
        axes.log_y,
        HEAD,
    );
    let (Some(xr), Some(yr)) = (xr, yr) else {
        return no_data(&axes.title);
    };
    let span = if log_x {
        xr.end.ln() - xr.start.ln()
    } else {
        xr.end - xr.start
    };
    let geo = Geometry {
        log_x,
        dodge: match &axes.x {
            // Categories are 1 apart: keep a group of bars within the middle half.
            XScale::Categories(_) => (0.5 / series.len().max(1) as f64).min(0.08),
            _ => span * 0.006,
        },
        cap: span * 0.008,
    };
    let mut s = String::new();
    let ok_render = {
        // The legend panel widens the chart rather than narrowing the plot.
        let lw = legend_width(series, axes.legend_title.as_deref());
        let root = SVGBackend::with_string(&mut s, (WIDTH + lw, HEIGHT)).into_drawing_area();
        let r = root.fill(&WHITE).map_err(|e| e.to_string()).and_then(|_| {
            let (plot, legend) = root.split_horizontally(WIDTH);
            match (log_x, axes.log_y) {
                (false, false) => {
                    let (x, y) = (RangedCoordf64::from(xr), RangedCoordf64::from(yr));
                    draw(&plot, axes, x, y, series, &geo)
                }
                (false, true) => {
                    let y: LogCoord<f64> = yr.log_scale().into();
                    draw(&plot, axes, RangedCoordf64::from(xr), y, series, &geo)
                }
                (true, false) => {
                    let x: LogCoord<f64> = xr.log_scale().into();
                    draw(&plot, axes, x, RangedCoordf64::from(yr), series, &geo)
                }
                (true, true) => {
                    let x: LogCoord<f64> = xr.log_scale().into();
                    let y: LogCoord<f64> = yr.log_scale().into();
                    draw(&plot, axes, x, y, series, &geo)
                }
            }?;
            if lw > 0 {
                draw_legend(&legend, series, axes.legend_title.as_deref())?;
            }
            Ok(())
        });
        r.is_ok() && root.present().is_ok()
    };
    if ok_render { s } else { no_data(&axes.title) }
}

/// Axes, mesh, category labels, then each series' line, points and confidence bars.
fn draw<X, Y>(
    root: &Area<'_>,
    axes: &CompareAxes,
    x: X,
    y: Y,
    series: &[CiSeries],
    geo: &Geometry,
) -> DrawResult
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let cats = match &axes.x {
        XScale::Categories(c) => Some(c.as_slice()),
        _ => None,
    };
    let mut c = ChartBuilder::on(root)
        .caption(&axes.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(if cats.is_some() { 60 } else { 44 })
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)
        .map_err(|e| err(&e))?;
    let fmt = |v: &f64| fmt_f64(*v);
    let mut mesh = c.configure_mesh();
    mesh.x_desc(axes.x_label.as_str())
        .y_desc(axes.y_label.as_str())
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 17))
        .light_line_style(RGBColor(0xee, 0xee, 0xee));
    if cats.is_some() {
        // Numbers between categories mean nothing: the values are written below instead.
        mesh.x_labels(0).disable_x_mesh();
    }
    mesh.draw().map_err(|e| err(&e))?;
    if let Some(cats) = cats {
        category_labels(root, &c, cats)?;
    }
    let ci = |e: f64| if e.is_finite() { e.abs() } else { 0.0 };
    let y_floor = c.y_range().start;
    for (i, (name, p)) in series.iter().enumerate() {
        let col = color(i);
        let shift = (i as f64 - (series.len() as f64 - 1.0) / 2.0) * geo.dodge;
        let p: Vec<(f64, f64, f64)> = p
            .iter()
            .copied()
            .filter(|&(x, m, _)| {
                x.is_finite()
                    && m.is_finite()
                    && (!geo.log_x || x > 0.0)
                    && (!axes.log_y || m > 0.0)
            })
            .map(|(x, m, e)| (geo.shift(x, shift), m, ci(e)))
            .collect();
        if p.is_empty() {
            continue;
        }
        // Categories have no order to follow: points and bars only, no connecting line.
        if cats.is_none() {
            c.draw_series(LineSeries::new(
                p.iter().map(|&(x, m, _)| (x, m)),
                col.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(name.as_str());
        }
        let r = if cats.is_some() { 5 } else { 3 };
        c.draw_series(
            p.iter()
                .map(|&(x, m, _)| Circle::new((x, m), r, col.filled())),
        )
        .map_err(|e| e.to_string())?;
        c.draw_series(p.iter().filter(|p| p.2 > 0.0).flat_map(|&(x, m, e)| {
            // On a log axis a bar reaching 0 or below is cut at the axis floor.
            let lo = if axes.log_y && m - e <= 0.0 {
                y_floor
            } else {
                m - e
            };
            let hi = m + e;
            let (l, r) = (geo.shift(x, -geo.cap), geo.shift(x, geo.cap));
            [
                PathElement::new(vec![(x, lo), (x, hi)], col.stroke_width(1)),
                PathElement::new(vec![(l, lo), (r, lo)], col.stroke_width(1)),
                PathElement::new(vec![(l, hi), (r, hi)], col.stroke_width(1)),
            ]
        }))
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Writes each category's value under its tick; when they would collide, alternate rows,
/// and when even that is too tight, shorten them with an ellipsis.
fn category_labels<X, Y>(
    root: &Area<'_>,
    c: &ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    cats: &[String],
) -> DrawResult
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let y0 = c.y_range().start;
    let px = |i: usize| c.backend_coord(&(i as f64, y0));
    let slot = if cats.len() > 1 {
        (px(1).0 - px(0).0).max(1) as usize
    } else {
        400
    };
    const CHAR_PX: usize = 8;
    let longest = cats.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let stagger = longest * CHAR_PX > slot * 9 / 10;
    let room = if stagger { slot * 2 } else { slot } * 9 / 10 / CHAR_PX;
    let font = ("sans-serif", 16)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (i, name) in cats.iter().enumerate() {
        let (x, y) = px(i);
        let text = shorten(name, room.max(3));
        let dy = if stagger && i % 2 == 1 { 20 } else { 4 };
        root.draw(&PathElement::new(
            vec![(x, y), (x, y + 4)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| e.to_string())?;
        root.draw(&Text::new(text, (x, y + dy), font.clone()))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `s` cut to `max` characters, the last one an ellipsis, if longer.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// One row per series (colour swatch and name) in the panel right of the plot.
fn draw_legend(area: &Area<'_>, series: &[CiSeries], title: Option<&str>) -> DrawResult {
    let font = ("sans-serif", 16)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut top = 60;
    if let Some(t) = title {
        let bold = ("sans-serif", 16)
            .into_font()
            .style(FontStyle::Bold)
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(t.to_string(), (4, top), bold))
            .map_err(|e| e.to_string())?;
        top += 24;
    }
    for (i, (name, _)) in series.iter().enumerate() {
        let y = top + i as i32 * 22;
        let col = color(i);
        area.draw(&PathElement::new(
            vec![(4, y), (24, y)],
            col.stroke_width(2),
        ))
        .map_err(|e| e.to_string())?;
        area.draw(&Circle::new((14, y), 3, col.filled()))
            .map_err(|e| e.to_string())?;
        area.draw(&Text::new(name.clone(), (30, y), font.clone()))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The x scale a parameter's values call for: categories unless every value is a number;
/// then a log axis if asked, or if all are positive and span at least two decades.
pub fn x_scale_for(values: &[String], log_x: Option<bool>) -> XScale {
    let nums: Option<Vec<f64>> = values
        .iter()
        .map(|v| v.trim().parse::<f64>().ok())
        .collect();
    let Some(nums) = nums.filter(|n| !n.is_empty() && n.iter().all(|x| x.is_finite())) else {
        return XScale::Categories(values.to_vec());
    };
    let positive = nums.iter().all(|&x| x > 0.0);
    let (lo, hi) = nums
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    match log_x {
        Some(true) if positive => XScale::Log,
        Some(_) => XScale::Linear,
        None if positive && hi / lo >= 100.0 => XScale::Log,
        None => XScale::Linear,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axes(x: XScale, log_y: bool) -> CompareAxes {
        CompareAxes {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y (s)".into(),
            x,
            log_y,
            legend_title: None,
        }
    }

    #[test]
    fn string_values_give_categories_and_numbers_spanning_decades_a_log_axis() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            x_scale_for(&s(&["random", "jsq"]), None),
            XScale::Categories(s(&["random", "jsq"]))
        );
        assert_eq!(
            x_scale_for(&s(&["1", "10", "100", "1000"]), None),
            XScale::Log
        );
        assert_eq!(
            x_scale_for(&s(&["0.5", "0.9", "0.99"]), None),
            XScale::Linear
        );
        assert_eq!(x_scale_for(&s(&["0", "10", "1000"]), None), XScale::Linear);
        assert_eq!(x_scale_for(&s(&["1", "1000"]), Some(false)), XScale::Linear);
        assert_eq!(x_scale_for(&s(&["1", "2"]), Some(true)), XScale::Log);
        // A log axis cannot hold 0: asking for one falls back to linear.
        assert_eq!(x_scale_for(&s(&["0", "2"]), Some(true)), XScale::Linear);
    }

    #[test]
    fn categories_are_labelled_with_their_values_not_numbers() {
        let cats: Vec<String> = ["random", "round_robin", "jsq"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let svg = compare_chart(
            &axes(XScale::Categories(cats.clone()), false),
            &[(
                "a".into(),
                vec![(0.0, 1.0, 0.1), (1.0, 2.0, 0.1), (2.0, 1.5, 0.0)],
            )],
        );
        for c in &cats {
            assert!(svg.contains(&format!(">\n{c}\n</text>")), "{c} missing");
        }
        // No numeric tick under the x axis: "0.5", "1", "1.5" would be positions, not values.
        assert!(!svg.contains(">\n0.5\n</text>") && !svg.contains(">\n1.5\n</text>"));
    }

    #[test]
    fn crowded_categories_alternate_rows_and_shorten() {
        let cats: Vec<String> = (0..30).map(|i| format!("a-rather-long-name-{i}")).collect();
        let p: Vec<(f64, f64, f64)> = (0..30).map(|i| (i as f64, 1.0, 0.1)).collect();
        let svg = compare_chart(&axes(XScale::Categories(cats), false), &[("a".into(), p)]);
        assert!(
            svg.contains('…'),
            "long labels in a crowded axis are shortened"
        );
    }

    #[test]
    fn log_axes_drop_non_positive_points_and_draw_the_rest() {
        let svg = compare_chart(
            &axes(XScale::Log, true),
            &[(
                "a".into(),
                vec![
                    (0.0, 1.0, 0.1),
                    (1.0, 0.0, 0.0),
                    (10.0, 5.0, 9.0),
                    (1000.0, 50.0, 1.0),
                ],
            )],
        );
        assert!(!svg.contains("no data"));
        // Decade ticks on both axes.
        assert!(svg.contains(">\n1000\n</text>"), "{svg}");
    }

    #[test]
    fn several_series_get_a_legend_panel_with_every_name() {
        let s: Vec<CiSeries> = (0..9)
            .map(|i| {
                (
                    format!("lb.policy=p{i}"),
                    vec![(0.5, i as f64, 0.1), (0.9, i as f64 + 1.0, 0.2)],
                )
            })
            .collect();
        let svg = compare_chart(&axes(XScale::Linear, false), &s);
        for (name, _) in &s {
            assert!(svg.contains(&format!(">\n{name}\n</text>")), "{name}");
        }
    }

    #[test]
    fn nothing_drawable_says_no_data() {
        assert!(
            compare_chart(
                &axes(XScale::Log, false),
                &[("a".into(), vec![(0.0, 1.0, 0.0)])]
            )
            .contains("no data")
        );
        assert!(compare_chart(&axes(XScale::Categories(vec![]), false), &[]).contains("no data"));
    }
}
