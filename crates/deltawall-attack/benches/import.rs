//! Bundle import, layer building and layer reading at the size of the real data: a synthetic
//! Enterprise bundle shaped like ATT&CK's (14 tactics, 800 techniques and sub-techniques with
//! descriptions, 20,000 relationships, other objects) and 3,000 rules of three tags each,
//! about SigmaHQ's size. All data is generated here.

use deltawall_attack::import_bundle;
use deltawall_attack::layer::build::{self, LayerInfo};
use deltawall_attack::read_layer;
use divan::counter::BytesCount;
use serde_json::{Value, json};

fn main() {
    divan::main();
}

const TACTICS: usize = 14;
const TECHNIQUES: usize = 800;
const RELATIONSHIPS: usize = 20_000;

fn ap(i: usize) -> String {
    format!("attack-pattern--{i:08}-0000-4000-8000-000000000000")
}

fn technique_id(i: usize) -> String {
    // 200 techniques, each with up to three sub-techniques
    let (parent, sub) = (1000 + i / 4, i % 4);
    if sub == 0 {
        format!("T{parent}")
    } else {
        format!("T{parent}.{sub:03}")
    }
}

fn bundle() -> String {
    let description = "An adversary may do something a defender should notice. ".repeat(25);
    let mut objects = vec![
        json!({"type": "x-mitre-collection", "id": "x-mitre-collection--1", "x_mitre_version": "18.1"}),
    ];
    let tactic_ids: Vec<String> = (0..TACTICS)
        .map(|t| format!("x-mitre-tactic--{t}"))
        .collect();
    objects.push(
        json!({"type": "x-mitre-matrix", "id": "x-mitre-matrix--1", "tactic_refs": tactic_ids}),
    );
    for t in 0..TACTICS {
        objects.push(json!({"type": "x-mitre-tactic", "id": format!("x-mitre-tactic--{t}"),
            "name": format!("Tactic {t}"), "x_mitre_shortname": format!("tactic-{}", "x".repeat(t + 1)),
            "external_references": [{"source_name": "mitre-attack", "external_id": format!("TA{t:04}")}]}));
    }
    for i in 0..TECHNIQUES {
        objects.push(json!({"type": "attack-pattern", "id": ap(i), "name": format!("Technique {i}"),
            "description": description, "x_mitre_version": "1.0", "x_mitre_domains": ["enterprise-attack"],
            "x_mitre_platforms": ["Windows", "Linux", "macOS"],
            "external_references": [{"source_name": "mitre-attack", "external_id": technique_id(i)},
                {"source_name": "example", "url": "https://example.invalid", "description": "a source"}],
            "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": format!("tactic-{}", "x".repeat(i % TACTICS + 1))}]}));
        if i % 4 != 0 {
            objects.push(json!({"type": "relationship", "id": format!("relationship--sub-{i}"),
                "relationship_type": "subtechnique-of", "source_ref": ap(i), "target_ref": ap(i - i % 4)}));
        }
    }
    for r in 0..RELATIONSHIPS {
        objects.push(json!({"type": "relationship", "id": format!("relationship--{r}"), "relationship_type": "uses",
            "source_ref": format!("intrusion-set--{}", r % 150), "target_ref": ap(r % TECHNIQUES),
            "description": "The group used this technique in a campaign (a cited report)."}));
    }
    json!({"type": "bundle", "id": "bundle--1", "objects": objects}).to_string()
}

#[divan::bench]
fn import_enterprise_sized_bundle(bencher: divan::Bencher) {
    let text = bundle();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench(|| import_bundle(divan::black_box(&text)).unwrap());
}

fn rules() -> Vec<(String, Vec<String>)> {
    (0..3000)
        .map(|r| {
            let tags = (0..3)
                .map(|k| {
                    format!(
                        "attack.{}",
                        technique_id((r * 7 + k * 13) % TECHNIQUES).to_lowercase()
                    )
                })
                .collect();
            (format!("rule-{r}"), tags)
        })
        .collect()
}

fn info() -> LayerInfo {
    LayerInfo {
        name: "bench".into(),
        description: "bench".into(),
        attack_version: "18".into(),
    }
}

#[divan::bench]
fn detection_layer_of_3000_rules(bencher: divan::Bencher) {
    let rules = rules();
    bencher.bench(|| build::detection(&info(), divan::black_box(&rules)).to_json());
}

#[divan::bench]
fn read_detection_layer_of_3000_rules(bencher: divan::Bencher) {
    let text = build::detection(&info(), &rules()).to_json();
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert!(
        parsed["techniques"]
            .as_array()
            .is_some_and(|t| t.len() > 100)
    );
    bencher
        .counter(BytesCount::new(text.len()))
        .bench(|| read_layer(divan::black_box(&text)).unwrap());
}
