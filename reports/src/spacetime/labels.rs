//! Text beside what it names: arrow labels along their arrows, notes and clock amounts
//! beside their marks, kept off each other.

use std::collections::BTreeMap;

use super::layout::{Arrow, Fate, Label};
use super::legend::Symbol;

/// Width of one character of a 9 px label, roughly (sans-serif).
const CHAR_W: f64 = 5.0;

/// `s`, or its first `max - 1` characters and an ellipsis.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The labels placed so far, as points along their centre lines in a grid, to keep new
/// labels off them: two texts overlap when their centre lines come closer than a text's
/// height, whatever their angles.
#[derive(Default)]
pub(crate) struct Ink {
    cells: BTreeMap<(i64, i64), Vec<(f64, f64)>>,
}

impl Ink {
    const CELL: f64 = 16.0;
    /// Centre lines closer than this overlap (9 px text).
    const CLEAR: f64 = 9.0;

    fn cell(p: (f64, f64)) -> (i64, i64) {
        (
            (p.0 / Self::CELL).floor() as i64,
            (p.1 / Self::CELL).floor() as i64,
        )
    }

    /// Points every 4 px from `a` to `b`.
    pub(crate) fn line(a: (f64, f64), b: (f64, f64)) -> Vec<(f64, f64)> {
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let n = (len / 4.0).ceil().max(1.0) as usize;
        (0..=n)
            .map(|k| {
                let f = k as f64 / n as f64;
                (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f)
            })
            .collect()
    }

    pub(crate) fn free(&self, pts: &[(f64, f64)]) -> bool {
        pts.iter().all(|&p| {
            let (cx, cy) = Self::cell(p);
            (cx - 1..=cx + 1).all(|x| {
                (cy - 1..=cy + 1).all(|y| {
                    self.cells.get(&(x, y)).is_none_or(|v| {
                        v.iter().all(|q| {
                            (q.0 - p.0).powi(2) + (q.1 - p.1).powi(2) >= Self::CLEAR.powi(2)
                        })
                    })
                })
            })
        })
    }

    pub(crate) fn add(&mut self, pts: &[(f64, f64)]) {
        for &p in pts {
            self.cells.entry(Self::cell(p)).or_default().push(p);
        }
    }
}

/// A note or clock label starting at `(x, y)`; moved down a little (at most twice) if it
/// would overlap a label already placed.
pub(crate) fn beside(x: f64, y: f64, text: String, sym: Symbol, ink: &mut Ink) -> Label {
    let w = CHAR_W * text.chars().count() as f64;
    let mut pick = y;
    for dy in [0.0, 10.0, -10.0] {
        if ink.free(&Ink::line((x, y + dy), (x + w, y + dy))) {
            pick = y + dy;
            break;
        }
    }
    ink.add(&Ink::line((x, pick), (x + w, pick)));
    Label {
        x,
        y: pick + 3.5,
        angle: 0.0,
        middle: false,
        color: match sym {
            Symbol::ClockStep | Symbol::Drift => super::legend::color::ORANGE,
            _ => super::legend::color::NOTE,
        },
        text,
    }
}

/// The label along an arrow: centred on a point of the arrow where it overlaps no other
/// label, rotated to the arrow, shortened to fit its length. When no point is free, the
/// kind alone is tried; failing that too, the full label goes in the middle.
pub(crate) fn arrow_text(a: &Arrow, text: &str, ink: &mut Ink) -> Option<Label> {
    if a.looped {
        return None;
    }
    let y0 = a.y0.unwrap_or(0.0);
    let (dx, dy) = (a.x1 - a.x0, a.y1 - y0);
    let len = (dx * dx + dy * dy).sqrt();
    let room = ((len - 18.0) / CHAR_W).floor();
    if room < 3.0 {
        return None;
    }
    // Reading direction left to right: an arrow going left is labelled upside up.
    let mut angle = dy.atan2(dx).to_degrees();
    if dx < 0.0 {
        angle -= 180.0 * angle.signum();
    }
    let (ux, uy) = (dx / len, dy / len);
    // Just above the line: the normal pointing up.
    let (nx, ny) = if dx >= 0.0 { (uy, -ux) } else { (-uy, ux) };
    let kind = text.split(' ').next().unwrap_or(text);
    let mut first = None;
    for candidate in [text, kind] {
        let text = shorten(candidate, room as usize);
        let w = CHAR_W * text.chars().count() as f64;
        let half = (w / 2.0 + 6.0) / len;
        for f in [0.5, 0.35, 0.65, 0.25, 0.75, 0.15, 0.85] {
            if f < half || f > 1.0 - half {
                continue;
            }
            let (cx, cy) = (a.x0 + dx * f + nx * 3.0, y0 + dy * f + ny * 3.0);
            // The text's centre line, 3 px above its baseline.
            let (hx, hy) = (ux * w / 2.0, uy * w / 2.0);
            let pts = Ink::line(
                (cx - hx + nx * 3.0, cy - hy + ny * 3.0),
                (cx + hx + nx * 3.0, cy + hy + ny * 3.0),
            );
            if first.is_none() {
                first = Some((cx, cy, pts.clone(), text.clone()));
            }
            if ink.free(&pts) {
                ink.add(&pts);
                return Some(label(a, cx, cy, angle, text));
            }
        }
    }
    let (cx, cy, pts, text) = first?;
    ink.add(&pts);
    Some(label(a, cx, cy, angle, text))
}

fn label(a: &Arrow, x: f64, y: f64, angle: f64, text: String) -> Label {
    Label {
        x,
        y,
        angle,
        middle: true,
        color: match a.fate {
            Fate::Delivered(0) => super::legend::color::BLUE,
            Fate::Delivered(_) => super::legend::color::PURPLE,
            Fate::Dropped(_) | Fate::InFlight => super::legend::color::GREY,
        },
        text,
    }
}
