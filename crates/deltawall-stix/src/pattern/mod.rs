//! STIX Patterning (spec §9): lexer, parser, printer and evaluator.

pub mod ast;
pub mod eval;
pub mod lexer;
mod parser;
mod print;

pub use ast::*;
pub use eval::{Observation, matches};
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
    /// An object type that breaks the type-name rules (§3.1).
    #[error("invalid object type `{0}`")]
    InvalidObjectType(String),
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
    /// AND joins comparisons that cannot start from the same object (§9.5).
    #[error("comparisons joined by AND must use the same object type, found `{0}` and `{1}`")]
    MixedTypesInAnd(String, String),
    /// The same qualifier twice on one observation expression (§9.5.1).
    #[error("an observation expression must not have two {0} qualifiers")]
    DuplicateQualifier(&'static str),
    /// START is not before STOP.
    #[error("START must be earlier than STOP")]
    StartNotBeforeStop,
    /// WITHIN or REPEATS with zero.
    #[error("qualifier value must be positive")]
    NonPositive,
    /// Mixed constant types in an IN set (§9.6.1).
    #[error("the values of an IN set must have the same type")]
    NonHomogeneousSet,
    /// Parentheses or brackets nested deeper than the parser allows.
    #[error("expression is nested too deeply")]
    TooDeep,
    /// A MATCHES regular expression that does not compile.
    #[error("invalid regular expression: {0}")]
    BadRegex(String),
}

impl Pattern {
    /// Every comparison in document order, e.g. to index indicators by observable.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        let mut out = Vec::new();
        eval::visit_comparisons(&self.expr, &mut |c| out.push(c));
        out
    }
}

/// Warnings about a parsed pattern: constructs this crate's evaluator cannot handle exactly
/// (PCRE features such as back-references and look-around that the linear-time `regex`
/// crate lacks) and paths naming properties the SCO type does not define.
pub fn evaluator_warnings(p: &Pattern) -> Vec<String> {
    let mut out = Vec::new();
    for c in p.comparisons() {
        if c.op == ComparisonOp::Matches
            && let Operand::Literal(Literal::Str(re)) = &c.value
            && eval::compile_regex(re).is_err()
        {
            out.push(format!(
                "regular expression `{re}` is not supported by the evaluator and never matches"
            ));
        }
        if let Some(w) = unknown_property(&c.path) {
            out.push(w);
        }
    }
    out
}

/// Common properties every SCO may carry (§3.2, §6).
const SCO_COMMON: &[&str] = &[
    "type",
    "id",
    "spec_version",
    "object_marking_refs",
    "granular_markings",
    "defanged",
    "extensions",
];

/// A warning when a path names a property the SCO type does not define (§9.7: the name
/// MUST be a valid property of the type); custom `x_` properties are allowed.
fn unknown_property(path: &ObjectPath) -> Option<String> {
    let spec = crate::object::schema::spec_for(&path.object_type)?;
    if spec.kind != crate::object::schema::ObjectKind::Sco {
        return Some(format!(
            "`{}` is not a cyber-observable type",
            path.object_type
        ));
    }
    let Some(PathStep::Key(first)) = path.steps.first() else {
        return None;
    };
    let known = spec.props.iter().any(|(p, _)| p == first) || SCO_COMMON.contains(&first.as_str());
    (!known && !first.starts_with("x_"))
        .then(|| format!("`{}` has no property `{first}`", path.object_type))
}
