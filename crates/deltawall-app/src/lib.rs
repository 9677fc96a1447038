//! Deltawall's application services: every operation of the product, independent of HTTP.
//!
//! A service function takes a [`Ctx`] (the store, the acting user, the source address),
//! checks the actor's permission, does its work in one transaction, and records an audit
//! entry in that same transaction. The web crate's UI and API handlers call the same
//! functions, so both surfaces obey the same rules. Nothing here knows about HTTP, pages or
//! templates: errors are [`ServiceError`], which the web layer maps to a status and a page.
//!
//! One folder per feature: [`platform`] (organisations, users, sessions, tokens, audit,
//! setup, authentication primitives), [`posture`], [`supervision`], [`sharing`],
//! [`incidents`], [`exercises`], [`attack`] (ATT&CK releases and coverage layers) and
//! [`tlpt`] (threat-led penetration tests).
#![deny(missing_docs)]

pub mod attack;
pub mod detections;
pub mod error;
pub mod exercises;
pub mod incidents;
mod lang;
pub mod paging;
pub mod platform;
pub mod posture;
pub mod sharing;
pub mod supervision;
mod table;
pub mod time;
pub mod tlpt;
pub mod vuln;
pub mod work;

pub use error::ServiceError;
pub use lang::Lang;
pub use table::Table;

use deltawall_domain::org::SupervisorReach;
use deltawall_domain::{Actor, OrgKind, Permission};
use deltawall_store::records::{Organisation, User, now_us};
use deltawall_store::{Store, Tx};

/// Result of a service call.
pub type SResult<T> = Result<T, ServiceError>;

/// Who is acting, and from where.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The database.
    pub store: &'a Store,
    /// The acting principal.
    pub actor: &'a Actor,
    /// Source address of the request.
    pub ip: Option<&'a str>,
}

impl Ctx<'_> {
    /// Refuses unless the actor holds `permission`.
    pub fn require(&self, permission: Permission) -> SResult<()> {
        if self.actor.can(permission) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Records an action of this actor in the audit trail, within `tx`.
    pub async fn audit(
        &self,
        tx: &mut Tx,
        action: &str,
        object: (&str, Option<&str>),
        org_id: Option<&str>,
        summary: serde_json::Value,
    ) -> SResult<()> {
        record(
            tx,
            Some(&self.actor.user_id),
            org_id.or(Some(&self.actor.org_id)),
            action,
            object,
            with_via(summary, self.actor),
            self.ip,
        )
        .await
    }
}

impl Ctx<'_> {
    /// Records that a supervisor or sharing body read a record `owner_org` owns (an
    /// assessment with its answers, a finding, an export of them): the entry carries the
    /// owner's organisation, so the institution sees on its audit page who looked. Reads
    /// of the own organisation's records are not logged.
    pub async fn audit_read(
        &self,
        action: &str,
        object: (&str, Option<&str>),
        owner_org: &str,
    ) -> SResult<()> {
        let outsider = matches!(
            self.actor.org_kind,
            OrgKind::Supervisor | OrgKind::SharingBody
        );
        if owner_org == self.actor.org_id || !outsider {
            return Ok(());
        }
        let mut tx = self.store.write().await?;
        self.audit(
            &mut tx,
            action,
            object,
            Some(owner_org),
            serde_json::json!({"read": true}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Adds to an entry's summary how the actor acted: `"via": "session"`, or
/// `"via": {"token": <id>}` for an API token (its id, never its secret). Every write
/// through [`Ctx::audit`] carries it, so the trail tells a token's writes from a person's.
pub(crate) fn with_via(summary: serde_json::Value, actor: &Actor) -> serde_json::Value {
    let via = match &actor.token_id {
        Some(id) => serde_json::json!({ "token": id }),
        None => serde_json::Value::from("session"),
    };
    match summary {
        serde_json::Value::Object(mut m) => {
            m.insert("via".into(), via);
            serde_json::Value::Object(m)
        }
        other => serde_json::json!({ "summary": other, "via": via }),
    }
}

/// Appends an audit entry within `tx`: for actions without a signed-in actor (sign-in,
/// setup, scheduled jobs, seeding the demo).
pub async fn record(
    tx: &mut Tx,
    actor_user: Option<&str>,
    org_id: Option<&str>,
    action: &str,
    (object_type, object_id): (&str, Option<&str>),
    summary: serde_json::Value,
    ip: Option<&str>,
) -> SResult<()> {
    let entry = deltawall_store::audit::NewEntry {
        at_us: now_us(),
        actor_user: actor_user.map(str::to_owned),
        org_id: org_id.map(str::to_owned),
        action: action.to_owned(),
        object_type: object_type.to_owned(),
        object_id: object_id.map(str::to_owned),
        summary,
        source_ip: ip.map(str::to_owned),
    };
    deltawall_store::audit::append(tx, entry).await?;
    Ok(())
}

/// The actor for a user of an organisation.
pub fn actor_for(
    user: &User,
    org: &Organisation,
    token_scope: Option<deltawall_domain::access::TokenScope>,
) -> Actor {
    let reach = match (org.kind, org.region) {
        (OrgKind::Supervisor, None) => Some(SupervisorReach::National),
        (OrgKind::Supervisor, Some(r)) => Some(SupervisorReach::Regional(r)),
        _ => None,
    };
    Actor {
        user_id: user.id.clone(),
        org_id: org.id.clone(),
        org_kind: org.kind,
        reach,
        role: user.role,
        token_scope,
        token_id: None,
    }
}
