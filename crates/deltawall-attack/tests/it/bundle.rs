use deltawall_attack::{BundleError, TechniqueId, import_bundle};
use serde_json::{Value, json};

use crate::{fixture, releases};

fn id(s: &str) -> TechniqueId {
    TechniqueId::parse(s).expect("valid id")
}

#[test]
fn a_bundle_imports_into_its_release() {
    let (old, new) = releases();
    assert_eq!(old.version, "18.1");
    assert_eq!(new.version, "19.0");
    let tactics: Vec<&str> = new.tactics.iter().map(|t| t.shortname.as_str()).collect();
    assert_eq!(
        tactics,
        [
            "initial-access",
            "credential-access",
            "stealth",
            "defense-impairment",
            "impact"
        ]
    );
    assert_eq!(old.techniques.len(), 10, "the mobile technique is skipped");
    let spraying = old.technique(&id("T1110.003")).expect("sub-technique");
    assert_eq!(spraying.parent, Some(id("T1110")));
    assert_eq!(spraying.tactics, ["credential-access"]);
    assert_eq!(spraying.object_version.as_deref(), Some("1.4"));
    let revoked = new.technique(&id("T9998")).expect("still listed");
    assert!(revoked.revoked && !revoked.is_active());
    assert_eq!(revoked.revoked_by, Some(id("T1078")));
    assert!(new.technique(&id("T9999")).expect("listed").deprecated);
    insta::assert_json_snapshot!("release-19.0", new);
}

/// Imports the 18.1 fixture after `edit`, expecting a refusal at `pointer`.
fn check(edit: impl FnOnce(&mut Value), pointer: &str, message: &str) {
    let mut doc: Value = serde_json::from_str(&fixture("enterprise-18.1.json")).expect("json");
    edit(&mut doc);
    match import_bundle(&doc.to_string()) {
        Err(BundleError::Invalid {
            pointer: p,
            message: m,
        }) => {
            assert_eq!(p, pointer, "{m}");
            assert!(m.contains(message), "{m:?} lacks {message:?}");
        }
        other => panic!("expected a refusal at {pointer}, got {other:?}"),
    }
}

/// The index of the object with this STIX id in the 18.1 fixture.
fn at(doc: &Value, stix_id_prefix: &str) -> usize {
    doc["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .position(|o| {
            o["id"]
                .as_str()
                .is_some_and(|i| i.starts_with(stix_id_prefix))
        })
        .expect("object present")
}

#[test]
fn malformed_bundles_are_refused_with_a_json_pointer() {
    check(|d| d["type"] = json!("collection"), "/type", "bundle");
    check(|d| d["objects"] = json!({}), "/objects", "array");
    check(|d| d["objects"][3] = json!(7), "/objects/3", "object");
    check(
        |d| d["objects"][3]["id"] = json!(null),
        "/objects/3/id",
        "string",
    );
    check(
        |d| {
            let i = at(d, "attack-pattern--00000004");
            d["objects"][i]["external_references"][0]["external_id"] = json!("T11");
        },
        "/objects/9/external_references/0/external_id",
        "technique id",
    );
    check(
        |d| {
            let i = at(d, "attack-pattern--00000002");
            d["objects"][i]["kill_chain_phases"][0]["phase_name"] = json!("persistence");
        },
        "/objects/7/kill_chain_phases/0/phase_name",
        "no tactic of the matrix",
    );
    check(
        |d| {
            let i = at(d, "attack-pattern--00000002");
            d["objects"][i]["x_mitre_deprecated"] = json!("yes");
        },
        "/objects/7/x_mitre_deprecated",
        "true or false",
    );
    check(
        |d| d["objects"][1]["tactic_refs"][2] = json!("x-mitre-tactic--nowhere"),
        "/objects/1/tactic_refs/2",
        "no x-mitre-tactic",
    );
    check(
        |d| {
            let i = at(d, "relationship--00000001");
            d["objects"][i]["target_ref"] = json!("attack-pattern--missing");
        },
        "/objects/16/target_ref",
        "no attack-pattern",
    );
    check(
        |d| {
            let i = at(d, "attack-pattern--00000003");
            d["objects"][i]["external_references"][0]["external_id"] = json!("T1110.004");
        },
        "/objects/10/external_references",
        "used by two",
    );
    check(
        |d| d["objects"][0]["type"] = json!("note"),
        "/objects",
        "x-mitre-collection",
    );
}

#[test]
fn text_that_is_not_json_is_refused_with_its_line() {
    match import_bundle("{\n  \"type\": \"bundle\",\n  \"objects\": [\n") {
        Err(BundleError::Syntax { line, .. }) => assert_eq!(line, 4),
        other => panic!("{other:?}"),
    }
}

proptest::proptest! {
    /// Whatever bytes come in, import answers without panicking.
    #[test]
    fn import_never_panics(cut in 0usize..10_000, byte in 0u8..128) {
        let mut text = fixture("enterprise-18.1.json").into_bytes();
        let cut = cut.min(text.len() - 1);
        text[cut] = byte;
        let _ = import_bundle(&String::from_utf8_lossy(&text));
    }
}
