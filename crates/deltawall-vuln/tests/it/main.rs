//! Integration tests for deltawall-vuln.

mod detect;
mod nessus;
mod props;
mod reconcile;
