//! The finance pack: it compiles, its test events pass, and the embedded copy matches
//! the files.

use deltawall_detect::rules::{RuleSource, engine_config, load_rules, run_tests};
use deltawall_detect::rules_pack::{FINANCE_PACK, FINANCE_TESTS};
use std::path::PathBuf;

fn pack_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules/finance")
}

#[test]
fn embedded_pack_lists_every_file() {
    let mut on_disk: Vec<String> = std::fs::read_dir(pack_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = FINANCE_PACK
        .iter()
        .chain(FINANCE_TESTS)
        .map(|(n, _)| (*n).to_owned())
        .collect();
    embedded.sort();
    assert_eq!(embedded, on_disk);
    for (name, text) in FINANCE_PACK.iter().chain(FINANCE_TESTS) {
        assert_eq!(
            std::fs::read_to_string(pack_dir().join(name)).unwrap(),
            *text,
            "{name}"
        );
    }
}

#[test]
fn pack_compiles_with_attack_tags() {
    let (set, errors) = load_rules(&RuleSource::Builtin).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let engine = deltawall_sigma::Engine::new(&set, engine_config(0)).unwrap();
    assert_eq!(engine.correlation_count(), 18);
    for c in set.correlations() {
        let inner = c
            .meta
            .name
            .as_deref()
            .is_some_and(|n| n.ends_with("_inner") || n.ends_with("_burst"));
        if !inner {
            assert!(
                c.meta.tags.iter().any(|t| t.starts_with("attack.t")),
                "{} has no ATT&CK technique",
                c.meta.title
            );
            assert_eq!(c.meta.author.as_deref(), Some("Deltawall"));
        }
    }
}

#[test]
fn building_blocks_are_all_referenced() {
    // An unreferenced detection rule would alert on every matching event.
    let (set, _) = load_rules(&RuleSource::Builtin).unwrap();
    let referenced: Vec<&String> = set.correlations().flat_map(|c| c.rules.iter()).collect();
    for rule in set.rules() {
        let name = rule.meta.name.as_ref().unwrap();
        assert!(
            referenced.contains(&name),
            "{name} is not referenced by any correlation"
        );
    }
}

#[test]
fn every_alerting_rule_has_tests() {
    let results = run_tests(&RuleSource::Builtin).unwrap();
    let (set, _) = load_rules(&RuleSource::Builtin).unwrap();
    for c in set.correlations() {
        let id = c.meta.id.clone().unwrap();
        if c.meta
            .name
            .as_deref()
            .is_some_and(|n| n.ends_with("_inner") || n.ends_with("_burst"))
        {
            continue;
        }
        let cases = |m: bool| {
            results
                .iter()
                .filter(|r| r.rule == id && r.should_match == m)
                .count()
        };
        assert!(
            cases(true) > 0 && cases(false) > 0,
            "{} needs match and no_match cases",
            c.meta.title
        );
    }
}

#[track_caller]
fn check_all_pass(source: RuleSource) {
    let results = run_tests(&source).unwrap();
    assert!(results.len() >= 40);
    let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn builtin_rule_tests_pass() {
    check_all_pass(RuleSource::Builtin);
}

#[test]
fn rule_tests_from_files_pass() {
    check_all_pass(RuleSource::Paths(vec![pack_dir()]));
}

#[test]
fn single_rule_file_uses_sibling_building_blocks() {
    let results = run_tests(&RuleSource::Paths(vec![
        pack_dir().join("brute_force_account.yml"),
    ]))
    .unwrap();
    let text = std::fs::read_to_string(pack_dir().join("brute_force_account.tests.yml")).unwrap();
    let cases = text
        .lines()
        .filter(|l| l.trim_start().starts_with("- name:"))
        .count();
    assert!(cases >= 5);
    assert_eq!(results.len(), cases);
    assert!(results.iter().all(|r| r.passed()), "{results:#?}");
}

#[test]
fn a_failing_case_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["base_login.yml", "brute_force_account.yml"] {
        std::fs::copy(pack_dir().join(name), dir.path().join(name)).unwrap();
    }
    let wrong = std::fs::read_to_string(pack_dir().join("brute_force_account.tests.yml"))
        .unwrap()
        .replacen("repeat: 40", "repeat: 4", 1);
    std::fs::write(dir.path().join("brute_force_account.tests.yml"), wrong).unwrap();
    let results = run_tests(&RuleSource::Paths(vec![dir.path().to_owned()])).unwrap();
    let failed: Vec<_> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        failed,
        ["forty wrong passwords for one account in six minutes"]
    );
}

#[test]
fn check_reports_unsupported_rules() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yml"), "title: x\nlogsource: {category: a}\ndetection: {sel: {f|nosuchmodifier: 1}, condition: sel}\n").unwrap();
    std::fs::copy(
        pack_dir().join("base_login.yml"),
        dir.path().join("base_login.yml"),
    )
    .unwrap();
    let (set, mut errors) = load_rules(&RuleSource::Paths(vec![dir.path().to_owned()])).unwrap();
    let (_, compile) = deltawall_sigma::Engine::new_partial(&set, engine_config(0));
    errors.extend(compile);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].to_string().contains("bad.yml"), "{}", errors[0]);
}
