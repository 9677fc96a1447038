//! The risk ranking of institutions in reach with the reasons behind every score, and the
//! versioned score weights.

pub mod api;
pub mod pages;
pub(crate) mod views;
