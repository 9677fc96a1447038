//! Deterministic SCO identifiers (§2.9) against the specification's own examples.

use deltawall_stix::deterministic::{canonical_json, contributing_json};
use deltawall_stix::deterministic_id;
use serde_json::{Value, json};

use crate::fixtures::*;

#[track_caller]
fn check_id(object: Value, expected: &str) {
    let got = deterministic_id(object.as_object().unwrap()).map(|i| i.to_string());
    assert_eq!(got.as_deref(), Some(expected), "for {object}");
}

#[test]
fn spec_example_ids() {
    // Examples from STIX 2.1 §2.9, §6.2, §6.3, §6.4, §6.5 whose ids the spec computed
    // with the §2.9 algorithm.
    check_id(
        json!({"type": "ipv4-addr", "value": "198.51.100.3"}),
        "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
    );
    check_id(
        json!({"type": "domain-name", "value": "example.com", "resolves_to_refs": ["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]}),
        "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7",
    );
    check_id(
        json!({"type": "email-addr", "value": "john@example.com", "display_name": "John Doe"}),
        "email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934",
    );
    check_id(
        json!({"type": "autonomous-system", "number": 15139, "name": "Slime Industries", "rir": "ARIN"}),
        "autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff",
    );
    check_id(
        json!({"type": "directory", "path": "C:\\Windows\\System32"}),
        "directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622",
    );
}

#[test]
fn only_one_hash_contributes_in_preference_order() {
    let a = json!({"type": "file", "hashes": {"SHA-256": "a".repeat(64), "MD5": "b".repeat(32)}, "name": "x"});
    let text = contributing_json("file", a.as_object().unwrap()).unwrap();
    assert_eq!(
        text,
        format!(r#"{{"hashes":{{"MD5":"{}"}},"name":"x"}}"#, "b".repeat(32))
    );
    // Adding a less preferred hash does not change the id.
    let b = with(
        a.clone(),
        json!({"hashes": {"SHA-256": "c".repeat(64), "MD5": "b".repeat(32), "SHA-512": "d".repeat(128)}}),
    );
    assert_eq!(
        deterministic_id(a.as_object().unwrap()),
        deterministic_id(b.as_object().unwrap())
    );
}

#[test]
fn no_contributing_properties_means_no_deterministic_id() {
    assert_eq!(
        deterministic_id(json!({"type": "process", "pid": 1}).as_object().unwrap()),
        None
    );
    assert_eq!(
        deterministic_id(
            json!({"type": "user-account", "display_name": "x"})
                .as_object()
                .unwrap()
        ),
        None
    );
    assert_eq!(
        deterministic_id(
            json!({"type": "indicator", "name": "x"})
                .as_object()
                .unwrap()
        ),
        None
    );
}

#[test]
fn canonical_json_follows_rfc_8785() {
    // Keys sorted by UTF-16 code units: U+1F600 is the surrogate pair D83D DE00, which sorts
    // before U+E000 although its UTF-8 form sorts after.
    let v = json!({"\u{E000}": 2, "\u{1F600}": 1, "b": [true, null, 1.5e-7], "a": "\u{7}\"\\/"});
    assert_eq!(
        canonical_json(&v),
        "{\"a\":\"\\u0007\\\"\\\\/\",\"b\":[true,null,1.5e-7],\"\u{1F600}\":1,\"\u{E000}\":2}"
    );
}

#[test]
fn mismatched_v5_id_is_a_warning() {
    let v = json!({"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "value": "198.51.100.4"});
    check_warning(&v, "/id", "differs from the deterministic id");
    check_valid(&v);
}
