//! Page models and rendering. Templates are in `templates/` (askama, checked at compile time).

use crate::i18n::{self, Lang};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use deltawall_domain::audit::AuditEntry;
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::records::{OrgAttribute, Organisation, User};
use deltawall_store::tokens::ApiToken;

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
    /// Whether to show administration entries.
    pub admin: bool,
    /// Whether to show the audit log entry.
    pub audit: bool,
    /// Whether to show the supervision entry (supervisory users).
    pub supervision: bool,
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

/// Renders a template into a response, or a plain 500 when rendering fails.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
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
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" width="{}" height="{height}" class="chart">"#,
        escape(title),
        label_w + bar_w + 60
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

/// Page links for a listing.
#[derive(Debug, Clone)]
pub struct Pager {
    /// Link to the previous page.
    pub prev: Option<String>,
    /// Link to the next page.
    pub next: Option<String>,
    /// "41–60 of 200".
    pub range: String,
}

impl Pager {
    /// Builds the pager for `base` (a path with its query, without offset).
    pub fn new(base: &str, offset: i64, limit: i64, total: i64, shown: usize) -> Pager {
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = |o: i64| format!("{base}{sep}offset={o}&limit={limit}");
        Pager {
            prev: (offset > 0).then(|| link((offset - limit).max(0))),
            next: (offset + limit < total).then(|| link(offset + limit)),
            range: if shown == 0 {
                format!("0 / {total}")
            } else {
                format!("{}–{} / {total}", offset + 1, offset + shown as i64)
            },
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
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
        admin: false,
        audit: false,
        supervision: false,
    };
    let mut resp = render(&ErrorPage {
        l,
        detail,
        status: status.as_u16(),
    });
    *resp.status_mut() = status;
    resp
}

/// Sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Layout.
    pub l: Layout,
    /// Error to show.
    pub error: Option<String>,
    /// Login name to refill.
    pub login: String,
}

/// Second-factor page.
#[derive(Template)]
#[template(path = "mfa.html")]
pub struct MfaPage {
    /// Layout.
    pub l: Layout,
    /// Error to show.
    pub error: Option<String>,
}

/// First-run setup page.
#[derive(Template)]
#[template(path = "setup.html")]
pub struct SetupPage {
    /// Layout.
    pub l: Layout,
    /// The token from the link.
    pub token: String,
    /// Error to show.
    pub error: Option<String>,
}

/// Dashboard.
#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    /// Layout.
    pub l: Layout,
    /// The user's organisation.
    pub org: Organisation,
    /// Institutions per business type within reach.
    pub by_type: Vec<Bar>,
    /// The same as SVG.
    pub chart: String,
    /// Recent audit entries, if the user may read them.
    pub recent: Vec<AuditEntry>,
    /// Role of the user.
    pub role: Role,
}

/// Organisation list.
#[derive(Template)]
#[template(path = "orgs.html")]
pub struct OrgsPage {
    /// Layout.
    pub l: Layout,
    /// Rows.
    pub orgs: Vec<Organisation>,
    /// Pager.
    pub pager: Pager,
    /// Filter values.
    pub q: String,
    /// Selected kind.
    pub kind: String,
    /// Selected business type.
    pub btype_sel: String,
    /// Selected region.
    pub region_sel: String,
    /// Whether the user may register organisations.
    pub can_create: bool,
    /// All kinds.
    pub kinds: Vec<(String, String)>,
    /// All business types.
    pub btypes: Vec<(String, String)>,
    /// All regions.
    pub regions: Vec<(String, String)>,
    /// CSV export link.
    pub csv: String,
    /// XLSX export link.
    pub xlsx: String,
}

/// Organisation detail and edit form.
#[derive(Template)]
#[template(path = "org.html")]
pub struct OrgPage {
    /// Layout.
    pub l: Layout,
    /// The organisation.
    pub org: Organisation,
    /// Attribute history.
    pub attributes: Vec<OrgAttribute>,
    /// Parent.
    pub parent: Option<Organisation>,
    /// Children.
    pub children: Vec<Organisation>,
    /// May edit.
    pub can_edit: bool,
    /// May edit sector fields (type, region, parent, attributes).
    pub can_manage: bool,
    /// May see users.
    pub can_users: bool,
    /// Business types.
    pub btypes: Vec<(String, String)>,
    /// Regions.
    pub regions: Vec<(String, String)>,
}

/// New organisation form.
#[derive(Template)]
#[template(path = "org_new.html")]
pub struct OrgNewPage {
    /// Layout.
    pub l: Layout,
    /// Kinds.
    pub kinds: Vec<(String, String)>,
    /// Business types.
    pub btypes: Vec<(String, String)>,
    /// Regions.
    pub regions: Vec<(String, String)>,
}

/// Users of an organisation.
#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    /// Layout.
    pub l: Layout,
    /// The organisation.
    pub org: Organisation,
    /// Users.
    pub users: Vec<User>,
    /// May manage.
    pub can_manage: bool,
    /// The signed-in user's id.
    pub me: String,
    /// All roles.
    pub roles: Vec<(String, String)>,
}

/// Own account.
#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    /// Layout.
    pub l: Layout,
    /// The user.
    pub user: User,
    /// A TOTP enrolment in progress: secret and otpauth URL.
    pub enrol: Option<(String, String)>,
}

/// API tokens.
#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    /// Layout.
    pub l: Layout,
    /// Tokens.
    pub tokens: Vec<ApiToken>,
    /// A token just issued, shown once.
    pub new_token: Option<String>,
}

/// Audit log.
#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    /// Layout.
    pub l: Layout,
    /// Entries.
    pub entries: Vec<AuditEntry>,
    /// Pager.
    pub pager: Pager,
    /// Action prefix filter.
    pub action: String,
}

/// Sharing home: trust groups and collections.
#[derive(Template)]
#[template(path = "sharing.html")]
pub struct SharingPage {
    /// Layout.
    pub l: Layout,
    /// The caller's trust groups.
    pub groups: Vec<deltawall_app::sharing::hub::TrustGroup>,
}

/// A collection's objects.
#[derive(Template)]
#[template(path = "sharing_collection.html")]
pub struct SharingCollectionPage {
    /// Layout.
    pub l: Layout,
    /// API root id.
    pub root: String,
    /// The listing.
    pub listing: deltawall_app::sharing::hub::Listing,
    /// Pager.
    pub pager: Pager,
    /// Type filter.
    pub object_type: String,
    /// Whether ended objects are listed.
    pub include_ended: bool,
    /// Types offered by the filter.
    pub types: Vec<String>,
}

/// One shared object.
#[derive(Template)]
#[template(path = "sharing_object.html")]
pub struct SharingObjectPage {
    /// Layout.
    pub l: Layout,
    /// API root id.
    pub root: String,
    /// The object and what goes with it.
    pub d: deltawall_app::sharing::hub::Detail,
    /// The object's JSON, indented.
    pub pretty: String,
    /// Whether the caller may record a sighting or an opinion (an indicator, a read grant,
    /// a role that may change shared data).
    pub can_feedback: bool,
    /// A refused sighting's or opinion's reason.
    pub error: Option<String>,
    /// The opinion scale: each STIX value with its label.
    pub opinions: Vec<(&'static str, &'static str)>,
}

/// The publish forms.
#[derive(Template)]
#[template(path = "sharing_publish.html")]
pub struct SharingPublishPage {
    /// Layout.
    pub l: Layout,
    /// API root id.
    pub root: String,
    /// The collection.
    pub collection: deltawall_store::sharing::Collection,
    /// Indicators the caller sees, for a report's references.
    pub indicators: Vec<deltawall_app::sharing::hub::Item>,
    /// TLP choices: (form value, label).
    pub tlps: Vec<(String, String)>,
    /// Organisations a TLP:RED object may name as recipients: (id, name).
    pub members: Vec<(String, String)>,
    /// Why the last attempt was refused.
    pub error: Option<String>,
}

impl Layout {
    /// The CSS class and label of a TLP badge.
    pub fn tlp(&self, t: &deltawall_stix::Tlp) -> (&'static str, &'static str) {
        use deltawall_stix::Tlp;
        let class = match t {
            Tlp::Clear => "tlp tlp-clear",
            Tlp::Green => "tlp tlp-green",
            Tlp::Amber => "tlp tlp-amber",
            Tlp::AmberStrict => "tlp tlp-amber-strict",
            Tlp::Red => "tlp tlp-red",
        };
        (class, t.name())
    }

    /// Label of an indicator's standing.
    pub fn standing(&self, s: &deltawall_stix::feedback::Standing) -> &'static str {
        self.t(&format!("standing-{}", s.code()))
    }

    /// A score as a whole number.
    pub fn score(&self, s: &f64) -> String {
        format!("{:.0}", s)
    }

    /// Formats an optional instant in Japan time.
    pub fn instant(&self, t: &Option<jiff::Timestamp>) -> String {
        t.map_or_else(|| "—".into(), |t| format_time(t.as_microsecond()))
    }

    /// Opinion labels with their counts.
    pub fn opinions(&self, counts: &[u32; 5]) -> Vec<(&'static str, u32)> {
        deltawall_stix::feedback::Opinion::ALL
            .iter()
            .map(|o| {
                (
                    self.t(&format!("opinion-{}", o.code())),
                    counts[*o as usize],
                )
            })
            .collect()
    }

    /// Percent-encodes a path segment.
    pub fn seg(&self, s: &str) -> String {
        path_segment(s)
    }
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
    fn pager_links() {
        let p = Pager::new("/orgs?q=x", 20, 20, 45, 20);
        assert_eq!(p.prev.as_deref(), Some("/orgs?q=x&offset=0&limit=20"));
        assert_eq!(p.next.as_deref(), Some("/orgs?q=x&offset=40&limit=20"));
        assert_eq!(p.range, "21–40 / 45");
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
