//! Space-time (Lamport) diagram as a self-contained SVG, written by hand.
//!
//! * One vertical line per node, named at the top; time flows downward.
//! * Messages are arrows from the send to the delivery. A duplicated copy is purple and
//!   dotted; a dropped copy is a grey dashed line ending in a red ✕ at the drop instant (on
//!   the destination's line if it was dropped because the destination was crashed, half-way
//!   otherwise: lost in the network); a copy still in flight at the end of the window is a
//!   faint line running to the bottom. Messages sent before the window start at the top.
//! * Crashes are a red ✕, then the node's line is dashed red on a pink band until the
//!   restart (green ▲);
//!   pauses are a grey band until the resume; timers are circles (hollow: set, orange:
//!   fired); clock steps and drift changes are orange diamonds; notes, observations and
//!   persists are small dots/squares. `cut` is a dotted orange line between the two nodes;
//!   `heal` and `phase` are horizontal lines across the diagram, labelled on the right; a
//!   violation is a red horizontal band with its property name. Every mark has a `<title>`
//!   tooltip with the event's time, index and details.
//!
//! Vertical axis (hybrid, piecewise): every event gets its own row of 16 px, in trace
//! order, so events at the same instant stay apart and keep their kernel order; on top of
//! that, the gap before an event grows with the time elapsed since the previous one:
//! `16 px × min(3, ½·log10(1 + Δt/1µs))` — nothing at the same instant, ~1.5 rows after a
//! millisecond, 3 rows (the cap) after a second — so quiet periods show as white space
//! without dwarfing busy ones. Times (s) are printed in the left gutter whenever the time
//! changes (thinned so labels never overlap).
//!
//! Output is deterministic: coordinates are printed with one decimal, and the only inputs
//! are the trace, the node names and [`SpacetimeOptions`].

use std::fmt::Write as _;

use sim::trace::{EventKind, TraceLine};

use crate::common::{Flights, MessageStep, message_step, node_name, site, what};
use crate::fmt::{fmt_secs, fmt_signed_secs, push_xml_escaped, xml_escape};
use crate::timeline::detail;

/// What part of a trace the diagram shows, and how big it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpacetimeOptions {
    /// First time shown (ns, inclusive); `None`: from the start.
    pub from: Option<u64>,
    /// Last time shown (ns, inclusive); `None`: to the end.
    pub to: Option<u64>,
    /// At most this many events are drawn; the rest of the window is counted and reported
    /// as "truncated".
    pub max_events: usize,
    /// Width of the SVG in px (the height follows from the events).
    pub width: u32,
}

impl Default for SpacetimeOptions {
    fn default() -> Self {
        SpacetimeOptions {
            from: None,
            to: None,
            max_events: 2000,
            width: 960,
        }
    }
}

const ROW: f64 = 16.0;
const TOP: f64 = 64.0;
const GUTTER: f64 = 84.0;
const RIGHT: f64 = 180.0;
const BLUE: &str = "#1f77b4";
const PURPLE: &str = "#9467bd";
const RED: &str = "#d62728";
const GREEN: &str = "#2ca02c";
const ORANGE: &str = "#ff7f0e";
const GREY: &str = "#888888";

/// Where a message copy started.
#[derive(Clone)]
struct Origin {
    from: u32,
    to: u32,
    /// `None`: sent before the window.
    y: Option<f64>,
    /// Tooltip of the send/duplicate (empty before the window).
    title: String,
}

struct Arrow {
    from: u32,
    to: u32,
    y0: Option<f64>,
    y1: f64,
    copy: u32,
    /// Drop reason, if the copy was dropped.
    dropped: Option<String>,
    title: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BandKind {
    Down,
    Paused,
}

struct Band {
    node: u32,
    y0: f64,
    y1: f64,
    kind: BandKind,
}

struct Placed {
    line: TraceLine,
    y: f64,
}

/// Renders the space-time diagram of `lines` (in trace order) as an SVG document.
pub fn spacetime_svg(
    nodes: &[String],
    lines: impl IntoIterator<Item = TraceLine>,
    opts: &SpacetimeOptions,
) -> String {
    let n_nodes = nodes.len() as u32;
    let mut flights: Flights<Origin> = Flights::default();
    let mut placed: Vec<Placed> = Vec::new();
    let mut arrows: Vec<Arrow> = Vec::new();
    let mut bands: Vec<Band> = Vec::new();
    // Open bands: per node, y where the node went down / paused (TOP if before the window).
    let mut down: Vec<Option<f64>> = vec![None; nodes.len()];
    let mut paused: Vec<Option<f64>> = vec![None; nodes.len()];
    let mut skipped = 0u64;
    let mut y = TOP;
    let mut prev_t: Option<u64> = None;

    for l in lines {
        if opts.to.is_some_and(|to| l.t > to) {
            break;
        }
        let before = opts.from.is_some_and(|f| l.t < f);
        if !before && placed.len() >= opts.max_events {
            skipped += 1;
            continue;
        }
        let ey = if before {
            None
        } else {
            y = match prev_t {
                None => TOP + ROW,
                Some(p) => {
                    let dt_us = (l.t.saturating_sub(p)) as f64 / 1_000.0;
                    y + ROW + ROW * (0.5 * (1.0 + dt_us).log10()).min(3.0)
                }
            };
            prev_t = Some(l.t);
            Some(y)
        };
        let band_y = ey.unwrap_or(TOP);
        if let Some(node) = l.node.filter(|&n| n < n_nodes) {
            let i = node as usize;
            match l.ev {
                EventKind::Crash => {
                    down[i].get_or_insert(band_y);
                }
                EventKind::Restart => {
                    if let (Some(y0), Some(_)) = (down[i].take(), ey) {
                        bands.push(Band {
                            node,
                            y0,
                            y1: band_y,
                            kind: BandKind::Down,
                        });
                    }
                }
                EventKind::Pause => {
                    paused[i].get_or_insert(band_y);
                }
                EventKind::Resume => {
                    if let (Some(y0), Some(_)) = (paused[i].take(), ey) {
                        bands.push(Band {
                            node,
                            y0,
                            y1: band_y,
                            kind: BandKind::Paused,
                        });
                    }
                }
                EventKind::Start
                | EventKind::Send
                | EventKind::Deliver
                | EventKind::Drop
                | EventKind::Duplicate
                | EventKind::TimerSet
                | EventKind::TimerFire
                | EventKind::TimerCancel
                | EventKind::Cut
                | EventKind::Heal
                | EventKind::ClockStep
                | EventKind::Drift
                | EventKind::Persist
                | EventKind::Note
                | EventKind::Observe
                | EventKind::Rule
                | EventKind::Phase
                | EventKind::Violation => {}
            }
        }
        if let (Some(step), Some(msg), Some(from), Some(to)) =
            (message_step(l.ev), l.msg, l.from, l.to)
        {
            let origin = || Origin {
                from,
                to,
                y: ey,
                title: if ey.is_some() {
                    title(nodes, &l)
                } else {
                    String::new()
                },
            };
            // A copy lands (`dropped`: the drop reason, `None` if delivered): the oldest open
            // copy's arrow ends here.
            let land = |flights: &mut Flights<Origin>, arrows: &mut Vec<Arrow>, dropped| {
                let landed = flights.land(msg);
                if let Some(y1) = ey {
                    let (copy, origin) = landed.unwrap_or((
                        0,
                        Origin {
                            from,
                            to,
                            y: None,
                            title: String::new(),
                        },
                    ));
                    arrows.push(Arrow {
                        from: origin.from,
                        to,
                        y0: origin.y,
                        y1,
                        copy,
                        dropped,
                        title: title(nodes, &l),
                    });
                }
            };
            match step {
                MessageStep::Send => flights.launch(msg, origin()),
                MessageStep::Duplicate => {
                    flights.duplicate(msg, origin());
                }
                MessageStep::Deliver => land(&mut flights, &mut arrows, None),
                MessageStep::Drop => {
                    let reason = l.reason.clone().unwrap_or_else(|| "?".into());
                    land(&mut flights, &mut arrows, Some(reason));
                }
            }
        }
        if let Some(y) = ey {
            placed.push(Placed { line: l, y });
        }
    }

    let bottom = y + ROW * 1.5;
    for (i, (d, p)) in down.iter().zip(&paused).enumerate() {
        if let Some(y0) = d {
            bands.push(Band {
                node: i as u32,
                y0: *y0,
                y1: bottom,
                kind: BandKind::Down,
            });
        }
        if let Some(y0) = p {
            bands.push(Band {
                node: i as u32,
                y0: *y0,
                y1: bottom,
                kind: BandKind::Paused,
            });
        }
    }
    let in_flight: Vec<(u64, u32, Origin)> =
        flights.drain().filter(|(_, _, o)| o.y.is_some()).collect();

    let g = Geometry {
        width: opts.width.max(320) as f64,
        n: n_nodes.max(1) as f64,
    };
    let legend_y = bottom + 24.0;
    let height = legend_y + 64.0;
    let mut s = String::with_capacity(4096 + placed.len() * 220);
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {w:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"11\">",
        w = g.width
    );
    s.push_str("<title>space-time diagram</title>\n<defs>\n");
    for (id, color) in [
        ("st-arr", BLUE),
        ("st-arr-dup", PURPLE),
        ("st-arr-late", "#bbbbbb"),
    ] {
        let _ = writeln!(
            s,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{color}\"/></marker>"
        );
    }
    s.push_str("</defs>\n");
    let _ = writeln!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{:.0}\" height=\"{height:.0}\" fill=\"#ffffff\"/>",
        g.width
    );
    let _ = writeln!(
        s,
        "<text x=\"8\" y=\"{:.1}\" fill=\"#555555\">time (s) ↓</text>",
        TOP - 30.0
    );

    // Bands under everything else.
    for b in &bands {
        let (fill, what) = match b.kind {
            BandKind::Down => ("#fbe3e3", "down"),
            BandKind::Paused => ("#cccccc", "paused"),
        };
        let x = g.x(b.node);
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12.0\" height=\"{:.1}\" fill=\"{fill}\" opacity=\"0.8\"><title>{} {what}</title></rect>",
            x - 6.0,
            b.y0,
            (b.y1 - b.y0).max(1.0),
            xml_escape(&node_name(nodes, b.node))
        );
    }
    for p in &placed {
        match p.line.ev {
            EventKind::Violation => {
                let _ = writeln!(
                    s,
                    "<rect x=\"0\" y=\"{:.1}\" width=\"{:.0}\" height=\"{ROW:.1}\" fill=\"{RED}\" opacity=\"0.3\"><title>{}</title></rect>",
                    p.y - ROW / 2.0,
                    g.width,
                    title(nodes, &p.line)
                );
            }
            EventKind::Start
            | EventKind::Send
            | EventKind::Deliver
            | EventKind::Drop
            | EventKind::Duplicate
            | EventKind::TimerSet
            | EventKind::TimerFire
            | EventKind::TimerCancel
            | EventKind::Crash
            | EventKind::Restart
            | EventKind::Pause
            | EventKind::Resume
            | EventKind::Cut
            | EventKind::Heal
            | EventKind::ClockStep
            | EventKind::Drift
            | EventKind::Persist
            | EventKind::Note
            | EventKind::Observe
            | EventKind::Rule
            | EventKind::Phase => {}
        }
    }

    // Lanes.
    for i in 0..n_nodes {
        let x = g.x(i);
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#333333\" stroke-width=\"1\"/>",
            TOP - 8.0
        );
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"13\">{}</text>",
            TOP - 16.0,
            xml_escape(&node_name(nodes, i))
        );
    }

    for b in bands.iter().filter(|b| b.kind == BandKind::Down) {
        let x = g.x(b.node);
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{RED}\" stroke-width=\"2\" stroke-dasharray=\"4,3\"/>",
            b.y0, b.y1
        );
    }

    // Time gutter.
    let mut last_label: Option<(u64, f64)> = None;
    for p in &placed {
        let show = match last_label {
            None => true,
            Some((t, ly)) => p.line.t != t && p.y - ly >= 12.0,
        };
        if show {
            let _ = writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555555\" font-size=\"10\">{}</text>",
                GUTTER - 10.0,
                p.y + 3.5,
                fmt_secs(p.line.t)
            );
            last_label = Some((p.line.t, p.y));
        }
    }

    // Run-wide marks.
    let right_x = g.width - RIGHT + 8.0;
    for p in &placed {
        let l = &p.line;
        let y = p.y;
        let label = |s: &mut String, color: &str, weight: &str, text: &str| {
            let _ = writeln!(
                s,
                "<text x=\"{right_x:.1}\" y=\"{:.1}\" fill=\"{color}\"{weight}>{}</text>",
                y + 3.5,
                xml_escape(text)
            );
        };
        // `heal` and `phase`: a horizontal line across the diagram, labelled on the right.
        let across = |s: &mut String, color: &str, dash: &str, text: &str| {
            let _ = writeln!(
                s,
                "<line x1=\"{GUTTER:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{color}\" stroke-width=\"1\"{dash}><title>{}</title></line>",
                g.width - RIGHT,
                title(nodes, l)
            );
            label(s, color, "", text);
        };
        match l.ev {
            EventKind::Heal => across(&mut s, GREEN, " stroke-dasharray=\"6,3\"", "heal"),
            EventKind::Phase => {
                let text = format!("phase: {}", l.text.as_deref().unwrap_or(""));
                across(&mut s, GREY, "", &text);
            }
            EventKind::Violation => {
                let text = format!("violation: {}", l.text.as_deref().unwrap_or(""));
                label(&mut s, RED, " font-weight=\"bold\"", &text);
            }
            EventKind::Rule => {
                let sign = if l.delta == Some(0) { '-' } else { '+' };
                label(
                    &mut s,
                    GREY,
                    "",
                    &format!("rule {sign}{}", l.text.as_deref().unwrap_or("")),
                );
            }
            // A note on a node is a dot on its lane (below); one without is run-wide.
            EventKind::Note => {
                if l.node.is_none() {
                    label(
                        &mut s,
                        "#555555",
                        "",
                        &format!("note: {}", l.text.as_deref().unwrap_or("")),
                    );
                }
            }
            EventKind::Cut => {
                if let (Some(a), Some(b)) = (l.from, l.to) {
                    let (xa, xb) = (g.x(a), g.x(b));
                    let _ = writeln!(
                        s,
                        "<g><title>{}</title><line x1=\"{xa:.1}\" y1=\"{y:.1}\" x2=\"{xb:.1}\" y2=\"{y:.1}\" stroke=\"{ORANGE}\" stroke-width=\"2\" stroke-dasharray=\"2,3\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{ORANGE}\" font-size=\"10\">cut</text></g>",
                        title(nodes, l),
                        (xa + xb) / 2.0,
                        y - 3.0
                    );
                }
            }
            // Drawn on their node's lane, or as message arrows.
            EventKind::Start
            | EventKind::Send
            | EventKind::Deliver
            | EventKind::Drop
            | EventKind::Duplicate
            | EventKind::TimerSet
            | EventKind::TimerFire
            | EventKind::TimerCancel
            | EventKind::Crash
            | EventKind::Restart
            | EventKind::Pause
            | EventKind::Resume
            | EventKind::ClockStep
            | EventKind::Drift
            | EventKind::Persist
            | EventKind::Observe => {}
        }
    }

    // Messages.
    for a in &arrows {
        draw_arrow(&mut s, &g, a);
    }
    for (_, _, o) in &in_flight {
        let _ = writeln!(
            s,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{bottom:.1}\" stroke=\"#bbbbbb\" stroke-width=\"1.2\" stroke-dasharray=\"1,3\" marker-end=\"url(#st-arr-late)\"><title>{} (still in flight at the end of the window)</title></line>",
            g.x(o.from),
            o.y.unwrap_or(TOP),
            g.x(o.to),
            o.title
        );
    }

    // Node marks.
    for p in &placed {
        let l = &p.line;
        let Some(node) = site(l).filter(|&n| n < n_nodes) else {
            continue;
        };
        let (x, y) = (g.x(node), p.y);
        let t = title(nodes, l);
        match l.ev {
            EventKind::Send | EventKind::Deliver => {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"{BLUE}\"><title>{t}</title></circle>"
                );
            }
            EventKind::Duplicate => {
                let _ = writeln!(
                    s,
                    "<path d=\"M{:.1},{y:.1} h8 M{x:.1},{:.1} v8\" stroke=\"{PURPLE}\" stroke-width=\"2\"><title>{t}</title></path>",
                    x - 4.0,
                    y - 4.0
                );
            }
            EventKind::Start => {
                let _ = writeln!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8.0\" height=\"8.0\" fill=\"#ffffff\" stroke=\"#333333\"><title>{t}</title></rect>",
                    x - 4.0,
                    y - 4.0
                );
            }
            EventKind::Persist => {
                let _ = writeln!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"6.0\" height=\"6.0\" fill=\"#2f6f4f\"><title>{t}</title></rect>",
                    x - 3.0,
                    y - 3.0
                );
            }
            EventKind::TimerSet => {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#ffffff\" stroke=\"{GREY}\"><title>{t}</title></circle>"
                );
            }
            EventKind::TimerFire => {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.0\" fill=\"{ORANGE}\" stroke=\"#333333\" stroke-width=\"0.5\"><title>{t}</title></circle>"
                );
            }
            EventKind::TimerCancel => cross(&mut s, x, y, 3.0, GREY, 1.0, &t),
            EventKind::Crash => cross(&mut s, x, y, 6.0, RED, 2.5, &t),
            EventKind::Restart => {
                let _ = writeln!(
                    s,
                    "<path d=\"M{x:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} z\" fill=\"{GREEN}\"><title>{t}</title></path>",
                    y - 6.0,
                    x + 6.0,
                    y + 5.0,
                    x - 6.0,
                    y + 5.0
                );
            }
            EventKind::Pause | EventKind::Resume => {
                let _ = writeln!(
                    s,
                    "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#555555\" stroke-width=\"2\"><title>{t}</title></line>",
                    x - 8.0,
                    x + 8.0
                );
            }
            EventKind::ClockStep => {
                let label = l.delta.map(fmt_signed_secs).unwrap_or_default();
                diamond(&mut s, x, y, ORANGE, &label, &t);
            }
            EventKind::Drift => {
                let label = l.delta.map(|d| format!("{d:+} ppm")).unwrap_or_default();
                diamond(&mut s, x, y, "#ffffff", &label, &t);
            }
            EventKind::Note => {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"#555555\"><title>{t}</title></circle>"
                );
            }
            EventKind::Observe => {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.0\" fill=\"#17becf\"><title>{t}</title></circle>"
                );
            }
            // A drop is the ✕ at the end of its arrow; the rest are run-wide marks (above)
            // or have no node to sit on.
            EventKind::Drop
            | EventKind::Cut
            | EventKind::Heal
            | EventKind::Rule
            | EventKind::Phase
            | EventKind::Violation => {}
        }
    }

    // Footer: window, truncation, legend.
    let first = placed.first().map(|p| p.line.t);
    let last = placed.last().map(|p| p.line.t);
    let mut info = match (first, last) {
        (Some(a), Some(b)) => format!("{} events, {}–{} s", placed.len(), fmt_secs(a), fmt_secs(b)),
        _ => "no events in the window".to_string(),
    };
    if skipped > 0 {
        let _ = write!(
            info,
            " — truncated: {skipped} more events in the window not shown (max {})",
            opts.max_events
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"8\" y=\"{:.1}\" fill=\"{}\">{}</text>",
        bottom + 14.0,
        if skipped > 0 { RED } else { "#555555" },
        xml_escape(&info)
    );
    legend(&mut s, legend_y + 12.0);
    s.push_str("</svg>\n");
    s
}

struct Geometry {
    width: f64,
    n: f64,
}

impl Geometry {
    fn x(&self, node: u32) -> f64 {
        let spacing = (self.width - GUTTER - RIGHT) / self.n;
        GUTTER + (node as f64 + 0.5) * spacing
    }
}

fn title(nodes: &[String], l: &TraceLine) -> String {
    let mut s = String::with_capacity(64);
    s.push_str("t=");
    s.push_str(&fmt_secs(l.t));
    let _ = write!(s, "s #{} {}", l.i, l.ev);
    let w = what(l);
    if !w.is_empty() {
        s.push(' ');
        s.push_str(&w);
    }
    let d = detail(nodes, l);
    if !d.is_empty() {
        s.push(' ');
        s.push_str(&d);
    }
    let mut out = String::with_capacity(s.len());
    push_xml_escaped(&mut out, &s);
    out
}

/// A clock mark: a diamond filled with `fill`, labelled on its right.
fn diamond(s: &mut String, x: f64, y: f64, fill: &str, label: &str, title: &str) {
    let _ = writeln!(
        s,
        "<path d=\"M{x:.1},{:.1} L{:.1},{y:.1} L{x:.1},{:.1} L{:.1},{y:.1} z\" fill=\"{fill}\" stroke=\"{ORANGE}\"><title>{title}</title></path>",
        y - 5.0,
        x + 5.0,
        y + 5.0,
        x - 5.0
    );
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{ORANGE}\" font-size=\"9\">{}</text>",
        x + 8.0,
        y + 3.0,
        xml_escape(label)
    );
}

fn cross(s: &mut String, x: f64, y: f64, r: f64, color: &str, w: f64, title: &str) {
    let _ = writeln!(
        s,
        "<path d=\"M{:.1},{:.1} L{:.1},{:.1} M{:.1},{:.1} L{:.1},{:.1}\" stroke=\"{color}\" stroke-width=\"{w:.1}\"><title>{title}</title></path>",
        x - r,
        y - r,
        x + r,
        y + r,
        x - r,
        y + r,
        x + r,
        y - r
    );
}

fn draw_arrow(s: &mut String, g: &Geometry, a: &Arrow) {
    let x0 = g.x(a.from);
    let y0 = a.y0.unwrap_or(TOP);
    let xt = g.x(a.to);
    let (color, dash, marker) = match (&a.dropped, a.copy) {
        (Some(_), _) => (GREY, " stroke-dasharray=\"5,3\"", ""),
        (None, 0) => (BLUE, "", " marker-end=\"url(#st-arr)\""),
        (None, _) => (
            PURPLE,
            " stroke-dasharray=\"2,2\"",
            " marker-end=\"url(#st-arr-dup)\"",
        ),
    };
    // A copy lost in the network ends just short of its destination (24 px, or half-way
    // for close lanes); one dropped because the destination was down ends on its lane.
    let x1 = match a.dropped.as_deref() {
        Some("crashed") | None => xt,
        Some(_) => xt - (xt - x0).signum() * (xt - x0).abs().min(48.0) / 2.0,
    };
    let y1 = a.y1;
    let early = if a.y0.is_none() {
        " (sent before the window)"
    } else {
        ""
    };
    if a.from == a.to && a.dropped.is_none() {
        let _ = writeln!(
            s,
            "<path d=\"M{x0:.1},{y0:.1} C{:.1},{y0:.1} {:.1},{y1:.1} {x1:.1},{y1:.1}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.3\"{dash}{marker}><title>{}{early}</title></path>",
            x0 + 40.0,
            x0 + 40.0,
            a.title
        );
    } else {
        let _ = writeln!(
            s,
            "<line x1=\"{x0:.1}\" y1=\"{y0:.1}\" x2=\"{x1:.1}\" y2=\"{y1:.1}\" stroke=\"{color}\" stroke-width=\"1.3\"{dash}{marker}><title>{}{early}</title></line>",
            a.title
        );
    }
    if a.dropped.is_some() {
        cross(s, x1, y1, 4.5, RED, 2.0, &a.title);
    }
}

fn legend(s: &mut String, y: f64) {
    enum Mark {
        Line(&'static str, &'static str),
        Band(&'static str, &'static str),
        Down,
        Dot(&'static str),
    }
    let items = [
        (Mark::Line(BLUE, ""), "message"),
        (Mark::Line(PURPLE, " stroke-dasharray=\"2,2\""), "duplicate"),
        (Mark::Line(GREY, " stroke-dasharray=\"5,3\""), "dropped (✕)"),
        (
            Mark::Line("#bbbbbb", " stroke-dasharray=\"1,3\""),
            "in flight",
        ),
        (Mark::Down, "crashed"),
        (Mark::Band("#cccccc", "1"), "paused"),
        (Mark::Dot(ORANGE), "timer fired"),
        (Mark::Band(RED, "0.3"), "violation"),
    ];
    let mut x = 8.0;
    for (mark, text) in items {
        let _ = match mark {
            Mark::Line(color, dash) => writeln!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{color}\" stroke-width=\"1.3\"{dash}/>",
                x + 20.0
            ),
            Mark::Band(color, opacity) => writeln!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12.0\" height=\"12.0\" fill=\"{color}\" opacity=\"{opacity}\"/>",
                x + 4.0,
                y - 6.0
            ),
            Mark::Down => writeln!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12.0\" height=\"12.0\" fill=\"#fbe3e3\"/><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{RED}\" stroke-width=\"2\" stroke-dasharray=\"4,3\"/>",
                x + 4.0,
                y - 6.0,
                x + 10.0,
                y - 6.0,
                x + 10.0,
                y + 6.0
            ),
            Mark::Dot(color) => {
                writeln!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4.0\" fill=\"{color}\"/>",
                    x + 10.0
                )
            }
        };
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333333\" font-size=\"10\">{text}</text>",
            x + 26.0,
            y + 3.5
        );
        x += 26.0 + 6.0 * text.chars().count() as f64 + 14.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{generated, names, sample_trace};

    #[test]
    fn spacetime_snapshot() {
        let svg = spacetime_svg(&names(), sample_trace(), &SpacetimeOptions::default());
        insta::assert_snapshot!(svg);
    }

    #[test]
    fn svg_is_well_formed_enough() {
        let svg = spacetime_svg(&names(), sample_trace(), &SpacetimeOptions::default());
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        // The note's text is escaped.
        assert!(svg.contains("decided &lt;commit&gt; &amp; &quot;done&quot;"));
        assert!(!svg.contains("<commit>"));
        // One lane per node, drops end in crosses, the violation is labelled.
        for n in ["n0", "n1", "n2"] {
            assert!(svg.contains(&format!(">{n}</text>")));
        }
        assert!(svg.contains("violation: agreement"));
        assert!(svg.contains("stroke-dasharray=\"5,3\""));
        assert!(svg.contains("url(#st-arr-dup)"));
        assert!(svg.contains("still in flight"));
        // Deterministic.
        assert_eq!(
            svg,
            spacetime_svg(&names(), sample_trace(), &SpacetimeOptions::default())
        );
    }

    #[test]
    fn window_and_truncation() {
        let ms = 1_000_000;
        let opts = SpacetimeOptions {
            from: Some(2 * ms),
            to: Some(4 * ms),
            ..Default::default()
        };
        let svg = spacetime_svg(&names(), sample_trace(), &opts);
        assert!(
            !svg.contains("#0 start"),
            "events before the window are not drawn"
        );
        assert!(
            !svg.contains("agreement"),
            "events after the window are not drawn"
        );
        assert!(svg.contains("vote#3"));
        // prepare#1 was sent before the window and delivered in it: an arrow from the top.
        assert!(svg.contains("sent before the window"));

        let opts = SpacetimeOptions {
            max_events: 100,
            ..Default::default()
        };
        let svg = spacetime_svg(&names(), generated(1_000, 3), &opts);
        assert!(
            svg.contains("truncated: 900 more events"),
            "{}",
            &svg[svg.len() - 2000..]
        );
    }

    #[test]
    fn degenerate_inputs() {
        let svg = spacetime_svg(&[], Vec::new(), &SpacetimeOptions::default());
        assert!(svg.contains("no events in the window"));
        // Unknown node indices and missing fields do not panic.
        let odd = vec![
            TraceLine {
                from: Some(7),
                to: Some(9),
                msg: Some(1),
                ..TraceLine::new(0, 0, EventKind::Deliver)
            },
            TraceLine {
                node: Some(42),
                ..TraceLine::new(0, 0, EventKind::Crash)
            },
            TraceLine::new(0, 0, EventKind::Send),
        ];
        let svg = spacetime_svg(
            &names(),
            odd,
            &SpacetimeOptions {
                width: 10,
                ..Default::default()
            },
        );
        assert!(svg.ends_with("</svg>\n"));
    }
}
