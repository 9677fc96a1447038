//! Alerts (注意喚起), after the report's October 2019 alert on credential-list logins and
//! ransom DDoS (section 1.(2)): the supervisor sends a warning to a population, with an
//! optional checklist; each institution acknowledges and answers it; the supervisor
//! tracks who acknowledged, on time or late, and who is overdue. Rules from the domain
//! (`supervision::alert`); scoped reads, audited writes, time from the [`Clock`].

use crate::error::ServiceError;
use crate::supervision::clock::Clock;
use crate::supervision::dispatch::{
    Matched, deadline_us, party, require_supervisor, require_supervisor_reader, resolve_population,
};
use crate::{Ctx, SResult};
use deltawall_domain::catalog::Text;
use deltawall_domain::supervision::ReminderPolicy;
use deltawall_domain::supervision::alert::{
    AckRefusal, Acknowledgement, Alert, AlertError, AlertTracking, ChecklistAnswer, ChecklistItem,
    latest_acknowledgements, tracking,
};
use deltawall_domain::supervision::population::Selector;
use deltawall_domain::validate::Invalid;
use deltawall_domain::{OrgKind, OrgScope, Permission};
use deltawall_store::keyset::KeysetPage;
use deltawall_store::new_id;
use deltawall_store::sup_alerts::{self as store, StoredAlert, Target};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// An alert as composed by the supervisor.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertInput {
    /// Title in Japanese.
    pub title_ja: String,
    /// Title in English.
    pub title_en: String,
    /// The warning in Japanese.
    pub body_ja: String,
    /// The warning in English.
    pub body_en: String,
    /// Who is warned (as for requests).
    #[schema(value_type = Object)]
    pub population: Selector,
    /// Respond by this day, `YYYY-MM-DD` (end of the day in Japan time).
    pub respond_by: String,
    /// Points to confirm: `[{"id", "text": {"ja", "en"}}]`; may be empty.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub checklist: Vec<ChecklistItem>,
    /// Reminders, as for requests.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub reminders: ReminderPolicy,
}

/// An institution's acknowledgement as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckInput {
    /// One answer per checklist item: `{"item_id", "value", "note"}`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub answers: Vec<ChecklistAnswer>,
}

/// An alert with its tracking over the targets within reach.
#[derive(Debug, Clone, Serialize)]
pub struct AlertDetail {
    /// The alert.
    pub alert: StoredAlert,
    /// The targets within reach.
    pub targets: Vec<Target>,
    /// Each one's state and the checklist tallies, now.
    pub tracking: AlertTracking,
    /// The latest acknowledgement of each target within reach.
    pub acks: Vec<Acknowledgement>,
}

/// What an institution sees of an alert sent to it.
#[derive(Debug, Clone, Serialize)]
pub struct MyAlert {
    /// The alert.
    pub alert: StoredAlert,
    /// Its latest acknowledgement, if any.
    pub ack: Option<Acknowledgement>,
    /// Whether the response deadline has passed without an acknowledgement.
    pub overdue: bool,
}

fn invalid(field: &'static str, code: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code,
    })
}

fn alert_error(e: &AlertError) -> ServiceError {
    match e {
        AlertError::MissingText { field, lang } => match (field.as_str(), *lang) {
            ("title", "ja") => invalid("title_ja", "err-required", "is required"),
            ("title", _) => invalid("title_en", "err-required", "is required"),
            ("body", "ja") => invalid("body_ja", "err-required", "is required"),
            ("body", _) => invalid("body_en", "err-required", "is required"),
            _ => invalid(
                "checklist",
                "alert-err-checklist-text",
                "an item needs a text in both languages",
            ),
        },
        AlertError::BadItemId { .. } => invalid(
            "checklist",
            "alert-err-checklist-id",
            "an item id is empty or used twice",
        ),
        AlertError::DeadlineNotInFuture => invalid(
            "respond_by",
            "req-err-deadline-past",
            "must be in the future",
        ),
        AlertError::Reminders(_) => invalid(
            "reminders",
            "req-err-reminders",
            "each reminder must fall once between now and the deadline",
        ),
    }
}

fn to_alert(input: &AlertInput) -> SResult<Alert> {
    let text = |ja: &str, en: &str| Text {
        ja: ja.trim().to_owned(),
        en: en.trim().to_owned(),
    };
    if input.body_ja.chars().count() > 10_000 || input.body_en.chars().count() > 10_000 {
        return Err(invalid(
            "body_ja",
            "err-too-long",
            "must be at most 10000 characters",
        ));
    }
    Ok(Alert {
        title: text(&input.title_ja, &input.title_en),
        body: text(&input.body_ja, &input.body_en),
        population: input.population.clone(),
        respond_by_us: deadline_us("respond_by", &input.respond_by)?,
        checklist: input.checklist.clone(),
        reminders: input.reminders.clone(),
    })
}

/// Checks an alert and lists the institutions it would go to.
pub async fn preview(ctx: Ctx<'_>, clock: &Clock, input: &AlertInput) -> SResult<Vec<Matched>> {
    require_supervisor(&ctx)?;
    let now = clock.now_us();
    to_alert(input)?
        .validate(now)
        .map_err(|e| alert_error(&e))?;
    resolve_population(&ctx, &input.population, now).await
}

/// Sends an alert: the alert, its targets and the audit entry in one transaction.
pub async fn send(ctx: Ctx<'_>, clock: &Clock, input: &AlertInput) -> SResult<String> {
    require_supervisor(&ctx)?;
    let now = clock.now_us();
    let alert = to_alert(input)?;
    alert.validate(now).map_err(|e| alert_error(&e))?;
    let matched = resolve_population(&ctx, &input.population, now).await?;
    let targets: Vec<String> = matched.into_iter().map(|m| m.id).collect();
    let id = new_id();
    let mut tx = ctx.store.write().await?;
    store::insert(
        &mut tx,
        &id,
        &ctx.actor.org_id,
        &alert,
        &targets,
        &ctx.actor.user_id,
        now,
    )
    .await?;
    let summary = json!({"title": alert.title.ja, "targets": targets.len(), "checklist": alert.checklist.len()});
    ctx.audit(&mut tx, "alert.send", ("alert", Some(&id)), None, summary)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Every alert the supervisor reaches, each with its tracking within reach, read page by
/// page so none is left out (the list pages use [`page`]).
pub async fn list(ctx: Ctx<'_>, clock: &Clock) -> SResult<Vec<AlertDetail>> {
    let mut req = crate::paging::PageRequest {
        cursor: None,
        limit: Some(deltawall_store::keyset::MAX_LIMIT),
    };
    let mut out = Vec::new();
    loop {
        let p = page(ctx, clock, &req).await?;
        out.extend(p.items);
        match p.next {
            Some(next) => req.cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// One page of the alerts the supervisor reaches, newest first, each with its tracking
/// within reach.
pub async fn page(
    ctx: Ctx<'_>,
    clock: &Clock,
    req: &crate::paging::PageRequest,
) -> SResult<KeysetPage<AlertDetail>> {
    require_supervisor_reader(&ctx)?;
    let after = req.cursor(2)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let page = store::page(&mut conn, &scope, after.as_ref(), req.limit()).await?;
    let mut items = Vec::new();
    for alert in page.items {
        items.push(detail_of(&mut conn, &scope, alert, clock.now_us()).await?);
    }
    Ok(KeysetPage {
        items,
        next: page.next,
    })
}

async fn detail_of(
    conn: &mut deltawall_store::Conn,
    scope: &OrgScope,
    alert: StoredAlert,
    now: i64,
) -> SResult<AlertDetail> {
    let targets = store::targets(conn, scope, &alert.id).await?;
    let acks = store::acks(conn, scope, &alert.id).await?;
    let ids: Vec<String> = targets.iter().map(|t| t.org_id.clone()).collect();
    let tracking = tracking(&alert.alert, &ids, &acks, now);
    let latest = latest_acknowledgements(&acks)
        .into_values()
        .cloned()
        .collect();
    Ok(AlertDetail {
        alert,
        targets,
        tracking,
        acks: latest,
    })
}

/// One alert with its tracking over the targets within reach.
pub async fn detail(ctx: Ctx<'_>, clock: &Clock, id: &str) -> SResult<AlertDetail> {
    require_supervisor_reader(&ctx)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let alert = store::get(&mut conn, &scope, id).await?;
    detail_of(&mut conn, &scope, alert, clock.now_us()).await
}

fn require_institution(ctx: &Ctx<'_>) -> SResult<OrgScope> {
    if ctx.actor.org_kind == OrgKind::Institution && ctx.actor.can(Permission::ReadOwnOrg) {
        Ok(OrgScope::Own(ctx.actor.org_id.clone()))
    } else {
        Err(ServiceError::Forbidden)
    }
}

async fn mine(
    conn: &mut deltawall_store::Conn,
    own: &OrgScope,
    alert: StoredAlert,
    now: i64,
) -> SResult<MyAlert> {
    let acks = store::acks(conn, own, &alert.id).await?;
    let ack = acks.into_iter().max_by_key(|a| a.at_us);
    let overdue = ack.is_none() && now > alert.alert.respond_by_us;
    // The population names the other institutions: not for an institution's eyes.
    let mut alert = alert;
    alert.alert.population = Selector::default();
    Ok(MyAlert {
        alert,
        ack,
        overdue,
    })
}

/// The alerts sent to the actor's institution, newest first.
pub async fn my_alerts(ctx: Ctx<'_>, clock: &Clock) -> SResult<Vec<MyAlert>> {
    let own = require_institution(&ctx)?;
    let mut conn = ctx.store.read().await?;
    let mut out = Vec::new();
    for alert in store::list(&mut conn, &own).await? {
        out.push(mine(&mut conn, &own, alert, clock.now_us()).await?);
    }
    Ok(out)
}

/// One page of the alerts sent to the actor's institution, newest first.
pub async fn my_alerts_page(
    ctx: Ctx<'_>,
    clock: &Clock,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<MyAlert>> {
    let own = require_institution(&ctx)?;
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    let page = store::page(&mut conn, &own, after.as_ref(), req.limit()).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for alert in page.items {
        items.push(mine(&mut conn, &own, alert, clock.now_us()).await?);
    }
    Ok(deltawall_store::keyset::KeysetPage {
        items,
        next: page.next,
    })
}

/// One alert sent to the actor's institution.
pub async fn my_alert(ctx: Ctx<'_>, clock: &Clock, id: &str) -> SResult<MyAlert> {
    let own = require_institution(&ctx)?;
    let mut conn = ctx.store.read().await?;
    let alert = store::get(&mut conn, &own, id).await?;
    mine(&mut conn, &own, alert, clock.now_us()).await
}

/// The institution acknowledges an alert sent to it and answers its checklist; a later
/// acknowledgement amends the earlier one (both are kept).
pub async fn acknowledge(ctx: Ctx<'_>, clock: &Clock, id: &str, input: &AckInput) -> SResult<()> {
    let own = require_institution(&ctx)?;
    ctx.require(Permission::EditPosture)?;
    if input.answers.iter().any(|a| a.note.chars().count() > 2000) {
        return Err(invalid(
            "answers",
            "err-too-long",
            "a note is over 2000 characters",
        ));
    }
    let now = clock.now_us();
    let mut tx = ctx.store.write().await?;
    let alert = store::get(&mut tx, &own, id).await?;
    let targets: Vec<String> = store::targets(&mut tx, &own, id)
        .await?
        .into_iter()
        .map(|t| t.org_id)
        .collect();
    let ack = alert
        .alert
        .acknowledge(
            &targets,
            &ctx.actor.org_id,
            &party(&ctx),
            input.answers.clone(),
            now,
        )
        .map_err(|e| match e {
            AckRefusal::NotTargeted => ServiceError::NotFound("alert"),
            AckRefusal::InstitutionOnly => ServiceError::Forbidden,
            AckRefusal::Answers(_) => ServiceError::Conflict {
                code: "alert-err-answers",
                message: e.to_string(),
            },
        })?;
    store::insert_ack(&mut tx, &new_id(), id, &ack).await?;
    let summary = json!({"answers": ack.answers.len(), "late": now > alert.alert.respond_by_us});
    ctx.audit(&mut tx, "alert.ack", ("alert", Some(id)), None, summary)
        .await?;
    tx.commit().await?;
    Ok(())
}
