use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use sim::Stream;

use super::model::Step;
use super::*;

fn read(key: &str) -> Call {
    Call::Read {
        key: key.to_string(),
    }
}
fn write(key: &str, value: i64) -> Call {
    Call::Write {
        key: key.to_string(),
        value,
    }
}
fn cas(key: &str, from: i64, to: i64) -> Call {
    Call::Cas {
        key: key.to_string(),
        from,
        to,
    }
}

/// A completed op.
fn done(invoke: u64, ret: u64, call: Call, result: Ret) -> Op {
    Op {
        client: 0,
        invoke,
        ret: Some(ret),
        call,
        result: Some(result),
    }
}

/// An op with unknown outcome.
fn unknown(invoke: u64, call: Call) -> Op {
    Op {
        client: 0,
        invoke,
        ret: None,
        call,
        result: None,
    }
}

fn r(v: Option<i64>) -> Ret {
    Ret::Read(v)
}

fn verdict(model: Model, h: &[Op]) -> Verdict {
    check(model, h, &Budget::unlimited()).expect("a valid history")
}

fn lin(model: Model, h: &[Op]) -> bool {
    match verdict(model, h) {
        Verdict::Linearizable => true,
        Verdict::NotLinearizable(_) => false,
        Verdict::Unknown(u) => panic!("no budget, yet undecided: {u}"),
    }
}

fn report(model: Model, h: &[Op]) -> Report {
    match verdict(model, h) {
        Verdict::NotLinearizable(rep) => rep,
        v => panic!("expected a violation, got {v:?}"),
    }
}

#[test]
fn sequential_and_overlapping_register_histories_linearize() {
    assert!(lin(Model::Register, &[]));
    let h = [
        done(0, 1, read("x"), r(None)),
        done(2, 3, write("x", 1), Ret::Ok),
        done(4, 5, read("x"), r(Some(1))),
        done(6, 7, write("x", 2), Ret::Ok),
        done(8, 9, read("x"), r(Some(2))),
    ];
    assert!(lin(Model::Register, &h));
    // A read overlapping a write may see either value, in either order of the reads' calls.
    let h = [
        done(0, 10, write("x", 1), Ret::Ok),
        done(2, 3, read("x"), r(None)),
        done(4, 5, read("x"), r(Some(1))),
    ];
    assert!(lin(Model::Register, &h));
    // Intervals that touch are concurrent: the read may precede the write.
    let h = [
        done(0, 5, write("x", 1), Ret::Ok),
        done(5, 6, read("x"), r(None)),
    ];
    assert!(lin(Model::Register, &h));
}

#[test]
fn a_stale_read_is_reported_with_prefix_and_culprit() {
    let h = [
        done(0, 1, write("x", 1), Ret::Ok),
        done(2, 3, read("x"), r(None)),
    ];
    let rep = report(Model::Register, &h);
    assert_eq!(
        rep,
        Report {
            key: "x".to_string(),
            linearized: vec![0],
            culprit: 1
        }
    );
    // A value flipping back while the write is still running: the deepest prefix is the
    // write and the first read; the second read cannot follow.
    let h = [
        done(0, 10, write("x", 1), Ret::Ok),
        done(2, 3, read("x"), r(Some(1))),
        done(4, 5, read("x"), r(None)),
    ];
    let rep = report(Model::Register, &h);
    assert_eq!((rep.linearized, rep.culprit), (vec![0, 1], 2));
}

#[test]
fn unknown_outcomes_take_effect_late_or_never() {
    // Late: after a read that still saw nil.
    let h = [
        unknown(0, write("x", 7)),
        done(5, 6, read("x"), r(None)),
        done(8, 9, read("x"), r(Some(7))),
    ];
    assert!(lin(Model::Register, &h));
    // Never.
    let h = [unknown(0, write("x", 7)), done(5, 6, read("x"), r(None))];
    assert!(lin(Model::Register, &h));
    // But not before its invocation.
    let h = [done(0, 1, read("x"), r(Some(7))), unknown(2, write("x", 7))];
    assert!(!lin(Model::Register, &h));
    // And only once: it cannot explain a value flipping back.
    let h = [
        unknown(0, write("x", 7)),
        done(1, 2, read("x"), r(Some(7))),
        done(3, 4, read("x"), r(None)),
    ];
    assert!(!lin(Model::Register, &h));
    // A read with unknown outcome constrains nothing.
    let h = [
        done(0, 1, write("x", 1), Ret::Ok),
        unknown(2, read("x")),
        done(3, 4, read("x"), r(Some(1))),
    ];
    assert!(lin(Model::Register, &h));
}

#[test]
fn concurrent_writes_settle_once_both_return() {
    let both = [
        done(0, 10, write("x", 1), Ret::Ok),
        done(0, 10, write("x", 2), Ret::Ok),
    ];
    let with = |tail: &[Op]| {
        let mut h = both.to_vec();
        h.extend_from_slice(tail);
        h
    };
    // While they run, reads may see 2 then 1 (write 2, read, write 1, read).
    let h = with(&[
        done(1, 2, read("x"), r(Some(2))),
        done(3, 4, read("x"), r(Some(1))),
    ]);
    assert!(lin(Model::Register, &h));
    // But not 2, 1, 2: each write takes effect once.
    let h = with(&[
        done(1, 2, read("x"), r(Some(2))),
        done(3, 4, read("x"), r(Some(1))),
        done(5, 6, read("x"), r(Some(2))),
    ]);
    assert!(!lin(Model::Register, &h));
    // After both returned, the value no longer changes.
    let h = with(&[
        done(11, 12, read("x"), r(Some(1))),
        done(13, 14, read("x"), r(Some(2))),
    ]);
    let rep = report(Model::Register, &h);
    assert_eq!(rep.culprit, 3);
    assert!(!rep.linearized.contains(&3));
}

#[test]
fn compare_and_set_sees_the_value_it_expects() {
    let h = [
        done(0, 1, write("x", 0), Ret::Ok),
        done(2, 3, cas("x", 0, 1), Ret::Ok),
        done(4, 5, cas("x", 0, 2), Ret::CasFailed),
        done(6, 7, read("x"), r(Some(1))),
    ];
    assert!(lin(Model::CasRegister, &h));
    // A cas that failed while the value was what it expected.
    let h = [
        done(0, 1, write("x", 0), Ret::Ok),
        done(2, 3, cas("x", 0, 1), Ret::CasFailed),
    ];
    assert_eq!(
        report(Model::CasRegister, &h),
        Report {
            key: "x".to_string(),
            linearized: vec![0],
            culprit: 1
        }
    );
    // Two concurrent cas from the same value cannot both succeed.
    let h = [
        done(0, 1, write("x", 0), Ret::Ok),
        done(2, 5, cas("x", 0, 1), Ret::Ok),
        done(2, 5, cas("x", 0, 2), Ret::Ok),
    ];
    assert!(!lin(Model::CasRegister, &h));
    // An unknown cas may be what a later read sees.
    let h = [
        done(0, 1, write("x", 0), Ret::Ok),
        unknown(2, cas("x", 0, 5)),
        done(8, 9, read("x"), r(Some(5))),
    ];
    assert!(lin(Model::CasRegister, &h));
}

#[test]
fn kv_keys_are_checked_independently_and_the_failing_key_is_named() {
    let h = [
        done(0, 1, write("a", 1), Ret::Ok),
        done(0, 1, write("b", 1), Ret::Ok),
        done(2, 3, read("a"), r(Some(1))),
        done(2, 3, read("b"), r(Some(1))),
    ];
    assert!(lin(Model::Kv, &h));
    // The same value on another key does not help a stale read.
    let h = [
        done(0, 1, write("a", 1), Ret::Ok),
        done(0, 1, write("b", 2), Ret::Ok),
        done(2, 3, read("a"), r(Some(1))),
        done(2, 3, read("b"), r(Some(1))),
    ];
    assert_eq!(
        report(Model::Kv, &h),
        Report {
            key: "b".to_string(),
            linearized: vec![1],
            culprit: 3
        }
    );
}

#[test]
fn malformed_histories_are_typed_errors() {
    let bad = |model, h: &[Op]| check(model, h, &Budget::unlimited()).unwrap_err();
    assert_eq!(
        bad(Model::Register, &[done(5, 4, read("x"), r(None))]),
        InvalidHistory::ReturnsBeforeInvoke { op: 0 }
    );
    assert_eq!(
        bad(Model::Register, &[done(0, 1, read("x"), Ret::Ok)]),
        InvalidHistory::ResultMismatch { op: 0 }
    );
    let half = Op {
        result: None,
        ..done(0, 1, write("x", 1), Ret::Ok)
    };
    assert_eq!(
        bad(Model::Register, &[half]),
        InvalidHistory::ResultMismatch { op: 0 }
    );
    assert_eq!(
        bad(Model::Register, &[done(0, 1, cas("x", 1, 2), Ret::Ok)]),
        InvalidHistory::CasInRegister { op: 0 }
    );
    let two_keys = [
        done(0, 1, read("x"), r(None)),
        done(0, 1, read("y"), r(None)),
    ];
    assert_eq!(
        bad(Model::CasRegister, &two_keys),
        InvalidHistory::MixedKeys { op: 1 }
    );
    assert!(lin(Model::Kv, &two_keys));
}

/// Many concurrent unknown writes whose values reads do see: exponential without the cache,
/// and enough states to exhaust a small budget.
fn hard_history() -> Vec<Op> {
    let mut h = Vec::new();
    for v in 0..12 {
        h.push(unknown(0, write("x", v)));
    }
    for v in 0..12 {
        h.push(done(
            10 + 2 * v as u64,
            11 + 2 * v as u64,
            read("x"),
            r(Some(v)),
        ));
    }
    // Nothing explains a value coming back after the last one.
    h.push(done(100, 101, read("x"), r(Some(0))));
    h
}

#[test]
fn a_budget_ends_in_unknown_and_a_larger_one_decides() {
    let h = hard_history();
    let tight = Budget {
        max_steps: 50,
        ..Budget::unlimited()
    };
    let Ok(Verdict::Unknown(u)) = check(Model::Register, &h, &tight) else {
        panic!("expected Unknown under a 50-step budget");
    };
    assert_eq!((u.limit, u.key.as_str(), u.steps), (Limit::Steps, "x", 51));
    let small_memory = Budget {
        max_memory_bytes: 1000,
        ..Budget::unlimited()
    };
    let Ok(Verdict::Unknown(u)) = check(Model::Register, &h, &small_memory) else {
        panic!("expected Unknown under a 1000-byte budget");
    };
    assert_eq!(u.limit, Limit::Memory);
    let cancel = Arc::new(AtomicBool::new(true));
    let cancelled = Budget {
        cancel: Some(cancel),
        ..Budget::unlimited()
    };
    let Ok(Verdict::Unknown(u)) = check(Model::Register, &h, &cancelled) else {
        panic!("expected Unknown once cancelled");
    };
    assert_eq!(u.limit, Limit::Cancelled);
    let rep = report(Model::Register, &h);
    assert_eq!(rep.culprit, h.len() - 1);
    assert_eq!(rep.linearized.len(), 24);
}

#[test]
fn unobserved_unknown_writes_are_pruned_and_observed_ones_kept() {
    let h = [
        unknown(0, write("x", 1)),
        unknown(0, write("x", 2)),
        unknown(0, cas("x", 2, 3)),
        done(5, 6, read("x"), r(Some(2))),
        unknown(7, read("x")),
    ];
    let subs = partition::partition(Model::CasRegister, &h).unwrap();
    let kept: Vec<usize> = subs[0].ops.iter().map(|o| o.index).collect();
    // Write 1 and the cas's 3 are never seen; write 2 is.
    assert_eq!(kept, vec![1, 3]);
    // A failed cas could be what sees an unknown write: nothing is pruned then.
    let mut h = h.to_vec();
    h.push(done(8, 9, cas("x", 9, 4), Ret::CasFailed));
    let subs = partition::partition(Model::CasRegister, &h).unwrap();
    let steps: Vec<Step> = subs[0].ops.iter().map(|o| o.step).collect();
    assert_eq!(steps.len(), 5);
}

/// A small random history: ops with random intervals take effect at random points of them
/// (or never, for some unknown ones) on a real store, then a few results are corrupted.
fn random_history(s: &mut Stream, model: Model) -> Vec<Op> {
    let n = 1 + s.index(8);
    let keys: &[&str] = if model == Model::Kv {
        &["a", "b"]
    } else {
        &["k"]
    };
    let mut ops: Vec<(u64, Op)> = Vec::new();
    for i in 0..n {
        let key = *s.choose(keys).unwrap();
        let value = 1 + s.below(3) as i64;
        let call = match s.index(if model == Model::Register { 2 } else { 3 }) {
            0 => read(key),
            1 => write(key, value),
            _ => cas(key, 1 + s.below(3) as i64, value),
        };
        let invoke = s.below(12);
        let ret = invoke + s.below(6);
        let point = s.range_u64(invoke, ret + 1);
        let mut op = Op {
            client: i as u64 % 3,
            invoke,
            ret: Some(ret),
            call,
            result: None,
        };
        if s.bernoulli(0.2) {
            op.ret = None;
        }
        ops.push((point, op));
    }
    // Apply at the linearization points, in point order (ties by index).
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (ops[i].0, i));
    let mut store: std::collections::BTreeMap<String, i64> = Default::default();
    for i in order {
        let op = &mut ops[i].1;
        if op.ret.is_none() && s.bernoulli(0.5) {
            continue; // never took effect
        }
        let key = op.call.key().to_string();
        let now = store.get(&key).copied();
        let result = match op.call {
            Call::Read { .. } => Ret::Read(now),
            Call::Write { value, .. } => {
                store.insert(key, value);
                Ret::Ok
            }
            Call::Cas { from, to, .. } if now == Some(from) => {
                store.insert(key, to);
                Ret::Ok
            }
            Call::Cas { .. } => Ret::CasFailed,
        };
        if op.ret.is_some() {
            op.result = Some(result);
        }
    }
    let mut ops: Vec<Op> = ops.into_iter().map(|(_, o)| o).collect();
    for op in ops.iter_mut() {
        // Ops that never took effect but returned: make them look taken (a read of the
        // current nothing, a write acknowledged), which real-time may or may not allow.
        if op.ret.is_some() && op.result.is_none() {
            op.result = Some(match op.call {
                Call::Read { .. } => Ret::Read(None),
                _ => Ret::Ok,
            });
        }
        if op.ret.is_some() && s.bernoulli(0.3) {
            op.result = Some(match op.call {
                Call::Read { .. } => Ret::Read(s.bernoulli(0.8).then(|| 1 + s.below(3) as i64)),
                Call::Write { .. } => Ret::Ok,
                Call::Cas { .. } => *s.choose(&[Ret::Ok, Ret::CasFailed]).unwrap(),
            });
        }
    }
    ops
}

/// Replays a reported prefix: it must respect real time among its ops, follow the model from
/// nil, and leave out the culprit, which has a return.
fn assert_report_consistent(h: &[Op], rep: &Report) {
    let culprit = &h[rep.culprit];
    assert!(culprit.ret.is_some() && culprit.call.key() == rep.key);
    assert!(!rep.linearized.contains(&rep.culprit));
    let mut value = None;
    for (k, &i) in rep.linearized.iter().enumerate() {
        assert_eq!(h[i].call.key(), rep.key);
        for &j in &rep.linearized[k + 1..] {
            assert!(h[j].ret.is_none_or(|r| r >= h[i].invoke), "{j} before {i}");
        }
        let step = match (&h[i].call, h[i].result) {
            (Call::Read { .. }, Some(Ret::Read(v))) => Step::Read(v),
            (Call::Write { value, .. }, _) => Step::Write(*value),
            (Call::Cas { from, to, .. }, Some(Ret::Ok) | None) => Step::Cas {
                from: *from,
                to: *to,
            },
            (Call::Cas { from, .. }, _) => Step::CasFailed { from: *from },
            other => panic!("unexpected op in a prefix: {other:?}"),
        };
        value = step.apply(value).expect("the prefix follows the model");
    }
}

// The checker agrees with the brute-force oracle on thousands of small random histories,
// with both verdicts well represented.
#[test]
fn agrees_with_brute_force_on_random_histories() {
    for model in [Model::Register, Model::CasRegister, Model::Kv] {
        let mut s = Stream::new(23, &format!("linearizability/{model}"));
        let (mut yes, mut no) = (0, 0);
        for round in 0..5000 {
            let h = random_history(&mut s, model);
            let expected = brute::linearizable(model, &h);
            match verdict(model, &h) {
                Verdict::Linearizable => {
                    assert!(expected, "{model} round {round}: checker says yes: {h:#?}");
                    yes += 1;
                }
                Verdict::NotLinearizable(rep) => {
                    assert!(!expected, "{model} round {round}: checker says no: {h:#?}");
                    assert_report_consistent(&h, &rep);
                    no += 1;
                }
                Verdict::Unknown(u) => panic!("undecided without a budget: {u}"),
            }
        }
        assert!(yes > 1000 && no > 1000, "{model}: {yes} yes, {no} no");
    }
}
