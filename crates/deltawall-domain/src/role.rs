//! Roles within an organisation and the permissions they carry per kind of organisation.

use crate::org::OrgKind;
use serde::{Deserialize, Serialize};

/// A user's role within their own organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages the organisation's users, tokens and settings.
    Admin,
    /// Management (経営陣): reads everything of the organisation, attests submissions.
    Executive,
    /// Does the day-to-day work: assessments, findings, sharing.
    Staff,
    /// Read-only, for internal audit: reads everything of the organisation, changes nothing.
    Auditor,
}

impl Role {
    /// Every role, most privileged first.
    pub const ALL: &'static [Role] = &[Role::Admin, Role::Executive, Role::Staff, Role::Auditor];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Executive => "executive",
            Role::Staff => "staff",
            Role::Auditor => "auditor",
        }
    }

    /// Parses a stable code.
    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// Label in Japanese (`ja`) or English.
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang == "ja") {
            (Role::Admin, true) => "管理者",
            (Role::Admin, false) => "Administrator",
            (Role::Executive, true) => "経営陣",
            (Role::Executive, false) => "Executive",
            (Role::Staff, true) => "担当者",
            (Role::Staff, false) => "Staff",
            (Role::Auditor, true) => "監査担当（閲覧のみ）",
            (Role::Auditor, false) => "Auditor (read-only)",
        }
    }
}

/// Something a user may be allowed to do. Checked by the service layer for every action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read the organisation's own records (profile, users, audit log).
    ReadOwnOrg,
    /// Create, change and deactivate users of the own organisation; change roles.
    ManageUsers,
    /// Create and revoke API tokens of the own organisation.
    ManageTokens,
    /// Change the own organisation's profile and time-bound attributes.
    EditOwnOrg,
    /// Read the audit trail of the own organisation.
    ReadAuditLog,
    /// Register organisations of the sector and change any institution's profile
    /// (supervisor administrators only).
    ManageSector,
    /// Read the directory of institutions within the supervisor's reach.
    ReadSector,
    /// Read the whole audit trail (national supervisor administrators; for `audit verify`).
    ReadAllAuditLog,
    /// Answer assessments, upload evidence, keep the risk register and act on findings of
    /// the own institution (everyone but the read-only auditor).
    EditPosture,
}

/// The permissions a role carries in an organisation of the given kind.
///
/// Least privilege: auditors only read; only administrators manage users and tokens; only
/// supervisor administrators change other organisations.
pub fn permissions(kind: OrgKind, role: Role) -> &'static [Permission] {
    use Permission::*;
    match (kind, role) {
        (OrgKind::Supervisor, Role::Admin) => &[
            ReadOwnOrg,
            ManageUsers,
            ManageTokens,
            EditOwnOrg,
            ReadAuditLog,
            ManageSector,
            ReadSector,
            ReadAllAuditLog,
        ],
        (OrgKind::Supervisor, Role::Executive | Role::Staff) => &[ReadOwnOrg, ReadSector],
        (OrgKind::Supervisor, Role::Auditor) => &[ReadOwnOrg, ReadAuditLog, ReadSector],
        (OrgKind::Institution, Role::Admin) => &[
            ReadOwnOrg,
            ManageUsers,
            ManageTokens,
            EditOwnOrg,
            ReadAuditLog,
            EditPosture,
        ],
        (OrgKind::Institution, Role::Executive) => &[ReadOwnOrg, ReadAuditLog, EditPosture],
        (OrgKind::Institution, Role::Staff) => &[ReadOwnOrg, EditPosture],
        (_, Role::Admin) => &[
            ReadOwnOrg,
            ManageUsers,
            ManageTokens,
            EditOwnOrg,
            ReadAuditLog,
        ],
        (_, Role::Executive) => &[ReadOwnOrg, ReadAuditLog],
        (_, Role::Staff) => &[ReadOwnOrg],
        (_, Role::Auditor) => &[ReadOwnOrg, ReadAuditLog],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auditors_never_write() {
        let writes = [
            Permission::ManageUsers,
            Permission::ManageTokens,
            Permission::EditOwnOrg,
            Permission::ManageSector,
            Permission::EditPosture,
        ];
        for kind in OrgKind::ALL {
            let granted = permissions(*kind, Role::Auditor);
            assert!(writes.iter().all(|w| !granted.contains(w)), "{kind}");
        }
    }

    #[test]
    fn only_supervisor_admins_manage_the_sector() {
        for kind in OrgKind::ALL {
            for role in Role::ALL {
                let expected = *kind == OrgKind::Supervisor && *role == Role::Admin;
                assert_eq!(
                    permissions(*kind, *role).contains(&Permission::ManageSector),
                    expected
                );
            }
        }
    }
}
