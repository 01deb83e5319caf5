//! SVG markup of a [`Layout`]: a title line, the legend, node names, then the body (bands,
//! run-wide rows, lanes, arrows, marks, labels, times) and the node names again.

use std::fmt::Write as _;

use super::axis::ROW;
use super::layout::{Arrow, Fate, GUTTER, Label, Layout, RIGHT};
use super::legend::{LEGEND_ROW, Symbol, break_mark, color::*, cross, glyph, legend, legend_rows};
use crate::fmt::{fmt_secs, push_xml_escaped, xml_escape};

/// A compact time for the gutter: `0`, `250 µs`, `1.5 ms`, `2.25 s`.
pub(crate) fn short_time(ns: u64) -> String {
    let (unit, div) = match ns {
        0 => return "0".into(),
        n if n >= 1_000_000_000 => ("s", 1e9),
        n if n >= 1_000_000 => ("ms", 1e6),
        n if n >= 1_000 => ("µs", 1e3),
        _ => ("ns", 1.0),
    };
    let v = format!("{:.3}", ns as f64 / div);
    let v = v.trim_end_matches('0').trim_end_matches('.');
    format!("{v} {unit}")
}

/// The one-line summary above the legend: what the diagram holds and what it leaves out.
pub(crate) fn info(l: &Layout, total_nodes: usize) -> (String, bool) {
    let mut s = match l.span {
        Some((a, b)) => format!("{} events, {}–{} s", l.events, fmt_secs(a), fmt_secs(b)),
        None => "no events in the window".to_string(),
    };
    let mut cut = false;
    if l.skipped > 0 {
        cut = true;
        let _ = write!(
            s,
            " — truncated: {} more events in the window not shown (max {})",
            l.skipped, l.events
        );
    }
    if l.lanes.hidden > 0 {
        cut = true;
        let _ = write!(
            s,
            " — {} of {total_nodes} nodes have a lane (the busiest; pick others with --node); \
             the others' messages end on the last lane",
            l.lanes.shown.len()
        );
    }
    (s, cut)
}

/// The whole SVG document.
pub(crate) fn svg(l: &Layout, total_nodes: usize) -> String {
    let w = l.width;
    let legend_h = legend_rows(&l.used, w - 16.0) as f64 * LEGEND_ROW;
    let names_y = 30.0 + legend_h + 22.0;
    let top = names_y + 14.0;
    let height = top + l.bottom + 44.0;
    let mut s = String::with_capacity(8192 + 300 * (l.arrows.len() + l.marks.len()));
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {w:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"11\">"
    );
    s.push_str("<title>space-time diagram</title>\n<defs>\n");
    for (id, c) in [
        ("st-arr", BLUE),
        ("st-arr-dup", PURPLE),
        ("st-arr-late", "#bbbbbb"),
    ] {
        let _ = writeln!(
            s,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{c}\"/></marker>"
        );
    }
    s.push_str("</defs>\n");
    let _ = writeln!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{w:.0}\" height=\"{height:.0}\" fill=\"#ffffff\"/>"
    );
    let (text, cut) = info(l, total_nodes);
    let _ = writeln!(
        s,
        "<text x=\"8\" y=\"16\" fill=\"{}\">{}</text>",
        if cut { RED } else { "#555555" },
        xml_escape(&text)
    );
    legend(&mut s, &l.used, 8.0, 24.0, w - 16.0);
    names(&mut s, l, names_y);
    let _ = writeln!(
        s,
        "<text x=\"8\" y=\"{names_y:.1}\" fill=\"#555555\">time ↓</text>"
    );
    let _ = writeln!(s, "<g transform=\"translate(0,{top:.1})\">");
    body(&mut s, l);
    s.push_str("</g>\n");
    names(&mut s, l, top + l.bottom + 24.0);
    s.push_str("</svg>\n");
    s
}

fn names(s: &mut String, l: &Layout, y: f64) {
    for (x, name) in l.xs.iter().zip(&l.names) {
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"13\">{}</text>",
            xml_escape(name)
        );
    }
}

fn esc(t: &str) -> String {
    let mut o = String::with_capacity(t.len());
    push_xml_escaped(&mut o, t);
    o
}

fn body(s: &mut String, l: &Layout) {
    // Bands first: everything else is drawn over them.
    bands(s, l);
    violation_rows(s, l);
    idle_breaks(s, l);
    lane_lines(s, l);
    gutter_times(s, l);
    wide_marks(s, l);
    for a in &l.arrows {
        arrow(s, a, l.bottom);
    }
    for m in &l.marks {
        glyph(s, m.sym, m.x, m.y, &esc(&m.title));
    }
    for t in &l.labels {
        label(s, t);
    }
}

/// Down, paused and cut-off periods as rectangles beside their lanes.
fn bands(s: &mut String, l: &Layout) {
    for b in &l.bands {
        let (fill, dx, bw) = match b.sym {
            Symbol::Down => (DOWN_FILL, -6.0, 12.0),
            Symbol::Paused => (PAUSE_FILL, -6.0, 12.0),
            _ => (CUT_FILL, 6.0, 6.0),
        };
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{fill}\"><title>{}</title></rect>",
            b.x + dx,
            b.y0,
            (b.y1 - b.y0).max(1.0),
            esc(&b.title)
        );
    }
}

/// A red wash across the row of each violation.
fn violation_rows(s: &mut String, l: &Layout) {
    let w = l.width;
    for r in l.wide.iter().filter(|r| r.sym == Symbol::Violation) {
        let _ = writeln!(
            s,
            "<rect x=\"0\" y=\"{:.1}\" width=\"{w:.0}\" height=\"{ROW:.1}\" fill=\"{RED}\" opacity=\"0.25\"><title>{}</title></rect>",
            r.y - ROW / 2.0,
            esc(&r.title)
        );
    }
}

/// The axis's cuts, each with how long the run was idle there.
fn idle_breaks(s: &mut String, l: &Layout) {
    let w = l.width;
    for b in &l.axis.breaks {
        break_mark(s, GUTTER - 8.0, w - RIGHT, b.y);
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#999999\" font-size=\"9\" font-style=\"italic\">{} idle</text>",
            GUTTER - 10.0,
            b.y + 3.0,
            short_time(b.idle)
        );
    }
}

/// One vertical line per lane, dashed red over the periods its node is down.
fn lane_lines(s: &mut String, l: &Layout) {
    let bottom = l.bottom;
    for &x in &l.xs {
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#333333\" stroke-width=\"1\"/>"
        );
    }
    for b in l.bands.iter().filter(|b| b.sym == Symbol::Down) {
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{RED}\" stroke-width=\"2\" stroke-dasharray=\"4,3\"/>",
            b.y0,
            b.y1,
            x = b.x
        );
    }
}

/// Times in the gutter, thinned so they never overlap.
fn gutter_times(s: &mut String, l: &Layout) {
    let mut last = f64::MIN;
    for &(t, y) in &l.axis.rows {
        if y - last >= 13.0 {
            let _ = writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555555\" font-size=\"10\">{}</text>",
                GUTTER - 10.0,
                y + 3.5,
                short_time(t)
            );
            last = y;
        }
    }
}

/// Run-wide marks: heal and phase lines across the diagram, texts in the right margin.
fn wide_marks(s: &mut String, l: &Layout) {
    let w = l.width;
    let right = w - RIGHT + 10.0;
    for r in &l.wide {
        let t = esc(&r.title);
        let (c, bold) = match r.sym {
            Symbol::Heal | Symbol::Phase => {
                let (c, dash) = if r.sym == Symbol::Heal {
                    (GREEN, " stroke-dasharray=\"6,3\"")
                } else {
                    (GREY, "")
                };
                let _ = writeln!(
                    s,
                    "<line x1=\"{GUTTER:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{c}\" stroke-width=\"1\"{dash}><title>{t}</title></line>",
                    w - RIGHT,
                    y = r.y
                );
                (c, "")
            }
            Symbol::Violation => (RED, " font-weight=\"bold\""),
            Symbol::Rule => {
                glyph(s, Symbol::Rule, right - 2.0, r.y, &t);
                (GREY, "")
            }
            _ => (NOTE, ""),
        };
        let x = if r.sym == Symbol::Rule {
            right + 8.0
        } else {
            right
        };
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" fill=\"{c}\"{bold}>{}<title>{t}</title></text>",
            r.y + 3.5,
            xml_escape(&r.text)
        );
    }
}

/// A text label with a white halo, rotated along its arrow when it has an angle.
fn label(s: &mut String, t: &Label) {
    let rotate = if t.angle.abs() > 0.05 {
        format!(
            " transform=\"rotate({:.1} {:.1} {:.1})\"",
            t.angle, t.x, t.y
        )
    } else {
        String::new()
    };
    let (anchor, size) = if t.middle {
        (" text-anchor=\"middle\"", 9)
    } else {
        ("", 10)
    };
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\"{anchor}{rotate} font-size=\"{size}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
        t.x,
        t.y,
        t.color,
        xml_escape(&t.text)
    );
}

fn arrow(s: &mut String, a: &Arrow, bottom: f64) {
    let (x0, x1, y1) = (a.x0, a.x1, a.y1);
    let y0 = a.y0.unwrap_or(0.0);
    let (c, dash, marker, dot) = match a.fate {
        Fate::Dropped(_) => (GREY, " stroke-dasharray=\"5,3\"", "", BLUE),
        Fate::Delivered(0) => (BLUE, "", " marker-end=\"url(#st-arr)\"", BLUE),
        Fate::Delivered(_) => (
            PURPLE,
            " stroke-dasharray=\"2,2\"",
            " marker-end=\"url(#st-arr-dup)\"",
            PURPLE,
        ),
        Fate::InFlight => (
            "#bbbbbb",
            " stroke-dasharray=\"1,3\"",
            " marker-end=\"url(#st-arr-late)\"",
            BLUE,
        ),
    };
    let t = esc(&a.title);
    let y1 = if a.fate == Fate::InFlight { bottom } else { y1 };
    if a.looped {
        let _ = writeln!(
            s,
            "<path d=\"M{x0:.1},{y0:.1} C{:.1},{y0:.1} {:.1},{y1:.1} {x1:.1},{y1:.1}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"1.3\"{dash}{marker}><title>{t}</title></path>",
            x0 + 40.0,
            x0 + 40.0
        );
    } else {
        let _ = writeln!(
            s,
            "<line x1=\"{x0:.1}\" y1=\"{y0:.1}\" x2=\"{x1:.1}\" y2=\"{y1:.1}\" stroke=\"{c}\" stroke-width=\"1.3\"{dash}{marker}><title>{t}</title></line>"
        );
    }
    if a.y0.is_some() {
        let _ = writeln!(
            s,
            "<circle cx=\"{x0:.1}\" cy=\"{y0:.1}\" r=\"2.5\" fill=\"{dot}\"/>"
        );
    }
    if let Fate::Dropped(_) = a.fate {
        cross(s, x1, y1, 4.0, RED, 2.0, &format!("<title>{t}</title>"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spacetime::SpacetimeOptions;
    use crate::spacetime::layout::layout;
    use crate::testdata::{generated, names, sample_trace};

    #[test]
    fn short_times() {
        assert_eq!(short_time(0), "0");
        assert_eq!(short_time(999), "999 ns");
        assert_eq!(short_time(250_000), "250 µs");
        assert_eq!(short_time(1_500_000), "1.5 ms");
        assert_eq!(short_time(2_250_000_000), "2.25 s");
    }

    /// The legend comes first, then the node names; the names are repeated below the lanes.
    #[test]
    fn legend_on_top_and_names_at_both_ends() {
        let l = layout(&names(), sample_trace(), &SpacetimeOptions::default());
        let s = svg(&l, 3);
        let legend = s.find("<g class=\"legend\">").unwrap();
        let first_name = s.find(">n0</text>").unwrap();
        let body = s.find("<g transform=").unwrap();
        assert!(legend < first_name && first_name < body);
        for n in ["n0", "n1", "n2"] {
            assert_eq!(s.matches(&format!(">{n}</text>")).count(), 2, "{n}");
        }
        let (text, cut) = info(&l, 3);
        assert_eq!(text, "28 events, 0.000000–0.006500 s");
        assert!(!cut);
    }

    /// What is left out is said at the top, in red: events past the limit, nodes without a
    /// lane.
    #[test]
    fn the_top_line_says_what_is_left_out() {
        let nodes: Vec<String> = (0..30).map(|i| format!("n{i}")).collect();
        let opts = SpacetimeOptions {
            max_events: 50,
            ..Default::default()
        };
        let l = layout(&nodes, generated(200, 30), &opts);
        let (text, cut) = info(&l, 30);
        assert!(cut);
        assert!(text.contains("truncated: 150 more events"), "{text}");
        assert!(text.contains("20 of 30 nodes have a lane"), "{text}");
        let s = svg(&l, 30);
        assert!(s.contains(">+10 others</text>"));
    }
}
