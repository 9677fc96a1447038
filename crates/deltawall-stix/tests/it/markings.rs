//! TLP 1.0/2.0 tables, effective markings, never-downgrade and the disclosure policy.

use std::collections::BTreeSet;

use deltawall_stix::marking::{TLP2_EXTENSION_ID, TlpVersion};
use deltawall_stix::{
    Audience, Disclosure, DisclosurePolicy, Downgrade, Identifier, MarkingSet, Tlp, may_disclose,
    may_disclose_object, merge, never_downgrade,
};
use proptest::prelude::*;
use serde_json::json;

use crate::fixtures::*;

/// The ids as published in OASIS cti-stix-common-objects
/// `extension-definition-specifications/tlp-2.0/marking-definition.json` and STIX 2.1 §7.2.1.4.
#[test]
fn fixed_identifiers() {
    let v2 = [
        (
            Tlp::Clear,
            "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        ),
        (
            Tlp::Green,
            "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        ),
        (
            Tlp::Amber,
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        ),
        (
            Tlp::AmberStrict,
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        ),
        (
            Tlp::Red,
            "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        ),
    ];
    for (tlp, id) in v2 {
        assert_eq!(tlp.marking_id(), id);
        assert_eq!(Tlp::from_marking_id(id), Some((tlp, TlpVersion::V2)));
    }
    let v1 = [
        (
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
            Tlp::Clear,
        ),
        (
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            Tlp::Green,
        ),
        (
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            Tlp::Amber,
        ),
        (
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
            Tlp::Red,
        ),
    ];
    for (id, tlp) in v1 {
        assert_eq!(Tlp::from_marking_id(id), Some((tlp, TlpVersion::V1)));
        assert_eq!(tlp.tlp1_marking_id(), Some(id));
    }
    assert_eq!(Tlp::AmberStrict.tlp1_marking_id(), None);
    // The wrong AMBER+STRICT id used by one Rust crate (research note §5) is not TLP.
    assert_eq!(
        Tlp::from_marking_id("marking-definition--826578e1-40a3-4b26-bf02-f8e3c5d7f8a8"),
        None
    );
}

#[test]
fn builtin_definitions_match_the_oasis_json() {
    for tlp in Tlp::ALL {
        let def = tlp.definition();
        assert_eq!(def.id().as_str(), tlp.marking_id());
        assert_eq!(def.get_str("name"), Some(tlp.name()));
        assert_eq!(def.get_str("created"), Some("2022-10-01T00:00:00.000Z"));
        let ext = &def.properties()["extensions"][TLP2_EXTENSION_ID];
        assert_eq!(ext["extension_type"], "property-extension");
        assert!(def.warnings().is_empty(), "{:?}", def.warnings());
    }
    insta::assert_snapshot!(Tlp::AmberStrict.definition_json());
    // The OASIS example file for TLP:AMBER+STRICT (examples/tlp-amber+strict.json), inner object.
    let oasis = r#"{ "type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "created": "2022-10-01T00:00:00.000Z",
        "name": "TLP:AMBER+STRICT", "extensions": { "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
        "extension_type": "property-extension", "tlp_2_0" : "amber+strict" } } }"#;
    let parsed: serde_json::Value = serde_json::from_str(oasis).unwrap();
    let ours: serde_json::Value =
        serde_json::from_str(&Tlp::AmberStrict.definition_json()).unwrap();
    assert_eq!(parsed, ours);
}

fn id(s: &str) -> Identifier {
    Identifier::parse(s).unwrap()
}

#[test]
fn tlp1_maps_to_tlp2_and_granular_markings_count() {
    let obj = parse(&with(
        valid("indicator"),
        json!({"object_marking_refs": ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"],
               "granular_markings": [{"marking_ref": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "selectors": ["pattern"]}]}),
    ));
    assert_eq!(MarkingSet::of_object(&obj).tlp(), Some(Tlp::Clear));
    assert_eq!(MarkingSet::effective(&obj).tlp(), Some(Tlp::Red));
    assert_eq!(
        MarkingSet::of_object(&obj).to_refs(),
        vec![id(Tlp::Clear.marking_id())]
    );
    // Several TLP markings: the strictest wins.
    let set = MarkingSet::from_refs(&[
        id(Tlp::Green.marking_id()),
        id("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
    ]);
    assert_eq!(set.tlp(), Some(Tlp::Amber));
}

#[test]
fn never_downgrade_cases() {
    let stmt = id("marking-definition--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b");
    let amber = MarkingSet::with_tlp(Tlp::Amber);
    assert_eq!(
        never_downgrade(&amber, &MarkingSet::with_tlp(Tlp::Red)),
        Ok(())
    );
    assert_eq!(never_downgrade(&amber, &amber), Ok(()));
    assert_eq!(
        never_downgrade(&amber, &MarkingSet::with_tlp(Tlp::Green)),
        Err(Downgrade::Tlp {
            from: Tlp::Amber,
            to: Some(Tlp::Green)
        })
    );
    assert_eq!(
        never_downgrade(&amber, &MarkingSet::new()),
        Err(Downgrade::Tlp {
            from: Tlp::Amber,
            to: None
        })
    );
    let with_stmt = MarkingSet::from_refs(&[id(Tlp::Amber.marking_id()), stmt.clone()]);
    assert_eq!(
        never_downgrade(&with_stmt, &amber),
        Err(Downgrade::Removed(stmt))
    );
    assert_eq!(never_downgrade(&MarkingSet::new(), &amber), Ok(()));
    // TLP 1.0 AMBER re-ingested as TLP 2.0 AMBER is not a downgrade.
    let v1 = MarkingSet::from_refs(&[id(
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    )]);
    assert_eq!(never_downgrade(&v1, &amber), Ok(()));
}

fn audience(bits: u8) -> Audience {
    Audience {
        originator: bits & 1 != 0,
        named_recipient: bits & 2 != 0,
        recipient_org: bits & 4 != 0,
        recipient_client: bits & 8 != 0,
        community_member: bits & 16 != 0,
    }
}

#[test]
fn disclosure_matrix() {
    let policy = DisclosurePolicy::default();
    let single = [
        ("public", Audience::default()),
        (
            "community",
            Audience {
                community_member: true,
                ..Default::default()
            },
        ),
        (
            "recipient-client",
            Audience {
                recipient_client: true,
                ..Default::default()
            },
        ),
        (
            "recipient-org",
            Audience {
                recipient_org: true,
                ..Default::default()
            },
        ),
        (
            "named",
            Audience {
                named_recipient: true,
                ..Default::default()
            },
        ),
        (
            "originator",
            Audience {
                originator: true,
                ..Default::default()
            },
        ),
    ];
    let mut table = String::new();
    for tlp in Tlp::ALL {
        let row: Vec<String> = single
            .iter()
            .map(|(name, a)| {
                let ok = may_disclose(&MarkingSet::with_tlp(tlp), a, &policy).is_allowed();
                format!("{name}={}", if ok { "yes" } else { "no" })
            })
            .collect();
        table.push_str(&format!("{:<17} {}\n", tlp.name(), row.join(" ")));
    }
    insta::assert_snapshot!(table);
}

#[test]
fn unmarked_and_unknown_markings_fail_closed() {
    let policy = DisclosurePolicy::default();
    let community = Audience {
        community_member: true,
        ..Default::default()
    };
    assert_eq!(
        may_disclose(&MarkingSet::new(), &community, &policy),
        Disclosure::DenyTlp(Tlp::Amber)
    );
    let custom = id("marking-definition--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b");
    let set = MarkingSet::from_refs(&[id(Tlp::Green.marking_id()), custom.clone()]);
    assert_eq!(
        may_disclose(&set, &community, &policy),
        Disclosure::DenyMarking(custom.clone())
    );
    let originator = Audience {
        originator: true,
        ..Default::default()
    };
    assert!(may_disclose(&set, &originator, &policy).is_allowed());
    let lenient = DisclosurePolicy {
        unmarked_as: Tlp::Green,
        non_restrictive: BTreeSet::from([custom]),
    };
    assert!(may_disclose(&set, &community, &lenient).is_allowed());
    assert!(may_disclose(&MarkingSet::new(), &community, &lenient).is_allowed());
    // Under the default policy an unmarked object is AMBER, so marking it GREEN is a downgrade.
    assert!(
        policy
            .never_downgrade(&MarkingSet::new(), &MarkingSet::with_tlp(Tlp::Green))
            .is_err()
    );
    assert!(
        policy
            .never_downgrade(&MarkingSet::new(), &MarkingSet::with_tlp(Tlp::Red))
            .is_ok()
    );
}

fn marking_set() -> impl Strategy<Value = MarkingSet> {
    let others = prop::collection::vec(0u8..4, 0..3);
    (prop::option::of(0usize..5), others).prop_map(|(t, others)| {
        let mut refs: Vec<Identifier> = t
            .map(|i| id(Tlp::ALL[i].marking_id()))
            .into_iter()
            .collect();
        refs.extend(others.into_iter().map(|n| {
            id(&format!(
                "marking-definition--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8{n}"
            ))
        }));
        MarkingSet::from_refs(&refs)
    })
}

proptest! {
    #[test]
    fn merge_never_downgrades_either_side(a in marking_set(), b in marking_set()) {
        let m = merge(&a, &b);
        prop_assert_eq!(never_downgrade(&a, &m), Ok(()));
        prop_assert_eq!(never_downgrade(&b, &m), Ok(()));
        prop_assert_eq!(merge(&m, &a), m.clone());
    }

    #[test]
    fn stricter_markings_never_widen_the_audience(a in marking_set(), b in marking_set(), bits in 0u8..32) {
        // If `b` is accepted as a successor of `a`, anyone who may see `b` may also see `a`.
        let policy = DisclosurePolicy::default();
        if policy.never_downgrade(&a, &b).is_ok() && may_disclose(&b, &audience(bits), &policy).is_allowed() {
            prop_assert!(may_disclose(&a, &audience(bits), &policy).is_allowed());
        }
    }
}

#[test]
fn object_level_decision() {
    let policy = DisclosurePolicy::default();
    let public = Audience::default();
    // The TLP definitions are public; an unmarked statement definition is not.
    assert!(may_disclose_object(&Tlp::Red.definition(), &public, &policy).is_allowed());
    assert!(
        may_disclose_object(&parse(&valid("marking-definition")), &public, &policy).is_allowed()
    );
    let statement = parse(&json!({"type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b", "created": "2024-01-02T03:04:05.000Z",
        "definition_type": "statement", "definition": {"statement": "Copyright Bank A"}}));
    assert_eq!(
        may_disclose_object(&statement, &public, &policy),
        Disclosure::DenyTlp(Tlp::Amber)
    );
    // A GREEN object with a RED granular marking is RED as a whole.
    let obj = parse(&with(
        valid("indicator"),
        json!({"object_marking_refs": [Tlp::Green.marking_id()],
        "granular_markings": [{"marking_ref": Tlp::Red.marking_id(), "selectors": ["description"]}], "description": "victim: Bank B"}),
    ));
    let member = Audience {
        community_member: true,
        ..Default::default()
    };
    assert_eq!(
        may_disclose_object(&obj, &member, &policy),
        Disclosure::DenyTlp(Tlp::Red)
    );
}
