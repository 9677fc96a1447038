//! Shared fixtures and data-driven check helpers.

use deltawall_stix::{Issue, Severity, StixObject, ValidationReport, validate_document};
use serde_json::{Value, json};

pub const IDENTITY_ID: &str = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c";
pub const INDICATOR_ID: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";

/// A valid object of each type the hub needs, keyed by type.
pub fn valid(ty: &str) -> Value {
    let common = |id: &str| {
        json!({"type": ty, "spec_version": "2.1", "id": format!("{ty}--{id}"),
               "created": "2024-01-02T03:04:05.000Z", "modified": "2024-01-02T03:04:05.000Z"})
    };
    let mut v = common("6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b");
    let extra = match ty {
        "indicator" => json!({"name": "bad ip", "pattern": "[ipv4-addr:value = '198.51.100.1']",
                              "pattern_type": "stix", "valid_from": "2024-01-02T03:04:05Z"}),
        "observed-data" => {
            json!({"first_observed": "2024-01-02T00:00:00Z", "last_observed": "2024-01-02T01:00:00Z",
                                  "number_observed": 1,
                                  "object_refs": ["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]})
        }
        "report" => {
            json!({"name": "alert", "published": "2024-01-02T03:04:05Z", "object_refs": [INDICATOR_ID],
                           "report_types": ["threat-report"]})
        }
        "incident" | "vulnerability" | "attack-pattern" | "campaign" | "threat-actor"
        | "course-of-action" | "tool" => {
            json!({"name": "n"})
        }
        "identity" => {
            json!({"name": "Bank A", "identity_class": "organization", "sectors": ["financial-services"]})
        }
        "malware" => json!({"name": "m", "is_family": true}),
        "note" => json!({"content": "c", "object_refs": [INDICATOR_ID]}),
        "opinion" => json!({"opinion": "agree", "object_refs": [INDICATOR_ID]}),
        "relationship" => json!({"relationship_type": "indicates", "source_ref": INDICATOR_ID,
                                 "target_ref": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}),
        "sighting" => {
            json!({"sighting_of_ref": INDICATOR_ID, "where_sighted_refs": [IDENTITY_ID], "count": 3})
        }
        "marking-definition" => {
            return json!({"type": ty, "spec_version": "2.1", "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                          "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:GREEN",
                          "definition": {"tlp": "green"}});
        }
        _ => return sco(ty),
    };
    merge(&mut v, extra);
    v
}

/// A valid SCO of the given type.
pub fn sco(ty: &str) -> Value {
    let extra = match ty {
        "ipv4-addr" => json!({"value": "198.51.100.3"}),
        "ipv6-addr" => json!({"value": "2001:db8::1"}),
        "domain-name" => json!({"value": "example.com"}),
        "url" => json!({"value": "https://example.com/x"}),
        "file" => json!({"hashes": {"SHA-256": "a".repeat(64)}, "name": "x.exe"}),
        "email-addr" => json!({"value": "john@example.com"}),
        "network-traffic" => {
            json!({"protocols": ["tcp"], "dst_ref": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "dst_port": 443})
        }
        "user-account" => json!({"user_id": "1001"}),
        "autonomous-system" => json!({"number": 15139}),
        "x509-certificate" => json!({"serial_number": "01:02"}),
        "mac-addr" => json!({"value": "00:00:5e:00:53:00"}),
        "process" => json!({"pid": 4}),
        "software" => json!({"name": "word"}),
        other => panic!("no fixture for {other}"),
    };
    let mut v = json!({"type": ty, "spec_version": "2.1", "id": format!("{ty}--0b7a8c3e-1b1d-4f6e-8a3b-4c5d6e7f8091")});
    merge(&mut v, extra);
    v
}

pub fn merge(v: &mut Value, extra: Value) {
    let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) else {
        panic!("not objects")
    };
    for (k, x) in e {
        if x.is_null() {
            m.remove(&k);
        } else {
            m.insert(k, x);
        }
    }
}

/// `v` with `extra` merged in; `null` values remove properties.
pub fn with(mut v: Value, extra: Value) -> Value {
    merge(&mut v, extra);
    v
}

pub fn parse(v: &Value) -> StixObject {
    match StixObject::from_value(v.clone()) {
        Ok(o) => o,
        Err(e) => panic!("expected valid object, got {:#?}", e.issues),
    }
}

/// Validates one object standalone.
pub fn report_for(v: &Value) -> ValidationReport {
    validate_document(&v.to_string())
}

/// Asserts the object is valid (warnings allowed).
#[track_caller]
pub fn check_valid(v: &Value) {
    let r = report_for(v);
    assert!(r.is_valid(), "expected valid, got:\n{r}");
}

/// Asserts an error at `pointer` whose message contains `needle`.
#[track_caller]
pub fn check_error(v: &Value, pointer: &str, needle: &str) {
    check_issue(v, Severity::Error, pointer, needle);
}

/// Asserts a warning at `pointer` whose message contains `needle`.
#[track_caller]
pub fn check_warning(v: &Value, pointer: &str, needle: &str) {
    check_issue(v, Severity::Warning, pointer, needle);
}

#[track_caller]
fn check_issue(v: &Value, severity: Severity, pointer: &str, needle: &str) {
    let r = report_for(v);
    let found = r.issues.iter().any(|i: &Issue| {
        i.severity == severity && i.pointer == pointer && i.message.contains(needle)
    });
    assert!(
        found,
        "expected {severity:?} at `{pointer}` containing `{needle}`, got:\n{r}"
    );
}
