//! Where the test data is, and how absent data is reported.
//!
//! `../shared/data/oscal` (from the project root) holds NIST's OSCAL content; on a fresh
//! clone it is absent and the tests that need it skip with a message, unless
//! `DELTAWALL_REQUIRE_SHARED=1` (CI) turns the skip into a failure.
//!
//! Some files of `usnistgov/oscal-content` are not in `../shared` (the full SP 800-53
//! rev5 catalog, the LOW baseline profile, the MODERATE resolved catalog). Tests that
//! need them look in `$DELTAWALL_OSCAL_CONTENT` (the root of an oscal-content checkout)
//! after `../shared`, and skip with a message naming the file when neither has it (even
//! in CI: `../shared` does not promise them).

use std::path::{Path, PathBuf};

use deltawall_domain::catalog::Catalog;
use deltawall_oscal::{Limits, import_catalog};

/// The folder `../shared/data/oscal`, or `None` (with a message) when it is absent.
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/oscal");
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!("skipping: shared OSCAL data {} is absent", dir.display());
    assert!(
        std::env::var("DELTAWALL_REQUIRE_SHARED").as_deref() != Ok("1"),
        "{msg} (DELTAWALL_REQUIRE_SHARED=1)"
    );
    eprintln!("{msg}");
    None
}

/// A file of NIST's oscal-content by its path there (e.g.
/// `nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json`): from `../shared`,
/// else from `$DELTAWALL_OSCAL_CONTENT`; `None` (with a message) when neither has it.
pub fn content(rel: &str) -> Option<Vec<u8>> {
    let mut roots: Vec<PathBuf> = Vec::new();
    roots.extend(shared_quiet());
    let extra = std::env::var_os("DELTAWALL_OSCAL_CONTENT").map(PathBuf::from);
    roots.extend(extra.clone());
    for root in roots {
        if let Ok(bytes) = std::fs::read(root.join(rel))
            && !bytes.is_empty()
        {
            return Some(bytes);
        }
    }
    eprintln!(
        "skipping: {rel} is in neither ../shared/data/oscal nor DELTAWALL_OSCAL_CONTENT ({extra:?})"
    );
    None
}

fn shared_quiet() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/oscal");
    dir.is_dir().then_some(dir)
}

/// SP 800-53 rev5 file names in oscal-content.
pub const REV5: &str = "nist.gov/SP800-53/rev5/json";

/// A fixture of this test suite.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Imports with default limits, panicking with the error.
pub fn import(json: &[u8]) -> Catalog {
    import_catalog(json, &Limits::default()).unwrap_or_else(|e| panic!("import failed: {e}"))
}

/// The requirement ids of a catalog, sorted.
pub fn ids(c: &Catalog) -> Vec<String> {
    let mut ids: Vec<String> = c.requirements().map(|(_, r)| r.id.clone()).collect();
    ids.sort();
    ids
}
