//! ShiViz log (<https://bestchai.bitbucket.io/shiviz/>): two lines per logged event,
//!
//! ```text
//! n0 {"n0":2}
//! send prepare#2 to n2
//! n2 {"n0":2,"n2":2}
//! deliver prepare#2 from n0
//! ```
//!
//! Paste the log into ShiViz with this parser regex (multi-line, as ShiViz expects it):
//!
//! ```text
//! (?<host>\S*) (?<clock>{.*})\n(?<event>.*)
//! ```
//!
//! (For the Rust `regex` crate, escape the braces: `(?<host>\S*) (?<clock>\{.*\})\n(?<event>.*)`.)
//!
//! * Hosts are the node names, with whitespace replaced by `_`. Events without a node (a
//!   `violation` or `note` the kernel did not attach to a node) are logged on the pseudo-host
//!   `_sim`, as local events.
//! * Logged events: `send` and `drop` on the sender, `deliver` on the destination, `crash`,
//!   `restart`, `timer_fire`, `note`, `violation` on their node. A `drop` is a local event
//!   of the sender (`drop kind#id to <dst> (<reason>)`): the message's fate shown on the
//!   line of the node that sent it. Other kernel events are not logged.
//! * Vector clocks: a host's own entry starts at 1 on its first logged event and rises by
//!   exactly 1 per event it logs; a `deliver` first merges (pointwise max) the clock the
//!   sender had right after logging the matching `send` (each copy of a duplicated message
//!   carries that same clock), then increments. Keys are printed sorted by host name, and
//!   only hosts the clock has heard of appear.
//!
//! Memory is bounded by the messages in flight (one clock each), not by the trace length.

use std::io::{self, Write};

use sim::trace::{EventKind, TraceLine};

use crate::common::{Flights, node_name, what};
use crate::fmt::{json_str, one_line};

/// The ShiViz parser regex for logs written by [`write_shiviz`] (JavaScript syntax, as typed
/// into ShiViz's "log parsing regular expression" box).
pub const PARSER_REGEX: &str = r"(?<host>\S*) (?<clock>{.*})\n(?<event>.*)";

/// Name of the pseudo-host for events without a node.
pub const SIM_HOST: &str = "_sim";

/// Writes the ShiViz log of `lines` and returns the number of events logged.
pub fn write_shiviz<W: Write>(
    mut out: W,
    nodes: &[String],
    lines: impl IntoIterator<Item = TraceLine>,
) -> io::Result<u64> {
    let mut hosts: Vec<String> = (0..nodes.len() as u32)
        .map(|i| {
            let n = node_name(nodes, i);
            let s: String = n
                .chars()
                .map(|c| if c.is_whitespace() { '_' } else { c })
                .collect();
            if s.is_empty() { format!("#{i}") } else { s }
        })
        .collect();
    let sim_host = hosts.len();
    hosts.push(SIM_HOST.to_string());
    // Hosts beyond the node list (bad indices) get their own lazily added entries.
    let mut state = State {
        clocks: vec![vec![0; hosts.len()]; hosts.len()],
        hosts,
        sim_host,
        buf: String::new(),
    };
    let mut flights: Flights<Vec<u64>> = Flights::default();
    let mut n = 0u64;

    for l in lines {
        let text = |l: &TraceLine| one_line(l.text.as_deref().unwrap_or("")).into_owned();
        let logged = match l.ev {
            EventKind::Send => match (l.from, l.to, l.msg) {
                (Some(from), Some(to), Some(msg)) => {
                    let h = state.host(nodes, from);
                    let dst = state.host_name(nodes, to);
                    state.tick(h);
                    flights.launch(msg, state.clocks[h].clone());
                    Some((h, format!("send {} to {dst}", one_line(&what(&l)))))
                }
                _ => None,
            },
            EventKind::Duplicate => {
                if let Some((msg, c)) = l
                    .msg
                    .and_then(|m| flights.first(m).cloned().map(|c| (m, c)))
                {
                    flights.duplicate(msg, c);
                }
                None
            }
            EventKind::Deliver => match (l.from, l.to, l.msg) {
                (Some(from), Some(to), Some(msg)) => {
                    let h = state.host(nodes, to);
                    let src = state.host_name(nodes, from);
                    if let Some((_, sent)) = flights.land(msg) {
                        state.merge(h, &sent);
                    }
                    state.tick(h);
                    Some((h, format!("deliver {} from {src}", one_line(&what(&l)))))
                }
                _ => None,
            },
            EventKind::Drop => match (l.from, l.to, l.msg) {
                (Some(from), Some(to), Some(msg)) => {
                    flights.land(msg);
                    let h = state.host(nodes, from);
                    let dst = state.host_name(nodes, to);
                    state.tick(h);
                    let reason = l.reason.as_deref().unwrap_or("?");
                    Some((
                        h,
                        format!("drop {} to {dst} ({reason})", one_line(&what(&l))),
                    ))
                }
                _ => None,
            },
            EventKind::Crash | EventKind::Restart => {
                Some((state.local(nodes, l.node), l.ev.name().to_string()))
            }
            EventKind::TimerFire => Some((
                state.local(nodes, l.node),
                format!("timer_fire {}", what(&l)),
            )),
            EventKind::Note | EventKind::Violation => Some((
                state.local(nodes, l.node),
                format!("{}: {}", l.ev, text(&l)),
            )),
            EventKind::Start
            | EventKind::TimerSet
            | EventKind::TimerCancel
            | EventKind::Pause
            | EventKind::Resume
            | EventKind::Cut
            | EventKind::Heal
            | EventKind::ClockStep
            | EventKind::Drift
            | EventKind::Persist
            | EventKind::Observe
            | EventKind::Rule
            | EventKind::Phase => None,
        };
        if let Some((h, desc)) = logged {
            state.log(&mut out, h, &desc)?;
            n += 1;
        }
    }
    Ok(n)
}

/// [`write_shiviz`] into a `String`.
pub fn shiviz_string(nodes: &[String], lines: impl IntoIterator<Item = TraceLine>) -> String {
    let mut v = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_shiviz(&mut v, nodes, lines);
    String::from_utf8(v).unwrap_or_default()
}

struct State {
    hosts: Vec<String>,
    /// The host index of [`SIM_HOST`].
    sim_host: usize,
    /// `clocks[h][k]`: host h's knowledge of host k's counter.
    clocks: Vec<Vec<u64>>,
    buf: String,
}

impl State {
    /// The host index of node `idx`, adding a host for an index beyond the node list.
    fn host(&mut self, nodes: &[String], idx: u32) -> usize {
        let i = idx as usize;
        if i < nodes.len() {
            return i;
        }
        let name = format!("#{idx}");
        if let Some(p) = self.hosts.iter().position(|h| *h == name) {
            return p;
        }
        self.hosts.push(name);
        let n = self.hosts.len();
        for c in &mut self.clocks {
            c.resize(n, 0);
        }
        self.clocks.push(vec![0; n]);
        n - 1
    }

    fn host_name(&mut self, nodes: &[String], idx: u32) -> String {
        let h = self.host(nodes, idx);
        self.hosts[h].clone()
    }

    /// A local event on `node`'s host ([`SIM_HOST`] without a node): ticks its clock and
    /// returns the host.
    fn local(&mut self, nodes: &[String], node: Option<u32>) -> usize {
        let h = match node {
            Some(node) => self.host(nodes, node),
            None => self.sim_host,
        };
        self.tick(h);
        h
    }

    fn tick(&mut self, h: usize) {
        self.clocks[h][h] += 1;
    }

    fn merge(&mut self, h: usize, other: &[u64]) {
        for (mine, theirs) in self.clocks[h].iter_mut().zip(other) {
            *mine = (*mine).max(*theirs);
        }
    }

    fn log<W: Write>(&mut self, out: &mut W, h: usize, desc: &str) -> io::Result<()> {
        use std::fmt::Write as _;
        self.buf.clear();
        self.buf.push_str(&self.hosts[h]);
        self.buf.push_str(" {");
        // Keys sorted by host name (a handful of hosts: sorting indices is cheap).
        let mut keys: Vec<usize> = (0..self.hosts.len())
            .filter(|&k| self.clocks[h][k] > 0)
            .collect();
        keys.sort_by(|a, b| self.hosts[*a].cmp(&self.hosts[*b]));
        for (j, k) in keys.into_iter().enumerate() {
            if j > 0 {
                self.buf.push(',');
            }
            let _ = write!(
                self.buf,
                "{}:{}",
                json_str(&self.hosts[k]),
                self.clocks[h][k]
            );
        }
        self.buf.push_str("}\n");
        self.buf.push_str(desc);
        self.buf.push('\n');
        out.write_all(self.buf.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::testdata::{names, sample_trace};

    #[test]
    fn shiviz_snapshot() {
        insta::assert_snapshot!(shiviz_string(&names(), sample_trace()));
    }

    type Clock = BTreeMap<String, u64>;

    /// Parses the log with the documented regex ([`PARSER_REGEX`]).
    fn parse(log: &str) -> Vec<(String, Clock, String)> {
        // Rust's regex needs the braces escaped; otherwise the very same pattern.
        let pattern = PARSER_REGEX.replace('{', r"\{").replace('}', r"\}");
        assert_eq!(pattern, r"(?<host>\S*) (?<clock>\{.*\})\n(?<event>.*)");
        let re = regex::Regex::new(&pattern).unwrap();
        let mut covered = 0;
        let v: Vec<_> = re
            .captures_iter(log)
            .map(|c| {
                covered += c[0].len() + 1;
                let clock: Clock = serde_json::from_str(&c["clock"]).expect("clock is JSON");
                (c["host"].to_string(), clock, c["event"].to_string())
            })
            .collect();
        assert_eq!(covered, log.len(), "the regex must account for every byte");
        v
    }

    #[test]
    fn vector_clocks_follow_the_rules() {
        let log = shiviz_string(&names(), sample_trace());
        let entries = parse(&log);
        // 6 sends, 4 delivers, 2 drops, crash, restart, timer_fire, note, violation.
        assert_eq!(entries.len(), 17, "{log}");
        let mut own: BTreeMap<String, u64> = BTreeMap::new();
        let mut sends: BTreeMap<String, Clock> = BTreeMap::new();
        let mut delivers = 0;
        for (host, clock, event) in &entries {
            // Own entry starts at 1 and rises by exactly 1 per logged event.
            let prev = own.entry(host.clone()).or_insert(0);
            assert_eq!(clock.get(host).copied(), Some(*prev + 1), "{host}: {event}");
            *prev += 1;
            let mut words = event.split_whitespace();
            match (words.next(), words.next()) {
                (Some("send"), Some(m)) => {
                    sends.insert(m.to_string(), clock.clone());
                }
                (Some("deliver"), Some(m)) => {
                    delivers += 1;
                    let sent = &sends[m];
                    for (k, v) in sent {
                        assert!(clock.get(k).copied().unwrap_or(0) >= *v, "{event}: {k}");
                    }
                }
                _ => {}
            }
        }
        assert_eq!(delivers, 4);
        // The violation has no node: it is logged on the pseudo-host.
        assert!(
            entries
                .iter()
                .any(|(h, _, e)| h == SIM_HOST && e == "violation: agreement")
        );
    }

    #[test]
    fn keys_are_printed_sorted() {
        for line in shiviz_string(&names(), sample_trace()).lines().step_by(2) {
            let (_, clock) = line.split_once(' ').unwrap();
            let keys: Vec<&str> = clock
                .trim_matches(['{', '}'])
                .split(',')
                .map(|kv| kv.split(':').next().unwrap())
                .collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "{line}");
        }
    }
}
