//! The detection-coverage layer of the built-in finance pack, read through
//! deltawall-detect's public API.

use std::collections::BTreeSet;

use deltawall_attack::TechniqueId;
use deltawall_attack::layer::build::{self, LayerInfo};
use deltawall_detect::rules::{RuleSource, load_rules, rule_texts};

#[test]
fn the_detection_layer_lists_every_technique_tagged_in_the_builtin_pack() {
    let (set, errors) = load_rules(&RuleSource::Builtin).expect("the pack loads");
    assert!(errors.is_empty(), "{errors:?}");
    let metas = set
        .rules()
        .map(|r| &r.meta)
        .chain(set.correlations().map(|c| &c.meta));
    let rules: Vec<(String, Vec<String>)> = metas
        .map(|m| {
            (
                m.id.clone().unwrap_or_else(|| m.title.clone()),
                m.tags.clone(),
            )
        })
        .collect();
    assert!(!rules.is_empty());
    // the oracle reads the YAML text itself, not the parsed tags
    let tagged: BTreeSet<String> = rule_texts(&RuleSource::Builtin)
        .expect("pack texts")
        .iter()
        .flat_map(|(_, text)| text.lines())
        .filter_map(|l| l.trim().strip_prefix("- attack.t"))
        .map(|rest| format!("T{}", rest.trim()))
        .collect();
    assert!(
        tagged.len() >= 5,
        "the pack tags several techniques: {tagged:?}"
    );
    let info = LayerInfo {
        name: "finance pack".into(),
        description: "built-in rules".into(),
        attack_version: "18".into(),
    };
    let layer = build::detection(&info, &rules);
    let listed: BTreeSet<String> = layer
        .techniques
        .iter()
        .map(|t| t.technique_id.to_string())
        .collect();
    assert_eq!(listed, tagged);
    for t in &layer.techniques {
        let n = rules
            .iter()
            .filter(|(_, tags)| {
                tags.iter()
                    .any(|g| TechniqueId::from_sigma_tag(g).as_ref() == Some(&t.technique_id))
            })
            .count();
        assert_eq!(t.score, Some(n as i64), "{}", t.technique_id);
    }
}
