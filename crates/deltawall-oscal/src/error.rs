//! Why an OSCAL document is refused. Every variant names where: a JSON path such as
//! `$.catalog.groups[2].controls[0].id`, and a line and column where the parser knows them.

use deltawall_domain::catalog::CatalogError;

/// An OSCAL document that cannot be imported. Nothing is returned half-way: an import
/// either yields a whole, validated catalog or one of these.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OscalError {
    /// The document is larger than [`Limits::max_bytes`](crate::Limits::max_bytes).
    #[error("document is {size} bytes, over the limit of {max}")]
    TooLarge {
        /// Size of the document.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Arrays and objects nest deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("line {line}, column {column}: nesting is deeper than {max} levels")]
    TooDeep {
        /// Line of the bracket that went too deep (1-based).
        line: usize,
        /// Column of that bracket (1-based).
        column: usize,
        /// The limit.
        max: usize,
    },
    /// The text is not JSON (or not UTF-8, or ends early).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// What the parser found.
        message: String,
    },
    /// The JSON does not have the shape of the OSCAL model: a missing field, a value of the
    /// wrong type, a duplicate key.
    #[error("{path} (line {line}, column {column}): {message}")]
    Shape {
        /// JSON path of the offending value.
        path: String,
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The document has more controls than [`Limits::max_controls`](crate::Limits::max_controls).
    #[error("{path}: more than {max} controls")]
    TooManyControls {
        /// Where the count went over.
        path: String,
        /// The limit.
        max: usize,
    },
    /// The document is well-formed but breaks an OSCAL rule that import relies on
    /// (duplicate ids, a reference to nothing, a date that does not parse).
    #[error("{path}: {message}")]
    Invalid {
        /// JSON path of the offending value.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The document uses a feature this importer does not implement; it is refused
    /// rather than silently ignored.
    #[error("{path}: {feature} is not supported")]
    Unsupported {
        /// JSON path of the feature.
        path: String,
        /// The feature.
        feature: String,
    },
    /// A document a profile imports is refused; `source` says why and where in it.
    #[error("in {href}: {source}")]
    Imported {
        /// The href as loaded.
        href: String,
        /// Why it is refused.
        source: Box<OscalError>,
    },
    /// The imported catalog breaks a rule of Deltawall's catalog model.
    #[error("{path}: {source}")]
    Catalog {
        /// JSON path of the item the rule is about (`$` for the catalog itself).
        path: String,
        /// The rule.
        source: CatalogError,
    },
}

impl OscalError {
    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        OscalError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(path: impl Into<String>, feature: impl Into<String>) -> Self {
        OscalError::Unsupported {
            path: path.into(),
            feature: feature.into(),
        }
    }
}
