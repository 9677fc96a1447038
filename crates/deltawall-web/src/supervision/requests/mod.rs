//! Requests (要請): compose with a population preview, send, review each institution's task;
//! an institution drafts, submits with an executive's attestation.

pub mod api;
pub mod pages;
pub mod reminders;
pub(crate) mod views;
