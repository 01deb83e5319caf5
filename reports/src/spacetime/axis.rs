//! The time axis: one row per distinct instant, spaced in proportion to time (or evenly),
//! with long idle gaps cut and marked.

use super::AxisMode;

/// Vertical distance between two instants at the least.
pub(crate) const ROW: f64 = 20.0;
/// A gap longer than this many px (at the axis scale) is cut.
const CUT_AFTER: f64 = 10.0 * ROW;
/// Height of a typical message arrow.
pub(crate) const SPAN: f64 = 3.0 * ROW;
/// Height a cut gap keeps.
pub(crate) const BREAK: f64 = 36.0;

/// An idle gap cut out of the axis, drawn as a break mark at `y`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Break {
    /// Middle of the break.
    pub y: f64,
    /// Idle time cut (ns).
    pub idle: u64,
}

/// The time axis: one row per distinct instant.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Axis {
    /// `(time, y)`, ascending.
    pub rows: Vec<(u64, f64)>,
    /// Gaps cut.
    pub breaks: Vec<Break>,
}

impl Axis {
    /// The axis of the sorted, distinct instants `times`. Linear: a gap of `dt` takes
    /// `dt × max(ROW / q, SPAN / latency)` px, `q` the lower-quartile gap and `latency` the
    /// median message latency, so most instants are a row or more apart and a typical
    /// message spans [`SPAN`] px; closer instants get one row; a gap longer than [`CUT_AFTER`] px is cut to
    /// [`BREAK`] px and marked. `Events`: every instant one row below the previous.
    pub(crate) fn build(times: &[u64], mode: AxisMode, latency: Option<u64>) -> Axis {
        let mut gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_unstable();
        let q = gaps.get(gaps.len() / 4).copied().unwrap_or(1).max(1) as f64;
        // A typical message spans a few rows at least, so arrows slope and their labels part.
        let per_ns = latency.map_or(0.0, |d| SPAN / d.max(1) as f64).max(ROW / q);
        let mut rows = Vec::with_capacity(times.len());
        let mut breaks = Vec::new();
        let mut y = ROW;
        for (k, &t) in times.iter().enumerate() {
            if k > 0 {
                let dt = t - times[k - 1];
                let h = match mode {
                    AxisMode::Events => ROW,
                    AxisMode::Linear => dt as f64 * per_ns,
                };
                if h > CUT_AFTER {
                    breaks.push(Break {
                        y: y + BREAK / 2.0,
                        idle: dt,
                    });
                    y += BREAK;
                } else {
                    y += h.max(ROW);
                }
            }
            rows.push((t, y));
        }
        Axis { rows, breaks }
    }

    /// The y of instant `t` (one of the axis' times; else the next row's, or the last).
    pub(crate) fn y(&self, t: u64) -> f64 {
        match self.rows.binary_search_by_key(&t, |r| r.0) {
            Ok(i) => self.rows[i].1,
            Err(i) => self.rows.get(i).or(self.rows.last()).map_or(ROW, |r| r.1),
        }
    }

    /// The y below the last row.
    pub(crate) fn bottom(&self) -> f64 {
        self.rows.last().map_or(ROW, |r| r.1) + ROW
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Instants are a row apart at least, and a gap between the quartile and the cut is
    /// drawn in proportion to its length.
    #[test]
    fn one_row_per_instant_on_a_linear_axis() {
        let ms = 1_000_000;
        let times = [0, ms, 2 * ms, 3 * ms, 5 * ms, 5 * ms + 1];
        let a = Axis::build(&times, AxisMode::Linear, None);
        let y: Vec<f64> = a.rows.iter().map(|r| r.1).collect();
        // Quartile gap 1 ms = one row; 2 ms = two rows; 1 ns gets a row of its own.
        assert_eq!(y[1] - y[0], ROW);
        assert_eq!(y[3] - y[2], ROW);
        assert_eq!(y[4] - y[3], 2.0 * ROW);
        assert_eq!(y[5] - y[4], ROW);
        assert!(a.breaks.is_empty());
        // With a message latency of 1 ms, a message spans SPAN px.
        let a = Axis::build(&times, AxisMode::Linear, Some(ms));
        assert_eq!(a.y(ms) - a.y(0), SPAN);
    }

    /// A long idle gap is cut to a break that records its length; the events mode spaces
    /// instants evenly and cuts nothing.
    #[test]
    fn long_idle_gaps_are_cut_and_marked() {
        let ms = 1_000_000;
        let times = [0, ms, 2 * ms, 3 * ms, 1_000 * ms, 1_001 * ms];
        let a = Axis::build(&times, AxisMode::Linear, None);
        assert_eq!(
            a.breaks,
            vec![Break {
                y: a.y(3 * ms) + BREAK / 2.0,
                idle: 997 * ms
            }]
        );
        assert_eq!(a.y(1_000 * ms) - a.y(3 * ms), BREAK);
        assert_eq!(a.y(1_001 * ms) - a.y(1_000 * ms), ROW);
        let e = Axis::build(&times, AxisMode::Events, None);
        assert!(e.breaks.is_empty());
        assert_eq!(e.y(1_000 * ms) - e.y(3 * ms), ROW);
    }
}
