//! Golden-file tests: each of our fixtures, in each format, imports to the findings in its
//! snapshot, and detection finds the same format.

use deltawall_vuln::{Finding, Format, ImportSummary, Limits, detect_format, import};

fn run(bytes: &[u8], format: Option<Format>) -> (ImportSummary, Vec<Finding>) {
    let mut out = Vec::new();
    let summary = import(bytes, format, &Limits::default(), |f| out.push(f))
        .unwrap_or_else(|e| panic!("{format:?}: {e}"));
    assert_eq!(summary.findings, out.len());
    (summary, out)
}

fn check(name: &str, bytes: &[u8], format: Format) {
    assert_eq!(detect_format(bytes), Some(format), "{name}");
    let (summary, findings) = run(bytes, Some(format));
    let (detected, again) = run(bytes, None);
    assert_eq!((summary.clone(), &findings), (detected, &again), "{name}");
    insta::assert_yaml_snapshot!(name, (summary.sources, findings));
}

#[test]
fn nessus() {
    check(
        "nessus",
        include_bytes!("../fixtures/two-hosts.nessus"),
        Format::Nessus,
    );
}

#[test]
fn openvas() {
    check(
        "openvas",
        include_bytes!("../fixtures/openvas-report.xml"),
        Format::OpenVas,
    );
}

#[test]
fn sarif() {
    check(
        "sarif",
        include_bytes!("../fixtures/semgrep.sarif"),
        Format::Sarif,
    );
}

#[test]
fn trivy() {
    check(
        "trivy",
        include_bytes!("../fixtures/trivy-image.json"),
        Format::Trivy,
    );
}

#[test]
fn zap_xml() {
    check(
        "zap_xml",
        include_bytes!("../fixtures/zap-report.xml"),
        Format::ZapXml,
    );
}

#[test]
fn zap_json() {
    check(
        "zap_json",
        include_bytes!("../fixtures/zap-report.json"),
        Format::ZapJson,
    );
}

#[test]
fn prowler() {
    check(
        "prowler",
        include_bytes!("../fixtures/prowler-ocsf.json"),
        Format::ProwlerOcsf,
    );
}

#[test]
fn zap_xml_and_json_of_one_scan_give_the_same_findings() {
    let (_, xml) = run(include_bytes!("../fixtures/zap-report.xml"), None);
    let (_, json) = run(include_bytes!("../fixtures/zap-report.json"), None);
    assert_eq!(xml, json);
}

/// Rewording the scanners' free text (titles, messages, descriptions) leaves every identity
/// key as it was.
#[test]
fn reworded_reports_keep_their_identity_keys() {
    let cases: [(&str, &[(&str, &str)]); 5] = [
        (
            include_str!("../fixtures/openvas-report.xml"),
            &[
                ("Deprecated TLSv1.0", "Old TLS"),
                ("Vulnerability</name>", "Flaw</name>"),
            ],
        ),
        (
            include_str!("../fixtures/semgrep.sarif"),
            &[
                ("Query built from user input at line 42", "SQL injection"),
                ("SQL built with", "Query from"),
            ],
        ),
        (
            include_str!("../fixtures/trivy-image.json"),
            &[
                ("example buffer overflow", "heap overflow"),
                ("No HEALTHCHECK", "Missing HEALTHCHECK"),
            ],
        ),
        (
            include_str!("../fixtures/zap-report.json"),
            &[(
                "Missing Anti-clickjacking Header",
                "Clickjacking protection absent",
            )],
        ),
        (
            include_str!("../fixtures/prowler-ocsf.json"),
            &[("Ensure MFA is enabled", "Enable MFA")],
        ),
    ];
    for (original, edits) in cases {
        let reworded = edits.iter().fold(original.to_owned(), |text, (from, to)| {
            assert!(text.contains(from), "{from}");
            text.replace(from, to)
        });
        let keys = |text: &str| -> Vec<_> {
            run(text.as_bytes(), None)
                .1
                .into_iter()
                .map(|f| f.key)
                .collect()
        };
        let titles = |text: &str| -> Vec<_> {
            run(text.as_bytes(), None)
                .1
                .into_iter()
                .map(|f| f.title)
                .collect()
        };
        assert_eq!(keys(original), keys(&reworded));
        assert_ne!(titles(original), titles(&reworded));
    }
}

/// A writer that sorts keys puts a SARIF run's `results` before its `tool`, and a Trivy
/// result's `Vulnerabilities` may precede its `Target`; both must import as usual.
#[test]
fn context_after_its_items_is_still_applied() {
    let sarif = r#"{"runs":[{"results":[{"ruleId":"r1","locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.c"},"region":{"startLine":3}}}]}],"tool":{"driver":{"name":"Tool"}}}],"version":"2.1.0"}"#;
    let (summary, findings) = run(sarif.as_bytes(), Some(Format::Sarif));
    assert_eq!(
        summary.sources.into_iter().collect::<Vec<_>>(),
        ["sarif:tool"]
    );
    assert_eq!(findings[0].key.location, "a.c:3");
    let trivy = r#"{"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-2099-1111","PkgName":"p","Severity":"LOW"}],"Target":"t"}],"SchemaVersion":2}"#;
    let (_, findings) = run(trivy.as_bytes(), Some(Format::Trivy));
    assert_eq!(findings[0].key.location, "t|p");
    assert_eq!(findings[0].cves, ["CVE-2099-1111"]);
}
