//! What every page shares: the layout around its content, rendering, the error page, pagers,
//! charts and formatting. Each feature's page models sit in its own folder beside its
//! templates (askama, checked at compile time; template paths are relative to `src/`).

pub mod error_pages;
pub mod nav;

pub use nav::{NavGroup, menu};

use crate::i18n::{self, Lang};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::records::Organisation;

/// What every page shows around its content.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Page language.
    pub lang: Lang,
    /// Title key.
    pub title: String,
    /// The signed-in user's display name and organisation, if any.
    pub user: Option<(String, String)>,
    /// Which navigation entry is current.
    pub nav: &'static str,
    /// The path, for the language switcher to return to.
    pub path: String,
    /// A one-line notice (after an action).
    pub notice: Option<String>,
    /// The navigation for the signed-in user's role (empty for visitors).
    pub menu: Vec<NavGroup>,
}

impl Layout {
    /// A message in the page language.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    /// The language to switch to.
    pub fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }

    /// Label of the other language, in that language.
    pub fn other_lang_label(&self) -> &'static str {
        i18n::t(self.lang.other(), "lang-name")
    }

    /// `aria-current` for a navigation entry.
    pub fn current(&self, nav: &str) -> &'static str {
        if self.nav == nav { "page" } else { "false" }
    }

    /// Formats Unix microseconds as `YYYY-MM-DD HH:MM` in Japan time.
    pub fn time(&self, us: &i64) -> String {
        format_time(*us)
    }

    /// Formats an optional time.
    pub fn opt_time(&self, us: &Option<i64>) -> String {
        us.map(format_time).unwrap_or_else(|| "—".into())
    }

    /// Label of an organisation kind.
    pub fn kind(&self, k: &OrgKind) -> &'static str {
        k.label(self.lang.code())
    }

    /// Label of an optional business type.
    pub fn btype(&self, b: &Option<BusinessType>) -> &'static str {
        b.map_or("—", |b| b.label(self.lang.code()))
    }

    /// Label of an optional region.
    pub fn region(&self, r: &Option<Region>) -> &'static str {
        r.map_or("—", |r| r.label(self.lang.code()))
    }

    /// Label of a role.
    pub fn role(&self, r: &Role) -> &'static str {
        r.label(self.lang.code())
    }

    /// The organisation's name in the page language.
    pub fn org_name<'a>(&self, o: &'a Organisation) -> &'a str {
        if self.lang == Lang::Ja {
            &o.name_ja
        } else {
            &o.name_en
        }
    }
}

pub use deltawall_app::time::format_time;

/// Percent-encodes a path segment (STIX ids are already safe; this guards the rest).
pub fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Puts every table in a box that scrolls sideways on its own, so a wide table never makes
/// the page wider than the window. Templates only ever produce `<table` from markup (text is
/// escaped), so the replacement cannot touch user content.
fn wrap_tables(html: String) -> String {
    if !html.contains("<table") {
        return html;
    }
    html.replace("<table", "<div class=\"table-wrap\"><table")
        .replace("</table>", "</table></div>")
}

/// Renders a template into a response, or a plain 500 when rendering fails.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(wrap_tables(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// One bar of a chart.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Label.
    pub label: String,
    /// Value.
    pub value: i64,
}

/// A horizontal bar chart as inline SVG, drawn by us; pages always show the same data in a
/// table beside it for screen readers and copying.
pub fn bar_chart_svg(bars: &[Bar], title: &str) -> String {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(1).max(1);
    let (row, label_w, bar_w) = (22, 190, 300);
    let height = row * bars.len() + 10;
    let width = label_w + bar_w + 60;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" class="chart">"#,
        escape(title),
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i * row + 5;
        let w = (b.value * bar_w as i64 / max).max(1);
        svg.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text><rect x="{label_w}" y="{y}" width="{w}" height="{}" class="chart-bar"/><text x="{}" y="{}" class="chart-value">{}</text>"#,
            label_w - 6,
            y + 14,
            escape(&b.label),
            row - 6,
            label_w as i64 + w + 6,
            y + 14,
            b.value
        ));
    }
    svg.push_str("</svg>");
    svg
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Links between the pages of a cursor-paged list: the next page (when there is one) and
/// back to the first; both keep the list's other query parameters (its filters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CursorPager {
    /// The next page.
    pub next: Option<String>,
    /// The first page, when this is not it.
    pub first: Option<String>,
}

impl CursorPager {
    /// The links for the page at `path_and_query` whose list continues at `next`.
    pub fn new(path_and_query: &str, next: Option<&str>) -> CursorPager {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let kept: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("cursor=") && !p.starts_with("notice="))
            .collect();
        let with = |extra: Option<String>| {
            let mut parts = kept.clone();
            let owned;
            if let Some(e) = extra {
                owned = e;
                parts.push(&owned);
            }
            if parts.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{}", parts.join("&"))
            }
        };
        let on_later_page = query.split('&').any(|p| p.starts_with("cursor="));
        CursorPager {
            next: next.map(|c| with(Some(format!("cursor={}", path_segment(c))))),
            first: on_later_page.then(|| with(None)),
        }
    }
}

/// A page of a list as the API answers it: the rows as a JSON array and, when there are
/// more, a `Link` header with `rel="next"` (RFC 8288) whose address keeps the request's
/// filters.
pub fn paged_json<T: serde::Serialize>(
    uri: &axum::http::Uri,
    items: Vec<T>,
    next: Option<&str>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut resp = axum::Json(items).into_response();
    if let Some(v) = next_link(uri, next) {
        resp.headers_mut().insert(axum::http::header::LINK, v);
    }
    resp
}

/// The `Link: <…>; rel="next"` value of the page at `uri` whose list continues at `next`,
/// for an answer that is not a bare array.
pub fn next_link(uri: &axum::http::Uri, next: Option<&str>) -> Option<axum::http::HeaderValue> {
    let here = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let next = CursorPager::new(here, next).next?;
    axum::http::HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")).ok()
}

#[derive(Template)]
#[template(path = "layout/error.html")]
struct ErrorPage<'a> {
    l: Layout,
    detail: &'a str,
    status: u16,
}

/// A localised error page.
pub fn error_page(status: StatusCode, lang: Lang, detail: &str) -> Response {
    let l = Layout {
        lang,
        title: "error-title".into(),
        user: None,
        nav: "",
        path: "/".into(),
        notice: None,
        menu: vec![],
    };
    let mut resp = render(&ErrorPage {
        l,
        detail,
        status: status.as_u16(),
    });
    *resp.status_mut() = status;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_japan_time() {
        assert_eq!(format_time(0), "1970-01-01 09:00");
        assert_eq!(format_time(1_593_561_600_000_000), "2020-07-01 09:00");
        assert_eq!(format_time(951_782_400_000_000), "2000-02-29 09:00");
    }

    #[test]
    fn cursor_pager_keeps_filters() {
        let p = CursorPager::new(
            "/posture/findings?assessment=a1&cursor=ab&notice=created",
            Some("cd"),
        );
        assert_eq!(
            p.next.as_deref(),
            Some("/posture/findings?assessment=a1&cursor=cd")
        );
        assert_eq!(p.first.as_deref(), Some("/posture/findings?assessment=a1"));
        let p = CursorPager::new("/posture/risks", None);
        assert_eq!(p, CursorPager::default());
    }

    #[test]
    fn tables_scroll_in_their_own_box() {
        let html =
            wrap_tables("<p>a</p><table id=\"x\"><tr><td>&lt;table</td></tr></table>".into());
        assert_eq!(
            html,
            "<p>a</p><div class=\"table-wrap\"><table id=\"x\"><tr><td>&lt;table</td></tr></table></div>"
        );
    }

    #[test]
    fn chart_escapes_labels() {
        let svg = bar_chart_svg(
            &[Bar {
                label: "<b>".into(),
                value: 3,
            }],
            "t",
        );
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
    }
}
