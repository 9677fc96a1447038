//! The exports, checked by an independent OSCAL validator: `compliance-trestle` (PyPI),
//! whose pydantic models follow the OSCAL 1.1.2 JSON schemas and refuse unknown fields.
//!
//! The validator runs from a Python venv: `$DELTAWALL_OSCAL_VENV` when set, else one this
//! test builds from `tests/requirements-trestle.txt` under the target directory, named by
//! the file's hash so it is built once per requirements change (about a minute). Without
//! `python3` (or when the install fails) the test is skipped with a message, unless
//! `DELTAWALL_REQUIRE_SERVICES=1` (CI) makes that a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use deltawall_domain::finding::{Severity, State};
use deltawall_oscal::export::{
    AssessmentExport, FindingExport, Outcome, PoamExport, RequirementResult, assessment_results,
    poam,
};
use serde_json::Value;

use crate::export::{sample, sample_poam};
use crate::support::{fixture, import};

const REQUIREMENTS: &str = include_str!("../requirements-trestle.txt");

/// 64-bit FNV-1a: a stable name for the venv of one requirements file.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn skip_or_fail(msg: &str) -> Option<PathBuf> {
    assert!(
        std::env::var("DELTAWALL_REQUIRE_SERVICES").as_deref() != Ok("1"),
        "{msg} (DELTAWALL_REQUIRE_SERVICES=1)"
    );
    eprintln!("skipping: {msg}");
    None
}

/// The target directory this test binary was built into (`target/debug/deps/…`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors()
        .nth(3)
        .expect("the test binary lives in <target>/<profile>/deps")
        .to_path_buf()
}

/// The venv's python, building the venv on first use.
fn python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON.get_or_init(find_or_build).clone()
}

fn find_or_build() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DELTAWALL_OSCAL_VENV") {
        let py = Path::new(&dir).join("bin/python");
        assert!(py.exists(), "DELTAWALL_OSCAL_VENV has no bin/python");
        return Some(py);
    }
    let dir = target_dir().join(format!("oscal-trestle-venv-{:016x}", fnv(REQUIREMENTS)));
    let (py, ready) = (dir.join("bin/python"), dir.join(".deltawall-ready"));
    if ready.exists() {
        return Some(py);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let made = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&dir)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        return skip_or_fail("python3 -m venv is unavailable");
    }
    let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/requirements-trestle.txt");
    let started = std::time::Instant::now();
    let pip = Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements)
        .status();
    if !pip.is_ok_and(|s| s.success()) {
        let _ = std::fs::remove_dir_all(&dir);
        return skip_or_fail("pip install -r tests/requirements-trestle.txt failed");
    }
    eprintln!("built {} in {:?}", dir.display(), started.elapsed());
    std::fs::write(&ready, REQUIREMENTS).expect("mark the venv ready");
    Some(py)
}

/// A trestle workspace in a temporary folder.
struct Workspace {
    py: PathBuf,
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new(py: PathBuf) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace { py, dir };
        let (ok, out) = ws.trestle(&["init"]);
        assert!(ok, "trestle init failed: {out}");
        ws
    }

    fn trestle(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(&self.py)
            .args(["-m", "trestle"])
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run trestle");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// Validates `doc` as a model of `kind` (`assessment-results`, …); (valid, output).
    fn validate(&self, kind: &str, name: &str, doc: &Value) -> (bool, String) {
        // trestle wants each model in <kind>/<name>/<kind>.json of its workspace
        let rel = format!("{kind}/{name}/{kind}.json");
        let path = self.dir.path().join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
        let (ok, out) = self.trestle(&["validate", "-f", &rel]);
        (
            ok && out.contains("VALID: Model") && !out.contains("INVALID"),
            out,
        )
    }
}

/// An assessment of every requirement of the small imported catalog.
fn of_imported_catalog() -> AssessmentExport {
    let catalog = import(&fixture("small-catalog.json"));
    let mut a = sample();
    a.catalog.reference = catalog.reference();
    a.results = catalog
        .requirements()
        .map(|(_, r)| RequirementResult {
            requirement_id: r.id.clone(),
            outcome: Outcome::Met,
            rationale: format!("{} is in place.", r.title.en),
            evidence: Vec::new(),
            assessed_at: a.started,
        })
        .collect();
    a.findings = vec![FindingExport {
        key: "f-ac".into(),
        title: "Shared accounts".into(),
        description: "Two shared administrator accounts.".into(),
        requirement_ids: vec!["ac-2".into()],
        severity: Severity::Medium,
        state: State::RiskAccepted,
        due: None,
        risks: Vec::new(),
        milestones: Vec::new(),
    }];
    a
}

#[test]
fn exports_pass_the_trestle_validator_and_a_broken_one_does_not() {
    let Some(py) = python() else { return };
    let ws = Workspace::new(py);
    let mut empty = sample();
    empty.results.clear();
    empty.findings.clear();
    empty.ended = None;
    let ars: [(&str, AssessmentExport); 3] = [
        ("sample", sample()),
        ("empty", empty),
        ("imported", of_imported_catalog()),
    ];
    for (name, a) in ars {
        let doc = assessment_results(&a).unwrap();
        let (ok, out) = ws.validate("assessment-results", name, &doc);
        assert!(ok, "assessment results {name}: {out}");
    }
    let mut one = sample_poam();
    one.findings.truncate(1);
    let poams: [(&str, PoamExport); 2] = [("sample", sample_poam()), ("one", one)];
    for (name, p) in poams {
        let doc = poam(&p).unwrap();
        let (ok, out) = ws.validate("plan-of-action-and-milestones", name, &doc);
        assert!(ok, "poam {name}: {out}");
    }

    // The validator is not a rubber stamp: an unknown field and a malformed UUID fail.
    let mut bad = assessment_results(&sample()).unwrap();
    bad["assessment-results"]["results"][0]["observations"][0]["colour"] = "red".into();
    let (ok, out) = ws.validate("assessment-results", "bad", &bad);
    assert!(!ok && out.contains("colour"), "{out}");
    let mut bad = poam(&sample_poam()).unwrap();
    bad["plan-of-action-and-milestones"]["poam-items"][0]["uuid"] = "not-a-uuid".into();
    let (ok, out) = ws.validate("plan-of-action-and-milestones", "bad", &bad);
    assert!(!ok && out.contains("uuid"), "{out}");
}
