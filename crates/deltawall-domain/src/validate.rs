//! Validation of user-supplied values shared by the UI and the API.

use thiserror::Error;

/// A value that does not meet its rule; `field` names the input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    /// The input field.
    pub field: &'static str,
    /// What is wrong, in lowercase English (the UI localises by `code`).
    pub reason: &'static str,
    /// A stable message key for localisation.
    pub code: &'static str,
}

fn invalid(field: &'static str, code: &'static str, reason: &'static str) -> Invalid {
    Invalid {
        field,
        reason,
        code,
    }
}

/// Minimum password length; length beats composition rules (NIST SP 800-63B §3.1.1.2).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Checks a new password: long enough, not too long for hashing, not the login name.
pub fn password(pw: &str, login: &str) -> Result<(), Invalid> {
    let n = pw.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(invalid(
            "password",
            "err-password-short",
            "must be at least 12 characters",
        ));
    }
    if n > 256 {
        return Err(invalid(
            "password",
            "err-password-long",
            "must be at most 256 characters",
        ));
    }
    if pw.eq_ignore_ascii_case(login) {
        return Err(invalid(
            "password",
            "err-password-login",
            "must differ from the login name",
        ));
    }
    Ok(())
}

/// Checks a login name: 3 to 64 characters of letters, digits, `.`, `_`, `-` and `@`.
pub fn login(name: &str) -> Result<(), Invalid> {
    let ok_len = (3..=64).contains(&name.chars().count());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-_@".contains(c));
    if !ok_len || !ok_chars {
        return Err(invalid(
            "login",
            "err-login-format",
            "must be 3 to 64 letters, digits or . _ - @",
        ));
    }
    Ok(())
}

/// Checks a display name or organisation name: 1 to 200 characters, no control characters.
pub fn display_name(field: &'static str, name: &str) -> Result<(), Invalid> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 200 || trimmed.chars().any(char::is_control)
    {
        return Err(invalid(
            field,
            "err-name-format",
            "must be 1 to 200 characters without control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        assert!(password("correct horse battery", "alice").is_ok());
        assert_eq!(
            password("short", "a").unwrap_err().code,
            "err-password-short"
        );
        assert_eq!(
            password("alice.example", "ALICE.EXAMPLE").unwrap_err().code,
            "err-password-login"
        );
    }

    #[test]
    fn logins() {
        assert!(login("alice@bank-a").is_ok());
        assert!(login("al").is_err());
        assert!(login("a b c").is_err());
    }
}
