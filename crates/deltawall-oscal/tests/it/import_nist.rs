//! NIST's own OSCAL content: the SP 800-53 rev5 catalogs and every example catalog.

use std::path::{Path, PathBuf};

use deltawall_oscal::{Limits, OscalError, import_catalog};

use crate::support::{REV5, content, ids, import, shared};

/// Every `.json` file under `dir`, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn top_key(bytes: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    v.as_object().unwrap().keys().next().unwrap().clone()
}

#[test]
fn every_catalog_in_the_shared_data_imports_and_other_models_are_refused_by_path() {
    let Some(dir) = shared() else { return };
    let mut catalogs = 0;
    for path in json_files(&dir) {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.display();
        match top_key(&bytes).as_str() {
            "catalog" => {
                let c = import_catalog(&bytes, &Limits::default())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(c.requirements().count() > 0, "{name}");
                catalogs += 1;
            }
            other => {
                let err = import_catalog(&bytes, &Limits::default()).unwrap_err();
                assert!(
                    matches!(&err, OscalError::Shape { path, message, .. }
                        if path == "$" && message.contains("missing field `catalog`")),
                    "{name} ({other}): {err}"
                );
            }
        }
    }
    // basic-catalog, basic-catalog-min, LOW resolved and LOW resolved min
    assert_eq!(catalogs, 4);
}

#[test]
fn the_low_baseline_resolved_catalog_has_its_149_controls_in_18_families() {
    let Some(bytes) = content(&format!(
        "{REV5}/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json"
    )) else {
        return;
    };
    let c = import(&bytes);
    assert_eq!(c.sections.len(), 18);
    assert_eq!(c.requirements().count(), 149);
    assert_eq!(c.version, "5.1.1+u4");
    let ac2 = c.requirement("ac-2").unwrap();
    assert_eq!(ac2.provenance, ["AC-2"]);
    assert_eq!(ac2.title.en, "Account Management");
    assert!(
        ac2.statement.en.starts_with("a. Define and document the types of accounts allowed and specifically prohibited for use within the system;"),
        "{}",
        ac2.statement.en
    );
    assert!(
        ac2.statement
            .en
            .contains("[Assignment: organization-defined personnel or roles]"),
        "{}",
        ac2.statement.en
    );
    assert!(!ac2.guidance.notes.en.is_empty());
    assert!(
        !ac2.statement.en.contains("{{"),
        "every insertion is substituted"
    );
}

#[test]
fn the_minified_and_the_pretty_low_catalog_import_to_the_same_catalog() {
    let (Some(pretty), Some(min)) = (
        content(&format!(
            "{REV5}/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json"
        )),
        content(&format!(
            "{REV5}/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json"
        )),
    ) else {
        return;
    };
    assert_eq!(import(&pretty).fingerprint(), import(&min).fingerprint());
}

#[test]
fn the_full_rev5_catalog_imports_without_its_withdrawn_controls() {
    let Some(bytes) = content(&format!("{REV5}/NIST_SP-800-53_rev5_catalog.json")) else {
        return;
    };
    let c = import(&bytes);
    assert_eq!(c.sections.len(), 20);
    let n = c.requirements().count();
    assert!((1000..1189).contains(&n), "{n} requirements");
    assert!(ids(&c).iter().all(|id| !id.is_empty()));
}

#[test]
fn the_moderate_resolved_catalog_imports() {
    let Some(bytes) = content(&format!(
        "{REV5}/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json"
    )) else {
        return;
    };
    let c = import(&bytes);
    assert_eq!(c.requirements().count(), 287);
}
