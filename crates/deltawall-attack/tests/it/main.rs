//! Integration tests of deltawall-attack: bundle import and its refusals, release diffs,
//! layer writing and reading, the builders, and the Navigator's own layer loader.

mod bundle;
mod coverage;
mod diff;
mod layer;
mod navigator;
mod navloader;

use deltawall_attack::{Release, import_bundle};

/// A fixture of `tests/fixtures`.
pub fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The two test releases: 18.1, and 19.0 which splits defense evasion in two.
pub fn releases() -> (Release, Release) {
    (
        import_bundle(&fixture("enterprise-18.1.json")).expect("18.1 imports"),
        import_bundle(&fixture("enterprise-19.0.json")).expect("19.0 imports"),
    )
}
