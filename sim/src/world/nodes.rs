//! The nodes as the kernel keeps them (their actors live apart, in the [`super::World`]):
//! names, liveness, durable state, clocks, random streams, what waits for a paused node, and
//! the factory that builds an actor at start and after a crash.

use super::Factory;
use crate::actor::{Actor, NodeId};
use crate::clock::LocalClock;
use crate::rng::Stream;
use crate::time::Time;

/// What every event reads about its node, kept dense (8 bytes a node, apart from the rest
/// of [`NodeState`]) so the per-event checks stay in a few cache lines.
#[derive(Clone, Copy)]
pub(super) struct Live {
    /// Incarnation: bumped by a crash, so timers set before it are recognised as lost.
    pub(super) inc: u32,
    pub(super) up: bool,
    pub(super) paused: bool,
    // True while the clock reads true time (no offset, drift or step): skips clock maths.
    pub(super) perfect: bool,
}

/// The rest of a node's kernel state, read by fewer events.
pub(super) struct NodeState<A: Actor> {
    pub(super) durable: A::Durable,
    /// When it last came up or resumed (random faults spare a node for `min_up` after).
    pub(super) up_since: Time,
    pub(super) clock: LocalClock,
    pub(super) rng: Stream,
    /// Slots of the deliveries and timers waiting for it to resume.
    pub(super) held: Vec<u32>,
}

/// Every node, indexed by [`NodeId`].
pub(super) struct Nodes<A: Actor> {
    pub(super) names: Vec<String>,
    pub(super) live: Vec<Live>,
    pub(super) states: Vec<NodeState<A>>,
    pub(super) factory: Factory<A>,
}

impl<A: Actor> Nodes<A> {
    /// Nodes called `names`, up, with clocks `(offset ns, drift ppm)`, each with its random
    /// stream `node/<name>` of `seed`.
    pub(super) fn new(
        seed: u64,
        names: Vec<String>,
        clocks: &[(i64, i64)],
        factory: Factory<A>,
    ) -> Self {
        let states = names
            .iter()
            .zip(clocks)
            .map(|(name, &(offset, ppm))| NodeState {
                durable: A::Durable::default(),
                up_since: Time::ZERO,
                clock: LocalClock::new(offset, ppm),
                rng: Stream::new(seed, &format!("node/{name}")),
                held: Vec::new(),
            })
            .collect();
        let live = clocks
            .iter()
            .map(|&c| Live {
                inc: 0,
                up: true,
                paused: false,
                perfect: c == (0, 0),
            })
            .collect();
        Nodes {
            names,
            live,
            states,
            factory,
        }
    }

    /// How many nodes there are.
    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        self.states.len()
    }

    /// The node called `name`.
    pub(super) fn id(&self, name: &str) -> Option<NodeId> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| NodeId(i as u32))
    }
}
