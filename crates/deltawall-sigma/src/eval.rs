//! The compiled form of a detection (`Node`, `Test`) and its evaluation against an event,
//! with a per-event cache so each field is looked up and lowercased once for all rules.

use crate::model::CmpOp;
use crate::modifier::TimePart;
use crate::pattern::StrSet;
use deltawall_event::{Event, Scalar};
use ipnet::IpNet;
use regex::Regex;
use std::borrow::Cow;
use std::net::IpAddr;

/// Index of an interned field (a list of candidate event paths).
pub(crate) type FieldId = usize;

/// A compiled boolean expression over one event.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(bool),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// At least `n` of the nodes hold (`n of selection*`).
    AtLeast(usize, Vec<Node>),
    /// A search identifier, shared by every place the condition names it.
    Shared(std::sync::Arc<Node>),
    /// Some value of the field passes the test.
    Field(FieldId, Test),
    /// The field is present and none of its values passes the test (`neq`).
    Neq(FieldId, Test),
    /// The field is absent or null.
    Null(FieldId),
    /// The field is present (`true`) or absent (`false`).
    Exists(FieldId, bool),
    /// Compares the field with another field of the same event (`fieldref`).
    FieldRef {
        field: FieldId,
        other: FieldId,
        kind: RefKind,
        cased: bool,
        neq: bool,
    },
    /// Some string value anywhere in the event passes the test (keyword search).
    Keyword(Test),
}

/// How a `fieldref` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefKind {
    Exact,
    Prefix,
    Suffix,
    Contains,
}

/// A test of one scalar value.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    Str(StrSet),
    Re(Vec<Regex>),
    Cidr(Vec<IpNet>),
    Num(CmpOp, Vec<f64>),
    Time(TimePart, CmpOp, Vec<f64>),
}

/// One scalar of an event field with its text forms.
#[derive(Debug)]
pub(crate) struct Val<'e> {
    pub scalar: Scalar<'e>,
    pub text: Cow<'e, str>,
    /// Lowercased text, made on first use and only when it differs from `text`: most
    /// values are only compared case-sensitively or never lowered (group keys, numbers).
    lower: std::cell::OnceCell<Option<String>>,
}

impl<'e> Val<'e> {
    fn new(scalar: Scalar<'e>) -> Val<'e> {
        let text: Cow<'e, str> = match scalar {
            Scalar::Str(s) => Cow::Borrowed(s),
            other => Cow::Owned(other.to_text().into_owned()),
        };
        Val {
            scalar,
            text,
            lower: std::cell::OnceCell::new(),
        }
    }

    pub fn lower(&self) -> &str {
        self.lower
            .get_or_init(|| needs_lowering(&self.text).then(|| self.text.to_lowercase()))
            .as_deref()
            .unwrap_or(&self.text)
    }

    pub fn number(&self) -> Option<f64> {
        match self.scalar {
            Scalar::Int(i) => Some(i as f64),
            Scalar::Float(f) => Some(f),
            Scalar::Str(s) => s.trim().parse().ok(),
            Scalar::Bool(_) | Scalar::Null => None,
        }
    }
}

fn needs_lowering(text: &str) -> bool {
    text.bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
}

/// Which fields an [`EvalCtx`] has resolved, kept by the engine across events so that a
/// new event costs no clearing: a field counts as resolved only when its stamp is the
/// current event's.
#[derive(Debug, Default)]
pub(crate) struct FieldCache {
    stamps: Vec<u32>,
    positions: Vec<u32>,
    stamp: u32,
    /// The buffers of the previous event's context, kept so that each event does not
    /// allocate (and grow) its own.
    spare_slots: Vec<Option<(u32, u32)>>,
    spare_vals: Vec<Val<'static>>,
}

/// An emptied buffer of values, its allocation reused for values of another lifetime
/// (collecting an empty vector's iterator into one of the same layout keeps the buffer).
fn recycle<'x, 'y>(mut vals: Vec<Val<'x>>) -> Vec<Val<'y>> {
    vals.clear();
    vals.into_iter().map(|_| unreachable!("emptied")).collect()
}

impl FieldCache {
    pub fn new(fields: usize) -> FieldCache {
        FieldCache {
            stamps: vec![0; fields],
            positions: vec![0; fields],
            stamp: 0,
            spare_slots: Vec::new(),
            spare_vals: Vec::new(),
        }
    }

    fn next(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.stamps.iter_mut().for_each(|s| *s = 0);
            self.stamp = 1;
        }
    }
}

/// Per-event evaluation state: the event and the fields resolved so far.
pub(crate) struct EvalCtx<'a, 'e> {
    pub event: &'e dyn Event,
    paths: &'a [Vec<String>],
    cache: &'a mut FieldCache,
    /// Resolved fields of this event as ranges of `vals` (`None`: absent), at
    /// `cache.positions`: one buffer for all fields instead of a vector per field.
    slots: Vec<Option<(u32, u32)>>,
    vals: Vec<Val<'e>>,
    keywords: Option<Vec<(String, Option<String>)>>,
}

impl<'a, 'e> EvalCtx<'a, 'e> {
    pub fn new(
        event: &'e dyn Event,
        paths: &'a [Vec<String>],
        cache: &'a mut FieldCache,
    ) -> EvalCtx<'a, 'e> {
        cache.next();
        let mut slots = std::mem::take(&mut cache.spare_slots);
        slots.clear();
        let vals = recycle(std::mem::take(&mut cache.spare_vals));
        EvalCtx {
            event,
            paths,
            cache,
            slots,
            vals,
            keywords: None,
        }
    }

    /// The values of a field, or `None` when the event does not have it.
    pub fn values(&mut self, id: FieldId) -> Option<&[Val<'e>]> {
        if self.cache.stamps[id] != self.cache.stamp {
            let found = self.paths[id].iter().find_map(|p| self.event.get(p));
            let start = self.vals.len() as u32;
            let range = found.map(|field| {
                self.vals.extend(field.iter().map(Val::new));
                (start, self.vals.len() as u32)
            });
            self.slots.push(range);
            self.cache.stamps[id] = self.cache.stamp;
            self.cache.positions[id] = (self.slots.len() - 1) as u32;
        }
        let (start, end) = self.slots[self.cache.positions[id] as usize]?;
        Some(&self.vals[start as usize..end as usize])
    }

    /// The first value of a field as text, for group keys and correlation values.
    pub fn first_text(&mut self, id: FieldId) -> Option<String> {
        self.values(id)
            .and_then(|v| v.first())
            .filter(|v| v.scalar != Scalar::Null)
            .map(|v| v.text.clone().into_owned())
    }

    /// The first value of a field as a compact text, for group keys and correlation
    /// values: no allocation for short values.
    pub fn first_value(&mut self, id: FieldId) -> Option<crate::correlation::Text> {
        self.values(id)
            .and_then(|v| v.first())
            .filter(|v| v.scalar != Scalar::Null)
            .map(|v| crate::correlation::Text::new(&v.text))
    }

    fn keyword_values(&mut self) -> &[(String, Option<String>)] {
        let event = self.event;
        self.keywords.get_or_insert_with(|| {
            let mut out = Vec::new();
            event.any_str(&mut |s| {
                out.push((s.to_owned(), needs_lowering(s).then(|| s.to_lowercase())));
                false
            });
            out
        })
    }
}

impl Drop for EvalCtx<'_, '_> {
    fn drop(&mut self) {
        self.cache.spare_slots = std::mem::take(&mut self.slots);
        self.cache.spare_vals = recycle(std::mem::take(&mut self.vals));
    }
}

impl Node {
    pub fn eval(&self, cx: &mut EvalCtx<'_, '_>) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::And(items) => items.iter().all(|n| n.eval(cx)),
            Node::Or(items) => items.iter().any(|n| n.eval(cx)),
            Node::Not(inner) => !inner.eval(cx),
            Node::AtLeast(n, items) => {
                let mut hits = 0;
                items.iter().any(|node| {
                    hits += usize::from(node.eval(cx));
                    hits >= *n
                })
            }
            Node::Shared(inner) => inner.eval(cx),
            Node::Field(f, test) => cx
                .values(*f)
                .is_some_and(|vals| vals.iter().any(|v| test.matches(v))),
            Node::Neq(f, test) => cx.values(*f).is_some_and(|vals| {
                vals.iter().any(|v| v.scalar != Scalar::Null)
                    && !vals.iter().any(|v| test.matches(v))
            }),
            Node::Null(f) => cx
                .values(*f)
                .is_none_or(|vals| vals.iter().all(|v| v.scalar == Scalar::Null)),
            Node::Exists(f, want) => cx.values(*f).is_some() == *want,
            Node::FieldRef {
                field,
                other,
                kind,
                cased,
                neq,
            } => field_ref(cx, *field, *other, *kind, *cased, *neq),
            Node::Keyword(test) => cx
                .keyword_values()
                .iter()
                .any(|(raw, lower)| test.matches_text(raw, lower.as_deref().unwrap_or(raw))),
        }
    }
}

fn field_ref(
    cx: &mut EvalCtx<'_, '_>,
    field: FieldId,
    other: FieldId,
    kind: RefKind,
    cased: bool,
    neq: bool,
) -> bool {
    let pick = |v: &Val<'_>| {
        if cased {
            v.text.to_string()
        } else {
            v.lower().to_owned()
        }
    };
    let Some(right) = cx
        .values(other)
        .map(|vals| vals.iter().map(pick).collect::<Vec<_>>())
    else {
        return false;
    };
    let Some(left) = cx.values(field) else {
        return false;
    };
    let hit = left.iter().any(|l| {
        let l = if cased { &*l.text } else { l.lower() };
        right.iter().any(|r| match kind {
            RefKind::Exact => l == r,
            RefKind::Prefix => l.starts_with(r.as_str()),
            RefKind::Suffix => l.ends_with(r.as_str()),
            RefKind::Contains => l.contains(r.as_str()),
        })
    });
    hit != neq
}

impl Test {
    fn matches(&self, v: &Val<'_>) -> bool {
        if v.scalar == Scalar::Null {
            return false;
        }
        match self {
            Test::Num(op, values) => v
                .number()
                .is_some_and(|n| values.iter().any(|x| op.test(n, *x))),
            _ => self.matches_lazy(&v.text, || v.lower()),
        }
    }

    fn matches_text(&self, raw: &str, lower: &str) -> bool {
        self.matches_lazy(raw, || lower)
    }

    /// Tests the text; `lower` is called only by a case-insensitive string test.
    fn matches_lazy<'t>(&self, raw: &'t str, lower: impl FnOnce() -> &'t str) -> bool {
        match self {
            Test::Str(set) => set.is_match(if set.cased { raw } else { lower() }),
            Test::Re(res) => res.iter().any(|r| r.is_match(raw)),
            Test::Cidr(nets) => raw
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| nets.iter().any(|n| n.contains(&ip))),
            Test::Num(op, values) => raw
                .trim()
                .parse::<f64>()
                .is_ok_and(|n| values.iter().any(|x| op.test(n, *x))),
            Test::Time(part, op, values) => {
                time_part(raw, *part).is_some_and(|n| values.iter().any(|x| op.test(n as f64, *x)))
            }
        }
    }
}

/// Extracts a date part from an RFC 3339 timestamp (taken in UTC) or a civil date-time.
fn time_part(text: &str, part: TimePart) -> Option<i64> {
    let text = text.trim();
    let dt = match text.parse::<jiff::Timestamp>() {
        Ok(ts) => jiff::tz::TimeZone::UTC.to_datetime(ts),
        Err(_) => text.parse::<jiff::civil::DateTime>().ok()?,
    };
    Some(match part {
        TimePart::Minute => i64::from(dt.minute()),
        TimePart::Hour => i64::from(dt.hour()),
        TimePart::Day => i64::from(dt.day()),
        TimePart::Week => i64::from(dt.date().iso_week_date().week()),
        TimePart::Month => i64::from(dt.month()),
        TimePart::Year => i64::from(dt.year()),
    })
}
