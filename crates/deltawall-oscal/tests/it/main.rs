//! Integration tests for deltawall-oscal, one binary (see Cargo.toml `[[test]]`).

mod export;
mod hostile;
mod import_nist;
mod import_small;
mod profiles;
mod support;
mod trestle;
