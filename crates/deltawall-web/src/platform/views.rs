//! Page models of the platform pages: sign-in, second factor, setup, dashboard,
//! organisations, users, account, tokens and the audit log.

use crate::layout::Layout;
use askama::Template;
use deltawall_domain::audit::AuditEntry;

use deltawall_store::records::{OrgAttribute, Organisation, User};
use deltawall_store::tokens::ApiToken;

/// Sign-in page.
#[derive(Template)]
#[template(path = "platform/login.html")]
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
#[template(path = "platform/mfa.html")]
pub struct MfaPage {
    /// Layout.
    pub l: Layout,
    /// Error to show.
    pub error: Option<String>,
}

/// First-run setup page.
#[derive(Template)]
#[template(path = "platform/setup.html")]
pub struct SetupPage {
    /// Layout.
    pub l: Layout,
    /// The token from the link.
    pub token: String,
    /// Error to show.
    pub error: Option<String>,
}

/// Organisation list.
#[derive(Template)]
#[template(path = "platform/orgs.html")]
pub struct OrgsPage {
    /// Layout.
    pub l: Layout,
    /// Rows.
    pub orgs: Vec<Organisation>,
    /// Next page and back to the first, filters kept.
    pub pager: crate::layout::CursorPager,
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
#[template(path = "platform/org.html")]
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
#[template(path = "platform/org_new.html")]
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
#[template(path = "platform/users.html")]
pub struct UsersPage {
    /// Layout.
    pub l: Layout,
    /// The organisation.
    pub org: Organisation,
    /// Users.
    pub users: Vec<User>,
    /// Links to the next and first pages.
    pub pager: crate::layout::CursorPager,
    /// May manage.
    pub can_manage: bool,
    /// The signed-in user's id.
    pub me: String,
    /// All roles.
    pub roles: Vec<(String, String)>,
}

/// Own account.
#[derive(Template)]
#[template(path = "platform/account.html")]
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
#[template(path = "platform/tokens.html")]
pub struct TokensPage {
    /// Layout.
    pub l: Layout,
    /// One page of tokens, newest first.
    pub tokens: Vec<ApiToken>,
    /// The next page and back to the first.
    pub pager: crate::layout::CursorPager,
    /// A token just issued, shown once.
    pub new_token: Option<String>,
}

/// Audit log.
#[derive(Template)]
#[template(path = "platform/audit.html")]
pub struct AuditPage {
    /// Layout.
    pub l: Layout,
    /// Entries.
    pub entries: Vec<AuditEntry>,
    /// Pager.
    pub pager: crate::layout::CursorPager,
    /// Action prefix filter.
    pub action: String,
}
