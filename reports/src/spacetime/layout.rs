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

/// Lays out `lines` (in trace order).
pub(crate) fn layout(
    nodes: &[String],
    lines: impl IntoIterator<Item = TraceLine>,
    opts: &SpacetimeOptions,
) -> Layout {
    let n = nodes.len() as u32;
    let valid = |x: Option<u32>| x.filter(|&i| i < n);
    let mut flights: Flights<Origin> = Flights::default();
    let mut arrows: Vec<TArrow> = Vec::new();
    let mut bands: Vec<TBand> = Vec::new();
    let mut down: Vec<Open> = vec![None; n as usize];
    let mut paused: Vec<Open> = vec![None; n as usize];
    let mut cut: Vec<Open> = vec![None; n as usize];
    let mut peers: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); n as usize];
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
        if let Some(node) = valid(l.node) {
            let i = node as usize;
            let name = node_name(nodes, node);
            let mut close = |open: &mut Open, sym: Symbol, what: &str| {
                if let Some(t0) = open.take() {
                    bands.push(TBand {
                        node,
                        t0,
                        t1: at,
                        sym,
                        title: format!("{name} {what}"),
                    });
                }
            };
            match l.ev {
                EventKind::Crash => {
                    down[i].get_or_insert(at);
                }
                EventKind::Restart => close(&mut down[i], Symbol::Down, "down"),
                EventKind::Pause => {
                    paused[i].get_or_insert(at);
                }
                EventKind::Resume => close(&mut paused[i], Symbol::Paused, "paused"),
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
        match l.ev {
            EventKind::Cut => {
                if let (Some(a), Some(b)) = (valid(l.from), valid(l.to)) {
                    for (x, y) in [(a, b), (b, a)] {
                        cut[x as usize].get_or_insert(at);
                        peers[x as usize].insert(y);
                    }
                }
            }
            EventKind::Heal => {
                for (i, open) in cut.iter_mut().enumerate() {
                    if let Some(t0) = open.take() {
                        let p: Vec<String> = peers[i]
                            .iter()
                            .map(|&j| node_name(nodes, j).into_owned())
                            .collect();
                        bands.push(TBand {
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
                    peers[i].clear();
                }
            }
            _ => {}
        }
        if let (Some(step), Some(msg), Some(from), Some(to)) =
            (message_step(l.ev), l.msg, l.from, l.to)
        {
            let origin = || Origin {
                from,
                to,
                t: at,
                label: arrow_label(&l),
                title: title(nodes, &l),
            };
            match step {
                MessageStep::Send => flights.launch(msg, origin()),
                MessageStep::Duplicate => {
                    // The duplicate carries no summary: it is a copy of the send's.
                    let label = flights.first(msg).map(|o| o.label.clone());
                    let mut o = origin();
                    if let Some(label) = label {
                        o.label = label;
                    }
                    flights.duplicate(msg, o);
                }
                MessageStep::Deliver | MessageStep::Drop => {
                    let landed = flights.land(msg);
                    if at.is_some() {
                        let (copy, o) = landed.unwrap_or((
                            0,
                            Origin {
                                from,
                                to,
                                t: None,
                                label: arrow_label(&l),
                                title: String::new(),
                            },
                        ));
                        let fate = if step == MessageStep::Drop {
                            Fate::Dropped(l.reason.clone().unwrap_or_else(|| "?".into()))
                        } else {
                            Fate::Delivered(copy)
                        };
                        let mut t = title(nodes, &l);
                        if o.t.is_none() {
                            t.push_str(" (sent before the window)");
                        }
                        arrows.push(TArrow {
                            from: o.from,
                            to,
                            t0: o.t,
                            t1: at,
                            fate,
                            label: o.label,
                            title: t,
                        });
                    }
                }
            }
        }
        if !before {
            if let Some(s) = site(&l) {
                *busy.entry(s).or_default() += 1;
            }
            placed.push(l);
        }
    }
    for (i, (d, p)) in down.iter().zip(&paused).enumerate() {
        for (open, sym, what) in [(d, Symbol::Down, "down"), (p, Symbol::Paused, "paused")] {
            if let Some(t0) = open {
                bands.push(TBand {
                    node: i as u32,
                    t0: *t0,
                    t1: None,
                    sym,
                    title: format!("{} {what} until the end", node_name(nodes, i as u32)),
                });
            }
        }
        if let Some(t0) = cut[i] {
            bands.push(TBand {
                node: i as u32,
                t0,
                t1: None,
                sym: Symbol::Partitioned,
                title: format!("{} cut off until the end", node_name(nodes, i as u32)),
            });
        }
    }
    for (_, _, o) in flights.drain() {
        if o.t.is_some() {
            arrows.push(TArrow {
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
    geometry(nodes, opts, placed, arrows, bands, busy, skipped)
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
    let mut names: Vec<String> = lanes
        .shown
        .iter()
        .map(|&i| node_name(nodes, i).into_owned())
        .collect();
    if lanes.hidden > 0 {
        names.push(format!("+{} others", lanes.hidden));
    }
    let mut times: Vec<u64> = placed.iter().map(|l| l.t).collect();
    times.dedup();
    let mut latencies: Vec<u64> = arrows
        .iter()
        .filter_map(|a| Some(a.t1? - a.t0?))
        .filter(|&d| d > 0)
        .collect();
    latencies.sort_unstable();
    let axis = Axis::build(
        &times,
        opts.axis,
        latencies.get(latencies.len() / 2).copied(),
    );
    let bottom = axis.bottom();
    let top = 0.0;
    let mut used = BTreeSet::new();
    if !axis.breaks.is_empty() {
        used.insert(Symbol::Break);
    }
    let y_of = |t: Option<u64>, dflt: f64| t.map_or(dflt, |t| axis.y(t));

    let mut out_bands = Vec::new();
    for b in bands {
        let Some(lane) = lanes.own(b.node) else {
            continue;
        };
        used.insert(b.sym);
        out_bands.push(Band {
            x: xs[lane],
            y0: y_of(b.t0, top),
            y1: y_of(b.t1, bottom),
            sym: b.sym,
            title: b.title,
        });
    }

    let mut ink = Ink::default();
    let mut labels = Vec::new();
    let mut out_arrows = Vec::new();
    for a in arrows {
        let (Some(l0), Some(l1)) = (lanes.end(a.from), lanes.end(a.to)) else {
            continue;
        };
        let (x0, xt) = (xs[l0], xs[l1]);
        let y0 = a.t0.map(|t| axis.y(t));
        let y1 = y_of(a.t1, bottom);
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
        if let Some(label) = arrow_text(&arrow, &a.label, &mut ink) {
            labels.push(label);
        }
        out_arrows.push(arrow);
    }

    // Marks, their labels, and run-wide marks.
    let mut marks = Vec::new();
    let mut wide = Vec::new();
    let mut slots: BTreeMap<(usize, u64), u32> = BTreeMap::new();
    for l in &placed {
        let y = axis.y(l.t);
        let wide_sym = match l.ev {
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
        };
        if let Some((sym, text)) = wide_sym {
            used.insert(sym);
            wide.push(Wide {
                y,
                sym,
                text: shorten(&text, 32),
                title: title(nodes, l),
            });
            continue;
        }
        let Some(lane) = site(l).filter(|&s| s < n).and_then(|s| lanes.own(s)) else {
            continue;
        };
        let sym = match l.ev {
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
            | EventKind::Violation => continue,
        };
        // Several marks at one instant on one lane sit side by side: 0, +10, -10, +20, …
        let k = slots.entry((lane, l.t)).or_default();
        let off = match *k {
            0 => 0.0,
            k => (k.div_ceil(2) as f64) * if k % 2 == 1 { 10.0 } else { -10.0 },
        };
        *k += 1;
        let x = xs[lane] + off;
        used.insert(sym);
        let text = match l.ev {
            EventKind::Note => l.text.as_deref().map(|t| shorten(t, MAX_NOTE)),
            EventKind::ClockStep => l.delta.map(fmt_signed_secs),
            EventKind::Drift => l.delta.map(|d| format!("{d:+} ppm")),
            _ => None,
        };
        if let Some(text) = text {
            labels.push(beside(x + 8.0, y, text, sym, &mut ink));
        }
        marks.push(Mark {
            x,
            y,
            sym,
            title: title(nodes, l),
        });
    }
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
