//! Metric metadata: each metric's unit and which direction is better, so `compare` gates the
//! right way round and charts label their axes. A protocol lists its own; the kernel's
//! counters are listed once here.

/// Which way a metric improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Smaller is better (latencies, messages, mistakes).
    Lower,
    /// Larger is better (throughput, availability, commit rate).
    Higher,
    /// Neither: a count, a parameter echoed back, or a theoretical value (never gated).
    Neither,
}

/// One metric's metadata. `name` may hold one `*`, which matches any run of characters
/// (`load_eq_*_theory`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricMeta {
    /// Metric name, or a pattern with one `*`.
    pub name: &'static str,
    /// Unit for axes and tables (`s`, `ms`, `messages`, `fraction`, ...; empty if none).
    pub unit: &'static str,
    /// Which direction is better.
    pub better: Better,
    /// One line saying what it measures.
    pub about: &'static str,
}

impl MetricMeta {
    /// A metric where smaller is better.
    pub const fn lower(name: &'static str, unit: &'static str, about: &'static str) -> Self {
        MetricMeta {
            name,
            unit,
            better: Better::Lower,
            about,
        }
    }

    /// A metric where larger is better.
    pub const fn higher(name: &'static str, unit: &'static str, about: &'static str) -> Self {
        MetricMeta {
            name,
            unit,
            better: Better::Higher,
            about,
        }
    }

    /// A metric with no better direction.
    pub const fn neither(name: &'static str, unit: &'static str, about: &'static str) -> Self {
        MetricMeta {
            name,
            unit,
            better: Better::Neither,
            about,
        }
    }

    /// True if `metric` is this entry's name or matches its pattern.
    pub fn matches(&self, metric: &str) -> bool {
        match self.name.split_once('*') {
            None => self.name == metric,
            Some((pre, post)) => {
                metric.len() >= pre.len() + post.len()
                    && metric.starts_with(pre)
                    && metric.ends_with(post)
            }
        }
    }
}

/// The counters every simulation reports, whatever the protocol.
pub const KERNEL_METRICS: &[MetricMeta] = &[
    MetricMeta::neither(
        "messages_sent",
        "messages",
        "messages handed to the network",
    ),
    MetricMeta::neither("messages_delivered", "messages", "messages delivered"),
    MetricMeta::neither(
        "messages_dropped",
        "messages",
        "messages lost, cut, or sent to a crashed node",
    ),
    MetricMeta::neither("reached_*", "", "1 if a `sometimes` property was reached"),
    MetricMeta::lower(
        "trace_write_errors",
        "",
        "1 if the trace sink failed to write",
    ),
];

/// The metadata of `metric`: the protocol's own entry first, then the kernel's.
pub fn lookup(own: &[MetricMeta], metric: &str) -> Option<MetricMeta> {
    own.iter()
        .chain(KERNEL_METRICS)
        .find(|m| m.matches(metric))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_only_their_shape() {
        let m = MetricMeta::neither("load_eq_*_theory", "", "");
        assert!(m.matches("load_eq_3_theory"));
        assert!(!m.matches("load_eq_3"));
        assert!(!m.matches("load_eq_theory"));
        assert_eq!(
            lookup(&[], "reached_decided").map(|m| m.better),
            Some(Better::Neither)
        );
        assert_eq!(lookup(&[], "latency"), None);
    }
}
