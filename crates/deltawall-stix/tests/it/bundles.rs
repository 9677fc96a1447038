//! Bundles, TAXII envelopes and hostile input.

use deltawall_stix::{DocumentKind, Limits, parse_document, validate_document};
use proptest::prelude::*;
use serde_json::json;

use crate::fixtures::*;

fn bundle(objects: Vec<serde_json::Value>) -> String {
    json!({"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", "objects": objects}).to_string()
}

#[test]
fn bundle_keeps_valid_objects_and_locates_every_error() {
    let bad_indicator = with(
        valid("indicator"),
        json!({"valid_from": "yesterday", "confidence": 500}),
    );
    let bad_sighting = with(valid("sighting"), json!({"sighting_of_ref": "nope"}));
    let text = bundle(vec![
        valid("identity"),
        bad_indicator,
        valid("report"),
        bad_sighting,
        sco("ipv4-addr"),
    ]);
    let doc = parse_document(&text, &Limits::default());
    assert_eq!(doc.kind, DocumentKind::Bundle);
    assert_eq!(doc.objects.len(), 3);
    assert_eq!(doc.report.objects, 5);
    let errors: Vec<(String, String)> = doc
        .report
        .errors()
        .map(|i| (i.pointer.clone(), i.message.clone()))
        .collect();
    insta::assert_debug_snapshot!(errors);
    let rejected: Vec<(usize, Option<&str>, Option<&str>, usize)> = doc
        .rejected
        .iter()
        .map(|r| {
            (
                r.index,
                r.id.as_deref(),
                r.version.as_deref(),
                r.errors.len(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (
                1,
                Some("indicator--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b"),
                Some("2024-01-02T03:04:05.000Z"),
                2
            ),
            (
                3,
                Some("sighting--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b"),
                Some("2024-01-02T03:04:05.000Z"),
                1
            ),
        ]
    );
    insta::assert_snapshot!(doc.report.to_string());
}

#[test]
fn envelope_and_single_object() {
    let env = json!({"more": false, "objects": [valid("indicator"), valid("malware")]}).to_string();
    let doc = parse_document(&env, &Limits::default());
    assert_eq!(doc.kind, DocumentKind::Envelope);
    assert_eq!(doc.objects.len(), 2);
    assert!(doc.report.is_valid(), "{}", doc.report);
    let bad_env = json!({"more": "no", "next": 3}).to_string();
    let r = validate_document(&bad_env);
    assert_eq!(
        r.errors().map(|i| i.pointer.as_str()).collect::<Vec<_>>(),
        ["/more", "/next"]
    );
    let single = parse_document(&valid("indicator").to_string(), &Limits::default());
    assert_eq!(
        (single.kind, single.objects.len()),
        (DocumentKind::Object, 1)
    );
}

#[test]
fn objects_keep_their_exact_text_inside_a_bundle() {
    let inner = r#"{"type":"ipv4-addr",  "value":"198.51.100.3", "id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","x_seen" : [1, 2.50]}"#;
    let text = format!(
        r#"{{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[ {inner} ]}}"#
    );
    let doc = parse_document(&text, &Limits::default());
    assert_eq!(doc.objects[0].as_json(), inner);
}

#[test]
fn bundle_header_rules() {
    let r = validate_document(
        r#"{"type":"bundle","id":"report--44af6c39-c09b-49c5-9de2-394224b04982","spec_version":"2.1","objects":[]}"#,
    );
    let found: Vec<String> = r.issues.iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [
            "error: /id: bundle id must start with `bundle--`",
            "warning: /spec_version: bundles have no `spec_version` in stix 2.1",
            "error: /objects: `objects` must not be empty when present (§8)",
        ]
    );
}

#[test]
fn hostile_input_is_bounded() {
    let limits = Limits {
        max_bytes: 1000,
        max_depth: 10,
        max_objects: 2,
    };
    let deep = format!("{}{}", "[".repeat(11), "]".repeat(11));
    let r = parse_document(&deep, &limits).report;
    assert!(r.issues[0].message.contains("deeper than 10"), "{r}");
    let deep_in_string = format!(
        r#"{{"type":"x-a","id":"x-a--44af6c39-c09b-49c5-9de2-394224b04982","x_s":"{}"}}"#,
        "[".repeat(50)
    );
    assert!(
        parse_document(&deep_in_string, &limits)
            .report
            .issues
            .iter()
            .all(|i| !i.message.contains("deeper"))
    );
    let big = "x".repeat(1001);
    assert!(
        parse_document(&big, &limits).report.issues[0]
            .message
            .contains("exceeds 1000 bytes")
    );
    let many =
        json!({"objects": [sco("ipv4-addr"), sco("ipv4-addr"), sco("ipv4-addr")]}).to_string();
    assert!(
        parse_document(&many, &limits).report.issues[0]
            .message
            .contains("more than 2 objects")
    );
    for junk in [
        "",
        "null",
        "[1,2]",
        "{\"objects\": 5}",
        "{\"a\":1}",
        "{\"type\": 5, \"id\": 1}",
        "\u{feff}{}",
    ] {
        let r = validate_document(junk);
        assert!(!r.is_valid(), "{junk:?}");
    }
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(s in ".{0,200}") {
        let _ = validate_document(&s);
    }

    #[test]
    fn never_panics_on_mutated_bundles(cut in 0usize..400, byte in any::<u8>()) {
        let mut text = bundle(vec![valid("indicator"), valid("sighting")]).into_bytes();
        let i = cut % text.len();
        text[i] = byte;
        if let Ok(s) = String::from_utf8(text) {
            let r = validate_document(&s);
            // A valid report implies every object parsed.
            if r.is_valid() {
                prop_assert_eq!(r.objects, parse_document(&s, &Limits::default()).objects.len());
            }
        }
    }

    #[test]
    fn parse_serialise_parse_is_identity(name in "[^\"\\\\]{1,20}", conf in 0i64..=100, x in any::<i64>()) {
        let v = with(valid("indicator"), json!({"name": name, "confidence": conf, "x_extra": {"n": x}}));
        let first = parse_document(&v.to_string(), &Limits::default());
        prop_assert_eq!(first.objects.len(), 1);
        let text = serde_json::to_string(&first.objects[0]).unwrap();
        let second = parse_document(&text, &Limits::default());
        prop_assert_eq!(second.objects[0].as_json(), first.objects[0].as_json());
        prop_assert_eq!(&second.objects[0], &first.objects[0]);
    }
}

#[test]
fn duplicate_member_names_are_errors() {
    let dup_inner = r#"{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[
        {"type":"ipv4-addr","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.3","x_a":{"b":1,"b":2}}]}"#;
    let r = validate_document(dup_inner);
    assert_eq!(
        r.errors().map(|i| i.to_string()).collect::<Vec<_>>(),
        ["error: /objects/0/x_a/b: duplicate member name"]
    );
    let dup_top = r#"{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[],"objects":[]}"#;
    let r = validate_document(dup_top);
    assert_eq!(
        r.errors().map(|i| i.to_string()).collect::<Vec<_>>(),
        ["error: /objects: duplicate member name"]
    );
    assert!(deltawall_stix::StixObject::parse(r#"{"type":"x-a","type":"x-a"}"#).is_err());
}

#[test]
fn conflicting_versions_in_one_document_are_flagged() {
    let a = valid("indicator");
    let b = with(a.clone(), json!({"name": "other"}));
    let r = validate_document(&bundle(vec![a.clone(), a.clone(), b]));
    let w: Vec<String> = r.warnings().map(ToString::to_string).collect();
    assert_eq!(
        w,
        [
            "warning: /objects: indicator--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b appears twice with version `2024-01-02T03:04:05.000Z` and different content (§3.6)"
        ]
    );
    // Identical duplicates are fine (idempotent re-posting).
    assert_eq!(
        validate_document(&bundle(vec![a.clone(), a]))
            .warnings()
            .count(),
        0
    );
}

#[test]
fn bytes_must_be_utf8() {
    let mut body = json!({"objects": [valid("indicator")]})
        .to_string()
        .into_bytes();
    let doc = deltawall_stix::parse_document_bytes(&body, &Limits::default());
    assert_eq!(doc.objects.len(), 1);
    body[20] = 0xff;
    let doc = deltawall_stix::parse_document_bytes(&body, &Limits::default());
    assert_eq!(
        doc.report.to_string(),
        "error: /: document is not utf-8 at byte 20\ninvalid: 0 object(s), 1 error(s), 0 warning(s)"
    );
}
