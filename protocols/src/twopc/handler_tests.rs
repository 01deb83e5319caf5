//! Handler unit tests: one two-phase-commit handler at a time, on a node built as the
//! protocol builds it, with its effects read back as data ([`sim::Harness`]), no world.
//! They pin what a single handler owes the protocol: a YES vote leaves only after its
//! prepare record is forced; co-located roles talk inside one handler, never over the
//! network; and a node's roles share one forced write per handler.

use std::sync::Arc;

use sim::{Effect, Harness, NodeId, Time};

use super::{
    Bug, Config, DurableLog, Msg, Obs, Params, PartRecord, Timer, TwoPcNode, TxnId, Workload,
};

const T: TxnId = TxnId { inc: 1, seq: 1 };

/// A configuration where every participant votes YES on the one transaction.
fn config(p: &Params) -> Arc<Config> {
    let n = p.names().len() as u32;
    let ids: Vec<NodeId> = (0..n).map(NodeId).collect();
    let workload = Workload {
        starts: vec![Time::ZERO],
        no: vec![vec![false; p.participants as usize]],
    };
    Arc::new(Config::new(p, workload, &ids))
}

fn node(cfg: &Arc<Config>, id: NodeId) -> Harness<TwoPcNode> {
    Harness::new(id, TwoPcNode::new(cfg, id, &DurableLog::default()))
}

/// The prepared transactions a restart from `d` finds.
fn prepared(d: &DurableLog) -> Vec<TxnId> {
    d.replay()
        .part()
        .iter()
        .filter(|(_, r)| **r == PartRecord::Prepared)
        .map(|(t, _)| *t)
        .collect()
}

/// A participant's YES: vote, decision timer, and the forced prepare record, which a
/// restart finds (so it asks about the transaction instead of forgetting its vote).
#[test]
fn a_yes_vote_is_forced_and_survives_a_restart() {
    let p = Params::default();
    let cfg = config(&p);
    let (coord, p1) = (NodeId(0), NodeId(1));
    let mut h = node(&cfg, p1);
    h.start();

    let fx = h.message(coord, Msg::Prepare(T));
    assert_eq!(fx.sends(), [(coord, &Msg::Vote { txn: T, yes: true })]);
    assert_eq!(fx.timers(), [(p.decision_timeout, &Timer::Inquire(T))]);
    assert_eq!(fx.observations(), [&Obs::Voted { txn: T, yes: true }]);
    // One forced write, at the end of the handler (which is atomic: no crash falls between
    // the vote leaving and the record reaching the disk).
    assert!(matches!(fx.last(), Some(Effect::Persist(_))), "{fx:?}");
    assert_eq!(prepared(fx.persisted().unwrap()), [T]);

    let fx = h.restart(|id, d| TwoPcNode::new(&cfg, id, d));
    assert!(
        fx.observations().contains(&&Obs::Recovered {
            prepared: vec![T],
            decided: vec![],
        }),
        "{fx:?}"
    );
    assert_eq!(fx.sends()[0], (coord, &Msg::Inquiry(T)));
}

/// With `unforced_prepare` the same YES leaves without the forced record, and the restart
/// finds nothing: the handler alone shows the bug the checkers catch in whole runs.
#[test]
fn unforced_prepare_votes_yes_without_a_forced_record() {
    let p = Params {
        bugs: vec![Bug::UnforcedPrepare],
        ..Params::default()
    };
    let cfg = config(&p);
    let (coord, p1) = (NodeId(0), NodeId(1));
    let mut h = node(&cfg, p1);
    h.start();
    let fx = h.message(coord, Msg::Prepare(T));
    assert_eq!(fx.sends(), [(coord, &Msg::Vote { txn: T, yes: true })]);
    assert!(fx.persisted().is_none(), "{fx:?}");
    assert!(fx.notes()[0].starts_with("bug unforced_prepare"), "{fx:?}");
    let fx = h.restart(|id, d| TwoPcNode::new(&cfg, id, d));
    assert!(
        fx.observations().contains(&&Obs::Recovered {
            prepared: vec![],
            decided: vec![],
        }),
        "{fx:?}"
    );
    assert!(prepared(h.durable()).is_empty());
}

/// Co-located roles: the coordinator on `p1` begins a transaction, and its PREPARE to its
/// own participant, that participant's YES and the coordinator's taking it all happen in
/// the one handler, through the node's local queue. Only the PREPARE to `p2` reaches the
/// network, and the two roles' forced records go out as one persist.
#[test]
fn colocated_roles_talk_inside_one_handler() {
    let p = Params {
        participants: 2,
        colocated: true,
        ..Params::default()
    };
    let cfg = config(&p);
    let (p1, p2) = (NodeId(0), NodeId(1));
    let mut h = node(&cfg, p1);
    let fx = h.start();
    assert_eq!(fx.timers(), [(Time::ZERO, &Timer::Begin(0))]);

    let fx = h.timer(Timer::Begin(0));
    assert_eq!(fx.sends(), [(p2, &Msg::Prepare(T))]);
    assert_eq!(
        fx.observations(),
        [&Obs::Begin(T), &Obs::Voted { txn: T, yes: true }]
    );
    let persists = fx
        .iter()
        .filter(|e| matches!(e, Effect::Persist(_)))
        .count();
    assert_eq!(persists, 1, "{fx:?}");
    assert_eq!(prepared(h.durable()), [T]);
    assert_eq!(h.metrics().counter("protocol_messages"), Some(1.0));
}
