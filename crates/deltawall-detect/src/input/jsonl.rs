//! JSON Lines and JSON documents: any object is an event; ECS-style nesting is read by
//! dotted path ([`JsonEvent`]). The timestamp comes from the first of `@timestamp`,
//! `timestamp`, `time`, `event.created` that parses (RFC 3339, or Unix seconds,
//! milliseconds or microseconds by magnitude).

use super::Source;
use super::time::parse_rfc3339;
use deltawall_event::JsonEvent;
use serde_json::{Map, Value};
use std::borrow::Cow;

const TIME_KEYS: [&str; 3] = ["@timestamp", "timestamp", "time"];
/// Where timestamps are looked for, in order, as dotted paths.
pub const TIME_PATHS: [&str; 4] = ["@timestamp", "timestamp", "time", "event.created"];

/// Parses one JSON Lines line into an event.
pub fn parse_line(line: &str) -> Result<JsonEvent, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    from_value(value)
}

/// Wraps a parsed JSON value; only objects are events.
pub fn from_value(value: Value) -> Result<JsonEvent, String> {
    match value {
        Value::Object(fields) => {
            let timestamp_us = timestamp(&fields);
            Ok(JsonEvent {
                fields,
                timestamp_us,
            })
        }
        other => Err(format!("a JSON {} is not an event", kind(&other))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Reads a timestamp value: RFC 3339 text, or a Unix number whose unit follows from its size.
pub fn timestamp_value(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => parse_rfc3339(s),
        Value::Number(n) => {
            let f = n.as_f64()?;
            let us = if f.abs() >= 1e14 {
                f
            } else if f.abs() >= 1e11 {
                f * 1e3
            } else {
                f * 1e6
            };
            Some(us as i64)
        }
        _ => None,
    }
}

fn timestamp(fields: &Map<String, Value>) -> Option<i64> {
    TIME_KEYS
        .iter()
        .find_map(|k| fields.get(*k).and_then(timestamp_value))
        .or_else(|| {
            let event = fields.get("event")?.as_object()?;
            timestamp_value(event.get("created")?)
        })
}

fn intern(s: &str) -> Cow<'static, str> {
    const KNOWN: [&str; 8] = [
        "authentication",
        "webserver",
        "payment",
        "network",
        "iam",
        "session",
        "deltawall",
        "proxy",
    ];
    match KNOWN.iter().find(|k| **k == s) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(s.to_owned()),
    }
}

fn first_str(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Array(items) => items.first().and_then(Value::as_str),
        _ => None,
    }
}

fn ecs(fields: &Map<String, Value>, key: &str) -> Option<Cow<'static, str>> {
    let value = match fields.get("event") {
        Some(Value::Object(event)) => event.get(key),
        _ => fields.get(&format!("event.{key}")),
    }?;
    first_str(value).map(intern)
}

/// The log source of a flat ECS-shaped event (same rules as [`json_source`]).
pub fn flat_source(event: &super::FlatJsonEvent) -> Source {
    let part = |key: &str| event.first_str(key).map(intern);
    let category = part("event.category").map(|c| match &*c {
        "web" => Cow::Borrowed("webserver"),
        _ => c,
    });
    Source {
        category,
        product: part("event.module"),
        service: part("event.dataset"),
        also: None,
    }
}

/// The log source of an ECS-shaped event: `event.category` (`web` read as Sigma's
/// `webserver`), `event.module` as product, `event.dataset` as service.
pub fn json_source(event: &JsonEvent) -> Source {
    let category = ecs(&event.fields, "category").map(|c| match &*c {
        "web" => Cow::Borrowed("webserver"),
        _ => c,
    });
    Source {
        category,
        product: ecs(&event.fields, "module"),
        service: ecs(&event.fields, "dataset"),
        also: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltawall_event::{Event, Field, Scalar};

    #[test]
    fn ecs_event() {
        let e = parse_line(
            r#"{"@timestamp":"2024-05-01T00:00:01.5Z","event":{"category":["authentication"],"outcome":"failure","dataset":"bank.auth"},"source":{"ip":"1.2.3.4"}}"#,
        )
        .unwrap();
        assert_eq!(e.timestamp_us, parse_rfc3339("2024-05-01T00:00:01.5Z"));
        assert_eq!(e.get("source.ip"), Some(Field::One(Scalar::Str("1.2.3.4"))));
        let s = json_source(&e);
        assert_eq!(s.category.as_deref(), Some("authentication"));
        assert_eq!(s.service.as_deref(), Some("bank.auth"));
        assert_eq!(s.product, None);
    }

    #[test]
    fn numeric_timestamps() {
        for (v, want) in [
            (serde_json::json!(1_700_000_000), 1_700_000_000_000_000),
            (
                serde_json::json!(1_700_000_000_123i64),
                1_700_000_000_123_000,
            ),
            (
                serde_json::json!(1_700_000_000_123_456i64),
                1_700_000_000_123_456,
            ),
        ] {
            assert_eq!(timestamp_value(&v), Some(want));
        }
    }

    #[test]
    fn malformed() {
        assert!(parse_line("{").is_err());
        assert!(parse_line("[1]").unwrap_err().contains("array"));
        assert!(parse_line("\"x\"").is_err());
    }
}
