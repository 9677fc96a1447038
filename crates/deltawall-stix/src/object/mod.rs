//! The parsed STIX object: its original JSON text (for exact round-trips, §3.6) together
//! with a parsed view and typed accessors for the common properties (§3.2).

pub(crate) mod rules;
pub mod schema;

use std::fmt;

use serde_json::{Map, Value};

pub use schema::ObjectKind;

use crate::id::Identifier;
use crate::issue::{Issue, Severity};
use crate::timestamp::Timestamp;

/// An object that failed validation; carries every finding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid stix object: {}", first_error(.issues))]
pub struct InvalidObject {
    /// All findings, errors and warnings.
    pub issues: Vec<Issue>,
}

fn first_error(issues: &[Issue]) -> String {
    issues
        .iter()
        .find(|i| i.severity == Severity::Error)
        .map_or_else(String::new, ToString::to_string)
}

/// A validated STIX object.
///
/// **Invariant:** `raw` is exactly the JSON text the object was parsed from (or, for
/// objects built in memory, its first serialisation), and `value` is its parse. Unknown and
/// custom properties and extensions are therefore never lost.
#[derive(Clone)]
pub struct StixObject {
    raw: Box<str>,
    value: Map<String, Value>,
    id: Identifier,
    kind: ObjectKind,
    created: Option<Timestamp>,
    modified: Option<Timestamp>,
    warnings: Vec<Issue>,
}

impl StixObject {
    /// Parses and validates one object from its JSON text.
    pub fn parse(json: &str) -> Result<Self, InvalidObject> {
        let value: Value = serde_json::from_str(json).map_err(|e| InvalidObject {
            issues: vec![Issue::error(
                "",
                format!(
                    "invalid json at line {} column {}: {e}",
                    e.line(),
                    e.column()
                ),
            )],
        })?;
        Self::from_parts(json.to_owned(), value, "")
    }

    /// Validates an in-memory value; the raw text becomes its compact serialisation.
    pub fn from_value(value: Value) -> Result<Self, InvalidObject> {
        let raw = value.to_string();
        Self::from_parts(raw, value, "")
    }

    /// Builds from raw text and its parse; `at` locates the object for findings.
    pub(crate) fn from_parts(raw: String, value: Value, at: &str) -> Result<Self, InvalidObject> {
        let issues = crate::validate::validate_object(&value, at);
        if issues.iter().any(|i| i.severity == Severity::Error) {
            return Err(InvalidObject { issues });
        }
        let Value::Object(map) = value else {
            return Err(InvalidObject { issues });
        };
        // Validation guarantees a well-formed `id`; the fallback keeps this panic-free.
        let id = map
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| Identifier::parse(s).ok())
            .ok_or_else(|| InvalidObject {
                issues: vec![Issue::error(at, "missing id")],
            })?;
        let stamp = |k: &str| {
            map.get(k)
                .and_then(Value::as_str)
                .and_then(|s| Timestamp::parse(s).ok())
        };
        let kind = schema::kind_of(id.object_type());
        Ok(Self {
            created: stamp("created"),
            modified: stamp("modified"),
            raw: raw.into_boxed_str(),
            value: map,
            id,
            kind,
            warnings: issues,
        })
    }

    /// The original JSON text, byte for byte.
    pub fn as_json(&self) -> &str {
        &self.raw
    }

    /// The parsed properties.
    pub fn properties(&self) -> &Map<String, Value> {
        &self.value
    }

    /// One property.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.value.get(name)
    }

    /// One string property.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.value.get(name).and_then(Value::as_str)
    }

    /// `id`.
    pub fn id(&self) -> &Identifier {
        &self.id
    }

    /// `type`.
    pub fn object_type(&self) -> &str {
        self.id.object_type()
    }

    /// `spec_version`; SCOs may omit it, which means "2.1" (§3.2).
    pub fn spec_version(&self) -> &str {
        self.get_str("spec_version").unwrap_or("2.1")
    }

    /// SDO, SRO, SCO, meta or custom.
    pub fn kind(&self) -> ObjectKind {
        self.kind
    }

    /// `created`, when present.
    pub fn created(&self) -> Option<&Timestamp> {
        self.created.as_ref()
    }

    /// `modified`, when present. Marking definitions have only `created` (§7.2.1).
    pub fn modified(&self) -> Option<&Timestamp> {
        self.modified.as_ref()
    }

    /// The version key: `modified`, else `created` (marking definitions), else none (SCOs).
    pub fn version(&self) -> Option<&Timestamp> {
        self.modified.as_ref().or(self.created.as_ref())
    }

    /// `revoked`, defaulting to false (§3.2).
    pub fn revoked(&self) -> bool {
        self.value.get("revoked") == Some(&Value::Bool(true))
    }

    /// `created_by_ref`.
    pub fn created_by_ref(&self) -> Option<Identifier> {
        self.get_str("created_by_ref")
            .and_then(|s| Identifier::parse(s).ok())
    }

    /// `object_marking_refs`, in document order.
    pub fn object_marking_refs(&self) -> Vec<Identifier> {
        self.id_list("object_marking_refs")
    }

    /// Identifiers from a list property (e.g. `object_refs`); ill-formed entries are skipped
    /// (validation already rejected them).
    pub fn id_list(&self, name: &str) -> Vec<Identifier> {
        self.value
            .get(name)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .filter_map(|s| Identifier::parse(s).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Properties that the specification does not define for this type (custom `x_…`
    /// properties and the like), in name order.
    pub fn custom_properties(&self) -> Vec<(&str, &Value)> {
        let spec = schema::spec_for(self.object_type());
        self.value
            .iter()
            .filter(|(k, _)| {
                spec.is_some_and(|s| !s.props.iter().any(|(p, _)| p == k)) && !is_common_property(k)
            })
            .map(|(k, v)| (k.as_str(), v))
            .collect()
    }

    /// Warnings found while validating.
    pub fn warnings(&self) -> &[Issue] {
        &self.warnings
    }

    /// A typed view when this is an indicator.
    pub fn as_indicator(&self) -> Option<Indicator<'_>> {
        (self.object_type() == "indicator").then_some(Indicator { obj: self })
    }
}

fn is_common_property(k: &str) -> bool {
    matches!(
        k,
        "type"
            | "id"
            | "spec_version"
            | "created"
            | "modified"
            | "created_by_ref"
            | "revoked"
            | "labels"
            | "confidence"
            | "lang"
            | "external_references"
            | "object_marking_refs"
            | "granular_markings"
            | "extensions"
            | "defanged"
    )
}

impl fmt::Debug for StixObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StixObject")
            .field("id", &self.id)
            .field("modified", &self.modified)
            .finish()
    }
}

impl PartialEq for StixObject {
    /// Two objects are equal when their parsed content is equal; byte equality is
    /// [`StixObject::as_json`] equality.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl serde::Serialize for StixObject {
    /// Serialises the original text unchanged.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&self.raw).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

/// Typed view of an indicator (§4.7).
#[derive(Debug, Clone, Copy)]
pub struct Indicator<'a> {
    obj: &'a StixObject,
}

impl<'a> Indicator<'a> {
    /// `pattern`.
    pub fn pattern(&self) -> &'a str {
        self.obj.get_str("pattern").unwrap_or_default()
    }

    /// `pattern_type`.
    pub fn pattern_type(&self) -> &'a str {
        self.obj.get_str("pattern_type").unwrap_or_default()
    }

    /// `valid_from`.
    pub fn valid_from(&self) -> Option<Timestamp> {
        self.obj
            .get_str("valid_from")
            .and_then(|s| Timestamp::parse(s).ok())
    }

    /// `valid_until`.
    pub fn valid_until(&self) -> Option<Timestamp> {
        self.obj
            .get_str("valid_until")
            .and_then(|s| Timestamp::parse(s).ok())
    }

    /// Parses the pattern when `pattern_type` is `stix`.
    pub fn stix_pattern(
        &self,
    ) -> Option<Result<crate::pattern::Pattern, crate::pattern::PatternError>> {
        (self.pattern_type() == "stix").then(|| crate::pattern::parse(self.pattern()))
    }
}
