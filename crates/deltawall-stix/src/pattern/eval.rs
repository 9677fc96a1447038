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
    /// `number_observed` (§4.14): how many observations this one stands for.
    pub number_observed: u64,
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
            number_observed: od
                .get("number_observed")
                .and_then(Value::as_u64)
                .unwrap_or(1),
            objects,
        })
    }
}

/// Whether the pattern matches the set of observations.
///
/// Time semantics follow the OASIS reference matcher (stix2-matcher): an observation is
/// the interval `[first_observed, last_observed]` and stands for `number_observed`
/// instances (§4.14), and a qualifier holds when timestamps can be chosen inside the
/// intervals that satisfy it.
pub fn matches(pattern: &Pattern, observations: &[Observation]) -> bool {
    let cx = Instances::new(observations, instances_needed(&pattern.expr).max(1));
    !bindings(&pattern.expr, &cx).is_empty()
}

/// Instances of observations: an observed-data with `number_observed` n can satisfy up to
/// n observation expressions (AND, REPEATS), but never more than the pattern can use.
struct Instances<'a> {
    obs: &'a [Observation],
    /// Instance id → observation index.
    of: Vec<usize>,
}

impl<'a> Instances<'a> {
    fn new(obs: &'a [Observation], cap: u64) -> Self {
        let of = obs
            .iter()
            .enumerate()
            .flat_map(|(i, o)| {
                std::iter::repeat_n(
                    i,
                    usize::try_from(o.number_observed.clamp(1, cap)).unwrap_or(1),
                )
            })
            .take(MAX_BINDINGS)
            .collect();
        Self { obs, of }
    }

    fn obs(&self, instance: usize) -> &'a Observation {
        &self.obs[self.of[instance]]
    }

    /// The latest `first_observed` of a binding.
    fn latest_first(&self, b: &[usize]) -> Option<&'a Timestamp> {
        b.iter().map(|i| &self.obs(*i).first_observed).max()
    }

    /// The earliest `last_observed` of a binding.
    fn earliest_last(&self, b: &[usize]) -> Option<&'a Timestamp> {
        b.iter().map(|i| &self.obs(*i).last_observed).min()
    }
}

/// How many instances of one observation the pattern could use at most.
fn instances_needed(e: &ObservationExpr) -> u64 {
    let n = match e {
        ObservationExpr::Observation(_) => 1,
        ObservationExpr::And(a, b) | ObservationExpr::FollowedBy(a, b) => {
            instances_needed(a).saturating_add(instances_needed(b))
        }
        ObservationExpr::Or(a, b) => instances_needed(a).max(instances_needed(b)),
        ObservationExpr::Qualified(a, Qualifier::Repeats(n)) => {
            instances_needed(a).saturating_mul(*n)
        }
        ObservationExpr::Qualified(a, _) => instances_needed(a),
    };
    n.min(MAX_BINDINGS as u64)
}

/// A set of distinct instance ids, sorted.
type Binding = Vec<usize>;

fn bindings(e: &ObservationExpr, cx: &Instances<'_>) -> Vec<Binding> {
    match e {
        ObservationExpr::Observation(c) => {
            let hit: Vec<bool> = cx.obs.iter().map(|o| observation_matches(c, o)).collect();
            (0..cx.of.len())
                .filter(|i| hit[cx.of[*i]])
                .map(|i| vec![i])
                .collect()
        }
        ObservationExpr::Or(a, b) => {
            let mut out = bindings(a, cx);
            out.extend(bindings(b, cx));
            out.truncate(MAX_BINDINGS);
            out
        }
        ObservationExpr::And(a, b) => combine(&bindings(a, cx), &bindings(b, cx), |_, _| true),
        // Timestamps can be chosen with every right one at or after every left one.
        ObservationExpr::FollowedBy(a, b) => combine(&bindings(a, cx), &bindings(b, cx), |x, y| {
            cx.latest_first(x) <= cx.earliest_last(y)
        }),
        ObservationExpr::Qualified(inner, q) => qualify(bindings(inner, cx), q, cx),
    }
}

/// Pairs of bindings on disjoint instances that satisfy `ok`.
fn combine(a: &[Binding], b: &[Binding], ok: impl Fn(&Binding, &Binding) -> bool) -> Vec<Binding> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
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
        // REPEATS and AND reach the same set in several orders; keep one.
        if !seen.insert(merged.clone()) {
            continue;
        }
        out.push(merged);
        if out.len() >= MAX_BINDINGS {
            return out;
        }
    }
    out
}

fn seconds_between(a: &Timestamp, b: &Timestamp) -> f64 {
    let d = b.instant().as_nanosecond() - a.instant().as_nanosecond();
    d as f64 / 1e9
}

fn qualify(bs: Vec<Binding>, q: &Qualifier, cx: &Instances<'_>) -> Vec<Binding> {
    match q {
        // Some window of x seconds meets every interval: the latest start lies less than x
        // after the earliest end (§9.5.1 asks for "not equal to or later than").
        Qualifier::Within(secs) => bs
            .into_iter()
            .filter(|b| match (cx.earliest_last(b), cx.latest_first(b)) {
                (Some(end), Some(start)) => seconds_between(end, start) < secs.as_f64(),
                _ => false,
            })
            .collect(),
        // START ≥ STOP and REPEATS 0 break §9.5.1 (only `lint` warns, for parity with the
        // reference parser); like other invalid patterns they match nothing (§9.4).
        Qualifier::StartStop(start, stop) if start >= stop => Vec::new(),
        Qualifier::Repeats(0) => Vec::new(),
        // Every interval meets [start, stop).
        Qualifier::StartStop(start, stop) => bs
            .into_iter()
            .filter(|b| {
                b.iter().all(|i| {
                    let o = cx.obs(*i);
                    o.first_observed < *stop && o.last_observed >= *start
                })
            })
            .collect(),
        // n matches need n distinct instances.
        Qualifier::Repeats(n) if usize::try_from(*n).map_or(true, |n| n > cx.of.len()) => {
            Vec::new()
        }
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
