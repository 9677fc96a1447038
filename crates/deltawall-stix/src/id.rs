//! STIX identifiers `object-type--UUID` (spec §2.9) and type-name rules (§3.1, §11.2.1).

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// Why a string is not a STIX identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// No `--` separator.
    #[error("identifier must have the form object-type--uuid")]
    MissingSeparator,
    /// The part before `--` is not a valid type name.
    #[error("invalid object type `{0}` in identifier")]
    BadType(String),
    /// The part after `--` is not an RFC 4122 UUID in canonical lowercase hyphenated form.
    #[error("invalid uuid `{0}` in identifier")]
    BadUuid(String),
}

/// A parsed STIX identifier. The original text is kept so the value serialises exactly.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier {
    text: String,
    split: usize,
}

impl Identifier {
    /// Parses `object-type--UUID` (§2.9).
    pub fn parse(text: &str) -> Result<Self, IdError> {
        // The UUID never contains `--`, so the last occurrence separates the parts even
        // for type names with single hyphens such as `attack-pattern`.
        let split = text.rfind("--").ok_or(IdError::MissingSeparator)?;
        let (ty, uuid) = (&text[..split], &text[split + 2..]);
        if !is_valid_type_name(ty) {
            return Err(IdError::BadType(ty.to_owned()));
        }
        if !is_canonical_uuid(uuid) {
            return Err(IdError::BadUuid(uuid.to_owned()));
        }
        Ok(Self {
            text: text.to_owned(),
            split,
        })
    }

    /// Builds an identifier from its parts.
    pub fn new(object_type: &str, uuid: Uuid) -> Result<Self, IdError> {
        Self::parse(&format!("{object_type}--{uuid}"))
    }

    /// A fresh UUIDv4 identifier, as §2.9 recommends for SDOs, SROs and bundles.
    pub fn new_v4(object_type: &str) -> Result<Self, IdError> {
        Self::new(object_type, Uuid::new_v4())
    }

    /// The `object-type` part.
    pub fn object_type(&self) -> &str {
        &self.text[..self.split]
    }

    /// The UUID part.
    pub fn uuid(&self) -> Uuid {
        // Checked in `parse`.
        Uuid::parse_str(&self.text[self.split + 2..]).unwrap_or_default()
    }

    /// The full identifier text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identifier({})", self.text)
    }
}

impl FromStr for Identifier {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for Identifier {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Identifier {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Type-name rule for objects (§3.1, §11.2.1): ASCII `a-z`, `0-9` and `-`, starting with a
/// letter, no `--`, not ending with `-`, 3 to 250 characters.
pub fn is_valid_type_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=250).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !name.contains("--")
        && !name.ends_with('-')
}

/// Property-name rule (§3.1, §11.1.1): ASCII `a-z`, `0-9` and `_`, starting with a letter,
/// 3 to 250 characters. `id` and `x_…` style names are both covered.
pub fn is_valid_property_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    // `id` is the only two-letter property defined by the specification itself.
    let len_ok = (3..=250).contains(&bytes.len()) || name == "id";
    len_ok
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}

/// RFC 4122 UUID in the lowercase hyphenated form (8-4-4-4-12) with the RFC 4122 variant.
fn is_canonical_uuid(text: &str) -> bool {
    let shape_ok = text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        });
    // Variant bits 10xx: the first hex digit of the fourth group is 8, 9, a or b.
    shape_ok && matches!(text.as_bytes()[19], b'8' | b'9' | b'a' | b'b')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_hyphenated_types() {
        let id = Identifier::parse("attack-pattern--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061").unwrap();
        assert_eq!(id.object_type(), "attack-pattern");
        assert_eq!(id.uuid().get_version_num(), 4);
    }

    #[test]
    fn rejects_bad_forms() {
        for bad in [
            "indicator",
            "Indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
            "indicator--0C7B5B88-8FF7-4A4D-AA9D-FEB398CD0061",
            "indicator--0c7b5b888ff74a4daa9dfeb398cd0061",
            "in--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
            "indicator--0c7b5b88-8ff7-4a4d-0a9d-feb398cd0061",
        ] {
            assert!(Identifier::parse(bad).is_err(), "{bad}");
        }
    }
}
