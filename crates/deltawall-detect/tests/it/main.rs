//! Integration tests of deltawall-detect (one binary, see Cargo.toml).

mod cli;
mod evtx;
mod follow;
mod generator;
mod indicators;
mod readers;
mod routing;
mod rules;
mod sigmahq;
mod threads;

use std::path::PathBuf;

/// `../shared/data/<rel>` from the project root (or `$DELTAWALL_SHARED_DATA/<rel>`, for a
/// work tree that is not beside the data) when present. Absent: `None` (the caller skips)
/// unless `DELTAWALL_REQUIRE_SHARED=1`, which turns the skip into a failure.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let root = std::env::var_os("DELTAWALL_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
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
