//! Detections (issue 13, part 1): the API that `deltawall scan --send` delivers to
//! (`api.rs`), and the inbox page where an institution triages them, assigns them and opens
//! an incident from a selection (`pages.rs`, `views.rs`, `inbox.html`).

pub mod api;
pub mod pages;
pub(crate) mod views;
