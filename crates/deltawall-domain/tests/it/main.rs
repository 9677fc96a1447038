//! Integration tests of the domain crate.

mod catalog_builtin;
mod catalog_invalid;
mod catalog_languages;
mod exercise;
