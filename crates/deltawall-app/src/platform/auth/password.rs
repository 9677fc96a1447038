//! Argon2id password hashing, run off the async executor because it is deliberately slow.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::OnceLock;

/// Hashes a password with Argon2id (the crate's defaults: m = 19 MiB, t = 2, p = 1, the
/// OWASP minimum) and a random salt; returns the PHC string.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Blocking variant for the CLI and seeding.
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let h = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    Ok(h.to_string())
}

/// Checks a password against a PHC string. A malformed stored hash counts as a mismatch.
pub async fn verify(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), phc.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the login name does not exist so
/// that unknown and known accounts take the same time to refuse.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_blocking(&super::secret::random_token(16)).unwrap_or_default())
}
