//! TAXII 2.1 handlers under `/taxii2/` and their extractors: authentication (HTTP Basic
//! over platform users, bearer API tokens, or a browser session), media-type negotiation
//! (406/415), the query filters (400 when malformed) and errors in the TAXII error format.

use crate::http::{ClientIp, cookie, header_str};
use crate::router::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use deltawall_app::Ctx;
use deltawall_app::ServiceError;
use deltawall_app::platform::session::{self, SessionInfo};
use deltawall_app::sharing::taxii::{self as sharing, Endpoint, ObjectQuery, VersionTerm};
use deltawall_store::sharing::StoredObject;
use serde_json::{Value, json};

/// The TAXII 2.1 media type, sent on every response.
pub const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

pub use deltawall_app::sharing::taxii::timestamp;

/// An error in the TAXII error-message format (§3.6.1).
#[derive(Debug)]
pub struct TaxiiError {
    status: StatusCode,
    description: String,
}

impl TaxiiError {
    fn new(status: StatusCode, description: impl Into<String>) -> Self {
        TaxiiError {
            status,
            description: description.into(),
        }
    }
}

impl From<ServiceError> for TaxiiError {
    fn from(e: ServiceError) -> Self {
        let status = match &e {
            ServiceError::Conflict { code, .. } if *code == "err-bad-request" => {
                StatusCode::BAD_REQUEST
            }
            ServiceError::Conflict { code, .. } if *code == "err-unprocessable" => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            other => crate::error::status(other),
        };
        if let ServiceError::Internal(inner) = &e {
            tracing::error!(error = %format!("{inner:#}"), "internal error");
        }
        TaxiiError::new(status, e.to_string())
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let body = json!({
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "description": self.description,
            "error_id": deltawall_app::sharing::add::uuid_v4(),
            "error_code": self.status.as_str(),
            "http_status": self.status.as_str(),
        });
        let mut resp = taxii_response(self.status, body.to_string());
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"deltawall-taxii\", Bearer"),
            );
        }
        resp
    }
}

/// The fallback answer for unknown paths under `/taxii2/` (including a missing trailing
/// slash): 404 in the TAXII format, never a redirect.
pub fn not_found() -> Response {
    TaxiiError::new(StatusCode::NOT_FOUND, "no such resource").into_response()
}

fn taxii_response(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    resp
}

/// The authenticated TAXII caller.
#[derive(Debug, Clone)]
pub struct TaxiiUser {
    info: SessionInfo,
    ip: String,
}

impl TaxiiUser {
    fn ctx<'a>(&'a self, state: &'a AppState) -> Ctx<'a> {
        Ctx {
            store: &state.store,
            actor: &self.info.actor,
            ip: Some(&self.ip),
        }
    }
}

impl FromRequestParts<AppState> for TaxiiUser {
    type Rejection = TaxiiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientIp("unknown".into()));
        let auth = header_str(&parts.headers, "authorization");
        let info = if let Some(basic) = auth.and_then(|v| v.strip_prefix("Basic ")) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(basic.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            let Some((login, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
                return Err(ServiceError::Unauthenticated.into());
            };
            let info = session::authenticate_basic(
                &state.store,
                &state.config.throttle,
                &ip,
                login,
                password,
            )
            .await
            .map_err(|e| match e {
                ServiceError::BadCredentials => ServiceError::Unauthenticated,
                other => other,
            })?;
            Some(info)
        } else if let Some(token) = auth.and_then(|v| v.strip_prefix("Bearer ")) {
            session::resolve_token(&state.store, token.trim()).await?
        } else if let Some(token) = cookie(&parts.headers, state.session_cookie()) {
            session::resolve(&state.store, state.session_policy(), token).await?
        } else {
            None
        };
        if !crate::http::scope_allows(info.as_ref(), &parts.method) {
            return Err(ServiceError::Forbidden.into());
        }
        match info {
            Some(info) if !info.mfa_pending => Ok(TaxiiUser { info, ip }),
            _ => Err(ServiceError::Unauthenticated.into()),
        }
    }
}

/// Whether one `Accept` media range admits the TAXII 2.1 media type (or, for the manifest,
/// the STIX 2.1 one).
fn admits(range: &str) -> bool {
    let mut parts = range.split(';').map(str::trim);
    let media = parts.next().unwrap_or("").to_ascii_lowercase();
    let (mut version_ok, mut q_ok) = (true, true);
    for p in parts {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "version" => version_ok = v.trim() == "2.1",
            "q" => q_ok = v.trim().parse::<f32>().is_ok_and(|q| q > 0.0),
            _ => {}
        }
    }
    let media_ok = matches!(
        media.as_str(),
        "application/taxii+json" | "application/stix+json" | "application/*" | "*/*"
    );
    media_ok && version_ok && q_ok
}

/// Refuses a request whose `Accept` admits no TAXII 2.1 response with 406 (a missing
/// `Accept` included: §3.1 requires it).
#[derive(Debug, Clone, Copy)]
pub struct TaxiiAccept;

impl<S: Send + Sync> FromRequestParts<S> for TaxiiAccept {
    type Rejection = TaxiiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ok = parts
            .headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(admits);
        if ok {
            Ok(TaxiiAccept)
        } else {
            Err(TaxiiError::new(
                StatusCode::NOT_ACCEPTABLE,
                format!("the Accept header must admit {MEDIA_TYPE}"),
            ))
        }
    }
}

/// A POST body of media type `application/taxii+json` (version 2.1 or unversioned); any
/// other `Content-Type` is a 415, a body over the limit a 413.
#[derive(Debug)]
pub struct TaxiiBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for TaxiiBody {
    type Rejection = TaxiiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = header_str(req.headers(), "content-type").unwrap_or("");
        let mut parts = ct.split(';').map(str::trim);
        let media_ok = parts
            .next()
            .is_some_and(|m| m.eq_ignore_ascii_case("application/taxii+json"));
        let version_ok = parts.all(|p| match p.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("version") => v.trim() == "2.1",
            _ => true,
        });
        if !(media_ok && version_ok) {
            return Err(TaxiiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("the Content-Type must be {MEDIA_TYPE}"),
            ));
        }
        Bytes::from_request(req, state)
            .await
            .map(TaxiiBody)
            .map_err(|r| TaxiiError::new(r.status(), r.body_text()))
    }
}

/// The filters of a TAXII request (§3.4); malformed or repeated parameters are a 400.
#[derive(Debug, Clone)]
pub struct TaxiiQuery(pub ObjectQuery);

fn bad(msg: impl Into<String>) -> TaxiiError {
    TaxiiError::new(StatusCode::BAD_REQUEST, msg)
}

fn parse_time(v: &str) -> Result<i64, TaxiiError> {
    v.parse::<jiff::Timestamp>()
        .map(|t| t.as_microsecond())
        .map_err(|_| bad(format!("not a timestamp: {v}")))
}

fn list(name: &str, v: &str) -> Result<Vec<String>, TaxiiError> {
    let items: Vec<String> = v.split(',').map(str::to_owned).collect();
    if items.iter().any(String::is_empty) {
        return Err(bad(format!("empty value in {name}")));
    }
    Ok(items)
}

/// Parses a query string into an [`ObjectQuery`].
pub fn parse_query(raw: &str) -> Result<ObjectQuery, TaxiiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw).map_err(|e| bad(format!("malformed query: {e}")))?;
    let mut q = ObjectQuery::default();
    let mut seen = std::collections::BTreeSet::new();
    for (k, v) in pairs {
        if !seen.insert(k.clone()) {
            return Err(bad(format!("{k} given more than once")));
        }
        match k.as_str() {
            "added_after" => q.added_after = Some(parse_time(&v)?),
            "limit" => {
                let n: usize = v
                    .parse()
                    .map_err(|_| bad("limit must be a positive integer"))?;
                if n == 0 {
                    return Err(bad("limit must be a positive integer"));
                }
                q.limit = Some(n);
            }
            "next" => q.next = Some(v),
            "match[id]" => q.ids = list(&k, &v)?,
            "match[type]" => q.types = list(&k, &v)?,
            "match[spec_version]" => q.spec_versions = list(&k, &v)?,
            "match[version]" => {
                for item in list(&k, &v)? {
                    let term = match item.as_str() {
                        "last" => VersionTerm::Last,
                        "first" => VersionTerm::First,
                        "all" => VersionTerm::All,
                        t => VersionTerm::At(parse_time(t)?),
                    };
                    if q.versions.contains(&term) {
                        return Err(bad("a match[version] value is repeated"));
                    }
                    q.versions.push(term);
                }
                if q.versions.contains(&VersionTerm::All) && q.versions.len() > 1 {
                    return Err(bad("match[version]=all cannot be combined"));
                }
            }
            _ => {}
        }
    }
    Ok(q)
}

impl<S: Send + Sync> FromRequestParts<S> for TaxiiQuery {
    type Rejection = TaxiiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or("")).map(TaxiiQuery)
    }
}

type TResult = Result<Response, TaxiiError>;

fn ok_json(value: &Value) -> Response {
    taxii_response(StatusCode::OK, value.to_string())
}

/// `GET /taxii2/`: the API roots the caller holds a grant in.
pub async fn discovery(State(state): State<AppState>, user: TaxiiUser, _: TaxiiAccept) -> TResult {
    let roots = sharing::discovery(&user.ctx(&state)).await?;
    let mut body = json!({
        "title": "Deltawall TAXII 2.1",
        "description": "Sharing for Japan's financial sector",
    });
    if !roots.is_empty() {
        let urls: Vec<String> = roots.iter().map(|r| format!("/taxii2/{}/", r.id)).collect();
        body["api_roots"] = json!(urls);
        if let Some(d) = sharing::default_root(&roots) {
            body["default"] = format!("/taxii2/{}/", d.id).into();
        }
    }
    Ok(ok_json(&body))
}

/// `GET /taxii2/{root}/`.
pub async fn api_root(
    State(state): State<AppState>,
    user: TaxiiUser,
    _: TaxiiAccept,
    Path(root): Path<String>,
) -> TResult {
    let r = sharing::api_root(&user.ctx(&state), &root).await?;
    let mut body = json!({
        "title": r.title,
        "versions": [MEDIA_TYPE],
        "max_content_length": state.config.max_body_bytes,
    });
    if let Some(d) = r.description {
        body["description"] = d.into();
    }
    Ok(ok_json(&body))
}

/// `GET /taxii2/{root}/status/{id}/`.
pub async fn status(
    State(state): State<AppState>,
    user: TaxiiUser,
    _: TaxiiAccept,
    Path((root, id)): Path<(String, String)>,
) -> TResult {
    let doc = sharing::status(&user.ctx(&state), &root, &id).await?;
    Ok(ok_json(&doc))
}

fn collection_json(c: &deltawall_store::sharing::Collection) -> Value {
    let mut v = json!({
        "id": c.id,
        "title": c.title,
        "can_read": c.grant.can_read,
        "can_write": c.grant.can_write,
        "media_types": ["application/stix+json;version=2.1"],
    });
    if let Some(d) = &c.description {
        v["description"] = d.clone().into();
    }
    if let Some(a) = &c.alias {
        v["alias"] = a.clone().into();
    }
    v
}

/// `GET /taxii2/{root}/collections/`.
pub async fn collections(
    State(state): State<AppState>,
    user: TaxiiUser,
    _: TaxiiAccept,
    Path(root): Path<String>,
) -> TResult {
    let list = sharing::collections(&user.ctx(&state), &root).await?;
    let items: Vec<Value> = list.iter().map(collection_json).collect();
    Ok(ok_json(&json!({ "collections": items })))
}

/// `GET /taxii2/{root}/collections/{id}/`.
pub async fn collection(
    State(state): State<AppState>,
    user: TaxiiUser,
    _: TaxiiAccept,
    Path((root, id)): Path<(String, String)>,
) -> TResult {
    let c = sharing::collection(&user.ctx(&state), &root, &id).await?;
    Ok(ok_json(&collection_json(&c)))
}

/// A 200 page with the `X-TAXII-Date-Added-First/Last` headers (omitted when empty).
fn page_response(items: &[StoredObject], body: String) -> Response {
    let mut resp = taxii_response(StatusCode::OK, body);
    if let (Some(first), Some(last)) = (items.first(), items.last()) {
        for (name, us) in [
            ("x-taxii-date-added-first", first.date_added),
            ("x-taxii-date-added-last", last.date_added),
        ] {
            if let Ok(v) = HeaderValue::from_str(&timestamp(us)) {
                resp.headers_mut().insert(name, v);
            }
        }
    }
    resp
}

/// `{"more":…,"next":…,"<key>":[…]}` around already serialised items; `{}` when empty.
fn envelope(page: &sharing::ObjectPage, key: &str, items: Vec<String>) -> String {
    if items.is_empty() && !page.more {
        return "{}".into();
    }
    let mut head = format!("{{\"more\":{}", page.more);
    if let Some(n) = &page.next {
        head.push_str(&format!(",\"next\":{}", Value::from(n.as_str())));
    }
    format!("{head},\"{key}\":[{}]}}", items.join(","))
}

async fn read(
    state: &AppState,
    user: &TaxiiUser,
    (root, coll, object): (&str, &str, Option<&str>),
    endpoint: Endpoint,
    q: &ObjectQuery,
) -> TResult {
    let page = sharing::read_page(&user.ctx(state), root, coll, endpoint, object, q).await?;
    let items: Vec<String> = match endpoint {
        Endpoint::Objects | Endpoint::Object => page.items.iter().map(|o| o.json.clone()).collect(),
        Endpoint::Manifest => page
            .items
            .iter()
            .map(|o| {
                json!({"id": o.stix_id, "date_added": timestamp(o.date_added),
                       "version": o.version, "media_type": "application/stix+json;version=2.1"})
                .to_string()
            })
            .collect(),
        Endpoint::Versions => page
            .items
            .iter()
            .map(|o| Value::from(o.version.as_str()).to_string())
            .collect(),
    };
    let key = match endpoint {
        Endpoint::Versions => "versions",
        _ => "objects",
    };
    Ok(page_response(&page.items, envelope(&page, key, items)))
}

/// `GET /taxii2/{root}/collections/{id}/objects/`.
pub async fn objects_get(
    State(state): State<AppState>,
    user: TaxiiUser,
    _: TaxiiAccept,
    Path((root, coll)): Path<(String, String)>,
    TaxiiQuery(q): TaxiiQuery,
) -> TResult {
    read(&state, &user, (&root, &coll, None), Endpoint::Objects, &q).await
}

/// `GET /taxii2/{root}/collections/{id}/manifest/`.
pub async fn manifest(
    State(state): State<AppState>,
    user: TaxiiUser,
    _: TaxiiAccept,
    Path((root, coll)): Path<(String, String)>,
    TaxiiQuery(q): TaxiiQuery,
) -> TResult {
    read(&state, &user, (&root, &coll, None), Endpoint::Manifest, &q).await
}

/// `GET /taxii2/{root}/collections/{id}/objects/{object_id}/`.
pub async fn object_get(
    State(state): State<AppState>,
    user: TaxiiUser,
    _: TaxiiAccept,
    Path((root, coll, object)): Path<(String, String, String)>,
    TaxiiQuery(q): TaxiiQuery,
) -> TResult {
    read(
        &state,
        &user,
        (&root, &coll, Some(&object)),
        Endpoint::Object,
        &q,
    )
    .await
}

/// `GET /taxii2/{root}/collections/{id}/objects/{object_id}/versions/`.
pub async fn versions(
    State(state): State<AppState>,
    user: TaxiiUser,
    _: TaxiiAccept,
    Path((root, coll, object)): Path<(String, String, String)>,
    TaxiiQuery(q): TaxiiQuery,
) -> TResult {
    read(
        &state,
        &user,
        (&root, &coll, Some(&object)),
        Endpoint::Versions,
        &q,
    )
    .await
}

/// `DELETE /taxii2/{root}/collections/{id}/objects/{object_id}/`.
pub async fn object_delete(
    State(state): State<AppState>,
    user: TaxiiUser,
    _: TaxiiAccept,
    Path((root, coll, object)): Path<(String, String, String)>,
    TaxiiQuery(q): TaxiiQuery,
) -> TResult {
    sharing::delete_object(&user.ctx(&state), &root, &coll, &object, &q).await?;
    Ok(taxii_response(StatusCode::OK, String::new()))
}

/// `POST /taxii2/{root}/collections/{id}/objects/`: 202 with the status resource.
pub async fn objects_post(
    State(state): State<AppState>,
    user: TaxiiUser,
    _: TaxiiAccept,
    Path((root, coll)): Path<(String, String)>,
    TaxiiBody(body): TaxiiBody,
) -> TResult {
    let out = sharing::add_objects(
        &user.ctx(&state),
        &root,
        &coll,
        &body,
        state.config.max_body_bytes,
    )
    .await?;
    Ok(taxii_response(StatusCode::ACCEPTED, out.status.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_ranges() {
        for ok in [
            MEDIA_TYPE,
            "application/taxii+json",
            "*/*",
            "application/*;q=0.5",
        ] {
            assert!(admits(ok), "{ok}");
        }
        for no in [
            "application/json",
            "application/taxii+json;version=2.0",
            "application/taxii+json;q=0;version=2.1",
            "application/taxii+json;version=2.1;q=0",
        ] {
            assert!(!admits(no), "{no}");
        }
    }

    #[test]
    fn queries() {
        let q = parse_query("match[version]=first,2026-01-01T00:00:00Z&limit=3").unwrap();
        assert_eq!(q.limit, Some(3));
        assert_eq!(q.versions[0], VersionTerm::First);
        assert!(parse_query("match[id]=a,,b").is_err());
        assert!(parse_query("limit=1&limit=2").is_err());
        assert_eq!(timestamp(1), "1970-01-01T00:00:00.000001Z");
    }
}
