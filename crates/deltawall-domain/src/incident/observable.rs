//! Observables of a case: addresses, domains, URLs, file hashes and accounts.
//!
//! Values are checked and normalised on entry (a domain or hash in lower case, an IP in
//! its canonical text) so the same indicator is recognised across cases. Accounts (the
//! customer or staff accounts an attacker used or targeted) identify people: they are
//! never shareable and give no STIX pattern, whatever the user asks.

use crate::org::vocabulary;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

use super::{UnknownCode, parse_code};

/// The longest value accepted, in bytes.
pub const MAX_VALUE_BYTES: usize = 2_048;

vocabulary! {
    /// What an observable is.
    ObservableKind {
        /// An IPv4 or IPv6 address.
        Ip = "ip", "IPアドレス", "IP address";
        /// A domain name.
        Domain = "domain", "ドメイン", "Domain";
        /// A URL.
        Url = "url", "URL", "URL";
        /// A file hash (MD5, SHA-1 or SHA-256).
        Hash = "hash", "ハッシュ値", "File hash";
        /// An account; never shared.
        Account = "account", "アカウント", "Account";
    }
}

impl ObservableKind {
    /// Parses a stable code, naming it when unknown.
    pub fn parse(code: &str) -> Result<ObservableKind, UnknownCode> {
        parse_code("observable kind", code, ObservableKind::from_code)
    }
}

/// A checked, normalised observable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Observable {
    /// What it is.
    pub kind: ObservableKind,
    /// The normalised value.
    pub value: String,
}

/// Why a value is not an observable of its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObservableError {
    /// Empty.
    #[error("value: is required")]
    Blank,
    /// Too long.
    #[error("value: longer than {MAX_VALUE_BYTES} bytes")]
    TooLong,
    /// Not of the kind.
    #[error("value: not a valid {kind}: {reason}")]
    Invalid {
        /// The kind.
        kind: ObservableKind,
        /// What is wrong.
        reason: &'static str,
    },
}

fn invalid(kind: ObservableKind, reason: &'static str) -> ObservableError {
    ObservableError::Invalid { kind, reason }
}

fn domain(raw: &str) -> Result<String, &'static str> {
    let d = raw.trim_end_matches('.').to_ascii_lowercase();
    if d.len() > 253 || !d.contains('.') {
        return Err("a domain has at least two labels and at most 253 characters");
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if d.split('.').all(label_ok) {
        Ok(d)
    } else {
        Err("labels are letters, digits and hyphens (use punycode for other scripts)")
    }
}

fn url(raw: &str) -> Result<String, &'static str> {
    let (scheme, rest) = raw.split_once("://").ok_or("no scheme")?;
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https" | "ftp") {
        return Err("the scheme must be http, https or ftp");
    }
    if raw.chars().any(char::is_whitespace) {
        return Err("contains spaces");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = host_port
        .strip_prefix('[')
        .and_then(|h| h.split(']').next())
        .unwrap_or_else(|| host_port.split(':').next().unwrap_or(""));
    if host.is_empty() {
        return Err("no host");
    }
    let host_ok = host.parse::<IpAddr>().is_ok() || domain(host).is_ok();
    if !host_ok {
        return Err("the host is neither an IP address nor a domain");
    }
    Ok(format!("{scheme}://{rest}"))
}

impl Observable {
    /// Checks and normalises `raw` as an observable of `kind`.
    pub fn parse(kind: ObservableKind, raw: &str) -> Result<Observable, ObservableError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ObservableError::Blank);
        }
        if raw.len() > MAX_VALUE_BYTES {
            return Err(ObservableError::TooLong);
        }
        let value = match kind {
            ObservableKind::Ip => raw
                .parse::<IpAddr>()
                .map(|ip| ip.to_string())
                .map_err(|_| invalid(kind, "not an IPv4 or IPv6 address"))?,
            ObservableKind::Domain => domain(raw).map_err(|r| invalid(kind, r))?,
            ObservableKind::Url => url(raw).map_err(|r| invalid(kind, r))?,
            ObservableKind::Hash => {
                let h = raw.to_ascii_lowercase();
                if !matches!(h.len(), 32 | 40 | 64) || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(invalid(kind, "32, 40 or 64 hexadecimal digits expected"));
                }
                h
            }
            ObservableKind::Account => raw.to_owned(),
        };
        Ok(Observable { kind, value })
    }

    /// Whether this observable may leave the institution at all. Accounts never may.
    pub fn shareable(&self) -> bool {
        self.kind != ObservableKind::Account
    }

    /// The hash algorithm by length, for a hash.
    pub fn hash_algorithm(&self) -> Option<&'static str> {
        match (self.kind, self.value.len()) {
            (ObservableKind::Hash, 32) => Some("MD5"),
            (ObservableKind::Hash, 40) => Some("SHA-1"),
            (ObservableKind::Hash, 64) => Some("SHA-256"),
            _ => None,
        }
    }

    /// The STIX 2.1 pattern that detects this observable, or `None` for an account.
    pub fn stix_pattern(&self) -> Option<String> {
        let quoted = self.value.replace('\\', "\\\\").replace('\'', "\\'");
        let pattern = match self.kind {
            ObservableKind::Ip if self.value.contains(':') => {
                format!("[ipv6-addr:value = '{quoted}']")
            }
            ObservableKind::Ip => format!("[ipv4-addr:value = '{quoted}']"),
            ObservableKind::Domain => format!("[domain-name:value = '{quoted}']"),
            ObservableKind::Url => format!("[url:value = '{quoted}']"),
            ObservableKind::Hash => {
                let algo = self.hash_algorithm()?;
                format!("[file:hashes.'{algo}' = '{quoted}']")
            }
            ObservableKind::Account => return None,
        };
        Some(pattern)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ObservableKind::*;

    #[track_caller]
    fn check(kind: ObservableKind, raw: &str, expected: Result<&str, &str>) {
        let got = Observable::parse(kind, raw)
            .map(|o| o.value)
            .map_err(|e| e.to_string());
        match expected {
            Ok(v) => assert_eq!(got, Ok(v.to_owned()), "{raw}"),
            Err(part) => {
                let err = got.expect_err(raw);
                assert!(err.contains(part), "{err:?} should contain {part:?}");
            }
        }
    }

    #[test]
    fn values_are_checked_and_normalised() {
        check(Ip, " 203.0.113.7 ", Ok("203.0.113.7"));
        check(Ip, "2001:DB8:0:0::1", Ok("2001:db8::1"));
        check(Ip, "203.0.113.300", Err("not an IPv4"));
        check(Domain, "Bank-Login.Example.", Ok("bank-login.example"));
        check(Domain, "localhost", Err("two labels"));
        check(Domain, "-bad.example", Err("labels are"));
        check(Domain, "銀行.example", Err("punycode"));
        check(
            Url,
            "HTTPS://bank-login.example/auth?x=1",
            Ok("https://bank-login.example/auth?x=1"),
        );
        check(
            Url,
            "http://user@[2001:db8::1]:8080/",
            Ok("http://user@[2001:db8::1]:8080/"),
        );
        check(Url, "javascript:alert(1)", Err("no scheme"));
        check(Url, "file:///etc/passwd", Err("scheme must be"));
        check(Url, "https:///path", Err("no host"));
        check(Url, "https://a b.example/", Err("spaces"));
        check(
            Hash,
            "D41D8CD98F00B204E9800998ECF8427E",
            Ok("d41d8cd98f00b204e9800998ecf8427e"),
        );
        check(Hash, "abc", Err("hexadecimal"));
        check(Hash, &"g".repeat(64), Err("hexadecimal"));
        check(Account, " customer-0042 ", Ok("customer-0042"));
        check(Account, "  ", Err("required"));
        check(
            Url,
            &format!("https://a.example/{}", "x".repeat(MAX_VALUE_BYTES)),
            Err("longer"),
        );
    }

    #[test]
    fn accounts_are_never_shareable() {
        let account = Observable::parse(Account, "user1").unwrap();
        assert!(!account.shareable());
        assert_eq!(account.stix_pattern(), None);
        for (kind, raw, pattern) in [
            (Ip, "203.0.113.7", "[ipv4-addr:value = '203.0.113.7']"),
            (Ip, "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"),
            (
                Domain,
                "bank-login.example",
                "[domain-name:value = 'bank-login.example']",
            ),
            (
                Url,
                "https://x.example/a'b",
                "[url:value = 'https://x.example/a\\'b']",
            ),
            (
                Hash,
                &"a".repeat(64),
                &format!("[file:hashes.'SHA-256' = '{}']", "a".repeat(64)),
            ),
            (
                Hash,
                &"b".repeat(40),
                &format!("[file:hashes.'SHA-1' = '{}']", "b".repeat(40)),
            ),
        ] {
            let o = Observable::parse(kind, raw).unwrap();
            assert!(o.shareable());
            assert_eq!(o.stix_pattern().as_deref(), Some(pattern));
        }
        assert!(ObservableKind::parse("email").is_err());
    }
}
