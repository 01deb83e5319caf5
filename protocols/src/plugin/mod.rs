//! The plug-in interface: what a protocol implements to be run, swept, compared, replayed and
//! drawn by simlab, whether it ships with simlab or lives in a user's crate.
//!
//! Code map:
//! - [`protocol`]: the typed [`Protocol`] trait, its object-safe face [`DynProtocol`] (a
//!   blanket impl), the type-erased table [`Params`], catalog entries and bench hooks.
//! - [`spec`]: the scenario format shared by every protocol ([`Spec`]: network, faults,
//!   phases, limits) with the protocol's table inside.
//! - [`parse`]: reading a spec once its protocol is known (field path, line and column kept).
//! - [`run`]: [`RunRequest`], [`RunOutput`], and the helpers every simulation uses
//!   ([`configure`], [`collect`]) or every analysis uses ([`analysis_output`]).
//! - [`metrics`]: metric metadata (unit, which direction is better).
//! - [`history`]: a run's client history ([`ClientHistory`]) and the [`HistorySlot`] a checker
//!   leaves it in, for `history.jsonl` and the report's drawing.
//! - [`swarm`]: the `[swarm]` bounds and each seed's fault profile drawn within them.
//!
//! Architecture invariant: nothing here knows a protocol by name. The registry (which
//! protocols exist) is the caller's list; the CLI takes it as an argument.

pub mod history;
pub mod metrics;
mod parse;
pub mod protocol;
pub mod run;
pub mod spec;
pub mod swarm;

pub use history::{ClientHistory, HistorySlot};
pub use metrics::{Better, KERNEL_METRICS, MetricMeta};
pub use protocol::{
    BenchCounts, BenchTable, DynProtocol, Kind, Params, Protocol, Scenario, SizeParam,
};
pub use run::{RunOutput, RunRequest, analysis_output, collect, configure, run_world, simulate};
pub use spec::{DEFAULT_DURATION, Expect, LinkSpec, MetricExpect, NetworkSpec, Proto, Spec};
pub use swarm::{SwarmBounds, SwarmProfile};
