//! STIX Patterning (spec §9): lexer, parser, printer and evaluator.

pub mod ast;
pub mod eval;
pub mod lexer;
mod lint;
mod parser;
mod print;

pub use ast::*;
pub use eval::{Observation, matches};
pub use lint::{Finding, lint};
pub use parser::parse;

/// A pattern that failed to parse or validate, with the byte offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct PatternError {
    /// Byte offset into the pattern text.
    pub offset: usize,
    /// What went wrong.
    pub kind: PatternErrorKind,
}

impl PatternError {
    pub(crate) fn new(offset: usize, kind: PatternErrorKind) -> Self {
        Self { offset, kind }
    }
}

/// The kinds of pattern errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternErrorKind {
    /// A character that starts no token.
    #[error("unexpected character {0:?}")]
    UnexpectedChar(char),
    /// A quote without its closing quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// A backslash followed by something other than `'` or `\`.
    #[error("only \\' and \\\\ escapes are allowed in strings")]
    BadEscape,
    /// A malformed or out-of-range number.
    #[error("invalid number")]
    BadNumber,
    /// The parser found something else than it needed.
    #[error("expected {expected}, found {found}")]
    Unexpected {
        /// What was needed.
        expected: &'static str,
        /// What was there.
        found: String,
    },
    /// A property name that breaks the rules (§9.7: hyphens need quotes).
    #[error("invalid property name `{0}`")]
    InvalidPropertyName(String),
    /// A `h'…'` constant that is not an even number of hex digits.
    #[error("invalid hex constant")]
    BadHex,
    /// A `b'…'` constant that is not base64.
    #[error("invalid binary constant")]
    BadBinary,
    /// A `t'…'` constant that is not a STIX timestamp.
    #[error("invalid timestamp constant: {0}")]
    BadTimestamp(String),
    /// The same qualifier twice on one observation expression (§9.5.1).
    #[error("an observation expression must not have two {0} qualifiers")]
    DuplicateQualifier(&'static str),
    /// Parentheses or brackets nested deeper than the parser allows.
    #[error("expression is nested too deeply")]
    TooDeep,
}

impl Pattern {
    /// Every comparison in document order, e.g. to index indicators by observable.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        let mut out = Vec::new();
        eval::visit_comparisons(&self.expr, &mut |c| out.push(c));
        out
    }
}
