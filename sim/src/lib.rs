//! `sim`: simlab's deterministic discrete-event kernel.
//!
//! Code map:
//! - [`time`]: `Time`, integer nanoseconds; duration parsing for scenario files.
//! - [`rng`]: named ChaCha8 streams from `(seed, label)` and our own `libm` variates.
//! - [`actor`]: the sans-IO `Actor` trait and `Ctx`, through which handlers record effects.
//! - [`clock`]: local clocks with offset, drift and steps.
//! - [`network`]: link behaviour, partitions, and the rule pipeline.
//! - [`faults`]: fault plans and random faults, as data.
//! - [`checker`]: named properties (always / eventually / sometimes) and violations.
//! - [`trace`]: trace events, the digest, sinks, and the JSONL line format.
//! - [`metrics`]: counters, histograms, time-weighted levels, series.
//! - [`world`]: the builder and the event loop that ties it all together.
//!
//! Architecture invariants: `sim` does no I/O of its own (sinks write to a writer the caller
//! opened), never reads the wall clock, and never iterates a hash map. Everything random comes
//! from a named stream of the run's seed. Events run in `(time, seq)` order.

pub mod actor;
pub mod checker;
pub mod clock;
pub mod error;
pub mod expect;
pub mod faults;
pub mod harness;
pub mod metrics;
pub mod network;
mod queue;
pub mod rng;
pub mod time;
pub mod trace;
pub mod world;

pub use actor::{Actor, Ctx, Message, NodeId, TimerId};
pub use checker::{Checker, Property, PropertyKind, Verdicts, Violation};
pub use error::Error;
pub use expect::Expect;
pub use faults::{Fault, FaultAction, FaultRate, FaultStep, Phases, RandomFaults};
pub use harness::{Effect, Effects, Harness};
pub use metrics::Metrics;
pub use network::{LinkConfig, Rule, Verdict};
pub use rng::{Stream, TimeDist};
pub use time::{Time, TimeDelta};
pub use trace::{Digest, DropReason, Event, EventKind, MemorySink, Record, TraceLine, TraceSink};
pub use world::{Core, Outcome, RunResult, Step, Stop, World, WorldBuilder};

/// Most timers and delayed messages a world holds pending at once (the default of
/// [`WorldBuilder::max_pending`]); a run that needs more stops as [`Stop::Overloaded`].
pub const MAX_PENDING: u32 = queue::MAX_SLOTS;
