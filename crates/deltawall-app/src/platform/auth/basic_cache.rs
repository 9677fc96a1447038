//! TAXII clients authenticate every request with HTTP Basic; verifying each with argon2
//! would cost a 19 MiB hash per request and fill the bounded pool. A credential verified
//! once is remembered for [`TTL_US`]: the key is a keyed hash of login and password (the
//! key is random per process, so the table reveals nothing), and the entry holds the user
//! and a fingerprint of the stored password hash. An entry only counts while that stored
//! hash is unchanged, so a password change (on any replica: the hash is read from the
//! database every request) ends it at once; [`forget_user`] also drops it locally.
//! Throttling, lockout, deactivation and the second-factor rule still apply every request.

use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// How long a verified credential is remembered: 5 minutes, in µs.
pub const TTL_US: i64 = 5 * 60 * 1_000_000;

/// Most credentials remembered at once; when full, expired ones are dropped, then all.
const CAPACITY: usize = 10_000;

struct Entry {
    user_id: String,
    fingerprint: [u8; 32],
    expires_us: i64,
}

struct Cache {
    key: [u8; 32],
    entries: Mutex<HashMap<[u8; 32], Entry>>,
    hits: AtomicU64,
}

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Cache {
            key,
            entries: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
        }
    })
}

fn credential_key(login: &str, password: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(cache().key);
    h.update((login.len() as u64).to_be_bytes());
    h.update(login.to_ascii_lowercase().as_bytes());
    h.update(password.as_bytes());
    h.finalize().into()
}

fn fingerprint(password_hash: &str) -> [u8; 32] {
    Sha256::digest(password_hash.as_bytes()).into()
}

/// Whether `login`:`password` was verified for `user_id`, whose stored hash is still
/// `password_hash`, less than [`TTL_US`] before `now_us`.
pub fn remembered(
    login: &str,
    password: &str,
    user_id: &str,
    password_hash: &str,
    now_us: i64,
) -> bool {
    let key = credential_key(login, password);
    let entries = cache().entries.lock().unwrap_or_else(|e| e.into_inner());
    let hit = entries.get(&key).is_some_and(|e| {
        e.user_id == user_id && e.fingerprint == fingerprint(password_hash) && e.expires_us > now_us
    });
    if hit {
        cache().hits.fetch_add(1, Ordering::Relaxed);
    }
    hit
}

/// Remembers a credential just verified by argon2.
pub fn remember(login: &str, password: &str, user_id: &str, password_hash: &str, now_us: i64) {
    let key = credential_key(login, password);
    let mut entries = cache().entries.lock().unwrap_or_else(|e| e.into_inner());
    if entries.len() >= CAPACITY {
        entries.retain(|_, e| e.expires_us > now_us);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
    }
    entries.insert(
        key,
        Entry {
            user_id: user_id.to_owned(),
            fingerprint: fingerprint(password_hash),
            expires_us: now_us + TTL_US,
        },
    );
}

/// Drops every remembered credential of a user (its password changed or it was
/// deactivated).
pub fn forget_user(user_id: &str) {
    let mut entries = cache().entries.lock().unwrap_or_else(|e| e.into_inner());
    entries.retain(|_, e| e.user_id != user_id);
}

/// Requests answered from memory since the process started (a figure for operators and
/// tests; it only grows).
pub fn hits() -> u64 {
    cache().hits.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_holds_only_for_the_same_user_hash_and_time() {
        let (user, phc) = ("u-cache-1", "$argon2id$v=19$one");
        remember("Login", "pw", user, phc, 1_000);
        assert!(
            remembered("login", "pw", user, phc, 2_000),
            "case of the login"
        );
        assert!(
            !remembered("login", "pw2", user, phc, 2_000),
            "another password"
        );
        assert!(
            !remembered("login", "pw", "u-other", phc, 2_000),
            "another user"
        );
        assert!(
            !remembered("login", "pw", user, "$argon2id$v=19$two", 2_000),
            "password changed"
        );
        assert!(
            !remembered("login", "pw", user, phc, 1_000 + TTL_US),
            "expired"
        );
        forget_user(user);
        assert!(!remembered("login", "pw", user, phc, 2_000), "forgotten");
    }
}
