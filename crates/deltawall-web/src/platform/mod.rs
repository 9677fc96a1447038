//! The platform pages and API: sign-in, second factor and first-run setup (`auth`), the
//! dashboard, organisations, users, own account, API tokens and the audit log (`pages` for
//! the UI, `api` for `/api/v1`). Templates sit beside them.

pub mod api;
pub mod auth;
pub mod pages;
pub(crate) mod views;
