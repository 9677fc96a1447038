//! STIX timestamps (spec §2.16): RFC 3339, UTC, `Z`, optional sub-second digits.

use std::cmp::Ordering;
use std::fmt;

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Not of the form `YYYY-MM-DDTHH:mm:ss[.s+]Z`.
    #[error("timestamp must have the form YYYY-MM-DDTHH:mm:ss[.s+]Z")]
    Shape,
    /// Well formed but not a real instant (e.g. month 13).
    #[error("timestamp is not a valid date and time: {0}")]
    Range(String),
    /// Fewer sub-second digits than the property requires (§3.2: `created`/`modified`).
    #[error("timestamp must have at least millisecond precision")]
    Precision,
}

/// A parsed STIX timestamp. The original text is kept because every serialisation of a
/// version must be identical (§3.6); comparisons use the instant.
#[derive(Clone)]
pub struct Timestamp {
    instant: jiff::Timestamp,
    text: String,
    fraction_digits: usize,
}

impl Timestamp {
    /// Parses a timestamp per §2.16.1.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let fraction_digits = check_shape(text).ok_or(TimestampError::Shape)?;
        // jiff keeps nanoseconds; §2.16 allows more digits, which only matter for text equality.
        let cut = if fraction_digits > 9 {
            20 + 9
        } else {
            text.len() - 1
        };
        let normal = format!("{}Z", &text[..cut]);
        let instant: jiff::Timestamp = normal
            .parse()
            .map_err(|e: jiff::Error| TimestampError::Range(e.to_string()))?;
        Ok(Self {
            instant,
            text: text.to_owned(),
            fraction_digits,
        })
    }

    /// Parses and requires at least millisecond precision, as §3.2 demands of
    /// `created` and `modified`.
    pub fn parse_millis(text: &str) -> Result<Self, TimestampError> {
        let ts = Self::parse(text)?;
        if ts.fraction_digits < 3 {
            return Err(TimestampError::Precision);
        }
        Ok(ts)
    }

    /// Formats an instant with exactly millisecond precision, the form this crate emits.
    pub fn from_instant(instant: jiff::Timestamp) -> Self {
        let text = instant.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        // Re-parse so the kept instant is truncated to the printed millisecond.
        match Self::parse(&text) {
            Ok(ts) => ts,
            Err(_) => Self {
                instant,
                text,
                fraction_digits: 3,
            },
        }
    }

    /// The current time with millisecond precision, for `created`/`modified` (§3.2).
    pub fn now() -> Self {
        Self::from_instant(jiff::Timestamp::now())
    }

    /// The instant.
    pub fn instant(&self) -> jiff::Timestamp {
        self.instant
    }

    /// The original text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Number of sub-second digits in the original text.
    pub fn fraction_digits(&self) -> usize {
        self.fraction_digits
    }
}

/// Returns the number of fraction digits when `text` has the §2.16.1 shape.
fn check_shape(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let fixed = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !fixed || *b.last()? != b'Z' {
        return None;
    }
    match &b[19..b.len() - 1] {
        [] => Some(0),
        [b'.', rest @ ..] if !rest.is_empty() && rest.iter().all(u8::is_ascii_digit) => {
            Some(rest.len())
        }
        _ => None,
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.instant == other.instant
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant.cmp(&other.instant)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.text)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(
            Timestamp::parse("2016-01-20T12:31:12Z")
                .unwrap()
                .fraction_digits(),
            0
        );
        assert_eq!(
            Timestamp::parse("2016-01-20T12:31:12.123456789012Z")
                .unwrap()
                .fraction_digits(),
            12
        );
        for bad in [
            "2016-01-20T12:31:12.Z",
            "2016-01-20T12:31:12+00:00",
            "2016-01-20 12:31:12Z",
            "2016-01-20t12:31:12z",
            "2016-13-20T12:31:12Z",
            "2016-01-20T12:31:12",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Timestamp::parse_millis("2016-01-20T12:31:12.12Z"),
            Err(TimestampError::Precision)
        );
    }

    #[test]
    fn equal_instants_with_different_text_compare_equal() {
        let a = Timestamp::parse("2016-01-20T12:31:12Z").unwrap();
        let b = Timestamp::parse("2016-01-20T12:31:12.000Z").unwrap();
        assert_eq!(a, b);
        assert_ne!(a.as_str(), b.as_str());
    }
}
