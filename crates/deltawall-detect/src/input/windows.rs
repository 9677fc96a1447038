//! The Windows event JSON layout of SigmaHQ's `regression_data` (and of `evtx_dump -o json`):
//! `{"Event": {"System": {...}, "EventData": {...}}}`, and Winlogbeat's ECS layout
//! (`winlog.channel`, `winlog.event_id`, `winlog.event_data.*`). Events are flattened to
//! the field names Sigma's Windows rules use (`EventID`, `Channel`, `Provider_Name`,
//! `Image`, …); a Winlogbeat event keeps its ECS fields as well.

use super::jsonl::timestamp_value;
use deltawall_event::JsonEvent;
use serde_json::{Map, Value};

/// Whether a JSON object has the `Event.System` layout.
pub fn is_windows_layout(v: &Value) -> bool {
    v.get("Event").and_then(|e| e.get("System")).is_some() || is_winlogbeat(v)
}

/// Whether a JSON object is a Winlogbeat event (`winlog.channel` present).
fn is_winlogbeat(v: &Value) -> bool {
    v.get("winlog").and_then(|w| w.get("channel")).is_some()
}

/// Lifts Winlogbeat's `winlog` fields to the Sigma names, keeping the ECS fields.
fn from_winlogbeat(value: Value) -> Result<JsonEvent, String> {
    let Value::Object(mut out) = value else {
        return Err("a Winlogbeat event must be an object".into());
    };
    let winlog = out.get("winlog").cloned().unwrap_or(Value::Null);
    for (from, to) in [
        ("channel", "Channel"),
        ("computer_name", "Computer"),
        ("provider_name", "Provider_Name"),
        ("record_id", "EventRecordID"),
    ] {
        if let Some(v) = winlog.get(from) {
            out.entry(to).or_insert_with(|| v.clone());
        }
    }
    // Winlogbeat writes the id as text; Sigma rules compare it as a number or text alike.
    if let Some(id) = winlog.get("event_id") {
        let id = id
            .as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .map_or_else(|| id.clone(), Value::from);
        out.entry("EventID").or_insert(id);
    }
    if let Some(data) = winlog.get("event_data") {
        let mut flat = Map::new();
        flatten_data(data, &mut flat);
        for (k, v) in flat {
            out.entry(k).or_insert(v);
        }
    }
    super::jsonl::from_value(Value::Object(out))
}

/// `{"#text": 4624, "#attributes": {...}}` carries its value in `#text`.
fn unwrap_text(v: &Value) -> &Value {
    v.get("#text").unwrap_or(v)
}

fn attribute<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.get("#attributes")?.get(name)
}

/// Copies a data section's fields to the top level; `UserData` nests one level deeper.
fn flatten_data(section: &Value, out: &mut Map<String, Value>) {
    let Some(map) = section.as_object() else {
        return;
    };
    for (k, v) in map {
        match v {
            Value::Object(inner) if !inner.contains_key("#text") && k != "#attributes" => {
                flatten_data(v, out)
            }
            _ if k == "#attributes" => {}
            _ => {
                // Defender writes "Source Name"; Sigma rules say `SourceName`.
                if k.contains(' ') {
                    out.insert(k.replace(' ', ""), unwrap_text(v).clone());
                }
                out.insert(k.clone(), unwrap_text(v).clone());
            }
        }
    }
}

fn system_fields(system: &Map<String, Value>, out: &mut Map<String, Value>) {
    for (k, v) in system {
        match k.as_str() {
            "Provider" => {
                for (name, value) in v
                    .get("#attributes")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    out.insert(format!("Provider_{name}"), value.clone());
                }
            }
            "TimeCreated" => {
                if let Some(t) = attribute(v, "SystemTime") {
                    out.insert("TimeCreated_SystemTime".into(), t.clone());
                }
            }
            "Execution" | "Security" | "Correlation" => {
                for (name, value) in v
                    .get("#attributes")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    out.insert(format!("{k}_{name}"), value.clone());
                }
            }
            _ => {
                out.insert(k.clone(), unwrap_text(v).clone());
            }
        }
    }
}

/// Adds ECS authentication fields to logon events, so the finance brute-force rules
/// also read Windows 4624/4625.
fn logon_aliases(out: &mut Map<String, Value>) {
    let outcome = match out.get("EventID").and_then(Value::as_i64) {
        Some(4624) => "success",
        Some(4625) => "failure",
        _ => return,
    };
    let user = out.get("TargetUserName").cloned();
    let ip = out.get("IpAddress").cloned();
    let mut event = Map::new();
    event.insert("category".into(), "authentication".into());
    event.insert("outcome".into(), outcome.into());
    event.insert("action".into(), "windows_logon".into());
    out.insert("event".into(), event.into());
    if let Some(u) = user {
        out.insert("user".into(), serde_json::json!({ "name": u }));
    }
    if let Some(ip) = ip.filter(|ip| ip.as_str().is_some_and(|s| s != "-")) {
        out.insert("source".into(), serde_json::json!({ "ip": ip }));
    }
}

/// Flattens one Windows event object; other objects are returned unchanged.
pub fn from_windows_layout(value: Value) -> Result<JsonEvent, String> {
    if is_winlogbeat(&value) {
        return from_winlogbeat(value);
    }
    if !is_windows_layout(&value) {
        return super::jsonl::from_value(value);
    }
    let event = &value["Event"];
    let mut out = Map::new();
    if let Some(system) = event["System"].as_object() {
        system_fields(system, &mut out);
    }
    for section in ["EventData", "UserData"] {
        if let Some(data) = event.get(section) {
            flatten_data(data, &mut out);
        }
    }
    logon_aliases(&mut out);
    let timestamp_us = out.get("TimeCreated_SystemTime").and_then(timestamp_value);
    Ok(JsonEvent {
        fields: out,
        timestamp_us,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Source;
    use crate::input::windows_source::windows_source;
    use deltawall_event::{Event, Field, Scalar};
    use serde_json::json;

    #[test]
    fn flattens_sysmon() {
        let v = json!({"Event": {"System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
            "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
            "TimeCreated": {"#attributes": {"SystemTime": "2025-11-27T07:40:10.165324Z"}},
            "Security": {"#attributes": {"UserID": "S-1-5-18"}}},
            "EventData": {"Image": "C:\\x.exe", "CommandLine": "x"}}});
        let e = from_windows_layout(v).unwrap();
        assert_eq!(e.get("Image"), Some(Field::One(Scalar::Str("C:\\x.exe"))));
        assert_eq!(
            e.get("Provider_Name"),
            Some(Field::One(Scalar::Str("Microsoft-Windows-Sysmon")))
        );
        assert_eq!(
            e.get("Security_UserID"),
            Some(Field::One(Scalar::Str("S-1-5-18")))
        );
        assert_eq!(e.get("EventID"), Some(Field::One(Scalar::Int(1))));
        assert!(e.timestamp_us.is_some());
        let s = windows_source(&e);
        assert_eq!(
            s,
            Source::fixed(Some("process_creation"), Some("windows"), Some("sysmon"))
        );
    }

    #[test]
    fn winlogbeat_layout() {
        let v = json!({"@timestamp": "2026-03-02T01:00:00Z", "host": {"name": "ws1"},
            "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": "1",
                       "provider_name": "Microsoft-Windows-Sysmon", "computer_name": "ws1",
                       "event_data": {"Image": "C:\\x.exe", "CommandLine": "x"}}});
        assert!(is_windows_layout(&v));
        let e = from_windows_layout(v).unwrap();
        assert_eq!(e.get("EventID"), Some(Field::One(Scalar::Int(1))));
        assert_eq!(e.get("Image"), Some(Field::One(Scalar::Str("C:\\x.exe"))));
        assert_eq!(e.get("host.name"), Some(Field::One(Scalar::Str("ws1"))));
        assert!(e.timestamp_us.is_some());
        let s = windows_source(&e);
        assert_eq!(
            s,
            Source::fixed(Some("process_creation"), Some("windows"), Some("sysmon"))
        );
    }

    #[test]
    fn logon_failure_has_ecs_fields() {
        let v = json!({"Event": {"System": {"EventID": {"#text": 4625}, "Channel": "Security"},
            "EventData": {"TargetUserName": "bob", "IpAddress": "10.0.0.1"}}});
        let e = from_windows_layout(v).unwrap();
        assert_eq!(
            e.get("event.outcome"),
            Some(Field::One(Scalar::Str("failure")))
        );
        assert_eq!(
            e.get("source.ip"),
            Some(Field::One(Scalar::Str("10.0.0.1")))
        );
        assert_eq!(windows_source(&e).service.as_deref(), Some("security"));
    }
}
