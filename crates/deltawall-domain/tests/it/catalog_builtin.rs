//! The built-in catalog of the FSA 2020 report's supervisory viewpoints.

use std::collections::BTreeMap;

use deltawall_domain::catalog::builtin::{FSA_2020_VIEWPOINTS_YAML, fsa_2020_viewpoints};
use deltawall_domain::catalog::{Catalog, Class, Lang, Requirement};

fn catalog() -> Catalog {
    fsa_2020_viewpoints().expect("the built-in catalog parses and validates")
}

/// The twelve viewpoints the issue asks for, as section tags.
const VIEWPOINTS: [&str; 12] = [
    "viewpoint:management-involvement",
    "viewpoint:risk-management-framework",
    "viewpoint:technical-measures-and-response",
    "viewpoint:contingency-plans-and-exercises",
    "viewpoint:cybersecurity-audit",
    "viewpoint:monitoring-and-log-analysis",
    "viewpoint:vulnerability-diagnosis",
    "viewpoint:exercise-participation-and-review",
    "viewpoint:third-parties-and-outsourcing",
    "viewpoint:cloud-use-and-misconfiguration",
    "viewpoint:group-and-overseas",
    "viewpoint:tlpt",
];

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}')
}

/// Every text of a requirement in one language, with a field name.
fn texts(r: &Requirement, lang: Lang) -> Vec<(String, String)> {
    let mut out = vec![
        ("title".to_owned(), r.title.get(lang).to_owned()),
        ("statement".to_owned(), r.statement.get(lang).to_owned()),
    ];
    for q in &r.questions {
        out.push((q.id.clone(), q.text.get(lang).to_owned()));
    }
    let g = &r.guidance;
    for (name, list) in [("evidence", &g.typical_evidence), ("pitfall", &g.pitfalls)] {
        for (i, t) in list.get(lang).iter().enumerate() {
            out.push((format!("{name}[{i}]"), t.clone()));
        }
    }
    for m in &g.maturity {
        out.push((
            format!("maturity[{}]", m.level),
            m.text.get(lang).to_owned(),
        ));
    }
    out
}

#[test]
fn builtin_parses_validates_and_is_effective_from_the_report_date() {
    let c = catalog();
    assert_eq!(c.id, "deltawall:fsa-2020-viewpoints");
    assert!(c.licence.redistributable);
    let published = c.provenance.source_published;
    assert!(c.is_effective_on(published));
    assert!(!c.is_effective_on(published.yesterday().unwrap()));
    assert_eq!(c.maturity_scale.len(), 3);
}

#[test]
fn has_twelve_viewpoint_sections_under_two_groups() {
    let c = catalog();
    let leaves: Vec<_> = c
        .sections
        .iter()
        .filter(|s| !s.requirements.is_empty())
        .collect();
    assert_eq!(leaves.len(), 12);
    for s in &leaves {
        let parent = s
            .parent
            .as_deref()
            .expect("viewpoint sections have a parent");
        assert!(
            parent == "FSA-BE" || parent == "FSA-NV",
            "{}: parent {parent}",
            s.id
        );
    }
    let basic_elements = leaves
        .iter()
        .filter(|s| s.parent.as_deref() == Some("FSA-BE"));
    assert_eq!(basic_elements.count(), 5);
}

#[test]
fn every_viewpoint_is_covered_by_enough_requirements() {
    let c = catalog();
    for tag in VIEWPOINTS {
        let sections: Vec<_> = c
            .sections
            .iter()
            .filter(|s| s.tags.iter().any(|t| t == tag))
            .collect();
        assert_eq!(sections.len(), 1, "{tag}: expected exactly one section");
        let n = sections[0].requirements.len();
        assert!(n >= 4, "{tag}: only {n} requirements");
    }
}

#[test]
fn size_is_realistic_and_both_classes_are_used() {
    let c = catalog();
    let n = c.requirements().count();
    assert!((50..=75).contains(&n), "{n} requirements");
    let basic = c
        .requirements()
        .filter(|(_, r)| r.class == Class::Basic)
        .count();
    let desirable = c
        .requirements()
        .filter(|(_, r)| r.class == Class::Desirable)
        .count();
    assert_eq!(basic + desirable, n, "only basic and desirable are used");
    assert!(basic >= n / 2, "{basic} basic of {n}");
    assert!(desirable >= 10, "{desirable} desirable");
}

#[test]
fn every_requirement_is_answerable_with_evidence_and_grounded() {
    for (s, r) in catalog().requirements() {
        let id = &r.id;
        assert!(!r.questions.is_empty(), "{id}: no question");
        assert!(!r.guidance.typical_evidence.is_empty(), "{id}: no evidence");
        assert!(!r.guidance.pitfalls.is_empty(), "{id}: no pitfall");
        assert!(!r.csf.is_empty(), "{id}: no CSF function");
        assert_eq!(r.guidance.maturity.len(), 3, "{id}: maturity guidance");
        assert!(r.weight > 0.0, "{id}: weight");
        assert!(!r.provenance.is_empty(), "{id}: no provenance");
        for p in &r.provenance {
            assert!(
                ["1.", "2.", "3."].iter().any(|head| p.starts_with(head)),
                "{id}: provenance {p:?} is not a report section"
            );
        }
        for q in &r.questions {
            assert!(
                q.id.starts_with(&format!("{id}-Q")),
                "{id}: question id {}",
                q.id
            );
            assert!(
                q.text.en.ends_with('?'),
                "{}: english question must end with ?",
                q.id
            );
            let ja = q.text.ja.trim_end_matches('。');
            assert!(
                ja.ends_with('か'),
                "{}: japanese question must end with か",
                q.id
            );
        }
        assert!(
            id.starts_with(&format!("{}-", s.id)),
            "{id}: not under section {}",
            s.id
        );
    }
}

#[test]
fn every_text_is_present_in_each_language_and_in_the_right_script() {
    for (_, r) in catalog().requirements() {
        for (field, ja) in texts(r, Lang::Ja) {
            assert!(
                ja.chars().any(is_japanese),
                "{}: {field}.ja has no japanese",
                r.id
            );
        }
        for (field, en) in texts(r, Lang::En) {
            assert!(!en.trim().is_empty(), "{}: {field}.en is empty", r.id);
            assert!(
                !en.chars().any(is_japanese),
                "{}: {field}.en contains japanese",
                r.id
            );
        }
    }
}

/// Per requirement: the number of questions, evidence items, pitfalls and maturity steps
/// that have non-blank text in `lang`.
fn outline(c: &Catalog, lang: Lang) -> BTreeMap<String, [usize; 4]> {
    let non_blank = |v: &[String]| v.iter().filter(|t| !t.trim().is_empty()).count();
    c.requirements()
        .map(|(_, r)| {
            let g = &r.guidance;
            let questions = r
                .questions
                .iter()
                .filter(|q| !q.text.get(lang).trim().is_empty());
            let maturity = g
                .maturity
                .iter()
                .filter(|m| !m.text.get(lang).trim().is_empty());
            let counts = [
                questions.count(),
                non_blank(g.typical_evidence.get(lang)),
                non_blank(g.pitfalls.get(lang)),
                maturity.count(),
            ];
            (r.id.clone(), counts)
        })
        .collect()
}

/// Parsed but not validated, so this comparison does not lean on `validate`.
fn unvalidated() -> Catalog {
    serde_saphyr::from_str(FSA_2020_VIEWPOINTS_YAML).expect("the built-in catalog parses")
}

#[test]
fn japanese_and_english_have_the_same_items() {
    let c = unvalidated();
    let ja = outline(&c, Lang::Ja);
    let en = outline(&c, Lang::En);
    assert_eq!(ja.len(), c.requirements().count());
    assert_eq!(ja, en);
}

#[test]
fn outline_comparison_notices_a_missing_english_pitfall() {
    let mut c = unvalidated();
    c.sections[2].requirements[0].guidance.pitfalls.en.pop();
    assert_ne!(outline(&c, Lang::Ja), outline(&c, Lang::En));
}

#[test]
fn ids_are_stable() {
    let c = catalog();
    let ids: Vec<String> = c
        .sections
        .iter()
        .flat_map(|s| {
            std::iter::once(format!("section {}", s.id)).chain(s.requirements.iter().map(|r| {
                let questions: Vec<&str> = r.questions.iter().map(|q| q.id.as_str()).collect();
                format!("  {} {:?} [{}]", r.id, r.class, questions.join(", "))
            }))
        })
        .collect();
    insta::assert_snapshot!(ids.join("\n"));
}

#[test]
fn requirement_ids_are_numbered_in_order_without_gaps() {
    for s in &catalog().sections {
        for (i, r) in s.requirements.iter().enumerate() {
            assert_eq!(r.id, format!("{}-{:02}", s.id, i + 1));
        }
    }
}

#[test]
fn round_trips_through_json() {
    let c = catalog();
    let json = serde_json::to_string(&c).unwrap();
    let back: Catalog = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
    back.validate().unwrap();
}

/// The built-in catalog is immutable per version: any change to its content must come
/// with a new `version`, and then this pin is updated together with it.
#[test]
fn content_is_pinned_to_its_version() {
    let r = catalog().reference();
    insta::assert_snapshot!(format!("{} {} {}", r.id, r.version, r.fingerprint));
}

#[test]
fn fingerprint_changes_with_any_text() {
    let mut c = catalog();
    let before = c.fingerprint();
    c.sections[2].requirements[0].guidance.pitfalls.en[0].push('.');
    assert_ne!(c.fingerprint(), before);
}
