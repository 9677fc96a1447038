//! The supervisor's home: which institutions within reach are late, by business type and
//! bureau (region). A local bureau's reach is its region, so it sees only its own row set.

use crate::supervision::clock::Clock;
use crate::supervision::roles;
use crate::{Ctx, SResult};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_store::keyset::KeysetPage;
use deltawall_store::sup_work;
use serde::Serialize;

/// Late institutions of one business type in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LateCell {
    /// Business type code.
    #[schema(value_type = String)]
    pub business_type: BusinessType,
    /// Region code (the local finance bureau).
    #[schema(value_type = String)]
    pub region: Region,
    /// Institutions with a request task past its deadline.
    pub institutions: i64,
    /// Tasks past their deadline.
    pub tasks: i64,
}

/// The late institutions within the reader's reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LateInstitutions {
    /// One cell per business type and region with at least one late institution.
    pub cells: Vec<LateCell>,
    /// Late institutions in all (each counted once per cell; an institution has one type
    /// and one region, so this is the number of distinct institutions).
    pub institutions: i64,
    /// Late tasks in all.
    pub tasks: i64,
}

/// Counts the late institutions within the supervisory reader's reach.
pub async fn late_institutions(ctx: Ctx<'_>, clock: &Clock) -> SResult<LateInstitutions> {
    roles::require_reader(&ctx)?;
    let mut conn = ctx.store.read().await?;
    let rows = sup_work::late_counts(&mut conn, &ctx.actor.org_scope(), clock.now_us()).await?;
    let cells: Vec<LateCell> = rows
        .into_iter()
        .map(|r| LateCell {
            business_type: r.business_type,
            region: r.region,
            institutions: r.institutions,
            tasks: r.tasks,
        })
        .collect();
    Ok(LateInstitutions {
        institutions: cells.iter().map(|c| c.institutions).sum(),
        tasks: cells.iter().map(|c| c.tasks).sum(),
        cells,
    })
}

/// One task past its deadline, as the late list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LateTask {
    /// The institution's name.
    pub institution: crate::work::Title,
    /// Business type code.
    #[schema(value_type = String)]
    pub business_type: BusinessType,
    /// Region code.
    #[schema(value_type = String)]
    pub region: Region,
    /// The request's title.
    pub request: crate::work::Title,
    /// The deadline, Unix µs.
    pub deadline_us: i64,
    /// Whole days past the deadline.
    pub days_late: i64,
    /// The supervisor's page of the task.
    pub href: String,
}

/// One page of the tasks past their deadline within the reader's reach, optionally of one
/// business type and region (the list behind one cell of [`late_institutions`]), longest
/// late first; the filters hold on every page.
pub async fn late_tasks(
    ctx: Ctx<'_>,
    clock: &Clock,
    business_type: Option<BusinessType>,
    region: Option<Region>,
    req: &crate::paging::PageRequest,
) -> SResult<KeysetPage<LateTask>> {
    roles::require_reader(&ctx)?;
    let after = req.cursor(3)?;
    let now = clock.now_us();
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.org_scope();
    let page = sup_work::late_tasks(
        &mut conn,
        &scope,
        now,
        business_type,
        region,
        after.as_ref(),
        req.limit(),
    )
    .await?;
    let items = page
        .items
        .into_iter()
        .map(|(t, r)| {
            let deadline = r.doc.request.deadline_us;
            LateTask {
                institution: crate::work::Title {
                    ja: t.org_name_ja.clone(),
                    en: t.org_name_en.clone(),
                },
                business_type: t.business_type,
                region: t.region,
                request: crate::work::Title {
                    ja: r.doc.request.title.ja.clone(),
                    en: r.doc.request.title.en.clone(),
                },
                deadline_us: deadline,
                days_late: t.task.status_at(deadline, now).days_late,
                href: format!("/supervision/requests/{}/tasks/{}", r.id, t.id),
            }
        })
        .collect();
    Ok(KeysetPage {
        items,
        next: page.next,
    })
}
