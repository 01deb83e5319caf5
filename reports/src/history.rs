//! A history of client operations as an SVG: one lane per client, each operation a bar from
//! its invocation to its return (open-ended if its outcome is unknown), the linearized
//! prefix numbered in its linearization order and the operation that cannot be placed
//! marked. Time is drawn by rank (every distinct invocation or return tick gets one step),
//! so which operations overlap is what shows, however far apart the ticks are.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::fmt::{push_xml_escaped, xml_escape};
use crate::html::{head, tail};

/// How an operation is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Not part of the reported linearization.
    Plain,
    /// In the longest linearizable prefix, at this 1-based position.
    Linearized(usize),
    /// The operation that cannot be placed.
    Culprit,
}

/// One operation to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawnOp {
    /// The client's label (one lane per distinct label, in the order of first appearance).
    pub client: String,
    /// Invocation tick.
    pub invoke: u64,
    /// Return tick; `None` if the outcome is unknown.
    pub ret: Option<u64>,
    /// Short text on the bar (`write 3`, `read -> 3`).
    pub label: String,
    /// Longer text shown on hover (lines in the file, say).
    pub detail: String,
    /// How to draw it.
    pub mark: Mark,
}

const LEFT: f64 = 90.0;
const TOP: f64 = 56.0;
const STEP: f64 = 34.0;
const LANE: f64 = 30.0;
const BAR: f64 = 20.0;
const RIGHT: f64 = 40.0;
/// Wide enough for the legend line.
const MIN_WIDTH: f64 = 760.0;

/// Room under the lanes for [`history_svg_with_axis`]'s time labels.
const AXIS: f64 = 30.0;
/// Ranks between two time labels (labels need about 3 steps of room).
const LABEL_EVERY: usize = 3;

/// The SVG document for `ops`, titled `title`.
pub fn history_svg(title: &str, ops: &[DrawnOp]) -> String {
    draw(title, ops, None)
}

/// [`history_svg`] with the ticks' values written under the lanes, every few ranks, as
/// `tick_label` prints them (rank is not to scale, so the labels say where time jumps).
pub fn history_svg_with_axis(
    title: &str,
    ops: &[DrawnOp],
    tick_label: &dyn Fn(u64) -> String,
) -> String {
    draw(title, ops, Some(tick_label))
}

fn draw(title: &str, ops: &[DrawnOp], tick_label: Option<&dyn Fn(u64) -> String>) -> String {
    let mut ticks: Vec<u64> = ops
        .iter()
        .flat_map(|o| std::iter::once(o.invoke).chain(o.ret))
        .collect();
    ticks.sort_unstable();
    ticks.dedup();
    let x = |t: u64| LEFT + STEP * ticks.partition_point(|&u| u < t) as f64;
    let open_end = LEFT + STEP * (ticks.len() as f64 + 0.5);
    let mut lanes: BTreeMap<&str, usize> = BTreeMap::new();
    for o in ops {
        let next = lanes.len();
        lanes.entry(o.client.as_str()).or_insert(next);
    }
    let width = (open_end + RIGHT).max(MIN_WIDTH);
    let lanes_end = TOP + LANE * lanes.len() as f64;
    let height = lanes_end + if tick_label.is_some() { AXIS } else { 20.0 };
    let mut s = String::with_capacity(256 + 200 * ops.len());
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"11\">"
    );
    s.push_str(
        "<style>.plain{fill:#e5e7eb;stroke:#6b7280}.lin{fill:#bbf7d0;stroke:#15803d}\
         .culprit{fill:#fecaca;stroke:#b91c1c;stroke-width:2}.unknown{stroke-dasharray:4 3}\
         .lane{stroke:#d1d5db}</style>\n",
    );
    let _ = writeln!(
        s,
        "<text x=\"8\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        xml_escape(title)
    );
    s.push_str(
        "<text x=\"8\" y=\"38\">green: the longest linearizable prefix, numbered in order · \
         red: the operation that cannot be placed · dashed, open: outcome unknown</text>\n",
    );
    for (name, &i) in &lanes {
        let y = TOP + LANE * i as f64 + LANE / 2.0;
        let _ = writeln!(
            s,
            "<line class=\"lane\" x1=\"{LEFT}\" y1=\"{y}\" x2=\"{open_end}\" y2=\"{y}\"/>\
             <text x=\"8\" y=\"{:.1}\">{}</text>",
            y + 4.0,
            xml_escape(name)
        );
    }
    if let Some(label) = tick_label {
        let _ = writeln!(
            s,
            "<line class=\"lane\" x1=\"{LEFT}\" y1=\"{lanes_end}\" x2=\"{open_end}\" y2=\"{lanes_end}\"/>"
        );
        for &t in ticks.iter().step_by(LABEL_EVERY) {
            let tx = x(t);
            let _ = writeln!(
                s,
                "<line class=\"lane\" x1=\"{tx:.1}\" y1=\"{lanes_end}\" x2=\"{tx:.1}\" y2=\"{:.1}\"/>\
                 <text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#4b5563\">{}</text>",
                lanes_end + 4.0,
                lanes_end + 15.0,
                xml_escape(&label(t))
            );
        }
    }
    for o in ops {
        let lane = lanes[o.client.as_str()];
        let y = TOP + LANE * lane as f64 + (LANE - BAR) / 2.0;
        let x0 = x(o.invoke);
        let x1 = o.ret.map_or(open_end, &x).max(x0 + STEP / 3.0);
        let class = match o.mark {
            Mark::Plain => "plain",
            Mark::Linearized(_) => "lin",
            Mark::Culprit => "culprit",
        };
        let unknown = if o.ret.is_none() { " unknown" } else { "" };
        let _ = write!(
            s,
            "<g><title>{}</title><rect class=\"{class}{unknown}\" x=\"{x0:.1}\" y=\"{y:.1}\" \
             width=\"{:.1}\" height=\"{BAR}\" rx=\"3\"/><text x=\"{:.1}\" y=\"{:.1}\">",
            xml_escape(&o.detail),
            x1 - x0,
            x0 + 3.0,
            y + BAR - 6.0
        );
        let mut text = match o.mark {
            Mark::Linearized(n) => format!("{n}. {}", o.label),
            _ => o.label.clone(),
        };
        // A label may run past its bar, but not into the lane's next bar.
        let next = ops
            .iter()
            .filter(|p| p.client == o.client && p.invoke > o.invoke)
            .map(|p| x(p.invoke))
            .fold(width, f64::min);
        fit(&mut text, next - x0 - 6.0);
        push_xml_escaped(&mut s, &text);
        s.push_str("</text></g>\n");
    }
    s.push_str("</svg>\n");
    s
}

/// Average advance of a character at font size 11.
const CHAR: f64 = 6.2;

/// Cuts `text` to what fits in `room` pixels, ending it with `…` if cut (the bar's hover text
/// has it whole), so labels do not run over the bars after them.
fn fit(text: &mut String, room: f64) {
    let fits = (room / CHAR).floor().max(0.0) as usize;
    if text.chars().count() > fits {
        let keep: String = text.chars().take(fits.saturating_sub(1)).collect();
        *text = keep.trim_end().to_string();
        if !text.is_empty() {
            text.push('…');
        }
    }
}

/// A self-contained page: `title`, the verdict `lines` and the diagram.
pub fn history_html(title: &str, lines: &[String], svg: &str) -> String {
    let mut o = String::with_capacity(svg.len() + 1024);
    head(&mut o, title);
    o.push_str("<h1>");
    push_xml_escaped(&mut o, title);
    o.push_str("</h1>\n<pre><code>");
    for l in lines {
        push_xml_escaped(&mut o, l);
        o.push('\n');
    }
    o.push_str("</code></pre>\n<div class=\"diagram\">\n");
    o.push_str(svg);
    o.push_str("</div>\n");
    tail(&mut o);
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(client: &str, invoke: u64, ret: Option<u64>, mark: Mark) -> DrawnOp {
        DrawnOp {
            client: client.into(),
            invoke,
            ret,
            label: format!("op<{invoke}>"),
            detail: format!("line {invoke}"),
            mark,
        }
    }

    fn attr(el: &str, name: &str) -> f64 {
        let at = el.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
        el[at..at + el[at..].find('"').unwrap()].parse().unwrap()
    }

    // Bars sit in their client's lane, span their interval by rank, carry their mark, and
    // unknown outcomes run to the open end.
    // A label longer than the room before the lane's next bar is cut there, with an ellipsis.
    #[test]
    fn labels_stop_before_the_next_bar() {
        let mut first = op("p0", 0, Some(1), Mark::Plain);
        first.label = "write 1234567890 -> ok".into();
        let svg = history_svg("t", &[first, op("p0", 2, Some(3), Mark::Plain)]);
        // Two steps to the next bar, less padding: 62 px, 10 characters of 6.2 px.
        assert!(svg.contains(">write 123…</text>"), "{svg}");
        assert_eq!("write 123…".chars().count(), 10);
    }

    #[test]
    fn bars_follow_lanes_ranks_and_marks() {
        let ops = [
            op("p1", 10, Some(1_000_000), Mark::Linearized(1)),
            op("p0", 20, Some(30), Mark::Linearized(2)),
            op("p0", 40, None, Mark::Plain),
            op("p2", 50, Some(60), Mark::Culprit),
        ];
        let svg = history_svg("t<1>", &ops);
        assert!(svg.contains("t&lt;1&gt;"));
        let rects: Vec<&str> = svg.split("<rect ").skip(1).collect();
        assert_eq!(rects.len(), 4);
        // Ticks 10 20 30 40 50 60 1e6 get ranks 0..7; p1 is lane 0, p0 lane 1, p2 lane 2.
        let geo = |r: &str| (attr(r, "x"), attr(r, "y"), attr(r, "width"));
        assert_eq!(geo(rects[0]), (LEFT, TOP + 5.0, 6.0 * STEP));
        assert_eq!(geo(rects[1]), (LEFT + STEP, TOP + LANE + 5.0, STEP));
        assert_eq!(geo(rects[2]).2, LEFT + 7.5 * STEP - (LEFT + 3.0 * STEP));
        assert!(rects[2].starts_with("class=\"plain unknown\""));
        assert!(rects[3].starts_with("class=\"culprit\""));
        assert_eq!(geo(rects[3]).1, TOP + 2.0 * LANE + 5.0);
        // Labels run up to the lane's next bar: p0's first has two steps before its second.
        assert!(svg.contains(">1. op&lt;10&gt;</text>"));
        assert!(svg.contains(">2. op&lt;20&gt;</text>"), "{svg}");
        assert!(svg.contains("<title>line 50</title>"));
        // The axis variant labels every third distinct tick, at the tick's rank.
        let timed = history_svg_with_axis("t", &ops, &|t| format!("at {t}"));
        for (rank, t) in [(0, 10), (3, 40), (6, 1_000_000)] {
            let at = format!("text-anchor=\"middle\" fill=\"#4b5563\">at {t}</text>");
            let label = timed
                .split(&at)
                .next()
                .unwrap()
                .rsplit("<text")
                .next()
                .unwrap();
            assert_eq!(attr(label, "x"), LEFT + STEP * rank as f64, "{t}");
        }
        assert_eq!(timed.matches("fill=\"#4b5563\">at ").count(), 3);
        assert!(!svg.contains("at 10"));
        let page = history_html("h", &["not linearizable".into()], &svg);
        assert!(page.starts_with("<!DOCTYPE html>") && page.contains(&svg));
    }
}
