//! 共助 sharing on the web: the TAXII 2.1 server under `/taxii2/` (`taxii`), the sharing hub's
//! pages (`pages`), the trust-group API (`api`), and their templates.

pub mod api;
pub mod pages;
pub mod taxii;
pub(crate) mod views;
