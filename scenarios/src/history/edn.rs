//! A reader for the subset of EDN that Jepsen and Knossos histories use: maps, vectors,
//! lists, keywords, symbols, integers, strings, `nil`, `true`/`false`, comments (`;`) and
//! commas as whitespace. Every value keeps the line and column where it starts, for errors.

use super::ParseError;

/// An EDN value with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Edn {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The value.
    pub value: Value,
}

/// The EDN values histories use.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `nil`.
    Nil,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits an `i64`.
    Int(i64),
    /// A floating-point number (Jepsen's `:time` may be one; never a register value).
    Float(f64),
    /// A string.
    Str(String),
    /// A keyword, without its colon.
    Keyword(String),
    /// A symbol.
    Symbol(String),
    /// A vector or a list.
    Seq(Vec<Edn>),
    /// A map, in written order.
    Map(Vec<(Edn, Edn)>),
}

impl Value {
    /// How the value is named in "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Nil => "nil".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(x) => x.to_string(),
            Value::Str(s) => format!("{s:?}"),
            Value::Keyword(k) => format!(":{k}"),
            Value::Symbol(s) => s.clone(),
            Value::Seq(_) => "a vector".into(),
            Value::Map(_) => "a map".into(),
        }
    }
}

/// Reads every top-level form of `text`, whose first line is line `first_line` and whose
/// first character is at column `first_column`.
pub fn read_all(
    text: &str,
    first_line: usize,
    first_column: usize,
) -> Result<Vec<Edn>, ParseError> {
    let mut r = Reader {
        chars: text.chars().collect(),
        pos: 0,
        line: first_line,
        column: first_column,
    };
    let mut forms = Vec::new();
    loop {
        r.skip_blank();
        if r.peek().is_none() {
            return Ok(forms);
        }
        forms.push(r.form()?);
    }
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    column: usize,
}

/// Characters that end a token.
fn delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '"')
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn error(&self, line: usize, column: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            column,
            message: message.into(),
        }
    }

    fn skip_blank(&mut self) {
        while let Some(c) = self.peek() {
            if c == ';' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.bump();
                }
            } else if c.is_whitespace() || c == ',' {
                self.bump();
            } else {
                break;
            }
        }
    }

    fn form(&mut self) -> Result<Edn, ParseError> {
        let (line, column) = (self.line, self.column);
        let at = |value| Edn {
            line,
            column,
            value,
        };
        let Some(c) = self.peek() else {
            return Err(self.error(line, column, "expected a value, found the end of the input"));
        };
        match c {
            '[' | '(' => {
                self.bump();
                let close = if c == '[' { ']' } else { ')' };
                Ok(at(Value::Seq(self.items(close, line, column)?)))
            }
            '{' => {
                self.bump();
                let items = self.items('}', line, column)?;
                if items.len() % 2 == 1 {
                    return Err(self.error(
                        line,
                        column,
                        "a map needs an even number of forms (key value pairs)",
                    ));
                }
                let mut it = items.into_iter();
                let mut pairs = Vec::new();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                Ok(at(Value::Map(pairs)))
            }
            '"' => self.string().map(at),
            ')' | ']' | '}' => Err(self.error(line, column, format!("unexpected `{c}`"))),
            _ => {
                let mut token = String::new();
                while let Some(c) = self.peek().filter(|&c| !delimiter(c)) {
                    token.push(c);
                    self.bump();
                }
                self.atom(&token, line, column).map(at)
            }
        }
    }

    fn items(&mut self, close: char, line: usize, column: usize) -> Result<Vec<Edn>, ParseError> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            match self.peek() {
                None => {
                    return Err(self.error(
                        self.line,
                        self.column,
                        format!("expected `{close}` to close the one opened at line {line}, column {column}, found the end of the input"),
                    ));
                }
                Some(c) if c == close => {
                    self.bump();
                    return Ok(items);
                }
                Some(_) => items.push(self.form()?),
            }
        }
    }

    fn string(&mut self) -> Result<Value, ParseError> {
        let (line, column) = (self.line, self.column);
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error(line, column, "unterminated string")),
                Some('"') => return Ok(Value::Str(s)),
                Some('\\') => match self.bump() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some(c @ ('"' | '\\')) => s.push(c),
                    _ => {
                        return Err(self.error(
                            self.line,
                            self.column - 1,
                            "unknown escape in string (\\n, \\t, \\r, \\\", \\\\ are allowed)",
                        ));
                    }
                },
                Some(c) => s.push(c),
            }
        }
    }

    fn atom(&self, token: &str, line: usize, column: usize) -> Result<Value, ParseError> {
        if token.is_empty() {
            let found = self
                .peek()
                .map_or("the end of the input".to_string(), |c| format!("`{c}`"));
            return Err(self.error(line, column, format!("expected a value, found {found}")));
        }
        Ok(match token {
            "nil" => Value::Nil,
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ if token.starts_with(':') && token.len() > 1 => {
                Value::Keyword(token[1..].to_string())
            }
            _ if token.starts_with(|c: char| c.is_ascii_digit())
                || (token.len() > 1
                    && token.starts_with(['-', '+'])
                    && token[1..].starts_with(|c: char| c.is_ascii_digit())) =>
            {
                let digits = token.strip_suffix('N').unwrap_or(token);
                if let Ok(i) = digits.parse::<i64>() {
                    Value::Int(i)
                } else if let Some(x) = token
                    .contains(['.', 'e', 'E', 'M'])
                    .then(|| token.strip_suffix('M').unwrap_or(token).parse::<f64>().ok())
                    .flatten()
                {
                    Value::Float(x)
                } else {
                    return Err(self.error(
                        line,
                        column,
                        format!("`{token}` is not a number that fits 64 bits"),
                    ));
                }
            }
            _ if token.starts_with('#') => {
                return Err(self.error(
                    line,
                    column,
                    format!(
                        "`{token}`: tagged values, sets and discards are not part of a history"
                    ),
                ));
            }
            _ => Value::Symbol(token.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Vec<Value> {
        read_all(text, 1, 1)
            .unwrap()
            .into_iter()
            .map(|e| e.value)
            .collect()
    }

    #[test]
    fn reads_history_forms_with_positions() {
        let forms = read_all(
            "; a comment\n[{:process 0, :type :ok, :value [1 -2]}\n nil]",
            1,
            1,
        )
        .unwrap();
        assert_eq!((forms[0].line, forms[0].column), (2, 1));
        let Value::Seq(items) = &forms[0].value else {
            panic!()
        };
        assert_eq!((items[1].line, items[1].column), (3, 2));
        let Value::Map(pairs) = &items[0].value else {
            panic!()
        };
        assert_eq!(pairs[0].0.value, Value::Keyword("process".into()));
        assert_eq!(
            pairs[2].1.value,
            Value::Seq(vec![
                Edn {
                    line: 2,
                    column: 34,
                    value: Value::Int(1)
                },
                Edn {
                    line: 2,
                    column: 36,
                    value: Value::Int(-2)
                },
            ])
        );
        assert_eq!(
            v("\"a\\\"b\" 12N 1.5 true x"),
            vec![
                Value::Str("a\"b".into()),
                Value::Int(12),
                Value::Float(1.5),
                Value::Bool(true),
                Value::Symbol("x".into()),
            ]
        );
    }

    #[test]
    fn malformed_forms_name_line_column_and_expectation() {
        let e = read_all("[{:a 1}\n {:b}]", 1, 1).unwrap_err();
        assert_eq!((e.line, e.column), (2, 2));
        assert!(e.message.contains("even number"), "{e:?}");
        let e = read_all("[1 2", 1, 1).unwrap_err();
        assert!(
            e.message
                .contains("expected `]` to close the one opened at line 1, column 1"),
            "{e:?}"
        );
        let e = read_all("  ]", 3, 5).unwrap_err();
        assert_eq!((e.line, e.column), (3, 7));
        let e = read_all("#{1}", 1, 1).unwrap_err();
        assert!(e.message.contains("sets"), "{e:?}");
        let e = read_all("99999999999999999999999", 1, 1).unwrap_err();
        assert!(e.message.contains("fits 64 bits"), "{e:?}");
    }
}
