//! The JSONL history format: one [`Op`] per line, for exporting simlab's client histories
//! and what `simlab check-history --format jsonl` reads (documented for users in
//! `docs/histories.md`).
//!
//! ```text
//! {"client":0,"invoke":0,"ret":5,"f":"write","key":"x","value":3,"result":"ok"}
//! {"client":1,"invoke":2,"ret":7,"f":"read","key":"x","value":3,"result":"ok"}
//! {"client":2,"invoke":4,"f":"cas","key":"x","value":[3,4],"result":"unknown"}
//! {"client":0,"invoke":8,"ret":9,"f":"cas","key":"x","value":[1,2],"result":"cas-failed"}
//! ```
//!
//! Fields: `client` (integer), `invoke` and `ret` (integer ticks; `ret` absent or null
//! exactly when the result is `unknown`), `f` (`read`, `write` or `cas`), `key` (a string;
//! absent means `""`, the one register of the single-register models), `value` (a read's
//! result, an integer or null for nil, absent if unknown; a write's integer; a cas's
//! `[from, to]`), `result` (`ok`: took effect; `cas-failed`: a cas that saw another value;
//! `unknown`: the outcome is unknown). Operations that definitely did not take effect are
//! simply not written. Unknown fields are rejected, so a misspelt one is not silently lost.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{Call, Op, Ret};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    client: u64,
    invoke: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ret: Option<u64>,
    f: Function,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    key: String,
    /// `Some(Json::Null)` for an explicit null (a read of nil), `None` when absent.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    value: Option<Json>,
    result: Outcome,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Json>, D::Error> {
    Json::deserialize(d).map(Some)
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Function {
    Read,
    Write,
    Cas,
}

#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    Ok,
    CasFailed,
    Unknown,
}

/// A line that is not a valid operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonlError {
    /// 1-based column in the line (of the offending field where it can be told, else 1).
    pub column: usize,
    /// What was expected.
    pub message: String,
}

/// One line (no newline) for `op`.
pub fn to_line(op: &Op) -> String {
    let (f, key, value) = match &op.call {
        Call::Read { key } => (
            Function::Read,
            key,
            match op.result {
                Some(Ret::Read(v)) => Some(v.map_or(Json::Null, Json::from)),
                _ => None,
            },
        ),
        Call::Write { key, value } => (Function::Write, key, Some(Json::from(*value))),
        Call::Cas { key, from, to } => (Function::Cas, key, Some(Json::from(vec![*from, *to]))),
    };
    let result = match op.result {
        None => Outcome::Unknown,
        Some(Ret::CasFailed) => Outcome::CasFailed,
        Some(Ret::Ok | Ret::Read(_)) => Outcome::Ok,
    };
    let rec = Record {
        client: op.client,
        invoke: op.invoke,
        ret: op.ret,
        f,
        key: key.clone(),
        value,
        result,
    };
    serde_json::to_string(&rec).expect("a record of integers and strings serialises")
}

/// Parses one line.
pub fn from_line(line: &str) -> Result<Op, JsonlError> {
    let rec: Record = serde_json::from_str(line).map_err(|e| JsonlError {
        column: e.column().max(1),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_string(),
    })?;
    let at = |field: &str, message: String| JsonlError {
        column: line.find(&format!("\"{field}\"")).map_or(1, |c| c + 1),
        message,
    };
    if rec.ret.is_none() != (rec.result == Outcome::Unknown) {
        return Err(at(
            "result",
            "`ret` is absent exactly when `result` is \"unknown\"".to_string(),
        ));
    }
    if rec.ret.is_some_and(|r| r < rec.invoke) {
        return Err(at("ret", "`ret` must not be before `invoke`".to_string()));
    }
    let key = rec.key;
    let int = |v: &Json| v.as_i64();
    let (call, result) = match (rec.f, rec.result, rec.value.as_ref()) {
        (Function::Read, Outcome::Ok, Some(v)) if v.is_null() || v.is_i64() => {
            (Call::Read { key }, Some(Ret::Read(int(v))))
        }
        (Function::Read, Outcome::Unknown, None) => (Call::Read { key }, None),
        (Function::Read, Outcome::Unknown, Some(Json::Null)) => (Call::Read { key }, None),
        (Function::Read, Outcome::CasFailed, _) => {
            return Err(at(
                "result",
                "a read's result is \"ok\" or \"unknown\"".into(),
            ));
        }
        (Function::Read, _, _) => {
            return Err(at(
                "value",
                "a completed read's `value` is the integer it read, or null for nil".into(),
            ));
        }
        (Function::Write, Outcome::CasFailed, _) => {
            return Err(at(
                "result",
                "a write's result is \"ok\" or \"unknown\"".into(),
            ));
        }
        (Function::Write, outcome, Some(v)) if v.is_i64() => (
            Call::Write {
                key,
                value: int(v).unwrap_or_default(),
            },
            (outcome == Outcome::Ok).then_some(Ret::Ok),
        ),
        (Function::Write, _, _) => {
            return Err(at("value", "a write's `value` is an integer".into()));
        }
        (Function::Cas, outcome, Some(Json::Array(pair)))
            if pair.len() == 2 && pair.iter().all(Json::is_i64) =>
        {
            let (from, to) = (int(&pair[0]).unwrap_or(0), int(&pair[1]).unwrap_or(0));
            let result = match outcome {
                Outcome::Ok => Some(Ret::Ok),
                Outcome::CasFailed => Some(Ret::CasFailed),
                Outcome::Unknown => None,
            };
            (Call::Cas { key, from, to }, result)
        }
        (Function::Cas, _, _) => {
            return Err(at(
                "value",
                "a cas's `value` is [from, to], two integers".into(),
            ));
        }
    };
    Ok(Op {
        client: rec.client,
        invoke: rec.invoke,
        ret: rec.ret,
        call,
        result,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every kind of op survives a round trip, and the documented example lines parse.
    #[test]
    fn lines_round_trip() {
        let key = || "x".to_string();
        let ops = [
            Op {
                client: 0,
                invoke: 0,
                ret: Some(5),
                call: Call::Write {
                    key: key(),
                    value: 3,
                },
                result: Some(Ret::Ok),
            },
            Op {
                client: 1,
                invoke: 2,
                ret: Some(7),
                call: Call::Read { key: key() },
                result: Some(Ret::Read(None)),
            },
            Op {
                client: 2,
                invoke: 4,
                ret: None,
                call: Call::Cas {
                    key: String::new(),
                    from: 3,
                    to: -4,
                },
                result: None,
            },
            Op {
                client: 0,
                invoke: 8,
                ret: Some(9),
                call: Call::Cas {
                    key: key(),
                    from: 1,
                    to: 2,
                },
                result: Some(Ret::CasFailed),
            },
            Op {
                client: 3,
                invoke: 8,
                ret: None,
                call: Call::Read { key: key() },
                result: None,
            },
        ];
        for op in &ops {
            let line = to_line(op);
            assert_eq!(from_line(&line).as_ref(), Ok(op), "{line}");
        }
        let doc = include_str!("jsonl.rs");
        let examples: Vec<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("//! {"))
            .collect();
        assert_eq!(examples.len(), 4);
        for e in examples {
            from_line(&format!("{{{e}")).unwrap();
        }
    }

    // Malformed lines name the field and what it may hold.
    #[test]
    fn bad_lines_say_what_was_expected() {
        let err = |l: &str| from_line(l).unwrap_err();
        let e = err(r#"{"client":0,"invoke":0,"ret":1,"f":"read","value":"3","result":"ok"}"#);
        assert!(e.message.contains("integer it read"), "{e:?}");
        assert_eq!(e.column, 43); // the quote opening "value"
        let e = err(r#"{"client":0,"invoke":0,"f":"write","value":1,"result":"ok"}"#);
        assert!(e.message.contains("`ret` is absent exactly"), "{e:?}");
        let e = err(r#"{"client":0,"invoke":0,"ret":1,"f":"cas","value":[1],"result":"ok"}"#);
        assert!(e.message.contains("[from, to]"), "{e:?}");
        let e = err(r#"{"client":0,"invoke":0,"ret":1,"f":"inc","result":"ok"}"#);
        assert!(e.message.contains("unknown variant `inc`"), "{e:?}");
        let e = err(r#"{"client":0,"invok":0}"#);
        assert!(e.message.contains("unknown field `invok`"), "{e:?}");
        let e = err(r#"{"client":0,"invoke":3,"ret":1,"f":"write","value":1,"result":"ok"}"#);
        assert!(e.message.contains("before `invoke`"), "{e:?}");
    }
}
