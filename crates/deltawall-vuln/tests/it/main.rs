//! Integration tests for deltawall-vuln.

mod detect;
mod enrich;
mod errors;
mod importers;
mod nessus;
mod props;
mod reconcile;
mod scope;
