//! Catalog editions beyond the built-in one: OSCAL catalogs and profiles imported by an
//! institution's administrator (seen by that institution only) or a supervisor's
//! administrator (seen by every tenant), stored as immutable editions.
//!
//! An upload is bounded in size before anything parses it, converted by
//! `deltawall-oscal` (whose refusals name the JSON path, line and column), and stored in
//! one transaction with its audience and audit entry. The same key and version stored
//! again is accepted only with the same content (then the importer's organisation is
//! added to the audience); other content under an existing edition is refused.

use crate::error::ServiceError;
use crate::{Ctx, SResult};
use deltawall_domain::catalog::Catalog;
use deltawall_domain::crosswalk::{Audience, import_audience};
use deltawall_oscal::{Limits, OscalError};
use deltawall_store::assessments::{self, StoredCatalog};
use deltawall_store::mappings::{self, PUBLIC};
use deltawall_store::records::now_us;
use serde::Serialize;
use serde_json::json;

/// Largest OSCAL document accepted (each of a profile and its catalog): the full NIST SP
/// 800-53 rev5 catalog is about 10 MB.
pub const MAX_IMPORT_BYTES: usize = 16 << 20;

/// What an upload holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// An OSCAL catalog.
    Catalog,
    /// An OSCAL profile, with the catalog it imports.
    Profile,
}

impl ImportKind {
    /// Parses `catalog` or `profile`.
    pub fn from_code(code: &str) -> Option<ImportKind> {
        match code.trim() {
            "catalog" | "" => Some(ImportKind::Catalog),
            "profile" => Some(ImportKind::Profile),
            _ => None,
        }
    }
}

/// An upload to import.
#[derive(Debug, Clone, Default)]
pub struct ImportInput {
    /// `catalog` (default) or `profile`.
    pub kind: String,
    /// The OSCAL document (catalog or profile JSON).
    pub document: Vec<u8>,
    /// For a profile: the catalog it imports (every import of the profile resolves to it).
    pub catalog: Vec<u8>,
    /// A stable key for the catalog's editions (e.g. `nist-sp-800-53-rev5`); the OSCAL
    /// document's `oscal:<uuid>` when empty.
    pub key: String,
}

/// A stored edition as the actor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    /// The edition.
    pub catalog: StoredCatalog,
    /// Whether it was stored now (false: the same content was already stored).
    pub inserted: bool,
}

fn refused(code: &'static str, field: &'static str, message: String) -> ServiceError {
    ServiceError::Refused {
        code,
        field,
        message,
    }
}

fn oscal_refusal(field: &'static str) -> impl Fn(OscalError) -> ServiceError {
    move |e| refused("err-oscal-invalid", field, e.to_string())
}

fn check_key(raw: &str) -> SResult<Option<String>> {
    let key = raw.trim();
    if key.is_empty() {
        return Ok(None);
    }
    let ok = key.len() <= 100
        && !key.starts_with("deltawall:")
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if !ok {
        return Err(refused(
            "err-oscal-key",
            "key",
            "key must be up to 100 letters, digits, '-', '_', '.' or ':' and not start with deltawall:".into(),
        ));
    }
    Ok(Some(key.to_owned()))
}

fn check_size(field: &'static str, bytes: &[u8]) -> SResult<()> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(refused(
            "err-oscal-too-large",
            field,
            format!(
                "document is {} bytes, over the limit of {MAX_IMPORT_BYTES}",
                bytes.len()
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(refused(
            "err-oscal-invalid",
            field,
            "the file is empty".into(),
        ));
    }
    Ok(())
}

/// Converts an upload into a validated catalog, without storing anything.
pub fn convert(input: &ImportInput) -> SResult<Catalog> {
    let kind = ImportKind::from_code(&input.kind).ok_or_else(|| {
        refused(
            "err-oscal-kind",
            "kind",
            "kind must be catalog or profile".into(),
        )
    })?;
    let key = check_key(&input.key)?;
    check_size("file", &input.document)?;
    let limits = Limits {
        max_bytes: MAX_IMPORT_BYTES,
        ..Limits::default()
    };
    let mut catalog = match kind {
        ImportKind::Catalog => deltawall_oscal::import_catalog(&input.document, &limits)
            .map_err(oscal_refusal("file"))?,
        ImportKind::Profile => {
            check_size("catalog", &input.catalog)?;
            let source = input.catalog.clone();
            deltawall_oscal::resolve_profile(&input.document, &limits, |_| Some(source.clone()))
                .map_err(oscal_refusal("file"))?
        }
    };
    if let Some(key) = key {
        catalog.id = key;
    }
    catalog
        .validate()
        .map_err(|e| refused("err-oscal-invalid", "file", format!("$: {e}")))?;
    Ok(catalog)
}

/// Imports an upload as a catalog edition for the actor's audience.
pub async fn import(ctx: Ctx<'_>, input: &ImportInput) -> SResult<Imported> {
    let audience = import_audience(ctx.actor).ok_or(ServiceError::Forbidden)?;
    let catalog = convert(input)?;
    let audience_code = match &audience {
        Audience::Public => PUBLIC.to_owned(),
        Audience::Org(org) => org.clone(),
    };
    let now = now_us();
    let mut tx = ctx.store.write().await?;
    let (id, inserted) = assessments::insert_catalog(&mut tx, &catalog, Some(&ctx.actor.user_id), now)
        .await
        .map_err(|e| match e {
            deltawall_store::StoreError::Conflict(_) => ServiceError::Conflict {
                code: "err-oscal-edition-exists",
                message: format!(
                    "catalog {} version {} is already stored with other content; give the new content a new version",
                    catalog.id, catalog.version
                ),
            },
            other => other.into(),
        })?;
    let stored = assessments::find_catalog(&mut tx, &catalog.id, &catalog.version)
        .await?
        .ok_or(ServiceError::NotFound("catalog"))?;
    if stored.imported_by.is_none() {
        // the built-in edition: nothing to add, it is public already
        tx.rollback().await?;
        return Ok(Imported {
            catalog: stored,
            inserted: false,
        });
    }
    let granted = mappings::grant_catalog(&mut tx, &id, &audience_code, now).await?;
    let summary = json!({
        "key": catalog.id, "version": catalog.version, "fingerprint": stored.fingerprint,
        "inserted": inserted, "audience": if audience == Audience::Public { "public" } else { "org" },
        "granted": granted, "requirements": catalog.requirements().count(),
    });
    ctx.audit(
        &mut tx,
        "catalog.import",
        ("catalog", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(Imported {
        catalog: stored,
        inserted,
    })
}

/// A catalog edition listed for the actor.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// The edition.
    pub catalog: StoredCatalog,
    /// Seen by every tenant.
    pub public: bool,
    /// The built-in catalog.
    pub builtin: bool,
}

/// The catalog editions the actor may see (the built-in one stored first if needed).
pub async fn list(ctx: Ctx<'_>) -> SResult<Vec<Listed>> {
    crate::posture::assessments::builtin_catalog(ctx.store).await?;
    let mut conn = ctx.store.read().await?;
    let list = mappings::visible_catalogs(&mut conn, &ctx.actor.org_id).await?;
    Ok(list
        .into_iter()
        .map(|(c, public)| Listed {
            builtin: c.imported_by.is_none(),
            catalog: c,
            public,
        })
        .collect())
}

/// One page of the catalog editions the actor may see, oldest first (the built-in one
/// stored first if needed).
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<Listed>> {
    let after = req.cursor(2)?;
    crate::posture::assessments::builtin_catalog(ctx.store).await?;
    let mut conn = ctx.store.read().await?;
    let org = &ctx.actor.org_id;
    let page = mappings::page_visible_catalogs(&mut conn, org, after.as_ref(), req.limit()).await?;
    Ok(deltawall_store::keyset::KeysetPage {
        items: page
            .items
            .into_iter()
            .map(|(c, public)| Listed {
                builtin: c.imported_by.is_none(),
                catalog: c,
                public,
            })
            .collect(),
        next: page.next,
    })
}

/// One edition the actor may see, listed (without its document).
pub async fn listed(ctx: Ctx<'_>, id: &str) -> SResult<Listed> {
    crate::posture::assessments::builtin_catalog(ctx.store).await?;
    let mut conn = ctx.store.read().await?;
    let (c, public) = mappings::visible_listed(&mut conn, &ctx.actor.org_id, id).await?;
    Ok(Listed {
        builtin: c.imported_by.is_none(),
        catalog: c,
        public,
    })
}

/// One edition the actor may see, with its document.
pub async fn get(ctx: Ctx<'_>, id: &str) -> SResult<(StoredCatalog, Catalog)> {
    let mut conn = ctx.store.read().await?;
    let stored = mappings::visible_catalog(&mut conn, &ctx.actor.org_id, id).await?;
    let doc = assessments::catalog_document(&mut conn, id).await?;
    Ok((stored, doc))
}
