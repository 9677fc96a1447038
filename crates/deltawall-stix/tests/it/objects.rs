//! Object validation: required properties, constraints, references, round-trips.

use deltawall_stix::{ObjectKind, StixObject};
use serde_json::json;

use crate::fixtures::*;

const HUB_TYPES: &[&str] = &[
    "indicator",
    "observed-data",
    "report",
    "incident",
    "note",
    "opinion",
    "vulnerability",
    "attack-pattern",
    "malware",
    "tool",
    "campaign",
    "threat-actor",
    "course-of-action",
    "identity",
    "relationship",
    "sighting",
    "marking-definition",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "file",
    "email-addr",
    "network-traffic",
    "user-account",
    "autonomous-system",
    "x509-certificate",
    "mac-addr",
    "process",
    "software",
];

#[test]
fn every_hub_type_has_a_valid_fixture() {
    for ty in HUB_TYPES {
        let r = report_for(&valid(ty));
        assert!(r.is_valid(), "{ty}: {r}");
        assert_eq!(r.warnings().count(), 0, "{ty}: {r}");
    }
}

#[test]
fn required_properties_per_type() {
    let cases: &[(&str, &[&str])] = &[
        ("indicator", &["pattern", "pattern_type", "valid_from"]),
        (
            "observed-data",
            &["first_observed", "last_observed", "number_observed"],
        ),
        ("report", &["name", "published", "object_refs"]),
        ("incident", &["name"]),
        ("note", &["content", "object_refs"]),
        ("opinion", &["opinion", "object_refs"]),
        ("vulnerability", &["name"]),
        ("attack-pattern", &["name"]),
        ("malware", &["is_family"]),
        ("tool", &["name"]),
        ("campaign", &["name"]),
        ("threat-actor", &["name"]),
        ("course-of-action", &["name"]),
        ("identity", &["name"]),
        (
            "relationship",
            &["relationship_type", "source_ref", "target_ref"],
        ),
        ("sighting", &["sighting_of_ref"]),
        ("ipv4-addr", &["value"]),
        ("domain-name", &["value"]),
        ("autonomous-system", &["number"]),
        ("software", &["name"]),
        ("network-traffic", &["protocols"]),
    ];
    for (ty, required) in cases {
        for prop in *required {
            let v = with(valid(ty), json!({ *prop: null }));
            check_error(&v, "", &format!("missing required property `{prop}`"));
        }
    }
}

#[test]
fn common_required_properties() {
    for prop in ["type", "id", "spec_version", "created", "modified"] {
        check_error(
            &with(valid("indicator"), json!({ prop: null })),
            "",
            &format!("`{prop}`"),
        );
    }
    // SCOs have neither created nor modified, and spec_version is optional (§3.2).
    check_valid(&with(sco("ipv4-addr"), json!({"spec_version": null})));
    // Marking definitions have no modified (§7.2.1).
    check_error(
        &with(
            valid("marking-definition"),
            json!({"modified": "2017-01-20T00:00:00.000Z"}),
        ),
        "/modified",
        "cannot be versioned",
    );
}

#[test]
fn property_constraints() {
    let ind = valid("indicator");
    let cases = [
        (
            with(ind.clone(), json!({"valid_until": "2024-01-02T03:04:05Z"})),
            "/valid_until",
            "later than `valid_from`",
        ),
        (
            with(ind.clone(), json!({"valid_until": "2020-01-01T00:00:00Z"})),
            "/valid_until",
            "later than `valid_from`",
        ),
        (
            with(ind.clone(), json!({"confidence": 101})),
            "/confidence",
            "outside the allowed range 0..=100",
        ),
        (
            with(ind.clone(), json!({"confidence": -1})),
            "/confidence",
            "outside",
        ),
        (
            with(ind.clone(), json!({"confidence": "high"})),
            "/confidence",
            "must be an integer",
        ),
        (
            with(
                ind.clone(),
                json!({"created": "2024-01-02T03:04:05Z", "modified": "2024-01-02T03:04:05Z"}),
            ),
            "/created",
            "millisecond",
        ),
        (
            with(ind.clone(), json!({"modified": "2023-01-02T03:04:05.000Z"})),
            "/modified",
            "later than or equal to `created`",
        ),
        (
            with(
                ind.clone(),
                json!({"valid_from": "2024-01-02T03:04:05+09:00"}),
            ),
            "/valid_from",
            "YYYY-MM-DD",
        ),
        (
            with(ind.clone(), json!({"spec_version": "2.0"})),
            "/spec_version",
            "\"2.1\"",
        ),
        (
            with(
                ind.clone(),
                json!({"id": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}),
            ),
            "/id",
            "does not match object type",
        ),
        (
            with(ind.clone(), json!({"id": "indicator--8e2e2d2b"})),
            "/id",
            "invalid uuid",
        ),
        (
            with(
                ind.clone(),
                json!({"pattern": "[ipv4-addr:value = '1.2.3.4'"}),
            ),
            "/pattern",
            "invalid stix pattern at byte 28",
        ),
        (
            with(ind.clone(), json!({"labels": []})),
            "/labels",
            "must not be empty",
        ),
        (
            with(ind.clone(), json!({"lang": "日本語"})),
            "/lang",
            "rfc 5646",
        ),
        (
            with(ind.clone(), json!({"created_by_ref": INDICATOR_ID})),
            "/created_by_ref",
            "must refer to identity",
        ),
        (
            with(ind.clone(), json!({"object_marking_refs": [IDENTITY_ID]})),
            "/object_marking_refs/0",
            "marking-definition",
        ),
        (
            with(
                ind.clone(),
                json!({"external_references": [{"source_name": "x"}]}),
            ),
            "/external_references/0",
            "one of",
        ),
        (
            with(
                ind.clone(),
                json!({"kill_chain_phases": [{"kill_chain_name": "lm"}]}),
            ),
            "/kill_chain_phases/0",
            "phase_name",
        ),
        (
            with(ind, json!({"extensions": {"Bad Name": {}}})),
            "/extensions/Bad Name",
            "invalid extension name",
        ),
        (
            with(valid("opinion"), json!({"opinion": "maybe"})),
            "/opinion",
            "is not one of",
        ),
        (
            with(valid("observed-data"), json!({"number_observed": 0})),
            "/number_observed",
            "outside",
        ),
        (
            with(
                valid("observed-data"),
                json!({"last_observed": "2023-01-01T00:00:00Z"}),
            ),
            "/last_observed",
            "later than or equal",
        ),
        (
            with(
                valid("observed-data"),
                json!({"objects": {"0": {"type": "ipv4-addr", "value": "1.2.3.4"}}}),
            ),
            "/objects",
            "only one of",
        ),
        (
            with(
                valid("observed-data"),
                json!({"object_refs": [INDICATOR_ID]}),
            ),
            "/object_refs",
            "at least one sco",
        ),
        (
            with(
                valid("relationship"),
                json!({"source_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}),
            ),
            "/source_ref",
            "an sdo or sco",
        ),
        (
            with(
                valid("relationship"),
                json!({"relationship_type": "Indicates"}),
            ),
            "/relationship_type",
            "a-z",
        ),
        (
            with(
                valid("relationship"),
                json!({"start_time": "2024-01-01T00:00:00Z", "stop_time": "2024-01-01T00:00:00Z"}),
            ),
            "/stop_time",
            "later than",
        ),
        (
            with(
                valid("sighting"),
                json!({"where_sighted_refs": [INDICATOR_ID]}),
            ),
            "/where_sighted_refs/0",
            "identity or location",
        ),
        (
            with(
                valid("sighting"),
                json!({"sighting_of_ref": "relationship--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}),
            ),
            "/sighting_of_ref",
            "an sdo",
        ),
        (
            with(valid("sighting"), json!({"count": 1_000_000_000})),
            "/count",
            "outside",
        ),
        (
            with(valid("malware"), json!({"name": null})),
            "/name",
            "is_family",
        ),
        (
            with(sco("ipv4-addr"), json!({"value": "300.1.1.1"})),
            "/value",
            "not a valid address",
        ),
        (
            with(sco("ipv6-addr"), json!({"value": "198.51.100.1"})),
            "/value",
            "not a valid address",
        ),
        (
            with(sco("mac-addr"), json!({"value": "00:00:5E:00:53:00"})),
            "/value",
            "lowercase",
        ),
        (
            with(sco("file"), json!({"hashes": {"MD5": "abc"}})),
            "/hashes/MD5",
            "32 hex digits",
        ),
        (
            with(sco("file"), json!({"hashes": null, "name": null})),
            "",
            "at least one of hashes, name",
        ),
        (
            with(sco("network-traffic"), json!({"dst_ref": null})),
            "",
            "src_ref, dst_ref",
        ),
        (
            with(sco("network-traffic"), json!({"dst_port": 70000})),
            "/dst_port",
            "outside",
        ),
        (
            with(sco("network-traffic"), json!({"dst_ref": INDICATOR_ID})),
            "/dst_ref",
            "ipv4-addr or ipv6-addr",
        ),
        (
            with(sco("user-account"), json!({"user_id": null})),
            "",
            "at least one property",
        ),
        (
            ind_ext(json!({"rank": 1})),
            "/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e",
            "`extension_type`",
        ),
        (
            ind_ext(json!({"extension_type": "bogus"})),
            "/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e/extension_type",
            "is not one of",
        ),
        (
            ind_ext(json!({"extension_type": "property-extension", "x": 1})),
            "/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e/x",
            "invalid property name",
        ),
        (
            with(
                valid("indicator"),
                json!({"extensions": {"x-acme-ext": {"Abc": 1}}}),
            ),
            "/extensions/x-acme-ext/Abc",
            "invalid property name",
        ),
        (
            with(
                valid("indicator"),
                json!({"external_references": [{"source_name": "cve", "external_id": "cve-2014-0160"}]}),
            ),
            "/external_references/0/external_id",
            "CVE-YYYY-NNNN",
        ),
        (
            with(
                valid("indicator"),
                json!({"external_references": [{"source_name": "capec", "external_id": "CAPEC-x"}]}),
            ),
            "/external_references/0/external_id",
            "CAPEC-N",
        ),
    ];
    for (v, pointer, needle) in &cases {
        check_error(v, pointer, needle);
    }
}

fn ind_ext(body: serde_json::Value) -> serde_json::Value {
    with(
        valid("indicator"),
        json!({"extensions": {"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": body}}),
    )
}

#[test]
fn warnings_for_should_rules() {
    check_warning(
        &with(valid("indicator"), json!({"name": null})),
        "/name",
        "should have a `name`",
    );
    check_warning(
        &with(valid("indicator"), json!({"pattern_type": "kql"})),
        "/pattern_type",
        "suggested vocabulary",
    );
    check_warning(
        &with(valid("indicator"), json!({"risk": 3})),
        "/risk",
        "should start with `x_`",
    );
    check_warning(
        &with(valid("identity"), json!({"sectors": ["banking"]})),
        "/sectors/0",
        "suggested vocabulary",
    );
    check_warning(
        &with(
            valid("observed-data"),
            json!({"object_refs": null, "objects": {"0": {"type": "ipv4-addr", "value": "1.2.3.4"}}}),
        ),
        "/objects",
        "deprecated",
    );
    check_warning(
        &with(
            valid("indicator"),
            json!({"pattern": "[file:name MATCHES '^(?=a)b']"}),
        ),
        "/pattern",
        "pcre features the evaluator lacks",
    );
}

#[test]
fn custom_properties_are_checked_and_kept() {
    check_error(
        &with(valid("indicator"), json!({"X-Bad": 1})),
        "/X-Bad",
        "invalid property name",
    );
    check_error(
        &with(valid("indicator"), json!({"x_": 1})),
        "/x_",
        "invalid property name",
    );
    let obj = parse(&with(
        valid("indicator"),
        json!({"x_fsa_alert_id": "2024-001", "x_score": {"a": [1, 2]}}),
    ));
    let custom: Vec<&str> = obj.custom_properties().iter().map(|(k, _)| *k).collect();
    assert_eq!(custom, ["x_fsa_alert_id", "x_score"]);
}

#[test]
fn custom_object_types() {
    let v = json!({"type": "x-jfsa-alert", "id": "x-jfsa-alert--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b", "spec_version": "2.1",
                   "created": "2024-01-02T03:04:05.000Z", "modified": "2024-01-02T03:04:05.000Z", "x_level": 2});
    check_valid(&v);
    assert_eq!(parse(&v).kind(), ObjectKind::Custom);
    let v = with(
        v,
        json!({"type": "jfsa-alert", "id": "jfsa-alert--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b"}),
    );
    check_warning(&v, "/type", "should start with `x-`");
    check_error(
        &with(v.clone(), json!({"type": "x--bad"})),
        "/type",
        "invalid type name",
    );
    check_error(
        &with(v, json!({"thing_ref": "nope"})),
        "/thing_ref",
        "form object-type--uuid",
    );
}

#[test]
fn granular_marking_selectors_follow_7_2_3() {
    // The vulnerability example of §7.2.3.
    let base = with(
        valid("vulnerability"),
        json!({"description": "The (1) TLS...", "external_references": [{"source_name": "cve", "external_id": "CVE-2014-0160"}],
               "labels": ["heartbleed", "has-logo"]}),
    );
    let marked = |sel: &[&str]| {
        with(
            base.clone(),
            json!({"granular_markings": [{"marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "selectors": sel}]}),
        )
    };
    for ok in [
        "description",
        "external_references.[0].source_name",
        "labels.[0]",
        "labels",
        "external_references",
    ] {
        check_valid(&marked(&[ok]));
    }
    for bad in [
        "pattern",
        "external_references.[3]",
        "description.[0]",
        "labels.name",
        "labels.[-1]",
    ] {
        let v = marked(&["description", bad]);
        check_error(
            &v,
            "/granular_markings/0/selectors/1",
            "not refer to content present",
        );
    }
    check_error(
        &with(
            base.clone(),
            json!({"granular_markings": [{"selectors": ["labels"]}]}),
        ),
        "/granular_markings/0",
        "needs `marking_ref` or `lang`",
    );
    check_error(
        &with(
            base,
            json!({"granular_markings": [{"lang": "ja", "selectors": []}]}),
        ),
        "/granular_markings/0/selectors",
        "non-empty",
    );
}

#[test]
fn marking_definitions() {
    // TLP 1.0 instance from §7.2.1.4.
    check_valid(&valid("marking-definition"));
    // The tlp definition type with an id that is not one of the four (§7.2.1).
    check_error(
        &with(
            valid("marking-definition"),
            json!({"id": "marking-definition--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b"}),
        ),
        "/id",
        "four identifiers",
    );
    // Fixed TLP ids stand for fixed content: no other name, creation time or extra property.
    check_error(
        &with(valid("marking-definition"), json!({"name": "TLP:green"})),
        "/id",
        "content differs",
    );
    check_error(
        &with(valid("marking-definition"), json!({"x_note": 1})),
        "/id",
        "content differs",
    );
    let tlp2: serde_json::Value =
        serde_json::from_str(&deltawall_stix::Tlp::Clear.definition_json()).unwrap();
    check_valid(&tlp2);
    check_error(
        &with(tlp2, json!({"created": "2023-10-01T00:00:00.000Z"})),
        "/id",
        "content differs",
    );
    // A fixed TLP id whose content says another colour.
    check_error(
        &with(
            valid("marking-definition"),
            json!({"definition": {"tlp": "white"}}),
        ),
        "/id",
        "content differs",
    );
    // A statement marking.
    let statement = json!({"type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b", "created": "2024-01-02T03:04:05.000Z",
        "definition_type": "statement", "definition": {"statement": "Copyright Bank A"}});
    check_valid(&statement);
    check_error(
        &with(statement, json!({"definition": null})),
        "/definition",
        "used together",
    );
}

#[test]
fn original_json_round_trips_exactly() {
    // Odd spacing, key order, unicode, custom properties, extensions, a big integer and a float.
    let text = r#"{ "x_bank_note" : "至急", "type":"indicator","spec_version":"2.1",
        "id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-02T03:04:05.123456Z",
        "modified":"2024-01-02T03:04:05.123456Z","pattern":"[url:value = 'http://x.example/\u00e9']",
        "pattern_type":"stix","valid_from":"2024-01-02T03:04:05Z","name":"n",
        "x_big": 123456789012345678901234567890, "x_float": 1.10,
        "extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","rank":5}}}"#;
    let obj = StixObject::parse(text).expect("valid");
    assert_eq!(obj.as_json(), text);
    // Serialising the object emits the original text, not a re-serialisation.
    assert_eq!(serde_json::to_string(&obj).unwrap(), text);
    assert_eq!(
        obj.modified().unwrap().as_str(),
        "2024-01-02T03:04:05.123456Z"
    );
    let ind = obj.as_indicator().expect("indicator view");
    assert_eq!(ind.pattern_type(), "stix");
    assert!(ind.stix_pattern().expect("stix").is_ok());
}
