//! Recursive-descent parser for STIX patterns (§9.3–§9.7).
//! Precedence, lowest first: FOLLOWEDBY, OR, AND, qualifiers, `[ ]`/`( )` (§9.5.3).

use super::PatternError;
use std::collections::BTreeSet;

use super::PatternErrorKind as K;
use super::ast::*;
use super::lexer::{Tok, Token, tokenize};
use crate::timestamp::Timestamp;

/// Deepest nesting of brackets and parentheses accepted; bounds recursion on hostile input.
const MAX_DEPTH: usize = 64;

/// Parses and validates a STIX pattern.
pub fn parse(src: &str) -> Result<Pattern, PatternError> {
    let tokens = tokenize(src)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = p.followed_by()?;
    p.expect_eof()?;
    Ok(Pattern { expr })
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Eof => "end of pattern".into(),
        Tok::Keyword(k) => (*k).to_owned(),
        Tok::Symbol(s) => format!("`{s}`"),
        Tok::Ident(i) => format!("`{i}`"),
        Tok::Str(_) => "a string".into(),
        Tok::Int(_) | Tok::Float(_) => "a number".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos].tok
    }

    fn offset(&self) -> usize {
        self.tokens[self.pos].offset
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn unexpected(&self, expected: &'static str) -> PatternError {
        PatternError::new(
            self.offset(),
            K::Unexpected {
                expected,
                found: describe(self.peek()),
            },
        )
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        if matches!(self.peek(), Tok::Keyword(k) if *k == kw) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &Tok, expected: &'static str) -> Result<(), PatternError> {
        if self.peek() == tok {
            self.bump();
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn expect_keyword(&mut self, kw: &str, expected: &'static str) -> Result<(), PatternError> {
        if self.eat_keyword(kw) {
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn expect_eof(&self) -> Result<(), PatternError> {
        if *self.peek() == Tok::Eof {
            Ok(())
        } else {
            Err(self.unexpected("an observation operator or end of pattern"))
        }
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(PatternError::new(self.offset(), K::TooDeep))
        } else {
            Ok(())
        }
    }

    // ---- observation level ----

    fn followed_by(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut left = self.obs_or()?;
        while self.eat_keyword("FOLLOWEDBY") {
            let right = self.obs_or()?;
            left = ObservationExpr::FollowedBy(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn obs_or(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut left = self.obs_and()?;
        while self.eat_keyword("OR") {
            let right = self.obs_and()?;
            left = ObservationExpr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn obs_and(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut left = self.obs_qualified()?;
        while self.eat_keyword("AND") {
            let right = self.obs_qualified()?;
            left = ObservationExpr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn obs_qualified(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut expr = self.obs_atom()?;
        let mut seen = BTreeSet::new();
        while let Tok::Keyword(k @ ("WITHIN" | "REPEATS" | "START")) = *self.peek() {
            let at = self.offset();
            if !seen.insert(k) {
                return Err(PatternError::new(at, K::DuplicateQualifier(k)));
            }
            let q = self.qualifier()?;
            expr = ObservationExpr::Qualified(Box::new(expr), q);
        }
        Ok(expr)
    }

    fn obs_atom(&mut self) -> Result<ObservationExpr, PatternError> {
        self.enter()?;
        let expr = match self.peek() {
            Tok::LBracket => {
                self.bump();
                let c = self.cmp_or()?;
                self.expect(&Tok::RBracket, "`]`")?;
                ObservationExpr::Observation(c)
            }
            Tok::LParen => {
                self.bump();
                let e = self.followed_by()?;
                self.expect(&Tok::RParen, "`)`")?;
                e
            }
            _ => return Err(self.unexpected("`[` or `(`")),
        };
        self.depth -= 1;
        Ok(expr)
    }

    fn qualifier(&mut self) -> Result<Qualifier, PatternError> {
        if self.eat_keyword("WITHIN") {
            let at = self.offset();
            let n = match self.bump().tok {
                Tok::Int(t) => {
                    Number::Int(t.parse().map_err(|_| PatternError::new(at, K::BadNumber))?)
                }
                Tok::Float(t) => {
                    Number::Float(t.parse().map_err(|_| PatternError::new(at, K::BadNumber))?)
                }
                _ => {
                    return Err(PatternError::new(
                        at,
                        K::Unexpected {
                            expected: "a number",
                            found: "other".into(),
                        },
                    ));
                }
            };
            self.expect_keyword("SECONDS", "SECONDS")?;
            return Ok(Qualifier::Within(n));
        }
        if self.eat_keyword("REPEATS") {
            let at = self.offset();
            let n: u64 = match self.bump().tok {
                Tok::Int(t) => t.parse().map_err(|_| PatternError::new(at, K::BadNumber))?,
                _ => {
                    return Err(PatternError::new(
                        at,
                        K::Unexpected {
                            expected: "an integer",
                            found: "other".into(),
                        },
                    ));
                }
            };
            self.expect_keyword("TIMES", "TIMES")?;
            return Ok(Qualifier::Repeats(n));
        }
        self.expect_keyword("START", "a qualifier")?;
        let start = self.timestamp()?;
        self.expect_keyword("STOP", "STOP")?;
        let stop = self.timestamp()?;
        Ok(Qualifier::StartStop(start, stop))
    }

    fn timestamp(&mut self) -> Result<Timestamp, PatternError> {
        let at = self.offset();
        match self.bump().tok {
            Tok::Timestamp(t) => Timestamp::parse(&t)
                .map_err(|e| PatternError::new(at, K::BadTimestamp(e.to_string()))),
            _ => Err(PatternError::new(
                at,
                K::Unexpected {
                    expected: "a timestamp t'…'",
                    found: "other".into(),
                },
            )),
        }
    }

    // ---- comparison level ----

    fn cmp_or(&mut self) -> Result<ComparisonExpr, PatternError> {
        let mut left = self.cmp_and()?;
        while self.eat_keyword("OR") {
            let right = self.cmp_and()?;
            left = ComparisonExpr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn cmp_and(&mut self) -> Result<ComparisonExpr, PatternError> {
        let mut left = self.cmp_atom()?;
        loop {
            if !self.eat_keyword("AND") {
                return Ok(left);
            }
            let right = self.cmp_atom()?;
            left = ComparisonExpr::And(Box::new(left), Box::new(right));
        }
    }

    fn cmp_atom(&mut self) -> Result<ComparisonExpr, PatternError> {
        if *self.peek() == Tok::LParen {
            self.enter()?;
            self.bump();
            let e = self.cmp_or()?;
            self.expect(&Tok::RParen, "`)`")?;
            self.depth -= 1;
            return Ok(e);
        }
        let not_exists = matches!(self.peek(), Tok::Keyword("NOT"))
            && matches!(
                self.tokens.get(self.pos + 1).map(|t| &t.tok),
                Some(Tok::Keyword("EXISTS"))
            );
        if not_exists {
            self.bump();
        }
        if self.eat_keyword("EXISTS") {
            let path = self.path()?;
            return Ok(ComparisonExpr::Comparison(Comparison {
                path,
                negated: not_exists,
                op: ComparisonOp::Exists,
                value: Operand::None,
            }));
        }
        let path = self.path()?;
        let negated = self.eat_keyword("NOT");
        let op = self.operator()?;
        let value = self.operand(op)?;
        Ok(ComparisonExpr::Comparison(Comparison {
            path,
            negated,
            op,
            value,
        }))
    }

    fn operator(&mut self) -> Result<ComparisonOp, PatternError> {
        let op = match self.peek() {
            Tok::Symbol("=") => ComparisonOp::Eq,
            Tok::Symbol("!=") => ComparisonOp::Ne,
            Tok::Symbol("<") => ComparisonOp::Lt,
            Tok::Symbol("<=") => ComparisonOp::Le,
            Tok::Symbol(">") => ComparisonOp::Gt,
            Tok::Symbol(">=") => ComparisonOp::Ge,
            Tok::Keyword("IN") => ComparisonOp::In,
            Tok::Keyword("LIKE") => ComparisonOp::Like,
            Tok::Keyword("MATCHES") => ComparisonOp::Matches,
            Tok::Keyword("ISSUBSET") => ComparisonOp::IsSubset,
            Tok::Keyword("ISSUPERSET") => ComparisonOp::IsSuperset,
            _ => return Err(self.unexpected("a comparison operator")),
        };
        self.bump();
        Ok(op)
    }

    fn operand(&mut self, op: ComparisonOp) -> Result<Operand, PatternError> {
        let at = self.offset();
        match op {
            ComparisonOp::In => self.set().map(Operand::Set),
            ComparisonOp::Like | ComparisonOp::IsSubset | ComparisonOp::IsSuperset => {
                match self.literal()? {
                    s @ Literal::Str(_) => Ok(Operand::Literal(s)),
                    _ => Err(PatternError::new(
                        at,
                        K::Unexpected {
                            expected: "a string",
                            found: "other constant".into(),
                        },
                    )),
                }
            }
            ComparisonOp::Matches => match self.literal()? {
                // Regular expressions are checked by `lint`, as the reference validator
                // accepts any string here.
                Literal::Str(s) => Ok(Operand::Literal(Literal::Str(s))),
                _ => Err(PatternError::new(
                    at,
                    K::Unexpected {
                        expected: "a string",
                        found: "other constant".into(),
                    },
                )),
            },
            ComparisonOp::Lt | ComparisonOp::Le | ComparisonOp::Gt | ComparisonOp::Ge => {
                match self.literal()? {
                    Literal::Bool(_) => Err(PatternError::new(
                        at,
                        K::Unexpected {
                            expected: "an orderable constant",
                            found: "a boolean".into(),
                        },
                    )),
                    l => Ok(Operand::Literal(l)),
                }
            }
            _ => self.literal().map(Operand::Literal),
        }
    }

    /// `( )` or `( literal, … )`; the grammar allows the empty set, and homogeneity is a
    /// `lint` finding.
    fn set(&mut self) -> Result<Vec<Literal>, PatternError> {
        self.expect(&Tok::LParen, "`(`")?;
        let mut items = Vec::new();
        if *self.peek() == Tok::RParen {
            self.bump();
            return Ok(items);
        }
        items.push(self.literal()?);
        while *self.peek() == Tok::Comma {
            self.bump();
            items.push(self.literal()?);
        }
        self.expect(&Tok::RParen, "`)` or `,`")?;
        Ok(items)
    }

    fn literal(&mut self) -> Result<Literal, PatternError> {
        let at = self.offset();
        let err = |k| PatternError::new(at, k);
        Ok(match self.peek().clone() {
            Tok::Str(s) => Literal::Str(s),
            // Integers beyond i64 are kept as floats rather than rejected, as the reference
            // grammar accepts any digit string.
            Tok::Int(t) => match t.parse::<i64>() {
                Ok(i) => Literal::Int(i),
                Err(_) => Literal::Float(t.parse().map_err(|_| err(K::BadNumber))?),
            },
            Tok::Float(t) => Literal::Float(t.parse().map_err(|_| err(K::BadNumber))?),
            Tok::Bool(b) => Literal::Bool(b),
            Tok::Hex(h) => Literal::Hex(decode_hex(&h).ok_or_else(|| err(K::BadHex))?),
            // The grammar needs at least one base64 group and allows no line breaks (the
            // object-property decoder tolerates them; a pattern must not, or `b'\n'` would
            // parse to an empty value that prints as the invalid `b''`).
            Tok::Binary(b) if b.is_empty() || b.contains(['\n', '\r']) => {
                return Err(err(K::BadBinary));
            }
            Tok::Binary(b) => Literal::Binary(
                crate::validate::decode_base64(&b)
                    .filter(|bytes| !bytes.is_empty())
                    .ok_or_else(|| err(K::BadBinary))?,
            ),
            Tok::Timestamp(t) => Literal::Timestamp(
                Timestamp::parse(&t).map_err(|e| err(K::BadTimestamp(e.to_string())))?,
            ),
            _ => return Err(self.unexpected("a constant")),
        })
        .inspect(|_| {
            self.bump();
        })
    }

    /// `object-type ':' first ( '.' key | '[' index ']' )*` (§9.7).
    fn path(&mut self) -> Result<ObjectPath, PatternError> {
        let at = self.offset();
        let object_type = match self.bump().tok {
            // Type-name rules (§3.1) are a `lint` finding: the reference grammar accepts any
            // identifier here.
            Tok::Ident(t) => t,
            t => {
                return Err(PatternError::new(
                    at,
                    K::Unexpected {
                        expected: "an object path",
                        found: describe(&t),
                    },
                ));
            }
        };
        self.expect(&Tok::Colon, "`:`")?;
        let mut steps = vec![PathStep::Key(self.key()?)];
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.bump();
                    steps.push(PathStep::Key(self.key()?));
                }
                Tok::LBracket => {
                    self.bump();
                    let at = self.offset();
                    let step = match self.bump().tok {
                        Tok::Star => PathStep::AnyIndex,
                        Tok::Int(t) => PathStep::Index(
                            t.parse().map_err(|_| PatternError::new(at, K::BadNumber))?,
                        ),
                        _ => {
                            return Err(PatternError::new(
                                at,
                                K::Unexpected {
                                    expected: "an index or `*`",
                                    found: "other".into(),
                                },
                            ));
                        }
                    };
                    self.expect(&Tok::RBracket, "`]`")?;
                    steps.push(step);
                }
                _ => return Ok(ObjectPath { object_type, steps }),
            }
        }
    }

    /// A property name or dictionary key: an identifier without hyphens, or a quoted string.
    fn key(&mut self) -> Result<String, PatternError> {
        let at = self.offset();
        match self.bump().tok {
            Tok::Str(s) => Ok(s),
            Tok::Ident(t) if !t.contains('-') => Ok(t),
            Tok::Ident(t) => Err(PatternError::new(at, K::InvalidPropertyName(t))),
            // Keywords are valid keys in dictionaries only when quoted.
            t => Err(PatternError::new(
                at,
                K::Unexpected {
                    expected: "a property name",
                    found: describe(&t),
                },
            )),
        }
    }
}

fn decode_hex(h: &str) -> Option<Vec<u8>> {
    if !h.len().is_multiple_of(2) {
        return None;
    }
    hex::decode(h).ok()
}
