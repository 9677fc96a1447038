//! Exercises played in the platform (issue 14): design (editions, tracks, the schedule's
//! CSV import and export), blind play (clock, releases, responses, live updates by
//! server-sent events), post-evaluation and sector feedback, and contingency plans. Pages
//! (`pages.rs`, `forms.rs`, `views.rs`, templates), the JSON API (`api.rs`) and the live
//! stream (`events.rs`); every rule is in `deltawall_app::exercises`.

pub mod api;
pub mod events;
mod forms;
pub mod pages;
mod plan_form;
mod views;
