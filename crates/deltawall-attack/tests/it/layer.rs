use deltawall_attack::layer::build::{self, LayerInfo, Outcome, Step};
use deltawall_attack::{Layer, LayerError, TechniqueId, read_layer};
use serde_json::{Value, json};

fn id(s: &str) -> TechniqueId {
    TechniqueId::parse(s).expect("valid id")
}

fn info(name: &str) -> LayerInfo {
    LayerInfo {
        name: name.to_owned(),
        description: format!("{name} (test)"),
        attack_version: "18".to_owned(),
    }
}

/// Every layer the builders make, from small inputs.
pub fn sample_layers() -> Vec<(&'static str, Layer)> {
    let rules = vec![
        (
            "r1".to_owned(),
            vec![
                "attack.credential_access".to_owned(),
                "attack.t1110.003".to_owned(),
            ],
        ),
        (
            "r2".to_owned(),
            vec!["attack.t1110.003".to_owned(), "attack.t1078".to_owned()],
        ),
        (
            "r3".to_owned(),
            vec!["attack.g0032".to_owned(), "cve.2021-44228".to_owned()],
        ),
    ];
    let step = |label: &str, t: &str, tactic: Option<&str>, outcome| Step {
        label: label.to_owned(),
        technique: id(t),
        tactic: tactic.map(str::to_owned),
        outcome,
    };
    let steps = vec![
        step(
            "S1.1 phishing foothold",
            "T1078",
            Some("initial-access"),
            Outcome::Alerted,
        ),
        step(
            "S1.2 spray the VPN",
            "T1110.003",
            None,
            Outcome::PreventedAndAlerted,
        ),
        step("S1.3 spray again", "T1110.003", None, Outcome::Undetected),
        step("S1.4 wire out", "T1657", Some("impact"), Outcome::NotRun),
    ];
    let incidents = vec![
        ("INC-1".to_owned(), id("T1078")),
        ("INC-2".to_owned(), id("T1078")),
    ];
    let contributions = vec![
        ("bank-a".to_owned(), id("T1078")),
        ("bank-b".to_owned(), id("T1078")),
        ("bank-b".to_owned(), id("T1078")),
        ("bank-c".to_owned(), id("T1110.003")),
        ("bank-a".to_owned(), id("T1110.003")),
        ("bank-d".to_owned(), id("T1078")),
    ];
    vec![
        ("detection", build::detection(&info("detection"), &rules)),
        ("engagement", build::engagement(&info("engagement"), &steps)),
        (
            "incidents",
            build::incidents(&info("incidents"), &incidents),
        ),
        ("sector", build::sector(&info("sector"), &contributions, 3)),
    ]
}

#[test]
fn built_layers_read_back_unchanged() {
    for (name, layer) in sample_layers() {
        let text = layer.to_json();
        assert_eq!(read_layer(&text).expect(name), layer, "{name}");
        insta::assert_snapshot!(format!("layer-{name}"), text);
    }
}

#[test]
fn the_engagement_layer_shows_the_worst_outcome_of_a_technique() {
    let layers = sample_layers();
    let layer = &layers[1].1;
    let spray = layer
        .techniques
        .iter()
        .find(|t| t.technique_id == id("T1110.003"))
        .expect("cell");
    assert_eq!(spray.score, Some(0));
    assert_eq!(spray.color.as_deref(), Some(Outcome::Undetected.color()));
    let theft = layer
        .techniques
        .iter()
        .find(|t| t.technique_id == id("T1657"))
        .expect("cell");
    assert_eq!(
        (theft.score, theft.tactic.as_deref()),
        (None, Some("impact"))
    );
    assert_eq!(layer.legend_items.len(), 5);
}

#[test]
fn the_sector_layer_shows_only_techniques_k_institutions_share() {
    let layers = sample_layers();
    let sector = &layers[3].1;
    let ids: Vec<&str> = sector
        .techniques
        .iter()
        .map(|t| t.technique_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["T1078"],
        "T1110.003 has two institutions, below k = 3"
    );
    assert_eq!(sector.techniques[0].score, Some(3), "bank-b counts once");
    assert!(
        !sector.to_json().contains("bank-"),
        "no institution is named"
    );
}

proptest::proptest! {
    /// No technique of a k-anonymous layer has fewer than k contributors, and none with k
    /// or more is left out.
    #[test]
    fn sector_layers_are_k_anonymous(
        pairs in proptest::collection::vec((0u8..6, 0u8..4), 0..40),
        k in 0usize..5,
    ) {
        let contributions: Vec<(String, TechniqueId)> = pairs
            .iter()
            .map(|(org, t)| (format!("org-{org}"), id(&format!("T100{t}"))))
            .collect();
        let layer = build::sector(&info("sector"), &contributions, k);
        let k = k.max(2);
        for t in 0u8..4 {
            let tid = id(&format!("T100{t}"));
            let orgs: std::collections::BTreeSet<_> =
                contributions.iter().filter(|(_, x)| *x == tid).map(|(o, _)| o).collect();
            let cell = layer.techniques.iter().find(|c| c.technique_id == tid);
            proptest::prop_assert_eq!(cell.is_some(), orgs.len() >= k);
            if let Some(c) = cell {
                proptest::prop_assert_eq!(c.score, Some(orgs.len() as i64));
            }
        }
    }
}

/// Reads the detection sample after `edit`, expecting a refusal at `pointer`.
fn check(edit: impl FnOnce(&mut Value), pointer: &str) {
    let mut doc: Value = serde_json::from_str(&sample_layers()[1].1.to_json()).expect("json");
    edit(&mut doc);
    match read_layer(&doc.to_string()) {
        Err(LayerError::Invalid {
            pointer: p,
            message,
        }) => assert_eq!(p, pointer, "{message}"),
        other => panic!("expected a refusal at {pointer}, got {other:?}"),
    }
}

#[test]
fn malformed_layers_are_refused_with_a_json_pointer() {
    check(|d| d["name"] = json!(null), "/name");
    check(|d| d["versions"]["layer"] = json!("3.0"), "/versions/layer");
    check(
        |d| d["techniques"][1]["techniqueID"] = json!("T11"),
        "/techniques/1/techniqueID",
    );
    check(
        |d| d["techniques"][2]["score"] = json!("high"),
        "/techniques/2/score",
    );
    check(
        |d| d["techniques"][0]["color"] = json!("red"),
        "/techniques/0/color",
    );
    check(
        |d| d["techniques"][0]["tactic"] = json!("Initial Access"),
        "/techniques/0/tactic",
    );
    check(
        |d| d["gradient"]["colors"] = json!(["#ffffff"]),
        "/gradient/colors",
    );
    check(
        |d| d["gradient"]["maxValue"] = json!(-1),
        "/gradient/maxValue",
    );
    check(
        |d| d["legendItems"][4]["color"] = json!("#12345"),
        "/legendItems/4/color",
    );
    check(|d| d["techniques"] = json!({}), "/techniques");
    assert!(matches!(read_layer("[1,"), Err(LayerError::Syntax { .. })));
}

#[test]
fn sigma_tags_name_techniques_only() {
    let check = |tag: &str, expected: Option<&str>| {
        assert_eq!(
            TechniqueId::from_sigma_tag(tag)
                .as_ref()
                .map(TechniqueId::as_str),
            expected,
            "{tag}"
        );
    };
    check("attack.t1110.001", Some("T1110.001"));
    check("attack.t1657", Some("T1657"));
    check("attack.credential_access", None);
    check("attack.t1110.1", None);
    check("attack.s0154", None);
    check("car.2013-05-004", None);
}

#[test]
fn a_layer_the_navigator_exported_reads_with_its_view_settings_left_aside() {
    // the shape of a Navigator 5 export, written by hand: view settings this crate does not model
    let text = r##"{
        "name": "exported", "versions": {"attack": "18", "navigator": "5.1.0", "layer": "4.5"},
        "domain": "enterprise-attack", "description": "",
        "filters": {"platforms": ["Windows", "Linux"]}, "sorting": 0,
        "layout": {"layout": "side", "aggregateFunction": "average", "showID": false,
                   "showName": true, "showAggregateScores": false, "countUnscored": false,
                   "expandedSubtechniques": "none"},
        "hideDisabled": false,
        "techniques": [{"techniqueID": "T1110", "tactic": "credential-access", "score": 2,
                        "color": "", "comment": "", "enabled": true, "metadata": [],
                        "links": [], "showSubtechniques": true}],
        "gradient": {"colors": ["#ff6666ff", "#ffe766ff", "#8ec843ff"], "minValue": 0, "maxValue": 100},
        "legendItems": [], "metadata": [], "links": [], "showTacticRowBackground": false,
        "tacticRowBackground": "#dddddd", "selectTechniquesAcrossTactics": true,
        "selectSubtechniquesWithParent": false, "selectVisibleTechniques": false
    }"##;
    let layer = read_layer(text).expect("a Navigator export reads");
    assert_eq!(layer.techniques[0].technique_id, id("T1110"));
    assert_eq!(layer.techniques[0].score, Some(2));
    assert_eq!(layer.gradient.as_ref().map(|g| g.colors.len()), Some(3));
    // written back, it is still a layer (view settings left to the Navigator's defaults)
    assert_eq!(read_layer(&layer.to_json()).expect("reads back"), layer);
}
