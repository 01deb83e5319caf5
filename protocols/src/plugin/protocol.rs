//! The plug-in trait: everything protocol-specific in one place. A protocol implements the
//! typed [`Protocol`]; the CLI and the registry see it as the object-safe [`DynProtocol`],
//! which a blanket impl provides, so a spec can hold "some protocol" and its typed table.

use std::any::Any;
use std::fmt::Debug;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::metrics::MetricMeta;
use super::parse;
use super::run::{RunOutput, RunRequest};
use super::spec::Spec;

/// What a run of the protocol is: a simulation on the kernel (events, a trace, a digest) or a
/// pure computation over the seed (no events, no trace; determinism means equal metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Actors on the `sim` kernel: a run has a trace and a digest.
    Simulation,
    /// A computation (hashing analyses, balls into bins): metrics only.
    Analysis,
}

/// One built-in scenario: its catalog name (`family/name`) and its TOML text.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// `family/name`, e.g. `2pc/failure-free`.
    pub name: &'static str,
    /// The scenario file's text (usually `include_str!("catalog/<name>.toml")`).
    pub toml: &'static str,
}

impl Scenario {
    /// A catalog entry.
    pub const fn new(name: &'static str, toml: &'static str) -> Scenario {
        Scenario { name, toml }
    }
}

/// What a protocol's own `bench` hook measured: a table for the terminal and the same figures
/// as JSON. The clock is handed in, since only the CLI may read the wall clock.
#[derive(Clone, Debug, Default)]
pub struct BenchTable {
    /// First line of the text output.
    pub title: String,
    /// Column headers.
    pub columns: Vec<String>,
    /// Rows of cells, as many as there are columns.
    pub rows: Vec<Vec<String>>,
    /// The figures as JSON (`--format json`).
    pub json: serde_json::Value,
}

/// A parameter that sets how many nodes or clients a run has, and the smallest value the
/// protocol allows, which `simlab shrink` tries to lower it to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeParam {
    /// The field of the protocol's table, e.g. `participants`.
    pub field: &'static str,
    /// Its smallest valid value.
    pub min: u64,
}

impl SizeParam {
    /// A size parameter.
    pub const fn new(field: &'static str, min: u64) -> SizeParam {
        SizeParam { field, min }
    }
}

/// How `bench` counts a run's work: model events (the unit of the performance targets) and,
/// for queueing models, customers served.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BenchCounts {
    /// Events of the model (e.g. one arrival and one departure per customer).
    pub model_events: u64,
    /// Customers served, where the protocol is a queueing model.
    pub customers: Option<u64>,
}

/// A protocol, typed: its name, its parameter table, how a run is built and executed, its
/// metrics, its catalog. Implement this for a unit struct and list `&MyProtocol` in the
/// registry handed to the CLI.
pub trait Protocol: Send + Sync + 'static {
    /// The protocol's table (`[name]` in a scenario). Use `#[serde(deny_unknown_fields)]` and
    /// defaults for every field, so a typo is an error and an empty table is valid.
    type Params: Serialize + DeserializeOwned + Default + Clone + Debug + Send + Sync + 'static;

    /// The `protocol = "..."` value, which is also the table's name.
    fn name(&self) -> &'static str;

    /// One line for `simlab list`.
    fn about(&self) -> &'static str;

    /// Simulation (the default) or pure analysis.
    fn kind(&self) -> Kind {
        Kind::Simulation
    }

    /// Checks the table's ranges (and any rule tying it to the shared settings). Errors name
    /// the field, e.g. `twopc.participants must be in 1..=64, got 0`.
    fn validate(&self, params: &Self::Params, spec: &Spec) -> Result<(), String>;

    /// Builds and runs one seed of a resolved spec.
    fn run(&self, params: &Self::Params, req: RunRequest<'_>) -> Result<RunOutput, String>;

    /// Metadata of the metrics it reports (unit and which direction is better), for `compare`,
    /// its gate and charts. The kernel's own counters are described by
    /// [`super::metrics::KERNEL_METRICS`] and need not be repeated.
    fn metrics(&self) -> &'static [MetricMeta] {
        &[]
    }

    /// Built-in scenarios.
    fn catalog(&self) -> &'static [Scenario] {
        &[]
    }

    /// The table's fields that count nodes or clients (integers), with their minimum, in the
    /// order `shrink` should try to lower them. Default: none, so a run keeps its size.
    fn size_params(&self) -> &'static [SizeParam] {
        &[]
    }

    /// How `bench` counts a finished run's work (default: every kernel event is a model event).
    fn bench_counts(&self, out: &RunOutput) -> BenchCounts {
        BenchCounts {
            model_events: out.kernel_events,
            customers: None,
        }
    }

    /// A protocol's own benchmark, replacing the timed runs of `bench` (e.g. hashing lookups).
    /// `clock` reads seconds from an arbitrary origin.
    fn bench(
        &self,
        _params: &Self::Params,
        _clock: &mut dyn FnMut() -> f64,
    ) -> Option<Result<BenchTable, String>> {
        None
    }
}

/// A protocol's table behind a type-erased, cheaply cloned handle.
#[derive(Clone)]
pub struct Params(Arc<dyn ParamsObject>);

/// What a parameter table must be to sit in a [`Params`].
trait ParamsObject: erased_serde::Serialize + Any + Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Serialize + Any + Debug + Send + Sync> ParamsObject for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Params {
    /// Wraps a typed table.
    pub fn new<T: Serialize + Any + Debug + Send + Sync>(p: T) -> Params {
        Params(Arc::new(p))
    }

    /// The typed table, if it is a `T`.
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref::<T>()
    }
}

impl Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Params {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        erased_serde::serialize(&*self.0, s)
    }
}

/// A protocol as the CLI and the registry see it: object-safe, provided for every
/// [`Protocol`] by a blanket impl (do not implement it by hand).
pub trait DynProtocol: Send + Sync {
    /// See [`Protocol::name`].
    fn name(&self) -> &'static str;
    /// See [`Protocol::about`].
    fn about(&self) -> &'static str;
    /// See [`Protocol::kind`].
    fn kind(&self) -> Kind;
    /// See [`Protocol::metrics`].
    fn metrics(&self) -> &'static [MetricMeta];
    /// See [`Protocol::catalog`].
    fn catalog(&self) -> &'static [Scenario];
    /// See [`Protocol::size_params`].
    fn size_params(&self) -> &'static [SizeParam];
    /// Checks the spec's table ([`Protocol::validate`]).
    fn validate(&self, spec: &Spec) -> Result<(), String>;
    /// Runs one seed ([`Protocol::run`]).
    fn run(&self, req: RunRequest<'_>) -> Result<RunOutput, String>;
    /// See [`Protocol::bench_counts`].
    fn bench_counts(&self, out: &RunOutput) -> BenchCounts;
    /// See [`Protocol::bench`].
    fn bench(
        &self,
        spec: &Spec,
        clock: &mut dyn FnMut() -> f64,
    ) -> Option<Result<BenchTable, String>>;
    /// Reads a whole TOML spec of this protocol; errors carry the field path, line and column.
    fn parse_toml(&'static self, text: &str, others: &[&str]) -> Result<Spec, String>;
    /// Reads a whole JSON spec of this protocol; errors carry the field path, line and column.
    fn parse_json(&'static self, text: &str, others: &[&str]) -> Result<Spec, String>;
    /// Reads a spec from a TOML value tree (after `--set` overrides); errors carry the path.
    fn parse_value(&'static self, v: toml::Value, others: &[&str]) -> Result<Spec, String>;
}

impl<P: Protocol> DynProtocol for P {
    fn name(&self) -> &'static str {
        Protocol::name(self)
    }
    fn about(&self) -> &'static str {
        Protocol::about(self)
    }
    fn kind(&self) -> Kind {
        Protocol::kind(self)
    }
    fn metrics(&self) -> &'static [MetricMeta] {
        Protocol::metrics(self)
    }
    fn catalog(&self) -> &'static [Scenario] {
        Protocol::catalog(self)
    }
    fn size_params(&self) -> &'static [SizeParam] {
        Protocol::size_params(self)
    }
    fn validate(&self, spec: &Spec) -> Result<(), String> {
        Protocol::validate(self, typed::<P>(spec), spec)
    }
    fn run(&self, req: RunRequest<'_>) -> Result<RunOutput, String> {
        let p = typed::<P>(req.spec).clone();
        Protocol::run(self, &p, req)
    }
    fn bench_counts(&self, out: &RunOutput) -> BenchCounts {
        Protocol::bench_counts(self, out)
    }
    fn bench(
        &self,
        spec: &Spec,
        clock: &mut dyn FnMut() -> f64,
    ) -> Option<Result<BenchTable, String>> {
        Protocol::bench(self, typed::<P>(spec), clock)
    }
    fn parse_toml(&'static self, text: &str, others: &[&str]) -> Result<Spec, String> {
        parse::toml_spec::<P::Params>(self, text, others)
    }
    fn parse_json(&'static self, text: &str, others: &[&str]) -> Result<Spec, String> {
        parse::json_spec::<P::Params>(self, text, others)
    }
    fn parse_value(&'static self, v: toml::Value, others: &[&str]) -> Result<Spec, String> {
        parse::value_spec::<P::Params>(self, v, others)
    }
}

/// The spec's table as `P`'s type. A spec's table always has its protocol's type (the parser
/// builds both), so a mismatch is a broken invariant.
fn typed<P: Protocol>(spec: &Spec) -> &P::Params {
    spec.params_of::<P::Params>().unwrap_or_else(|| {
        panic!(
            "spec {}: its table is not the table of [{}]",
            spec.name,
            spec.protocol.name()
        )
    })
}
