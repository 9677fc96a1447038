use deltawall_vuln::{Finding, NessusError, Severity, import_nessus};

fn import(input: &str) -> Result<Vec<Finding>, NessusError> {
    let mut out = Vec::new();
    import_nessus(input.as_bytes(), |f| out.push(f))?;
    Ok(out)
}

#[test]
fn fixture_yields_one_finding_per_report_item() {
    let findings = import(include_str!("../fixtures/two-hosts.nessus")).unwrap();
    let summary: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.key.rule.as_str(),
                f.key.location.as_str(),
                f.severity,
                f.cves.clone(),
                f.cvss,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "900001",
                "192.0.2.10:tcp/443",
                Severity::Medium,
                vec![],
                Some(6.5)
            ),
            (
                "900002",
                "192.0.2.10:tcp/22",
                Severity::Critical,
                vec!["CVE-2099-0001".into(), "CVE-2099-0002".into()],
                Some(9.8)
            ),
            ("900003", "192.0.2.11:tcp/0", Severity::Info, vec![], None),
        ]
    );
    assert_eq!(findings[2].title, "OS identification & fingerprint");
}

#[test]
fn reworded_title_keeps_the_identity_key() {
    let original = import(include_str!("../fixtures/two-hosts.nessus")).unwrap();
    let reworded = include_str!("../fixtures/two-hosts.nessus")
        .replace("TLS version 1.0 protocol enabled", "TLS 1.0 still offered");
    let again = import(&reworded).unwrap();
    assert_eq!(original[0].key, again[0].key);
    assert_ne!(original[0].title, again[0].title);
}

#[test]
fn doctype_and_entities_are_refused() {
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><NessusClientData_v2>&lol2;</NessusClientData_v2>"#;
    assert!(matches!(
        import(bomb),
        Err(NessusError::Doctype { offset: 21 })
    ));
    let external =
        r#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><NessusClientData_v2/>"#;
    assert!(matches!(
        import(external),
        Err(NessusError::Doctype { offset: 0 })
    ));
}

#[test]
fn malformed_input_is_refused_with_its_position() {
    let cases = [
        (
            "<NessusClientData_v2><Report></NessusClientData_v2>",
            "malformed xml",
        ),
        ("<html/>", "not a nessus v2 file"),
        ("", "not a nessus v2 file"),
        (
            r#"<NessusClientData_v2><ReportHost name="h"><ReportItem port="1"/></ReportHost></NessusClientData_v2>"#,
            "ReportItem without pluginID",
        ),
    ];
    for (input, expected) in cases {
        let err = import(input).expect_err(input).to_string();
        assert!(
            err.starts_with("byte ") && err.contains(expected),
            "{input}: {err}"
        );
    }
}
