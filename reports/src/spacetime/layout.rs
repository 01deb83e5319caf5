//! Where everything goes: which nodes get a lane, the time axis (instant → y, with cut
//! gaps), and every arrow, band, mark and text label in diagram coordinates. Pure geometry,
//! no SVG: [`super::draw`] turns a [`Layout`] into markup.
//!
//! y is measured from the top of the diagram body (the first instant is at [`ROW`]); the
//! drawing shifts the body down below the legend and the node names.

use std::collections::{BTreeMap, BTreeSet};

use sim::trace::{EventKind, TraceLine};

use super::SpacetimeOptions;
use super::axis::Axis;
use super::labels::{Ink, arrow_text, beside, shorten};
use super::lanes::Lanes;
use super::legend::Symbol;
use crate::common::{Flights, MessageStep, message_step, node_name, site};
use crate::fmt::{fmt_secs, fmt_signed_secs};
use crate::timeline::detail;

/// Left margin for times.
pub(crate) const GUTTER: f64 = 84.0;
/// Right margin for run-wide labels (phases, violations, rules).
pub(crate) const RIGHT: f64 = 190.0;
/// Lanes are at least this far apart (the diagram grows wider instead).
const MIN_SPACING: f64 = 90.0;
/// A payload summary longer than this is left out of the arrow's label.
const MAX_SUMMARY: usize = 24;
/// A note longer than this is shortened beside its event (the tooltip has it all).
const MAX_NOTE: usize = 48;

/// How a message copy ended.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Fate {
    /// Delivered (copy 0) or a delivered duplicate (copy > 0).
    Delivered(u32),
    /// Dropped, with the reason.
    Dropped(String),
    /// Still in flight at the end of the window.
    InFlight,
}

/// A message copy from its send (or duplicate) to its fate.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Arrow {
    /// Start: lane and y; `None` y: sent before the window (starts at the top).
    pub x0: f64,
    /// Start y (`None`: before the window).
    pub y0: Option<f64>,
    /// End x: the destination lane, or short of it for a drop.
    pub x1: f64,
    /// End y (the bottom for a copy in flight).
    pub y1: f64,
    /// Both ends on one lane.
    pub looped: bool,
    /// How it ended.
    pub fate: Fate,
    /// Tooltip (raw text).
    pub title: String,
}

/// A period of a node: down, paused or cut off.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Band {
    /// Lane centre.
    pub x: f64,
    /// From.
    pub y0: f64,
    /// To.
    pub y1: f64,
    /// [`Symbol::Down`], [`Symbol::Paused`] or [`Symbol::Partitioned`].
    pub sym: Symbol,
    /// Tooltip (raw text).
    pub title: String,
}

/// A symbol on a lane.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Mark {
    /// Centre.
    pub x: f64,
    /// Centre.
    pub y: f64,
    /// What.
    pub sym: Symbol,
    /// Tooltip (raw text).
    pub title: String,
}

/// A mark across the whole diagram (heal, phase, violation) or in the right margin (rule,
/// a note without a node), with its text on the right.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Wide {
    /// Row.
    pub y: f64,
    /// [`Symbol::Heal`], [`Symbol::Phase`], [`Symbol::Violation`], [`Symbol::Rule`] or
    /// [`Symbol::Note`].
    pub sym: Symbol,
    /// Text on the right.
    pub text: String,
    /// Tooltip (raw text).
    pub title: String,
}

/// A text label placed beside what it names.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Label {
    /// Anchor point (middle of the text for arrow labels, its start otherwise).
    pub x: f64,
    /// Baseline.
    pub y: f64,
    /// Rotation in degrees about the anchor (arrow labels follow their arrow).
    pub angle: f64,
    /// Centred on the anchor (else starts there).
    pub middle: bool,
    /// Colour.
    pub color: &'static str,
    /// Text (raw).
    pub text: String,
}

/// Everything to draw.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Layout {
    /// Total width.
    pub width: f64,
    /// Lanes.
    pub lanes: Lanes,
    /// Lane centres, in lane order.
    pub xs: Vec<f64>,
    /// Lane names, in lane order.
    pub names: Vec<String>,
    /// Time axis.
    pub axis: Axis,
    /// Where lanes end.
    pub bottom: f64,
    /// Bands, under everything.
    pub bands: Vec<Band>,
    /// Run-wide marks.
    pub wide: Vec<Wide>,
    /// Message copies.
    pub arrows: Vec<Arrow>,
    /// Marks on lanes.
    pub marks: Vec<Mark>,
    /// Arrow labels and notes beside their marks.
    pub labels: Vec<Label>,
    /// Every symbol drawn (the legend lists these).
    pub used: BTreeSet<Symbol>,
    /// Events drawn.
    pub events: usize,
    /// First and last time drawn.
    pub span: Option<(u64, u64)>,
    /// Events of the window left out (over `max_events`).
    pub skipped: u64,
}

/// Where a message copy started, in times (y comes once the axis is known).
#[derive(Clone)]
struct Origin {
    from: u32,
    to: u32,
    t: Option<u64>,
    label: String,
    title: String,
}

/// An open period: since when (`None`: before the window).
type Open = Option<Option<u64>>;

/// A copy's arrow, in times.
struct TArrow {
    from: u32,
    to: u32,
    t0: Option<u64>,
    t1: Option<u64>,
    fate: Fate,
    label: String,
    title: String,
}

struct TBand {
    node: u32,
    t0: Option<u64>,
    t1: Option<u64>,
    sym: Symbol,
    title: String,
}

/// The arrow's label: its kind, and the protocol's summary when short.
fn arrow_label(l: &TraceLine) -> String {
    let kind = l.kind.as_deref().unwrap_or("msg");
    match l.summary.as_deref() {
        Some(s) if !s.is_empty() && s.chars().count() <= MAX_SUMMARY => format!("{kind} {s}"),
        _ => kind.to_string(),
    }
}

/// The tooltip of an event: time, index, event, what and detail.
pub(crate) fn title(nodes: &[String], l: &TraceLine) -> String {
    let mut s = format!("t={}s #{} {}", fmt_secs(l.t), l.i, l.ev);
    let w = crate::common::what(l);
    if !w.is_empty() {
        s.push(' ');
        s.push_str(&w);
    }
    let d = detail(nodes, l);
    if !d.is_empty() {
        s.push(' ');
        s.push_str(&d);
    }
    s
}

/// What the walk over the trace has gathered: the periods still open on each node, the
/// copies in flight, and the finished arrows and bands (in times).
struct Sweep<'a> {
    nodes: &'a [String],
    flights: Flights<Origin>,
    arrows: Vec<TArrow>,
    bands: Vec<TBand>,
    down: Vec<Open>,
    paused: Vec<Open>,
    cut: Vec<Open>,
    peers: Vec<BTreeSet<u32>>,
}

impl<'a> Sweep<'a> {
    fn new(nodes: &'a [String]) -> Self {
        let n = nodes.len();
        Sweep {
            nodes,
            flights: Flights::default(),
            arrows: Vec::new(),
            bands: Vec::new(),
            down: vec![None; n],
            paused: vec![None; n],
            cut: vec![None; n],
            peers: vec![BTreeSet::new(); n],
        }
    }

    /// A node index the run knows (out-of-range indices are ignored, not drawn).
    fn valid(&self, x: Option<u32>) -> Option<u32> {
        x.filter(|&i| i < self.nodes.len() as u32)
    }

    /// Ends `open` (if it is) at `at` as a band on `node`.
    fn close(&mut self, node: u32, open: Open, at: Option<u64>, sym: Symbol, what: &str) {
        if let Some(t0) = open {
            let name = node_name(self.nodes, node);
            self.bands.push(TBand {
                node,
                t0,
                t1: at,
                sym,
                title: format!("{name} {what}"),
            });
        }
    }

    /// Crashes and pauses open a node's band; restarts and resumes close it.
    fn outage(&mut self, l: &TraceLine, at: Option<u64>) {
        let Some(node) = self.valid(l.node) else {
            return;
        };
        let i = node as usize;
        match l.ev {
            EventKind::Crash => {
                self.down[i].get_or_insert(at);
            }
            EventKind::Restart => {
                let open = self.down[i].take();
                self.close(node, open, at, Symbol::Down, "down");
            }
            EventKind::Pause => {
                self.paused[i].get_or_insert(at);
            }
            EventKind::Resume => {
                let open = self.paused[i].take();
                self.close(node, open, at, Symbol::Paused, "paused");
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

    /// A cut opens a band on both sides; a heal closes every open one.
    fn partition(&mut self, l: &TraceLine, at: Option<u64>) {
        match l.ev {
            EventKind::Cut => {
                if let (Some(a), Some(b)) = (self.valid(l.from), self.valid(l.to)) {
                    for (x, y) in [(a, b), (b, a)] {
                        self.cut[x as usize].get_or_insert(at);
                        self.peers[x as usize].insert(y);
                    }
                }
            }
            EventKind::Heal => {
                let nodes = self.nodes;
                for (i, open) in self.cut.iter_mut().enumerate() {
                    if let Some(t0) = open.take() {
                        let p: Vec<String> = self.peers[i]
                            .iter()
                            .map(|&j| node_name(nodes, j).into_owned())
                            .collect();
                        self.bands.push(TBand {
                            node: i as u32,
                            t0,
                            t1: at,
                            sym: Symbol::Partitioned,
                            title: format!(
                                "{} cut off from {}",
                                node_name(nodes, i as u32),
                                p.join(", ")
                            ),
                        });
                    }
                    self.peers[i].clear();
                }
            }
            _ => {}
        }
    }

    /// Sends and duplicates launch copies; deliveries and drops land them as arrows.
    fn message(&mut self, l: &TraceLine, at: Option<u64>) {
        let (Some(step), Some(msg), Some(from), Some(to)) =
            (message_step(l.ev), l.msg, l.from, l.to)
        else {
            return;
        };
        let nodes = self.nodes;
        let origin = || Origin {
            from,
            to,
            t: at,
            label: arrow_label(l),
            title: title(nodes, l),
        };
        match step {
            MessageStep::Send => self.flights.launch(msg, origin()),
            MessageStep::Duplicate => {
                // The duplicate carries no summary: it is a copy of the send's.
                let label = self.flights.first(msg).map(|o| o.label.clone());
                let mut o = origin();
                if let Some(label) = label {
                    o.label = label;
                }
                self.flights.duplicate(msg, o);
            }
            MessageStep::Deliver | MessageStep::Drop => {
                let landed = self.flights.land(msg);
                if at.is_some() {
                    self.landing(l, step, landed, at);
                }
            }
        }
    }

    /// The arrow of a copy that was delivered or dropped at `at` (inside the window).
    fn landing(
        &mut self,
        l: &TraceLine,
        step: MessageStep,
        landed: Option<(u32, Origin)>,
        at: Option<u64>,
    ) {
        let (Some(from), Some(to)) = (l.from, l.to) else {
            return;
        };
        let (copy, o) = landed.unwrap_or((
            0,
            Origin {
                from,
                to,
                t: None,
                label: arrow_label(l),
                title: String::new(),
            },
        ));
        let fate = if step == MessageStep::Drop {
            Fate::Dropped(l.reason.clone().unwrap_or_else(|| "?".into()))
        } else {
            Fate::Delivered(copy)
        };
        let mut t = title(self.nodes, l);
        if o.t.is_none() {
            t.push_str(" (sent before the window)");
        }
        self.arrows.push(TArrow {
            from: o.from,
            to,
            t0: o.t,
            t1: at,
            fate,
            label: o.label,
            title: t,
        });
    }

    /// Periods still open at the end run to the bottom; copies still in flight become
    /// open-ended arrows.
    fn finish(mut self) -> (Vec<TArrow>, Vec<TBand>) {
        let nodes = self.nodes;
        for (i, (d, p)) in self.down.iter().zip(&self.paused).enumerate() {
            for (open, sym, what) in [(d, Symbol::Down, "down"), (p, Symbol::Paused, "paused")] {
                if let Some(t0) = open {
                    self.bands.push(TBand {
                        node: i as u32,
                        t0: *t0,
                        t1: None,
                        sym,
                        title: format!("{} {what} until the end", node_name(nodes, i as u32)),
                    });
                }
            }
            if let Some(t0) = self.cut[i] {
                self.bands.push(TBand {
                    node: i as u32,
                    t0,
                    t1: None,
                    sym: Symbol::Partitioned,
                    title: format!("{} cut off until the end", node_name(nodes, i as u32)),
                });
            }
        }
        for (_, _, o) in self.flights.drain() {
            if o.t.is_some() {
                self.arrows.push(TArrow {
                    from: o.from,
                    to: o.to,
                    t0: o.t,
                    t1: None,
                    fate: Fate::InFlight,
                    label: o.label,
                    title: format!("{} (still in flight at the end of the window)", o.title),
                });
            }
        }
        (self.arrows, self.bands)
    }
}

/// Lays out `lines` (in trace order).
pub(crate) fn layout(
    nodes: &[String],
    lines: impl IntoIterator<Item = TraceLine>,
    opts: &SpacetimeOptions,
) -> Layout {
    let mut sweep = Sweep::new(nodes);
    let mut placed: Vec<TraceLine> = Vec::new();
    let mut busy: BTreeMap<u32, u64> = BTreeMap::new();
    let mut skipped = 0u64;

    for l in lines {
        if opts.to.is_some_and(|to| l.t > to) {
            break;
        }
        let before = opts.from.is_some_and(|f| l.t < f);
        if !before && placed.len() >= opts.max_events {
            skipped += 1;
            continue;
        }
        let at = (!before).then_some(l.t);
        sweep.outage(&l, at);
        sweep.partition(&l, at);
        sweep.message(&l, at);
        if !before {
            if let Some(s) = site(&l) {
                *busy.entry(s).or_default() += 1;
            }
            placed.push(l);
        }
    }
    let (arrows, bands) = sweep.finish();
    geometry(nodes, opts, placed, arrows, bands, busy, skipped)
}

/// Where things go once the lanes and the axis are known.
struct Frame<'a> {
    nodes: &'a [String],
    lanes: &'a Lanes,
    xs: &'a [f64],
    axis: &'a Axis,
    bottom: f64,
}

impl Frame<'_> {
    /// The y of `t`, or `dflt` for an open end.
    fn y_of(&self, t: Option<u64>, dflt: f64) -> f64 {
        t.map_or(dflt, |t| self.axis.y(t))
    }
}

/// The names over the lanes, with a last one for the nodes folded together.
fn lane_names(nodes: &[String], lanes: &Lanes) -> Vec<String> {
    let mut names: Vec<String> = lanes
        .shown
        .iter()
        .map(|&i| node_name(nodes, i).into_owned())
        .collect();
    if lanes.hidden > 0 {
        names.push(format!("+{} others", lanes.hidden));
    }
    names
}

/// The time axis: one row per instant drawn, long quiet stretches cut relative to the
/// median message latency.
fn time_axis(placed: &[TraceLine], arrows: &[TArrow], opts: &SpacetimeOptions) -> Axis {
    let mut times: Vec<u64> = placed.iter().map(|l| l.t).collect();
    times.dedup();
    let mut latencies: Vec<u64> = arrows
        .iter()
        .filter_map(|a| Some(a.t1? - a.t0?))
        .filter(|&d| d > 0)
        .collect();
    latencies.sort_unstable();
    Axis::build(
        &times,
        opts.axis,
        latencies.get(latencies.len() / 2).copied(),
    )
}

/// Places everything once the events are known.
fn geometry(
    nodes: &[String],
    opts: &SpacetimeOptions,
    placed: Vec<TraceLine>,
    arrows: Vec<TArrow>,
    bands: Vec<TBand>,
    busy: BTreeMap<u32, u64>,
    skipped: u64,
) -> Layout {
    let n = nodes.len() as u32;
    let lanes = Lanes::choose(n, &busy, opts.nodes.as_deref(), opts.max_lanes);
    let count = lanes.count().max(1);
    let width = (opts.width.max(320) as f64).max(GUTTER + RIGHT + MIN_SPACING * count as f64);
    let spacing = (width - GUTTER - RIGHT) / count as f64;
    let xs: Vec<f64> = (0..count)
        .map(|k| GUTTER + (k as f64 + 0.5) * spacing)
        .collect();
    let names = lane_names(nodes, &lanes);
    let axis = time_axis(&placed, &arrows, opts);
    let bottom = axis.bottom();
    let mut used = BTreeSet::new();
    if !axis.breaks.is_empty() {
        used.insert(Symbol::Break);
    }
    let frame = Frame {
        nodes,
        lanes: &lanes,
        xs: &xs,
        axis: &axis,
        bottom,
    };
    let out_bands = place_bands(&frame, bands, &mut used);
    let mut ink = Ink::default();
    let mut labels = Vec::new();
    let out_arrows = place_arrows(&frame, arrows, &mut used, &mut ink, &mut labels);
    let (marks, wide) = place_marks(&frame, &placed, &mut used, &mut ink, &mut labels);
    Layout {
        width,
        lanes,
        xs,
        names,
        span: placed.first().zip(placed.last()).map(|(a, b)| (a.t, b.t)),
        events: placed.len(),
        axis,
        bottom,
        bands: out_bands,
        wide,
        arrows: out_arrows,
        marks,
        labels,
        used,
        skipped,
    }
}

/// Bands on the lanes of their own nodes (a folded node's bands are not drawn).
fn place_bands(frame: &Frame, bands: Vec<TBand>, used: &mut BTreeSet<Symbol>) -> Vec<Band> {
    let top = 0.0;
    let mut out = Vec::new();
    for b in bands {
        let Some(lane) = frame.lanes.own(b.node) else {
            continue;
        };
        used.insert(b.sym);
        out.push(Band {
            x: frame.xs[lane],
            y0: frame.y_of(b.t0, top),
            y1: frame.y_of(b.t1, frame.bottom),
            sym: b.sym,
            title: b.title,
        });
    }
    out
}

/// Arrows between lanes, each with its label where there is room.
fn place_arrows(
    frame: &Frame,
    arrows: Vec<TArrow>,
    used: &mut BTreeSet<Symbol>,
    ink: &mut Ink,
    labels: &mut Vec<Label>,
) -> Vec<Arrow> {
    let mut out = Vec::new();
    for a in arrows {
        let (Some(l0), Some(l1)) = (frame.lanes.end(a.from), frame.lanes.end(a.to)) else {
            continue;
        };
        let (x0, xt) = (frame.xs[l0], frame.xs[l1]);
        let y0 = a.t0.map(|t| frame.axis.y(t));
        let y1 = frame.y_of(a.t1, frame.bottom);
        // A drop ends on the sender's side of the lane it was meant for.
        let x1 = match a.fate {
            Fate::Dropped(_) if l0 != l1 => xt - (xt - x0).signum() * 10.0,
            _ => xt,
        };
        used.insert(match a.fate {
            Fate::Delivered(0) => Symbol::Message,
            Fate::Delivered(_) => Symbol::Duplicate,
            Fate::Dropped(_) => Symbol::Dropped,
            Fate::InFlight => Symbol::InFlight,
        });
        let arrow = Arrow {
            x0,
            y0,
            x1,
            y1,
            looped: l0 == l1,
            fate: a.fate,
            title: a.title,
        };
        if let Some(label) = arrow_text(&arrow, &a.label, ink) {
            labels.push(label);
        }
        out.push(arrow);
    }
    out
}

/// The run-wide mark of an event and its text, for events drawn across the diagram.
fn wide_symbol(l: &TraceLine) -> Option<(Symbol, String)> {
    match l.ev {
        EventKind::Heal => Some((Symbol::Heal, "heal".to_string())),
        EventKind::Phase => Some((
            Symbol::Phase,
            format!("phase: {}", l.text.as_deref().unwrap_or("")),
        )),
        EventKind::Violation => Some((
            Symbol::Violation,
            format!("violation: {}", l.text.as_deref().unwrap_or("")),
        )),
        EventKind::Rule => Some((
            Symbol::Rule,
            format!(
                "rule {}{}",
                if l.delta == Some(0) { '-' } else { '+' },
                l.text.as_deref().unwrap_or("")
            ),
        )),
        EventKind::Note if l.node.is_none() => Some((
            Symbol::Note,
            format!("note: {}", l.text.as_deref().unwrap_or("")),
        )),
        _ => None,
    }
}

/// The mark of an event drawn on its lane (`None`: drawn otherwise or not at all).
fn lane_symbol(ev: EventKind) -> Option<Symbol> {
    Some(match ev {
        EventKind::Start => Symbol::Start,
        EventKind::TimerSet => Symbol::TimerSet,
        EventKind::TimerFire => Symbol::TimerFire,
        EventKind::TimerCancel => Symbol::TimerCancel,
        EventKind::Crash => Symbol::Crash,
        EventKind::Restart => Symbol::Restart,
        EventKind::ClockStep => Symbol::ClockStep,
        EventKind::Drift => Symbol::Drift,
        EventKind::Persist => Symbol::Persist,
        EventKind::Note => Symbol::Note,
        EventKind::Observe => Symbol::Observe,
        // Message ends are arrows; pauses are their band's edges; the rest are
        // run-wide (above) or drawn as bands.
        EventKind::Send
        | EventKind::Deliver
        | EventKind::Drop
        | EventKind::Duplicate
        | EventKind::Pause
        | EventKind::Resume
        | EventKind::Cut
        | EventKind::Heal
        | EventKind::Rule
        | EventKind::Phase
        | EventKind::Violation => return None,
    })
}

/// The short text beside a lane mark, for the events that carry one.
fn mark_text(l: &TraceLine) -> Option<String> {
    match l.ev {
        EventKind::Note => l.text.as_deref().map(|t| shorten(t, MAX_NOTE)),
        EventKind::ClockStep => l.delta.map(fmt_signed_secs),
        EventKind::Drift => l.delta.map(|d| format!("{d:+} ppm")),
        _ => None,
    }
}

/// Marks on lanes with their labels, and run-wide marks.
fn place_marks(
    frame: &Frame,
    placed: &[TraceLine],
    used: &mut BTreeSet<Symbol>,
    ink: &mut Ink,
    labels: &mut Vec<Label>,
) -> (Vec<Mark>, Vec<Wide>) {
    let n = frame.nodes.len() as u32;
    let mut marks = Vec::new();
    let mut wide = Vec::new();
    let mut slots: BTreeMap<(usize, u64), u32> = BTreeMap::new();
    for l in placed {
        let y = frame.axis.y(l.t);
        if let Some((sym, text)) = wide_symbol(l) {
            used.insert(sym);
            wide.push(Wide {
                y,
                sym,
                text: shorten(&text, 32),
                title: title(frame.nodes, l),
            });
            continue;
        }
        let Some(lane) = site(l).filter(|&s| s < n).and_then(|s| frame.lanes.own(s)) else {
            continue;
        };
        let Some(sym) = lane_symbol(l.ev) else {
            continue;
        };
        // Several marks at one instant on one lane sit side by side: 0, +10, -10, +20, …
        let k = slots.entry((lane, l.t)).or_default();
        let off = match *k {
            0 => 0.0,
            k => (k.div_ceil(2) as f64) * if k % 2 == 1 { 10.0 } else { -10.0 },
        };
        *k += 1;
        let x = frame.xs[lane] + off;
        used.insert(sym);
        if let Some(text) = mark_text(l) {
            labels.push(beside(x + 8.0, y, text, sym, ink));
        }
        marks.push(Mark {
            x,
            y,
            sym,
            title: title(frame.nodes, l),
        });
    }
    (marks, wide)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spacetime::axis::ROW;
    use crate::testdata::{names, sample_trace};

    fn lay(lines: Vec<TraceLine>) -> Layout {
        layout(&names(), lines, &SpacetimeOptions::default())
    }

    fn at(t: u64, ev: EventKind, node: u32) -> TraceLine {
        TraceLine {
            node: Some(node),
            ..TraceLine::new(0, t, ev)
        }
    }

    fn msg(t: u64, ev: EventKind, from: u32, to: u32, id: u64) -> TraceLine {
        TraceLine {
            from: Some(from),
            to: Some(to),
            msg: Some(id),
            kind: Some("ping".into()),
            ..TraceLine::new(0, t, ev)
        }
    }

    /// Events at one instant share a row.
    #[test]
    fn one_row_per_instant() {
        let l = lay(vec![
            at(0, EventKind::Start, 0),
            at(0, EventKind::Start, 1),
            at(0, EventKind::Start, 2),
        ]);
        assert_eq!(l.axis.rows.len(), 1);
        let ys: Vec<f64> = l.marks.iter().map(|m| m.y).collect();
        assert_eq!(ys, vec![ROW; 3]);
    }

    /// A dropped copy ends 10 px short of its destination's lane, on the sender's side, in
    /// both directions; a delivered one ends on the lane.
    #[test]
    fn drops_end_on_the_senders_side() {
        let mut lines = vec![];
        for (k, (from, to)) in [(0, 2), (2, 0)].into_iter().enumerate() {
            lines.push(msg(0, EventKind::Send, from, to, k as u64));
            lines.push(TraceLine {
                reason: Some("loss".into()),
                ..msg(0, EventKind::Drop, from, to, k as u64)
            });
        }
        lines.push(msg(0, EventKind::Send, 0, 1, 9));
        lines.push(msg(5, EventKind::Deliver, 0, 1, 9));
        let l = lay(lines);
        let (x0, x1, x2) = (l.xs[0], l.xs[1], l.xs[2]);
        let ends: Vec<(f64, f64, &Fate)> = l.arrows.iter().map(|a| (a.x0, a.x1, &a.fate)).collect();
        assert_eq!(
            ends,
            vec![
                (x0, x2 - 10.0, &Fate::Dropped("loss".into())),
                (x2, x0 + 10.0, &Fate::Dropped("loss".into())),
                (x0, x1, &Fate::Delivered(0)),
            ]
        );
    }

    /// Arrows are labelled with their kind and the protocol's summary; a long summary is
    /// left out, and a duplicate carries its send's label.
    #[test]
    fn arrows_carry_kind_and_summary() {
        let send = |id, summary: &str| TraceLine {
            summary: Some(summary.into()),
            ..msg(0, EventKind::Send, 0, 2, id)
        };
        let l = lay(vec![
            send(1, "b=(1,p1)"),
            send(2, &"x".repeat(MAX_SUMMARY + 1)),
            msg(0, EventKind::Duplicate, 0, 2, 1),
            msg(1_000_000, EventKind::Deliver, 0, 2, 1),
            msg(1_000_000, EventKind::Deliver, 0, 2, 2),
            msg(2_000_000, EventKind::Deliver, 0, 2, 1),
        ]);
        let texts: Vec<&str> = l.labels.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, vec!["ping b=(1,p1)", "ping", "ping b=(1,p1)"]);
        assert!(l.used.contains(&Symbol::Duplicate));
    }

    /// Crash, pause and partition periods become bands on their lanes; open ones run to the
    /// bottom; the sample trace uses, and the legend will list, every symbol it draws.
    #[test]
    fn periods_are_bands() {
        let l = lay(sample_trace());
        let bands: Vec<(f64, Symbol)> = l.bands.iter().map(|b| (b.x, b.sym)).collect();
        assert!(bands.contains(&(l.xs[1], Symbol::Down)), "{bands:?}");
        assert!(bands.contains(&(l.xs[2], Symbol::Paused)), "{bands:?}");
        assert!(bands.contains(&(l.xs[0], Symbol::Partitioned)), "{bands:?}");
        assert!(bands.contains(&(l.xs[2], Symbol::Partitioned)), "{bands:?}");
        assert!(
            !bands.contains(&(l.xs[1], Symbol::Partitioned)),
            "{bands:?}"
        );
        for b in &l.bands {
            assert!(b.y0 < b.y1, "{b:?}");
        }
        let cut = l
            .bands
            .iter()
            .find(|b| b.sym == Symbol::Partitioned && b.x == l.xs[0])
            .unwrap();
        assert_eq!(cut.title, "n0 cut off from n2");
        let mut drawn: BTreeSet<Symbol> = l.marks.iter().map(|m| m.sym).collect();
        drawn.extend(l.bands.iter().map(|b| b.sym));
        drawn.extend(l.wide.iter().map(|w| w.sym));
        assert!(drawn.is_subset(&l.used), "{drawn:?} {:?}", l.used);
        for sym in [
            Symbol::Message,
            Symbol::Duplicate,
            Symbol::Dropped,
            Symbol::InFlight,
        ] {
            assert!(l.used.contains(&sym), "{sym:?}");
        }
    }

    /// Labels keep off each other: notes at one instant on one lane move down.
    #[test]
    fn notes_beside_their_event_do_not_overlap() {
        let note = |text: &str| TraceLine {
            text: Some(text.into()),
            ..at(0, EventKind::Note, 0)
        };
        let l = lay(vec![note("first note"), note("second note")]);
        assert_eq!(l.labels.len(), 2);
        assert_ne!(l.labels[0].y, l.labels[1].y);
        assert!(l.labels[0].x > l.xs[0]);
    }
}
