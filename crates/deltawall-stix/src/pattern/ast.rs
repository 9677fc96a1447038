//! The STIX pattern syntax tree (spec §9). Parentheses are not kept: the printer inserts
//! them from precedence, so `print(parse(p))` reparses to the same tree.

use crate::timestamp::Timestamp;

/// A whole pattern expression (§9.4).
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The top observation expression.
    pub expr: ObservationExpr,
}

/// An observation expression (§9.5).
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpr {
    /// `[ comparison ]`.
    Observation(ComparisonExpr),
    /// `a AND b`: both on different observations.
    And(Box<ObservationExpr>, Box<ObservationExpr>),
    /// `a OR b`.
    Or(Box<ObservationExpr>, Box<ObservationExpr>),
    /// `a FOLLOWEDBY b`.
    FollowedBy(Box<ObservationExpr>, Box<ObservationExpr>),
    /// `a <qualifier>`.
    Qualified(Box<ObservationExpr>, Qualifier),
}

/// Observation-expression qualifiers (§9.5.1).
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN x SECONDS`.
    Within(Number),
    /// `REPEATS x TIMES`.
    Repeats(u64),
    /// `START t'…' STOP t'…'`.
    StartStop(Timestamp, Timestamp),
}

/// A positive number as written (integer or float), for `WITHIN`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer.
    Int(u64),
    /// A float.
    Float(f64),
}

impl Number {
    /// The value as seconds.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// A comparison expression inside brackets (§9.6).
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    /// One comparison.
    Comparison(Comparison),
    /// `a AND b` on the same object.
    And(Box<ComparisonExpr>, Box<ComparisonExpr>),
    /// `a OR b`.
    Or(Box<ComparisonExpr>, Box<ComparisonExpr>),
}

/// `path [NOT] op value` or `[NOT] EXISTS path`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The object path.
    pub path: ObjectPath,
    /// Whether `NOT` precedes the operator.
    pub negated: bool,
    /// The operator.
    pub op: ComparisonOp,
    /// The constant (a set for `IN`, nothing for `EXISTS`).
    pub value: Operand,
}

/// Comparison operators (§9.6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `IN`
    In,
    /// `LIKE`
    Like,
    /// `MATCHES`
    Matches,
    /// `ISSUBSET`
    IsSubset,
    /// `ISSUPERSET`
    IsSuperset,
    /// `EXISTS`
    Exists,
}

impl ComparisonOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            ComparisonOp::Eq => "=",
            ComparisonOp::Ne => "!=",
            ComparisonOp::Lt => "<",
            ComparisonOp::Le => "<=",
            ComparisonOp::Gt => ">",
            ComparisonOp::Ge => ">=",
            ComparisonOp::In => "IN",
            ComparisonOp::Like => "LIKE",
            ComparisonOp::Matches => "MATCHES",
            ComparisonOp::IsSubset => "ISSUBSET",
            ComparisonOp::IsSuperset => "ISSUPERSET",
            ComparisonOp::Exists => "EXISTS",
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// One constant.
    Literal(Literal),
    /// `( a, b, … )` for `IN`.
    Set(Vec<Literal>),
    /// Nothing (`EXISTS`).
    None,
}

/// Constants (§9.2).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'…'`
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `h'…'`, decoded.
    Hex(Vec<u8>),
    /// `b'…'`, decoded.
    Binary(Vec<u8>),
    /// `t'…'`.
    Timestamp(Timestamp),
}

/// `object-type:step.step[index]…` (§9.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPath {
    /// The SCO type.
    pub object_type: String,
    /// The property steps; the first is always a [`PathStep::Key`].
    pub steps: Vec<PathStep>,
}

/// One step of an object path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// A property name or dictionary key.
    Key(String),
    /// `[n]`; negative values are allowed by the grammar and never match.
    Index(i64),
    /// `[*]`.
    AnyIndex,
}
