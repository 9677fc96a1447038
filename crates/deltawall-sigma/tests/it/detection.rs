//! Single-event semantics: values, wildcards, modifiers, conditions, keywords, filters.

use crate::support::{engine, engine_with, event, run};
use deltawall_sigma::{EngineConfig, FieldMapping, LogSource, MappingBlock, RuleSet};
use serde_json::{Value, json};

/// A rule with `detection` as given, evaluated against `event`.
#[track_caller]
fn check(detection: &str, ev: Value, expected: bool) {
    let yaml = format!(
        "title: t\nlogsource: {{product: test}}\ndetection:\n{}",
        indent(detection)
    );
    let mut e = engine(&yaml);
    let mut hits = 0;
    e.process(
        &LogSource::new(None, Some("test"), None),
        &event(ev.clone(), None),
        &mut |_| hits += 1,
    );
    assert_eq!(hits == 1, expected, "detection:\n{detection}\nevent: {ev}");
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

#[test]
fn plain_values_are_case_insensitive_and_exact() {
    check(
        "sel:\n    Image: 'C:\\Windows\\cmd.exe'\ncondition: sel",
        json!({"Image": "c:\\windows\\CMD.EXE"}),
        true,
    );
    check(
        "sel:\n    Image: 'cmd.exe'\ncondition: sel",
        json!({"Image": "c:\\cmd.exe"}),
        false,
    );
    check(
        "sel:\n    EventID: 4625\ncondition: sel",
        json!({"EventID": 4625}),
        true,
    );
    check(
        "sel:\n    EventID: 4625\ncondition: sel",
        json!({"EventID": "4625"}),
        true,
    );
    check(
        "sel:\n    EventID: '4625'\ncondition: sel",
        json!({"EventID": 4625}),
        true,
    );
    check(
        "sel:\n    EventID: [1, 2]\ncondition: sel",
        json!({"EventID": 2}),
        true,
    );
    check(
        "sel:\n    EventID: [1, 2]\ncondition: sel",
        json!({"EventID": 3}),
        false,
    );
    check(
        "sel:\n    Flag: true\ncondition: sel",
        json!({"Flag": true}),
        true,
    );
    check(
        "sel:\n    Name: 'ÄBC'\ncondition: sel",
        json!({"Name": "äbc"}),
        true,
    );
    check(
        "sel:\n    Name: ''\ncondition: sel",
        json!({"Name": ""}),
        true,
    );
    check(
        "sel:\n    Name: ''\ncondition: sel",
        json!({"Name": "x"}),
        false,
    );
}

#[test]
fn wildcards_escapes_and_nested_paths() {
    check(
        "sel:\n    Image: '*\\cmd.exe'\ncondition: sel",
        json!({"Image": "C:\\x\\cmd.exe"}),
        true,
    );
    check(
        "sel:\n    Image: 'c?d'\ncondition: sel",
        json!({"Image": "cmd"}),
        true,
    );
    check(
        "sel:\n    Image: 'a\\*b'\ncondition: sel",
        json!({"Image": "axb"}),
        false,
    );
    check(
        "sel:\n    Image: 'a\\*b'\ncondition: sel",
        json!({"Image": "a*b"}),
        true,
    );
    check(
        "sel:\n    user.name: bob\ncondition: sel",
        json!({"user": {"name": "Bob"}}),
        true,
    );
    check(
        "sel:\n    user.name: bob\ncondition: sel",
        json!({"user.name": "BOB"}),
        true,
    );
    check(
        "sel:\n    tags: b\ncondition: sel",
        json!({"tags": ["a", "b"]}),
        true,
    );
}

#[test]
fn string_modifiers() {
    let cmd = json!({"CommandLine": "powershell -NoProfile -EncodedCommand AAA"});
    check(
        "sel:\n    CommandLine|contains: 'encodedcommand'\ncondition: sel",
        cmd.clone(),
        true,
    );
    check(
        "sel:\n    CommandLine|startswith: 'POWERSHELL'\ncondition: sel",
        cmd.clone(),
        true,
    );
    check(
        "sel:\n    CommandLine|endswith: 'aaa'\ncondition: sel",
        cmd.clone(),
        true,
    );
    check(
        "sel:\n    CommandLine|endswith: 'powershell'\ncondition: sel",
        cmd.clone(),
        false,
    );
    check(
        "sel:\n    CommandLine|contains|all: ['-noprofile', 'encoded']\ncondition: sel",
        cmd.clone(),
        true,
    );
    check(
        "sel:\n    CommandLine|contains|all: ['-noprofile', 'hidden']\ncondition: sel",
        cmd.clone(),
        false,
    );
    check(
        "sel:\n    CommandLine|contains: ['x1', 'x2', 'x3', 'x4', 'noprofile']\ncondition: sel",
        cmd.clone(),
        true,
    );
    check(
        "sel:\n    CommandLine|contains|cased: 'noprofile'\ncondition: sel",
        cmd.clone(),
        false,
    );
    check(
        "sel:\n    CommandLine|contains|cased: 'NoProfile'\ncondition: sel",
        cmd.clone(),
        true,
    );
    check(
        "sel:\n    CommandLine|contains|windash: ' -noprofile'\ncondition: sel",
        json!({"CommandLine": "x /NoProfile"}),
        true,
    );
    check(
        "sel:\n    CommandLine|contains|windash: ' -noprofile'\ncondition: sel",
        json!({"CommandLine": "x \u{2013}noprofile"}),
        true,
    );
    check(
        "sel:\n    CommandLine|contains|windash: ' -noprofile'\ncondition: sel",
        json!({"CommandLine": "x +noprofile"}),
        false,
    );
    check(
        "sel:\n    C|windash|contains: '-a-b-c-d'\ncondition: sel",
        json!({"C": "/a\u{2014}b-c/d"}),
        true,
    );
}

#[test]
fn regex_modifiers() {
    let ev = json!({"CommandLine": "Line1\nIEX (New-Object)"});
    check(
        "sel:\n    CommandLine|re: 'iex \\('\ncondition: sel",
        ev.clone(),
        false,
    );
    check(
        "sel:\n    CommandLine|re|i: 'iex \\('\ncondition: sel",
        ev.clone(),
        true,
    );
    check(
        "sel:\n    CommandLine|re: '^IEX'\ncondition: sel",
        ev.clone(),
        false,
    );
    check(
        "sel:\n    CommandLine|re|m: '^IEX'\ncondition: sel",
        ev.clone(),
        true,
    );
    check(
        "sel:\n    CommandLine|re: 'Line1.IEX'\ncondition: sel",
        ev.clone(),
        false,
    );
    check(
        "sel:\n    CommandLine|re|s: 'Line1.IEX'\ncondition: sel",
        ev.clone(),
        true,
    );
    check(
        "sel:\n    CommandLine|re|all: ['Line', 'Object']\ncondition: sel",
        ev.clone(),
        true,
    );
}

#[test]
fn encoding_modifiers() {
    // "Invoke" encoded in base64 at three different offsets inside a longer text.
    for prefix in ["", "a", "ab"] {
        let b64 = base64_of(&format!("{prefix}Invoke-Mimikatz"));
        check(
            "sel:\n    C|base64offset|contains: 'Invoke'\ncondition: sel",
            json!({"C": b64}),
            true,
        );
    }
    check(
        "sel:\n    C|base64: 'foo'\ncondition: sel",
        json!({"C": "Zm9v"}),
        true,
    );
    check(
        "sel:\n    C|base64|contains: 'foo'\ncondition: sel",
        json!({"C": "xZm9vx"}),
        true,
    );
    let wide = base64_of_bytes(
        &"cmd /c"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<_>>(),
    );
    check(
        "sel:\n    C|wide|base64offset|contains: 'cmd'\ncondition: sel",
        json!({"C": wide}),
        true,
    );
    check(
        "sel:\n    C|utf16le|base64offset|contains: 'cmd'\ncondition: sel",
        json!({"C": wide}),
        true,
    );
    check(
        "sel:\n    C|utf16be|base64offset|contains: 'cmd'\ncondition: sel",
        json!({"C": wide}),
        false,
    );
}

fn base64_of(text: &str) -> String {
    base64_of_bytes(text.as_bytes())
}

fn base64_of_bytes(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn numeric_cidr_exists_null_neq_fieldref() {
    check(
        "sel:\n    amount|gt: 100\ncondition: sel",
        json!({"amount": 100.5}),
        true,
    );
    check(
        "sel:\n    amount|gt: 100\ncondition: sel",
        json!({"amount": "150"}),
        true,
    );
    check(
        "sel:\n    amount|gte: 100\ncondition: sel",
        json!({"amount": 100}),
        true,
    );
    check(
        "sel:\n    amount|lt: 100\ncondition: sel",
        json!({"amount": 100}),
        false,
    );
    check(
        "sel:\n    amount|lte: 100\ncondition: sel",
        json!({"amount": 100}),
        true,
    );
    check(
        "sel:\n    amount|lt: 100\ncondition: sel",
        json!({"amount": "abc"}),
        false,
    );
    check(
        "sel:\n    ip|cidr: 10.0.0.0/8\ncondition: sel",
        json!({"ip": "10.1.2.3"}),
        true,
    );
    check(
        "sel:\n    ip|cidr: 10.0.0.0/8\ncondition: sel",
        json!({"ip": "11.1.2.3"}),
        false,
    );
    check(
        "sel:\n    ip|cidr: '2001:db8::/32'\ncondition: sel",
        json!({"ip": "2001:db8::1"}),
        true,
    );
    check(
        "sel:\n    ip|cidr: ['192.168.0.0/16', '10.0.0.0/8']\ncondition: sel",
        json!({"ip": "192.168.1.1"}),
        true,
    );
    check(
        "sel:\n    x|exists: true\ncondition: sel",
        json!({"x": null}),
        true,
    );
    check(
        "sel:\n    x|exists: true\ncondition: sel",
        json!({"y": 1}),
        false,
    );
    check(
        "sel:\n    x|exists: false\ncondition: sel",
        json!({"y": 1}),
        true,
    );
    check("sel:\n    x: null\ncondition: sel", json!({"y": 1}), true);
    check(
        "sel:\n    x: null\ncondition: sel",
        json!({"x": null}),
        true,
    );
    check(
        "sel:\n    x: null\ncondition: sel",
        json!({"x": "v"}),
        false,
    );
    check(
        "sel:\n    x|neq: a\ncondition: sel",
        json!({"x": "b"}),
        true,
    );
    check(
        "sel:\n    x|neq: a\ncondition: sel",
        json!({"x": "A"}),
        false,
    );
    check(
        "sel:\n    x|neq: a\ncondition: sel",
        json!({"y": "b"}),
        false,
    );
    check(
        "sel:\n    x|neq: [a, b]\ncondition: sel",
        json!({"x": "b"}),
        false,
    );
    check(
        "sel:\n    x|fieldref: y\ncondition: sel",
        json!({"x": "Bob", "y": "bob"}),
        true,
    );
    check(
        "sel:\n    x|fieldref: y\ncondition: sel",
        json!({"x": "bob", "y": "alice"}),
        false,
    );
    check(
        "sel:\n    x|fieldref: y\ncondition: sel",
        json!({"x": "bob"}),
        false,
    );
    check(
        "sel:\n    x|fieldref|endswith: y\ncondition: sel",
        json!({"x": "c:\\a\\b.exe", "y": "b.exe"}),
        true,
    );
    check(
        "sel:\n    x|fieldref|neq: y\ncondition: sel",
        json!({"x": "a", "y": "b"}),
        true,
    );
}

#[test]
fn time_modifiers() {
    let ev = json!({"t": "2025-11-27T07:40:10Z", "c": "2025-11-27 23:05:00.123"});
    check("sel:\n    t|hour: 7\ncondition: sel", ev.clone(), true);
    check("sel:\n    t|minute: 40\ncondition: sel", ev.clone(), true);
    check("sel:\n    t|day: 27\ncondition: sel", ev.clone(), true);
    check("sel:\n    t|month: 11\ncondition: sel", ev.clone(), true);
    check("sel:\n    t|year: 2025\ncondition: sel", ev.clone(), true);
    check("sel:\n    t|week: 48\ncondition: sel", ev.clone(), true);
    check("sel:\n    c|hour|gte: 22\ncondition: sel", ev.clone(), true);
    check("sel:\n    c|hour|lt: 22\ncondition: sel", ev.clone(), false);
}

#[test]
fn keywords() {
    let ev = json!({"msg": "Failed password for root", "nested": {"x": ["Accepted publickey"]}});
    check(
        "keywords:\n    - 'failed password'\ncondition: keywords",
        ev.clone(),
        true,
    );
    check(
        "keywords:\n    - 'nothing'\n    - 'PUBLICKEY'\ncondition: keywords",
        ev.clone(),
        true,
    );
    check(
        "keywords:\n    '|all':\n        - 'failed'\n        - 'accepted'\ncondition: keywords",
        ev.clone(),
        true,
    );
    check(
        "keywords:\n    '|all':\n        - 'failed'\n        - 'nothing'\ncondition: keywords",
        ev.clone(),
        false,
    );
    check("keywords: 'root'\ncondition: keywords", ev.clone(), true);
}

#[test]
fn conditions() {
    let ev = json!({"a": 1, "b": 2, "c": 3});
    let sels = "s_a:\n    a: 1\ns_b:\n    b: 2\nf_c:\n    c: 3\nf_d:\n    d: 4\n_u:\n    z: 9\n";
    let run = |cond: &str, expected: bool| {
        check(&format!("{sels}condition: {cond}"), ev.clone(), expected)
    };
    run("s_a and s_b", true);
    run("s_a and not f_c", false);
    run("s_a and not f_d", true);
    run("1 of s_*", true);
    run("all of s_*", true);
    run("all of f_*", false);
    run("1 of f_*", true);
    run("s_a and not 1 of f_*", false);
    run("not s_a or s_b", true);
    run("not (s_a or s_b)", false);
    run("all of them", false);
    run("1 of them", true);
    run("any of f_*", true);
    run("_u or (s_a and f_d)", false);
    run("2 of s_* ", true);
    run("2 of f_*", false);
    run("3 of s_*", false);
    run("2 of *", true);
    check(
        &format!("{sels}condition:\n    - f_d\n    - s_a"),
        ev.clone(),
        true,
    );
    // A list of maps is an OR of AND-ed maps.
    check(
        "sel:\n    - a: 1\n      b: 3\n    - c: 3\ncondition: sel",
        ev.clone(),
        true,
    );
    check(
        "sel:\n    - a: 1\n      b: 3\n    - c: 4\ncondition: sel",
        ev,
        false,
    );
}

#[test]
fn placeholders_expand_from_config() {
    let yaml = "title: t\nlogsource: {product: test}\ndetection:\n    sel:\n        host|expand: '%Servers%'\n    condition: sel\n";
    let mut rules = RuleSet::new();
    rules.add_yaml(yaml, "p.yml").unwrap();
    let err = deltawall_sigma::Engine::new(&rules, EngineConfig::default())
        .err()
        .unwrap();
    assert!(
        err.errors[0]
            .reason
            .contains("placeholder `%Servers%` has no value"),
        "{err}"
    );
    let mut config = EngineConfig::default();
    config
        .placeholders
        .insert("Servers".into(), vec!["srv-*".into(), "db1".into()]);
    let mut e = deltawall_sigma::Engine::new(&rules, config).unwrap();
    let ls = LogSource::new(None, Some("test"), None);
    let mut hits = 0;
    for host in ["SRV-01", "db1", "ws-1"] {
        e.process(&ls, &event(json!({"host": host}), None), &mut |_| hits += 1);
    }
    assert_eq!(hits, 2);
}

#[test]
fn logsource_routing() {
    let mut e = engine(
        "title: t\nlogsource: {category: process_creation, product: windows}\ndetection:\n    sel: {a: 1}\n    condition: sel\n",
    );
    let ev = event(json!({"a": 1}), None);
    let mut hits = Vec::new();
    for (ls, expected) in [
        (
            LogSource::new(Some("process_creation"), Some("windows"), Some("sysmon")),
            true,
        ),
        (
            LogSource::new(Some("process_creation"), Some("Windows"), None),
            true,
        ),
        (LogSource::new(Some("process_creation"), None, None), false),
        (
            LogSource::new(Some("file_event"), Some("windows"), None),
            false,
        ),
    ] {
        let mut n = 0;
        e.process(&ls, &ev, &mut |_| n += 1);
        hits.push((n == 1) == expected);
    }
    assert_eq!(hits, [true; 4]);
}

#[test]
fn field_mapping_renames_per_logsource() {
    let mapping = FieldMapping::new().with_block(MappingBlock {
        logsource: LogSource::new(None, Some("windows"), None),
        fields: vec![("EventID".into(), vec!["Event.System.EventID".into()])],
        fallback: vec!["Event.EventData.{field}".into()],
    });
    let config = EngineConfig {
        field_mapping: mapping,
        ..EngineConfig::default()
    };
    let mut e = engine_with(
        "title: t\nlogsource: {product: windows}\ndetection:\n    sel: {EventID: 1, Image|endswith: '\\x.exe'}\n    condition: sel\n",
        config,
    );
    let ev = event(
        json!({"Event": {"System": {"EventID": 1}, "EventData": {"Image": "C:\\X.EXE"}}}),
        None,
    );
    let mut n = 0;
    e.process(
        &LogSource::new(None, Some("windows"), None),
        &ev,
        &mut |_| n += 1,
    );
    assert_eq!(n, 1);
    let yaml_mapping = FieldMapping::from_yaml(
        "mappings:\n  - logsource: {product: windows}\n    fields:\n      EventID: Event.System.EventID\n    fallback: ['Event.EventData.{field}']\n",
        "map.yml",
    )
    .unwrap();
    assert_eq!(
        yaml_mapping.resolve(&LogSource::new(None, Some("windows"), None), "Image"),
        ["Event.EventData.Image"]
    );
    assert_eq!(
        yaml_mapping.resolve(&LogSource::new(None, Some("linux"), None), "Image"),
        ["Image"]
    );
}

#[test]
fn filters_suppress_referenced_rules() {
    let yaml = r#"
title: Rar
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource: {category: process_creation, product: windows}
detection:
    sel:
        Image|endswith: '\rar.exe'
    condition: sel
---
title: Filter Administrator account
logsource: {category: process_creation, product: windows}
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095
    selection:
        User|startswith: 'adm_'
    condition: selection
"#;
    let mut e = engine(yaml);
    let events = [
        event(json!({"Image": "c:\\rar.exe", "User": "adm_bob"}), None),
        event(json!({"Image": "c:\\rar.exe", "User": "bob"}), None),
    ];
    let alerts = run(
        &mut e,
        &LogSource::new(Some("process_creation"), Some("windows"), None),
        &events,
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].event.as_ref().unwrap()["User"], "bob");
}

#[test]
fn filter_and_reference_errors_are_reported() {
    let mut rules = RuleSet::new();
    rules
        .add_yaml(
            "title: a\nid: same\nlogsource: {product: test}\ndetection: {sel: {a: 1}, condition: sel}\n---\ntitle: b\nid: same\nlogsource: {product: test}\ndetection: {sel: {a: 2}, condition: sel}\n---\ntitle: f\nlogsource: {product: test}\nfilter:\n    rules: [same, nowhere]\n    sel: {b: 1}\n    condition: sel\n",
            "refs.yml",
        )
        .unwrap();
    let (mut engine, errors) =
        deltawall_sigma::Engine::new_partial(&rules, EngineConfig::default());
    let reasons: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.construct, e.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            "filter.rules: `same` is the id or name of several documents",
            "filter.rules: no rule or correlation has id or name `nowhere`",
        ]
    );
    // Both detection rules still run (unfiltered, and the errors say why).
    let alerts = run(
        &mut engine,
        &LogSource::new(None, Some("test"), None),
        &[event(json!({"a": 1, "b": 1}), None)],
    );
    assert_eq!(alerts.len(), 1);
}
