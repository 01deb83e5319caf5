//! A brute-force oracle for the property test: tries every order of the operations that
//! respects real time, with ops of unknown outcome taking any outcome or staying out. It
//! shares no code with the checker (not the model, not the split by key, not the pruning).

use std::collections::BTreeMap;

use super::{Call, Model, Op, Ret};

/// Whether some order of `ops` respects real time and the model (all keys at once).
pub fn linearizable(model: Model, ops: &[Op]) -> bool {
    let _ = model; // Register and CasRegister histories are Kv histories over one key.
    let mut placed = vec![false; ops.len()];
    extend(ops, &mut placed, &mut BTreeMap::new())
}

fn extend(ops: &[Op], placed: &mut [bool], state: &mut BTreeMap<String, i64>) -> bool {
    if ops
        .iter()
        .zip(placed.iter())
        .all(|(o, &p)| p || o.ret.is_none())
    {
        return true;
    }
    for x in 0..ops.len() {
        if placed[x] {
            continue;
        }
        // Every op that returned before x was invoked must already be placed.
        let blocked = ops
            .iter()
            .zip(placed.iter())
            .any(|(y, &p)| !p && y.ret.is_some_and(|r| r < ops[x].invoke));
        if blocked {
            continue;
        }
        for after in outcomes(&ops[x], state) {
            let key = ops[x].call.key().to_string();
            let before = state.get(&key).copied();
            set(state, &key, after);
            placed[x] = true;
            if extend(ops, placed, state) {
                return true;
            }
            placed[x] = false;
            set(state, &key, before);
        }
    }
    false
}

fn set(state: &mut BTreeMap<String, i64>, key: &str, v: Option<i64>) {
    match v {
        Some(v) => state.insert(key.to_string(), v),
        None => state.remove(key),
    };
}

/// The values the key may hold after `op` runs now (empty: it cannot run now).
fn outcomes(op: &Op, state: &BTreeMap<String, i64>) -> Vec<Option<i64>> {
    let now = state.get(op.call.key()).copied();
    match (&op.call, op.result) {
        (Call::Read { .. }, Some(Ret::Read(v))) if v == now => vec![now],
        (Call::Read { .. }, None) => vec![now],
        (Call::Write { value, .. }, _) => vec![Some(*value)],
        (Call::Cas { from, to, .. }, r) => {
            let hit = now == Some(*from);
            match r {
                Some(Ret::Ok) if hit => vec![Some(*to)],
                Some(Ret::CasFailed) if !hit => vec![now],
                None if hit => vec![Some(*to)],
                None => vec![now],
                _ => vec![],
            }
        }
        _ => vec![],
    }
}
