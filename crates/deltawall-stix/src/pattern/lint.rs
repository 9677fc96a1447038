//! Checks beyond the grammar. The reference parser (OASIS stix2-patterns) accepts some
//! patterns that break §9 MUST rules but can simply never match; for interoperability those
//! are warnings here. Hash constants that the reference rejects are errors.

use std::collections::BTreeSet;

use super::ast::*;
use super::eval;
use crate::issue::Severity;

/// One finding about a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error (the reference validator rejects it too) or warning.
    pub severity: Severity,
    /// Lowercase message without a full stop.
    pub message: String,
}

impl Finding {
    fn warn(message: String) -> Self {
        Self {
            severity: Severity::Warning,
            message,
        }
    }
}

/// All findings for `p`, in document order.
pub fn lint(p: &Pattern) -> Vec<Finding> {
    let mut out = Vec::new();
    observation(&p.expr, &mut out);
    for c in p.comparisons() {
        comparison(c, &mut out);
    }
    out
}

fn observation(e: &ObservationExpr, out: &mut Vec<Finding>) {
    match e {
        ObservationExpr::Observation(c) => same_root(c, out),
        ObservationExpr::And(a, b)
        | ObservationExpr::Or(a, b)
        | ObservationExpr::FollowedBy(a, b) => {
            observation(a, out);
            observation(b, out);
        }
        ObservationExpr::Qualified(a, q) => {
            observation(a, out);
            qualifier(q, out);
        }
    }
}

/// §9.5.1: WITHIN and REPEATS take positive values; START must precede STOP.
fn qualifier(q: &Qualifier, out: &mut Vec<Finding>) {
    let msg = match q {
        Qualifier::Within(n)
            if n.as_f64().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) =>
        {
            "WITHIN must be positive (§9.5.1); the expression never matches"
        }
        Qualifier::Repeats(0) => "REPEATS must be positive (§9.5.1)",
        Qualifier::StartStop(a, b) if a >= b => {
            "START must be earlier than STOP (§9.5.1); the expression never matches"
        }
        _ => return,
    };
    out.push(Finding::warn(msg.into()));
}

fn root_types(e: &ComparisonExpr, out: &mut BTreeSet<String>) {
    match e {
        ComparisonExpr::Comparison(c) => {
            out.insert(c.path.object_type.clone());
        }
        ComparisonExpr::And(a, b) | ComparisonExpr::Or(a, b) => {
            root_types(a, out);
            root_types(b, out);
        }
    }
}

/// §9.5: the operands of AND must be satisfiable by one object; sides with no object type
/// in common never are.
fn same_root(e: &ComparisonExpr, out: &mut Vec<Finding>) {
    match e {
        ComparisonExpr::Comparison(_) => {}
        ComparisonExpr::Or(a, b) => {
            same_root(a, out);
            same_root(b, out);
        }
        ComparisonExpr::And(a, b) => {
            let (mut l, mut r) = (BTreeSet::new(), BTreeSet::new());
            root_types(a, &mut l);
            root_types(b, &mut r);
            if l.is_disjoint(&r) {
                let (x, y) = (
                    l.first().cloned().unwrap_or_default(),
                    r.first().cloned().unwrap_or_default(),
                );
                out.push(Finding::warn(format!(
                    "comparisons on `{x}` and `{y}` joined by AND can never match one object (§9.5)"
                )));
            }
            same_root(a, out);
            same_root(b, out);
        }
    }
}

fn comparison(c: &Comparison, out: &mut Vec<Finding>) {
    if !crate::id::is_valid_type_name(&c.path.object_type) {
        out.push(Finding::warn(format!(
            "`{}` is not a valid object type name (§3.1)",
            c.path.object_type
        )));
    } else if let Some(w) = unknown_property(&c.path) {
        out.push(Finding::warn(w));
    }
    if c.op == ComparisonOp::Matches
        && let Operand::Literal(Literal::Str(re)) = &c.value
        && let Err(e) = eval::compile_regex(re)
    {
        let why = if e.contains("look-around") || e.contains("backreference") {
            "uses pcre features the evaluator lacks"
        } else {
            "is not a valid regular expression"
        };
        out.push(Finding::warn(format!(
            "`{re}` {why}; it never matches here"
        )));
    }
    if let Operand::Set(items) = &c.value
        && !homogeneous(items)
    {
        out.push(Finding::warn(
            "the values of an IN set must have the same type (§9.6.1)".into(),
        ));
    }
    hash_constants(c, out);
}

fn homogeneous(items: &[Literal]) -> bool {
    let numeric = |l: &Literal| matches!(l, Literal::Int(_) | Literal::Float(_));
    items.windows(2).all(|w| {
        std::mem::discriminant(&w[0]) == std::mem::discriminant(&w[1])
            || (numeric(&w[0]) && numeric(&w[1]))
    })
}

/// `…hashes.<algorithm>` compared with strings: the strings must be hashes of that
/// algorithm (as in the reference validator).
fn hash_constants(c: &Comparison, out: &mut Vec<Finding>) {
    let n = c.path.steps.len();
    let alg = match c.path.steps.get(n.wrapping_sub(2)..) {
        Some([PathStep::Key(h), PathStep::Key(alg)]) if h == "hashes" => alg,
        _ => return,
    };
    if !matches!(c.op, ComparisonOp::Eq | ComparisonOp::Ne | ComparisonOp::In) {
        return;
    }
    let Some(len) = crate::validate::hash_hex_len(&alg.to_ascii_uppercase()) else {
        return;
    };
    let values: Vec<&Literal> = match &c.value {
        Operand::Literal(l) => vec![l],
        Operand::Set(items) => items.iter().collect(),
        Operand::None => Vec::new(),
    };
    for v in values {
        if let Literal::Str(s) = v
            && !(s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            out.push(Finding {
                severity: Severity::Error,
                message: format!("`{s}` is not a valid {alg} hash"),
            });
        }
    }
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
