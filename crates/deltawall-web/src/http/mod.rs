//! Handlers and the extractors they share. A handler extracts its input and the actor,
//! calls one service function and maps the result; nothing else.

pub mod health;

use crate::error::{AppError, ServiceError};
use crate::i18n::{self, Lang};
use crate::layout::Layout;
use crate::router::AppState;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use deltawall_app::Ctx;
use deltawall_app::platform::session::{self, SessionInfo};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// The client's address: the socket peer, or, when the server is configured to sit behind a
/// trusted proxy, the address that proxy appended to `X-Forwarded-For` (the last entry).
/// Earlier entries are whatever the client sent and cannot be trusted: taking the first
/// would let anyone pick the address the per-address sign-in block counts.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for
            && let Some(ip) = forwarded_client(&parts.headers)
        {
            return Ok(ClientIp(ip));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(ClientIp(peer.unwrap_or_else(|| "unknown".into())))
    }
}

/// The last address of every `X-Forwarded-For` header, if it is an IP address.
fn forwarded_client(headers: &HeaderMap) -> Option<String> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|v| !v.is_empty())?;
    last.parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

#[cfg(test)]
mod forwarded_tests {
    use super::*;

    fn check(values: &[&str], expected: Option<&str>) {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        assert_eq!(forwarded_client(&h).as_deref(), expected, "{values:?}");
    }

    #[test]
    fn the_proxy_appended_address_counts_not_the_clients_claim() {
        check(&["203.0.113.9, 198.51.100.7"], Some("198.51.100.7"));
        check(&["203.0.113.9", "198.51.100.7"], Some("198.51.100.7"));
        check(&["198.51.100.7,"], Some("198.51.100.7"));
        check(&["2001:db8::1"], Some("2001:db8::1"));
        check(&["not-an-address"], None);
        check(&[], None);
    }
}

/// A header as text, if present and valid.
pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A cookie's value from the `Cookie` header.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language cookie for visitors who are not signed in.
pub const LANG_COOKIE: &str = "dw_lang";

/// The language of a page for a visitor: their cookie, then `Accept-Language`, then Japanese.
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(visitor_lang(&parts.headers)))
    }
}

/// The language of a visitor: the language cookie, then `Accept-Language`, then Japanese.
pub fn visitor_lang(headers: &HeaderMap) -> Lang {
    i18n::negotiate(
        cookie(headers, LANG_COOKIE),
        header_str(headers, "accept-language"),
    )
}

/// A signed-in user of the UI (session cookie, second factor done).
#[derive(Debug, Clone)]
pub struct UiUser {
    /// The session.
    pub info: SessionInfo,
    /// The session secret (to sign out).
    pub token: String,
    /// Page language: the user's preference, then `Accept-Language`.
    pub lang: Lang,
    /// Request path with query, for the language switcher.
    pub path: String,
    /// Source address.
    pub ip: String,
    /// The items waiting for the user, for the navigation's counts (GET pages only).
    pub work: Vec<deltawall_app::work::WorkItem>,
}

impl UiUser {
    /// The service context.
    pub fn ctx<'a>(&'a self, state: &'a AppState) -> Ctx<'a> {
        Ctx {
            store: &state.store,
            actor: &self.info.actor,
            ip: Some(&self.ip),
        }
    }

    /// The page layout for this user.
    pub fn layout(&self, title: &str, nav: &'static str, notice: Option<String>) -> Layout {
        self.layout_with_work(title, nav, notice, &self.work)
    }

    /// The page layout, with the navigation's counts of the user's waiting `work`.
    pub fn layout_with_work(
        &self,
        title: &str,
        nav: &'static str,
        notice: Option<String>,
        work: &[deltawall_app::work::WorkItem],
    ) -> Layout {
        Layout {
            lang: self.lang,
            title: title.to_owned(),
            user: Some((
                self.info.user.display_name.clone(),
                self.info.user.login.clone(),
            )),
            nav,
            path: self.path.clone(),
            notice,
            menu: crate::layout::menu(&self.info.actor, work),
        }
    }

    /// Converts a service error into a page in the user's language.
    pub fn err(&self) -> impl Fn(ServiceError) -> AppError + '_ {
        move |e| AppError::Page(e, self.lang)
    }
}

/// The user's waiting items for the navigation's counts: remembered briefly for page views,
/// forgotten when the user writes (so the next page shows the effect of the action). A
/// failure to gather them leaves the counts out rather than failing the page.
async fn nav_work(
    state: &AppState,
    info: &SessionInfo,
    ip: &str,
    is_get: bool,
) -> Vec<deltawall_app::work::WorkItem> {
    let cache = &state.config.work_cache;
    let user = &info.actor.user_id;
    if !is_get {
        cache.forget(user);
        return vec![];
    }
    if let Some(items) = cache.get(user) {
        return items;
    }
    let ctx = Ctx {
        store: &state.store,
        actor: &info.actor,
        ip: Some(ip),
    };
    match deltawall_app::work::for_actor(ctx, &state.config.clock).await {
        Ok(items) => {
            cache.put(user, items.clone());
            items
        }
        Err(e) => {
            tracing::warn!(error = %e, "navigation counts unavailable");
            vec![]
        }
    }
}

impl FromRequestParts<AppState> for UiUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = visitor_lang(&parts.headers);
        let token = cookie(&parts.headers, state.session_cookie())
            .ok_or(AppError::Redirect("/login"))?
            .to_owned();
        let info = session::resolve(&state.store, state.session_policy(), &token)
            .await
            .map_err(|e| AppError::Page(e, lang))?
            .ok_or(AppError::Redirect("/login"))?;
        if info.mfa_pending {
            return Err(AppError::Redirect("/login/mfa"));
        }
        let lang = i18n::negotiate(
            info.user.lang.as_deref(),
            header_str(&parts.headers, "accept-language"),
        );
        let path = parts
            .uri
            .path_and_query()
            .map_or("/".into(), |p| p.as_str().to_owned());
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientIp("unknown".into()));
        let work = nav_work(state, &info, &ip, parts.method == axum::http::Method::GET).await;
        Ok(UiUser {
            info,
            token,
            lang,
            path,
            ip,
            work,
        })
    }
}

/// A caller of the JSON API: a bearer API token, or a signed-in browser session.
#[derive(Debug, Clone)]
pub struct ApiUser {
    /// The principal.
    pub info: SessionInfo,
    /// Source address.
    pub ip: String,
}

impl ApiUser {
    /// The service context.
    pub fn ctx<'a>(&'a self, state: &'a AppState) -> Ctx<'a> {
        Ctx {
            store: &state.store,
            actor: &self.info.actor,
            ip: Some(&self.ip),
        }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientIp("unknown".into()));
        let bearer = header_str(&parts.headers, "authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let info = match bearer {
            Some(token) => session::resolve_token(&state.store, token).await,
            None => match cookie(&parts.headers, state.session_cookie()) {
                Some(token) => session::resolve(&state.store, state.session_policy(), token).await,
                None => Ok(None),
            },
        }
        .map_err(AppError::Json)?;
        if !scope_allows(info.as_ref(), &parts.method) {
            return Err(AppError::Json(ServiceError::Forbidden));
        }
        match info {
            Some(info) if !info.mfa_pending => Ok(ApiUser { info, ip }),
            _ => Err(AppError::Json(ServiceError::Unauthenticated)),
        }
    }
}

/// Whether a caller's token scope admits the request's method (sessions carry no scope).
/// Every extractor that accepts API tokens calls this, so no handler needs to.
pub fn scope_allows(info: Option<&SessionInfo>, method: &axum::http::Method) -> bool {
    use axum::http::Method;
    let safe = [Method::GET, Method::HEAD, Method::OPTIONS].contains(method);
    info.and_then(|i| i.actor.token_scope)
        .is_none_or(|scope| scope.allows(safe))
}

/// A URL-encoded form body for the UI; a malformed body is a localised 400 page.
#[derive(Debug)]
pub struct UiForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for UiForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = visitor_lang(req.headers());
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(UiForm(v)),
            // The error-page layer renders this in the visitor's language.
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::Status {
                    status: rejection.status(),
                    message: rejection.body_text(),
                })
            }
            Err(rejection) => Err(AppError::BadRequest {
                message: rejection.body_text(),
                lang,
            }),
        }
    }
}

/// A JSON body for the API; malformed JSON, unknown fields and wrong content types get the
/// API's error envelope with serde's location of the problem.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(AppError::Status {
                status: rejection.status(),
                message: rejection.body_text(),
            }),
        }
    }
}

/// Query-string parameters; a malformed query is a 400 in the API's envelope.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(rejection) => Err(AppError::Status {
                status: rejection.status(),
                message: rejection.body_text(),
            }),
        }
    }
}

/// A relative path to return to after an action; anything else becomes `/` (no open redirects).
pub fn safe_next(next: &str) -> &str {
    // Only visible ASCII and no backslash anywhere: browsers drop tabs and newlines from
    // a URL and read `\` as `/`, so `/\t/evil.example` would become `//evil.example`,
    // and a control character cannot go into a `Location` header at all.
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if ok { next } else { "/" }
}

/// Longest query string accepted, in bytes. A search text is a few words; far longer
/// ones only load the database (SQLite refuses `LIKE` patterns over 50,000 bytes).
pub const MAX_QUERY_BYTES: usize = 8 * 1024;

/// Refuses a request whose query string is longer than [`MAX_QUERY_BYTES`] with 400,
/// before any handler runs: a JSON error under `/api/` and `/taxii2/`, a page elsewhere.
pub async fn limit_query(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let too_long = req.uri().query().is_some_and(|q| q.len() > MAX_QUERY_BYTES);
    if !too_long {
        return next.run(req).await;
    }
    let message = format!("query: longer than {MAX_QUERY_BYTES} bytes");
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/taxii2/") {
        crate::error::json_error(
            axum::http::StatusCode::BAD_REQUEST,
            "err-bad-request",
            message,
            None,
        )
    } else {
        let lang = visitor_lang(req.headers());
        AppError::BadRequest { message, lang }.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_always_local() {
        assert_eq!(safe_next("/orgs?q=1"), "/orgs?q=1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        // Issue 18, finding 11: tab and other control tricks, DEL, backslashes.
        for bad in [
            "/\t/evil.example",
            "/\x7f",
            "/\n/x",
            "/a\\b",
            "/ /evil",
            "/\u{3000}",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        assert_eq!(safe_next("/sharing?x=%2F%2F"), "/sharing?x=%2F%2F");
    }
}
