//! The built-in catalog: the supervisory viewpoints of the FSA's
//! 金融分野のサイバーセキュリティレポート (June 2020), in our own words.
//!
//! The data is embedded at build time from `catalogs/fsa-2020-viewpoints.yaml` and parsed
//! on request; nothing is read from disk at run time.

use super::{Catalog, CatalogError};

/// The YAML source of the built-in catalog.
pub const FSA_2020_VIEWPOINTS_YAML: &str = include_str!("../../catalogs/fsa-2020-viewpoints.yaml");

/// Why a catalog text could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The text is not valid YAML for a catalog (unknown or duplicate keys included).
    #[error("catalog does not parse: {0}")]
    Parse(String),
    /// The text parses but breaks a catalog rule.
    #[error("catalog is invalid: {0}")]
    Invalid(#[from] CatalogError),
}

/// Parses a catalog from YAML and validates it.
pub fn from_yaml(source: &str) -> Result<Catalog, LoadError> {
    let catalog: Catalog =
        serde_saphyr::from_str(source).map_err(|e| LoadError::Parse(e.to_string()))?;
    catalog.validate()?;
    Ok(catalog)
}

/// The built-in catalog of the FSA 2020 report's supervisory viewpoints, parsed and
/// validated. The embedded data is checked by the tests, so this fails only if the crate
/// was built from a broken data file.
pub fn fsa_2020_viewpoints() -> Result<Catalog, LoadError> {
    from_yaml(FSA_2020_VIEWPOINTS_YAML)
}
