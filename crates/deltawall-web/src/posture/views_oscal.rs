//! Page models of the catalog, OSCAL import and mapping pages
//! (`templates/posture_catalogs.html`, `posture_catalog.html`, `posture_mapping.html`).

use crate::i18n::Lang;
use crate::layout::{CursorPager, Layout};
use askama::Template;
use deltawall_app::posture::catalogs::Listed;
use deltawall_app::posture::mappings::SetView;
use deltawall_domain::catalog::Catalog;
use deltawall_store::mappings::MappingSet;

/// A catalog edition in a list.
#[derive(Debug, Clone)]
pub struct CatalogRow {
    /// Row id.
    pub id: String,
    /// Key.
    pub key: String,
    /// Version.
    pub version: String,
    /// Title in the page language (or the only language it has).
    pub title: String,
    /// Message key of who sees it: `oscal-builtin`, `oscal-public` or `oscal-own`.
    pub audience: &'static str,
    /// Number of requirements.
    pub requirements: i64,
}

/// Rows of the catalog list, read from the editions' stored summaries (no documents).
pub fn catalog_rows(lang: Lang, list: &[Listed]) -> Vec<CatalogRow> {
    list.iter()
        .map(|l| CatalogRow {
            id: l.catalog.id.clone(),
            key: l.catalog.key.clone(),
            version: l.catalog.version.clone(),
            title: l.catalog.title.shown(cat_lang(lang)).to_owned(),
            audience: if l.builtin {
                "oscal-builtin"
            } else if l.public {
                "oscal-public"
            } else {
                "oscal-own"
            },
            requirements: l.catalog.requirements,
        })
        .collect()
}

/// The catalog language of a page language.
pub fn cat_lang(lang: Lang) -> deltawall_domain::catalog::Lang {
    match lang {
        Lang::Ja => deltawall_domain::catalog::Lang::Ja,
        Lang::En => deltawall_domain::catalog::Lang::En,
    }
}

/// Catalogs page: one page of the editions and the import form.
#[derive(Template)]
#[template(path = "posture/catalogs.html")]
pub struct CatalogsPage {
    /// Layout.
    pub l: Layout,
    /// Editions the viewer may see, this page of them.
    pub catalogs: Vec<CatalogRow>,
    /// The next page and back to the first.
    pub pager: CursorPager,
    /// Whether the viewer may import (and for whom: `oscal-own` or `oscal-public`).
    pub import_for: Option<&'static str>,
    /// Largest upload, in MiB.
    pub max_mib: usize,
}

/// Mapping sets page: one page of the sets and the forms that add one.
#[derive(Template)]
#[template(path = "posture/mappings.html")]
pub struct MappingsPage {
    /// Layout.
    pub l: Layout,
    /// Mapping sets the viewer may see, this page of them.
    pub mappings: Vec<MappingSet>,
    /// The next page and back to the first.
    pub pager: CursorPager,
    /// Whether the viewer may add sets.
    pub may_import: bool,
    /// Editions to map between: (id, title and version).
    pub choices: Vec<(String, String)>,
}

/// A section as shown: id, title, and its requirements as (id, title).
pub type SectionRow = (String, String, Vec<(String, String)>);

/// One catalog edition page.
#[derive(Template)]
#[template(path = "posture/catalog.html")]
pub struct CatalogPage {
    /// Layout.
    pub l: Layout,
    /// The edition.
    pub row: CatalogRow,
    /// Fingerprint.
    pub fingerprint: String,
    /// Sections: (id, title, requirements as (id, title)).
    pub sections: Vec<SectionRow>,
}

/// The sections of a catalog in the page language.
pub fn sections(lang: Lang, c: &Catalog) -> Vec<SectionRow> {
    let l = cat_lang(lang);
    c.sections
        .iter()
        .filter(|s| !s.requirements.is_empty())
        .map(|s| {
            (
                s.id.clone(),
                s.title.shown(l).to_owned(),
                s.requirements
                    .iter()
                    .map(|r| (r.id.clone(), r.title.shown(l).to_owned()))
                    .collect(),
            )
        })
        .collect()
}

/// One mapping set page.
#[derive(Template)]
#[template(path = "posture/mapping.html")]
pub struct MappingPage {
    /// Layout.
    pub l: Layout,
    /// The set, its entries and editions.
    pub v: SetView,
    /// Entries as shown: from, to, relationship label, strength, rationale, relationship code.
    pub rows: Vec<[String; 6]>,
}

/// Entry rows in the page language.
pub fn entry_rows(lang: Lang, v: &SetView) -> Vec<[String; 6]> {
    v.entries
        .iter()
        .map(|e| {
            let code = e.relationship.code();
            [
                e.from.clone(),
                e.to.clone(),
                crate::i18n::t(lang, &format!("map-rel-{code}")).to_owned(),
                e.strength.to_string(),
                e.rationale.clone(),
                code.to_owned(),
            ]
        })
        .collect()
}
