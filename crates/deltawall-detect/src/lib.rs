//! Deltawall's log detection: event input for JSON Lines, Windows event JSON, nginx and
//! Apache access logs and syslog; the scan pipeline over the Sigma engine of
//! `deltawall-sigma`; the finance rule pack (credential stuffing, brute force, spraying,
//! account takeover, payment and crypto-asset fraud, HTTP floods); and the labelled log
//! generator that proves the pack finds what it should and spares shared addresses.
//!
//! Library only: no async, no platform dependency. The `scan`, `rules` and `gen-logs`
//! commands are in [`cli`] for the `deltawall` binary to flatten.
#![deny(missing_docs)]

pub mod baseline;
pub mod cli;
pub mod contributors;
pub mod enrich;
pub mod generator;
pub mod indicators;
pub mod input;
pub mod output;
pub mod pipeline;
mod progress;
pub mod rules;
pub mod rules_pack;
pub mod shard;
pub mod subscription;
