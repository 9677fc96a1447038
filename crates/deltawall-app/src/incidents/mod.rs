//! Incidents reported by institutions (the report's section 1.(2)). An institution reports
//! and reads its own; a supervisor reads those within its reach (`Actor::org_scope`), a
//! local bureau only its region's. Every report is audited in its own transaction.
//!
//! Incident cases (issue 13) live in [`cases`] (open, change, list), [`work`] (the case
//! page, tasks, customer response, observables) and [`reports`] (regulator-report clocks,
//! staged submissions, decisions not to report and the supervisor's review) and
//! [`share`] (indicators shared back to the ISAC, recurrence prevention as findings);
//! [`patterns`] finds similar incidents on the board and drafts the alert (注意喚起).

pub mod board;
pub mod cases;
pub mod patterns;
pub mod reports;
pub mod rooms;
pub mod share;
pub mod todo;
pub mod work;

use crate::error::ServiceError;
use crate::time::{date, today};
use crate::{Ctx, SResult};
use deltawall_domain::finding::Severity;
use deltawall_domain::supervision::AttackType;
use deltawall_domain::validate::Invalid;
use deltawall_domain::{OrgKind, Permission};
use deltawall_store::findings::parse_code;
use deltawall_store::incidents::{self, Incident, NewIncident};
use deltawall_store::records::now_us;
use serde::Deserialize;
use serde_json::json;

/// The longest summary accepted, in characters.
pub const MAX_SUMMARY: usize = 2000;

/// An incident as reported.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    /// The day it happened, `YYYY-MM-DD` (not in the future).
    pub occurred_on: String,
    /// `unauthorized_login`, `ddos`, `ransomware`, `targeted_attack`, `phishing`,
    /// `malware`, `asset_theft` or `other`.
    pub attack_type: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// What happened (1 to 2,000 characters).
    pub summary: String,
}

fn bad(field: &'static str, code: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code,
    })
}

fn check(org_id: &str, input: &IncidentInput) -> SResult<NewIncident> {
    let day = date("occurred_on", &input.occurred_on)?;
    if day > today() {
        return Err(bad("occurred_on", "err-date", "must not be in the future"));
    }
    let attack_type = AttackType::from_code(input.attack_type.trim())
        .ok_or_else(|| bad("attack_type", "err-bad-request", "is not a known value"))?;
    let severity: Severity = parse_code(input.severity.trim())
        .ok_or_else(|| bad("severity", "err-bad-request", "is not a known value"))?;
    let summary = input.summary.trim();
    if summary.is_empty() || summary.chars().count() > MAX_SUMMARY {
        return Err(bad(
            "summary",
            "err-required",
            "must be 1 to 2000 characters",
        ));
    }
    Ok(NewIncident {
        org_id: org_id.to_owned(),
        occurred_on: day.to_string(),
        attack_type,
        severity,
        summary: summary.to_owned(),
    })
}

/// Reports an incident of the actor's institution; returns its id.
pub async fn report(ctx: Ctx<'_>, input: &IncidentInput) -> SResult<String> {
    if ctx.actor.org_kind != OrgKind::Institution {
        return Err(ServiceError::Forbidden);
    }
    ctx.require(Permission::EditPosture)?;
    let new = check(&ctx.actor.org_id, input)?;
    let mut tx = ctx.store.write().await?;
    let id = incidents::create(&mut tx, &new, &ctx.actor.user_id, now_us()).await?;
    // The summary may hold details of the institution's systems; the trail keeps the kind.
    let summary = json!({"occurred_on": new.occurred_on, "attack_type": new.attack_type.code(), "severity": input.severity.trim()});
    ctx.audit(
        &mut tx,
        "incident.report",
        ("incident", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Every incident the actor may read (its own institution's, or the supervisor's reach),
/// newest first, read page by page so that a download holds them all rather than the first
/// page.
pub async fn list(ctx: Ctx<'_>) -> SResult<Vec<Incident>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.org_scope();
    let (mut all, mut after) = (Vec::new(), None);
    loop {
        let limit = deltawall_store::keyset::MAX_LIMIT;
        let page = incidents::page(&mut conn, &scope, after.as_ref(), limit).await?;
        all.extend(page.items);
        // A cursor the store has just handed out always decodes.
        match page
            .next
            .map(|n| deltawall_store::keyset::Cursor::decode(&n, 2))
        {
            Some(Ok(c)) => after = Some(c),
            _ => return Ok(all),
        }
    }
}

/// One page of the incidents the actor may read, newest first.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<Incident>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.org_scope();
    Ok(incidents::page(&mut conn, &scope, after.as_ref(), req.limit()).await?)
}

/// A domain refusal of an incident operation: whether it is a matter of permission (403)
/// rather than of the input or the case's state (422).
pub(crate) trait Refusal: std::fmt::Display {
    /// The caller may not do this at all.
    fn forbidden(&self) -> bool;
}

impl Refusal for deltawall_domain::incident::case::CaseRefusal {
    fn forbidden(&self) -> bool {
        matches!(self, Self::NotYours)
    }
}

impl Refusal for deltawall_domain::incident::report::ReportRefusal {
    fn forbidden(&self) -> bool {
        matches!(self, Self::NotYours | Self::NotAnExecutive)
    }
}

impl Refusal for deltawall_domain::incident::report::ReviewRefusal {
    fn forbidden(&self) -> bool {
        matches!(self, Self::SupervisorOnly)
    }
}

impl Refusal for deltawall_domain::incident::work::WorkError {
    fn forbidden(&self) -> bool {
        false
    }
}

impl Refusal for deltawall_domain::incident::observable::ObservableError {
    fn forbidden(&self) -> bool {
        false
    }
}

/// Maps a domain refusal to the service error; the message keeps the field it names.
pub(crate) fn refused(e: impl Refusal) -> ServiceError {
    if e.forbidden() {
        return ServiceError::Forbidden;
    }
    ServiceError::Refused {
        code: "incident-err",
        field: "case",
        message: e.to_string(),
    }
}
