//! The platform every feature stands on: organisations and their attributes, users, sessions
//! and second factors, API tokens, first-run setup, and the audit trail.

pub mod account;
pub mod audit;
pub mod auth;
pub mod orgs;
pub mod session;
pub mod setup;
pub mod tokens;
pub mod users;
