//! A server's log with an offset: the entries after its last snapshot (the compacted prefix
//! is stood for by the snapshot's last included index and term, Figure 12 of the paper).
//! Indices are the protocol's (1-based, 0 before the log), whatever has been discarded.

use super::kv::Kv;
use super::messages::{Entry, Index, KvOp, Term};

/// A snapshot of the state machine (Figure 12): the key-value store and its session table
/// (so a retried write still applies once) after the entries up to `index`, the last of
/// which had term `term`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// lastIncludedIndex.
    pub index: Index,
    /// lastIncludedTerm.
    pub term: Term,
    /// The state machine after entry `index`.
    pub kv: Kv,
    /// The latest configuration entry up to `index` (its index and members), if any: the
    /// compacted prefix must not take the cluster's membership with it.
    pub config: Option<(Index, u64)>,
}

/// The retained log: entries `base + 1 ..= last_index()`, the prefix up to `base` compacted
/// into a snapshot whose last entry had term `base_term`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    base: Index,
    base_term: Term,
    /// The latest configuration entry in the compacted prefix (index, members).
    base_config: Option<(Index, u64)>,
    entries: Vec<Entry>,
}

impl Log {
    /// A log whose prefix up to `base` (last term `base_term`) is compacted, then `entries`.
    pub fn new(base: Index, base_term: Term, entries: Vec<Entry>) -> Log {
        Log {
            base,
            base_term,
            base_config: None,
            entries,
        }
    }

    /// The same log, its compacted prefix holding configuration `config` (from a snapshot).
    pub fn with_config(mut self, config: Option<(Index, u64)>) -> Log {
        self.base_config = config;
        self
    }

    /// The latest configuration entry in the compacted prefix (index, members), if any.
    pub fn base_config(&self) -> Option<(Index, u64)> {
        self.base_config
    }

    /// The latest configuration entry at or before index `at` (index, members): retained
    /// entries first, then the compacted prefix's.
    pub fn config_before(&self, at: Index) -> Option<(Index, u64)> {
        let keep = (at.saturating_sub(self.base) as usize).min(self.entries.len());
        self.entries[..keep]
            .iter()
            .enumerate()
            .rev()
            .find_map(|(k, e)| match e.cmd.op {
                KvOp::Config { members } => Some((self.base + k as Index + 1, members)),
                _ => None,
            })
            .or(self.base_config.filter(|&(i, _)| i <= at))
    }

    /// The last compacted index (0: nothing compacted).
    pub fn base(&self) -> Index {
        self.base
    }

    /// The term of the last compacted entry (0 when nothing is).
    pub fn base_term(&self) -> Term {
        self.base_term
    }

    /// The retained entries, in order, the first at index `base() + 1`.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Index of the last entry (compacted or not).
    pub fn last_index(&self) -> Index {
        self.base + self.entries.len() as Index
    }

    /// The term of entry `i`: known for `base()` (the snapshot's) and every retained entry;
    /// `None` inside the compacted prefix and past the end (0 for index 0).
    pub fn term(&self, i: Index) -> Option<Term> {
        if i == self.base {
            return Some(self.base_term);
        }
        self.get(i).map(|e| e.term)
    }

    /// Retained entry `i`.
    pub fn get(&self, i: Index) -> Option<&Entry> {
        let k = i.checked_sub(self.base + 1)?;
        self.entries.get(k as usize)
    }

    /// The retained entries from index `from` (> `base()`), at most `max` of them.
    pub fn slice(&self, from: Index, max: usize) -> Vec<Entry> {
        let k = (from.saturating_sub(self.base + 1) as usize).min(self.entries.len());
        let end = self.entries.len().min(k + max);
        self.entries[k..end].to_vec()
    }

    /// Keeps entries up to index `keep` (not below `base()`), drops the rest.
    pub fn truncate(&mut self, keep: Index) {
        let k = keep.saturating_sub(self.base) as usize;
        self.entries.truncate(k);
    }

    /// Appends entries after the last.
    pub fn extend(&mut self, entries: &[Entry]) {
        self.entries.extend_from_slice(entries);
    }

    /// Discards entries up to `upto` (a retained index, or the last): they now live in a
    /// snapshot whose last entry has term `term`.
    pub fn compact(&mut self, upto: Index, term: Term) {
        let k = (upto.saturating_sub(self.base) as usize).min(self.entries.len());
        self.base_config = self.config_before(self.base + k as Index);
        self.entries.drain(..k);
        self.base = upto;
        self.base_term = term;
    }

    /// Replaces everything up to `upto` by a snapshot ending there in term `term`; the
    /// entries after it stay if the log holds that very entry (same index and term), else
    /// the whole log goes (Figure 13, steps 6 and 7). A snapshot no newer than the log's own changes nothing.
    pub fn install(&mut self, upto: Index, term: Term) {
        if upto <= self.base {
            return;
        }
        if self.term(upto) == Some(term) {
            self.compact(upto, term);
        } else {
            *self = Log::new(upto, term, Vec::new());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::messages::Command;

    fn e(term: Term, seq: u64) -> Entry {
        Entry {
            term,
            cmd: Command {
                client: 3,
                inc: 0,
                seq,
                op: KvOp::Get { key: 0 },
            },
        }
    }

    // Shows: after compaction, indices stay the protocol's: the snapshot's index keeps its
    // term, compacted ones have none, and slices and truncation count from the offset.
    #[test]
    fn indices_survive_compaction() {
        let mut l = Log::new(0, 0, (1..=6).map(|i| e(i / 3 + 1, i)).collect());
        assert_eq!(
            (l.last_index(), l.term(0), l.term(3)),
            (6, Some(0), Some(2))
        );
        l.compact(4, 2);
        assert_eq!((l.base(), l.last_index(), l.entries().len()), (4, 6, 2));
        assert_eq!(
            (l.term(3), l.term(4), l.term(5), l.term(7)),
            (None, Some(2), Some(2), None)
        );
        assert_eq!(l.slice(5, 1), vec![e(2, 5)]);
        assert_eq!(
            l.slice(2, 10).len(),
            2,
            "a slice starts at the first retained entry"
        );
        l.truncate(5);
        assert_eq!(l.last_index(), 5);
        l.extend(&[e(4, 9)]);
        assert_eq!(l.get(6), Some(&e(4, 9)));
    }

    // Shows: installing a snapshot keeps the entries after it only if the log holds its last
    // entry; otherwise the log is the snapshot alone.
    #[test]
    fn install_keeps_a_matching_tail_only() {
        let mut l = Log::new(0, 0, vec![e(1, 1), e(1, 2), e(2, 3)]);
        l.install(2, 1);
        assert_eq!((l.base(), l.last_index()), (2, 3));
        l.install(3, 5);
        assert_eq!((l.base(), l.base_term(), l.last_index()), (3, 5, 3));
        l.install(9, 6);
        assert_eq!((l.base(), l.last_index(), l.entries().len()), (9, 9, 0));
    }
}
