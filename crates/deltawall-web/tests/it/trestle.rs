//! compliance-trestle (PyPI) as an independent OSCAL validator for the server's exports.
//! The venv is the one `deltawall-oscal`'s tests build (same requirements file, same
//! place under the target directory, named by the file's hash), or
//! `$DELTAWALL_OSCAL_VENV`. Without `python3` or when the install fails the check is
//! skipped with a message, unless `DELTAWALL_REQUIRE_SERVICES=1`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const REQUIREMENTS: &str = include_str!("../../../deltawall-oscal/tests/requirements-trestle.txt");

/// 64-bit FNV-1a, as the oscal crate's tests name the venv.
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
    eprintln!("skipping trestle validation: {msg}");
    None
}

fn python() -> Option<PathBuf> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    PY.get_or_init(find_or_build).clone()
}

fn find_or_build() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DELTAWALL_OSCAL_VENV") {
        return Some(Path::new(&dir).join("bin/python"));
    }
    let exe = std::env::current_exe().ok()?;
    let target = exe.ancestors().nth(3)?.to_path_buf();
    let dir = target.join(format!("oscal-trestle-venv-{:016x}", fnv(REQUIREMENTS)));
    let (py, ready) = (dir.join("bin/python"), dir.join(".deltawall-ready"));
    if ready.exists() {
        return Some(py);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&dir)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        return skip_or_fail("python3 -m venv is unavailable");
    }
    let req = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deltawall-oscal/tests/requirements-trestle.txt");
    let pip = Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&req)
        .status();
    if !pip.is_ok_and(|s| s.success()) {
        let _ = std::fs::remove_dir_all(&dir);
        return skip_or_fail("pip install of compliance-trestle failed");
    }
    std::fs::write(&ready, REQUIREMENTS).ok()?;
    Some(py)
}

/// Validates `doc` as an OSCAL model of `kind`; panics with trestle's output if invalid.
pub fn validate(kind: &str, doc: &Value) {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(&py)
            .args(["-m", "trestle"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("run trestle");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, out) = run(&["init"]);
    assert!(ok, "trestle init failed: {out}");
    let rel = format!("{kind}/export/{kind}.json");
    let path = dir.path().join(&rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    let (ok, out) = run(&["validate", "-f", &rel]);
    assert!(
        ok && out.contains("VALID: Model") && !out.contains("INVALID"),
        "trestle refused the {kind} export:\n{out}"
    );
}
