//! Correlation semantics (filled in later).
