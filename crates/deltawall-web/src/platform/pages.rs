//! The signed-in pages: dashboard, organisations, users, account, API tokens, audit log.
//! After a successful POST each handler redirects (post/redirect/get) with a notice key.

use crate::downloads::table::{self as export, Table};
use crate::error::{AppError, ServiceError};
use crate::http::{Query, UiForm, UiUser};
use crate::i18n::{self, Lang};
use crate::layout::*;
use crate::platform::views::*;
use crate::router::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::platform::{account, audit, orgs, tokens, users};
use deltawall_domain::Permission;
use deltawall_domain::access::TokenScope;
use deltawall_domain::org::{AttributeKind, BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_domain::validate::Invalid;
use deltawall_store::audit::AuditFilter;
use deltawall_store::orgs::OrgFilter;
use serde::Deserialize;

type PageResult = Result<Response, AppError>;

/// The notice shown after a redirect, from a fixed set of keys.
#[derive(Debug, Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    notice: String,
}

impl Notice {
    pub(crate) fn text(&self, lang: Lang) -> Option<String> {
        const KEYS: &[&str] = &["saved", "created", "revoked", "password", "mfa"];
        KEYS.contains(&self.notice.as_str())
            .then(|| i18n::t(lang, &format!("notice-{}", self.notice)).to_owned())
    }
}

fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T, &str) -> &'static str,
    lang: Lang,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (code(*v).to_owned(), label(*v, lang.code()).to_owned()))
        .collect()
}

fn kinds(lang: Lang) -> Vec<(String, String)> {
    options(OrgKind::ALL, OrgKind::code, OrgKind::label, lang)
}

fn btypes(lang: Lang) -> Vec<(String, String)> {
    options(
        BusinessType::ALL,
        BusinessType::code,
        BusinessType::label,
        lang,
    )
}

fn regions(lang: Lang) -> Vec<(String, String)> {
    options(Region::ALL, Region::code, Region::label, lang)
}

fn roles(lang: Lang) -> Vec<(String, String)> {
    options(Role::ALL, Role::code, Role::label, lang)
}

/// Parses an optional code from a form select, where `""` means none.
fn opt<T>(
    field: &'static str,
    raw: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, ServiceError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    parse(raw.trim())
        .map(Some)
        .ok_or(ServiceError::Invalid(Invalid {
            field,
            reason: "is not a known value",
            code: "err-bad-request",
        }))
}

fn req<T>(field: &'static str, raw: &str, parse: fn(&str) -> Option<T>) -> Result<T, ServiceError> {
    opt(field, raw, parse)?.ok_or(ServiceError::Invalid(Invalid {
        field,
        reason: "is required",
        code: "err-bad-request",
    }))
}

/// Listing filters.
#[derive(Debug, Deserialize, Default)]
pub struct OrgQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    business_type: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    notice: String,
}

impl OrgQuery {
    fn filter(&self) -> Result<OrgFilter, ServiceError> {
        Ok(OrgFilter {
            kind: opt("kind", &self.kind, OrgKind::from_code)?,
            business_type: opt(
                "business_type",
                &self.business_type,
                BusinessType::from_code,
            )?,
            region: opt("region", &self.region, Region::from_code)?,
            parent_id: None,
            text: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
        })
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("q", &self.q),
            ("kind", &self.kind),
            ("business_type", &self.business_type),
            ("region", &self.region),
        ])
        .unwrap_or_default()
    }
}

/// `GET /orgs`.
pub async fn orgs_list(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<OrgQuery>,
) -> PageResult {
    let filter = q.filter().map_err(user.err())?;
    let req = deltawall_app::paging::PageRequest {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let list = orgs::page(user.ctx(&state), &filter, &req)
        .await
        .map_err(user.err())?;
    let notice = Notice {
        notice: q.notice.clone(),
    }
    .text(user.lang);
    let lang = user.lang;
    Ok(render(&OrgsPage {
        l: user.layout("orgs-title", "orgs", notice),
        pager: CursorPager::new(&user.path, list.next.as_deref()),
        orgs: list.items,
        can_create: user.info.actor.can(Permission::ManageSector),
        csv: format!("/orgs.csv?{}", q.query_string()),
        xlsx: format!("/orgs.xlsx?{}", q.query_string()),
        q: q.q,
        kind: q.kind,
        btype_sel: q.business_type,
        region_sel: q.region,
        kinds: kinds(lang),
        btypes: btypes(lang),
        regions: regions(lang),
    }))
}

/// The organisations listing as a table for download.
fn orgs_table(list: &[deltawall_store::records::Organisation]) -> Table {
    let headers = [
        "id",
        "name_ja",
        "name_en",
        "kind",
        "business_type",
        "region",
        "parent_id",
    ];
    let rows = list
        .iter()
        .map(|o| {
            vec![
                o.id.clone(),
                o.name_ja.clone(),
                o.name_en.clone(),
                o.kind.code().to_owned(),
                o.business_type.map_or("", |b| b.code()).to_owned(),
                o.region.map_or("", |r| r.code()).to_owned(),
                o.parent_id.clone().unwrap_or_default(),
            ]
        })
        .collect();
    Table {
        sheet: "organisations".to_owned(),
        headers: headers.map(str::to_owned).to_vec(),
        rows,
    }
}

fn download(content_type: &'static str, filename: &'static str, body: Vec<u8>) -> Response {
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, filename),
    ];
    (headers, body).into_response()
}

/// `GET /orgs.csv`: the listing as CSV (every matching row, up to 10,000).
pub async fn orgs_csv(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<OrgQuery>,
) -> PageResult {
    let filter = q.filter().map_err(user.err())?;
    let list = orgs::export(user.ctx(&state), &filter)
        .await
        .map_err(user.err())?;
    let body = export::csv(&orgs_table(&list)).into_bytes();
    Ok(download(
        "text/csv; charset=utf-8",
        "attachment; filename=\"organisations.csv\"",
        body,
    ))
}

/// `GET /orgs.xlsx`: the listing as an XLSX workbook (the same rows as the CSV).
pub async fn orgs_xlsx(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<OrgQuery>,
) -> PageResult {
    let filter = q.filter().map_err(user.err())?;
    let list = orgs::export(user.ctx(&state), &filter)
        .await
        .map_err(user.err())?;
    let body = export::xlsx(&orgs_table(&list))
        .map_err(|e| ServiceError::Internal(e.into()))
        .map_err(user.err())?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment; filename=\"organisations.xlsx\"",
        body,
    ))
}

/// `GET /orgs/new`.
pub async fn org_new(user: UiUser) -> PageResult {
    if !user.info.actor.can(Permission::ManageSector) {
        return Err(AppError::Page(ServiceError::Forbidden, user.lang));
    }
    let lang = user.lang;
    Ok(render(&OrgNewPage {
        l: user.layout("orgs-new", "orgs", None),
        kinds: kinds(lang),
        btypes: btypes(lang),
        regions: regions(lang),
    }))
}

/// The organisation form as posted.
#[derive(Debug, Deserialize)]
pub struct OrgForm {
    name_ja: String,
    name_en: String,
    kind: String,
    #[serde(default)]
    business_type: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    parent_id: String,
}

impl OrgForm {
    fn input(&self) -> Result<orgs::OrgInput, ServiceError> {
        Ok(orgs::OrgInput {
            name_ja: self.name_ja.clone(),
            name_en: self.name_en.clone(),
            kind: req("kind", &self.kind, OrgKind::from_code)?,
            business_type: opt(
                "business_type",
                &self.business_type,
                BusinessType::from_code,
            )?,
            region: opt("region", &self.region, Region::from_code)?,
            parent_id: Some(self.parent_id.trim().to_owned()).filter(|p| !p.is_empty()),
        })
    }
}

/// `POST /orgs`.
pub async fn org_create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(form): UiForm<OrgForm>,
) -> PageResult {
    let input = form.input().map_err(user.err())?;
    let id = orgs::create(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/orgs/{id}?notice=created")).into_response())
}

/// `GET /orgs/{id}`.
pub async fn org_show(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> PageResult {
    let d = orgs::get(user.ctx(&state), &id).await.map_err(user.err())?;
    let a = &user.info.actor;
    let can_manage = a.can(Permission::ManageSector);
    let own = id == a.org_id;
    let lang = user.lang;
    Ok(render(&OrgPage {
        l: user.layout("orgs-title", "orgs", n.text(lang)),
        can_edit: can_manage || (own && a.can(Permission::EditOwnOrg)),
        can_users: (own && a.can(Permission::ReadOwnOrg)) || can_manage,
        can_manage,
        org: d.org,
        attributes: d.attributes,
        parent: d.parent,
        children: d.children,
        btypes: btypes(lang),
        regions: regions(lang),
    }))
}

/// `POST /orgs/{id}`.
pub async fn org_update(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(form): UiForm<OrgForm>,
) -> PageResult {
    let input = form.input().map_err(user.err())?;
    orgs::update(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/orgs/{id}?notice=saved")).into_response())
}

/// The attribute form.
#[derive(Debug, Deserialize)]
pub struct AttributeForm {
    kind: String,
    value: String,
    /// `YYYY-MM-DD`, taken as midnight Japan time.
    valid_from: String,
}

/// Parses `YYYY-MM-DD` strictly as midnight in Japan, in Unix microseconds.
pub(crate) fn date_us(raw: &str) -> Option<i64> {
    let day = deltawall_app::time::date("valid_from", raw).ok()?;
    (1900..=9999)
        .contains(&day.year())
        .then(|| deltawall_app::time::start_of_day_us(day))
}

/// `POST /orgs/{id}/attributes`.
pub async fn org_attribute(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(form): UiForm<AttributeForm>,
) -> PageResult {
    let bad_date = ServiceError::Invalid(Invalid {
        field: "valid_from",
        reason: "is not a date",
        code: "err-bad-request",
    });
    let input = orgs::AttributeInput {
        kind: req("kind", &form.kind, AttributeKind::from_code).map_err(user.err())?,
        value: form.value.trim().to_owned(),
        valid_from: date_us(&form.valid_from)
            .ok_or(bad_date)
            .map_err(user.err())?,
    };
    orgs::set_attribute(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/orgs/{id}?notice=saved")).into_response())
}

/// `GET /orgs/{id}/users`.
pub async fn users_list(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
    Query(req): Query<deltawall_app::paging::PageRequest>,
) -> PageResult {
    let ctx = user.ctx(&state);
    let org = orgs::get(ctx, &id).await.map_err(user.err())?.org;
    let list = users::page(ctx, &id, &req).await.map_err(user.err())?;
    let a = &user.info.actor;
    let can_manage =
        a.can(Permission::ManageSector) || (id == a.org_id && a.can(Permission::ManageUsers));
    Ok(render(&UsersPage {
        l: user.layout("users-title", "orgs", n.text(user.lang)),
        pager: CursorPager::new(&user.path, list.next.as_deref()),
        org,
        users: list.items,
        can_manage,
        me: a.user_id.clone(),
        roles: roles(user.lang),
    }))
}

/// The new-user form.
#[derive(Debug, Deserialize)]
pub struct UserForm {
    login: String,
    display_name: String,
    #[serde(default)]
    email: String,
    role: String,
    password: String,
}

/// `POST /orgs/{id}/users`.
pub async fn user_create(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<UserForm>,
) -> PageResult {
    let input = users::UserInput {
        login: f.login.trim().to_owned(),
        display_name: f.display_name,
        email: Some(f.email).filter(|e| !e.trim().is_empty()),
        role: req("role", &f.role, Role::from_code).map_err(user.err())?,
        password: f.password,
    };
    users::create(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/orgs/{id}/users?notice=created")).into_response())
}

/// The user change form.
#[derive(Debug, Deserialize)]
pub struct UserChangeForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    active: String,
}

/// `POST /users/{id}`.
pub async fn user_change(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<UserChangeForm>,
) -> PageResult {
    let change = users::UserChange {
        role: opt("role", &f.role, Role::from_code).map_err(user.err())?,
        active: opt("active", &f.active, |s| s.parse::<bool>().ok()).map_err(user.err())?,
    };
    let changed = users::change(user.ctx(&state), &id, &change)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/orgs/{}/users?notice=saved", changed.org_id)).into_response())
}

/// `GET /account`.
pub async fn account_page(user: UiUser, Query(n): Query<Notice>) -> PageResult {
    let u = user.info.user.clone();
    Ok(render(&AccountPage {
        l: user.layout("account-title", "account", n.text(user.lang)),
        user: u,
        enrol: None,
    }))
}

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// `POST /account/password`: the user stays signed in on this browser with a new session.
pub async fn account_password(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<PasswordForm>,
) -> PageResult {
    account::change_password(
        user.ctx(&state),
        &state.config.throttle,
        &f.current_password,
        &f.new_password,
    )
    .await
    .map_err(user.err())?;
    Ok(Redirect::to("/login").into_response())
}

/// `POST /account/totp`: starts enrolment and shows the secret.
pub async fn account_totp_start(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<StepUpForm>,
) -> PageResult {
    let enrol = account::start_totp(
        user.ctx(&state),
        &state.config.throttle,
        &user.info.user.login,
        &f.current_password,
    )
    .await
    .map_err(user.err())?;
    let u = user.info.user.clone();
    Ok(render(&AccountPage {
        l: user.layout("account-title", "account", None),
        user: u,
        enrol: Some(enrol),
    }))
}

/// Re-authentication before a change to the second factor.
#[derive(Debug, Deserialize)]
pub struct StepUpForm {
    #[serde(default)]
    current_password: String,
}

/// The TOTP confirmation form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST /account/totp/confirm`.
pub async fn account_totp_confirm(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<CodeForm>,
) -> PageResult {
    account::confirm_totp(user.ctx(&state), &f.code)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/account?notice=mfa").into_response())
}

/// The tokens page's notice and which page of tokens is shown.
#[derive(Debug, Deserialize, Default)]
pub struct TokensQuery {
    #[serde(default)]
    notice: String,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /tokens`.
pub async fn tokens_page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<TokensQuery>,
) -> PageResult {
    let req = deltawall_app::paging::PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    let page = tokens::page(user.ctx(&state), &req)
        .await
        .map_err(user.err())?;
    let notice = Notice { notice: q.notice };
    Ok(render(&TokensPage {
        l: user.layout("tokens-title", "tokens", notice.text(user.lang)),
        pager: crate::layout::CursorPager::new(&user.path, page.next.as_deref()),
        tokens: page.items,
        new_token: None,
    }))
}

/// The token form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
    scope: String,
    days: i64,
    #[serde(default)]
    current_password: Option<String>,
    #[serde(default)]
    current_code: Option<String>,
}

/// `POST /tokens`: issues a token and shows it once (no redirect, so it is never in a URL).
pub async fn token_create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<TokenForm>,
) -> PageResult {
    let input = tokens::TokenInput {
        name: f.name,
        scope: req("scope", &f.scope, TokenScope::from_code).map_err(user.err())?,
        days: f.days,
        current_password: f.current_password,
        current_code: f.current_code,
    };
    let (_, secret) = tokens::issue(user.ctx(&state), &state.config.throttle, &input)
        .await
        .map_err(user.err())?;
    // The first page, where the new token is (newest first).
    let page = tokens::page(user.ctx(&state), &Default::default())
        .await
        .map_err(user.err())?;
    let mut resp = render(&TokensPage {
        l: user.layout("tokens-title", "tokens", None),
        pager: crate::layout::CursorPager::new("/tokens", page.next.as_deref()),
        tokens: page.items,
        new_token: Some(secret),
    });
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

/// `POST /tokens/{id}/revoke`.
pub async fn token_revoke(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(proof): UiForm<deltawall_app::platform::account::StepUp>,
) -> PageResult {
    tokens::revoke(user.ctx(&state), &state.config.throttle, &id, &proof)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/tokens?notice=revoked").into_response())
}

/// Audit log filters and the page asked for.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /audit`: newest first, a page at a time; the next page's link keeps the filter.
pub async fn audit_page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let filter = AuditFilter {
        action_prefix: Some(q.action.trim().to_owned()).filter(|a| !a.is_empty()),
        org_id: None,
    };
    let req = deltawall_app::paging::PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    let list = audit::page(user.ctx(&state), &filter, &req)
        .await
        .map_err(user.err())?;
    Ok(render(&AuditPage {
        l: user.layout("audit-title", "audit", None),
        pager: crate::layout::CursorPager::new(&user.path, list.next.as_deref()),
        entries: list.items,
        action: q.action,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_japan_midnight() {
        assert_eq!(date_us("1970-01-02"), Some((86_400 - 9 * 3600) * 1_000_000));
        assert_eq!(
            format_time(date_us("2020-06-30").unwrap()),
            "2020-06-30 00:00"
        );
        assert_eq!(date_us("2020-13-01"), None);
        assert_eq!(date_us("x"), None);
        // the old hand-rolled routine took these as dates of the next month
        assert_eq!(date_us("2024-02-31"), None);
        assert_eq!(date_us("2023-02-29"), None);
        assert!(date_us("2024-02-29").is_some());
    }
}
