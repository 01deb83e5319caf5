//! Integer virtual time. One tick is one nanosecond of simulated time; nothing in the world
//! reads the wall clock. [`Time`] is an instant or a duration (never negative);
//! [`TimeDelta`] is a signed duration, for what can go backwards: a clock step.
//!
//! ```
//! use sim::{Time, TimeDelta};
//!
//! assert_eq!(Time::from_millis(1500).to_string(), "1.500000s");
//! let back = -TimeDelta::from_millis(50);
//! assert_eq!(back.as_nanos(), -50_000_000);
//! assert_eq!(back.to_string(), "-50ms");
//! assert_eq!(TimeDelta::from_millis_f64(-0.5), Ok(TimeDelta::from_micros(-500)));
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub};

/// An instant or a duration of simulated time, in nanoseconds since the start of the run.
///
/// In scenario files a `Time` is written as a string with a unit (`"250ms"`, `"1.5s"`) or as
/// a bare number of seconds; it is written back in the largest unit that keeps it exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub u64);

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.exact_string())
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Time;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"250ms\" or \"1.5s\", or a number of seconds")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Time, E> {
                parse_duration(v).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Time, E> {
                if v.is_finite() && v >= 0.0 {
                    let shown = if v >= 1e15 {
                        format!("{v:e}")
                    } else {
                        v.to_string()
                    };
                    bounded(v, &shown).map_err(E::custom)
                } else {
                    Err(E::custom(format!(
                        "{v} must be a finite, non-negative number of seconds"
                    )))
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Time, E> {
                bounded(v as f64, &v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Time, E> {
                if v < 0 {
                    return Err(E::custom(format!(
                        "{v} must be a non-negative number of seconds"
                    )));
                }
                bounded(v as f64, &v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl Time {
    /// The start of every run.
    pub const ZERO: Time = Time(0);
    /// The largest representable instant ("never").
    pub const MAX: Time = Time(u64::MAX);

    /// `n` nanoseconds.
    pub const fn from_nanos(n: u64) -> Time {
        Time(n)
    }
    /// `n` microseconds.
    pub const fn from_micros(n: u64) -> Time {
        Time(n * 1_000)
    }
    /// `n` milliseconds.
    pub const fn from_millis(n: u64) -> Time {
        Time(n * 1_000_000)
    }
    /// `n` seconds.
    pub const fn from_secs(n: u64) -> Time {
        Time(n * 1_000_000_000)
    }
    /// Seconds as a float, rounded to the nearest nanosecond; negative or NaN gives zero.
    pub fn from_secs_f64(s: f64) -> Time {
        if s.is_nan() || s <= 0.0 {
            return Time(0);
        }
        let ns = libm::round(s * 1e9);
        if ns >= u64::MAX as f64 {
            Time::MAX
        } else {
            Time(ns as u64)
        }
    }
    /// Nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Seconds as a float (for metrics and reports only, never for ordering).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
    /// Milliseconds as a float (for metrics and reports only).
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    /// The exact value in the largest unit that divides it: `"2s"`, `"250ms"`, `"7ns"`.
    pub fn exact_string(self) -> String {
        let n = self.0;
        if n == 0 {
            "0s".to_string()
        } else if n.is_multiple_of(1_000_000_000) {
            format!("{}s", n / 1_000_000_000)
        } else if n.is_multiple_of(1_000_000) {
            format!("{}ms", n / 1_000_000)
        } else if n.is_multiple_of(1_000) {
            format!("{}us", n / 1_000)
        } else {
            format!("{n}ns")
        }
    }
    /// `self + d`, saturating at [`Time::MAX`].
    pub const fn saturating_add(self, d: Time) -> Time {
        Time(self.0.saturating_add(d.0))
    }
    /// `self - d`, saturating at zero.
    pub const fn saturating_sub(self, d: Time) -> Time {
        Time(self.0.saturating_sub(d.0))
    }
}

impl Add for Time {
    type Output = Time;
    fn add(self, o: Time) -> Time {
        self.saturating_add(o)
    }
}
impl AddAssign for Time {
    fn add_assign(&mut self, o: Time) {
        *self = *self + o;
    }
}
impl Sub for Time {
    type Output = Time;
    fn sub(self, o: Time) -> Time {
        self.saturating_sub(o)
    }
}

impl fmt::Display for Time {
    /// Human form with a unit chosen by magnitude, e.g. `1.500s`, `20ms`, `300ns`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n == u64::MAX {
            write!(f, "never")
        } else if n >= 1_000_000_000 {
            write!(
                f,
                "{}.{:06}s",
                n / 1_000_000_000,
                (n % 1_000_000_000) / 1_000
            )
        } else if n >= 1_000_000 {
            write!(f, "{}.{:03}ms", n / 1_000_000, (n % 1_000_000) / 1_000)
        } else if n >= 1_000 {
            write!(f, "{}.{:03}us", n / 1_000, n % 1_000)
        } else {
            write!(f, "{n}ns")
        }
    }
}

/// A signed duration of simulated time, in nanoseconds: how far a clock step moves a node's
/// local clock (negative: backwards). Its magnitude is at most [`MAX_DURATION`] either way
/// when it reaches the world, which checks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeDelta(pub i64);

impl TimeDelta {
    /// No change.
    pub const ZERO: TimeDelta = TimeDelta(0);

    /// `n` nanoseconds.
    pub const fn from_nanos(n: i64) -> TimeDelta {
        TimeDelta(n)
    }
    /// `n` microseconds.
    pub const fn from_micros(n: i64) -> TimeDelta {
        TimeDelta(n * 1_000)
    }
    /// `n` milliseconds.
    pub const fn from_millis(n: i64) -> TimeDelta {
        TimeDelta(n * 1_000_000)
    }
    /// `n` seconds.
    pub const fn from_secs(n: i64) -> TimeDelta {
        TimeDelta(n * 1_000_000_000)
    }
    /// Milliseconds as a float (scenario files write clock steps as `delta_ms`), rounded to
    /// the nearest nanosecond. The error says what is allowed: a finite number within
    /// [`MAX_DURATION`] either way.
    pub fn from_millis_f64(ms: f64) -> Result<TimeDelta, String> {
        let max_ms = MAX_DURATION.0 as f64 / 1e6;
        if !(ms.is_finite() && ms.abs() <= max_ms) {
            return Err(format!(
                "{ms:?} ms is not a clock step: it must be a finite number of milliseconds in \
                 [-{max_ms}, {max_ms}] (146 years, 2^62 ns, either way)"
            ));
        }
        Ok(TimeDelta(libm::round(ms * 1e6) as i64))
    }
    /// A forward step as long as `t` (saturating at `i64::MAX` nanoseconds).
    pub const fn forward(t: Time) -> TimeDelta {
        TimeDelta(if t.0 > i64::MAX as u64 {
            i64::MAX
        } else {
            t.0 as i64
        })
    }
    /// Nanoseconds, signed.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }
    /// The magnitude as a [`Time`].
    pub const fn abs(self) -> Time {
        Time(self.0.unsigned_abs())
    }
    /// True for a backward step.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl Neg for TimeDelta {
    type Output = TimeDelta;
    /// The step the other way (saturating: `-i64::MIN` is `i64::MAX`).
    fn neg(self) -> TimeDelta {
        TimeDelta(self.0.saturating_neg())
    }
}

impl fmt::Display for TimeDelta {
    /// The exact value with its sign in the largest unit that divides it: `-50ms`, `2s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}", self.abs().exact_string())
    }
}

/// Parses a duration such as `250ms`, `1.5s`, `20us`, `300ns`, `2m` or a bare number of
/// seconds. Returns a message naming what is allowed on error.
pub fn parse_duration(s: &str) -> Result<Time, String> {
    let s = s.trim();
    let split =
        s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == '-' || c == '+'));
    let (num, unit) = match split {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, "s"),
    };
    let v: f64 = num.parse().map_err(|_| {
        format!("`{s}` is not a duration; use a number with a unit: ns, us, ms, s, m, h")
    })?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("`{s}` must be a finite, non-negative duration"));
    }
    let scale = match unit {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => {
            return Err(format!(
                "`{s}` has unknown unit `{unit}`; allowed: ns, us, ms, s, m, h"
            ));
        }
    };
    bounded(v * scale, s)
}

/// The longest duration a scenario may give: 2^62 ns, about 146 years. It stays far below
/// `u64::MAX` ([`Time::MAX`], "never") so that a time plus a few durations cannot overflow.
pub const MAX_DURATION: Time = Time(1 << 62);

/// `secs` (finite, non-negative) as a [`Time`], or an error naming `shown` if it is longer
/// than [`MAX_DURATION`].
fn bounded(secs: f64, shown: &str) -> Result<Time, String> {
    if secs * 1e9 > MAX_DURATION.0 as f64 {
        return Err(format!(
            "`{shown}` is too long: a duration is at most 146 years (2^62 ns)"
        ));
    }
    let t = Time::from_secs_f64(secs);
    if t == Time::ZERO && secs > 0.0 {
        // Rounding it to 0 would silently turn "a little" into "nothing".
        return Err(format!(
            "`{shown}` is below the 1 ns resolution of simulated time"
        ));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_picks_a_unit() {
        assert_eq!(Time::from_millis(1500).to_string(), "1.500000s");
        assert_eq!(Time::from_micros(2500).to_string(), "2.500ms");
        assert_eq!(Time(300).to_string(), "300ns");
        assert_eq!(Time::MAX.to_string(), "never");
    }

    #[test]
    fn parses_durations_and_rejects_garbage() {
        assert_eq!(parse_duration("250ms"), Ok(Time::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(Time::from_millis(1500)));
        assert_eq!(parse_duration("2"), Ok(Time::from_secs(2)));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-1s").is_err());
        // Longer than 2^62 ns: would overflow time arithmetic, or read as "never".
        assert_eq!(
            parse_duration("146y").unwrap_err(),
            "`146y` has unknown unit `y`; allowed: ns, us, ms, s, m, h"
        );
        assert_eq!(
            parse_duration("1e30s").unwrap_err(),
            "`1e30s` is too long: a duration is at most 146 years (2^62 ns)"
        );
        assert!(parse_duration("99999999999h").is_err());
        assert_eq!(
            parse_duration("1000000h"),
            Ok(Time::from_secs(3_600_000_000))
        );
        // Whole nanoseconds: a positive duration never rounds to zero.
        assert_eq!(parse_duration("1.4ns"), Ok(Time(1)));
        assert_eq!(parse_duration("0s"), Ok(Time::ZERO));
        assert_eq!(
            parse_duration("0.4ns").unwrap_err(),
            "`0.4ns` is below the 1 ns resolution of simulated time"
        );
    }

    /// Signed steps keep their sign through display and negation; the float form rounds to
    /// the nanosecond and refuses what no clock step can be.
    #[test]
    fn deltas_are_signed_and_bounded() {
        assert_eq!(TimeDelta::from_millis(-50).to_string(), "-50ms");
        assert_eq!(TimeDelta::from_secs(2).to_string(), "2s");
        assert_eq!(TimeDelta::ZERO.to_string(), "0s");
        assert_eq!(-TimeDelta::from_micros(3), TimeDelta(-3_000));
        assert_eq!(-TimeDelta(i64::MIN), TimeDelta(i64::MAX));
        assert_eq!(TimeDelta::from_millis(-7).abs(), Time::from_millis(7));
        assert_eq!(TimeDelta::forward(Time::MAX), TimeDelta(i64::MAX));
        assert_eq!(
            TimeDelta::from_millis_f64(1.0000004),
            Ok(TimeDelta(1_000_000))
        );
        assert_eq!(TimeDelta::from_millis_f64(-2.5), Ok(TimeDelta(-2_500_000)));
        let max_ms = MAX_DURATION.0 as f64 / 1e6;
        assert_eq!(
            TimeDelta::from_millis_f64(-max_ms),
            Ok(TimeDelta(-(MAX_DURATION.0 as i64)))
        );
        for bad in [f64::NAN, f64::INFINITY, 1e13, -1e13] {
            let e = TimeDelta::from_millis_f64(bad).unwrap_err();
            assert!(e.contains("146 years"), "{e}");
        }
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Time(3) - Time(5), Time(0));
        assert_eq!(Time::MAX + Time(1), Time::MAX);
    }
}
