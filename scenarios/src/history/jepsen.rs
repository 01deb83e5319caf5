//! Jepsen histories: invocation and completion events, as EDN op maps (Knossos, Jepsen's
//! `history.edn`) or as the `jepsen.util` log lines of older Jepsen tests (the etcd logs
//! Porcupine checks), paired into operations.
//!
//! Pairing follows Jepsen: a process has at most one operation open; `:ok` completes it,
//! `:info` (and the end of the history) leaves its outcome unknown, and `:fail` means it did
//! not take effect, so it is dropped. One exception, for log lines only: there, as in
//! Porcupine's reading of the etcd logs, a failed `:cas` is a compare that saw another value
//! (etcd answered "compare failed"), which constrains the history. Events from non-numeric
//! processes (`:nemesis`) are skipped. The tick of an event is its position in the file, so
//! real-time order is file order.

use std::collections::BTreeMap;

use protocols::linearizability::{Call, Model, Op, Ret};

use super::edn::{Edn, Value, read_all};
use super::{Origin, ParseError, Parsed};

/// Jepsen's event types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    Invoke,
    Ok,
    Fail,
    Info,
}

/// The operations a register history holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Function {
    Read,
    Write,
    Cas,
}

impl Function {
    fn name(self) -> &'static str {
        match self {
            Function::Read => ":read",
            Function::Write => ":write",
            Function::Cas => ":cas",
        }
    }
}

/// One event, before pairing.
struct Event<'a> {
    line: usize,
    column: usize,
    process: u64,
    kind: Type,
    f: Function,
    key: Option<&'a Edn>,
    value: Option<&'a Edn>,
}

fn err(at: &Edn, message: impl Into<String>) -> ParseError {
    ParseError {
        line: at.line,
        column: at.column,
        message: message.into(),
    }
}

/// Parses EDN op maps: a vector or list of maps, or maps one after another.
pub fn parse_edn(text: &str, model: Model) -> Result<Parsed, ParseError> {
    let forms = read_all(text, 1, 1)?;
    let maps: Vec<&Edn> = match forms.as_slice() {
        [
            Edn {
                value: Value::Seq(items),
                ..
            },
        ] => items.iter().collect(),
        _ => forms.iter().collect(),
    };
    let mut events = Vec::new();
    for m in maps {
        if let Some(e) = map_event(m)? {
            events.push(e);
        }
    }
    pair(&events, model, false)
}

fn map_event(m: &Edn) -> Result<Option<Event<'_>>, ParseError> {
    let Value::Map(pairs) = &m.value else {
        return Err(err(
            m,
            format!(
                "expected an operation map like {{:process 0, :type :invoke, :f :read, :value nil}}, found {}",
                m.value.describe()
            ),
        ));
    };
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.value == Value::Keyword(name.to_string()))
            .map(|(_, v)| v)
    };
    let need =
        |name: &str| field(name).ok_or_else(|| err(m, format!("the operation map has no :{name}")));
    let process = need("process")?;
    let Some(process) = process_id(process)? else {
        return Ok(None);
    };
    Ok(Some(Event {
        line: m.line,
        column: m.column,
        process,
        kind: event_type(need("type")?)?,
        f: function(need("f")?)?,
        key: field("key"),
        value: field("value"),
    }))
}

/// Parses `jepsen.util` log lines (`INFO jepsen.util - 3 :invoke :cas [1 2]`); other lines
/// are skipped, as a test's log holds much besides operations.
pub fn parse_log(text: &str, model: Model) -> Result<Parsed, ParseError> {
    const MARK: &str = "jepsen.util - ";
    let mut forms = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find(MARK) else { continue };
        let tail = &line[at + MARK.len()..];
        let column = line[..at + MARK.len()].chars().count() + 1;
        let f = read_all(tail, i + 1, column)?;
        forms.push((i + 1, column, f));
    }
    if forms.is_empty() {
        return Err(ParseError {
            line: 1,
            column: 1,
            message: "expected `jepsen.util - PROCESS TYPE F VALUE` lines, found none".into(),
        });
    }
    let mut events = Vec::new();
    for (line, column, f) in &forms {
        let [process, kind, fun, value] = f.as_slice() else {
            return Err(ParseError {
                line: *line,
                column: *column,
                message: format!(
                    "expected 4 fields after `jepsen.util - ` (process, type, f, value), found {}",
                    f.len()
                ),
            });
        };
        let Some(process) = process_id(process)? else {
            continue;
        };
        events.push(Event {
            line: *line,
            column: *column,
            process,
            kind: event_type(kind)?,
            f: function(fun)?,
            key: None,
            value: Some(value),
        });
    }
    pair(&events, model, true)
}

/// A client process's number; `None` for the nemesis and other named processes.
fn process_id(v: &Edn) -> Result<Option<u64>, ParseError> {
    match v.value {
        Value::Int(i) if i >= 0 => Ok(Some(i as u64)),
        Value::Keyword(_) | Value::Symbol(_) => Ok(None),
        _ => Err(err(
            v,
            format!(
                "expected a process number (or a named process such as :nemesis), found {}",
                v.value.describe()
            ),
        )),
    }
}

fn event_type(v: &Edn) -> Result<Type, ParseError> {
    match &v.value {
        Value::Keyword(k) if k == "invoke" => Ok(Type::Invoke),
        Value::Keyword(k) if k == "ok" => Ok(Type::Ok),
        Value::Keyword(k) if k == "fail" => Ok(Type::Fail),
        Value::Keyword(k) if k == "info" => Ok(Type::Info),
        other => Err(err(
            v,
            format!(
                "expected a type :invoke, :ok, :fail or :info, found {}",
                other.describe()
            ),
        )),
    }
}

fn function(v: &Edn) -> Result<Function, ParseError> {
    match &v.value {
        Value::Keyword(k) if k == "read" => Ok(Function::Read),
        Value::Keyword(k) if k == "write" => Ok(Function::Write),
        Value::Keyword(k) if k == "cas" => Ok(Function::Cas),
        other => Err(err(
            v,
            format!(
                "expected an :f of :read, :write or :cas, found {}",
                other.describe()
            ),
        )),
    }
}

/// An operation being assembled.
struct Open {
    op: Op,
    origin: Origin,
    f: Function,
    dropped: bool,
}

/// Pairs events into operations. `fail_cas_seen`: a failed cas saw another value (log
/// lines) rather than not taking effect.
fn pair(events: &[Event<'_>], model: Model, fail_cas_seen: bool) -> Result<Parsed, ParseError> {
    let mut ops: Vec<Open> = Vec::new();
    let mut open: BTreeMap<u64, usize> = BTreeMap::new();
    for (tick, e) in events.iter().enumerate() {
        let tick = tick as u64;
        let here = |message: String| ParseError {
            line: e.line,
            column: e.column,
            message,
        };
        if e.kind == Type::Invoke {
            if let Some(&i) = open.get(&e.process) {
                return Err(here(format!(
                    "process {} invokes an operation while its {} from line {} is still open \
                     (Jepsen gives a process that crashed a new number)",
                    e.process,
                    ops[i].f.name(),
                    ops[i].origin.invoke_line
                )));
            }
            let (key, value) = key_value(e, model)?;
            let call = match e.f {
                Function::Read => Call::Read { key },
                Function::Write => Call::Write {
                    key,
                    value: integer(value, e, "a write's value")?,
                },
                Function::Cas => {
                    let (from, to) = pair_value(value, e)?;
                    Call::Cas { key, from, to }
                }
            };
            open.insert(e.process, ops.len());
            ops.push(Open {
                op: Op {
                    client: e.process,
                    invoke: tick,
                    ret: None,
                    call,
                    result: None,
                },
                origin: Origin {
                    invoke_line: e.line,
                    ret_line: None,
                },
                f: e.f,
                dropped: false,
            });
            continue;
        }
        let Some(i) = open.remove(&e.process) else {
            return Err(here(format!(
                "process {} completes an operation it never invoked",
                e.process
            )));
        };
        let o = &mut ops[i];
        if o.f != e.f {
            return Err(here(format!(
                "process {} completes {} but invoked {} at line {}",
                e.process,
                e.f.name(),
                o.f.name(),
                o.origin.invoke_line
            )));
        }
        o.origin.ret_line = Some(e.line);
        let result = match (e.kind, e.f) {
            (Type::Info, _) => continue,
            (Type::Fail, Function::Cas) if fail_cas_seen => Ret::CasFailed,
            (Type::Fail, _) => {
                o.dropped = true;
                continue;
            }
            (Type::Ok, Function::Read) => {
                let (_, value) = key_value(e, model)?;
                Ret::Read(match value {
                    Some(Edn {
                        value: Value::Nil, ..
                    }) => None,
                    v => Some(integer(v, e, "a read's value (or nil)")?),
                })
            }
            (Type::Ok, _) => Ret::Ok,
            (Type::Invoke, _) => unreachable!("invocations are handled above"),
        };
        o.op.ret = Some(tick);
        o.op.result = Some(result);
    }
    let (ops, origins) = ops
        .into_iter()
        .filter(|o| !o.dropped)
        .map(|o| (o.op, o.origin))
        .unzip();
    Ok(Parsed { ops, origins })
}

/// The key and the register value of an event: `:key` and `:value`, or for `kv` without a
/// `:key`, Jepsen's independent `[key value]` tuple.
fn key_value<'a>(e: &Event<'a>, model: Model) -> Result<(String, Option<&'a Edn>), ParseError> {
    if let Some(k) = e.key {
        return Ok((key_name(k)?, e.value));
    }
    if model != Model::Kv {
        return Ok((String::new(), e.value));
    }
    match e.value {
        Some(Edn {
            value: Value::Seq(kv),
            ..
        }) if kv.len() == 2 => Ok((key_name(&kv[0])?, Some(&kv[1]))),
        Some(v) => Err(err(
            v,
            format!(
                "expected a [key value] tuple (the kv model reads Jepsen's independent keys), found {}",
                v.value.describe()
            ),
        )),
        None => Err(ParseError {
            line: e.line,
            column: e.column,
            message: "expected a :value [key value] (the kv model), found none".into(),
        }),
    }
}

fn key_name(k: &Edn) -> Result<String, ParseError> {
    match &k.value {
        Value::Int(i) => Ok(i.to_string()),
        Value::Str(s) | Value::Keyword(s) | Value::Symbol(s) => Ok(s.clone()),
        other => Err(err(
            k,
            format!(
                "expected a key (an integer, string or keyword), found {}",
                other.describe()
            ),
        )),
    }
}

fn integer(v: Option<&Edn>, e: &Event<'_>, what: &str) -> Result<i64, ParseError> {
    match v {
        Some(Edn {
            value: Value::Int(i),
            ..
        }) => Ok(*i),
        Some(v) => Err(err(
            v,
            format!(
                "expected {what}, an integer, found {}{}",
                v.value.describe(),
                hint(v)
            ),
        )),
        None => Err(ParseError {
            line: e.line,
            column: e.column,
            message: format!("expected {what}, an integer, found no :value"),
        }),
    }
}

/// A nudge toward `--model kv` when a value looks like an independent tuple.
fn hint(v: &Edn) -> &'static str {
    match &v.value {
        Value::Seq(items) if items.len() == 2 => " (for [key value] tuples use --model kv)",
        _ => "",
    }
}

fn pair_value(v: Option<&Edn>, e: &Event<'_>) -> Result<(i64, i64), ParseError> {
    if let Some(Edn {
        value: Value::Seq(items),
        ..
    }) = v
        && let [
            Edn {
                value: Value::Int(from),
                ..
            },
            Edn {
                value: Value::Int(to),
                ..
            },
        ] = items.as_slice()
    {
        return Ok((*from, *to));
    }
    let found = v.map_or("no :value".to_string(), |v| v.value.describe());
    let (line, column) = v.map_or((e.line, e.column), |v| (v.line, v.column));
    Err(ParseError {
        line,
        column,
        message: format!(
            "expected a cas's value [from to], two integers, found {found}{}",
            v.map_or("", hint)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An op's client, ticks, call and result.
    type Row = (u64, u64, Option<u64>, Call, Option<Ret>);

    fn ops(p: Result<Parsed, ParseError>) -> Vec<Row> {
        p.unwrap()
            .ops
            .into_iter()
            .map(|o| (o.client, o.invoke, o.ret, o.call, o.result))
            .collect()
    }

    fn reg(key: &str) -> Call {
        Call::Read { key: key.into() }
    }

    // :ok completes, :info leaves the outcome unknown, :fail drops the op (EDN) and an open
    // op at the end is unknown; ticks are event positions.
    #[test]
    fn edn_events_pair_into_operations() {
        let h = "{:process 0 :type :invoke :f :read :value nil}
                 {:process 1 :type :invoke :f :write :value 3}
                 {:process 0 :type :ok :f :read :value 3}
                 {:process 1 :type :info :f :write :value 3}
                 {:process 2 :type :invoke :f :cas :value [3 4]}
                 {:process 2 :type :fail :f :cas :value [3 4]}
                 {:process 3 :type :invoke :f :write :value 5}";
        let w = |value| Call::Write {
            key: String::new(),
            value,
        };
        assert_eq!(
            ops(parse_edn(h, Model::CasRegister)),
            vec![
                (0, 0, Some(2), reg(""), Some(Ret::Read(Some(3)))),
                (1, 1, None, w(3), None),
                (3, 6, None, w(5), None),
            ]
        );
    }

    // In log lines a failed cas is kept as a failed compare; kv keys come from tuples.
    #[test]
    fn log_lines_keep_failed_cas_and_kv_reads_tuples() {
        let h = "INFO jepsen.util - 2 :invoke :cas [7 [3 4]]\nINFO jepsen.util - 2 :fail :cas [7 [3 4]]\n";
        let cas = Call::Cas {
            key: "7".into(),
            from: 3,
            to: 4,
        };
        assert_eq!(
            ops(parse_log(h, Model::Kv)),
            vec![(2, 0, Some(1), cas, Some(Ret::CasFailed))]
        );
        let h = "{:process 0 :type :invoke :f :read :key \"a\" :value nil}
                 {:process 0 :type :ok :f :read :key \"a\" :value nil}";
        assert_eq!(
            ops(parse_edn(h, Model::Kv)),
            vec![(0, 0, Some(1), reg("a"), Some(Ret::Read(None)))]
        );
    }

    #[test]
    fn mismatched_completion_is_located() {
        let h = "{:process 0 :type :invoke :f :read}\n{:process 0 :type :ok :f :write :value 1}";
        let e = parse_edn(h, Model::Register).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        assert_eq!(
            e.message,
            "process 0 completes :write but invoked :read at line 1"
        );
    }
}
