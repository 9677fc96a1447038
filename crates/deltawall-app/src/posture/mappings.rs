//! Mappings between catalog editions and pre-fill through them.
//!
//! A mapping set is imported as CSV (`from,to,relationship,strength,rationale`) between two
//! editions the actor may see, or taken from the built-in FSA 2020 → NIST SP 800-53 rev5
//! mapping for a stored SP 800-53 edition. Like an imported catalog, an institution
//! administrator's set is seen by that institution only and a supervisor administrator's
//! by every tenant; sets never change once stored.
//!
//! Pre-fill copies, for an assessment against the set's *to* edition, the answers of the
//! institution's latest assessment against the *from* edition, by the domain's rule
//! ([`deltawall_domain::crosswalk::plan`]): `equal` carries every result, `superset` only
//! *met*, `subset` and `intersects` only suggest. Each copied answer is a new revision
//! marked derived with its source; a person's answer is never overwritten; confirming a
//! derived answer appends a revision by that person.

use crate::error::ServiceError;
use crate::{Ctx, SResult};
use deltawall_domain::Permission;
use deltawall_domain::catalog::Catalog;
use deltawall_domain::crosswalk::{self, Audience, Current, Entry, Origin, Suggestion};
use deltawall_domain::posture::AssessmentStatus;
use deltawall_store::Tx;
use deltawall_store::assessments::{self, Recording, Revision, StoredCatalog};
use deltawall_store::mappings::{self, Derivation, MappingSet, NewMappingSet};
use deltawall_store::records::now_us;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// Largest mapping CSV accepted.
pub const MAX_CSV_BYTES: usize = 4 << 20;

/// A mapping set to import.
#[derive(Debug, Clone, Default)]
pub struct MappingImport {
    /// Title.
    pub title: String,
    /// The *from* catalog edition (row id).
    pub from_catalog: String,
    /// The *to* catalog edition (row id).
    pub to_catalog: String,
    /// Who wrote the mapping and from what.
    pub provenance: String,
    /// The CSV.
    pub csv: Vec<u8>,
}

fn refused(code: &'static str, field: &'static str, message: String) -> ServiceError {
    ServiceError::Refused {
        code,
        field,
        message,
    }
}

fn text(field: &'static str, raw: &str, max: usize) -> SResult<String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(refused(
            "err-map-field",
            field,
            format!("{field} must be 1 to {max} characters"),
        ));
    }
    Ok(t.to_owned())
}

async fn visible_pair(
    ctx: Ctx<'_>,
    from: &str,
    to: &str,
) -> SResult<((StoredCatalog, Catalog), (StoredCatalog, Catalog))> {
    let a = crate::posture::catalogs::get(ctx, from.trim()).await?;
    let b = crate::posture::catalogs::get(ctx, to.trim()).await?;
    Ok((a, b))
}

/// Imports a mapping set from CSV.
pub async fn import(ctx: Ctx<'_>, input: &MappingImport) -> SResult<String> {
    let audience = crosswalk::import_audience(ctx.actor).ok_or(ServiceError::Forbidden)?;
    let title = text("title", &input.title, 200)?;
    let provenance = text("provenance", &input.provenance, 1000)?;
    if input.csv.len() > MAX_CSV_BYTES {
        return Err(refused(
            "err-map-too-large",
            "file",
            format!(
                "file is {} bytes, over the limit of {MAX_CSV_BYTES}",
                input.csv.len()
            ),
        ));
    }
    let csv = std::str::from_utf8(&input.csv).map_err(|e| {
        refused(
            "err-map-invalid",
            "file",
            format!("byte {}: not UTF-8", e.valid_up_to()),
        )
    })?;
    let entries =
        crosswalk::parse_csv(csv).map_err(|e| refused("err-map-invalid", "file", e.to_string()))?;
    store_set(
        ctx,
        audience,
        title,
        provenance,
        &input.from_catalog,
        &input.to_catalog,
        &entries,
    )
    .await
}

/// Stores the built-in FSA 2020 → NIST SP 800-53 rev5 mapping for a stored SP 800-53
/// rev5 edition the actor may see. Only entries whose control the edition has are kept, so
/// a baseline (which leaves out, for example, the PM family) gets the part that applies;
/// an edition with none of the controls is refused.
pub async fn install_builtin(ctx: Ctx<'_>, to_catalog: &str) -> SResult<String> {
    let audience = crosswalk::import_audience(ctx.actor).ok_or(ServiceError::Forbidden)?;
    let (from, _) = crate::posture::assessments::builtin_catalog(ctx.store).await?;
    let (_, to_doc) = crate::posture::catalogs::get(ctx, to_catalog.trim()).await?;
    let entries: Vec<(usize, Entry)> = crosswalk::builtin_fsa_to_800_53r5()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("built-in mapping: {e}")))?
        .into_iter()
        .filter(|(_, e)| to_doc.requirement(&e.to).is_some())
        .collect();
    if entries.is_empty() {
        return Err(refused(
            "err-map-invalid",
            "to_catalog",
            "the catalog has none of the NIST SP 800-53 rev5 controls the built-in mapping names"
                .into(),
        ));
    }
    let provenance = "Deltawall's built-in mapping, in our own words, from the FSA 2020 report's \
        supervisory viewpoints to NIST SP 800-53 rev5 control identifiers"
        .to_owned();
    let title = crosswalk::BUILTIN_FSA_TO_800_53R5_TITLE.to_owned();
    store_set(
        ctx, audience, title, provenance, &from, to_catalog, &entries,
    )
    .await
}

async fn store_set(
    ctx: Ctx<'_>,
    audience: Audience,
    title: String,
    provenance: String,
    from: &str,
    to: &str,
    entries: &[(usize, Entry)],
) -> SResult<String> {
    let ((from_c, from_doc), (to_c, to_doc)) = visible_pair(ctx, from, to).await?;
    crosswalk::validate(entries, &from_doc, &to_doc)
        .map_err(|e| refused("err-map-invalid", "file", e.to_string()))?;
    let plain: Vec<Entry> = entries.iter().map(|(_, e)| e.clone()).collect();
    let new = NewMappingSet {
        title,
        from_catalog: from_c.id.clone(),
        to_catalog: to_c.id.clone(),
        provenance,
        fingerprint: crosswalk::fingerprint(&plain),
        owner_org: match audience {
            Audience::Public => None,
            Audience::Org(o) => Some(o),
        },
        imported_by: Some(ctx.actor.user_id.clone()),
    };
    let mut tx = ctx.store.write().await?;
    let (id, inserted) = mappings::insert_set(&mut tx, &new, &plain, now_us()).await?;
    let summary = json!({
        "from": from_c.key, "from_version": from_c.version, "to": to_c.key,
        "to_version": to_c.version, "entries": plain.len(), "inserted": inserted,
        "public": new.owner_org.is_none(),
    });
    ctx.audit(
        &mut tx,
        "mapping.import",
        ("mapping_set", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Mapping sets the actor may see, newest first.
pub async fn list(ctx: Ctx<'_>) -> SResult<Vec<MappingSet>> {
    let mut conn = ctx.store.read().await?;
    Ok(mappings::list_sets(&mut conn, &ctx.actor.org_id).await?)
}

/// One page of the mapping sets the actor may see, newest first.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<MappingSet>> {
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    let org = &ctx.actor.org_id;
    Ok(mappings::page_sets(&mut conn, org, after.as_ref(), req.limit()).await?)
}

/// A mapping set with its entries and both editions.
#[derive(Debug, Clone, Serialize)]
pub struct SetView {
    /// The set.
    pub set: MappingSet,
    /// Its entries, in order.
    pub entries: Vec<Entry>,
    /// The *from* edition.
    pub from: StoredCatalog,
    /// The *to* edition.
    pub to: StoredCatalog,
}

/// One mapping set the actor may see.
pub async fn get(ctx: Ctx<'_>, id: &str) -> SResult<SetView> {
    let mut conn = ctx.store.read().await?;
    let set = mappings::get_set(&mut conn, &ctx.actor.org_id, id).await?;
    let entries = mappings::entries(&mut conn, &set.id).await?;
    let from = mappings::visible_catalog(&mut conn, &ctx.actor.org_id, &set.from_catalog).await?;
    let to = mappings::visible_catalog(&mut conn, &ctx.actor.org_id, &set.to_catalog).await?;
    Ok(SetView {
        set,
        entries,
        from,
        to,
    })
}

/// What pre-fill did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PrefillOutcome {
    /// Derived answers recorded.
    pub fills: usize,
    /// The assessment the answers came from.
    pub source_assessment_id: Option<String>,
    /// Mapped requirements left to a person: `[to, from, source result, relationship,
    /// strength]`.
    pub suggestions: Vec<(String, String, String, String, u8)>,
}

/// The origin of a revision: a person's, carried, or derived.
pub fn origin_of(r: &Revision) -> Origin {
    if r.derived.is_some() {
        Origin::Derived
    } else if r.carried {
        Origin::Carried
    } else {
        Origin::Person
    }
}

fn currents(list: Vec<Revision>) -> BTreeMap<String, Current> {
    list.into_iter()
        .map(|r| {
            let origin = origin_of(&r);
            (
                r.requirement_id.clone(),
                Current {
                    answer: r.answer,
                    origin,
                },
            )
        })
        .collect()
}

/// Pre-fills a draft of the actor's institution through a mapping set, on demand.
pub async fn prefill(ctx: Ctx<'_>, assessment_id: &str, set_id: &str) -> SResult<PrefillOutcome> {
    ctx.require(Permission::EditPosture)?;
    let a = crate::posture::assessments::own(ctx, assessment_id).await?;
    if a.status != AssessmentStatus::Draft {
        return Err(ServiceError::Conflict {
            code: "err-assessment-submitted",
            message: "the assessment is submitted; start a new cycle to change it".into(),
        });
    }
    let mut tx = ctx.store.write().await?;
    let out = prefill_in(ctx, &mut tx, &a.id, &a.catalog_id, set_id, now_us()).await?;
    let summary = json!({"mapping_set": set_id, "source": out.source_assessment_id, "derived": out.fills, "suggested": out.suggestions.len()});
    ctx.audit(
        &mut tx,
        "assessment.prefill",
        ("assessment", Some(&a.id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// Pre-fill inside the caller's transaction (which also writes the audit entry).
pub(crate) async fn prefill_in(
    ctx: Ctx<'_>,
    tx: &mut Tx,
    assessment_id: &str,
    catalog_id: &str,
    set_id: &str,
    now: i64,
) -> SResult<PrefillOutcome> {
    let set = mappings::get_set(tx, &ctx.actor.org_id, set_id.trim()).await?;
    if set.to_catalog != catalog_id {
        return Err(ServiceError::Conflict {
            code: "err-map-wrong-catalog",
            message: "the mapping set does not lead into this assessment's catalog edition".into(),
        });
    }
    let scope = ctx.actor.internal_scope();
    let source = assessments::list(tx, &scope, Some(&ctx.actor.org_id))
        .await?
        .into_iter()
        .find(|s| s.catalog_id == set.from_catalog && s.id != assessment_id);
    let Some(source) = source else {
        return Ok(PrefillOutcome::default());
    };
    let entries = mappings::entries(tx, &set.id).await?;
    let from = currents(assessments::results_as_of(tx, &scope, &source.id, now).await?);
    let to = currents(assessments::results_as_of(tx, &scope, assessment_id, now).await?);
    let plan = crosswalk::plan(&entries, &from, &to);
    for d in &plan.fills {
        let how = Recording {
            answered_by: ctx.actor.user_id.clone(),
            reviewed_by: None,
            carried: false,
            at_us: now,
        };
        let (rid, _) =
            assessments::append_result_with_id(tx, assessment_id, &d.answer, &how).await?;
        let derivation = Derivation {
            mapping_set_id: set.id.clone(),
            source_assessment_id: source.id.clone(),
            source_requirement_id: d.source_requirement.clone(),
            relationship: d.relationship,
        };
        mappings::record_derivation(tx, &rid, &derivation).await?;
    }
    Ok(PrefillOutcome {
        fills: plan.fills.len(),
        source_assessment_id: Some(source.id),
        suggestions: plan.suggestions.iter().map(suggestion_row).collect(),
    })
}

fn suggestion_row(s: &Suggestion) -> (String, String, String, String, u8) {
    (
        s.to.clone(),
        s.from.clone(),
        s.outcome.code().to_owned(),
        s.relationship.code().to_owned(),
        s.strength,
    )
}
