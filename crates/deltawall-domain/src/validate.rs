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

/// A text a person types (a title, a name, a note), trimmed and counted in characters, not
/// bytes: a Japanese title of 70 characters is 70, though UTF-8 takes 210 bytes for it.
/// `required` refuses an empty text; an optional empty one is `None`. Control characters
/// other than line breaks and tabs are refused.
pub fn text(
    field: &'static str,
    raw: &str,
    required: bool,
    max_chars: usize,
) -> Result<Option<String>, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return if required {
            Err(invalid(field, "err-required", "is required"))
        } else {
            Ok(None)
        };
    }
    if t.chars().count() > max_chars {
        return Err(invalid(field, "err-too-long", "has too many characters"));
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(invalid(
            field,
            "err-text-control",
            "holds a control character",
        ));
    }
    Ok(Some(t.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_text(raw: &str, required: bool, max: usize, expected: Result<Option<&str>, &str>) {
        let got = text("f", raw, required, max);
        let got = got.as_ref().map(|o| o.as_deref()).map_err(|e| e.code);
        assert_eq!(got, expected, "{raw:?}");
    }

    #[test]
    fn texts_count_characters_not_bytes() {
        let seventy = "脆弱性診断の実施状況".repeat(7);
        assert_eq!((seventy.chars().count(), seventy.len()), (70, 210));
        check_text(&seventy, true, 200, Ok(Some(seventy.as_str())));
        check_text(&"あ".repeat(200), true, 200, Ok(Some(&"あ".repeat(200))));
        check_text(&"あ".repeat(201), true, 200, Err("err-too-long"));
        // a combining mark counts as its own character
        check_text("か\u{3099}", true, 2, Ok(Some("か\u{3099}")));
        check_text("  注意喚起  ", true, 4, Ok(Some("注意喚起")));
        check_text("   ", true, 10, Err("err-required"));
        check_text("   ", false, 10, Ok(None));
        check_text("改行\nあり", true, 10, Ok(Some("改行\nあり")));
        check_text("制御\u{7}", true, 10, Err("err-text-control"));
    }

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
