//! Catalogs that break a rule are refused with an error naming the item and the field.

use deltawall_domain::catalog::builtin::{LoadError, from_yaml};
use deltawall_domain::catalog::{Catalog, CatalogError, Class, Section};

/// A small valid catalog: one group, one section, one requirement.
const MINIMAL: &str = r#"
id: test:minimal
version: "1"
title: {ja: "テスト", en: "Test"}
description: {ja: "説明", en: "Description"}
provenance:
  source_title: {ja: "出典", en: "Source"}
  source_publisher: {ja: "発行者", en: "Publisher"}
  source_published: 2020-06-30
  source_uri: "https://example.invalid/"
  note: {ja: "注記", en: "Note"}
licence:
  id: "Apache-2.0"
  attribution: {ja: "帰属", en: "Attribution"}
  redistributable: true
effective_from: 2021-04-01
maturity_scale:
  - level: 1
    label: {ja: "初期", en: "Initial"}
    description: {ja: "文書のみ", en: "On paper"}
  - level: 2
    label: {ja: "運用", en: "Operating"}
    description: {ja: "運用の証跡あり", en: "Operating with evidence"}
sections:
  - id: S0
    title: {ja: "群", en: "Group"}
    description: {ja: "群の説明", en: "Group description"}
  - id: S1
    parent: S0
    title: {ja: "節", en: "Section"}
    description: {ja: "節の説明", en: "Section description"}
    requirements:
      - id: R-01
        class: basic
        weight: 2.0
        csf: [GV]
        title: {ja: "要件", en: "Requirement"}
        statement: {ja: "内容", en: "Statement"}
        questions:
          - id: R-01-Q1
            text: {ja: "しているか。", en: "Do you?"}
        guidance:
          typical_evidence: {ja: ["証跡"], en: ["Evidence"]}
          pitfalls: {ja: ["落とし穴"], en: ["Pitfall"]}
          maturity:
            - level: 1
              text: {ja: "初期", en: "Initial"}
            - level: 2
              text: {ja: "運用", en: "Operating"}
        provenance: ["2.(1)①ア"]
"#;

fn minimal() -> Catalog {
    from_yaml(MINIMAL).expect("the minimal catalog is valid")
}

fn refused(c: &Catalog) -> CatalogError {
    c.validate().expect_err("the catalog should be refused")
}

fn s1(c: &mut Catalog) -> &mut Section {
    &mut c.sections[1]
}

#[test]
fn minimal_catalog_is_accepted_and_reads_every_field() {
    let c = minimal();
    let r = c.requirement("R-01").unwrap();
    assert_eq!(r.guidance.maturity.len(), 2);
    assert_eq!(c.maturity_scale.len(), 2);
    assert_eq!(c.section("S1").unwrap().parent.as_deref(), Some("S0"));
    assert_eq!(c.effective_to, None);
}

#[test]
fn duplicate_requirement_id_is_refused() {
    let mut c = minimal();
    let mut copy = s1(&mut c).requirements[0].clone();
    copy.questions[0].id = "R-02-Q1".into();
    s1(&mut c).requirements.push(copy);
    let e = refused(&c);
    assert_eq!(e, CatalogError::DuplicateId { id: "R-01".into() });
    assert_eq!(e.to_string(), "R-01: id is used more than once");
}

#[test]
fn question_id_clashing_with_a_section_id_is_refused() {
    let mut c = minimal();
    s1(&mut c).requirements[0].questions[0].id = "S0".into();
    assert_eq!(refused(&c), CatalogError::DuplicateId { id: "S0".into() });
}

#[test]
fn missing_parent_is_refused() {
    let mut c = minimal();
    s1(&mut c).parent = Some("S9".into());
    let e = refused(&c);
    assert_eq!(e.to_string(), "S1: parent S9 does not exist");
}

#[test]
fn parent_cycle_is_refused() {
    let mut c = minimal();
    c.sections[0].parent = Some("S1".into());
    assert!(matches!(refused(&c), CatalogError::ParentCycle { .. }));
}

#[test]
fn missing_english_text_in_yaml_is_refused_naming_the_item() {
    let yaml = MINIMAL.replace(
        r#"statement: {ja: "内容", en: "Statement"}"#,
        r#"statement: {ja: "内容"}"#,
    );
    let e = from_yaml(&yaml).unwrap_err();
    assert!(matches!(
        &e,
        LoadError::Invalid(CatalogError::MissingText { id, field, lang: "en" })
            if id == "R-01" && field == "statement"
    ));
    assert_eq!(
        e.to_string(),
        "catalog is invalid: R-01: statement.en is missing"
    );
}

#[test]
fn blank_japanese_question_is_refused_naming_the_question() {
    let mut c = minimal();
    s1(&mut c).requirements[0].questions[0].text.ja = "  ".into();
    assert_eq!(refused(&c).to_string(), "R-01-Q1: text.ja is missing");
}

#[test]
fn blank_english_pitfall_is_refused_naming_the_entry() {
    let mut c = minimal();
    s1(&mut c).requirements[0].guidance.pitfalls.en[0] = String::new();
    assert_eq!(
        refused(&c).to_string(),
        "R-01: guidance.pitfalls[0].en is missing"
    );
}

#[test]
fn evidence_lists_of_different_lengths_are_refused() {
    let mut c = minimal();
    let evidence = &mut s1(&mut c).requirements[0].guidance.typical_evidence;
    evidence.en.push("Extra".into());
    assert_eq!(
        refused(&c).to_string(),
        "R-01: guidance.typical_evidence has 1 japanese and 2 english entries"
    );
}

#[test]
fn non_positive_weights_are_refused() {
    for weight in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let mut c = minimal();
        s1(&mut c).requirements[0].weight = weight;
        let e = refused(&c);
        assert!(
            matches!(&e, CatalogError::Weight { id, .. } if id == "R-01"),
            "{weight}: {e}"
        );
    }
}

#[test]
fn requirement_without_question_is_refused() {
    let mut c = minimal();
    s1(&mut c).requirements[0].questions.clear();
    assert_eq!(refused(&c).to_string(), "R-01: questions is empty");
}

#[test]
fn blank_provenance_is_refused() {
    let mut c = minimal();
    s1(&mut c).requirements[0].provenance.push(" ".into());
    assert_eq!(refused(&c).to_string(), "R-01: provenance[1] is blank");
}

#[test]
fn maturity_levels_out_of_order_are_refused() {
    let mut c = minimal();
    s1(&mut c).requirements[0].guidance.maturity[0].level = 2;
    assert_eq!(
        refused(&c).to_string(),
        "R-01: guidance.maturity levels must be 1, 2, 3, … in order"
    );
    let mut c = minimal();
    c.maturity_scale.swap(0, 1);
    assert_eq!(
        refused(&c).to_string(),
        "test:minimal: maturity_scale levels must be 1, 2, 3, … in order"
    );
}

#[test]
fn maturity_guidance_must_cover_every_level_of_the_scale() {
    let mut c = minimal();
    s1(&mut c).requirements[0].guidance.maturity.pop();
    assert_eq!(
        refused(&c),
        CatalogError::MaturityScale {
            id: "R-01".into(),
            expected: 2,
            found: 1
        }
    );
    s1(&mut c).requirements[0].guidance.maturity.clear();
    c.validate().expect("maturity guidance is optional");
}

#[test]
fn blank_english_maturity_step_is_refused() {
    let mut c = minimal();
    s1(&mut c).requirements[0].guidance.maturity[1].text.en = String::new();
    assert_eq!(
        refused(&c).to_string(),
        "R-01: guidance.maturity[1].en is missing"
    );
}

#[test]
fn effective_dates_out_of_order_are_refused() {
    let mut c = minimal();
    c.effective_to = Some(jiff::civil::date(2021, 3, 31));
    assert_eq!(
        refused(&c).to_string(),
        "test:minimal: effective_to 2021-03-31 is before effective_from 2021-04-01"
    );
    c.effective_to = Some(jiff::civil::date(2021, 4, 1));
    c.validate().unwrap();
    assert!(c.is_effective_on(jiff::civil::date(2021, 4, 1)));
    assert!(!c.is_effective_on(jiff::civil::date(2021, 4, 2)));
}

#[test]
fn id_with_surrounding_whitespace_is_refused() {
    let mut c = minimal();
    s1(&mut c).requirements[0].id = "R-01 ".into();
    assert_eq!(
        refused(&c),
        CatalogError::BadId {
            kind: "requirement",
            id: "R-01 ".into()
        }
    );
}

#[test]
fn duplicate_yaml_keys_and_unknown_fields_do_not_parse() {
    let duplicate = MINIMAL.replace("version: \"1\"\n", "version: \"1\"\nversion: \"2\"\n");
    assert!(matches!(from_yaml(&duplicate), Err(LoadError::Parse(_))));
    let unknown = MINIMAL.replace(
        "        weight: 2.0\n",
        "        weight: 2.0\n        wieght: 3\n",
    );
    assert!(matches!(from_yaml(&unknown), Err(LoadError::Parse(_))));
}

#[test]
fn maturity_level_classes_parse() {
    let yaml = MINIMAL.replace("class: basic", "class: {level: 2}");
    let c = from_yaml(&yaml).unwrap();
    assert_eq!(c.requirement("R-01").unwrap().class, Class::Level(2));
    let zero = MINIMAL.replace("class: basic", "class: {level: 0}");
    assert_eq!(
        from_yaml(&zero).unwrap_err().to_string(),
        "catalog is invalid: R-01: class level 0 is not allowed (levels start at 1)"
    );
    let unknown = MINIMAL.replace("class: basic", "class: mandatory");
    assert!(matches!(from_yaml(&unknown), Err(LoadError::Parse(_))));
}
