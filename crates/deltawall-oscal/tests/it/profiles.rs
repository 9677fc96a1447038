//! Profile resolution: NIST's baselines against NIST's catalogs, and the supported
//! subset one feature at a time on the small catalog.

use deltawall_domain::catalog::Catalog;
use deltawall_oscal::{Limits, OscalError, TOP_LEVEL_SECTION, resolve_profile};

use crate::support::{REV5, content, fixture, ids, import};

/// Resolves `profile` (JSON text) against the small catalog, loaded as `small.json`.
fn resolve_small(profile: &str) -> Result<Catalog, OscalError> {
    let small = fixture("small-catalog.json");
    resolve_profile(profile.as_bytes(), &Limits::default(), |href| {
        (href == "small.json").then(|| small.clone())
    })
}

/// A profile over `small.json` with the given import members and extra profile members.
fn profile(import: &str, rest: &str) -> String {
    format!(
        r#"{{"profile": {{
            "uuid": "5c0c4a57-1c3f-4d5e-9a8b-2e4f6a7b8c9d",
            "metadata": {{"title": "Test Profile", "last-modified": "2025-06-01T00:00:00Z",
                          "version": "2", "oscal-version": "1.1.2"}},
            "imports": [{{"href": "small.json", {import}}}]{rest}
        }}}}"#
    )
}

fn check(import: &str, rest: &str, expected: &[&str]) {
    let c = resolve_small(&profile(import, rest)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ids(&c), expected, "{import} {rest}");
}

#[test]
fn selections() {
    check(
        r#""include-all": {}"#,
        "",
        &["ac-2", "ac-2.1", "gov-1", "ir-4"],
    );
    check(
        r#""include-controls": [{"with-ids": ["ac-2", "ir-4"]}]"#,
        "",
        &["ac-2", "ir-4"],
    );
    check(
        r#""include-controls": [{"with-ids": ["ac-2"], "with-child-controls": "yes"}]"#,
        "",
        &["ac-2", "ac-2.1"],
    );
    check(
        r#""include-controls": [{"matching": [{"pattern": "ac-*"}]}]"#,
        "",
        &["ac-2", "ac-2.1"],
    );
    check(
        r#""include-controls": [{"matching": [{"pattern": "??-4"}]}]"#,
        "",
        &["ir-4"],
    );
    check(
        r#""include-all": {}, "exclude-controls": [{"with-ids": ["ac-2"]}]"#,
        "",
        &["ac-2.1", "gov-1", "ir-4"],
    );
}

#[test]
fn as_is_keeps_groups_and_flat_drops_them() {
    let sections =
        |c: &Catalog| -> Vec<String> { c.sections.iter().map(|s| s.id.clone()).collect() };
    let sel = r#""include-controls": [{"with-ids": ["ac-2.1", "ir-4"]}]"#;
    let c = resolve_small(&profile(sel, r#", "merge": {"as-is": true}"#)).unwrap();
    assert_eq!(sections(&c), ["ac", "ac-acct", "ir"]);
    assert_eq!(c.section("ac-acct").unwrap().requirements[0].id, "ac-2.1");
    for merge in ["", r#", "merge": {"flat": {}}"#] {
        let c = resolve_small(&profile(sel, merge)).unwrap();
        assert_eq!(sections(&c), [TOP_LEVEL_SECTION], "{merge}");
        assert_eq!(ids(&c), ["ac-2.1", "ir-4"]);
    }
}

#[test]
fn set_parameters_change_the_rendered_statement() {
    let rest = r#", "modify": {"set-parameters": [
        {"param-id": "ac-2_prm_1", "values": ["the CISO"]},
        {"param-id": "freq", "values": ["quarterly"]}]}"#;
    let c = resolve_small(&profile(r#""include-all": {}"#, rest)).unwrap();
    assert!(
        c.requirement("ac-2")
            .unwrap()
            .statement
            .en
            .starts_with("a. Require approvals by the CISO for requests")
    );
    assert_eq!(
        c.requirement("gov-1").unwrap().statement.en,
        "Approve a cyber security charter and review it quarterly."
    );
    assert_eq!(c.id, "oscal:5c0c4a57-1c3f-4d5e-9a8b-2e4f6a7b8c9d");
    assert_eq!(c.version, "2");
}

fn refused(import: &str, rest: &str) -> OscalError {
    resolve_small(&profile(import, rest)).expect_err("the profile should be refused")
}

#[test]
fn unsupported_and_wrong_profiles_are_refused_by_path() {
    let all = r#""include-all": {}"#;
    let cases: [(&str, &str, &str); 9] = [
        (
            all,
            r#", "modify": {"alters": [{"control-id": "ac-2"}]}"#,
            "$.profile.modify.alters: alters is not supported",
        ),
        (
            all,
            r#", "merge": {"custom": {}}"#,
            "$.profile.merge.custom: merge custom is not supported",
        ),
        (
            all,
            r#", "merge": {"combine": {"method": "merge"}}"#,
            "$.profile.merge.combine.method: combine method \"merge\" is not supported",
        ),
        (
            all,
            r#", "merge": {"flat": {}, "as-is": true}"#,
            "$.profile.merge: more than one of flat, as-is and custom",
        ),
        (
            r#""include-controls": [{"with-ids": ["ac-2", "zz-9"]}]"#,
            "",
            "$.profile.imports[0].include-controls[0].with-ids: the imported catalog has no control zz-9",
        ),
        (
            r#""include-controls": [{"with-ids": ["ac-2"], "with-child-controls": "maybe"}]"#,
            "",
            "$.profile.imports[0].include-controls[0].with-child-controls: \"maybe\" is neither \"yes\" nor \"no\"",
        ),
        (
            all,
            r#", "modify": {"set-parameters": [{"param-id": "nope", "values": ["x"]}]}"#,
            "$.profile.modify.set-parameters[0].param-id: no parameter nope in the selected controls",
        ),
        (
            "\"exclude-controls\": [{\"with-ids\": [\"ac-2\"]}]",
            "",
            "$.profile.imports[0]: import selects nothing (neither include-all nor include-controls)",
        ),
        (
            r#""include-all": {}, "include-everything": true"#,
            "",
            "$.profile.imports[0].include-everything",
        ),
    ];
    for (import, rest, expected) in cases {
        let err = refused(import, rest).to_string();
        assert!(err.starts_with(expected), "{err}\n  expected: {expected}");
    }
}

#[test]
fn imports_that_cannot_be_loaded_or_loop_are_refused() {
    let p = profile(r#""include-all": {}"#, "").replace("small.json", "missing.json");
    let err = resolve_small(&p).unwrap_err().to_string();
    assert_eq!(
        err,
        "$.profile.imports[0].href: cannot load \"missing.json\""
    );

    let looping = profile(r#""include-all": {}"#, "").replace("small.json", "self.json");
    let err = resolve_profile(looping.as_bytes(), &Limits::default(), |_| {
        Some(looping.clone().into_bytes())
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("import cycle through self.json"), "{err}");

    let broken = resolve_profile(
        profile(r#""include-all": {}"#, "").as_bytes(),
        &Limits::default(),
        |_| Some(b"{\"catalog\": {\"uuid\": 1}}".to_vec()),
    )
    .unwrap_err()
    .to_string();
    assert!(
        broken.starts_with("in small.json: $.catalog.uuid (line 1, column 22): invalid type"),
        "{broken}"
    );
}

#[test]
fn a_profile_may_import_a_profile() {
    let inner = profile(
        r#""include-controls": [{"with-ids": ["ac-2", "ac-2.1", "ir-4"]}]"#,
        "",
    );
    let outer = profile(
        r#""include-controls": [{"with-ids": ["ac-2.1", "ir-4"]}]"#,
        "",
    )
    .replace("small.json", "inner.json");
    let small = fixture("small-catalog.json");
    let c = resolve_profile(outer.as_bytes(), &Limits::default(), |href| match href {
        "inner.json" => Some(inner.clone().into_bytes()),
        "small.json" => Some(small.clone()),
        _ => None,
    })
    .unwrap();
    assert_eq!(ids(&c), ["ac-2.1", "ir-4"]);
}

/// Loads a file of oscal-content by the href a NIST profile gives (a path relative to
/// the profile's own folder, through the back-matter resource).
fn nist_loader(catalog: Vec<u8>) -> impl Fn(&str) -> Option<Vec<u8>> {
    move |href: &str| {
        href.ends_with("NIST_SP-800-53_rev5_catalog.json")
            .then(|| catalog.clone())
    }
}

#[test]
fn the_low_profile_over_nist_content_gives_exactly_the_low_resolved_catalog() {
    let low_resolved =
        format!("{REV5}/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json");
    let (Some(profile), Some(resolved)) = (
        content(&format!(
            "{REV5}/NIST_SP-800-53_rev5_LOW-baseline_profile.json"
        )),
        content(&low_resolved),
    ) else {
        return;
    };
    // The full catalog when present; else the MODERATE resolved catalog, a superset of
    // LOW whose controls NIST resolved from the same catalog with no parameters set.
    let full = content(&format!("{REV5}/NIST_SP-800-53_rev5_catalog.json")).or_else(|| {
        content(&format!(
            "{REV5}/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json"
        ))
    });
    let Some(full) = full else { return };
    let ours = resolve_profile(&profile, &Limits::default(), nist_loader(full)).unwrap();
    let theirs = import(&resolved);
    assert_eq!(ids(&ours), ids(&theirs));
    assert_eq!(ids(&ours).len(), 149);
    for (_, r) in theirs.requirements() {
        let mine = ours.requirement(&r.id).unwrap();
        assert_eq!(mine.statement, r.statement, "{}", r.id);
        assert_eq!(mine.title, r.title, "{}", r.id);
    }
    let families =
        |c: &Catalog| -> Vec<String> { c.sections.iter().map(|s| s.id.clone()).collect() };
    assert_eq!(families(&ours), families(&theirs));
}

#[test]
fn the_moderate_profile_against_the_low_catalog_names_the_controls_low_lacks() {
    let (Some(moderate), Some(low)) = (
        content(&format!(
            "{REV5}/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json"
        )),
        content(&format!(
            "{REV5}/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json"
        )),
    ) else {
        return;
    };
    let err = resolve_profile(&moderate, &Limits::default(), nist_loader(low))
        .unwrap_err()
        .to_string();
    let prefix =
        "$.profile.imports[0].include-controls[0].with-ids: the imported catalog has no control ";
    assert!(err.starts_with(prefix), "{err}");
    let missing: Vec<&str> = err[prefix.len()..].split(", ").collect();
    // MODERATE selects 287 controls, LOW 149, every LOW control is in MODERATE.
    assert_eq!(missing.len(), 287 - 149);
    assert!(missing.contains(&"ac-2.1"));
}
