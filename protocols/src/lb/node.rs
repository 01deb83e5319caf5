//! The one actor type of the load-balancing model, its messages and its timers.

use sim::{Actor, Ctx, Message, NodeId};

use super::Params;
use super::dispatcher::Dispatcher;
use super::server::Server;

/// Messages between dispatchers and servers. Times are true times in ns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Msg {
    /// A customer, sent by a dispatcher to the server it chose. Its sojourn is measured at
    /// the server, from when the job reaches it (network transit is not queueing).
    Job {
        /// Its work: the service time on a speed-1 server, in mean service times. Drawn by
        /// the dispatcher (i.i.d., never read by the policy), so a seed gives every policy the
        /// same customers (common random numbers) and servers touch no random stream.
        work: f64,
        /// Jobs ahead of it at that server, as the dispatcher's policy saw it.
        ahead: u32,
    },
    /// A customer left its server; goes back to the dispatcher that sent it.
    Done {
        /// When it reached the server.
        queued: u64,
        /// When its service started.
        started: u64,
        /// When it left the server.
        departed: u64,
        /// Echo of [`Msg::Job::ahead`].
        ahead: u32,
        /// The server's queue length after the departure.
        qlen: u32,
    },
    /// A server's new queue length, for the other dispatchers (only with several
    /// dispatchers and a policy that reads queue lengths).
    Load {
        /// The server's queue length.
        qlen: u32,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Job { .. } => "job",
            Msg::Done { .. } => "done",
            Msg::Load { .. } => "load",
        }
    }
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The dispatcher's next arrival.
    Arrival,
    /// The dispatcher's next bulletin-board refresh.
    Board,
    /// The server finished serving its head-of-line job.
    Complete,
}

/// A node of the model: a dispatcher (`d*`) or a server (`s*`).
#[derive(Debug)]
pub enum LbNode {
    /// A dispatcher (boxed: it holds the histogram and per-server views).
    Dispatcher(Box<Dispatcher>),
    /// A FIFO server.
    Server(Server),
}

impl LbNode {
    /// Node `id` of a world whose nodes are named by [`Params::names`]. Nothing survives a
    /// crash: a restarted server starts empty, a restarted dispatcher with a fresh view.
    pub fn new(p: &Params, id: NodeId) -> LbNode {
        let k = p.dispatchers;
        if id.0 < k {
            LbNode::Dispatcher(Box::new(Dispatcher::new(p, id.0)))
        } else {
            LbNode::Server(Server::new(p, id.0 - k))
        }
    }

    /// The dispatcher, if this node is one.
    pub fn as_dispatcher(&self) -> Option<&Dispatcher> {
        match self {
            LbNode::Dispatcher(d) => Some(d),
            LbNode::Server(_) => None,
        }
    }

    /// The server, if this node is one.
    pub fn as_server(&self) -> Option<&Server> {
        match self {
            LbNode::Server(s) => Some(s),
            LbNode::Dispatcher(_) => None,
        }
    }
}

impl Actor for LbNode {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ();
    type Obs = ();

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        if let LbNode::Dispatcher(d) = self {
            d.start(ctx);
        }
    }

    #[inline(always)]
    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, Self>) {
        match self {
            LbNode::Dispatcher(d) => d.on_message(from, msg, ctx),
            LbNode::Server(s) => s.on_message(from, msg, ctx),
        }
    }

    #[inline(always)]
    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        match self {
            LbNode::Dispatcher(d) => d.on_timer(timer, ctx),
            LbNode::Server(s) => s.on_timer(timer, ctx),
        }
    }
}
