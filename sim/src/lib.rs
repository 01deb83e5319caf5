//! `sim`: simlab's deterministic discrete-event kernel.
pub mod actor;
pub mod metrics;
pub mod rng;
pub mod time;
pub mod trace;
