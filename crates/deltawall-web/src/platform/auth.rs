//! Sign-in, second factor, sign-out, first-run setup and the language switcher.

use crate::error::{AppError, ServiceError};
use crate::http::{ClientIp, LANG_COOKIE, PageLang, UiForm, UiUser, cookie, safe_next};
use crate::i18n::{self, Lang};
use crate::layout::{Layout, render};
use crate::platform::views::{LoginPage, MfaPage, SetupPage};
use crate::router::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::platform::{account, session, setup};
use serde::Deserialize;

fn visitor_layout(lang: Lang, title: &str, path: &str, notice: Option<String>) -> Layout {
    Layout {
        lang,
        title: title.to_owned(),
        user: None,
        nav: "",
        path: path.to_owned(),
        notice,
        menu: vec![],
    }
}

fn with_cookie(mut resp: Response, cookie: HeaderValue) -> Response {
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    resp
}

/// `GET /login`.
pub async fn login_page(State(state): State<AppState>, PageLang(lang): PageLang) -> Response {
    if setup::needed(&state.store).await.unwrap_or(false) {
        let l = visitor_layout(
            lang,
            "setup-title",
            "/login",
            Some(i18n::t(lang, "setup-help").to_owned()),
        );
        return render(&LoginPage {
            l,
            error: None,
            login: String::new(),
        });
    }
    render(&LoginPage {
        l: visitor_layout(lang, "login-title", "/login", None),
        error: None,
        login: String::new(),
    })
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    UiForm(form): UiForm<LoginForm>,
) -> Response {
    match session::login(
        &state.store,
        &state.config.throttle,
        state.session_policy(),
        &ip,
        form.login.trim(),
        &form.password,
    )
    .await
    {
        Ok(s) => {
            let to = if s.mfa_pending { "/login/mfa" } else { "/" };
            with_cookie(
                Redirect::to(to).into_response(),
                state.session_cookie_header(&s.token),
            )
        }
        Err(e @ (ServiceError::BadCredentials | ServiceError::Throttled)) => {
            let l = visitor_layout(lang, "login-title", "/login", None);
            let mut resp = render(&LoginPage {
                l,
                error: Some(i18n::t(lang, e.code()).to_owned()),
                login: form.login,
            });
            *resp.status_mut() = crate::error::status(&e);
            resp
        }
        Err(e) => AppError::Page(e, lang).into_response(),
    }
}

/// `GET /login/mfa`.
pub async fn mfa_page(PageLang(lang): PageLang) -> Response {
    render(&MfaPage {
        l: visitor_layout(lang, "mfa-title", "/login/mfa", None),
        error: None,
    })
}

/// The second-factor form.
#[derive(Debug, Deserialize)]
pub struct MfaForm {
    code: String,
}

/// `POST /login/mfa`.
pub async fn mfa(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    UiForm(form): UiForm<MfaForm>,
) -> Response {
    let Some(token) = cookie(&headers, state.session_cookie()) else {
        return Redirect::to("/login").into_response();
    };
    match session::complete_mfa(
        &state.store,
        &state.config.throttle,
        state.session_policy(),
        &ip,
        token,
        &form.code,
    )
    .await
    {
        Ok(s) => with_cookie(
            Redirect::to("/").into_response(),
            state.session_cookie_header(&s.token),
        ),
        Err(ServiceError::Unauthenticated) => Redirect::to("/login").into_response(),
        Err(e @ (ServiceError::BadCredentials | ServiceError::Throttled)) => {
            let l = visitor_layout(lang, "mfa-title", "/login/mfa", None);
            let mut resp = render(&MfaPage {
                l,
                error: Some(i18n::t(lang, e.code()).to_owned()),
            });
            *resp.status_mut() = crate::error::status(&e);
            resp
        }
        Err(e) => AppError::Page(e, lang).into_response(),
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, user: UiUser) -> Result<Response, AppError> {
    session::logout(&state.store, &user.token, &user.info, Some(&user.ip))
        .await
        .map_err(user.err())?;
    Ok(with_cookie(
        Redirect::to("/login").into_response(),
        state.clear_session_cookie_header(),
    ))
}

/// The setup link's query.
#[derive(Debug, Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

/// `GET /setup?token=…`.
pub async fn setup_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Query(q): Query<SetupQuery>,
) -> Response {
    if !setup::needed(&state.store).await.unwrap_or(false) {
        return Redirect::to("/login").into_response();
    }
    render(&SetupPage {
        l: visitor_layout(lang, "setup-title", "/setup", None),
        token: q.token,
        error: None,
    })
}

/// `POST /setup`.
pub async fn setup(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    UiForm(form): UiForm<setup::SetupInput>,
) -> Response {
    match setup::complete(&state.store, &form, Some(&ip)).await {
        Ok(_) => {
            let l = visitor_layout(
                lang,
                "login-title",
                "/login",
                Some(i18n::t(lang, "setup-done").to_owned()),
            );
            render(&LoginPage {
                l,
                error: None,
                login: form.login,
            })
        }
        Err(ServiceError::Invalid(i)) => {
            let msg = format!(
                "{}: {}",
                i18n::t(lang, &format!("field-{}", i.field)),
                i18n::t(lang, i.code)
            );
            let l = visitor_layout(lang, "setup-title", "/setup", None);
            let mut resp = render(&SetupPage {
                l,
                token: form.token,
                error: Some(msg),
            });
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            resp
        }
        Err(e) => AppError::Page(e, lang).into_response(),
    }
}

/// The language switcher.
#[derive(Debug, Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// `POST /lang`: stores the choice on the account when signed in, and in a cookie so the
/// sign-in page of this browser speaks it too.
pub async fn set_lang(
    State(state): State<AppState>,
    user: Result<UiUser, AppError>,
    UiForm(form): UiForm<LangForm>,
) -> Result<Response, AppError> {
    let lang = Lang::from_code(&form.lang).unwrap_or(Lang::Ja);
    if let Ok(user) = user {
        account::set_lang(user.ctx(&state), lang)
            .await
            .map_err(user.err())?;
    }
    let back = Redirect::to(safe_next(&form.next)).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    );
    Ok(with_cookie(
        back,
        HeaderValue::from_str(&cookie).expect("ascii cookie"),
    ))
}
