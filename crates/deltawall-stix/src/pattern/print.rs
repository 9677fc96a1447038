//! Canonical pretty-printer. Parentheses are emitted only where precedence requires them,
//! so the output reparses to the same tree.

use std::fmt::{self, Display, Formatter, Write as _};

use super::ast::*;

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

/// Binding strength of observation operators (§9.5.3), higher binds tighter.
fn obs_prec(e: &ObservationExpr) -> u8 {
    match e {
        ObservationExpr::FollowedBy(..) => 0,
        ObservationExpr::Or(..) => 1,
        ObservationExpr::And(..) => 2,
        ObservationExpr::Qualified(..) | ObservationExpr::Observation(_) => 3,
    }
}

fn obs_child(f: &mut Formatter<'_>, e: &ObservationExpr, min: u8) -> fmt::Result {
    if obs_prec(e) < min {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl Display for ObservationExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (l, r, op, p) = match self {
            ObservationExpr::Observation(c) => return write!(f, "[{c}]"),
            ObservationExpr::Qualified(e, q) => {
                // A qualifier binds to the nearest atom, so any operator below needs parens;
                // so does a chain that already has this kind of qualifier (§9.5.1 allows one
                // of each kind per observation expression).
                if chain_has(e, q) {
                    write!(f, "({e})")?;
                } else {
                    obs_child(f, e, 3)?;
                }
                return write!(f, " {q}");
            }
            ObservationExpr::And(l, r) => (l, r, "AND", 2),
            ObservationExpr::Or(l, r) => (l, r, "OR", 1),
            ObservationExpr::FollowedBy(l, r) => (l, r, "FOLLOWEDBY", 0),
        };
        // Left-associative: the right child needs parens at equal precedence.
        obs_child(f, l, p)?;
        write!(f, " {op} ")?;
        obs_child(f, r, p + 1)
    }
}

/// Whether the qualifier chain directly on `e` already holds a qualifier of `q`'s kind.
fn chain_has(e: &ObservationExpr, q: &Qualifier) -> bool {
    match e {
        ObservationExpr::Qualified(inner, other) => {
            std::mem::discriminant(other) == std::mem::discriminant(q) || chain_has(inner, q)
        }
        _ => false,
    }
}

impl Display for Qualifier {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within(n) => write!(f, "WITHIN {n} SECONDS"),
            Qualifier::Repeats(n) => write!(f, "REPEATS {n} TIMES"),
            Qualifier::StartStop(a, b) => write!(f, "START t'{a}' STOP t'{b}'"),
        }
    }
}

impl Display for Number {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => f.write_str(&float_text(*x)),
        }
    }
}

fn cmp_prec(e: &ComparisonExpr) -> u8 {
    match e {
        ComparisonExpr::Or(..) => 0,
        ComparisonExpr::And(..) => 1,
        ComparisonExpr::Comparison(_) => 2,
    }
}

fn cmp_child(f: &mut Formatter<'_>, e: &ComparisonExpr, min: u8) -> fmt::Result {
    if cmp_prec(e) < min {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl Display for ComparisonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (l, r, op, p) = match self {
            ComparisonExpr::Comparison(c) => return c.fmt(f),
            ComparisonExpr::And(l, r) => (l, r, "AND", 1),
            ComparisonExpr::Or(l, r) => (l, r, "OR", 0),
        };
        cmp_child(f, l, p)?;
        write!(f, " {op} ")?;
        cmp_child(f, r, p + 1)
    }
}

impl Display for Comparison {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let not = if self.negated { "NOT " } else { "" };
        if self.op == ComparisonOp::Exists {
            return write!(f, "{not}EXISTS {}", self.path);
        }
        write!(f, "{} {not}{} {}", self.path, self.op.as_str(), self.value)
    }
}

impl Display for Operand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Literal(l) => l.fmt(f),
            Operand::Set(items) => {
                f.write_char('(')?;
                for (i, l) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    l.fmt(f)?;
                }
                f.write_char(')')
            }
            Operand::None => Ok(()),
        }
    }
}

/// A float in a form the lexer reads back as a float (digits `.` digits).
fn float_text(x: f64) -> String {
    let s = format!("{x}");
    if s.contains('.') || !x.is_finite() {
        s
    } else {
        format!("{s}.0")
    }
}

fn quote(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('\'')
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use base64::Engine as _;
        match self {
            Literal::Str(s) => quote(f, s),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => f.write_str(&float_text(*x)),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Hex(h) => write!(f, "h'{}'", hex::encode(h)),
            Literal::Binary(b) => write!(
                f,
                "b'{}'",
                base64::engine::general_purpose::STANDARD.encode(b)
            ),
            Literal::Timestamp(t) => write!(f, "t'{t}'"),
        }
    }
}

/// A key is printed bare when the lexer would read it back as one identifier.
fn bare_key(k: &str) -> bool {
    let b = k.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !matches!(k, "true" | "false")
        && !k.bytes().all(|c| c.is_ascii_uppercase())
}

impl Display for ObjectPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Key(k) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    if bare_key(k) {
                        f.write_str(k)?
                    } else {
                        quote(f, k)?
                    }
                }
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}
