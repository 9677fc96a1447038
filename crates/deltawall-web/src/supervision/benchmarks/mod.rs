//! Peer benchmarks, revealed only from k institutions.

pub mod pages;
pub mod sources;
