//! Space-time (Lamport) diagram as a self-contained SVG, written by hand.
//!
//! * At the top: what the diagram holds (events, time span, and what was left out), a
//!   legend of every symbol drawn, and the node names; the names are repeated at the bottom.
//! * One vertical line per node, time flowing downward. Every message copy is an arrow from
//!   its send to its delivery, labelled along the arrow with its kind and, when short, the
//!   payload summary its protocol writes (`prepare b=(1,p1)`, `vote yes T1.1`). A duplicate
//!   copy is purple and dotted; a dropped copy is a grey dashed line ending in a red ✕ just
//!   short of the lane it was meant for, on the sender's side; a copy still in flight at the
//!   end of the window is a faint line running to the bottom; one sent before the window
//!   starts at the top.
//! * Node events are marks on their lane (start, timers, crash, restart, clock changes,
//!   persist, observation, note); a note's text is written beside it, a clock change's amount
//!   too. Several marks at one instant on one lane sit side by side.
//! * Periods are bands on the lane: down (pink, dashed red line) from crash to restart,
//!   paused (grey) from pause to resume, cut off by a partition (orange, right of the lane)
//!   from the first cut to the heal. Heals and phases are lines across the diagram, a
//!   violation a red row, each labelled on the right, as are rules and node-less notes.
//! * Time axis: one row per instant, so events at the same time share a row. The axis is
//!   linear ([`AxisMode::Linear`]): most instants are a row or more apart in proportion to
//!   the time between them; instants closer than a row get one row; a long idle gap is cut
//!   and marked with a break and its length. [`AxisMode::Events`] spaces instants evenly.
//! * With more nodes than [`SpacetimeOptions::max_lanes`] and no node filter, the busiest
//!   nodes get lanes and the others share a last lane for their messages (said at the top).
//!
//! Parts: `layout` (every position; no markup) with `lanes` (which nodes get one), `axis`
//! (instant → y) and `labels` (text kept off other text); `draw` (the markup); `legend` (the
//! symbols, drawn alike in the diagram and the legend). Output is
//! deterministic: coordinates are printed with one decimal, and the only inputs are the
//! trace, the node names and [`SpacetimeOptions`]. Every mark has a `<title>` tooltip.

mod axis;
mod draw;
mod labels;
mod lanes;
mod layout;
mod legend;

#[cfg(test)]
mod tests;

use sim::trace::TraceLine;

/// How the time axis spaces instants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AxisMode {
    /// Proportional to time, with long idle gaps cut and marked.
    #[default]
    Linear,
    /// One row per instant, evenly spaced, whatever the time between them.
    Events,
}

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
    /// Width of the SVG in px at the least (it grows to keep lanes apart; the height follows
    /// from the events).
    pub width: u32,
    /// Only these nodes (by index) get lanes; `None`: all, up to `max_lanes`.
    pub nodes: Option<Vec<u32>>,
    /// Without a node filter, at most this many nodes get lanes (the busiest).
    pub max_lanes: usize,
    /// How instants are spaced.
    pub axis: AxisMode,
}

impl Default for SpacetimeOptions {
    fn default() -> Self {
        SpacetimeOptions {
            from: None,
            to: None,
            max_events: 2000,
            width: 960,
            nodes: None,
            max_lanes: 20,
            axis: AxisMode::Linear,
        }
    }
}

/// Renders the space-time diagram of `lines` (in trace order) as an SVG document.
pub fn spacetime_svg(
    nodes: &[String],
    lines: impl IntoIterator<Item = TraceLine>,
    opts: &SpacetimeOptions,
) -> String {
    let l = layout::layout(nodes, lines, opts);
    draw::svg(&l, nodes.len())
}
