//! ATT&CK pages and API (issue 17): the releases with what each newer one changes, the
//! bundle upload, technique mappings of the institution's own rules and incidents, and the
//! coverage layers drawn as a matrix with the same numbers in a table and as Navigator JSON.

pub mod api;
pub mod pages;
pub(crate) mod views;
