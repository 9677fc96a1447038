//! The event model that Deltawall's log readers produce and its detection engine reads.
//!
//! An event is anything that can answer "what is at field path `p`?". Readers for
//! JSON Lines, web access logs, syslog and Windows event JSON each produce a type that
//! implements [`Event`]; the Sigma engine only ever sees the trait, so one rule serves
//! every format once field names are mapped.
//!
//! Field paths are dotted (`source.ip`, `user.name`). A JSON event answers a path either
//! from a key that literally contains the dots or by walking nested objects, so both
//! `{"source.ip": ..}` and `{"source": {"ip": ..}}` work. A path that crosses an array
//! yields every element: Sigma matches a list field when any element matches.
#![deny(missing_docs)]

mod json;

/// One scalar value found at a field path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    /// JSON `null`, or a field that is present with no value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A whole number that fits in `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string, borrowed from the event.
    Str(&'a str),
}

impl Scalar<'_> {
    /// The value as Sigma compares strings: numbers and booleans in their plain text form.
    pub fn to_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Scalar::Null => "".into(),
            Scalar::Bool(b) => if *b { "true" } else { "false" }.into(),
            Scalar::Int(i) => i.to_string().into(),
            Scalar::Float(f) => f.to_string().into(),
            Scalar::Str(s) => (*s).into(),
        }
    }
}

/// What a field path resolves to in one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<'a> {
    /// A single value.
    One(Scalar<'a>),
    /// The values of an array (or of several arrays crossed by the path), in order.
    Many(Vec<Scalar<'a>>),
}

impl<'a> Field<'a> {
    /// Iterates over every scalar of the field.
    pub fn iter(&self) -> impl Iterator<Item = Scalar<'a>> + '_ {
        let (one, many) = match self {
            Field::One(s) => (Some(*s), &[][..]),
            Field::Many(v) => (None, v.as_slice()),
        };
        one.into_iter().chain(many.iter().copied())
    }
}

/// A log event as the detection engine sees it.
pub trait Event {
    /// The value at a dotted field path, or `None` when the event has no such field.
    fn get(&self, path: &str) -> Option<Field<'_>>;

    /// Calls `visit` with every string value of the event, for Sigma keyword searches,
    /// until `visit` returns `true` (found). Returns whether any call returned `true`.
    fn any_str(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool;

    /// The event's own time in Unix microseconds, when the reader could determine it.
    fn timestamp_us(&self) -> Option<i64>;

    /// The event as JSON, for alert output. Called only for events that matched.
    fn to_json(&self) -> serde_json::Value;
}

pub use json::JsonEvent;
