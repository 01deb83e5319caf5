//! Kernel determinism over a protocol's scenario (the rest of the kernel's tests are in
//! `sim/tests/`, which build without the protocols): DET-1, one seed gives one trace, metric
//! for metric and byte for byte; DET-2, other seeds give other traces.

use std::cell::RefCell;
use std::rc::Rc;

use scenarios::runners::{self, RunRequest};

/// DET-1 and DET-2 over 100 seeds of a scenario with random latency, loss, duplication,
/// crashes, pauses and partitions: the same seed twice gives equal digests and equal metrics;
/// different seeds give 100 different digests.
#[test]
fn same_seed_same_trace_different_seed_different_trace() {
    let spec =
        scenarios::load::load("example/gossip-faults", &[], &|_| Err("no files".into())).unwrap();
    let seeds: Vec<u64> = (0..100).collect();
    let a = scenarios::sweep::run_seeds(&spec, &seeds, 0, &|| {}).unwrap();
    let b = scenarios::sweep::run_seeds(&spec, &seeds, 1, &|| {}).unwrap();
    let mut digests = std::collections::BTreeSet::new();
    for ((s1, x), (s2, y)) in a.iter().zip(&b) {
        assert_eq!(s1, s2);
        assert_eq!(x.trace_digest, y.trace_digest, "seed {s1}: DET-1 broken");
        assert_eq!(x.metrics, y.metrics, "seed {s1}");
        digests.insert(x.trace_digest.clone());
    }
    assert_eq!(digests.len(), 100, "DET-2: two seeds gave the same trace");
}

/// DET-1 byte for byte: two full JSONL traces of the same seed are identical.
#[test]
fn same_seed_byte_identical_jsonl() {
    let spec =
        scenarios::load::load("example/gossip-faults", &[], &|_| Err("no files".into())).unwrap();
    let run = |seed| {
        let buf = Rc::new(RefCell::new(Vec::<u8>::new()));
        struct Shared(Rc<RefCell<Vec<u8>>>);
        impl std::io::Write for Shared {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.borrow_mut().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = sim::trace::JsonlSink::new(Shared(buf.clone()));
        runners::run(RunRequest {
            spec: &spec,
            seed,
            sink: Some(Box::new(sink)),
            interrupt: None,
        })
        .unwrap();
        buf.borrow().clone()
    };
    let (x, y) = (run(7), run(7));
    assert!(x.len() > 10_000);
    assert_eq!(x, y);
    assert_ne!(x, run(8));
}
