//! Versioning rules of §3.6.

use deltawall_stix::version::latest;
use deltawall_stix::{StixObject, VersionError, VersionOrder, compare_versions};
use serde_json::json;

use crate::fixtures::*;

fn v(modified: &str) -> serde_json::Value {
    with(
        valid("indicator"),
        json!({"modified": modified, "created_by_ref": IDENTITY_ID}),
    )
}

#[track_caller]
fn check_order(
    current: &serde_json::Value,
    incoming: &serde_json::Value,
    expected: Result<VersionOrder, VersionError>,
) {
    assert_eq!(
        compare_versions(&parse(current), &parse(incoming)),
        expected
    );
}

#[test]
fn orders_versions() {
    let first = v("2024-01-02T03:04:05.000Z");
    let second = v("2024-02-02T03:04:05.000Z");
    check_order(&first, &second, Ok(VersionOrder::Newer));
    check_order(&second, &first, Ok(VersionOrder::Older));
    check_order(&first, &first, Ok(VersionOrder::Identical));
    check_order(
        &first,
        &with(first.clone(), json!({"name": "other"})),
        Ok(VersionOrder::Conflict),
    );
    // Same instant written with more digits: same version, but a different property value.
    check_order(
        &first,
        &v("2024-01-02T03:04:05.000000Z"),
        Ok(VersionOrder::Conflict),
    );
}

#[test]
fn same_content_different_bytes_is_equivalent() {
    let a = StixObject::parse(&v("2024-01-02T03:04:05.000Z").to_string()).unwrap();
    let pretty = serde_json::to_string_pretty(&v("2024-01-02T03:04:05.000Z")).unwrap();
    let b = StixObject::parse(&pretty).unwrap();
    assert_eq!(compare_versions(&a, &b), Ok(VersionOrder::Equivalent));
}

#[test]
fn rejects_illegal_new_versions() {
    let first = v("2024-01-02T03:04:05.000Z");
    let revoked = with(v("2024-02-02T03:04:05.000Z"), json!({"revoked": true}));
    check_order(&first, &revoked, Ok(VersionOrder::Newer));
    let id = parse(&first).id().to_string();
    check_order(
        &revoked,
        &v("2024-03-02T03:04:05.000Z"),
        Err(VersionError::Revoked(id.clone())),
    );
    check_order(
        &first,
        &with(
            v("2024-03-02T03:04:05.000Z"),
            json!({"created": "2024-01-01T00:00:00.000Z"}),
        ),
        Err(VersionError::CreatedChanged(id.clone())),
    );
    check_order(
        &first,
        &with(
            v("2024-03-02T03:04:05.000Z"),
            json!({"created_by_ref": null}),
        ),
        Err(VersionError::CreatorChanged(id)),
    );
    let other = with(
        first.clone(),
        json!({"id": "indicator--0b7a8c3e-1b1d-4f6e-8a3b-4c5d6e7f8091"}),
    );
    assert!(matches!(
        compare_versions(&parse(&first), &parse(&other)),
        Err(VersionError::DifferentIds(..))
    ));
}

#[test]
fn unversioned_objects_conflict_on_any_change() {
    let a = sco("ipv4-addr");
    check_order(&a, &a, Ok(VersionOrder::Identical));
    check_order(
        &a,
        &with(a.clone(), json!({"defanged": true})),
        Ok(VersionOrder::Conflict),
    );
    let m = json!({"type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b", "created": "2024-01-02T03:04:05.000Z",
        "definition_type": "statement", "definition": {"statement": "Copyright Bank A"}});
    let changed = with(
        m.clone(),
        json!({"definition": {"statement": "Copyright Bank B"}}),
    );
    check_order(&m, &changed, Ok(VersionOrder::Conflict));
    check_order(
        &m,
        &with(m.clone(), json!({"name": "changed"})),
        Ok(VersionOrder::Conflict),
    );
}

#[test]
fn latest_picks_most_recent_modified() {
    let objs: Vec<StixObject> = [
        "2024-01-02T03:04:05.000Z",
        "2024-03-02T03:04:05.000Z",
        "2024-02-02T03:04:05.000Z",
    ]
    .iter()
    .map(|m| parse(&v(m)))
    .collect();
    assert_eq!(
        latest(&objs).and_then(|o| o.modified()).map(|t| t.as_str()),
        Some("2024-03-02T03:04:05.000Z")
    );
}

#[test]
fn building_new_versions() {
    use deltawall_stix::Timestamp;
    use deltawall_stix::version::{NewVersionError, new_version, revoke};
    let first = parse(&v("2024-01-02T03:04:05.000Z"));
    let later = Timestamp::parse_millis("2024-03-01T00:00:00.000Z").unwrap();
    let changes = |v: serde_json::Value| v.as_object().unwrap().clone();
    let second = new_version(
        &first,
        changes(json!({"valid_until": "2025-01-01T00:00:00Z", "name": null})),
        &later,
    )
    .unwrap();
    assert_eq!(second.get_str("valid_until"), Some("2025-01-01T00:00:00Z"));
    assert_eq!(second.get("name"), None);
    assert_eq!(
        second.modified().unwrap().as_str(),
        "2024-03-01T00:00:00.000Z"
    );
    assert_eq!(compare_versions(&first, &second), Ok(VersionOrder::Newer));
    let earlier = Timestamp::parse_millis("2024-01-01T00:00:00.000Z").unwrap();
    assert!(matches!(
        new_version(&second, changes(json!({})), &earlier),
        Err(NewVersionError::NotLater { .. })
    ));
    assert_eq!(
        new_version(
            &second,
            changes(json!({"created_by_ref": null})),
            &Timestamp::parse_millis("2024-04-01T00:00:00.000Z").unwrap()
        ),
        Err(NewVersionError::Immutable("created_by_ref".into()))
    );
    let revoked = revoke(
        &second,
        &Timestamp::parse_millis("2024-05-01T00:00:00.000Z").unwrap(),
    )
    .unwrap();
    assert!(revoked.revoked());
    assert_eq!(compare_versions(&second, &revoked), Ok(VersionOrder::Newer));
    let after = Timestamp::parse_millis("2024-06-01T00:00:00.000Z").unwrap();
    assert!(matches!(
        new_version(&revoked, changes(json!({})), &after),
        Err(NewVersionError::Revoked(_))
    ));
    assert!(matches!(
        revoke(&parse(&sco("ipv4-addr")), &after),
        Err(NewVersionError::Unversioned(_))
    ));
    // Invalid changes are refused with the validation findings.
    assert!(matches!(
        new_version(&second, changes(json!({"confidence": 101})), &after),
        Err(NewVersionError::Invalid(_))
    ));
}

#[test]
fn now_has_millisecond_precision_and_builds_valid_objects() {
    let now = deltawall_stix::Timestamp::now();
    assert_eq!(now.fraction_digits(), 3);
    let obj = parse(&with(
        valid("indicator"),
        json!({"created": now.as_str(), "modified": now.as_str()}),
    ));
    assert_eq!(obj.created(), Some(&now));
}
