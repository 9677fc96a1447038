//! Integration tests of deltawall-detect (one binary, see Cargo.toml).

mod cli;
mod follow;
mod generator;
mod readers;
mod rules;
mod sigmahq;

use std::path::PathBuf;

/// `../shared/data/<rel>` from the project root when present. Absent: `None` (the caller
/// skips) unless `DELTAWALL_REQUIRE_SHARED=1`, which turns the skip into a failure.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let path = root.join(rel);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("DELTAWALL_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!(
            "{} is missing and DELTAWALL_REQUIRE_SHARED=1",
            path.display()
        );
    }
    eprintln!("SKIPPED: {} not found (shared data absent)", path.display());
    None
}
