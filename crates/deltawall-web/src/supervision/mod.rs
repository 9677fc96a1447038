//! 公助 supervision on the web, one folder per feature: the risk ranking and score weights
//! (`ranking`), monitoring engagements (`engagements`), requests (`requests`), alerts
//! (`alerts`), sector figures, incidents, exercises and the yearly report (`figures`), peer
//! benchmarks (`benchmarks`).

pub mod alerts;
pub mod benchmarks;
pub mod engagements;
pub mod figures;
pub mod ranking;
pub mod requests;
