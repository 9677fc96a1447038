//! The organisations of the sector.

use crate::error::ServiceError;
use crate::{Ctx, SResult};
use deltawall_domain::org::{AttributeKind, BusinessType, OrgKind, Region};
use deltawall_domain::validate::{self, Invalid};
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::orgs::{self, NewOrg, OrgFilter};
use deltawall_store::records::{OrgAttribute, Organisation};
use deltawall_store::{Page, Paged};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Input to register or edit an organisation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgInput {
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// Kind: `supervisor`, `institution`, `sharing_body`, `industry_association`.
    #[schema(value_type = String)]
    pub kind: OrgKind,
    /// Business type code (institutions only), e.g. `shinkin_bank`.
    #[schema(value_type = Option<String>)]
    pub business_type: Option<BusinessType>,
    /// Region code, e.g. `kinki`; for a supervisor, `None` is the FSA and a region a local bureau.
    #[schema(value_type = Option<String>)]
    pub region: Option<Region>,
    /// Parent company id within a group.
    pub parent_id: Option<String>,
}

/// An organisation with its attribute history, parent and group companies.
#[derive(Debug, Clone, Serialize)]
pub struct OrgDetail {
    /// The organisation.
    pub org: Organisation,
    /// Every value of every time-bound attribute.
    pub attributes: Vec<OrgAttribute>,
    /// The parent company, when visible.
    pub parent: Option<Organisation>,
    /// Group companies directly under it that are visible.
    pub children: Vec<Organisation>,
}

fn check(input: &OrgInput) -> SResult<NewOrg> {
    validate::display_name("name_ja", &input.name_ja)?;
    validate::display_name("name_en", &input.name_en)?;
    let needs_type = input.kind == OrgKind::Institution;
    if needs_type != input.business_type.is_some() {
        return Err(Invalid {
            field: "business_type",
            reason: "is required for institutions and only for them",
            code: "err-business-type",
        }
        .into());
    }
    if input.kind == OrgKind::Institution && input.region.is_none() {
        return Err(Invalid {
            field: "region",
            reason: "is required for institutions",
            code: "err-region-required",
        }
        .into());
    }
    Ok(NewOrg {
        name_ja: input.name_ja.trim().to_owned(),
        name_en: input.name_en.trim().to_owned(),
        kind: input.kind,
        business_type: input.business_type,
        region: input.region,
        parent_id: input.parent_id.clone().filter(|p| !p.is_empty()),
    })
}

/// Organisations visible to the actor.
pub async fn list(ctx: Ctx<'_>, filter: &OrgFilter, page: Page) -> SResult<Paged<Organisation>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    Ok(orgs::list(&mut conn, &ctx.actor.org_scope(), filter, page).await?)
}

/// One page of the organisations in the caller's scope matching `filter`, by cursor.
pub async fn page(
    ctx: Ctx<'_>,
    filter: &OrgFilter,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<Organisation>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let after = req.cursor(3)?;
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.org_scope();
    Ok(orgs::page(&mut conn, &scope, filter, after.as_ref(), req.limit()).await?)
}

/// Most rows one export holds.
pub const EXPORT_MAX_ROWS: i64 = 10_000;

/// Every organisation matching `filter` in the caller's scope, up to
/// [`EXPORT_MAX_ROWS`], for CSV and XLSX downloads.
pub async fn export(ctx: Ctx<'_>, filter: &OrgFilter) -> SResult<Vec<Organisation>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < EXPORT_MAX_ROWS {
        let list = orgs::list(
            &mut conn,
            &scope,
            filter,
            Page::new(offset, Page::MAX_LIMIT),
        )
        .await?;
        let empty = list.items.is_empty();
        out.extend(list.items);
        offset += Page::MAX_LIMIT;
        if empty || offset >= list.total {
            break;
        }
    }
    Ok(out)
}

/// One organisation with its history and group.
pub async fn get(ctx: Ctx<'_>, id: &str) -> SResult<OrgDetail> {
    ctx.require(Permission::ReadOwnOrg)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let org = orgs::get(&mut conn, &scope, id).await?;
    let attributes = orgs::attributes(&mut conn, id).await?;
    let parent = match &org.parent_id {
        Some(p) => orgs::get(&mut conn, &scope, p).await.ok(),
        None => None,
    };
    let children_filter = OrgFilter {
        parent_id: Some(id.to_owned()),
        ..Default::default()
    };
    let children = orgs::list_all(&mut conn, &scope, &children_filter).await?;
    Ok(OrgDetail {
        org,
        attributes,
        parent,
        children,
    })
}

async fn check_parent(
    ctx: Ctx<'_>,
    conn: &mut deltawall_store::Tx,
    parent: Option<&str>,
    own: Option<&str>,
) -> SResult<()> {
    let Some(p) = parent else { return Ok(()) };
    if Some(p) == own {
        return Err(Invalid {
            field: "parent_id",
            reason: "cannot be the organisation itself",
            code: "err-parent-self",
        }
        .into());
    }
    orgs::get(conn, &ctx.actor.org_scope(), p)
        .await
        .map_err(|_| {
            ServiceError::Invalid(Invalid {
                field: "parent_id",
                reason: "does not exist",
                code: "err-parent-missing",
            })
        })?;
    Ok(())
}

/// Registers an organisation (supervisor administrators).
pub async fn create(ctx: Ctx<'_>, input: &OrgInput) -> SResult<String> {
    ctx.require(Permission::ManageSector)?;
    let new = check(input)?;
    // A bureau registers only institutions of its own region: checked before anything is
    // written, so a refused request leaves no trace.
    if !ctx.actor.org_scope().covers(None, new.kind, new.region) {
        return Err(ServiceError::Forbidden);
    }
    let mut tx = ctx.store.write().await?;
    check_parent(ctx, &mut tx, new.parent_id.as_deref(), None).await?;
    let id = orgs::create(&mut tx, &new).await?;
    let summary = json!({"name_en": new.name_en, "kind": new.kind, "business_type": new.business_type, "region": new.region});
    ctx.audit(
        &mut tx,
        "org.create",
        ("organisation", Some(&id)),
        Some(&id),
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Edits an organisation: supervisor administrators any in reach; an administrator their own
/// organisation's names only (kind, business type, region stay as the supervisor registered them).
pub async fn update(ctx: Ctx<'_>, id: &str, input: &OrgInput) -> SResult<()> {
    let sector = ctx.actor.can(Permission::ManageSector);
    let own_admin = ctx.actor.can(Permission::EditOwnOrg) && id == ctx.actor.org_id;
    if !(sector || own_admin) {
        return Err(ServiceError::Forbidden);
    }
    let mut tx = ctx.store.write().await?;
    let before = orgs::get(&mut tx, &ctx.actor.org_scope(), id).await?;
    let mut new = check(input)?;
    if !sector {
        (new.kind, new.business_type, new.region, new.parent_id) = (
            before.kind,
            before.business_type,
            before.region,
            before.parent_id.clone(),
        );
    } else if new.kind != before.kind {
        return Err(Invalid {
            field: "kind",
            reason: "cannot change",
            code: "err-kind-fixed",
        }
        .into());
    }
    // The organisation must stay within the editor's reach (a bureau cannot move an
    // institution out of its region), checked in the transaction before the write.
    if !ctx.actor.org_scope().covers(Some(id), new.kind, new.region) {
        return Err(ServiceError::Forbidden);
    }
    check_parent(ctx, &mut tx, new.parent_id.as_deref(), Some(id)).await?;
    orgs::update(&mut tx, id, &new).await?;
    let summary = json!({
        "before": {"name_ja": before.name_ja, "name_en": before.name_en, "business_type": before.business_type, "region": before.region, "parent_id": before.parent_id},
        "after": {"name_ja": new.name_ja, "name_en": new.name_en, "business_type": new.business_type, "region": new.region, "parent_id": new.parent_id},
    });
    ctx.audit(
        &mut tx,
        "org.update",
        ("organisation", Some(id)),
        Some(id),
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Input to record a time-bound attribute.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeInput {
    /// `size_band` or `systemic_importance`.
    #[schema(value_type = String)]
    pub kind: AttributeKind,
    /// A value allowed for the attribute.
    pub value: String,
    /// Valid from, Unix microseconds.
    pub valid_from: i64,
}

/// Records a new value of an attribute from a date (supervisor administrators).
pub async fn set_attribute(ctx: Ctx<'_>, org_id: &str, input: &AttributeInput) -> SResult<String> {
    ctx.require(Permission::ManageSector)?;
    if !input.kind.allowed_values().contains(&input.value.as_str()) {
        return Err(Invalid {
            field: "value",
            reason: "is not allowed for this attribute",
            code: "err-attribute-value",
        }
        .into());
    }
    let mut tx = ctx.store.write().await?;
    let org = orgs::get(&mut tx, &ctx.actor.org_scope(), org_id).await?;
    if org.kind != OrgKind::Institution {
        return Err(Invalid {
            field: "kind",
            reason: "attributes apply to institutions",
            code: "err-attribute-kind",
        }
        .into());
    }
    let id = orgs::set_attribute(
        &mut tx,
        org_id,
        input.kind,
        &input.value,
        input.valid_from,
        Some(&ctx.actor.user_id),
    )
    .await?;
    let summary = json!({"kind": input.kind, "value": input.value, "valid_from": input.valid_from});
    ctx.audit(
        &mut tx,
        "org.set_attribute",
        ("organisation", Some(org_id)),
        Some(org_id),
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Counts of the visible institutions per business type, for the dashboard.
pub async fn institutions_by_type(ctx: Ctx<'_>) -> SResult<Vec<(BusinessType, i64)>> {
    let scope = ctx.actor.org_scope();
    if scope == OrgScope::Own(ctx.actor.org_id.clone()) {
        return Ok(vec![]);
    }
    let mut conn = ctx.store.read().await?;
    Ok(orgs::count_institutions_by_type(&mut conn, &scope).await?)
}
