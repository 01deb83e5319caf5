//! The replicated state machine: a key-value map with a session table, so a command chosen
//! in two slots (a client's retry proposed again) takes effect once and is answered with its
//! first result. The `no_session_dedup` bug switches the table off.

use std::collections::BTreeMap;

use super::messages::{Command, KvOp, KvResult};

/// The key-value store and, per client session, its last request id and result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kv {
    data: BTreeMap<u32, u64>,
    sessions: BTreeMap<(u32, u32), (u64, KvResult)>,
    /// Sessions off (the bug): every command executes, however often it is chosen.
    no_dedup: bool,
}

impl Kv {
    /// An empty store; `no_dedup` turns the session table off.
    pub fn new(no_dedup: bool) -> Kv {
        Kv {
            no_dedup,
            ..Kv::default()
        }
    }

    /// Applies a command (once per request id); returns its result and whether it executed
    /// (false when it was answered from the session table).
    pub fn apply(&mut self, c: &Command) -> (KvResult, bool) {
        if !self.no_dedup
            && let Some(&(seq, r)) = self.sessions.get(&(c.client, c.inc))
            && c.seq <= seq
        {
            // A client has one request outstanding, so an older id is a stale duplicate
            // whose answer nobody waits for; the last result is as good as any.
            return (r, false);
        }
        let r = self.execute(c.op);
        self.sessions.insert((c.client, c.inc), (c.seq, r));
        (r, true)
    }

    /// The result of `c` if the state machine has applied that very request.
    pub fn answered(&self, c: &Command) -> Option<KvResult> {
        match self.sessions.get(&(c.client, c.inc)) {
            Some(&(seq, r)) if seq == c.seq && !self.no_dedup => Some(r),
            _ => None,
        }
    }

    /// The value of `key` now (what a leader's local read returns).
    pub fn read(&self, key: u32) -> u64 {
        self.data.get(&key).copied().unwrap_or(0)
    }

    fn execute(&mut self, op: KvOp) -> KvResult {
        match op {
            KvOp::Get { key } => KvResult::Value(self.read(key)),
            KvOp::Put { key, value } => {
                self.data.insert(key, value);
                KvResult::Written
            }
            KvOp::Cas { key, expect, new } => {
                let ok = self.read(key) == expect;
                if ok {
                    self.data.insert(key, new);
                }
                KvResult::Swapped(ok)
            }
            // Raft's internal entries (shared command type): Multi-Paxos's no-op is an
            // empty slot value, and its clients never send these.
            KvOp::Noop | KvOp::Config { .. } => KvResult::Written,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(client: u32, seq: u64, value: u64) -> Command {
        Command {
            client,
            inc: 0,
            seq,
            op: KvOp::Put { key: 0, value },
        }
    }

    // Shows: a retried put applies once (after another client's write, the retry neither
    // writes again nor executes), and without sessions it executes twice and overwrites.
    #[test]
    fn a_retried_write_applies_once_unless_sessions_are_off() {
        let mut kv = Kv::new(false);
        assert_eq!(kv.apply(&put(5, 1, 10)), (KvResult::Written, true));
        assert_eq!(kv.apply(&put(6, 1, 20)), (KvResult::Written, true));
        assert_eq!(kv.apply(&put(5, 1, 10)), (KvResult::Written, false));
        assert_eq!(kv.read(0), 20);
        assert_eq!(kv.answered(&put(5, 1, 10)), Some(KvResult::Written));
        let mut bad = Kv::new(true);
        bad.apply(&put(5, 1, 10));
        bad.apply(&put(6, 1, 20));
        assert_eq!(bad.apply(&put(5, 1, 10)), (KvResult::Written, true));
        assert_eq!(bad.read(0), 10);
        assert_eq!(bad.answered(&put(5, 1, 10)), None);
    }
}
