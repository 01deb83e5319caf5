//! The replicated state machine: a key-value map with a session table, so a command applied
//! twice (a client's retry appended again by a new leader) takes effect once and is answered
//! with its first result.

use std::collections::BTreeMap;

use super::messages::{Command, KvOp, KvResult};

/// The key-value store and, per client session, its last request id and result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kv {
    data: BTreeMap<u32, u64>,
    sessions: BTreeMap<(u32, u32), (u64, KvResult)>,
}

impl Kv {
    /// Applies a command (once per request id) and returns its result.
    pub fn apply(&mut self, c: &Command) -> KvResult {
        if c.op.is_internal() {
            // A no-op or a configuration: no key, no session, nobody to answer.
            return KvResult::Written;
        }
        if let Some(&(seq, r)) = self.sessions.get(&(c.client, c.inc))
            && c.seq <= seq
        {
            // A client has one request outstanding, so an older id is a stale duplicate
            // whose answer nobody waits for; the last result is as good as any.
            return r;
        }
        let r = self.execute(c.op);
        self.sessions.insert((c.client, c.inc), (c.seq, r));
        r
    }

    /// The result of `c` if the state machine has applied that very request.
    pub fn answered(&self, c: &Command) -> Option<KvResult> {
        match self.sessions.get(&(c.client, c.inc)) {
            Some(&(seq, r)) if seq == c.seq => Some(r),
            _ => None,
        }
    }

    /// The value of `key` now (what a read served without the log returns).
    pub fn read(&self, key: u32) -> u64 {
        self.data.get(&key).copied().unwrap_or(0)
    }

    /// A 64-bit digest of the whole state (values and session table), so a checker can
    /// compare a snapshot with the state it replays.
    pub fn digest(&self) -> u64 {
        let mut h = sim::rng::mix64(self.data.len() as u64);
        for (&k, &v) in &self.data {
            h = sim::rng::mix64(h ^ u64::from(k));
            h = sim::rng::mix64(h ^ v);
        }
        for (&(c, inc), &(seq, r)) in &self.sessions {
            let r = match r {
                KvResult::Value(v) => v,
                KvResult::Written => u64::MAX,
                KvResult::Swapped(ok) => u64::MAX - 1 - u64::from(ok),
            };
            for x in [u64::from(c), u64::from(inc), seq, r] {
                h = sim::rng::mix64(h ^ x);
            }
        }
        h
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
            KvOp::Noop | KvOp::Config { .. } => KvResult::Written,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A retried put applies once: after another client's write, the retry neither writes
    // again nor changes its answer.
    #[test]
    fn a_retried_write_applies_once() {
        let mut kv = Kv::default();
        let put = |client, seq, value| Command {
            client,
            inc: 0,
            seq,
            op: KvOp::Put { key: 0, value },
        };
        assert_eq!(kv.apply(&put(5, 1, 10)), KvResult::Written);
        assert_eq!(kv.apply(&put(6, 1, 20)), KvResult::Written);
        assert_eq!(kv.apply(&put(5, 1, 10)), KvResult::Written);
        assert_eq!(kv.read(0), 20);
        let cas = Command {
            client: 5,
            inc: 0,
            seq: 2,
            op: KvOp::Cas {
                key: 0,
                expect: 20,
                new: 30,
            },
        };
        assert_eq!(kv.apply(&cas), KvResult::Swapped(true));
        assert_eq!(kv.apply(&put(6, 2, 40)), KvResult::Written);
        assert_eq!(
            kv.apply(&cas),
            KvResult::Swapped(true),
            "cached, not re-run"
        );
        assert_eq!(kv.read(0), 40);
    }
}
