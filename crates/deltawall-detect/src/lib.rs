//! Deltawall detection pipeline.
