//! Bad input is refused with its location (line and column, or a JSON pointer), never a panic.

use deltawall_vuln::{ErrorKind, Format, ImportError, Limits, import};

fn refuse(input: &str, format: Option<Format>, limits: &Limits) -> ImportError {
    import(input.as_bytes(), format, limits, |_| {}).expect_err(input)
}

fn check(format: Format, input: &str, expected: &str) {
    let err = refuse(input, Some(format), &Limits::default());
    assert_eq!(err.to_string(), expected, "{format:?}: {input}");
}

#[test]
fn json_errors_name_line_and_column_or_a_pointer() {
    let cases = [
        (
            Format::Sarif,
            "{\"version\": \"2.1.0\",\n  \"runs\": [}",
            "line 2, column 12: malformed json: expected value",
        ),
        (
            Format::Sarif,
            "{\"version\": \"2.1.0\"} x",
            "line 1, column 22: malformed json: trailing characters",
        ),
        (
            Format::Sarif,
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": [{"ruleId": "a"}, {"message": {"text": "no rule"}}]}]}"#,
            "at /runs/0/results/1: result without ruleId",
        ),
        (
            Format::Sarif,
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": [{"ruleId": "a", "level": "fatal"}]}]}"#,
            "at /runs/0/results/0: unknown level \"fatal\"",
        ),
        (
            Format::Sarif,
            r#"{"version": "2.0.0", "runs": []}"#,
            "at /version: sarif version 2.0.0 is not supported (only 2.1.0)",
        ),
        (
            Format::Sarif,
            r#"{"version": "2.1.0", "runs": 3}"#,
            "at /runs: expected an object or an array, found a number",
        ),
        (
            Format::Sarif,
            r#"{"version": "2.1.0", "runs": [{"results": []}]}"#,
            "at /runs/0: run without tool",
        ),
        (
            Format::Trivy,
            r#"{"SchemaVersion": 2, "Results": [{"Target": "t", "Vulnerabilities": [{"VulnerabilityID": "CVE-2099-0001"}]}]}"#,
            "at /Results/0/Vulnerabilities/0: item without PkgName",
        ),
        (
            Format::Trivy,
            r#"{"SchemaVersion": 1, "Results": []}"#,
            "at /SchemaVersion: trivy schema version 1 is not supported (only 2)",
        ),
        (
            Format::Trivy,
            r#"{"Results": []}"#,
            "at the document root: not a trivy report (no SchemaVersion)",
        ),
        (
            Format::ZapJson,
            r#"{"@programName": "ZAP", "site": [{"@name": "s", "alerts": [{"pluginid": "1", "riskcode": "7"}]}]}"#,
            "at /site/0/alerts/0: unknown riskcode \"7\"",
        ),
        (
            Format::ProwlerOcsf,
            r#"{"class_uid": 2004}"#,
            "at /class_uid: not a prowler ocsf report (expected an array of findings)",
        ),
        (
            Format::ProwlerOcsf,
            r#"[{"class_uid": 2004, "status_code": "FAIL", "severity_id": 3}]"#,
            "at /0: finding without metadata.event_code",
        ),
        (
            Format::ProwlerOcsf,
            r#"[{"class_uid": 3001}]"#,
            "at /0: not an ocsf detection finding (class_uid is not 2004)",
        ),
    ];
    for (format, input, expected) in cases {
        check(format, input, expected);
    }
}

#[test]
fn xml_errors_name_line_and_column() {
    let cases = [
        (
            Format::OpenVas,
            "<report>\n<results>\n  <result><host>h</host></result>\n</results></report>",
            "line 3, column 3: result without an nvt oid",
        ),
        (
            Format::OpenVas,
            "<report><results><result><nvt oid=\"1\"/><host>h</host><threat>Severe</threat></result></results></report>",
            "line 1, column 18: unknown threat \"Severe\"",
        ),
        (
            Format::ZapXml,
            "<OWASPZAPReport>\n<site name=\"s\"><alerts>\n<alertitem><pluginid>1</pluginid></alertitem>",
            "line 3, column 1: alert without riskcode",
        ),
        (
            Format::ZapXml,
            "<OWASPZAPReport><site name=\"s\">&unknown;</site></OWASPZAPReport>",
            "line 1, column 32: malformed xml: Error while escaping character at range 1..8: Unrecognized escape symbol: \"unknown\"",
        ),
        (
            Format::ZapXml,
            "<OWASPZAPReport>\n<site name=\"s\" name=\"t\"></site></OWASPZAPReport>",
            "line 2, column 1: malformed xml: position 14: duplicated attribute, previous declaration at position 5",
        ),
        (
            Format::Nessus,
            "<report/>",
            "line 1, column 1: not a nessus v2 file (root element report)",
        ),
    ];
    for (format, input, expected) in cases {
        check(format, input, expected);
    }
}

#[test]
fn every_xml_format_refuses_a_doctype() {
    let bodies = [
        (Format::Nessus, "<NessusClientData_v2/>"),
        (Format::OpenVas, "<report/>"),
        (Format::ZapXml, "<OWASPZAPReport/>"),
    ];
    let doctypes = [
        "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>",
        "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
        "<!DOCTYPE r SYSTEM \"http://example.test/r.dtd\">",
    ];
    for (format, body) in bodies {
        for doctype in doctypes {
            let input = format!("<?xml version=\"1.0\"?>\n{doctype}\n{body}");
            let err = refuse(&input, Some(format), &Limits::default());
            assert_eq!(err.kind, ErrorKind::Doctype, "{format:?}: {err}");
            assert!(err.to_string().starts_with("line 2, column 1: "), "{err}");
        }
    }
}

#[test]
fn input_past_the_size_limit_is_refused() {
    let limits = Limits { max_bytes: 200 };
    let fixtures = [
        include_str!("../fixtures/two-hosts.nessus"),
        include_str!("../fixtures/openvas-report.xml"),
        include_str!("../fixtures/semgrep.sarif"),
        include_str!("../fixtures/trivy-image.json"),
        include_str!("../fixtures/zap-report.xml"),
        include_str!("../fixtures/zap-report.json"),
        include_str!("../fixtures/prowler-ocsf.json"),
    ];
    for input in fixtures {
        let err = refuse(input, None, &limits);
        assert_eq!(err.kind, ErrorKind::TooLarge, "{err}");
        assert_eq!(err.to_string(), "input: larger than the limit of 200 bytes");
    }
}

#[test]
fn unknown_formats_are_not_guessed() {
    let err = refuse("name,score\nx,1\n", None, &Limits::default());
    assert_eq!(err.to_string(), "input: format not recognised; name it");
}

#[test]
fn a_record_inside_a_line_far_into_the_file_is_located() {
    // many lines before the fault: the line count survives the reader forgetting old lines
    let mut input = String::from("<NessusClientData_v2>\n<ReportHost name=\"h\">\n");
    for i in 0..5000 {
        input.push_str(&format!(
            "<ReportItem port=\"1\" pluginID=\"{i}\">\n<cve>CVE-2099-{i:04}</cve>\n</ReportItem>\n"
        ));
    }
    input.push_str("  <ReportItem pluginID=\"x\"/>\n</ReportHost></NessusClientData_v2>");
    let err = refuse(&input, Some(Format::Nessus), &Limits::default());
    assert_eq!(
        err.to_string(),
        "line 15003, column 3: ReportItem without port"
    );
}

#[test]
fn input_of_exactly_the_limit_is_accepted() {
    let input = include_str!("../fixtures/semgrep.sarif");
    let exact = Limits {
        max_bytes: input.len() as u64,
    };
    assert!(import(input.as_bytes(), None, &exact, |_| {}).is_ok());
    let one_less = Limits {
        max_bytes: input.len() as u64 - 1,
    };
    assert_eq!(refuse(input, None, &one_less).kind, ErrorKind::TooLarge);
}
