use super::*;

#[test]
fn the_builtin_regimes_load() {
    let regimes = Regimes::builtin().unwrap();
    let codes: Vec<&str> = regimes.all().iter().map(|r| r.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "fsa_incident_report",
            "jp_common_form",
            "eu_dora",
            "eu_nis2"
        ]
    );
    for r in regimes.all() {
        let stages: Vec<Stage> = r.stages.iter().map(|s| s.stage).collect();
        assert_eq!(stages, Stage::ALL, "{}", r.code);
    }
    let covering: Vec<&str> = regimes
        .covering(Category::Ransomware)
        .map(|r| r.code.as_str())
        .collect();
    assert_eq!(covering.len(), 4);
    assert_eq!(regimes.covering(Category::PhishingSite).count(), 3);
    let dora = regimes.get("eu_dora").unwrap();
    assert_eq!(dora.requires, Some(Milestone::ClassifiedMajor));
    assert_eq!(
        dora.stage(Stage::First).unwrap().due,
        vec![
            DueTerm {
                from: Trigger::Milestone(Milestone::ClassifiedMajor),
                within: Within::Hours(4)
            },
            DueTerm {
                from: Trigger::Milestone(Milestone::Recognised),
                within: Within::Hours(24)
            },
        ]
    );
    assert_eq!(
        dora.stage(Stage::Final).unwrap().due,
        vec![DueTerm {
            from: Trigger::Submitted(Stage::Interim),
            within: Within::Months(1)
        }]
    );
}

const MINIMAL: &str = r#"
regimes:
  - code: r
    name: {ja: 名, en: Name}
    authority: {ja: 当局, en: Authority}
    summary: {ja: 概要, en: Summary}
    source: own words
    applies_to: all
    items:
      - {code: summary, ja: 概要, en: Summary}
    stages:
      - stage: first
        label: {ja: 第一報, en: First}
        due:
          - {from: recognised, hours: 24}
        required: [summary]
"#;

#[track_caller]
fn check_broken(from: &str, to: &str, expected: &str) {
    assert!(MINIMAL.contains(from), "{from}");
    let err = Regimes::from_yaml(&MINIMAL.replacen(from, to, 1)).unwrap_err();
    assert!(
        err.to_string().starts_with(expected),
        "{err} should start with {expected:?}"
    );
}

#[test]
fn broken_regimes_are_refused_naming_the_place() {
    assert!(Regimes::from_yaml(MINIMAL).is_ok());
    check_broken("code: r", "code: R-1", "regimes[0].code: lower-case");
    check_broken(
        "applies_to: all",
        "applies_to: [ddos, dos]",
        "regimes[0].applies_to: category: unknown code \"dos\"",
    );
    check_broken(
        "applies_to: all",
        "applies_to: most",
        "regimes[0].applies_to: \"most\"",
    );
    check_broken(
        "name: {ja: 名, en: Name}",
        "name: {ja: 名}",
        "regimes[0].name: needs Japanese and English",
    );
    check_broken(
        "stage: first",
        "stage: second",
        "regimes[0].stages[0].stage: stage: unknown code",
    );
    check_broken(
        "from: recognised",
        "from: noticed",
        "regimes[0].stages[0].due[0].from: milestone: unknown code",
    );
    check_broken(
        "from: recognised",
        "from: first_submitted",
        "regimes[0].stages[0].due[0].from: first_submitted is not an earlier stage",
    );
    check_broken(
        "hours: 24",
        "hours: 24, months: 1",
        "regimes[0].stages[0].due[0]: give exactly one",
    );
    check_broken(
        "required: [summary]",
        "required: [summary, cause]",
        "regimes[0].stages[0].required[1]: \"cause\"",
    );
    check_broken(
        "        due:\n          - {from: recognised, hours: 24}\n",
        "        due: []\n",
        "regimes[0].stages[0].due: needs at least one",
    );
    check_broken(
        "source: own words",
        "source: own words\n    colour: red",
        "regimes: ",
    );
    let twice = MINIMAL.to_owned() + &MINIMAL.replace("regimes:\n", "");
    assert_eq!(
        Regimes::from_yaml(&twice).unwrap_err().to_string(),
        "regimes[1].code: \"r\" is used twice"
    );
}
