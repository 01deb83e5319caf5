//! `protocols`: simlab's protocols as sans-IO actors over the `sim` kernel.
pub mod ch;
