//! The sector figures (the report's figures 3 and 4 and the totals it gives), incidents and
//! exercises as recorded today, and the yearly sector report.

pub mod pages;
pub(crate) mod views;
