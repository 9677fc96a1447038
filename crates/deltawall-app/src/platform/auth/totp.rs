//! TOTP second factor (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of skew).

use totp_rs::{Builder, Secret, Totp};

fn totp(secret_b32: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some("Deltawall"))
        .with_account_name(account.replace(':', "_"))
        .build()
        .ok()
}

/// A new random secret (160 bits), base32.
pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

/// The `otpauth://` URL an authenticator app imports.
pub fn otpauth_url(secret_b32: &str, account: &str) -> Option<String> {
    totp(secret_b32, account)?.to_url().ok()
}

/// Whether `code` is valid at `unix_secs`.
pub fn check(secret_b32: &str, code: &str, unix_secs: u64) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    code.len() == 6 && totp(secret_b32, "x").is_some_and(|t| t.check(&code, unix_secs).is_some())
}

/// The time step (30-second counter) whose code `code` is at `unix_secs`, allowing one
/// step of skew either way; the caller accepts each step once, so a code cannot be replayed.
pub fn matching_step(secret_b32: &str, code: &str, unix_secs: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 {
        return None;
    }
    let step = i64::try_from(unix_secs / 30).ok()?;
    (step - 1..=step + 1).find(|s| {
        let at = u64::try_from(*s).unwrap_or(0) * 30;
        code_at(secret_b32, at).is_some_and(|c| same(c.as_bytes(), code.as_bytes()))
    })
}

/// Compares two codes in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The code valid at `unix_secs` (tests and the demo use it).
pub fn code_at(secret_b32: &str, unix_secs: u64) -> Option<String> {
    Some(totp(secret_b32, "x")?.generate(unix_secs).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_with_one_step_of_skew() {
        let s = new_secret();
        let code = code_at(&s, 1_000_000).unwrap();
        assert!(check(&s, &code, 1_000_000));
        assert!(check(&s, &code, 1_000_030));
        assert!(!check(&s, &code, 1_000_090));
        assert!(!check(&s, "12345", 1_000_000));
        assert!(!check("not base32!", &code, 1_000_000));
        assert_eq!(matching_step(&s, &code, 1_000_000), Some(1_000_000 / 30));
        assert_eq!(matching_step(&s, &code, 1_000_030), Some(1_000_000 / 30));
        assert_eq!(matching_step(&s, &code, 1_000_090), None);
    }
}
