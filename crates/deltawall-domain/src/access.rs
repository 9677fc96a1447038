//! Who is acting, and which organisations' records they may see.
//!
//! This is the policy half of tenant isolation. The storage layer turns an [`OrgScope`] into
//! a `WHERE` clause in one place (`deltawall_store::scope`), and every read of tenant data
//! goes through it, so no handler decides visibility on its own.

use crate::org::{OrgKind, Region, SupervisorReach};
use crate::role::{Permission, Role, permissions};
use serde::{Deserialize, Serialize};

/// What an API token may do on behalf of its organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Read only: `GET` requests.
    Read,
    /// Read and change, within the permissions of the role the token was issued with.
    Write,
}

impl TokenScope {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    /// Parses a stable code.
    pub fn from_code(code: &str) -> Option<TokenScope> {
        match code {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }

    /// Whether a request of this scope may use an HTTP method; `safe` is true for methods
    /// that change nothing (`GET`, `HEAD`, `OPTIONS`). A read-only token may send nothing
    /// else, whatever handler the request reaches: the one place a token's scope is checked.
    pub fn allows(self, safe: bool) -> bool {
        safe || self == TokenScope::Write
    }
}

/// An authenticated principal: a signed-in user, or an API token acting for a user's role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The user's id (for a token: the user who issued it).
    pub user_id: String,
    /// The user's organisation.
    pub org_id: String,
    /// Its kind.
    pub org_kind: OrgKind,
    /// For supervisors, how far their reach extends.
    pub reach: Option<SupervisorReach>,
    /// The user's role in the organisation.
    pub role: Role,
    /// `Some` when acting through an API token.
    pub token_scope: Option<TokenScope>,
    /// The id of that API token (never its secret), so the audit trail names the token
    /// behind every write; `None` for a signed-in session.
    pub token_id: Option<String>,
}

/// The organisations whose records an actor may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgScope {
    /// Every organisation (the FSA).
    All,
    /// The own organisation plus every institution of one region (a local finance bureau).
    Region {
        /// The bureau itself.
        own: String,
        /// Its region.
        region: Region,
    },
    /// Only the own organisation.
    Own(String),
}

impl OrgScope {
    /// Whether an organisation of `kind` in `region` (the one with `id`, or a new one when
    /// `None`) lies within this scope: the same rule as the store's read clause, so that a
    /// write can never put an organisation where its writer could not read it. A bureau
    /// reaches itself and the institutions of its region; its own region stays fixed.
    pub fn covers(&self, id: Option<&str>, kind: OrgKind, region: Option<Region>) -> bool {
        match self {
            OrgScope::All => true,
            OrgScope::Region { own, region: r } => {
                region == Some(*r) && (id == Some(own.as_str()) || kind == OrgKind::Institution)
            }
            OrgScope::Own(own) => id == Some(own.as_str()),
        }
    }
}

/// Permissions that change state; a read-only token never carries them.
const WRITES: &[Permission] = &[
    Permission::ManageUsers,
    Permission::ManageTokens,
    Permission::EditOwnOrg,
    Permission::ManageSector,
    Permission::EditPosture,
];

impl Actor {
    /// Whether the actor holds a permission, taking a read-only token into account.
    pub fn can(&self, permission: Permission) -> bool {
        let granted = permissions(self.org_kind, self.role).contains(&permission);
        let token_allows =
            self.token_scope != Some(TokenScope::Read) || !WRITES.contains(&permission);
        granted && token_allows
    }

    /// The organisations whose records the actor may read.
    ///
    /// Only supervisors with [`Permission::ReadSector`] reach beyond their own organisation;
    /// what they then see of an institution is further limited to submitted records by
    /// [`Actor::may_read_record`].
    pub fn org_scope(&self) -> OrgScope {
        match (self.org_kind, self.reach, self.can(Permission::ReadSector)) {
            (OrgKind::Supervisor, Some(SupervisorReach::National), true) => OrgScope::All,
            (OrgKind::Supervisor, Some(SupervisorReach::Regional(region)), true) => {
                OrgScope::Region {
                    own: self.org_id.clone(),
                    region,
                }
            }
            _ => OrgScope::Own(self.org_id.clone()),
        }
    }

    /// Whether the actor may read one record owned by `owner_org` (of `owner_region`),
    /// given whether its owner has submitted it. An institution's drafts are visible only
    /// inside the institution; supervisors see what was submitted to them.
    pub fn may_read_record(
        &self,
        owner_org: &str,
        owner_region: Option<Region>,
        submitted: bool,
    ) -> bool {
        if owner_org == self.org_id {
            return true;
        }
        let in_scope = match self.org_scope() {
            OrgScope::All => true,
            OrgScope::Region { region, .. } => owner_region == Some(region),
            OrgScope::Own(_) => false,
        };
        in_scope && submitted
    }
}

/// Whose institution records (assessments, findings, risks) an actor may read: the
/// organisations of its [`OrgScope`], plus, for an institution, the group companies whose
/// parent it is (the holding company's read-only roll-up). Anyone but the owning
/// institution sees only records that are no longer drafts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordScope {
    /// Organisations reached by the actor's scope.
    pub orgs: OrgScope,
    /// The holding company whose subsidiaries are also readable.
    pub group_parent: Option<String>,
    /// The actor's own organisation: the only one that reads its drafts.
    pub viewer_org: String,
}

impl Actor {
    /// The scope of institution records; see [`RecordScope`].
    pub fn record_scope(&self) -> RecordScope {
        RecordScope {
            orgs: self.org_scope(),
            group_parent: (self.org_kind == OrgKind::Institution).then(|| self.org_id.clone()),
            viewer_org: self.org_id.clone(),
        }
    }

    /// The scope of an institution's internal records (its risk register): its own and,
    /// for a holding company, its group companies'; supervisors do not reach them.
    pub fn internal_scope(&self) -> RecordScope {
        RecordScope {
            orgs: OrgScope::Own(self.org_id.clone()),
            ..self.record_scope()
        }
    }

    /// Whether the actor may read one institution record owned by `owner_org` (with parent
    /// `owner_parent`), given whether it is still a draft: [`Actor::may_read_record`], plus
    /// a holding company's read of its group companies' records that are not drafts.
    pub fn may_read_group_record(
        &self,
        owner_org: &str,
        owner_parent: Option<&str>,
        owner_region: Option<Region>,
        draft: bool,
    ) -> bool {
        let parent = self.org_kind == OrgKind::Institution && owner_parent == Some(&self.org_id);
        self.may_read_record(owner_org, owner_region, !draft) || (parent && !draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn actor(kind: OrgKind, reach: Option<SupervisorReach>, role: Role) -> Actor {
        Actor {
            user_id: "u".into(),
            org_id: "me".into(),
            org_kind: kind,
            reach,
            role,
            token_scope: None,
            token_id: None,
        }
    }

    #[test]
    fn institutions_see_only_themselves() {
        let a = actor(OrgKind::Institution, None, Role::Admin);
        assert_eq!(a.org_scope(), OrgScope::Own("me".into()));
        assert!(!a.may_read_record("other", Some(Region::Kanto), true));
    }

    #[test]
    fn bureau_sees_its_region_only_and_never_drafts() {
        let a = actor(
            OrgKind::Supervisor,
            Some(SupervisorReach::Regional(Region::Kinki)),
            Role::Staff,
        );
        assert!(a.may_read_record("bank", Some(Region::Kinki), true));
        assert!(!a.may_read_record("bank", Some(Region::Kinki), false));
        assert!(!a.may_read_record("bank", Some(Region::Kanto), true));
    }

    #[test]
    fn read_token_drops_writes() {
        let mut a = actor(OrgKind::Institution, None, Role::Admin);
        a.token_scope = Some(TokenScope::Read);
        assert!(a.can(Permission::ReadOwnOrg));
        assert!(!a.can(Permission::ManageUsers));
    }

    #[test]
    fn holding_companies_read_their_group_but_not_its_drafts() {
        let a = actor(OrgKind::Institution, None, Role::Staff);
        assert!(a.may_read_group_record("sub", Some("me"), Some(Region::Kanto), false));
        assert!(!a.may_read_group_record("sub", Some("me"), Some(Region::Kanto), true));
        assert!(!a.may_read_group_record("other", Some("x"), Some(Region::Kanto), false));
        assert!(a.may_read_group_record("me", None, None, true));
        assert_eq!(a.record_scope().group_parent.as_deref(), Some("me"));
        let fsa = actor(
            OrgKind::Supervisor,
            Some(SupervisorReach::National),
            Role::Staff,
        );
        assert!(fsa.record_scope().group_parent.is_none());
        assert!(!fsa.may_read_group_record("bank", None, Some(Region::Kanto), true));
    }

    proptest! {
        /// Nobody outside an institution ever reads its drafts.
        #[test]
        fn drafts_stay_home(kind in 0usize..4, role in 0usize..4, national in any::<bool>()) {
            let kind = OrgKind::ALL[kind];
            let reach = national.then_some(SupervisorReach::National).or(Some(SupervisorReach::Regional(Region::Kanto)));
            let a = actor(kind, reach, Role::ALL[role]);
            prop_assert!(!a.may_read_record("bank", Some(Region::Kanto), false));
        }
    }
}
