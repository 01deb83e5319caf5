//! The diagram's symbols and its legend. One [`glyph`] function draws a symbol both in the
//! diagram and in the legend, so the legend shows exactly what the diagram draws; the legend
//! lists every symbol the layout used, in a fixed order, wrapped to the diagram's width.

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Colours shared by the drawing and the legend.
pub(crate) mod color {
    /// Delivered messages.
    pub const BLUE: &str = "#1f77b4";
    /// Duplicated copies.
    pub const PURPLE: &str = "#9467bd";
    /// Crashes, drops' crosses, violations.
    pub const RED: &str = "#d62728";
    /// Restarts and heals.
    pub const GREEN: &str = "#2ca02c";
    /// Timers fired, clock changes, partitions.
    pub const ORANGE: &str = "#ff7f0e";
    /// Dropped messages, cancelled timers, phases.
    pub const GREY: &str = "#888888";
    /// The band of a crashed node.
    pub const DOWN_FILL: &str = "#fbe3e3";
    /// The band of a paused node.
    pub const PAUSE_FILL: &str = "#cccccc";
    /// The band of a node cut off by a partition.
    pub const CUT_FILL: &str = "#ffd8a8";
    /// Notes.
    pub const NOTE: &str = "#555555";
}

use color::*;

/// Everything the diagram can draw, in legend order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Symbol {
    /// A delivered message: an arrow from the send to the delivery.
    Message,
    /// A second copy made by the network.
    Duplicate,
    /// A dropped copy, ending in ✕ just short of the lane it was meant for.
    Dropped,
    /// A copy still in flight at the end of the window.
    InFlight,
    /// A node started.
    Start,
    /// A timer was set.
    TimerSet,
    /// A timer fired.
    TimerFire,
    /// A timer was cancelled.
    TimerCancel,
    /// The node crashed.
    Crash,
    /// The node is down (band until the restart).
    Down,
    /// The node restarted.
    Restart,
    /// The node is paused (band until it resumes).
    Paused,
    /// The node is cut off by a partition (band until the heal).
    Partitioned,
    /// Partitions healed (a line across the diagram).
    Heal,
    /// The node's clock jumped.
    ClockStep,
    /// The node's clock drift rate changed.
    Drift,
    /// The node forced its durable state.
    Persist,
    /// A note, shown as text beside its event.
    Note,
    /// A fact reported to the checkers.
    Observe,
    /// A network rule installed or removed.
    Rule,
    /// A run phase began (a line across the diagram).
    Phase,
    /// A property was violated (a red row across the diagram).
    Violation,
    /// An idle gap cut out of the time axis.
    Break,
}

impl Symbol {
    /// Its legend text.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Symbol::Message => "message (label: kind, summary)",
            Symbol::Duplicate => "duplicate copy",
            Symbol::Dropped => "dropped",
            Symbol::InFlight => "in flight at the end",
            Symbol::Start => "start",
            Symbol::TimerSet => "timer set",
            Symbol::TimerFire => "timer fired",
            Symbol::TimerCancel => "timer cancelled",
            Symbol::Crash => "crash",
            Symbol::Down => "down",
            Symbol::Restart => "restart",
            Symbol::Paused => "paused",
            Symbol::Partitioned => "cut off (partition)",
            Symbol::Heal => "heal",
            Symbol::ClockStep => "clock step",
            Symbol::Drift => "clock drift",
            Symbol::Persist => "persist",
            Symbol::Note => "note (text)",
            Symbol::Observe => "observation",
            Symbol::Rule => "network rule",
            Symbol::Phase => "phase",
            Symbol::Violation => "violation",
            Symbol::Break => "idle time cut",
        }
    }
}

/// Draws `sym` centred at `(x, y)` (a mark), or as a short sample (a line or band) around
/// it; `title` (already escaped) becomes its tooltip when not empty.
pub(crate) fn glyph(s: &mut String, sym: Symbol, x: f64, y: f64, title: &str) {
    let t = if title.is_empty() {
        String::new()
    } else {
        format!("<title>{title}</title>")
    };
    let _ = match sym {
        Symbol::Message => sample_arrow(s, x, y, BLUE, "1.3", "", "st-arr"),
        Symbol::Duplicate => sample_arrow(
            s,
            x,
            y,
            PURPLE,
            "1.3",
            " stroke-dasharray=\"2,2\"",
            "st-arr-dup",
        ),
        Symbol::Dropped => {
            let _ = writeln!(
                s,
                "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{GREY}\" stroke-width=\"1.3\" stroke-dasharray=\"5,3\"/>",
                x - 12.0,
                x + 8.0
            );
            cross(s, x + 8.0, y, 3.5, RED, 2.0, &t);
            Ok(())
        }
        Symbol::InFlight => sample_arrow(
            s,
            x,
            y,
            "#bbbbbb",
            "1.2",
            " stroke-dasharray=\"1,3\"",
            "st-arr-late",
        ),
        Symbol::Start => writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8.0\" height=\"8.0\" fill=\"#ffffff\" stroke=\"#333333\">{t}</rect>",
            x - 4.0,
            y - 4.0
        ),
        Symbol::TimerSet => writeln!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#ffffff\" stroke=\"{GREY}\">{t}</circle>"
        ),
        Symbol::TimerFire => writeln!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.0\" fill=\"{ORANGE}\" stroke=\"#333333\" stroke-width=\"0.5\">{t}</circle>"
        ),
        Symbol::TimerCancel => {
            cross(s, x, y, 3.0, GREY, 1.0, &t);
            Ok(())
        }
        Symbol::Crash => {
            cross(s, x, y, 6.0, RED, 2.5, &t);
            Ok(())
        }
        Symbol::Down => band(s, x, y, DOWN_FILL, Some(RED)),
        Symbol::Paused => band(s, x, y, PAUSE_FILL, None),
        Symbol::Partitioned => band(s, x, y, CUT_FILL, None),
        Symbol::Restart => triangle(s, x, y, &t),
        Symbol::Heal => across(s, x, y, GREEN, " stroke-dasharray=\"6,3\""),
        Symbol::Phase => across(s, x, y, GREY, ""),
        Symbol::ClockStep => diamond(s, x, y, ORANGE, &t),
        Symbol::Drift => diamond(s, x, y, "#ffffff", &t),
        Symbol::Persist => writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"6.0\" height=\"6.0\" fill=\"#2f6f4f\">{t}</rect>",
            x - 3.0,
            y - 3.0
        ),
        Symbol::Note => writeln!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"{NOTE}\">{t}</circle>"
        ),
        Symbol::Observe => writeln!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.0\" fill=\"#17becf\">{t}</circle>"
        ),
        Symbol::Rule => writeln!(
            s,
            "<path d=\"M{:.1},{:.1} h8 v8 h-8 z\" fill=\"none\" stroke=\"{GREY}\">{t}</path>",
            x - 4.0,
            y - 4.0
        ),
        Symbol::Violation => writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"24.0\" height=\"12.0\" fill=\"{RED}\" opacity=\"0.3\"/>",
            x - 12.0,
            y - 6.0
        ),
        Symbol::Break => {
            break_mark(s, x - 12.0, x + 12.0, y);
            Ok(())
        }
    };
}

/// A short horizontal arrow: the legend's sample of a message copy (`dash` is the whole
/// attribute, or empty).
fn sample_arrow(
    s: &mut String,
    x: f64,
    y: f64,
    color: &str,
    width: &str,
    dash: &str,
    marker: &str,
) -> std::fmt::Result {
    writeln!(
        s,
        "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{color}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#{marker})\"/>",
        x - 12.0,
        x + 12.0
    )
}

/// The restart mark: a green triangle pointing up (`t` is the tooltip element, or empty).
fn triangle(s: &mut String, x: f64, y: f64, t: &str) -> std::fmt::Result {
    writeln!(
        s,
        "<path d=\"M{x:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} z\" fill=\"{GREEN}\">{t}</path>",
        y - 6.0,
        x + 6.0,
        y + 5.0,
        x - 6.0,
        y + 5.0
    )
}

fn band(s: &mut String, x: f64, y: f64, fill: &str, dash: Option<&str>) -> std::fmt::Result {
    writeln!(
        s,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12.0\" height=\"14.0\" fill=\"{fill}\"/>",
        x - 6.0,
        y - 7.0
    )?;
    if let Some(c) = dash {
        writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{c}\" stroke-width=\"2\" stroke-dasharray=\"4,3\"/>",
            y - 7.0,
            y + 7.0
        )?;
    }
    Ok(())
}

fn across(s: &mut String, x: f64, y: f64, c: &str, dash: &str) -> std::fmt::Result {
    writeln!(
        s,
        "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{c}\" stroke-width=\"1\"{dash}/>",
        x - 12.0,
        x + 12.0
    )
}

fn diamond(s: &mut String, x: f64, y: f64, fill: &str, t: &str) -> std::fmt::Result {
    writeln!(
        s,
        "<path d=\"M{x:.1},{:.1} L{:.1},{y:.1} L{x:.1},{:.1} L{:.1},{y:.1} z\" fill=\"{fill}\" stroke=\"{ORANGE}\">{t}</path>",
        y - 5.0,
        x + 5.0,
        y + 5.0,
        x - 5.0
    )
}

/// A ✕ of half-size `r`.
pub(crate) fn cross(s: &mut String, x: f64, y: f64, r: f64, c: &str, w: f64, t: &str) {
    let _ = writeln!(
        s,
        "<path d=\"M{:.1},{:.1} L{:.1},{:.1} M{:.1},{:.1} L{:.1},{:.1}\" stroke=\"{c}\" stroke-width=\"{w:.1}\">{t}</path>",
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

/// The break mark of a cut time axis: two parallel zigzags from `x0` to `x1` around `y`.
pub(crate) fn break_mark(s: &mut String, x0: f64, x1: f64, y: f64) {
    for dy in [-3.0, 3.0] {
        let mut d = String::new();
        let mut x = x0;
        let mut up = true;
        let _ = write!(d, "M{x:.1},{:.1}", y + dy);
        while x < x1 {
            x = (x + 6.0).min(x1);
            let _ = write!(d, " L{x:.1},{:.1}", y + dy + if up { -3.0 } else { 3.0 });
            up = !up;
        }
        let _ = writeln!(
            s,
            "<path d=\"{d}\" fill=\"none\" stroke=\"#999999\" stroke-width=\"1\"/>"
        );
    }
}

/// Height of one legend row.
pub(crate) const LEGEND_ROW: f64 = 20.0;

/// Width a legend item takes: its glyph, its text, and a gap.
fn item_width(sym: Symbol) -> f64 {
    30.0 + 5.6 * sym.text().chars().count() as f64 + 16.0
}

/// How many rows the legend of `used` takes in `width` px.
pub(crate) fn legend_rows(used: &BTreeSet<Symbol>, width: f64) -> usize {
    let mut rows = 1;
    let mut x = 0.0;
    for &sym in used {
        let w = item_width(sym);
        if x > 0.0 && x + w > width {
            rows += 1;
            x = 0.0;
        }
        x += w;
    }
    rows
}

/// Draws the legend of `used` from `(x0, y0)` (top left), wrapped to `width`; returns its
/// height.
pub(crate) fn legend(s: &mut String, used: &BTreeSet<Symbol>, x0: f64, y0: f64, width: f64) -> f64 {
    s.push_str("<g class=\"legend\">\n");
    let mut x = 0.0;
    let mut y = y0 + LEGEND_ROW / 2.0;
    for &sym in used {
        let w = item_width(sym);
        if x > 0.0 && x + w > width {
            x = 0.0;
            y += LEGEND_ROW;
        }
        glyph(s, sym, x0 + x + 12.0, y, "");
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333333\" font-size=\"10\">{}</text>",
            x0 + x + 30.0,
            y + 3.5,
            sym.text()
        );
        x += w;
    }
    s.push_str("</g>\n");
    legend_rows(used, width) as f64 * LEGEND_ROW
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Symbol; 23] = [
        Symbol::Message,
        Symbol::Duplicate,
        Symbol::Dropped,
        Symbol::InFlight,
        Symbol::Start,
        Symbol::TimerSet,
        Symbol::TimerFire,
        Symbol::TimerCancel,
        Symbol::Crash,
        Symbol::Down,
        Symbol::Restart,
        Symbol::Paused,
        Symbol::Partitioned,
        Symbol::Heal,
        Symbol::ClockStep,
        Symbol::Drift,
        Symbol::Persist,
        Symbol::Note,
        Symbol::Observe,
        Symbol::Rule,
        Symbol::Phase,
        Symbol::Violation,
        Symbol::Break,
    ];

    /// Every symbol has its own text and draws something; the legend lists each used one
    /// once, and only those.
    #[test]
    fn legend_lists_exactly_the_used_symbols() {
        let mut texts: Vec<&str> = ALL.iter().map(|s| s.text()).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), ALL.len());
        for sym in ALL {
            let mut s = String::new();
            glyph(&mut s, sym, 50.0, 50.0, "tip");
            assert!(s.starts_with('<') && s.ends_with(">\n"), "{sym:?}: {s}");
        }
        let used: BTreeSet<Symbol> = [Symbol::Crash, Symbol::Message, Symbol::Note].into();
        let mut s = String::new();
        let h = legend(&mut s, &used, 0.0, 0.0, 900.0);
        assert_eq!(h, LEGEND_ROW);
        for sym in ALL {
            let n = s.matches(&format!(">{}</text>", sym.text())).count();
            assert_eq!(n, usize::from(used.contains(&sym)), "{sym:?}");
        }
    }

    /// A narrow diagram wraps the legend onto more rows, and the height says so.
    #[test]
    fn legend_wraps_to_the_width() {
        let used: BTreeSet<Symbol> = ALL.into();
        let wide = legend_rows(&used, 4000.0);
        let narrow = legend_rows(&used, 400.0);
        assert_eq!(wide, 1);
        assert!(narrow > 3, "{narrow}");
        let mut s = String::new();
        assert_eq!(
            legend(&mut s, &used, 0.0, 0.0, 400.0),
            narrow as f64 * LEGEND_ROW
        );
    }
}
