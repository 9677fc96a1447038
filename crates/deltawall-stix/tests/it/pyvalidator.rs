//! Differential check against the OASIS Python `stix2-validator`: objects this crate
//! accepts (and produces) must be accepted by it, and a set of objects this crate rejects
//! must be rejected by it too.
//!
//! Python is found via `DELTAWALL_STIX_PYTHON`, else `/work/venv-stix/bin/python`, else
//! `python3`. Without a Python that can `import stix2validator` the test is skipped with a
//! message, unless `DELTAWALL_REQUIRE_PY=1` makes that a failure.

use std::io::Write as _;
use std::process::{Command, Stdio};

use deltawall_stix::{StixObject, Tlp, deterministic_id};
use serde_json::{Value, json};

use crate::fixtures::*;

const SCRIPT: &str = r#"
import json, sys
from stix2validator import validate_string, ValidationOptions
opts = ValidationOptions(version="2.1")
out = []
for text in json.load(sys.stdin):
    r = validate_string(text, opts)
    d = r.as_dict()
    out.append({"valid": bool(r.is_valid), "errors": [e.get("message", str(e)) for e in d.get("errors", [])]})
json.dump(out, sys.stdout)
"#;

const PATTERN_SCRIPT: &str = r#"
import json, sys
from stix2patterns.validator import run_validator
out = []
for text in json.load(sys.stdin):
    try:
        errs = run_validator(text, stix_version="2.1")
    except Exception as e:
        errs = ["exception: " + repr(e)]
    out.append({"valid": not errs, "errors": [str(e) for e in errs]})
json.dump(out, sys.stdout)
"#;

fn python() -> Option<String> {
    let candidates = [
        std::env::var("DELTAWALL_STIX_PYTHON").ok(),
        Some("/work/venv-stix/bin/python".into()),
        Some("python3".into()),
    ];
    candidates.into_iter().flatten().find(|py| {
        Command::new(py)
            .args(["-c", "import stix2validator"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Runs the object validator over each text; `None` when skipped.
fn run(texts: &[String]) -> Option<Vec<Value>> {
    run_script(SCRIPT, texts)
}

/// Runs `script` (reading a JSON list of strings on stdin) over `texts`.
fn run_script(script: &str, texts: &[String]) -> Option<Vec<Value>> {
    let Some(py) = python() else {
        let msg = "skipping: no python with stix2-validator (pip install stix2-validator into /work/venv-stix)";
        assert!(
            std::env::var("DELTAWALL_REQUIRE_PY").as_deref() != Ok("1"),
            "{msg}"
        );
        eprintln!("{msg}");
        return None;
    };
    let mut child = Command::new(py)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()?
        .write_all(serde_json::to_string(texts).ok()?.as_bytes())
        .ok()?;
    let out = child.wait_with_output().ok()?;
    assert!(
        out.status.success(),
        "validator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).ok()
}

fn produced_objects() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for ty in [
        "indicator",
        "observed-data",
        "report",
        "incident",
        "note",
        "opinion",
        "vulnerability",
        "attack-pattern",
        "malware",
        "tool",
        "campaign",
        "threat-actor",
        "course-of-action",
        "identity",
        "relationship",
        "sighting",
        "marking-definition",
        "ipv6-addr",
        "domain-name",
        "url",
        "file",
        "email-addr",
        "network-traffic",
        "user-account",
        "autonomous-system",
        "x509-certificate",
        "mac-addr",
        "process",
        "software",
    ] {
        out.push((ty.to_owned(), parse(&valid(ty)).as_json().to_owned()));
    }
    for tlp in Tlp::ALL {
        out.push((tlp.name().to_owned(), tlp.definition().as_json().to_owned()));
    }
    // An SCO whose id this crate derived (§2.9).
    let mut ip = json!({"type": "ipv4-addr", "spec_version": "2.1", "value": "203.0.113.9"});
    let id = deterministic_id(ip.as_object().unwrap()).unwrap();
    ip["id"] = json!(id.to_string());
    out.push((
        "deterministic ipv4-addr".into(),
        StixObject::from_value(ip).unwrap().as_json().to_owned(),
    ));
    // A marked indicator with a granular marking and a custom property.
    let marked = with(
        valid("indicator"),
        json!({
        "object_marking_refs": [Tlp::Amber.marking_id()],
        "granular_markings": [{"marking_ref": Tlp::Red.marking_id(), "selectors": ["name"]}],
        "x_fsa_alert_id": "2024-001"}),
    );
    out.push((
        "marked indicator".into(),
        parse(&marked).as_json().to_owned(),
    ));
    out
}

#[test]
fn python_validator_accepts_what_we_produce() {
    let objects = produced_objects();
    let texts: Vec<String> = objects.iter().map(|(_, t)| t.clone()).collect();
    let Some(results) = run(&texts) else { return };
    for ((name, text), r) in objects.iter().zip(&results) {
        assert_eq!(r["valid"], true, "{name}: {text}\n{r}");
    }
}

#[test]
fn python_validator_rejects_what_we_reject() {
    let bad = [
        with(valid("indicator"), json!({"confidence": 101})),
        with(valid("indicator"), json!({"pattern_type": null})),
        with(
            valid("indicator"),
            json!({"created": "2024-01-02T03:04:05+00:00"}),
        ),
        with(
            valid("indicator"),
            json!({"pattern": "[ipv4-addr:value = '1.2.3.4'"}),
        ),
        with(valid("opinion"), json!({"opinion": "maybe"})),
        with(valid("relationship"), json!({"source_ref": "not-an-id"})),
        with(valid("sighting"), json!({"count": -1})),
        with(valid("report"), json!({"object_refs": []})),
        with(
            valid("marking-definition"),
            json!({"id": "marking-definition--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b"}),
        ),
        with(sco("file"), json!({"hashes": {"MD5": "abc"}})),
        with(sco("domain-name"), json!({"value": "bad host.example"})),
        with(sco("url"), json!({"value": "example.com/x"})),
        with(sco("email-addr"), json!({"value": "john"})),
        with(valid("indicator"), json!({"external_references": []})),
        with(valid("marking-definition"), json!({"name": "TLP:green"})),
    ];
    for v in &bad {
        assert!(!report_for(v).is_valid(), "we accept {v}");
    }
    let texts: Vec<String> = bad.iter().map(ToString::to_string).collect();
    let Some(results) = run(&texts) else { return };
    for (v, r) in bad.iter().zip(&results) {
        assert_eq!(r["valid"], false, "python accepts {v}");
    }
}

/// Our verdict on a pattern: it parses and `lint` finds no error.
fn our_verdict(p: &str) -> bool {
    deltawall_stix::pattern::parse(p).is_ok_and(|ast| {
        deltawall_stix::pattern::lint(&ast)
            .iter()
            .all(|f| f.severity != deltawall_stix::Severity::Error)
    })
}

#[test]
fn pattern_verdicts_and_printed_forms_agree_with_stix2_patterns() {
    let mut patterns: Vec<String> = crate::patterns::VALID
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    for p in [
        "[file:size = 09]",
        "[file:size = 1.]",
        "[file:x = b'']",
        "[file:x = b'YQ']",
        "[NOT file:name = 'a']",
        "[file:name = 'a'] and [file:name = 'b']",
        "[file:name = 'x'",
        "[file:name = 'a\\n']",
        "[file:name = h'abc']",
        "[file:name = t'2016-01-01']",
        "[file:na-me = 'x']",
        "[file:size > true]",
        "[file:name LIKE 5]",
        "[file:name = 'x'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
        "[file:hashes.MD5 = 'abc']",
        "[file:hashes.'SHA-256' IN ('abc')]",
        // Accepted by both although §9 says MUST: lint warns.
        "[File:name = 'x']",
        "[file:name = 'x' AND ipv4-addr:value = '1.2.3.4']",
        "[file:name = 'x'] WITHIN 0 SECONDS",
        "[file:size IN (1, 'a')]",
        "[file:name MATCHES '(abc']",
        "[file:size IN ()]",
    ] {
        patterns.push(p.to_owned());
    }
    let Some(results) = run_script(PATTERN_SCRIPT, &patterns) else {
        return;
    };
    for (p, r) in patterns.iter().zip(&results) {
        assert_eq!(
            our_verdict(p),
            r["valid"] == true,
            "verdicts differ on {p}: python says {r}"
        );
    }
    let printed: Vec<String> = patterns
        .iter()
        .filter_map(|p| deltawall_stix::pattern::parse(p).ok())
        .map(|a| a.to_string())
        .collect();
    let Some(results) = run_script(PATTERN_SCRIPT, &printed) else {
        return;
    };
    for (p, r) in printed.iter().zip(&results) {
        assert_eq!(
            our_verdict(p),
            r["valid"] == true,
            "printed form {p}: python says {r}"
        );
    }
}
