//! The scenario spec: the format lives with the plug-in interface
//! ([`protocols::plugin::spec`]), since every protocol's run reads it; re-exported here.

pub use protocols::plugin::spec::*;
