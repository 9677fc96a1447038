//! Integration tests for deltawall-stix, one binary (see Cargo.toml `[[test]]`).

mod bundles;
mod feedback;
mod fixtures;
mod ids;
mod markings;
mod objects;
mod patterns;
mod pyvalidator;
mod versioning;
