//! Transaction ids and the messages of two-phase commit.

use std::fmt;

use sim::Message;

/// A transaction id: the coordinator's incarnation (bumped durably at every start) and the
/// 1-based index of the workload item, so an id is never reused, even across restarts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TxnId {
    /// Coordinator incarnation (1 for the first start).
    pub inc: u32,
    /// Workload item, 1-based.
    pub seq: u32,
}

impl fmt::Display for TxnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T{}.{}", self.inc, self.seq)
    }
}

/// Two-phase-commit messages. `kind()` names them for traces and network rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Coordinator -> participant: vote on the transaction (`prepare`).
    Prepare(TxnId),
    /// Participant -> coordinator: the vote (`vote`).
    Vote {
        /// The transaction.
        txn: TxnId,
        /// YES (prepared) or NO (aborted).
        yes: bool,
    },
    /// The decision COMMIT, from the coordinator or a peer answering a termination query
    /// (`commit`).
    Commit(TxnId),
    /// The decision ABORT, from the coordinator or a peer (`abort`).
    Abort(TxnId),
    /// Participant -> coordinator: the decision is recorded (`ack`).
    Ack(TxnId),
    /// Prepared participant -> coordinator: what was decided? (`inquiry`).
    Inquiry(TxnId),
    /// Prepared participant -> other participants, cooperative termination: do you know the
    /// decision? (`term_query`).
    TermQuery(TxnId),
}

impl Msg {
    /// True if the message is for the participant role (else for the coordinator role).
    pub fn for_participant(&self) -> bool {
        matches!(
            self,
            Msg::Prepare(_) | Msg::Commit(_) | Msg::Abort(_) | Msg::TermQuery(_)
        )
    }
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Prepare(_) => "prepare",
            Msg::Vote { .. } => "vote",
            Msg::Commit(_) => "commit",
            Msg::Abort(_) => "abort",
            Msg::Ack(_) => "ack",
            Msg::Inquiry(_) => "inquiry",
            Msg::TermQuery(_) => "term_query",
        }
    }

    fn summary(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = match self {
            Msg::Vote { txn, yes } => write!(out, "{} {txn}", if *yes { "yes" } else { "no" }),
            Msg::Prepare(t)
            | Msg::Commit(t)
            | Msg::Abort(t)
            | Msg::Ack(t)
            | Msg::Inquiry(t)
            | Msg::TermQuery(t) => write!(out, "{t}"),
        };
    }
}
