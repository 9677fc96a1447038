use deltawall_vuln::{Enrichment, Limits};
use jiff::civil::date;

const KEV: &[u8] = include_bytes!("../fixtures/kev-catalog.json");
const EPSS: &[u8] = include_bytes!("../fixtures/epss-scores.csv");

fn loaded() -> Enrichment {
    let mut e = Enrichment::default();
    assert_eq!(e.load_kev(KEV, &Limits::default()).unwrap(), 2);
    assert_eq!(e.load_epss(EPSS, &Limits::default(), None).unwrap(), 3);
    e
}

#[test]
fn kev_entries_keep_due_date_action_ransomware_use_and_the_catalog_date() {
    let e = loaded();
    assert_eq!(e.kev_version(), Some("2026.11.30"));
    let entry = e.kev("cve-2099-0001").unwrap();
    assert_eq!(entry.as_of, date(2026, 11, 30));
    assert_eq!(entry.value.due_date, date(2026, 11, 22));
    assert_eq!(entry.value.date_added, date(2026, 11, 1));
    assert!(entry.value.known_ransomware_use);
    assert!(entry.value.required_action.starts_with("Apply mitigations"));
    assert!(!e.kev("CVE-2099-0003").unwrap().value.known_ransomware_use);
    assert!(e.kev("CVE-2099-0004").is_none());
}

#[test]
fn epss_scores_keep_percentile_and_the_score_date() {
    let e = loaded();
    let s = e.epss("CVE-2099-0004").unwrap();
    assert_eq!((s.value.score, s.value.percentile), (0.512, 0.977));
    assert_eq!(s.as_of, date(2026, 11, 29));
}

#[test]
fn a_file_without_score_date_needs_one_given() {
    let body = "cve,epss,percentile\nCVE-2099-0001,0.5,0.5\n";
    let mut e = Enrichment::default();
    let err = e
        .load_epss(body.as_bytes(), &Limits::default(), None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "input: no score_date in the file and no date given"
    );
    e.load_epss(body.as_bytes(), &Limits::default(), Some(date(2026, 1, 2)))
        .unwrap();
    assert_eq!(e.epss("CVE-2099-0001").unwrap().as_of, date(2026, 1, 2));
}

fn check_epss(body: &str, expected: &str) {
    let mut e = loaded();
    let before = e.clone();
    let err = e
        .load_epss(body.as_bytes(), &Limits::default(), Some(date(2026, 1, 1)))
        .expect_err(body);
    assert_eq!(err.to_string(), expected, "{body}");
    assert_eq!(e, before, "a refused file changes nothing");
}

#[test]
fn bad_epss_files_are_refused_at_line_and_column() {
    check_epss(
        "cve,score\n",
        "line 1, column 1: expected the header cve,epss,percentile",
    );
    check_epss(
        "cve,epss,percentile\nCVE-2099-0001,0.5\n",
        "line 2, column 18: missing percentile",
    );
    check_epss(
        "cve,epss,percentile\nCVE-2099-0001,0.5,0.5\nCVE-2099-0002,1.5,0.5\n",
        "line 3, column 15: epss \"1.5\" is not between 0 and 1",
    );
    check_epss(
        "cve,epss,percentile\nGHSA-1234,0.5,0.5\n",
        "line 2, column 1: \"GHSA-1234\" is not a cve identifier",
    );
    check_epss(
        "#score_date:soon\ncve,epss,percentile\n",
        "line 1, column 13: score_date is not a date",
    );
    check_epss(
        "cve,epss,percentile\nCVE-2099-0001,0.5,0.5,x\n",
        "line 2, column 23: more than three fields",
    );
    check_epss("", "input: no cve,epss,percentile header");
}

fn check_kev(body: &str, expected: &str) {
    let mut e = loaded();
    let before = e.clone();
    let err = e
        .load_kev(body.as_bytes(), &Limits::default())
        .expect_err(body);
    assert_eq!(err.to_string(), expected, "{body}");
    assert_eq!(e, before, "a refused file changes nothing");
}

#[test]
fn bad_kev_catalogs_are_refused_with_a_pointer_or_position() {
    check_kev(
        "{\"dateReleased\": \n 5}",
        "line 2, column 3: malformed json: invalid type: integer `5`, expected a string",
    );
    check_kev(
        r#"{"vulnerabilities": []}"#,
        "at /dateReleased: catalog without dateReleased",
    );
    check_kev(
        r#"{"dateReleased": "2026-11-30T00:00:00Z", "vulnerabilities": [{"cveID": "CVE-2099-0001", "dateAdded": "2026-11-01", "requiredAction": "x"}]}"#,
        "at /vulnerabilities/0/dueDate: entry without dueDate",
    );
    check_kev(
        r#"{"dateReleased": "2026-11-30", "vulnerabilities": [{"cveID": "CVE-2099-0001", "dateAdded": "2026-13-01", "dueDate": "2026-12-01", "requiredAction": "x"}]}"#,
        "at /vulnerabilities/0/dateAdded: \"2026-13-01\" is not a date",
    );
    check_kev(
        r#"{"dateReleased": "2026-11-30", "vulnerabilities": [{"cveID": "CVE-2099-0001", "dateAdded": "2026-11-01", "dueDate": "2026-12-01", "requiredAction": "x", "knownRansomwareCampaignUse": "Maybe"}]}"#,
        "at /vulnerabilities/0/knownRansomwareCampaignUse: unknown value \"Maybe\"",
    );
}

#[test]
fn loading_a_newer_file_replaces_the_older_data() {
    let mut e = loaded();
    let newer = "#model_version:v2025.03.14,score_date:2026-12-01T00:00:00Z\ncve,epss,percentile\nCVE-2099-0004,0.6,0.98\n";
    e.load_epss(newer.as_bytes(), &Limits::default(), None)
        .unwrap();
    assert!(e.epss("CVE-2099-0001").is_none());
    assert_eq!(e.epss("CVE-2099-0004").unwrap().as_of, date(2026, 12, 1));
    assert_eq!(e.sizes(), (2, 1));
}
