//! Incident cases: an institution opens a case (optionally from detections of its own
//! inbox), moves it through the phases, records milestones, retriages, and works it. Every
//! change goes through the domain ([`Case::apply`]), is stored from the version read, and
//! is audited in the same transaction. Reads pass the actor's scope to the store, so a
//! bureau sees only its region's cases and an institution only its own.

use super::refused;
use crate::error::ServiceError;
use crate::supervision::clock::Clock;
use crate::supervision::dispatch::{party, require_institution};
use crate::{Ctx, SResult};
use deltawall_domain::incident::case::{
    AffectedService, Case, CaseCommand, Category, Impact, Milestone, NewCase, Phase, ServiceStatus,
    TimelineEntry, TimelineKind, Urgency,
};
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::incidents::cases::{self, StoredCase};
use serde::Deserialize;
use serde_json::json;

/// The most detections one case can be opened from in one request.
pub const MAX_DETECTIONS: usize = 1_000;

/// An affected service as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    /// Its name (インターネットバンキング, ATM, …).
    pub name: String,
    /// Whether customers use it directly.
    #[serde(default)]
    pub customer_facing: bool,
    /// `stopped`, `degraded` or `normal`.
    pub status: String,
}

/// What an institution knows when it opens a case.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    /// A short title (1 to 200 characters).
    pub title: String,
    /// The category code (`list_attack_login`, `ddos`, `ransomware`, …).
    pub category: String,
    /// A ransom was demanded.
    #[serde(default)]
    pub ransom_demanded: bool,
    /// What happened.
    pub summary: String,
    /// The day it happened in Japan, `YYYY-MM-DD`.
    pub occurred_on: String,
    /// Customers affected (an estimate while unknown).
    #[serde(default)]
    pub customers_affected: u64,
    /// Customer assets were lost.
    #[serde(default)]
    pub assets_lost: bool,
    /// Customer data leaked.
    #[serde(default)]
    pub data_leaked: bool,
    /// Services affected.
    #[serde(default)]
    pub services: Vec<ServiceInput>,
    /// `ongoing`, `contained` or `potential`.
    pub urgency: String,
    /// When the institution recognised the incident, Japan time `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub recognised_at: Option<String>,
    /// Detections of the institution's inbox this case is opened from.
    #[serde(default)]
    pub detections: Vec<String>,
}

/// A change to a case, from the version the caller read.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandInput {
    /// The version read (optimistic concurrency).
    pub version: i64,
    /// `enter_phase`, `record_milestone`, `recategorise` or `add_note`.
    pub command: String,
    /// The phase to enter, milestone to record or category to set.
    #[serde(default)]
    pub code: Option<String>,
    /// When the milestone happened, Japan time `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub at: Option<String>,
    /// The note, or the reason for a recategorisation.
    #[serde(default)]
    pub text: Option<String>,
}

fn code<T>(field: &'static str, raw: &str, parse: impl Fn(&str) -> Option<T>) -> SResult<T> {
    parse(raw.trim()).ok_or_else(|| ServiceError::Refused {
        code: "incident-err",
        field,
        message: format!(
            "{field}: unknown code {:?}",
            raw.chars().take(60).collect::<String>()
        ),
    })
}

/// Parses a Japan-time `YYYY-MM-DDTHH:MM` (an HTML `datetime-local` value) into Unix µs.
pub fn instant(field: &'static str, raw: &str) -> SResult<i64> {
    let bad = || ServiceError::Refused {
        code: "incident-err",
        field,
        message: format!("{field}: expected a Japan time YYYY-MM-DDTHH:MM"),
    };
    let civil: jiff::civil::DateTime = raw.trim().parse().map_err(|_| bad())?;
    let at = deltawall_domain::jst::tz()
        .to_timestamp(civil)
        .map_err(|_| bad())?;
    Ok(at.as_microsecond())
}

fn impact(input: &CaseInput) -> SResult<Impact> {
    let services = input
        .services
        .iter()
        .map(|s| {
            Ok(AffectedService {
                name: s.name.trim().to_owned(),
                customer_facing: s.customer_facing,
                status: code("services.status", &s.status, ServiceStatus::from_code)?,
            })
        })
        .collect::<SResult<Vec<_>>>()?;
    Ok(Impact {
        customers_affected: input.customers_affected,
        assets_lost: input.assets_lost,
        data_leaked: input.data_leaked,
        services,
    })
}

fn new_case(org_id: &str, input: &CaseInput) -> SResult<NewCase> {
    Ok(NewCase {
        org_id: org_id.to_owned(),
        title: input.title.clone(),
        category: code("category", &input.category, Category::from_code)?,
        ransom_demanded: input.ransom_demanded,
        summary: input.summary.clone(),
        occurred_on: crate::time::date("occurred_on", &input.occurred_on)?,
        impact: impact(input)?,
        urgency: code("urgency", &input.urgency, Urgency::from_code)?,
        recognised_at_us: match input.recognised_at.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => Some(instant("recognised_at", raw)?),
            _ => None,
        },
        exercise: false,
    })
}

/// Opens a case for the actor's institution and links the detections named in the input
/// (only its own: another institution's id is not found and nothing is opened); returns
/// the case id.
pub async fn open(ctx: Ctx<'_>, clock: &Clock, input: &CaseInput) -> SResult<String> {
    require_institution(&ctx)?;
    ctx.require(Permission::EditPosture)?;
    if input.detections.len() > MAX_DETECTIONS {
        return Err(ServiceError::Refused {
            code: "incident-err",
            field: "detections",
            message: format!("detections: at most {MAX_DETECTIONS} per case"),
        });
    }
    let now = clock.now_us();
    let actor = party(&ctx);
    let (case, first) =
        Case::open(new_case(&ctx.actor.org_id, input)?, &actor, now).map_err(refused)?;
    let id = deltawall_store::new_id();
    let mut tx = ctx.store.write().await?;
    cases::insert(&mut tx, &id, &case, &first).await?;
    let mut linked: Vec<String> = input
        .detections
        .iter()
        .map(|d| d.trim().to_owned())
        .collect();
    linked.sort();
    linked.dedup();
    cases::link_detections(&mut tx, &ctx.actor.org_id, &id, &linked, now).await?;
    for detection_id in &linked {
        let entry = TimelineEntry {
            at_us: now,
            actor_user_id: actor.user_id.clone(),
            kind: TimelineKind::DetectionLinked {
                detection_id: detection_id.clone(),
            },
        };
        cases::append(&mut tx, &id, &ctx.actor.org_id, &entry).await?;
    }
    let summary = json!({"category": case.category.code(), "severity": case.severity, "priority": case.priority.code(), "detections": linked.len()});
    ctx.audit(
        &mut tx,
        "incident.open",
        ("incident", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn command(input: &CommandInput) -> SResult<CaseCommand> {
    let text = || input.text.clone().unwrap_or_default();
    let c = input.code.as_deref().unwrap_or("");
    Ok(match input.command.as_str() {
        "enter_phase" => CaseCommand::EnterPhase {
            phase: code("code", c, Phase::from_code)?,
        },
        "record_milestone" => CaseCommand::RecordMilestone {
            milestone: code("code", c, Milestone::from_code)?,
            at_us: instant("at", input.at.as_deref().unwrap_or(""))?,
        },
        "recategorise" => CaseCommand::Recategorise {
            category: code("code", c, Category::from_code)?,
            reason: text(),
        },
        "add_note" => CaseCommand::AddNote { text: text() },
        other => {
            return Err(ServiceError::Refused {
                code: "incident-err",
                field: "command",
                message: format!(
                    "command: unknown command {:?}",
                    other.chars().take(40).collect::<String>()
                ),
            });
        }
    })
}

/// Applies a change of the actor's institution to case `id`, from the version read; the
/// domain's refusal (a phase moving back, a milestone in the future …) is returned as it is.
pub async fn change(ctx: Ctx<'_>, clock: &Clock, id: &str, input: &CommandInput) -> SResult<()> {
    require_institution(&ctx)?;
    ctx.require(Permission::EditPosture)?;
    let cmd = command(input)?;
    apply(&ctx, clock, id, input.version, cmd).await
}

/// Applies `cmd` to case `id` at `version` and audits it.
pub(crate) async fn apply(
    ctx: &Ctx<'_>,
    clock: &Clock,
    id: &str,
    version: i64,
    cmd: CaseCommand,
) -> SResult<()> {
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    let now = clock.now_us();
    let mut tx = ctx.store.write().await?;
    let mut stored = cases::get(&mut tx, &own, id).await?;
    if stored.version != version {
        return Err(ServiceError::Conflict {
            code: "err-conflict",
            message: "the case was changed by someone else; reload it".into(),
        });
    }
    let entry = stored.case.apply(cmd, &party(ctx), now).map_err(refused)?;
    cases::update(&mut tx, id, version, &stored.case, &entry).await?;
    let action = format!("incident.{}", entry.kind.code());
    ctx.audit(
        &mut tx,
        &action,
        ("incident", Some(id)),
        None,
        json!(entry.kind),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The cases the actor may read: its institution's, or those in the supervisor's reach.
pub async fn list(ctx: Ctx<'_>) -> SResult<Vec<StoredCase>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    Ok(cases::list(&mut conn, &ctx.actor.org_scope()).await?)
}

/// One page of the cases the actor may read, open ones first.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<StoredCase>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let after = req.cursor(4)?;
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.org_scope();
    Ok(cases::page(&mut conn, &scope, after.as_ref(), req.limit()).await?)
}
