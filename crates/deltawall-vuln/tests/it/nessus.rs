use deltawall_vuln::{ErrorKind, Finding, ImportError, Limits, Severity, import_nessus};

fn import(input: &str) -> Result<Vec<Finding>, ImportError> {
    let mut out = Vec::new();
    import_nessus(input.as_bytes(), &Limits::default(), |f| out.push(f))?;
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
fn doctype_and_entities_are_refused_at_their_line_and_column() {
    let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<NessusClientData_v2>&lol2;</NessusClientData_v2>";
    let err = import(bomb).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Doctype);
    assert!(err.to_string().starts_with("line 2, column 1: "), "{err}");
    let external =
        r#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><NessusClientData_v2/>"#;
    assert_eq!(import(external).unwrap_err().kind, ErrorKind::Doctype);
}

#[test]
fn malformed_input_is_refused_with_its_line_and_column() {
    let cases = [
        (
            "<NessusClientData_v2>\n<Report>\n</NessusClientData_v2>",
            "line 3, column 1: malformed xml",
        ),
        (
            "<html/>",
            "line 1, column 1: not a nessus v2 file (root element html)",
        ),
        (
            "",
            "line 1, column 1: not a nessus v2 file (no root element)",
        ),
        (
            "<NessusClientData_v2>\n  <ReportHost name=\"h\">\n    <ReportItem port=\"1\"/></ReportHost></NessusClientData_v2>",
            "line 3, column 5: ReportItem without pluginID",
        ),
        (
            "<NessusClientData_v2><ReportHost name=\"h\"><ReportItem port=\"1\" pluginID=\"2\" severity=\"9\"/></ReportHost></NessusClientData_v2>",
            "line 1, column 43: unknown severity \"9\"",
        ),
        (
            "<NessusClientData_v2>\n<ReportHost name=\"h\">",
            "line 2, column 22: malformed xml: the file ends before its elements are closed",
        ),
    ];
    for (input, expected) in cases {
        let err = import(input).expect_err(input).to_string();
        assert!(err.starts_with(expected), "{input}: {err}");
    }
}
