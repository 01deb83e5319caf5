//! What travels between Raft nodes and to the checkers: log entries and their commands,
//! messages (the paper's RPCs and their replies, and the client protocol), timers, durable
//! state and observations.

use std::rc::Rc;

use sim::Message;

use super::log::Snapshot;

/// A term number.
pub type Term = u64;
/// A log index (the first entry is at index 1; 0 means "before the log").
pub type Index = u64;

/// An operation on the replicated key-value store (keys are small integers, values `u64`;
/// every key starts at 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvOp {
    /// Read a key.
    Get {
        /// The key.
        key: u32,
    },
    /// Write a key.
    Put {
        /// The key.
        key: u32,
        /// The value (unique per operation, so a history names the write a read saw).
        value: u64,
    },
    /// Write `new` if the key holds `expect`.
    Cas {
        /// The key.
        key: u32,
        /// The value it must hold.
        expect: u64,
        /// The value written.
        new: u64,
    },
    /// A leader's no-op at the start of its term (thesis section 6.4): once it commits, the
    /// leader knows everything committed before its term. Not a client operation.
    Noop,
    /// A cluster configuration (thesis chapter 4): the voting members, one bit per server.
    /// A server uses the latest one in its log, committed or not. Not a client operation.
    Config {
        /// Members, bit `i` for server `s(i+1)`.
        members: u64,
    },
}

impl KvOp {
    /// The key the operation touches (0 for the entries no client sends).
    pub fn key(self) -> u32 {
        match self {
            KvOp::Get { key } | KvOp::Put { key, .. } | KvOp::Cas { key, .. } => key,
            KvOp::Noop | KvOp::Config { .. } => 0,
        }
    }

    /// True for the entries servers make themselves (no-op, configuration): they touch
    /// no key and nobody waits for their answer.
    pub fn is_internal(self) -> bool {
        matches!(self, KvOp::Noop | KvOp::Config { .. })
    }
}

/// What an operation returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvResult {
    /// A read's value.
    Value(u64),
    /// A put was applied.
    Written,
    /// A cas found the expected value (and wrote) or not.
    Swapped(bool),
}

/// A client command as the log holds it: who sent it (client node, its incarnation, and the
/// request id within that incarnation) and the operation. The state machine answers a
/// command id it has applied before from its session table, so a retried write applies once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Command {
    /// The client's node id.
    pub client: u32,
    /// The client's incarnation (a restarted client is a new session).
    pub inc: u32,
    /// Request id, increasing within a session.
    pub seq: u64,
    /// The operation.
    pub op: KvOp,
}

/// A log entry: the term of the leader that created it, and a client command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The leader's term when it appended the entry.
    pub term: Term,
    /// The command.
    pub cmd: Command,
}

impl Entry {
    /// A 64-bit fingerprint of the entry (term and command), for the checkers' log digests.
    pub fn fingerprint(&self) -> u64 {
        let c = &self.cmd;
        let (tag, key, a, b) = match c.op {
            KvOp::Get { key } => (1, key, 0, 0),
            KvOp::Put { key, value } => (2, key, value, 0),
            KvOp::Cas { key, expect, new } => (3, key, expect, new),
            KvOp::Noop => (4, 0, 0, 0),
            KvOp::Config { members } => (5, 0, members, 0),
        };
        let mut h = sim::rng::mix64(self.term);
        for x in [
            u64::from(c.client),
            u64::from(c.inc),
            c.seq,
            tag,
            u64::from(key),
            a,
            b,
        ] {
            h = sim::rng::mix64(h ^ x);
        }
        h
    }
}

/// Raft messages: the two RPCs with their replies (Figure 2), and the client protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// RequestVote: a candidate asks for a vote in `term`.
    RequestVote {
        /// Candidate's term.
        term: Term,
        /// Index of its last log entry.
        last_index: Index,
        /// Term of its last log entry.
        last_term: Term,
    },
    /// RequestVote reply.
    Vote {
        /// The voter's current term.
        term: Term,
        /// True if the vote was granted.
        granted: bool,
    },
    /// PreVote: could a candidate with this log win an election in `term`? Changes nothing
    /// at the receiver.
    PreVote {
        /// The term the sender would campaign in (its current term + 1).
        term: Term,
        /// Index of its last log entry.
        last_index: Index,
        /// Term of its last log entry.
        last_term: Term,
    },
    /// PreVote reply.
    PreVoteReply {
        /// The voter's current term.
        term: Term,
        /// The term asked about (so a late reply to an older round does not count).
        for_term: Term,
        /// True if the voter would grant its vote.
        granted: bool,
    },
    /// AppendEntries (a heartbeat when `entries` is empty).
    Append {
        /// Leader's term.
        term: Term,
        /// Index of the entry just before `entries`.
        prev_index: Index,
        /// Its term.
        prev_term: Term,
        /// Entries to store from `prev_index + 1`.
        entries: Vec<Entry>,
        /// Leader's commit index.
        commit: Index,
    },
    /// AppendEntries reply. On failure the follower says where the leader should back up to
    /// (the "fast back-up" of the paper's section 5.3): the term of its conflicting entry and
    /// the first index it holds for that term, or its log length when it is too short.
    AppendReply {
        /// The follower's current term.
        term: Term,
        /// True if the entries were stored.
        success: bool,
        /// On success: the follower's log matches the leader's up to here.
        match_index: Index,
        /// On failure: the next index the leader should try.
        conflict_index: Index,
        /// On failure: the term of the follower's entry at `prev_index`, if it had one.
        conflict_term: Option<Term>,
    },
    /// InstallSnapshot (Figure 13, in one message): the leader's snapshot, for a follower
    /// whose nextIndex fell into the leader's compacted prefix.
    InstallSnapshot {
        /// Leader's term.
        term: Term,
        /// The snapshot (last included index and term, state machine), shared, not copied.
        snapshot: Rc<Snapshot>,
    },
    /// InstallSnapshot reply.
    InstallSnapshotReply {
        /// The follower's current term.
        term: Term,
        /// The follower's log now matches the leader's up to here (0 if it refused).
        match_index: Index,
    },
    /// Client request.
    Request {
        /// The command (client, session, id, operation).
        cmd: Command,
    },
    /// Answer to a client request.
    Reply {
        /// Session of the request.
        inc: u32,
        /// Request id.
        seq: u64,
        /// The result.
        result: KvResult,
    },
    /// "Not the leader": the server's guess of who is, if it has one.
    Redirect {
        /// Session of the request.
        inc: u32,
        /// Request id.
        seq: u64,
        /// The leader the server knows of (a server index).
        leader: Option<u32>,
    },
    /// A leader's read round (ReadIndex or lease, thesis section 6.4): "am I still your
    /// leader?". A follower treats it as a heartbeat.
    ReadCheck {
        /// Leader's term.
        term: Term,
        /// Round number (rounds of one leader increase).
        round: u64,
    },
    /// ReadCheck reply.
    ReadCheckAck {
        /// The follower's current term (higher than the leader's: it is deposed).
        term: Term,
        /// The round acknowledged.
        round: u64,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::RequestVote { .. } => "request_vote",
            Msg::Vote { .. } => "vote",
            Msg::PreVote { .. } => "pre_vote",
            Msg::PreVoteReply { .. } => "pre_vote_reply",
            Msg::Append { .. } => "append",
            Msg::AppendReply { .. } => "append_reply",
            Msg::InstallSnapshot { .. } => "install_snapshot",
            Msg::InstallSnapshotReply { .. } => "install_snapshot_reply",
            Msg::Request { .. } => "request",
            Msg::Reply { .. } => "reply",
            Msg::Redirect { .. } => "redirect",
            Msg::ReadCheck { .. } => "read_check",
            Msg::ReadCheckAck { .. } => "read_check_ack",
        }
    }

    /// Terms and indices as the paper's figures write them: `t2` a term, `5@2` the entry at
    /// index 5 from term 2, `c4` a commit index.
    fn summary(&self, out: &mut String) {
        use std::fmt::Write as _;
        let yes = |g: bool| if g { "yes" } else { "no" };
        let _ = match self {
            Msg::RequestVote {
                term,
                last_index,
                last_term,
            }
            | Msg::PreVote {
                term,
                last_index,
                last_term,
            } => write!(out, "t{term} last {last_index}@{last_term}"),
            Msg::Vote { term, granted } => write!(out, "t{term} {}", yes(*granted)),
            Msg::PreVoteReply {
                for_term, granted, ..
            } => write!(out, "t{for_term} {}", yes(*granted)),
            Msg::Append {
                term,
                prev_index,
                entries,
                commit,
                ..
            } if entries.is_empty() => write!(out, "t{term} after {prev_index} c{commit}"),
            Msg::Append {
                term,
                prev_index,
                entries,
                commit,
                ..
            } => write!(
                out,
                "t{term} {}..{} c{commit}",
                prev_index + 1,
                prev_index + entries.len() as u64
            ),
            Msg::AppendReply {
                term,
                success: true,
                match_index,
                ..
            } => write!(out, "t{term} ok {match_index}"),
            Msg::AppendReply {
                term,
                conflict_index,
                ..
            } => write!(out, "t{term} no, try {conflict_index}"),
            Msg::InstallSnapshot { term, snapshot } => {
                write!(out, "t{term} upto {}@{}", snapshot.index, snapshot.term)
            }
            Msg::InstallSnapshotReply { term, match_index } => {
                write!(out, "t{term} ok {match_index}")
            }
            Msg::Redirect {
                leader: Some(l), ..
            } => write!(out, "to s{}", l + 1),
            Msg::ReadCheck { term, round } | Msg::ReadCheckAck { term, round } => {
                write!(out, "t{term} r{round}")
            }
            Msg::Request { .. } | Msg::Reply { .. } | Msg::Redirect { .. } => Ok(()),
        };
    }
}

/// Timers. Those that can go stale carry what they were set for and are ignored if it
/// changed, rather than cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Election timeout (followers and candidates).
    Election,
    /// Leader's heartbeat, set in term `0`.
    Heartbeat(Term),
    /// Leader's CheckQuorum deadline, set in term `0`.
    QuorumCheck(Term),
    /// A scripted election.
    Campaign,
    /// Client: start the next operation.
    NextOp,
    /// Client: request `seq` unanswered for `attempt` tries.
    Retry {
        /// Request id.
        seq: u64,
        /// How many times it was sent.
        attempt: u32,
    },
    /// Scripted membership change number `0` (in `Params::membership`) is due.
    Membership(u32),
}

/// What survives a crash: a server's currentTerm, votedFor and log (Figure 2's persistent
/// state), and a client's count of operations started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durable {
    /// currentTerm.
    pub term: Term,
    /// votedFor (a server index).
    pub voted_for: Option<u32>,
    /// The log (after the snapshot, if any).
    pub log: Vec<Entry>,
    /// The last snapshot, standing for the log up to its index.
    pub snapshot: Option<Rc<Snapshot>>,
    /// Client: operations started (so a restarted client carries on with the next).
    pub started: u32,
}

/// A server's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RoleName {
    /// Follower.
    Follower,
    /// Candidate.
    Candidate,
    /// Leader.
    Leader,
}

/// Facts for the checkers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Obs {
    /// A server entered `role` in `term`.
    Role {
        /// The term.
        term: Term,
        /// The role.
        role: RoleName,
    },
    /// A server's log is now its first `keep` entries followed by `entries`.
    Log {
        /// Entries kept.
        keep: Index,
        /// Entries appended after them.
        entries: Vec<Entry>,
    },
    /// A server's commit index rose to `index`, in its term `term`.
    Commit {
        /// The new commit index.
        index: Index,
        /// The server's current term.
        term: Term,
    },
    /// A server applied the entry at `index` to its state machine.
    Apply {
        /// The index.
        index: Index,
        /// The entry.
        entry: Entry,
        /// What the state machine returned.
        result: KvResult,
    },
    /// A server's log up to `index` is now a snapshot (last entry of term `term`) whose
    /// state machine has digest `state`: taken from its own state machine, or `installed`
    /// from the leader's (its log up to `index` is then the snapshot's prefix; an
    /// [`Obs::Log`] with `keep = index` follows, giving the entries it kept after it).
    Snapshot {
        /// lastIncludedIndex.
        index: Index,
        /// lastIncludedTerm.
        term: Term,
        /// [`super::kv::Kv::digest`] of the snapshot's state.
        state: u64,
        /// Received in InstallSnapshot (else taken by the server itself).
        installed: bool,
    },
    /// A client invoked an operation.
    Invoke {
        /// The command.
        cmd: Command,
    },
    /// A client got the answer to request `seq` of session `inc`.
    Return {
        /// Session.
        inc: u32,
        /// Request id.
        seq: u64,
        /// The result.
        result: KvResult,
    },
}
