//! Streaming detection on NATS JetStream: `deltawall detect` workers drive the engine of
//! `deltawall-detect` over events published on `evt.<org>.<source>.<partition>`, with
//! checkpointed windows, acknowledgements only after the checkpoint that covers them,
//! alerts with idempotent ids, and a dead-letter subject for malformed messages;
//! `deltawall publish` puts log files on the subjects.
//!
//! The engine stays synchronous and platform-free; this crate is the only one that talks
//! to NATS. [`state`] is the partition's state without I/O, [`worker`] the loop around it.
#![deny(missing_docs)]

pub mod checkpoint;
pub mod cli;
pub mod metrics;
pub mod nats;
pub mod publish;
pub mod state;
pub mod subjects;
pub mod worker;

/// The NATS client this crate uses, for callers' tests and tools.
pub use async_nats;
