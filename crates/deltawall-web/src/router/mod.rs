//! Every route of the service, and the middleware every request passes through. The route
//! tables of the incident-response features (detections, cases and reports, exercises,
//! ATT&CK and TLPT) sit in `incident_response.rs`; this file mounts them with the rest.

mod exercise_authoring;
mod incident_patterns;
mod incident_response;
mod vuln;
mod vuln_tp;

use crate::config::Config;
use crate::downloads;
use crate::error::json_error;
use crate::http::{PageLang, health};
use crate::platform::{api, auth as ui_auth, pages as ui};
use crate::posture::{api as posture_api, oscal_api, ui as posture_ui};
use crate::sharing::{api as sharing_api, pages as ui_sharing, taxii};
use crate::supervision::alerts::api as alert_api;
use crate::supervision::alerts::pages as alert_pages;
use crate::supervision::benchmarks::pages as sup_benchmarks;
use crate::supervision::benchmarks::sources as sup_bench_sources;
use crate::supervision::engagements::pages as engagements;
use crate::supervision::figures::pages as sup_figures;
use crate::supervision::ranking::pages as sup_rank;
use crate::supervision::requests::api as sup_api;
use crate::supervision::requests::pages as sup_ui_requests;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use deltawall_app::platform::session::SessionPolicy;
use deltawall_store::Store;
use exercise_authoring::exercise_authoring_routes;
use incident_response::*;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use vuln::*;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The validated configuration.
    pub config: Arc<Config>,
}

impl AppState {
    /// Name of the session cookie: `__Host-` prefixed (Secure, host-only, path /) unless
    /// secure cookies are turned off for plain-HTTP development.
    pub fn session_cookie(&self) -> &'static str {
        if self.config.secure_cookies {
            "__Host-dw_session"
        } else {
            "dw_session"
        }
    }

    /// Session lifetimes.
    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy {
            idle_secs: self.config.session_idle_secs,
            max_secs: self.config.session_max_secs,
        }
    }

    /// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, Secure.
    pub fn session_cookie_header(&self, token: &str) -> HeaderValue {
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let v = format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Lax{secure}",
            self.session_cookie()
        );
        HeaderValue::from_str(&v).expect("session tokens are URL-safe base64")
    }

    /// `Set-Cookie` that removes the session cookie.
    pub fn clear_session_cookie_header(&self) -> HeaderValue {
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        HeaderValue::from_str(&format!(
            "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}",
            self.session_cookie()
        ))
        .expect("ascii")
    }
}

fn ui_routes() -> Router<AppState> {
    Router::new()
        .merge(home_ui_routes())
        .route("/login", get(ui_auth::login_page).post(ui_auth::login))
        .route("/login/mfa", get(ui_auth::mfa_page).post(ui_auth::mfa))
        .route("/logout", post(ui_auth::logout))
        .route("/setup", get(ui_auth::setup_page).post(ui_auth::setup))
        .route("/lang", post(ui_auth::set_lang))
        .route("/orgs", get(ui::orgs_list).post(ui::org_create))
        .route("/orgs.csv", get(ui::orgs_csv))
        .route("/orgs.xlsx", get(ui::orgs_xlsx))
        .route("/orgs/new", get(ui::org_new))
        .route("/orgs/{id}", get(ui::org_show).post(ui::org_update))
        .route("/orgs/{id}/attributes", post(ui::org_attribute))
        .route(
            "/orgs/{id}/users",
            get(ui::users_list).post(ui::user_create),
        )
        .route("/users/{id}", post(ui::user_change))
        .route("/account", get(ui::account_page))
        .route("/account/password", post(ui::account_password))
        .route("/account/totp", post(ui::account_totp_start))
        .route("/account/totp/confirm", post(ui::account_totp_confirm))
        .route("/tokens", get(ui::tokens_page).post(ui::token_create))
        .route("/tokens/{id}/revoke", post(ui::token_revoke))
        .route("/audit", get(ui::audit_page))
        .route("/sharing", get(ui_sharing::home))
        .route("/sharing/{root}/{id}", get(ui_sharing::collection))
        .route(
            "/sharing/{root}/{id}/publish",
            get(ui_sharing::publish_form),
        )
        .route(
            "/sharing/{root}/{id}/indicators",
            post(ui_sharing::publish_indicator),
        )
        .route(
            "/sharing/{root}/{id}/reports",
            post(ui_sharing::publish_report),
        )
        .route(
            "/sharing/{root}/{id}/objects/{object}",
            get(ui_sharing::object),
        )
        .route(
            "/sharing/{root}/{id}/objects/{object}/sightings",
            post(ui_sharing::sighting),
        )
        .route(
            "/sharing/{root}/{id}/objects/{object}/opinions",
            post(ui_sharing::opinion),
        )
        .route("/static/app.css", get(health::css))
        .route("/static/exercise.js", get(crate::exercises::events::script))
        .merge(posture_ui_routes())
        .merge(sup_ui_routes())
        .merge(alert_ui_routes())
        .merge(sup_figures_ui_routes())
        .merge(sup_rank_ui_routes())
        .merge(attack_ui_routes())
        .merge(exercise_ui_routes())
        .merge(exercise_authoring_routes())
        .merge(detection_ui_routes())
        .merge(incident_ui_routes())
        .merge(vuln_ui_routes())
        .merge(vuln_tp::vuln_tp_ui_routes())
        // Every page's tables as CSV/XLSX, read from the page its own handler rendered.
        .layer(axum::middleware::from_fn(downloads::table_downloads))
}

/// The home page and the supervisor's late list (`home/`).
fn home_ui_routes() -> Router<AppState> {
    use crate::home;
    Router::new()
        .route("/", get(home::page))
        .route("/supervision/late", get(home::late_page))
}

/// The work list and the late list for machine clients (`home/`).
fn home_api_routes() -> Router<AppState> {
    use crate::home;
    Router::new()
        .route("/api/v1/me/work", get(home::api_work))
        .route("/api/v1/supervision/late", get(home::api_late))
}

fn sup_ui_routes() -> Router<AppState> {
    use sup_ui_requests as s;
    Router::new()
        .route("/requests", get(s::home))
        .route("/supervision/requests", post(s::send))
        .route("/supervision/requests/new", get(s::compose))
        .route("/supervision/requests/preview", post(s::preview))
        .route("/supervision/requests/{id}", get(s::detail))
        .route("/supervision/requests/{id}/tasks/{task}", get(s::task))
        .route(
            "/supervision/requests/{id}/tasks/{task}/decision",
            post(s::decide),
        )
        .route(
            "/tasks/reminders",
            get(crate::supervision::requests::reminders::page),
        )
        .route("/tasks/{id}", get(s::my_task))
        .route("/tasks/{id}/draft", post(s::save_draft))
        .route("/tasks/{id}/submit", post(s::submit))
}

/// The pages of alerts (`supervision/alerts/`).
fn alert_ui_routes() -> Router<AppState> {
    use alert_pages as a;
    Router::new()
        .route("/alerts", get(a::alerts_home))
        .route("/supervision/alerts", post(a::alert_send))
        .route("/supervision/alerts/new", get(a::alert_compose))
        .route("/supervision/alerts/preview", post(a::alert_preview))
        .route("/supervision/alerts/{id}", get(a::alert_detail))
        .route("/alerts/{id}", get(a::my_alert))
        .route("/alerts/{id}/ack", post(a::acknowledge))
}

/// The JSON API of requests (`supervision/requests/api.rs`).
fn sup_api_routes() -> Router<AppState> {
    use sup_api as s;
    Router::new()
        .route(
            "/api/v1/supervision/requests",
            get(s::request_list).post(s::request_send),
        )
        .route(
            "/api/v1/supervision/requests/preview",
            post(s::request_preview),
        )
        .route("/api/v1/supervision/requests/{id}", get(s::request_get))
        .route(
            "/api/v1/supervision/requests/{id}/tasks/{task}",
            get(s::request_task),
        )
        .route(
            "/api/v1/supervision/requests/{id}/tasks/{task}/decision",
            post(s::request_decide),
        )
        .route("/api/v1/tasks", get(s::tasks))
        .route(
            "/api/v1/tasks/reminders",
            get(crate::supervision::requests::reminders::api),
        )
        .route("/api/v1/tasks/{id}", get(s::task_get))
        .route(
            "/api/v1/tasks/{id}/draft",
            axum::routing::put(s::task_draft),
        )
        .route("/api/v1/tasks/{id}/submit", post(s::task_submit))
}

/// The JSON API of alerts (`supervision/alerts/api.rs`).
fn alert_api_routes() -> Router<AppState> {
    use alert_api as a;
    Router::new()
        .route(
            "/api/v1/supervision/alerts",
            get(a::alert_list).post(a::alert_send),
        )
        .route("/api/v1/supervision/alerts/preview", post(a::alert_preview))
        .route("/api/v1/supervision/alerts/{id}", get(a::alert_get))
        .route("/api/v1/alerts", get(a::my_alerts))
        .route("/api/v1/alerts/{id}", get(a::my_alert))
        .route("/api/v1/alerts/{id}/ack", post(a::alert_ack))
}

fn sup_figures_ui_routes() -> Router<AppState> {
    use sup_figures as f;
    Router::new()
        .route(
            "/incidents",
            get(f::incidents_page).post(f::incident_report),
        )
        .route("/incidents.csv", get(f::incidents_csv))
        .route(
            "/exercises",
            get(f::exercises_page).post(f::exercise_create),
        )
        .route("/exercises/{id}", get(f::exercise_page))
        .route("/exercises/{id}/participants", post(f::participant_record))
        .route("/supervision/figures", get(f::figures_page))
        .route("/supervision/figures/{file}", get(f::figure_download))
        .route("/supervision/report", get(f::report_page))
        .route("/supervision/report.xlsx", get(f::report_xlsx))
        .route("/benchmarks", get(sup_benchmarks::page))
        .route("/benchmarks/sources", get(sup_bench_sources::page))
        .route("/benchmarks.csv", get(sup_benchmarks::csv))
        .route("/benchmarks.xlsx", get(sup_benchmarks::xlsx))
        .route(
            "/supervision/benchmarks/k",
            post(sup_benchmarks::set_k_form),
        )
}

fn sup_figures_api_routes() -> Router<AppState> {
    use sup_figures as f;
    Router::new()
        .route(
            "/api/v1/incidents",
            get(f::api_incidents).post(f::api_incident_report),
        )
        .route(
            "/api/v1/exercises",
            get(f::api_exercises).post(f::api_exercise_create),
        )
        .route(
            "/api/v1/exercises/{id}/participants",
            post(f::api_participant_record),
        )
        .route("/api/v1/supervision/figures", get(f::api_figures))
        .route("/api/v1/benchmarks", get(sup_benchmarks::api))
        .route("/api/v1/benchmarks/sources", get(sup_bench_sources::api))
        .route(
            "/api/v1/supervision/benchmarks/k",
            axum::routing::put(sup_benchmarks::api_set_k),
        )
}

/// The posture pages (`http/posture_ui.rs`). Evidence uploads get their own body limit.
fn posture_ui_routes() -> Router<AppState> {
    use posture_ui as p;
    Router::new()
        .route("/posture", get(p::home))
        .route("/posture/assessments", post(p::assessment_create))
        .route("/posture/assessments/{id}", get(p::assessment))
        .route("/posture/assessments/{id}/results.csv", get(p::results_csv))
        .route("/posture/assessments/{id}/answers", post(p::answer))
        .route("/posture/assessments/{id}/confirm", post(p::confirm))
        .route("/posture/assessments/{id}/submit", post(p::submit))
        .route("/posture/assessments/{id}/history", get(p::history))
        .route(
            "/posture/evidence",
            get(p::evidence_list)
                .post(p::evidence_upload)
                .layer(DefaultBodyLimit::max(EVIDENCE_BODY_LIMIT)),
        )
        .route("/posture/evidence.csv", get(p::evidence_csv))
        .route("/posture/evidence/{id}", get(p::evidence_download))
        .route("/posture/risks", get(p::risks).post(p::risk_create))
        .route("/posture/risks.csv", get(p::risks_csv))
        .route("/posture/risks/{id}", post(p::risk_update))
        .route(
            "/posture/findings",
            get(p::findings).post(p::finding_create),
        )
        .route("/posture/findings.csv", get(p::findings_csv))
        .route("/posture/findings/{id}", get(p::finding))
        .route("/posture/findings/{id}/transition", post(p::transition))
        .route(
            "/posture/findings/{id}/milestones",
            post(p::milestone_create),
        )
        .route(
            "/posture/findings/{id}/milestones/{milestone}/done",
            post(p::milestone_done),
        )
        .route("/posture/group", get(p::group))
        .route("/posture/group.csv", get(p::group_csv))
        .route("/posture/report", get(p::report))
        .route("/posture/report.csv", get(p::report_csv))
        .route("/posture/report.xlsx", get(p::report_xlsx))
        .merge(oscal_ui_routes())
}

/// An OSCAL upload's body: a profile and its catalog, each within the import limit, plus
/// room for the form's other parts. Each document is checked again before parsing.
const OSCAL_BODY_LIMIT: usize = 2 * deltawall_app::posture::catalogs::MAX_IMPORT_BYTES + (64 << 10);

/// A mapping CSV upload's body.
const MAPPING_BODY_LIMIT: usize = deltawall_app::posture::mappings::MAX_CSV_BYTES + (64 << 10);

/// Catalog, OSCAL and mapping pages (`posture/ui/catalogs.rs`).
fn oscal_ui_routes() -> Router<AppState> {
    use posture_ui as p;
    Router::new()
        .route(
            "/posture/catalogs",
            get(p::catalogs)
                .post(p::catalog_import)
                .layer(DefaultBodyLimit::max(OSCAL_BODY_LIMIT)),
        )
        .route("/posture/catalogs/{id}", get(p::catalog))
        .route(
            "/posture/mappings",
            get(p::mappings)
                .post(p::mapping_import)
                .layer(DefaultBodyLimit::max(MAPPING_BODY_LIMIT)),
        )
        .route("/posture/mappings/builtin", post(p::mapping_builtin))
        .route("/posture/mappings/{id}", get(p::mapping))
        .route("/posture/mappings/{id}/entries.csv", get(p::mapping_csv))
        .route("/posture/mappings/{id}/entries.xlsx", get(p::mapping_xlsx))
        .route("/posture/assessments/{id}/prefill", post(p::prefill))
        .route(
            "/posture/assessments/{id}/oscal-assessment-results.json",
            get(p::oscal_results),
        )
        .route(
            "/posture/assessments/{id}/oscal-poam.json",
            get(p::oscal_poam),
        )
}

/// The catalog, OSCAL and mapping JSON API (`http/oscal_api.rs`).
fn oscal_api_routes() -> Router<AppState> {
    use oscal_api as o;
    Router::new()
        .route(
            "/api/v1/posture/catalogs",
            get(o::catalogs)
                .post(o::catalog_import)
                .layer(DefaultBodyLimit::max(OSCAL_BODY_LIMIT)),
        )
        .route("/api/v1/posture/catalogs/{id}", get(o::catalog_get))
        .route(
            "/api/v1/posture/mappings",
            get(o::mappings)
                .post(o::mapping_import)
                .layer(DefaultBodyLimit::max(MAPPING_BODY_LIMIT)),
        )
        .route("/api/v1/posture/mappings/builtin", post(o::mapping_builtin))
        .route("/api/v1/posture/mappings/{id}", get(o::mapping_get))
        .route("/api/v1/posture/assessments/{id}/prefill", post(o::prefill))
        .route("/api/v1/posture/assessments/{id}/confirm", post(o::confirm))
        .route(
            "/api/v1/posture/assessments/{id}/oscal/assessment-results",
            get(o::oscal_results),
        )
        .route(
            "/api/v1/posture/assessments/{id}/oscal/poam",
            get(o::oscal_poam),
        )
}

/// The supervisor's ranking and engagement pages (`supervision/ranking/`, `supervision/engagements/`).
fn sup_rank_ui_routes() -> Router<AppState> {
    use sup_rank as s;
    Router::new()
        .route("/supervision", get(s::home))
        .route("/supervision/ranking", get(s::ranking))
        .route("/supervision/ranking.csv", get(s::ranking_csv))
        .route("/supervision/ranking.xlsx", get(s::ranking_xlsx))
        .route(
            "/supervision/weights",
            get(s::weights).post(s::weights_save),
        )
        .route(
            "/supervision/engagements",
            get(engagements::engagements).post(engagements::engagement_plan),
        )
        .route(
            "/supervision/engagements/{id}",
            get(engagements::engagement),
        )
        .route(
            "/supervision/engagements/{id}/commands",
            post(engagements::engagement_command),
        )
        .route(
            "/supervision/engagements/{id}/findings",
            post(engagements::engagement_finding),
        )
}

/// The supervisor's ranking and engagement API (`supervision/ranking/api.rs`).
fn sup_rank_api_routes() -> Router<AppState> {
    use crate::supervision::ranking::api as s;
    Router::new()
        .route("/api/v1/supervision/ranking", get(s::ranking))
        .route(
            "/api/v1/supervision/weights",
            get(s::weights).post(s::weights_save),
        )
        .route(
            "/api/v1/supervision/engagements",
            get(s::engagements).post(s::engagement_plan),
        )
        .route(
            "/api/v1/supervision/engagements/{id}",
            get(s::engagement_get),
        )
        .route(
            "/api/v1/supervision/engagements/{id}/commands",
            post(s::engagement_command),
        )
        .route(
            "/api/v1/supervision/engagements/{id}/findings",
            post(s::engagement_finding),
        )
}

/// An evidence upload's body: the file's limit plus room for the form's other parts.
const EVIDENCE_BODY_LIMIT: usize =
    deltawall_app::posture::evidence::MAX_EVIDENCE_BYTES + (64 << 10);

/// The posture JSON API (`http/posture_api.rs`).
fn posture_api_routes() -> Router<AppState> {
    use posture_api as p;
    Router::new()
        .route("/api/v1/posture/catalog", get(p::catalog))
        .route(
            "/api/v1/posture/assessments",
            get(p::assessments).post(p::assessment_create),
        )
        .route("/api/v1/posture/assessments/{id}", get(p::assessment_get))
        .route("/api/v1/posture/assessments/{id}/answers", post(p::answer))
        .route("/api/v1/posture/assessments/{id}/history", get(p::history))
        .route("/api/v1/posture/assessments/{id}/submit", post(p::submit))
        .route(
            "/api/v1/posture/evidence",
            get(p::evidence_list)
                .post(p::evidence_upload)
                .layer(DefaultBodyLimit::max(EVIDENCE_BODY_LIMIT)),
        )
        .route("/api/v1/posture/evidence/{id}", get(p::evidence_get))
        .route("/api/v1/posture/risks", get(p::risks).post(p::risk_create))
        .route(
            "/api/v1/posture/risks/{id}",
            axum::routing::put(p::risk_update),
        )
        .route(
            "/api/v1/posture/findings",
            get(p::findings).post(p::finding_create),
        )
        .route("/api/v1/posture/findings/{id}", get(p::finding_get))
        .route(
            "/api/v1/posture/findings/{id}/transitions",
            post(p::transition),
        )
        .route(
            "/api/v1/posture/findings/{id}/milestones",
            post(p::milestone_create),
        )
        .route(
            "/api/v1/posture/findings/{id}/milestones/{milestone}/done",
            post(p::milestone_done),
        )
        .route("/api/v1/posture/report", get(p::management_report))
        .route("/api/v1/posture/group", get(p::group_report))
}

fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/orgs", get(api::orgs_list).post(api::org_create))
        .route("/api/v1/orgs/{id}", get(api::org_get).put(api::org_update))
        .route("/api/v1/orgs/{id}/attributes", post(api::org_attribute))
        .route(
            "/api/v1/orgs/{id}/users",
            get(api::users_list).post(api::user_create),
        )
        .route("/api/v1/users/{id}", axum::routing::patch(api::user_change))
        .route(
            "/api/v1/tokens",
            get(api::tokens_list).post(api::token_create),
        )
        .route(
            "/api/v1/tokens/{id}",
            axum::routing::delete(api::token_revoke),
        )
        .route("/api/v1/audit", get(api::audit_list))
        .route(
            "/api/v1/sharing/roots",
            get(sharing_api::roots).post(sharing_api::root_create),
        )
        .route(
            "/api/v1/sharing/roots/{id}/close",
            post(sharing_api::root_close),
        )
        .route(
            "/api/v1/sharing/roots/{id}/reopen",
            post(sharing_api::root_reopen),
        )
        .route(
            "/api/v1/sharing/roots/{id}/collections",
            post(sharing_api::collection_create),
        )
        .route(
            "/api/v1/sharing/roots/{id}/collections/{collection}/indicators",
            get(sharing_api::indicators),
        )
        .route("/api/v1/openapi.json", get(openapi_json))
        .merge(home_api_routes())
        .merge(posture_api_routes())
        .merge(oscal_api_routes())
        .merge(sup_api_routes())
        .merge(alert_api_routes())
        .merge(sup_figures_api_routes())
        .merge(sup_rank_api_routes())
        .route(
            "/api/v1/attack/layers/detection",
            get(crate::attack::api::detection_layer),
        )
        .merge(tlpt_api_routes())
        .merge(exercise_api_routes())
        .merge(detection_api_routes())
        .merge(incident_api_routes())
        .merge(vuln_api_routes())
        .merge(vuln_tp::vuln_tp_api_routes())
}

/// TAXII 2.1 (`http/taxii.rs`). Every path ends with `/`; a path without it is a TAXII 404.
fn taxii_routes() -> Router<AppState> {
    Router::new()
        .route("/taxii2/", get(taxii::discovery))
        .route("/taxii2/{root}/", get(taxii::api_root))
        .route("/taxii2/{root}/status/{id}/", get(taxii::status))
        .route("/taxii2/{root}/collections/", get(taxii::collections))
        .route("/taxii2/{root}/collections/{id}/", get(taxii::collection))
        .route(
            "/taxii2/{root}/collections/{id}/objects/",
            get(taxii::objects_get).post(taxii::objects_post),
        )
        .route(
            "/taxii2/{root}/collections/{id}/manifest/",
            get(taxii::manifest),
        )
        .route(
            "/taxii2/{root}/collections/{id}/objects/{object}/",
            get(taxii::object_get).delete(taxii::object_delete),
        )
        .route(
            "/taxii2/{root}/collections/{id}/objects/{object}/versions/",
            get(taxii::versions),
        )
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(crate::openapi::document())
}

async fn not_found(PageLang(lang): PageLang, req: Request) -> Response {
    if req.uri().path().starts_with("/taxii2") {
        taxii::not_found()
    } else if req.uri().path().starts_with("/api/") {
        json_error(
            StatusCode::NOT_FOUND,
            "err-not-found",
            "no such resource".into(),
            None,
        )
    } else {
        crate::layout::error_page(
            StatusCode::NOT_FOUND,
            lang,
            crate::i18n::t(lang, "err-not-found"),
        )
    }
}

fn csrf_rejection(_: tower_http::csrf::ProtectionError) -> Response<axum::body::Body> {
    json_error(
        StatusCode::FORBIDDEN,
        "err-csrf",
        "cross-site request refused".into(),
        None,
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<axum::body::Body> {
    tracing::error!("a handler panicked");
    json_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "err-internal",
        "internal error".into(),
        None,
    )
}

/// Strict security headers on every response. No inline script anywhere; the one script is
/// our own `/static/exercise.js` (live exercise pages), so the policy allows only 'self'
/// and the UI still works without JavaScript.
fn security_headers(router: Router) -> Router {
    let headers: [(&str, &str); 7] = [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
        ("cache-control", "no-store"),
    ];
    headers.into_iter().fold(router, |r, (name, value)| {
        r.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ))
    })
}

/// Builds the application: routes, state and middleware.
pub fn build_router(state: AppState) -> Router {
    let hsts = state.config.public_url.starts_with("https://");
    let trusted = state.config.public_url.trim_end_matches('/').to_owned();
    let csrf = CsrfLayer::new()
        .add_trusted_origin(&trusted)
        .unwrap_or_else(|_| CsrfLayer::new())
        .with_rejection_response(csrf_rejection);
    let body_limit = state.config.max_body_bytes;
    let mut router = Router::new()
        .merge(ui_routes())
        .merge(api_routes())
        .merge(taxii_routes())
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(csrf)
        .layer(axum::middleware::from_fn(crate::http::limit_query));
    router = security_headers(router);
    if hsts {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        ));
    }
    // Spans carry the path only: query strings may hold one-time secrets (the setup link).
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request| {
        tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
    });
    router
        .layer(trace)
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(
            crate::layout::error_pages::as_pages,
        ))
}
