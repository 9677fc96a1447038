//! The small catalog written for these tests: every mapping rule, one at a time.

use deltawall_domain::catalog::{Class, Lang};
use deltawall_oscal::TOP_LEVEL_SECTION;

use crate::support::{fixture, import};

fn small() -> deltawall_domain::catalog::Catalog {
    import(&fixture("small-catalog.json"))
}

#[test]
fn metadata_becomes_identity_provenance_and_licence() {
    let c = small();
    assert_eq!(c.id, "oscal:2b5a8f0e-9c1d-4d7e-8a4b-0f6c2e1d3a57");
    assert_eq!(c.version, "1.0");
    assert_eq!(c.title.en, "Small Test Catalog");
    assert_eq!(c.languages, vec![Lang::En]);
    assert_eq!(c.title.ja, "", "no japanese is invented");
    assert_eq!(c.provenance.source_publisher.en, "Deltawall Test Authors");
    assert_eq!(c.provenance.source_uri, "https://example.invalid/small");
    assert_eq!(c.provenance.source_published.to_string(), "2025-04-01");
    assert_eq!(c.effective_from.to_string(), "2025-04-01");
    assert_eq!(c.licence.id, "NOASSERTION");
    assert!(!c.licence.redistributable);
}

#[test]
fn groups_become_nested_sections_and_loose_controls_a_top_level_section() {
    let c = small();
    let outline: Vec<(&str, Option<&str>, usize)> = c
        .sections
        .iter()
        .map(|s| (s.id.as_str(), s.parent.as_deref(), s.requirements.len()))
        .collect();
    assert_eq!(
        outline,
        [
            (TOP_LEVEL_SECTION, None, 1),
            ("ac", None, 0),
            ("ac-acct", Some("ac"), 2),
            ("ir", None, 1),
        ]
    );
    let ac = c.section("ac").unwrap();
    assert_eq!(ac.description.en, "Who may use which system.");
    assert_eq!(ac.tags, ["oscal-class:family", "label:AC"]);
    assert_eq!(c.section("ir").unwrap().description.en, "Incident Response");
}

#[test]
fn statements_are_rendered_with_labels_and_parameters() {
    let c = small();
    let r = c.requirement("ac-2").unwrap();
    assert_eq!(
        r.statement.en,
        "a. Require approvals by [Assignment: organization-defined personnel or roles] for requests to create accounts;\n\
         b. Handle inactive accounts:\n  \
         1. [Selection (one or more): disable; remove after [Assignment: organization-defined time period]] them."
    );
    let gov = c.requirement("gov-1").unwrap();
    assert_eq!(
        gov.statement.en,
        "Approve a cyber security charter and review it annually."
    );
}

#[test]
fn labels_classes_guidance_and_questions_are_kept() {
    let c = small();
    let r = c.requirement("ac-2").unwrap();
    assert_eq!(r.provenance, ["AC-2"], "the label without a class wins");
    assert_eq!(r.tags, ["oscal-class:SP800-53", "sort-id:ac-02"]);
    assert_eq!(r.class, Class::Basic);
    assert_eq!(r.weight, 1.0);
    assert_eq!(
        r.guidance.notes.en,
        "Accounts include individual and shared accounts."
    );
    assert_eq!(r.questions.len(), 1);
    assert_eq!(r.questions[0].id, "ac-2_q");
    assert_eq!(
        r.questions[0].text.en,
        "Is AC-2 (Account Management) implemented as stated?"
    );
    let e = c.requirement("ac-2.1").unwrap();
    assert!(e.tags.contains(&"enhancement-of:ac-2".to_owned()));
}

#[test]
fn withdrawn_controls_are_left_out() {
    let c = small();
    assert!(c.requirement("ac-2.10").is_none());
    assert_eq!(c.requirements().count(), 4);
}

#[test]
fn a_japanese_locale_puts_the_texts_in_japanese() {
    let text = String::from_utf8(fixture("small-catalog.json"))
        .unwrap()
        .replace(
            r#""version": "1.0","#,
            r#""version": "1.0", "locale": "ja-JP","#,
        );
    let c = import(text.as_bytes());
    assert_eq!(c.languages, vec![Lang::Ja]);
    let r = c.requirement("ir-4").unwrap();
    assert_eq!(r.title.ja, "Incident Handling");
    assert_eq!(r.title.en, "");
    assert_eq!(
        r.questions[0].text.ja,
        "IR-4（Incident Handling）は記載どおり実施されているか。"
    );
}

#[test]
fn import_is_deterministic() {
    let a = small();
    let b = small();
    assert_eq!(a.fingerprint(), b.fingerprint());
    insta::assert_snapshot!(a.requirement("ac-2").unwrap().statement.en);
}
