//! Message counters: what the run's result reports, and what the conservation invariant
//! (sent = delivered + dropped + in flight) is checked against at the end, with the
//! messages in flight counted from the queue itself.

/// Messages sent, delivered and dropped so far, and the next message id.
#[derive(Default)]
pub(super) struct Counters {
    /// Transmissions (duplicates count as one more).
    pub(super) sent: u64,
    pub(super) delivered: u64,
    pub(super) dropped: u64,
    pub(super) next_msg: u64,
}
