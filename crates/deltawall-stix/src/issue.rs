//! Located validation findings and the report that collects them.

use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A violation of a MUST in the specification; the object is rejected.
    Error,
    /// A violation of a SHOULD, or a deprecated construct; the object is kept.
    Warning,
}

/// One finding, located by a JSON pointer (RFC 6901) into the validated document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Issue {
    /// Error or warning.
    pub severity: Severity,
    /// JSON pointer of the offending value, e.g. `/objects/3/valid_from`.
    pub pointer: String,
    /// Lowercase message without a full stop.
    pub message: String,
}

impl Issue {
    /// An error at `pointer`.
    pub fn error(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// A warning at `pointer`.
    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// Returns the same issue with `prefix` prepended to its pointer, used when an
    /// object validated on its own is placed inside a bundle or envelope.
    pub fn under(mut self, prefix: &str) -> Self {
        self.pointer.insert_str(0, prefix);
        self
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{level}: {at}: {}", self.message)
    }
}

/// Escapes one reference token for a JSON pointer (RFC 6901 §3).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Builds `base/token` with escaping.
pub fn child(base: &str, token: &str) -> String {
    format!("{base}/{}", escape_token(token))
}

/// Every finding about one document, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ValidationReport {
    /// Number of STIX objects that were examined.
    pub objects: usize,
    /// All findings.
    pub issues: Vec<Issue>,
}

impl ValidationReport {
    /// True when no finding is an error.
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }

    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &Issue> {
        self.issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for issue in &self.issues {
            writeln!(f, "{issue}")?;
        }
        let errors = self.errors().count();
        let warnings = self.warnings().count();
        let verdict = if errors == 0 { "valid" } else { "invalid" };
        write!(
            f,
            "{verdict}: {} object(s), {errors} error(s), {warnings} warning(s)",
            self.objects
        )
    }
}
