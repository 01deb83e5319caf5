//! Deterministic formatting helpers shared by every renderer: floats, simulated times and
//! escaping for XML/HTML, JSON, CSV and Markdown. Nothing here depends on the locale, the
//! platform or the wall clock, so the same input always gives the same bytes.

use std::fmt::Write as _;

/// Formats a float deterministically for humans and for diff-stable output.
///
/// * finite values with `1e-4 <= |x| < 1e15` (and zero): fixed notation with at most six
///   decimals, trailing zeros and a trailing `.` removed (`1.5`, `0.333333`, `42`);
/// * other finite values: scientific notation with at most six significant digits
///   (`1.5e-7`, `2.5e20`);
/// * `-0` (and anything that rounds to zero) prints as `0`; NaN as `nan`; infinities as
///   `inf` / `-inf`.
pub fn fmt_f64(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let a = x.abs();
    if !(1e-4..1e15).contains(&a) {
        let s = format!("{x:.5e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{}", trim_zeros(mantissa), exp);
    }
    let s = format!("{x:.6}");
    let t = trim_zeros(&s);
    if t == "-0" {
        "0".to_string()
    } else {
        t.to_string()
    }
}

/// Removes trailing zeros after a decimal point, and the point itself if nothing follows.
fn trim_zeros(s: &str) -> &str {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.')
}

/// Formats a simulated time in ns as seconds with exactly six decimals (µs resolution,
/// truncated, never rounded): `1_234_567_891` → `1.234567`.
pub fn fmt_secs(ns: u64) -> String {
    let mut s = String::with_capacity(16);
    push_secs(&mut s, ns);
    s
}

/// Appends [`fmt_secs`] of `ns` to `out` without allocating.
pub fn push_secs(out: &mut String, ns: u64) {
    let _ = write!(
        out,
        "{}.{:06}",
        ns / 1_000_000_000,
        (ns % 1_000_000_000) / 1_000
    );
}

/// Formats a signed duration in ns as signed seconds with six decimals: `-5_000_000` →
/// `-0.005000s`, `250` → `+0.000000s`.
pub fn fmt_signed_secs(ns: i64) -> String {
    let sign = if ns < 0 { '-' } else { '+' };
    format!("{sign}{}s", fmt_secs(ns.unsigned_abs()))
}

/// Formats a time in ns as microseconds with exactly three decimals (`1234` → `1.234`), the
/// unit of Chrome's Trace Event Format. Exact: no float rounding involved.
pub fn fmt_micros(ns: u64) -> String {
    format!("{}.{:03}", ns / 1_000, ns % 1_000)
}

/// Escapes text for XML/HTML content and attribute values (`& < > " '`).
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_xml_escaped(&mut out, s);
    out
}

/// Appends `s` to `out`, XML-escaped; control characters other than tab and newline (not
/// allowed in XML 1.0) become U+FFFD.
pub fn push_xml_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// A JSON string literal (with quotes) for `s`.
pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// Makes `s` fit on one line: `\n`, `\r`, `\t` and other control characters are written as
/// escapes (`\n`, `\r`, `\t`, `\u{..}`), so one record never spans two lines.
pub fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Quotes a CSV field when needed (RFC 4180: fields with `,`, `"`, CR or LF are wrapped in
/// quotes and inner quotes doubled).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Escapes a Markdown table cell: `|` and `\` are backslash-escaped, newlines become spaces.
pub fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_short_and_stable() {
        assert_eq!(fmt_f64(0.0), "0");
        assert_eq!(fmt_f64(-0.0), "0");
        assert_eq!(fmt_f64(-1e-9 * 1e-9), "-1e-18");
        assert_eq!(fmt_f64(-0.0000001), "-1e-7");
        assert_eq!(fmt_f64(1.5), "1.5");
        assert_eq!(fmt_f64(42.0), "42");
        assert_eq!(fmt_f64(1.0 / 3.0), "0.333333");
        assert_eq!(fmt_f64(-2.0 / 3.0), "-0.666667");
        assert_eq!(fmt_f64(1234.5678901), "1234.56789");
        assert_eq!(fmt_f64(1.5e-7), "1.5e-7");
        assert_eq!(fmt_f64(2.5e20), "2.5e20");
        assert_eq!(fmt_f64(f64::NAN), "nan");
        assert_eq!(fmt_f64(f64::INFINITY), "inf");
        assert_eq!(fmt_f64(f64::NEG_INFINITY), "-inf");
        assert_eq!(fmt_f64(0.0001), "0.0001");
    }

    #[test]
    fn times_are_exact() {
        assert_eq!(fmt_secs(0), "0.000000");
        assert_eq!(fmt_secs(1_234_567_891), "1.234567");
        assert_eq!(fmt_signed_secs(-5_000_000), "-0.005000s");
        assert_eq!(fmt_signed_secs(250), "+0.000000s");
        assert_eq!(fmt_micros(1_234), "1.234");
        assert_eq!(fmt_micros(7), "0.007");
    }

    #[test]
    fn escaping() {
        assert_eq!(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
        assert_eq!(xml_escape("x\u{1}y"), "x\u{FFFD}y");
        assert_eq!(one_line("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(md_cell("a|b"), "a\\|b");
        assert_eq!(json_str("q\""), "\"q\\\"\"");
    }
}
