//! Progress of a long command on stderr.

use std::io::IsTerminal;
use std::time::Instant;

/// Progress of a sweep or comparison on stderr: a bar on a terminal; elsewhere (CI logs,
/// pipes) one line every few seconds, so a long job shows it is alive; nothing with --quiet.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    lines: Option<LineProgress>,
}

/// The off-terminal form: done/total, elapsed and an estimate, every `PROGRESS_EVERY`.
pub(super) struct LineProgress {
    total: u64,
    done: std::sync::atomic::AtomicU64,
    start: Instant,
    last: std::sync::Mutex<Instant>,
}

/// How often the off-terminal progress line is printed.
pub(super) const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Progress {
    pub(super) fn new(total: u64, what: &str, quiet: bool) -> Progress {
        if quiet {
            return Progress {
                bar: None,
                lines: None,
            };
        }
        if std::io::stderr().is_terminal() {
            let pb = indicatif::ProgressBar::new(total);
            let template = format!("{{bar:40}} {{pos}}/{{len}} {what} [{{elapsed}} < {{eta}}]");
            pb.set_style(
                indicatif::ProgressStyle::with_template(&template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            return Progress {
                bar: Some(pb),
                lines: None,
            };
        }
        let now = Instant::now();
        Progress {
            bar: None,
            lines: Some(LineProgress {
                total,
                done: std::sync::atomic::AtomicU64::new(0),
                start: now,
                last: std::sync::Mutex::new(now),
            }),
        }
    }

    /// One more run finished (called from worker threads).
    pub(super) fn tick(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
        let Some(l) = &self.lines else { return };
        let done = l.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let now = Instant::now();
        let Ok(mut last) = l.last.try_lock() else {
            return;
        };
        if now.duration_since(*last) < PROGRESS_EVERY || done == l.total {
            return;
        }
        *last = now;
        let secs = now.duration_since(l.start).as_secs_f64();
        let left = secs / done as f64 * (l.total - done) as f64;
        eprintln!(
            "progress: {done}/{} runs, {secs:.0} s elapsed, about {left:.0} s left",
            l.total
        );
    }

    pub(super) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
