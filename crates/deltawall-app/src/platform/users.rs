//! Users and their roles.

use crate::error::ServiceError;
use crate::platform::auth::password;
use crate::{Ctx, SResult};
use deltawall_domain::role::Role;
use deltawall_domain::validate::{self, Invalid};
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::records::User;
use deltawall_store::users::{self, NewUser};
use deltawall_store::{Page, orgs, sessions};
use serde::Deserialize;
use serde_json::json;

/// Input to create a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// `admin`, `executive`, `staff` or `auditor`.
    #[schema(value_type = String)]
    pub role: Role,
    /// Initial password (at least 12 characters).
    pub password: String,
}

/// Input to change a user.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// New role.
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

/// The scope within which the actor manages users: their own organisation, or with
/// [`Permission::ManageSector`] any organisation in reach (to onboard an institution's
/// first administrator).
fn manage_scope(ctx: Ctx<'_>) -> SResult<OrgScope> {
    if ctx.actor.can(Permission::ManageSector) {
        Ok(ctx.actor.org_scope())
    } else if ctx.actor.can(Permission::ManageUsers) {
        Ok(OrgScope::Own(ctx.actor.org_id.clone()))
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// One page of the users of an organisation, by login name, after the request's cursor.
pub async fn page(
    ctx: Ctx<'_>,
    org_id: &str,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<User>> {
    // Anyone reads their own organisation's accounts; others only where they manage.
    let scope = if org_id == ctx.actor.org_id {
        ctx.require(Permission::ReadOwnOrg)?;
        OrgScope::Own(ctx.actor.org_id.clone())
    } else {
        manage_scope(ctx)?
    };
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    orgs::get(&mut conn, &scope, org_id).await?;
    Ok(users::page_by_org(&mut conn, &scope, org_id, after.as_ref(), req.limit()).await?)
}

/// Who may provision accounts where (issue 18, finding 6; `SECURITY.md`): an
/// organisation's own administrators, in it; a supervisor's administrator elsewhere only
/// to onboard an organisation in its reach that has no account yet, and then only its
/// first administrator. From then on the organisation provisions its own people, and its
/// administrators see and can deactivate every account in it, whoever created it.
enum Provision {
    Own,
    Onboard(OrgScope),
}

fn provision(ctx: Ctx<'_>, org_id: &str) -> SResult<Provision> {
    if org_id == ctx.actor.org_id && ctx.actor.can(Permission::ManageUsers) {
        Ok(Provision::Own)
    } else if ctx.actor.can(Permission::ManageSector) {
        Ok(Provision::Onboard(ctx.actor.org_scope()))
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Creates a user in an organisation (see [`Provision`] for who may).
pub async fn create(ctx: Ctx<'_>, org_id: &str, input: &UserInput) -> SResult<String> {
    let how = provision(ctx, org_id)?;
    let scope = match &how {
        Provision::Own => OrgScope::Own(ctx.actor.org_id.clone()),
        Provision::Onboard(scope) => scope.clone(),
    };

    validate::login(&input.login)?;
    validate::display_name("display_name", &input.display_name)?;
    validate::password(&input.password, &input.login)?;
    let email = input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if email.is_some_and(|e| !e.contains('@') || e.len() > 254) {
        return Err(Invalid {
            field: "email",
            reason: "is not an e-mail address",
            code: "err-email",
        }
        .into());
    }
    let hash = password::hash(input.password.clone())
        .await
        .map_err(ServiceError::from_hash)?;
    let mut tx = ctx.store.write().await?;
    orgs::get(&mut tx, &scope, org_id).await?;
    if matches!(how, Provision::Onboard(_))
        && users::list_by_org(&mut tx, &scope, org_id, Page::new(0, 1))
            .await?
            .total
            > 0
    {
        // Onboarded already: its own administrators provision from now on.
        return Err(ServiceError::Forbidden);
    }
    if matches!(how, Provision::Onboard(_)) && input.role != Role::Admin {
        return Err(Invalid {
            field: "role",
            reason: "an organisation's first account is its administrator",
            code: "err-onboard-admin",
        }
        .into());
    }
    let new = NewUser {
        org_id: org_id.to_owned(),
        login: input.login.clone(),
        display_name: input.display_name.trim().to_owned(),
        email: email.map(str::to_owned),
        role: input.role,
        password_hash: hash,
        lang: None,
    };
    let id = users::create(&mut tx, &new).await?;
    let summary = json!({"login": new.login, "role": new.role, "display_name": new.display_name});
    ctx.audit(
        &mut tx,
        "user.create",
        ("user", Some(&id)),
        Some(org_id),
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a user's role or activation, within the own organisation. Nobody changes their own role or deactivates
/// themselves, and an organisation never loses its last active administrator.
pub async fn change(ctx: Ctx<'_>, user_id: &str, change: &UserChange) -> SResult<User> {
    // Only within the own organisation: a supervisor does not change an institution's
    // people (finding 6).
    ctx.require(Permission::ManageUsers)?;
    let scope = OrgScope::Own(ctx.actor.org_id.clone());
    if user_id == ctx.actor.user_id {
        return Err(Invalid {
            field: "user",
            reason: "you cannot change your own role or status",
            code: "err-self-change",
        }
        .into());
    }
    let mut tx = ctx.store.write().await?;
    let before = users::get(&mut tx, &scope, user_id).await?;
    if let Some(role) = change.role {
        users::set_role(&mut tx, user_id, role).await?;
    }
    if let Some(active) = change.active {
        users::set_active(&mut tx, user_id, active).await?;
        if !active {
            sessions::delete_for_user(&mut tx, user_id).await?;
            crate::platform::auth::basic_cache::forget_user(user_id);
        }
    }
    if before.role == Role::Admin && users::count_active_admins(&mut tx, &before.org_id).await? == 0
    {
        return Err(Invalid {
            field: "role",
            reason: "the organisation needs an active administrator",
            code: "err-last-admin",
        }
        .into());
    }
    let after = users::get(&mut tx, &scope, user_id).await?;
    let summary = json!({"login": before.login, "before": {"role": before.role, "active": before.active}, "after": {"role": after.role, "active": after.active}});
    ctx.audit(
        &mut tx,
        "user.update",
        ("user", Some(user_id)),
        Some(&before.org_id),
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
