//! The sequential specifications: what one operation does to a register's value.

use std::fmt;
use std::str::FromStr;

/// The object a history is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Model {
    /// One register: reads and writes.
    Register,
    /// One register: reads, writes and compare-and-set.
    CasRegister,
    /// Independent compare-and-set registers, one per key.
    Kv,
}

impl Model {
    /// Every model, by its name.
    pub const ALL: [(&'static str, Model); 3] = [
        ("register", Model::Register),
        ("cas-register", Model::CasRegister),
        ("kv", Model::Kv),
    ];

    /// The model's name on the command line.
    pub fn name(self) -> &'static str {
        Model::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("?", |(n, _)| n)
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Model {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Model::ALL
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                let names: Vec<&str> = Model::ALL.iter().map(|(n, _)| *n).collect();
                format!("unknown model {s:?}; expected one of {}", names.join(", "))
            })
    }
}

/// A register's value: `None` until first written (Jepsen's nil).
pub type Value = Option<i64>;

/// One operation with its observed result, as the search applies it to one register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A read that returned this value.
    Read(Value),
    /// A write, answered or not.
    Write(i64),
    /// A compare-and-set that took effect, or whose outcome is unknown (if it took effect
    /// it saw `from`; if it did not, it is as if it never ran).
    Cas {
        /// The value expected.
        from: i64,
        /// The value written.
        to: i64,
    },
    /// A compare-and-set that saw another value than `from`.
    CasFailed {
        /// The value expected.
        from: i64,
    },
}

impl Step {
    /// The value after applying this step to `v`, or `None` if the step cannot happen there.
    pub fn apply(self, v: Value) -> Option<Value> {
        match self {
            Step::Read(seen) => (seen == v).then_some(v),
            Step::Write(x) => Some(Some(x)),
            Step::Cas { from, to } => (v == Some(from)).then_some(Some(to)),
            Step::CasFailed { from } => (v != Some(from)).then_some(v),
        }
    }
}
