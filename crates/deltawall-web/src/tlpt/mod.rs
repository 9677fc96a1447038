//! TLPT engagement pages (issue 17): the list and the start form, one engagement with its
//! phase, gate, teams, scenarios, outcomes, gaps and history (as far as the reader's role
//! may see), the forms of its commands, the share-safe attack chain and the engagement's
//! coverage layer; `api.rs` is the same for machine clients under `/api/v1/tlpt/engagements`.

pub mod api;
pub mod pages;
pub(crate) mod views;
