//! Deltawall's log detection: readers, the finance rule pack, the scan pipeline, the generator.
#![deny(missing_docs)]

pub mod input;
