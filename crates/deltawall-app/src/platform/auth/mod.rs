//! Authentication primitives: password hashing, secrets, TOTP.

pub mod password;
pub mod secret;
pub mod totp;

pub use deltawall_domain::Actor;
