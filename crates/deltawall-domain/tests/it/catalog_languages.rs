//! Catalogs in one language: texts are required in the declared languages only.

use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::catalog::{Catalog, CatalogError, Lang, Text};

/// The built-in catalog with its Japanese removed, declared English-only.
fn english_only() -> Catalog {
    let mut c = fsa_2020_viewpoints().unwrap();
    c.languages = vec![Lang::En];
    let blank = |t: &mut Text| t.ja.clear();
    blank(&mut c.title);
    blank(&mut c.description);
    blank(&mut c.provenance.source_title);
    blank(&mut c.provenance.source_publisher);
    blank(&mut c.provenance.note);
    blank(&mut c.licence.attribution);
    for level in &mut c.maturity_scale {
        blank(&mut level.label);
        blank(&mut level.description);
    }
    for s in &mut c.sections {
        blank(&mut s.title);
        blank(&mut s.description);
        for r in &mut s.requirements {
            blank(&mut r.title);
            blank(&mut r.statement);
            r.questions.iter_mut().for_each(|q| blank(&mut q.text));
            r.guidance.typical_evidence.ja.clear();
            r.guidance.pitfalls.ja.clear();
            r.guidance
                .maturity
                .iter_mut()
                .for_each(|m| blank(&mut m.text));
        }
    }
    c
}

#[test]
fn english_only_catalog_is_accepted() {
    english_only().validate().unwrap();
}

#[test]
fn the_same_catalog_declared_bilingual_is_refused_naming_the_missing_japanese() {
    let mut c = english_only();
    c.languages = Lang::ALL.to_vec();
    let err = c.validate().unwrap_err();
    assert!(
        matches!(&err, CatalogError::MissingText { lang: "ja", field, .. } if field == "title"),
        "{err}"
    );
}

#[test]
fn a_blank_english_text_in_an_english_only_catalog_is_refused() {
    let mut c = english_only();
    c.sections[3].requirements[0].statement.en = " ".into();
    let err = c.validate().unwrap_err();
    assert!(
        matches!(&err, CatalogError::MissingText { lang: "en", field, .. } if field == "statement"),
        "{err}"
    );
}

#[test]
fn no_language_or_a_repeated_language_is_refused() {
    for langs in [vec![], vec![Lang::En, Lang::En]] {
        let mut c = english_only();
        c.languages = langs;
        assert!(matches!(c.validate(), Err(CatalogError::Languages { .. })));
    }
}

#[test]
fn bilingual_catalogs_do_not_serialise_the_languages_field_so_fingerprints_are_unchanged() {
    let c = fsa_2020_viewpoints().unwrap();
    let json = serde_json::to_value(&c).unwrap();
    assert!(json.get("languages").is_none());
    let en = serde_json::to_value(english_only()).unwrap();
    assert_eq!(en["languages"], serde_json::json!(["en"]));
}

#[test]
fn shown_falls_back_to_the_other_language() {
    let t = Text {
        ja: String::new(),
        en: "Account Management".into(),
    };
    assert_eq!(t.shown(Lang::Ja), "Account Management");
    assert_eq!(t.shown(Lang::En), "Account Management");
    let both = Text {
        ja: "アカウント管理".into(),
        en: "Account Management".into(),
    };
    assert_eq!(both.shown(Lang::Ja), "アカウント管理");
}
