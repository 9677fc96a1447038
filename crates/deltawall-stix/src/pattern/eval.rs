//! Evaluation of a pattern against observations (§9.4–§9.6).
//!
//! An [`Observation`] is one observed-data object with the SCOs it covers. Observation
//! expressions produce *bindings* — sets of distinct observations — so that AND,
//! FOLLOWEDBY and the qualifiers can be checked across observations. The number of
//! bindings is capped so hostile patterns cannot explode.

use std::collections::BTreeMap;

use serde_json::Value;
use unicode_normalization::UnicodeNormalization as _;

use super::ast::*;
use crate::timestamp::Timestamp;

/// Upper bound on intermediate bindings; beyond it extra combinations are dropped.
const MAX_BINDINGS: usize = 10_000;
/// Upper bound on binding pairs examined by one combination step.
const MAX_PAIRS: usize = 1_000_000;

/// One observation: an observed-data object's time window and its SCOs.
#[derive(Debug, Clone)]
pub struct Observation {
    /// `first_observed`.
    pub first_observed: Timestamp,
    /// `last_observed`.
    pub last_observed: Timestamp,
    /// SCOs by their id (or by their key in the deprecated `objects` dictionary).
    pub objects: BTreeMap<String, Value>,
}

impl Observation {
    /// Builds from an observed-data object. With `object_refs`, `lookup` resolves each id
    /// to its SCO (only listed objects may be followed, §9.7.4); with the deprecated
    /// `objects` dictionary the embedded objects are used.
    pub fn from_observed_data(od: &Value, lookup: impl Fn(&str) -> Option<Value>) -> Option<Self> {
        let ts = |k: &str| {
            od.get(k)
                .and_then(Value::as_str)
                .and_then(|s| Timestamp::parse(s).ok())
        };
        let mut objects = BTreeMap::new();
        if let Some(embedded) = od.get("objects").and_then(Value::as_object) {
            objects.extend(embedded.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        for id in od
            .get("object_refs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if let Some(sco) = lookup(id) {
                objects.insert(id.to_owned(), sco);
            }
        }
        Some(Self {
            first_observed: ts("first_observed")?,
            last_observed: ts("last_observed")?,
            objects,
        })
    }
}

/// Whether the pattern matches the set of observations.
pub fn matches(pattern: &Pattern, observations: &[Observation]) -> bool {
    !bindings(&pattern.expr, observations).is_empty()
}

/// A set of distinct observation indices, sorted.
type Binding = Vec<usize>;

fn bindings(e: &ObservationExpr, obs: &[Observation]) -> Vec<Binding> {
    match e {
        ObservationExpr::Observation(c) => (0..obs.len())
            .filter(|i| observation_matches(c, &obs[*i]))
            .map(|i| vec![i])
            .collect(),
        ObservationExpr::Or(a, b) => {
            let mut out = bindings(a, obs);
            out.extend(bindings(b, obs));
            out.truncate(MAX_BINDINGS);
            out
        }
        ObservationExpr::And(a, b) => combine(&bindings(a, obs), &bindings(b, obs), |_, _| true),
        ObservationExpr::FollowedBy(a, b) => {
            combine(&bindings(a, obs), &bindings(b, obs), |x, y| {
                latest(x, obs) <= earliest(y, obs)
            })
        }
        ObservationExpr::Qualified(inner, q) => qualify(bindings(inner, obs), q, obs),
    }
}

fn earliest<'a>(b: &[usize], obs: &'a [Observation]) -> Option<&'a Timestamp> {
    b.iter().map(|i| &obs[*i].first_observed).min()
}

fn latest<'a>(b: &[usize], obs: &'a [Observation]) -> Option<&'a Timestamp> {
    b.iter().map(|i| &obs[*i].last_observed).max()
}

/// Pairs of bindings on disjoint observations that satisfy `ok`.
fn combine(a: &[Binding], b: &[Binding], ok: impl Fn(&Binding, &Binding) -> bool) -> Vec<Binding> {
    let mut out = Vec::new();
    let pairs = a
        .iter()
        .flat_map(|x| b.iter().map(move |y| (x, y)))
        .take(MAX_PAIRS);
    for (x, y) in pairs {
        if x.iter().any(|i| y.contains(i)) || !ok(x, y) {
            continue;
        }
        let mut merged: Binding = x.iter().chain(y).copied().collect();
        merged.sort_unstable();
        out.push(merged);
        if out.len() >= MAX_BINDINGS {
            return out;
        }
    }
    out
}

fn qualify(bs: Vec<Binding>, q: &Qualifier, obs: &[Observation]) -> Vec<Binding> {
    match q {
        Qualifier::Within(secs) => bs
            .into_iter()
            .filter(|b| {
                let (Some(lo), Some(hi)) = (earliest(b, obs), latest(b, obs)) else {
                    return false;
                };
                let span = hi.instant().as_second() as f64 - lo.instant().as_second() as f64
                    + f64::from(
                        hi.instant().subsec_nanosecond() - lo.instant().subsec_nanosecond(),
                    ) / 1e9;
                span < secs.as_f64()
            })
            .collect(),
        Qualifier::StartStop(start, stop) => bs
            .into_iter()
            .filter(|b| {
                b.iter()
                    .all(|i| obs[*i].first_observed >= *start && obs[*i].last_observed < *stop)
            })
            .collect(),
        // n matches need n distinct observations.
        Qualifier::Repeats(n) if usize::try_from(*n).map_or(true, |n| n > obs.len()) => Vec::new(),
        Qualifier::Repeats(n) => {
            let mut acc = bs.clone();
            for _ in 1..*n {
                acc = combine(&acc, &bs, |_, _| true);
                if acc.is_empty() {
                    break;
                }
            }
            acc
        }
    }
}

/// §9.5: every comparison must start from the same SCO; try each SCO as the root.
fn observation_matches(c: &ComparisonExpr, o: &Observation) -> bool {
    o.objects.values().any(|root| cmp_matches(c, root, o))
}

fn cmp_matches(c: &ComparisonExpr, root: &Value, o: &Observation) -> bool {
    match c {
        ComparisonExpr::And(a, b) => cmp_matches(a, root, o) && cmp_matches(b, root, o),
        ComparisonExpr::Or(a, b) => cmp_matches(a, root, o) || cmp_matches(b, root, o),
        ComparisonExpr::Comparison(cmp) => comparison_matches(cmp, root, o),
    }
}

fn comparison_matches(c: &Comparison, root: &Value, o: &Observation) -> bool {
    if root.get("type").and_then(Value::as_str) != Some(c.path.object_type.as_str()) {
        return false;
    }
    let values = resolve(&c.path.steps, root, o);
    if values.is_empty() {
        // §9.6: a path that is not present makes the comparison false, with or without NOT.
        return false;
    }
    let last_key = c.path.steps.iter().rev().find_map(|s| match s {
        PathStep::Key(k) => Some(k.as_str()),
        _ => None,
    });
    let hit = values
        .iter()
        .any(|v| test(c, v, last_key.unwrap_or_default()));
    hit != c.negated
}

/// Follows the path steps; `[*]` fans out; `_ref`/`_refs` values are dereferenced within
/// the observation (§9.7.4).
fn resolve<'a>(steps: &[PathStep], root: &'a Value, o: &'a Observation) -> Vec<&'a Value> {
    let mut cur = vec![root];
    let mut prev_key: Option<&str> = None;
    for step in steps {
        let mut next = Vec::new();
        for v in cur {
            let v = deref(v, prev_key, o);
            match (step, v) {
                (PathStep::Key(k), Value::Object(m)) => next.extend(m.get(k)),
                (PathStep::Index(i), Value::Array(a)) => {
                    next.extend(usize::try_from(*i).ok().and_then(|i| a.get(i)))
                }
                (PathStep::AnyIndex, Value::Array(a)) => next.extend(a.iter()),
                _ => {}
            }
        }
        if let PathStep::Key(k) = step {
            prev_key = Some(k);
        }
        cur = next;
    }
    cur
}

fn deref<'a>(v: &'a Value, prev_key: Option<&str>, o: &'a Observation) -> &'a Value {
    let is_ref = prev_key.is_some_and(|k| k.ends_with("_ref") || k.ends_with("_refs"));
    match v {
        Value::String(id) if is_ref => o.objects.get(id).unwrap_or(v),
        _ => v,
    }
}

/// One value against the constant; incompatible types are false (§9.6.1).
fn test(c: &Comparison, v: &Value, key: &str) -> bool {
    match (&c.op, &c.value) {
        (ComparisonOp::Exists, _) => true,
        (ComparisonOp::In, Operand::Set(items)) => items
            .iter()
            .any(|l| compare(v, l, key) == Some(std::cmp::Ordering::Equal)),
        (ComparisonOp::Like, Operand::Literal(Literal::Str(p))) => {
            v.as_str().is_some_and(|s| like(s, p))
        }
        (ComparisonOp::Matches, Operand::Literal(Literal::Str(p))) => v.as_str().is_some_and(|s| {
            compile_regex(p).is_ok_and(|re| re.is_match(&s.nfc().collect::<String>()))
        }),
        (ComparisonOp::IsSubset, Operand::Literal(Literal::Str(p))) => net_op(v, p, true),
        (ComparisonOp::IsSuperset, Operand::Literal(Literal::Str(p))) => net_op(v, p, false),
        (op, Operand::Literal(l)) => {
            let ord = compare(v, l, key);
            match op {
                ComparisonOp::Eq => ord == Some(std::cmp::Ordering::Equal),
                // §9.6.1: incompatible types are unequal.
                ComparisonOp::Ne => ord != Some(std::cmp::Ordering::Equal),
                ComparisonOp::Lt => ord == Some(std::cmp::Ordering::Less),
                ComparisonOp::Le => matches!(
                    ord,
                    Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                ),
                ComparisonOp::Gt => ord == Some(std::cmp::Ordering::Greater),
                ComparisonOp::Ge => matches!(
                    ord,
                    Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                ),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Orders the SCO value against a constant, or `None` if they are not comparable.
fn compare(v: &Value, l: &Literal, key: &str) -> Option<std::cmp::Ordering> {
    let binary_prop = key.ends_with("_bin") || key.ends_with("_hex");
    match (v, l) {
        (Value::String(s), Literal::Str(c)) if binary_prop => {
            native_bytes(s, key)?.partial_cmp(&latin1(c)?)
        }
        (Value::String(s), Literal::Str(c)) => Some(s.as_str().cmp(c.as_str())),
        (Value::String(s), Literal::Hex(b) | Literal::Binary(b)) => {
            let bytes = if binary_prop {
                native_bytes(s, key)?
            } else {
                latin1(s)?
            };
            Some(bytes.as_slice().cmp(b.as_slice()))
        }
        (Value::String(s), Literal::Timestamp(t)) => Timestamp::parse(s).ok().map(|x| x.cmp(t)),
        (Value::Number(n), Literal::Int(i)) => match n.as_i64() {
            Some(x) => Some(x.cmp(i)),
            None => n.as_f64()?.partial_cmp(&(*i as f64)),
        },
        (Value::Number(n), Literal::Float(f)) => n.as_f64()?.partial_cmp(f),
        (Value::Bool(b), Literal::Bool(c)) => Some(b.cmp(c)),
        _ => None,
    }
}

/// §9.6.4: binary properties are compared as their decoded octets.
fn native_bytes(s: &str, key: &str) -> Option<Vec<u8>> {
    if key.ends_with("_hex") {
        hex::decode(s).ok()
    } else {
        crate::validate::decode_base64(s)
    }
}

/// §9.2: a string converts to bytes only when every code point is below U+0100.
fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// SQL LIKE (`%`, `_`) on NFC-normalised text (§9.6.1).
fn like(value: &str, pattern: &str) -> bool {
    let mut re = String::from("(?s)^");
    for c in pattern.nfc() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(&value.nfc().collect::<String>()))
}

/// Compiles a MATCHES expression with a size bound (the spec warns about untrusted
/// regular expressions). PCRE-only constructs fail here and then never match.
pub(crate) fn compile_regex(re: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(re)
        .size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .map_err(|e| e.to_string())
}

/// ISSUBSET (`subset` true) / ISSUPERSET on CIDR blocks (§9.6.1).
fn net_op(v: &Value, constant: &str, subset: bool) -> bool {
    let (Some(a), Some(b)) = (v.as_str().and_then(to_net), to_net(constant)) else {
        return false;
    };
    if subset {
        b.contains(&a)
    } else {
        a.contains(&b)
    }
}

fn to_net(s: &str) -> Option<ipnet::IpNet> {
    s.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

/// Calls `f` on every comparison of the expression.
pub(crate) fn visit_comparisons<'a>(e: &'a ObservationExpr, f: &mut impl FnMut(&'a Comparison)) {
    fn cmp<'a>(c: &'a ComparisonExpr, f: &mut impl FnMut(&'a Comparison)) {
        match c {
            ComparisonExpr::Comparison(x) => f(x),
            ComparisonExpr::And(a, b) | ComparisonExpr::Or(a, b) => {
                cmp(a, f);
                cmp(b, f);
            }
        }
    }
    match e {
        ObservationExpr::Observation(c) => cmp(c, f),
        ObservationExpr::And(a, b)
        | ObservationExpr::Or(a, b)
        | ObservationExpr::FollowedBy(a, b) => {
            visit_comparisons(a, f);
            visit_comparisons(b, f);
        }
        ObservationExpr::Qualified(a, _) => visit_comparisons(a, f),
    }
}
