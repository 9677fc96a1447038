//! TOTP secrets sealed at rest with ChaCha20-Poly1305 (AEAD).
//!
//! A stored secret reads `sealed:v1:` and the base64 of a random 96-bit nonce followed by
//! the ciphertext and tag; the user's id is the associated data, so a sealed secret copied
//! to another account does not open. The 256-bit key comes from the environment
//! ([`KEY_ENV`], 64 hex digits; needed when several replicas share one database) or from
//! [`KEY_FILE`] in the data directory, created with mode 0600 on first start. Secrets
//! stored in clear before sealing existed are sealed on start by [`seal_clear_secrets`].
//! A database copied without its key loses its second factors (users enrol again); it
//! never reveals them.

use crate::SResult;
use crate::error::ServiceError;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use deltawall_store::Store;
use rand::RngCore;
use std::path::Path;
use std::sync::OnceLock;

/// The environment variable holding the sealing key, 64 hex digits.
pub const KEY_ENV: &str = "DELTAWALL_SECRET_KEY";

/// The key file's name in the data directory, used when [`KEY_ENV`] is not set.
pub const KEY_FILE: &str = "secret.key";

const PREFIX: &str = "sealed:v1:";

static KEY: OnceLock<[u8; 32]> = OnceLock::new();

/// Why the sealing key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The variable or file does not hold 64 hex digits.
    #[error("{0}: the sealing key must be 64 hex digits")]
    Malformed(String),
    /// The key file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Another key was installed before in this process.
    #[error("a different sealing key is already installed")]
    Conflict,
}

fn parse_key(text: &str, origin: &str) -> Result<[u8; 32], KeyError> {
    let mut key = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut key).map_err(|_| KeyError::Malformed(origin.into()))?;
    Ok(key)
}

/// The key from `value` (the environment variable's value, when set), else from the key
/// file under `data_dir`, which is created (mode 0600, never overwritten) when absent.
pub fn load_key(value: Option<&str>, data_dir: &Path) -> Result<[u8; 32], KeyError> {
    if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
        return parse_key(v, KEY_ENV);
    }
    let path = data_dir.join(KEY_FILE);
    let shown = path.display().to_string();
    let io = |source| KeyError::Io {
        path: shown.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => return parse_key(&text, &shown),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        Err(_) => {}
    }
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut f) => {
            std::io::Write::write_all(&mut f, format!("{}\n", hex::encode(key)).as_bytes())
                .map_err(io)?;
            Ok(key)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            parse_key(&std::fs::read_to_string(&path).map_err(io)?, &shown)
        }
        Err(e) => Err(io(e)),
    }
}

/// Installs the process's sealing key (once; installing the same key again is harmless).
pub fn install(key: [u8; 32]) -> Result<(), KeyError> {
    if *KEY.get_or_init(|| key) == key {
        Ok(())
    } else {
        Err(KeyError::Conflict)
    }
}

/// The installed key. A process that never installed one (tests, tools that do not start
/// the server) gets a random key of its own: its secrets open within the process only.
fn key() -> &'static [u8; 32] {
    KEY.get_or_init(|| {
        tracing::warn!("no sealing key installed; using a key for this process only");
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        key
    })
}

fn cipher() -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(Key::from_slice(key()))
}

/// Whether a stored value is sealed (rather than a clear secret from before sealing).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// Seals `secret` for the user `user_id`.
pub fn seal_secret(user_id: &str, secret: &str) -> SResult<String> {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher()
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: secret.as_bytes(),
                aad: user_id.as_bytes(),
            },
        )
        .map_err(|_| ServiceError::Internal(anyhow::anyhow!("sealing a secret failed")))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(out)
    ))
}

/// Opens a stored secret of the user `user_id`; a clear one (from before sealing, not yet
/// migrated) is returned as it is. A value that does not open (another key, another
/// user's secret) is an internal error, never a secret.
pub fn open_secret(user_id: &str, stored: &str) -> SResult<String> {
    let Some(b64) = stored.strip_prefix(PREFIX) else {
        return Ok(stored.to_owned());
    };
    let broken = || ServiceError::Internal(anyhow::anyhow!("a sealed secret does not open"));
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(b64)
        .map_err(|_| broken())?;
    if bytes.len() < 12 {
        return Err(broken());
    }
    let (nonce, sealed) = bytes.split_at(12);
    let plain = cipher()
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: user_id.as_bytes(),
            },
        )
        .map_err(|_| broken())?;
    String::from_utf8(plain).map_err(|_| broken())
}

/// Seals every TOTP secret still stored in clear; returns how many. Run on start, in one
/// transaction.
pub async fn seal_clear_secrets(store: &Store) -> SResult<usize> {
    let mut tx = store.write().await?;
    let clear: Vec<(String, String)> = deltawall_store::users::totp_secrets(&mut tx)
        .await?
        .into_iter()
        .filter(|(_, s)| !is_sealed(s))
        .collect();
    for (id, secret) in &clear {
        let sealed = seal_secret(id, secret)?;
        deltawall_store::users::replace_totp_secret(&mut tx, id, &sealed).await?;
    }
    tx.commit().await?;
    Ok(clear.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_for_its_user_only() {
        let sealed = seal_secret("u1", "JBSWY3DPEHPK3PXP").unwrap();
        assert!(is_sealed(&sealed) && !sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(open_secret("u1", &sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(open_secret("u2", &sealed).is_err());
        assert_ne!(seal_secret("u1", "JBSWY3DPEHPK3PXP").unwrap(), sealed);
        assert_eq!(open_secret("u1", "CLEAR").unwrap(), "CLEAR");
        let mut broken = sealed.clone();
        broken.push('A');
        assert!(open_secret("u1", &broken).is_err());
    }

    #[test]
    fn the_key_file_is_created_once_with_mode_0600() {
        let dir = std::env::temp_dir().join(format!("dw-seal-{}", crate::sharing::add::uuid_v4()));
        let first = load_key(None, &dir).unwrap();
        assert_eq!(load_key(None, &dir).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let env = "ab".repeat(32);
        assert_eq!(load_key(Some(&env), &dir).unwrap(), [0xab; 32]);
        assert!(matches!(
            load_key(Some("xyz"), &dir),
            Err(KeyError::Malformed(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
