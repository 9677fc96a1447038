//! [`Event`] over a parsed JSON object.

use crate::{Event, Field, Scalar};
use serde_json::{Map, Value};

/// A JSON object event with an optional timestamp taken by its reader.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonEvent {
    /// The event's fields.
    pub fields: Map<String, Value>,
    /// Unix microseconds, when known.
    pub timestamp_us: Option<i64>,
}

impl JsonEvent {
    /// Wraps a JSON object; other JSON values are refused.
    pub fn new(value: Value, timestamp_us: Option<i64>) -> Option<JsonEvent> {
        match value {
            Value::Object(fields) => Some(JsonEvent {
                fields,
                timestamp_us,
            }),
            _ => None,
        }
    }
}

fn scalar(v: &Value) -> Option<Scalar<'_>> {
    Some(match v {
        Value::Null => Scalar::Null,
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Scalar::Int(i),
            None => Scalar::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Scalar::Str(s),
        Value::Array(_) | Value::Object(_) => return None,
    })
}

fn collect<'a>(v: &'a Value, out: &mut Vec<Scalar<'a>>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        other => out.extend(scalar(other)),
    }
}

fn to_field(v: &Value) -> Option<Field<'_>> {
    match v {
        Value::Array(_) => {
            let mut out = Vec::new();
            collect(v, &mut out);
            Some(Field::Many(out))
        }
        Value::Object(_) => None,
        other => scalar(other).map(Field::One),
    }
}

/// Resolves `path` in `map`: a literal key first, then each split at a dot, walking into
/// objects (and fanning out over arrays of objects).
fn lookup<'a>(map: &'a Map<String, Value>, path: &str, out: &mut Vec<&'a Value>) {
    if let Some(v) = map.get(path) {
        out.push(v);
        return;
    }
    for (i, _) in path.match_indices('.') {
        let (head, rest) = (&path[..i], &path[i + 1..]);
        match map.get(head) {
            Some(Value::Object(inner)) => lookup(inner, rest, out),
            Some(Value::Array(items)) => items.iter().for_each(|item| {
                if let Value::Object(inner) = item {
                    lookup(inner, rest, out);
                }
            }),
            _ => continue,
        }
        if !out.is_empty() {
            return;
        }
    }
}

fn visit_strings(v: &Value, visit: &mut dyn FnMut(&str) -> bool) -> bool {
    match v {
        Value::String(s) => visit(s),
        Value::Array(items) => items.iter().any(|i| visit_strings(i, visit)),
        Value::Object(map) => map.values().any(|i| visit_strings(i, visit)),
        _ => false,
    }
}

impl Event for JsonEvent {
    fn get(&self, path: &str) -> Option<Field<'_>> {
        let mut found = Vec::new();
        lookup(&self.fields, path, &mut found);
        match found.as_slice() {
            [] => None,
            [one] => to_field(one),
            many => {
                let mut out = Vec::new();
                many.iter().for_each(|v| collect(v, &mut out));
                Some(Field::Many(out))
            }
        }
    }

    fn any_str(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        self.fields.values().any(|v| visit_strings(v, visit))
    }

    fn timestamp_us(&self) -> Option<i64> {
        self.timestamp_us
    }

    fn to_json(&self) -> Value {
        Value::Object(self.fields.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn check(event: Value, path: &str, expected: Option<Field<'_>>) {
        let event = JsonEvent::new(event, None).unwrap();
        assert_eq!(event.get(path), expected);
    }

    #[test]
    fn dotted_paths() {
        check(
            json!({"source.ip": "1.2.3.4"}),
            "source.ip",
            Some(Field::One(Scalar::Str("1.2.3.4"))),
        );
        check(
            json!({"source": {"ip": "1.2.3.4"}}),
            "source.ip",
            Some(Field::One(Scalar::Str("1.2.3.4"))),
        );
        check(
            json!({"a": {"b.c": 1}}),
            "a.b.c",
            Some(Field::One(Scalar::Int(1))),
        );
        check(json!({"a": {"b": {"c": 1}}}), "a.b", None);
        check(json!({"a": 1}), "b", None);
        check(
            json!({"a": [1, "x"]}),
            "a",
            Some(Field::Many(vec![Scalar::Int(1), Scalar::Str("x")])),
        );
        check(
            json!({"a": [{"b": 1}, {"b": 2}]}),
            "a.b",
            Some(Field::Many(vec![Scalar::Int(1), Scalar::Int(2)])),
        );
        check(json!({"a": null}), "a", Some(Field::One(Scalar::Null)));
    }

    #[test]
    fn keyword_visit_stops_when_found() {
        let event = JsonEvent::new(json!({"a": "x", "b": ["y", {"c": "z"}]}), None).unwrap();
        let mut seen = Vec::new();
        assert!(event.any_str(&mut |s| {
            seen.push(s.to_owned());
            s == "y"
        }));
        assert_eq!(seen, ["x", "y"]);
    }
}
