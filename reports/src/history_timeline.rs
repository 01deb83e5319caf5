//! A whole client history at a glance, as an SVG of fixed width: one lane per client, time
//! to scale along a labelled axis (simulated nanoseconds), each operation a bar from its
//! invocation to its return. Where [`crate::history`] spreads a few operations out by rank to
//! show which overlap, this one keeps hundreds on one screen: labels only where they fit
//! (every bar has its text on hover), the culprit of a violation ringed with a guide line
//! down every lane, and operations that do not bear on the verdict (another key's) faded.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::fmt::{fmt_f64, push_xml_escaped, xml_escape};
use crate::history::{DrawnOp, Mark};

const WIDTH: f64 = 1060.0;
const TOP: f64 = 64.0;
const LANE: f64 = 26.0;
const BAR: f64 = 13.0;
/// A bar's top below its lane's top.
const BAR_TOP: f64 = 2.0;
/// An open-ended operation's line below its lane's top (under the bars).
const OPEN_Y: f64 = 20.0;
const RIGHT: f64 = 24.0;
/// Room under the lanes for the axis and its labels.
const AXIS: f64 = 34.0;
/// Average advance of a character at font size 10, for deciding whether a label fits.
const CHAR: f64 = 5.8;
/// Characters a cut label keeps at least (else it is left out).
const MIN_CUT: usize = 8;
/// Bars are at least this wide, so an instant operation still shows.
const MIN_BAR: f64 = 2.0;

/// How the overview draws one operation, beyond [`DrawnOp`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedOp {
    /// The operation.
    pub op: DrawnOp,
    /// Drawn faded: it does not bear on the verdict (another key than the failing one).
    pub faded: bool,
}

/// The SVG document for `ops` (ticks in nanoseconds of simulated time), titled `title`.
pub fn history_timeline_svg(title: &str, ops: &[TimedOp]) -> String {
    let mut lanes: BTreeMap<&str, usize> = BTreeMap::new();
    for o in ops {
        let next = lanes.len();
        lanes.entry(o.op.client.as_str()).or_insert(next);
    }
    let longest = lanes.keys().map(|n| n.chars().count()).max().unwrap_or(0);
    let left = (16.0 + 6.2 * longest as f64).clamp(60.0, 220.0);
    let first = ops.iter().map(|o| o.op.invoke).min().unwrap_or(0);
    let last = ops
        .iter()
        .map(|o| o.op.ret.unwrap_or(o.op.invoke))
        .max()
        .unwrap_or(first);
    // The axis starts at a labelled round time; unknown outcomes run past the last return,
    // to an open end.
    let step = round_step((last - first).max(1) as f64 / 8.0);
    let t0 = ((first as f64 / step).floor() * step) as u64;
    let span = (last - t0).max(1) as f64 * 1.04;
    let plot = WIDTH - left - RIGHT;
    let x = |t: u64| left + (t - t0) as f64 / span * plot;
    let open_end = left + plot;
    let height = TOP + LANE * lanes.len() as f64 + AXIS;
    let mut s = String::with_capacity(512 + 260 * ops.len());
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {WIDTH:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"10\">"
    );
    s.push_str(
        "<style>.plain{fill:#e5e7eb;stroke:#6b7280}.lin{fill:#bbf7d0;stroke:#15803d}\
         .culprit{fill:#fecaca;stroke:#b91c1c;stroke-width:2}\
         .open{stroke-dasharray:4 3;fill:none;stroke-width:1.5}.faded{opacity:.3}\
         .lane{stroke:#e5e7eb}.axis{stroke:#6b7280}.guide{stroke:#b91c1c;stroke-dasharray:3 3}\
         </style>\n",
    );
    let _ = writeln!(
        s,
        "<text x=\"8\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        xml_escape(title)
    );
    legend(&mut s, ops);
    for (name, &i) in &lanes {
        let y = TOP + LANE * i as f64 + LANE / 2.0;
        let _ = writeln!(
            s,
            "<line class=\"lane\" x1=\"{left:.1}\" y1=\"{y}\" x2=\"{open_end:.1}\" y2=\"{y}\"/>\
             <text x=\"8\" y=\"{:.1}\">{}</text>",
            y + 3.5,
            xml_escape(name)
        );
    }
    axis(
        &mut s,
        left,
        plot,
        (t0, step),
        span,
        TOP + LANE * lanes.len() as f64,
    );
    // Unknown outcomes first, under the bars of the operations after them.
    let order = ops
        .iter()
        .filter(|o| o.op.ret.is_none())
        .chain(ops.iter().filter(|o| o.op.ret.is_some()));
    for o in order {
        let lane = lanes[o.op.client.as_str()];
        let y = TOP + LANE * lane as f64;
        let x0 = x(o.op.invoke);
        let x1 = o.op.ret.map_or(open_end, &x).max(x0 + MIN_BAR);
        // A label may run past its bar, but not into the lane's next bar.
        let next = ops
            .iter()
            .filter(|p| {
                p.op.client == o.op.client && p.op.ret.is_some() && p.op.invoke > o.op.invoke
            })
            .map(|p| x(p.op.invoke))
            .fold(open_end, f64::min);
        bar(&mut s, o, (x0, x1, next), y);
    }
    if let Some(c) = ops.iter().find(|o| o.op.mark == Mark::Culprit) {
        let cx = x(c.op.invoke);
        let _ = writeln!(
            s,
            "<line class=\"guide\" x1=\"{cx:.1}\" y1=\"{:.1}\" x2=\"{cx:.1}\" y2=\"{:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#b91c1c\" text-anchor=\"{}\">cannot be placed</text>",
            TOP - 6.0,
            TOP + LANE * lanes.len() as f64,
            cx,
            TOP - 9.0,
            if cx > WIDTH - 120.0 { "end" } else { "middle" }
        );
    }
    s.push_str("</svg>\n");
    s
}

/// One operation in the lane whose top is `y`: a bar with its label if it fits, or for an
/// unknown outcome a start mark and a dashed line to the open end, under the bars (the
/// client went on with other operations meanwhile); and its hover text.
fn bar(s: &mut String, o: &TimedOp, (x0, x1, next): (f64, f64, f64), y: f64) {
    let class = match o.op.mark {
        Mark::Plain => "plain",
        Mark::Linearized(_) => "lin",
        Mark::Culprit => "culprit",
    };
    let faded = if o.faded { " class=\"faded\"" } else { "" };
    let mut label = String::new();
    if let Mark::Linearized(n) = o.op.mark {
        let _ = write!(label, "{n}. ");
    }
    label.push_str(&o.op.label);
    let _ = write!(
        s,
        "<g{faded}><title>{}: {}",
        xml_escape(&o.op.client),
        xml_escape(&label)
    );
    if !o.op.detail.is_empty() {
        s.push_str(" · ");
        push_xml_escaped(s, &o.op.detail);
    }
    if o.op.ret.is_none() {
        let _ = writeln!(
            s,
            "</title><line class=\"open {class}\" x1=\"{x0:.1}\" y1=\"{:.1}\" x2=\"{x1:.1}\" \
             y2=\"{:.1}\"/><rect class=\"{class}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"3\" \
             height=\"9\"/></g>",
            y + OPEN_Y,
            y + OPEN_Y,
            y + OPEN_Y - 4.5
        );
        return;
    }
    let y = y + BAR_TOP;
    let _ = write!(
        s,
        "</title><rect class=\"{class}\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" \
         height=\"{BAR}\" rx=\"2\"/>",
        x1 - x0
    );
    let room = ((next - x0 - 6.0) / CHAR).floor().max(0.0) as usize;
    let chars = label.chars().count();
    if room < chars {
        // A cut label reads only if enough of it is left; the hover text has it whole.
        label = if room >= MIN_CUT {
            let keep: String = label.chars().take(room - 1).collect();
            format!("{}…", keep.trim_end())
        } else {
            String::new()
        };
    }
    if !label.is_empty() {
        let _ = write!(s, "<text x=\"{:.1}\" y=\"{:.1}\">", x0 + 3.0, y + BAR - 3.0);
        push_xml_escaped(s, &label);
        s.push_str("</text>");
    }
    s.push_str("</g>\n");
}

/// The key to the colours drawn, in swatches on one line.
fn legend(s: &mut String, ops: &[TimedOp]) {
    let any = |f: &dyn Fn(&TimedOp) -> bool| ops.iter().any(f);
    let items = [
        (true, "plain", "operation (invocation to return)"),
        (
            any(&|o| matches!(o.op.mark, Mark::Linearized(_))),
            "lin",
            "longest linearizable prefix",
        ),
        (
            any(&|o| o.op.mark == Mark::Culprit),
            "culprit",
            "cannot be placed",
        ),
        (
            any(&|o| o.op.ret.is_none()),
            "plain unknown",
            "outcome unknown (from its start mark, open-ended)",
        ),
        (any(&|o| o.faded), "plain faded", "another key"),
    ];
    let items = items.into_iter().filter(|i| i.0).map(|(_, c, t)| (c, t));
    let mut at = 8.0;
    for (class, text) in items {
        if class == "plain unknown" {
            let _ = write!(
                s,
                "<line class=\"open plain\" x1=\"{at:.1}\" y1=\"33\" x2=\"{:.1}\" y2=\"33\"/>\
                 <rect class=\"plain\" x=\"{at:.1}\" y=\"28.5\" width=\"3\" height=\"9\"/>",
                at + 18.0
            );
        } else {
            let _ = write!(
                s,
                "<rect class=\"{class}\" x=\"{at:.1}\" y=\"28\" width=\"18\" height=\"10\" rx=\"2\"/>"
            );
        }
        let _ = write!(s, "<text x=\"{:.1}\" y=\"37\">{text}</text>", at + 23.0);
        at += 23.0 + CHAR * text.len() as f64 + 18.0;
    }
    s.push('\n');
}

/// The time axis under the lanes: round steps of simulated time, labelled in seconds.
fn axis(s: &mut String, left: f64, plot: f64, (t0, step): (u64, f64), span: f64, y: f64) {
    let _ = writeln!(
        s,
        "<line class=\"axis\" x1=\"{left:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>",
        left + plot
    );
    let first = (t0 as f64 / step).ceil() * step;
    let mut k = 0.0;
    while first + k * step <= t0 as f64 + span {
        let t = first + k * step;
        let tx = left + (t - t0 as f64) / span * plot;
        let _ = writeln!(
            s,
            "<line class=\"axis\" x1=\"{tx:.1}\" y1=\"{y:.1}\" x2=\"{tx:.1}\" y2=\"{:.1}\"/>\
             <text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y + 4.0,
            y + 15.0,
            fmt_f64(t / 1e9)
        );
        k += 1.0;
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">simulated time (s)</text>",
        left + plot,
        y + 29.0
    );
}

/// The round number (1, 2 or 5 times a power of ten) nearest above `raw`.
fn round_step(raw: f64) -> f64 {
    let p = 10f64.powf(raw.max(1.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&v| v >= raw)
        .unwrap_or(10.0 * p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(client: &str, invoke: u64, ret: Option<u64>, mark: Mark, faded: bool) -> TimedOp {
        TimedOp {
            op: DrawnOp {
                client: client.into(),
                invoke,
                ret,
                label: format!("op{invoke}"),
                detail: String::new(),
                mark,
            },
            faded,
        }
    }

    fn attr(el: &str, name: &str) -> f64 {
        let at = el.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
        el[at..at + el[at..].find('"').unwrap()].parse().unwrap()
    }

    // Bars sit at their times to scale, unknown outcomes are drawn first and run to the open
    // end, the culprit gets its guide line, and the axis counts round seconds.
    #[test]
    fn bars_are_to_scale_with_an_axis_and_the_culprit_guided() {
        let s = 1_000_000_000;
        let ops = [
            op("c1", 0, Some(s), Mark::Linearized(1), false),
            op("c2", s / 2, None, Mark::Plain, false),
            op("c1", 2 * s, Some(4 * s), Mark::Culprit, false),
            op("c3", 3 * s, Some(3 * s), Mark::Plain, true),
            op(
                "c3",
                3 * s + s / 20,
                Some(3 * s + s / 10),
                Mark::Plain,
                true,
            ),
        ];
        let svg = history_timeline_svg("h", &ops);
        let body = &svg[svg.find("<line class=\"lane\"").unwrap()..];
        let rects: Vec<&str> = body
            .split("<rect ")
            .skip(1)
            .filter(|r| r.contains(&format!("height=\"{BAR}\"")))
            .collect();
        assert_eq!(rects.len(), 4);
        // Left margin 60 (short names), plot 976 px over 4.16 s.
        let plot = WIDTH - 60.0 - RIGHT;
        let px = |t: f64| 60.0 + t / 4.16 * plot;
        assert!((attr(rects[0], "x") - px(0.0)).abs() < 0.05);
        assert!((attr(rects[0], "width") - px(1.0) + px(0.0)).abs() < 0.1);
        // The unknown op is drawn first, a dashed line from its start to the open end.
        let open = body
            .split("<line class=\"open plain\"")
            .nth(1)
            .expect("open line");
        assert!(body.find("open plain") < body.find("class=\"lin\""));
        assert!((attr(open, "x1") - px(0.5)).abs() < 0.05);
        assert!((attr(open, "x2") - (60.0 + plot)).abs() < 0.1);
        assert_eq!(attr(open, "y1"), TOP + LANE + OPEN_Y);
        assert!(rects[1].starts_with("class=\"culprit\""));
        assert_eq!(attr(rects[2], "width"), MIN_BAR);
        let guide = svg
            .split("<line class=\"guide\"")
            .nth(1)
            .expect("guide line");
        assert!((attr(guide, "x1") - px(2.0)).abs() < 0.05);
        assert!(svg.contains("<g class=\"faded\"><title>c3: op3000000000"));
        // Operations span 4 s: an eighth of that is already round, steps of 0.5 s from 0.
        let labels: Vec<&str> = svg
            .split("text-anchor=\"middle\">")
            .skip(1)
            .filter_map(|t| t.split("</text>").next())
            .collect();
        let mut want: Vec<String> = (0..=8).map(|k| fmt_f64(f64::from(k) * 0.5)).collect();
        want.push("cannot be placed".into());
        assert_eq!(labels, want);
        // Labels run up to the lane's next bar: c1's first has room, c3's first (12 px before
        // the next) only its hover text, and c3's last the empty lane after it.
        assert!(svg.contains(">1. op0</text>"));
        assert!(!svg.contains(">op3000000000</text>"));
        assert!(svg.contains(">op3050000000</text>"));
    }

    #[test]
    fn round_steps_are_1_2_5_times_a_power_of_ten() {
        assert_eq!(round_step(0.3e9), 0.5e9);
        assert_eq!(round_step(1.2e6), 2e6);
        assert_eq!(round_step(7.0), 10.0);
        assert_eq!(round_step(1e3), 1e3);
    }
}
