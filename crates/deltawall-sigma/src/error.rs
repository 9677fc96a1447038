//! The one error type of the crate: every failure names the rule file and the construct.

use std::fmt;

/// What kind of problem a [`RuleError`] reports, for grouping rejection reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The text is not valid YAML, has duplicate keys or exceeds the parser budget.
    Yaml,
    /// A required attribute is missing or has the wrong shape.
    Schema,
    /// A valid Sigma construct that this engine does not implement.
    Unsupported,
    /// A construct that is not valid Sigma (bad modifier chain, bad condition, bad regex...).
    Invalid,
    /// A reference (rule id or name, placeholder, field) that cannot be resolved.
    Reference,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Yaml => "yaml",
            ErrorKind::Schema => "schema",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Reference => "reference",
        })
    }
}

/// A rule, correlation or filter that was rejected, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{origin}: {rule}: {construct}: {reason}")]
pub struct RuleError {
    /// The rule file (or other origin label) the document came from.
    pub origin: String,
    /// The rule's title, id or document number, whichever is known.
    pub rule: String,
    /// The construct that was rejected, e.g. `detection.selection.CommandLine|foo`.
    pub construct: String,
    /// Why, in lowercase without a full stop.
    pub reason: String,
    /// A coarse category of the reason.
    pub kind: ErrorKind,
}

/// Where in a rule an error happened; cheap to pass down while parsing.
#[derive(Debug, Clone)]
pub(crate) struct Ctx<'a> {
    pub origin: &'a str,
    pub rule: String,
}

impl Ctx<'_> {
    /// Builds an error about `construct`.
    pub fn err(
        &self,
        kind: ErrorKind,
        construct: impl Into<String>,
        reason: impl Into<String>,
    ) -> RuleError {
        RuleError {
            origin: self.origin.to_owned(),
            rule: self.rule.clone(),
            construct: construct.into(),
            reason: reason.into(),
            kind,
        }
    }
}
