//! Random secrets and their stored hashes.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random secret of `bytes` bytes, URL-safe base64 without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a secret, hex; what we store instead of session ids and API tokens. A fast
/// hash suffices because these secrets have 256 bits of entropy.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The prefix of every API token, so that leaked tokens are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "dw_";

/// A new API token: `dw_` followed by 32 random bytes.
pub fn new_api_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_token(32))
}
