//! What can go wrong when a world is built or a fault is injected into a running one: one
//! enum, so a test can match on the case and a CLI can print the message (which names the
//! field or node and what is allowed).
//!
//! ```
//! use sim::{Actor, Ctx, Error, NodeId, WorldBuilder};
//! # #[derive(Clone, Debug)] struct M; impl sim::Message for M { fn kind(&self) -> &'static str { "m" } }
//! # struct Idle; impl Actor for Idle { type Msg = M; type Timer = (); type Durable = (); type Obs = ();
//! #     fn on_message(&mut self, _: NodeId, _: M, _: &mut Ctx<'_, Self>) {} }
//! let mut b = WorldBuilder::<Idle>::new(1);
//! b.node("a");
//! b.node("a");
//! b.factory(|_, _| Idle);
//! let err = b.build().err().unwrap();
//! assert_eq!(err, Error::DuplicateNode("a".into()));
//! assert_eq!(err.to_string(), "node name `a` is used twice");
//! ```

use std::fmt;

use crate::actor::NodeId;

/// Why a world could not be built, or a fault could not be injected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The builder was given no node.
    NoNodes,
    /// Two nodes share this name.
    DuplicateNode(String),
    /// [`crate::WorldBuilder::factory`] was never called.
    NoFactory,
    /// `context` (a field such as `faults[2]`) names a node that does not exist.
    UnknownNode {
        /// Where the name was found.
        context: String,
        /// The name.
        name: String,
        /// Every node of the world, in id order.
        nodes: Vec<String>,
    },
    /// `context` gives a [`NodeId`] past the last node.
    NoSuchNode {
        /// Where the id was found.
        context: String,
        /// The id.
        id: NodeId,
        /// How many nodes the world has.
        nodes: usize,
    },
    /// A parameter is outside its range; the message names the field and what is allowed.
    Invalid(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoNodes => f.write_str("a world needs at least one node"),
            Error::DuplicateNode(name) => write!(f, "node name `{name}` is used twice"),
            Error::NoFactory => f.write_str("no actor factory was given"),
            Error::UnknownNode {
                context,
                name,
                nodes,
            } => write!(
                f,
                "{context}: unknown node `{name}`; nodes are {}",
                nodes.join(", ")
            ),
            Error::NoSuchNode { context, id, nodes } => write!(
                f,
                "{context}: no node {id}; node ids are #0 to #{}",
                nodes.saturating_sub(1)
            ),
            Error::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

/// Lets code whose errors are messages (`Result<_, String>`, as in the protocol plug-ins)
/// keep using `?` on [`crate::WorldBuilder::build`].
impl From<Error> for String {
    fn from(e: Error) -> String {
        e.to_string()
    }
}
