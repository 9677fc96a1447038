//! OSCAL for Deltawall: import catalogs and profiles into Deltawall [`Catalog`]s, export
//! assessments as OSCAL assessment results and plans of action and milestones.
//!
//! - [`import_catalog`]: an OSCAL 1.1 catalog (JSON) → a validated [`Catalog`].
//! - [`resolve_profile`]: an OSCAL profile plus a loader for what it imports → a
//!   validated [`Catalog`]; the supported subset is described in the `profile` module
//!   and `docs/CONFORMANCE.md`.
//! - [`export::assessment_results`] and [`export::poam`]: plain input structs → OSCAL JSON.
//!
//! Nothing here does I/O: callers pass the bytes and a loader closure. Hostile input is
//! bounded by [`Limits`] and refused with an [`OscalError`] naming the JSON path (and the
//! line and column where the parser knows them); an import yields a whole catalog or
//! nothing.

mod error;
pub mod export;
mod import;
mod model;
mod profile;
mod scan;
mod text;

use deltawall_domain::catalog::Catalog;

pub use error::OscalError;
pub use import::TOP_LEVEL_SECTION;

/// Bounds on an OSCAL document, checked before and while it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest document, in bytes (each document a profile imports counts on its own).
    pub max_bytes: usize,
    /// Deepest nesting of JSON arrays and objects.
    pub max_depth: usize,
    /// Most controls (sub-controls included) in one catalog.
    pub max_controls: usize,
}

impl Default for Limits {
    /// 32 MiB, 64 levels, 10,000 controls: the full SP 800-53 rev5 catalog (about 10 MB,
    /// nesting under 20, 1,189 controls) fits with room to spare.
    fn default() -> Self {
        Limits {
            max_bytes: 32 << 20,
            max_depth: 64,
            max_controls: 10_000,
        }
    }
}

/// Imports an OSCAL catalog (JSON) as a validated Deltawall catalog.
///
/// The catalog's id is `oscal:<uuid>`; callers that keep editions of one catalog under a
/// stable id set [`Catalog::id`] before storing it. Texts go into the language the
/// metadata's `locale` names (English when it names none), and the catalog declares only
/// that language.
pub fn import_catalog(json: &[u8], limits: &Limits) -> Result<Catalog, OscalError> {
    let doc: model::CatalogDoc = scan::parse(json, limits)?;
    import::convert(&doc.catalog, "$.catalog", limits)
}

/// Resolves an OSCAL profile (JSON) into a validated Deltawall catalog. `load` returns
/// the bytes of an imported document by the href the profile gives (after following a
/// `#uuid` reference to its back-matter resource's JSON link), or `None` when it cannot.
pub fn resolve_profile(
    profile_json: &[u8],
    limits: &Limits,
    load: impl Fn(&str) -> Option<Vec<u8>>,
) -> Result<Catalog, OscalError> {
    let resolved = profile::resolve(profile_json, limits, &load)?;
    import::convert(&resolved, "$.profile", limits)
}
