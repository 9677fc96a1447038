//! The home page: what needs the signed-in person now (`deltawall_app::work`), overdue
//! first, and for a supervisor the institutions within reach that are late, by business
//! type and bureau, each count linking to the list behind it. The same list is
//! `GET /api/v1/me/work`.

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiUser, Query, UiUser};
use crate::i18n::{self, Lang};
use crate::layout::*;
use crate::router::AppState;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use deltawall_app::paging::PageRequest;
use deltawall_app::platform::{audit, orgs};
use deltawall_app::work::{self, Home, LateInstitutions, LateTask, WorkItem};
use deltawall_app::{Ctx, SResult};
use deltawall_domain::Permission;
use deltawall_domain::audit::AuditEntry;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::role::Role;
use deltawall_store::Page;
use deltawall_store::audit::AuditFilter;
use deltawall_store::records::Organisation;
use serde::Deserialize;
use utoipa::IntoParams;

/// A work item as the page shows it.
pub struct WorkRow {
    /// What to do.
    pub action: &'static str,
    /// The viewpoint's name.
    pub delta: &'static str,
    /// What it is about.
    pub title: String,
    /// Due, formatted, or a dash.
    pub due: String,
    /// Past due.
    pub overdue: bool,
    /// Where to act.
    pub href: String,
}

fn rows(lang: Lang, items: &[WorkItem]) -> Vec<WorkRow> {
    items
        .iter()
        .map(|i| WorkRow {
            action: i18n::t(lang, i.action),
            delta: i18n::t(lang, i.delta.key()),
            title: i.title.get(lang).to_owned(),
            due: i.due_us.map(format_time).unwrap_or_else(|| "—".into()),
            overdue: i.overdue,
            href: i.href.clone(),
        })
        .collect()
}

/// One cell of the late-institutions table.
pub struct LateRow {
    /// Business type label.
    pub business_type: &'static str,
    /// Region label.
    pub region: &'static str,
    /// Late institutions.
    pub institutions: i64,
    /// Late tasks.
    pub tasks: i64,
    /// The filtered list.
    pub href: String,
}

fn late_rows(lang: Lang, late: &LateInstitutions) -> Vec<LateRow> {
    late.cells
        .iter()
        .map(|c| LateRow {
            business_type: c.business_type.label(lang.code()),
            region: c.region.label(lang.code()),
            institutions: c.institutions,
            tasks: c.tasks,
            href: format!(
                "/supervision/late?business_type={}&region={}",
                c.business_type.code(),
                c.region.code()
            ),
        })
        .collect()
}

/// The home page.
#[derive(Template)]
#[template(path = "home/home.html")]
pub struct HomePage {
    /// Layout.
    pub l: Layout,
    /// The user's organisation.
    pub org: Organisation,
    /// Role of the user.
    pub role: Role,
    /// Waiting items.
    pub work: Vec<WorkRow>,
    /// Late institutions (supervisors), with totals.
    pub late: Option<(Vec<LateRow>, i64, i64)>,
    /// Institutions per business type within reach.
    pub by_type: Vec<Bar>,
    /// The same as SVG.
    pub chart: String,
    /// Recent audit entries, if the user may read them.
    pub recent: Vec<AuditEntry>,
}

struct Facts {
    org: Organisation,
    by_type: Vec<Bar>,
    recent: Vec<AuditEntry>,
}

async fn facts(ctx: Ctx<'_>, lang: Lang) -> SResult<Facts> {
    let org = orgs::get(ctx, &ctx.actor.org_id).await?.org;
    let by_type = orgs::institutions_by_type(ctx)
        .await?
        .into_iter()
        .map(|(bt, n)| Bar {
            label: bt.label(lang.code()).to_owned(),
            value: n,
        })
        .collect();
    let recent = if ctx.actor.can(Permission::ReadAuditLog) {
        audit::list(ctx, &AuditFilter::default(), Page::new(0, 8))
            .await?
            .items
    } else {
        vec![]
    };
    Ok(Facts {
        org,
        by_type,
        recent,
    })
}

fn home_page(user: &UiUser, home: Home, f: Facts) -> HomePage {
    let lang = user.lang;
    HomePage {
        l: user.layout_with_work("dashboard-title", "dashboard", None, &home.items),
        chart: bar_chart_svg(&f.by_type, i18n::t(lang, "dashboard-sector")),
        work: rows(lang, &home.items),
        late: home
            .late
            .map(|l| (late_rows(lang, &l), l.institutions, l.tasks)),
        org: f.org,
        role: user.info.user.role,
        by_type: f.by_type,
        recent: f.recent,
    }
}

/// `GET /`.
pub async fn page(State(state): State<AppState>, user: UiUser) -> Result<Response, AppError> {
    let ctx = user.ctx(&state);
    let home = work::home(ctx, &state.config.clock)
        .await
        .map_err(user.err())?;
    // The home page reads fresh; the other pages' counts start from what it saw.
    state
        .config
        .work_cache
        .put(&user.info.actor.user_id, home.items.clone());
    let f = facts(ctx, user.lang).await.map_err(user.err())?;
    Ok(render(&home_page(&user, home, f)))
}

/// The late list's filter.
#[derive(Debug, Deserialize, Default, IntoParams)]
pub struct LateQuery {
    /// Business type code.
    #[serde(default)]
    pub business_type: String,
    /// Region code.
    #[serde(default)]
    pub region: String,
}

impl LateQuery {
    fn parse(&self) -> Result<(Option<BusinessType>, Option<Region>), deltawall_app::ServiceError> {
        let bt = pick(
            "business_type",
            &self.business_type,
            BusinessType::from_code,
        )?;
        let region = pick("region", &self.region, Region::from_code)?;
        Ok((bt, region))
    }
}

fn pick<T>(
    field: &'static str,
    raw: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, deltawall_app::ServiceError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    parse(raw).map(Some).ok_or_else(|| {
        deltawall_app::ServiceError::Invalid(deltawall_domain::validate::Invalid {
            field,
            reason: "is not a known value",
            code: "err-bad-request",
        })
    })
}

/// The late list.
#[derive(Template)]
#[template(path = "home/late.html")]
pub struct LatePage {
    /// Layout.
    pub l: Layout,
    /// The filter's labels, if any.
    pub filter: Vec<&'static str>,
    /// The tasks of this page.
    pub tasks: Vec<LateTask>,
    /// Links to the next and first pages, keeping the filter.
    pub pager: CursorPager,
}

/// `GET /supervision/late`: one page of the tasks past their deadline within reach,
/// filtered; the pager's links keep the filter.
pub async fn late_page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<LateQuery>,
    Query(page): Query<PageRequest>,
) -> Result<Response, AppError> {
    let (bt, region) = q.parse().map_err(user.err())?;
    let page = work::late_tasks(user.ctx(&state), &state.config.clock, bt, region, &page)
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    let filter = [
        bt.map(|b| b.label(lang.code())),
        region.map(|r| r.label(lang.code())),
    ]
    .into_iter()
    .flatten()
    .collect();
    let l = user.layout("late-title", "supervision", None);
    Ok(render(&LatePage {
        l,
        filter,
        pager: CursorPager::new(&user.path, page.next.as_deref()),
        tasks: page.items,
    }))
}

/// What waits for the caller, overdue first; for supervisors also the late institutions.
#[utoipa::path(get, path = "/api/v1/me/work", tag = "account",
    responses((status = 200, body = Home), (status = 401, body = ErrorBody)))]
pub async fn api_work(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Home>, AppError> {
    let home = work::home(user.ctx(&state), &state.config.clock)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(home))
}

/// Tasks past their deadline within the caller's reach (supervisory readers), longest late
/// first, one page; the next in `Link: rel="next"`, keeping the filter.
#[utoipa::path(get, path = "/api/v1/supervision/late", tag = "supervision", params(LateQuery, PageRequest),
    responses((status = 200, body = Vec<LateTask>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_late(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<LateQuery>,
    Query(page): Query<PageRequest>,
) -> Result<Response, AppError> {
    let (bt, region) = q.parse().map_err(AppError::Json)?;
    let page = work::late_tasks(user.ctx(&state), &state.config.clock, bt, region, &page)
        .await
        .map_err(AppError::Json)?;
    Ok(paged_json(&uri, page.items, page.next.as_deref()))
}
