use deltawall_vuln::{Format, detect_format};

fn check(input: &str, expected: Option<Format>) {
    assert_eq!(detect_format(input.as_bytes()), expected, "input: {input}");
}

#[test]
fn detects_each_format_from_its_head() {
    check(
        r#"<?xml version="1.0"?><NessusClientData_v2><Report name="x">"#,
        Some(Format::Nessus),
    );
    check(
        r#"<?xml version="1.0"?><OWASPZAPReport version="2.14" generated="x">"#,
        Some(Format::ZapXml),
    );
    check(
        r#"<report id="r1" format_id="a994b278"><report id="r1"><omp>"#,
        Some(Format::OpenVas),
    );
    check(
        r#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": []}"#,
        Some(Format::Sarif),
    );
    check(
        r#"{"SchemaVersion": 2, "ArtifactName": "app:1", "Results": []}"#,
        Some(Format::Trivy),
    );
    check(
        r#"{"@programName": "ZAP", "@version": "2.14", "site": []}"#,
        Some(Format::ZapJson),
    );
    check(
        r#"[{"class_uid": 2004, "finding_info": {"uid": "x"}}]"#,
        Some(Format::ProwlerOcsf),
    );
}

#[test]
fn minified_and_pretty_json_are_detected_alike() {
    check(r#"{"version":"2.1.0","runs":[]}"#, Some(Format::Sarif));
    check(
        "{\n  \"version\" :\t\"2.1.0\",\n  \"runs\": []\n}",
        Some(Format::Sarif),
    );
    check(
        r#"[{"class_uid":2004,"finding_info":{}}]"#,
        Some(Format::ProwlerOcsf),
    );
}

#[test]
fn unknown_or_empty_input_is_not_guessed() {
    check("", None);
    check("name,score\n", None);
    check("<html><body>", None);
    check(r#"{"hello": "world"}"#, None);
}

#[test]
fn a_byte_order_mark_and_leading_space_are_skipped() {
    check("\u{feff}  \n<NessusClientData_v2>", Some(Format::Nessus));
}
