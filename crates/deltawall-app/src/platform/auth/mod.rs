//! Authentication primitives: password hashing, secrets, TOTP, sealing secrets at rest.

pub mod basic_cache;
pub mod password;
pub mod seal;
pub mod secret;
pub mod totp;

pub use deltawall_domain::Actor;
