//! mitreattack-python's `navlayers` loader (MITRE's own library, which checks a layer field
//! by field as the Navigator reads it), run over layer texts. Shared by this crate's tests of
//! the layers it builds and, through `#[path]`, by the web service's tests of the layers it
//! serves, so paths here are relative to this file, never to a crate's manifest.
//!
//! The loader runs from a Python venv: `$DELTAWALL_NAVLAYERS_VENV` when set, else one built
//! from `tests/requirements-navlayers.txt` under the target directory, named by the file's
//! hash so it is built once per requirements change. Without `python3` (or when the install
//! fails) the caller is told to skip with a message, unless `DELTAWALL_REQUIRE_SERVICES=1`
//! (CI) makes that a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const REQUIREMENTS: &str = include_str!("../requirements-navlayers.txt");
const SCRIPT: &str = include_str!("../navlayers_check.py");

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
pub fn python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON.get_or_init(find_or_build).clone()
}

fn find_or_build() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DELTAWALL_NAVLAYERS_VENV") {
        let py = Path::new(&dir).join("bin/python");
        assert!(py.exists(), "DELTAWALL_NAVLAYERS_VENV has no bin/python");
        return Some(py);
    }
    let dir = target_dir().join(format!("attack-navlayers-venv-{:016x}", fnv(REQUIREMENTS)));
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
    let requirements = dir.join("requirements-navlayers.txt");
    std::fs::write(&requirements, REQUIREMENTS).expect("write the requirements");
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
        return skip_or_fail("pip install -r tests/requirements-navlayers.txt failed");
    }
    eprintln!("built {} in {:?}", dir.display(), started.elapsed());
    std::fs::write(&ready, REQUIREMENTS).expect("mark the venv ready");
    Some(py)
}

/// Runs the loader over named layer texts; returns its verdict line per file (`ok …` or
/// `FAIL …: why`).
pub fn load(py: &Path, layers: &[(String, String)]) -> Vec<String> {
    // one directory per call: tests of one binary may load at the same time
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("deltawall-navlayers-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let paths: Vec<PathBuf> = layers
        .iter()
        .map(|(name, text)| {
            let p = dir.join(format!("{name}.json"));
            std::fs::write(&p, text).expect("write layer");
            p
        })
        .collect();
    let script = dir.join("navlayers_check.py");
    std::fs::write(&script, SCRIPT).expect("write the loader script");
    let out = Command::new(py)
        .arg(script)
        .args(&paths)
        .output()
        .expect("run python");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let verdicts: Vec<String> = stdout
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("FAIL "))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        verdicts.len(),
        layers.len(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    verdicts
}
