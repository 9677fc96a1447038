//! Errors of every importer: what went wrong and where, so a refused upload can be fixed.

use std::fmt;

/// Where in the input a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A text position, both 1-based; the column counts bytes from the start of the line.
    Position {
        /// Line number.
        line: u64,
        /// Byte column within the line.
        column: u64,
    },
    /// A JSON pointer (RFC 6901) to the value at fault, for JSON that parsed but means nothing
    /// we accept (a result without a rule, an unknown severity).
    Pointer(String),
    /// The input as a whole (too large, empty, not a known format).
    Input,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Position { line, column } => write!(f, "line {line}, column {column}"),
            Self::Pointer(p) if p.is_empty() => f.write_str("at the document root"),
            Self::Pointer(p) => write!(f, "at {p}"),
            Self::Input => f.write_str("input"),
        }
    }
}

/// The class of a refusal, for callers that answer differently (for example 413 for size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The XML declares a DOCTYPE, the carrier of external entities and entity expansion.
    Doctype,
    /// The text is not well-formed XML, JSON or CSV.
    Malformed,
    /// A value that identity or meaning depends on is absent or of the wrong type.
    Invalid,
    /// The document is well formed but not of the format being imported.
    WrongFormat,
    /// The input is larger than [`Limits::max_bytes`], or one record is larger than the
    /// importer keeps in memory.
    TooLarge,
    /// Reading the input failed.
    Io,
}

/// Why an import was refused. Nothing of a refused file should be kept by the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ImportError {
    /// Where the problem is.
    pub location: Location,
    /// Its class.
    pub kind: ErrorKind,
    /// A lowercase description without a full stop.
    pub message: String,
}

impl ImportError {
    /// An error at a text position.
    pub fn at(line: u64, column: u64, kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            location: Location::Position { line, column },
            kind,
            message: message.into(),
        }
    }

    /// An error at a JSON pointer.
    pub fn pointer(
        pointer: impl Into<String>,
        kind: ErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            location: Location::Pointer(pointer.into()),
            kind,
            message: message.into(),
        }
    }

    /// An error about the input as a whole.
    pub fn input(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            location: Location::Input,
            kind,
            message: message.into(),
        }
    }
}

/// A problem found by a format's mapping code, before the importer knows where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub kind: ErrorKind,
    pub message: String,
}

impl Problem {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Invalid,
            message: message.into(),
        }
    }

    pub(crate) fn wrong_format(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::WrongFormat,
            message: message.into(),
        }
    }
}

/// Bounds on what one import may consume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input accepted, in bytes; reading stops with [`ErrorKind::TooLarge`] past it.
    pub max_bytes: u64,
}

impl Default for Limits {
    /// 256 MiB: several times the largest scanner report we have seen, small enough that a
    /// hostile upload cannot fill the disk or hold a worker for long.
    fn default() -> Self {
        Self {
            max_bytes: 256 * 1024 * 1024,
        }
    }
}
