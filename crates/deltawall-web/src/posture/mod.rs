//! 自助 posture on the web: assessment, evidence, risk and finding pages (`ui`), the JSON
//! API under `/api/v1/posture` (`api`, `oscal_api`), their views and templates, and the
//! management report's workbook (`workbook`).

pub mod api;
pub mod oscal_api;
pub mod ui;
pub(crate) mod views;
pub(crate) mod views_oscal;
pub(crate) mod workbook;
