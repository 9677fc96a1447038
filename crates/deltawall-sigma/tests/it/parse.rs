//! Parsing: documents, schema checks and rejection reasons.

use crate::support::shared_data;
use deltawall_sigma::{Document, ErrorKind, RuleSet};

/// Parses `yaml` and expects the first error to be of `kind` and mention `reason`.
#[track_caller]
fn reject(yaml: &str, kind: ErrorKind, reason: &str) {
    let err = RuleSet::new()
        .add_yaml(yaml, "bad.yml")
        .expect_err("should be rejected");
    assert_eq!(err.kind, kind, "{err}");
    assert!(err.to_string().contains(reason), "{err}");
    assert!(err.to_string().starts_with("bad.yml: "), "{err}");
}

const HEAD: &str = "title: t\nlogsource: {product: x}\n";

#[test]
fn rejections_name_file_and_construct() {
    reject("title: t\ntitle: u\n", ErrorKind::Yaml, "duplicate");
    reject(
        &format!("{HEAD}detection:\n    sel:\n        a|foo: 1\n    condition: sel\n"),
        ErrorKind::Unsupported,
        "detection.sel.a|foo: unknown modifier `foo`",
    );
    reject(
        &format!("{HEAD}detection:\n    sel:\n        a: 1\n    condition: sel | count() > 5\n"),
        ErrorKind::Unsupported,
        "legacy aggregation",
    );
    reject(
        &format!(
            "{HEAD}detection:\n    sel:\n        a: 1\n    timeframe: 5m\n    condition: sel\n"
        ),
        ErrorKind::Unsupported,
        "timeframe",
    );
    reject(
        &format!("{HEAD}detection:\n    sel:\n        a: [1, null]\n    condition: sel\n"),
        ErrorKind::Invalid,
        "`null` cannot be part of a list",
    );
    reject(
        &format!("{HEAD}detection:\n    sel:\n        a: 1\n    condition: sel and other\n"),
        ErrorKind::Invalid,
        "unknown search identifier `other`",
    );
    reject(
        &format!(
            "{HEAD}detection:\n    sel:\n        a|contains|endswith: 1\n    condition: sel\n"
        ),
        ErrorKind::Invalid,
        "only one of contains",
    );
    reject(
        &format!("{HEAD}detection:\n    sel:\n        a: 1\n"),
        ErrorKind::Schema,
        "detection.condition: is missing",
    );
    reject(
        "logsource: {product: x}\ndetection:\n    sel: {a: 1}\n    condition: sel\n",
        ErrorKind::Schema,
        "title: is missing",
    );
    reject(
        "title: t\ndetection:\n    sel: {a: 1}\n    condition: sel\n",
        ErrorKind::Schema,
        "logsource: is missing",
    );
    reject(
        &format!("{HEAD}level: severe\ndetection:\n    sel: {{a: 1}}\n    condition: sel\n"),
        ErrorKind::Invalid,
        "unknown level",
    );
    reject(
        &format!("{HEAD}detection:\n    sel: []\n    condition: sel\n"),
        ErrorKind::Schema,
        "empty list",
    );
    reject(
        "action: global\ntitle: t\n",
        ErrorKind::Unsupported,
        "action",
    );
    reject(
        "title: t\nlogsource: {product: x, version: 2}\ndetection:\n    sel: {a: 1}\n    condition: sel\n",
        ErrorKind::Unsupported,
        "logsource.version",
    );
    reject(
        "title: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    timespan: 5x\n    condition: {gte: 1}\n",
        ErrorKind::Invalid,
        "timespan",
    );
    reject(
        "title: c\ncorrelation:\n    type: value_count\n    rules: [a]\n    timespan: 5m\n    condition: {gte: 1}\n",
        ErrorKind::Schema,
        "field",
    );
    reject(
        "title: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    timespan: 5m\n    condition: {gte: 1}\n    extra: 1\n",
        ErrorKind::Unsupported,
        "correlation.extra",
    );
    reject(
        "title: c\ncorrelation:\n    type: near\n    rules: [a]\n    timespan: 5m\n",
        ErrorKind::Unsupported,
        "unknown correlation type",
    );
}

#[test]
fn yaml_budget_stops_alias_bombs() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
    }
    let err = RuleSet::new()
        .add_yaml(&bomb, "bomb.yml")
        .expect_err("alias bomb");
    assert_eq!(err.kind, ErrorKind::Yaml, "{err}");
}

#[test]
fn multi_document_files_and_collecting_errors() {
    let yaml = format!(
        "{HEAD}detection:\n    sel: {{a: 1}}\n    condition: sel\n---\n{HEAD}detection:\n    sel: {{a|bad: 1}}\n    condition: sel\n---\n{HEAD}detection:\n    sel: {{b: 1}}\n    condition: sel\n"
    );
    let mut set = RuleSet::new();
    assert!(set.add_yaml(&yaml, "multi.yml").is_err());
    assert!(set.is_empty(), "add_yaml is all or nothing");
    let mut errors = Vec::new();
    assert_eq!(set.add_yaml_collect(&yaml, "multi.yml", &mut errors), 2);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].rule.contains("document 2") || errors[0].rule.contains("`t`"),
        "{}",
        errors[0]
    );
}

#[test]
fn specification_examples_parse() {
    let Some(dir) = shared_data("sigma-specification/tests/schema") else {
        return;
    };
    let mut kinds = Vec::new();
    for sub in ["rules", "correlation", "filter"] {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let mut set = RuleSet::new();
            set.add_yaml(&text, &f.display().to_string())
                .unwrap_or_else(|e| panic!("{e}"));
            kinds.extend(set.documents().iter().map(|d| match d {
                Document::Rule(_) => "rule",
                Document::Correlation(c) => match c.kind {
                    deltawall_sigma::CorrelationType::EventCount => "event_count",
                    deltawall_sigma::CorrelationType::ValueCount => "value_count",
                    deltawall_sigma::CorrelationType::Temporal => "temporal",
                    deltawall_sigma::CorrelationType::TemporalOrdered => "temporal_ordered",
                    deltawall_sigma::CorrelationType::ValueSum => "value_sum",
                    deltawall_sigma::CorrelationType::ValueAvg => "value_avg",
                    deltawall_sigma::CorrelationType::ValuePercentile => "value_percentile",
                },
                Document::Filter(_) => "filter",
            }));
        }
    }
    insta::assert_debug_snapshot!(kinds);
}

#[test]
fn rule_metadata_is_kept() {
    let yaml = "title: A Title\nid: 545a5da6-f103-4919-a519-e9aec1026ee4\nname: a_title\nstatus: test\nauthor: SomeOne\ntags: [attack.t1211]\nlevel: high\nfalsepositives: [a string]\nfields: [CommandLine]\nlogsource: {product: windows, service: application}\ndetection:\n    selection: {Provider_Name: 'Application Error'}\n    condition: selection\n";
    let mut set = RuleSet::new();
    set.add_yaml(yaml, "meta.yml").unwrap();
    let rule = set.rules().next().unwrap();
    assert_eq!(rule.meta.title, "A Title");
    assert_eq!(rule.meta.name.as_deref(), Some("a_title"));
    assert_eq!(rule.meta.author.as_deref(), Some("SomeOne"));
    assert_eq!(rule.meta.level, Some(deltawall_sigma::Level::High));
    assert_eq!(rule.meta.tags, ["attack.t1211"]);
    assert_eq!(rule.meta.falsepositives, ["a string"]);
    assert_eq!(rule.meta.fields, ["CommandLine"]);
    assert_eq!(rule.meta.origin, "meta.yml");
    assert_eq!(rule.logsource.service.as_deref(), Some("application"));
}

#[test]
fn rule_directories_load_recursively_and_collect_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
    std::fs::write(
        dir.path().join("a/ok.yml"),
        format!("{HEAD}detection:\n    sel: {{a: 1}}\n    condition: sel\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a/b/bad.yaml"),
        format!("{HEAD}detection:\n    sel: {{a|nope: 1}}\n    condition: sel\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("a/b/notes.txt"), "not a rule").unwrap();
    let mut set = RuleSet::new();
    let mut errors = Vec::new();
    assert_eq!(set.add_path(dir.path(), &mut errors).unwrap(), 1);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].origin.ends_with("bad.yaml"), "{}", errors[0]);
}

#[test]
fn field_mapping_files_are_checked() {
    let err = deltawall_sigma::FieldMapping::from_yaml(
        "mappings:\n  - logsource: {product: x}\n    renames: {a: b}\n",
        "map.yml",
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("map.yml: "), "{err}");
    assert!(err.construct.contains("renames"), "{err}");
    assert!(deltawall_sigma::FieldMapping::from_yaml("other: 1\n", "map.yml").is_err());
}

#[test]
fn a_logsource_description_is_text_like_definition() {
    // Hayabusa's rules describe their log source under `description`.
    let yaml = "title: t\nlogsource: {product: windows, service: security, description: 'needs auditing'}\ndetection:\n    sel: {EventID: 4624}\n    condition: sel\n";
    let mut set = RuleSet::new();
    set.add_yaml(yaml, "ok.yml").expect("accepted");
    assert_eq!(set.len(), 1);
}
