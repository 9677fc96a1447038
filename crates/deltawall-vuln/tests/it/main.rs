//! Integration tests for deltawall-vuln.

mod detect;
mod reconcile;
