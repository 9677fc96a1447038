//! Sharing back from a case (report §2.(2)②): observables promoted to STIX 2.1 indicators
//! with a TLP marking the user chooses, published through the TAXII add path
//! ([`crate::sharing::add::add_objects`], so grants, TLP and never-downgrade apply as for
//! any member's add) to a collection of the ISAC; and recurrence-prevention actions raised
//! as posture findings through the one finding-creation path
//! ([`crate::posture::findings::raise`]).
//!
//! Each indicator goes with a `sighting` of it and the add carries one `incident` object
//! for the case, so the ISAC sees that the indicator was met in a real incident of which
//! category. Below TLP:RED neither names the institution nor points at its identity: the
//! identity's id is stable ([`identity_of`]), so one named object elsewhere would name
//! every object that carries it.
//!
//! Accounts are never shared (the domain gives them no pattern and the database refuses to
//! mark them shareable). TLP:RED is the default; an indicator that names the institution
//! can only be TLP:RED.

use crate::error::ServiceError;
use crate::posture::findings::{FindingFields, Raised, raise};
use crate::sharing::add::{add_objects, uuid_v4};
use crate::sharing::hub::identity_of;
use crate::sharing::taxii::timestamp;
use crate::supervision::clock::Clock;
use crate::supervision::dispatch::require_institution;
use crate::{Ctx, SResult};
use deltawall_domain::finding::{Origin, Person, Severity};
use deltawall_domain::incident::case::{TimelineEntry, TimelineKind};
use deltawall_domain::{OrgScope, Permission};
use deltawall_stix::Tlp;
use deltawall_store::incidents::cases::{self, StoredCase};
use deltawall_store::incidents::work::{self, StoredObservable};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What to share and with whom.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareInput {
    /// Ids of the case's observables to promote.
    pub observable_ids: Vec<String>,
    /// `clear`, `green`, `amber`, `amber+strict` or `red` (the default).
    #[serde(default)]
    pub tlp: Option<String>,
    /// The TAXII API root of the ISAC (or the coordination room).
    pub root: String,
    /// The collection id.
    pub collection: String,
    /// Name the institution in the indicators' description (only at TLP:RED).
    #[serde(default)]
    pub name_institution: bool,
}

/// What was published.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShareOutcome {
    /// The ids of the indicators.
    pub indicators: Vec<String>,
    /// The ids of the sightings, one per indicator in the same order.
    pub sightings: Vec<String>,
    /// The id of the incident object.
    pub incident: String,
    /// The TAXII status resource of the add.
    #[schema(value_type = Object)]
    pub status: Value,
}

fn bad(field: &'static str, message: &str) -> ServiceError {
    ServiceError::Refused {
        code: "incident-err",
        field,
        message: format!("{field}: {message}"),
    }
}

fn tlp(raw: Option<&str>) -> SResult<Tlp> {
    let code = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("red");
    Tlp::ALL
        .into_iter()
        .find(|t| t.name().eq_ignore_ascii_case(&format!("TLP:{code}")))
        .ok_or_else(|| bad("tlp", "unknown TLP level"))
}

fn indicator(
    case: &StoredCase,
    o: &StoredObservable,
    level: Tlp,
    named: bool,
    now: i64,
) -> SResult<Value> {
    let pattern = o
        .observable
        .stix_pattern()
        .ok_or_else(|| bad("observable_ids", "an account is never shared"))?;
    let mut description = format!("Seen in a {} incident", case.case.category.label("en"));
    if named {
        description.push_str(&format!(" at {}", case.org_name_en));
    }
    let at = timestamp(now);
    Ok(json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{}", uuid_v4()),
        "created": at, "modified": at, "valid_from": at,
        "name": format!("{}: {}", o.observable.kind.label("en"), o.observable.value),
        "description": description, "indicator_types": ["malicious-activity"],
        "pattern": pattern, "pattern_type": "stix",
        "object_marking_refs": [level.marking_id()],
    }))
}

/// The common properties of an object shared now at `level`.
fn shared_object(object_type: &str, level: Tlp, now: i64) -> Value {
    let at = timestamp(now);
    json!({
        "type": object_type, "spec_version": "2.1",
        "id": format!("{object_type}--{}", uuid_v4()),
        "created": at, "modified": at, "object_marking_refs": [level.marking_id()],
    })
}

/// A sighting of `indicator_id` by the institution: its identity only at TLP:RED.
fn sighting(org_id: &str, indicator_id: &str, level: Tlp, now: i64) -> Value {
    let mut obj = shared_object("sighting", level, now);
    obj["sighting_of_ref"] = indicator_id.into();
    obj["count"] = 1.into();
    obj["last_seen"] = obj["created"].clone();
    if level == Tlp::Red {
        let identity = identity_of(org_id);
        obj["created_by_ref"] = identity.clone().into();
        obj["where_sighted_refs"] = json!([identity]);
    }
    obj
}

/// The case as a STIX incident: its category and phase, the institution's name only when
/// the user named it (TLP:RED, checked by [`share`]).
fn incident(case: &StoredCase, level: Tlp, named: bool, indicators: usize, now: i64) -> Value {
    let mut obj = shared_object("incident", level, now);
    let category = case.case.category.label("en");
    let mut description = format!(
        "A {category} incident in the {} phase, shared with {indicators} indicator(s)",
        case.case.phase.label("en").to_lowercase()
    );
    if named {
        description.push_str(&format!(" by {}", case.org_name_en));
    }
    obj["name"] = format!("{category} incident").into();
    obj["description"] = description.into();
    obj
}

/// Promotes observables of case `case_id` to indicators and adds them to a collection.
pub async fn share(
    ctx: Ctx<'_>,
    clock: &Clock,
    case_id: &str,
    input: &ShareInput,
    max_bytes: usize,
) -> SResult<ShareOutcome> {
    require_institution(&ctx)?;
    ctx.require(Permission::EditPosture)?;
    let level = tlp(input.tlp.as_deref())?;
    if input.name_institution && level != Tlp::Red {
        return Err(bad(
            "tlp",
            "an indicator that names the institution stays TLP:RED",
        ));
    }
    if input.observable_ids.is_empty() {
        return Err(bad("observable_ids", "is required"));
    }
    let now = clock.now_us();
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    let (case, observables) = {
        let mut conn = ctx.store.read().await?;
        let case = cases::get(&mut conn, &own, case_id).await?;
        (case, work::observables(&mut conn, case_id).await?)
    };
    let mut objects = Vec::new();
    for id in &input.observable_ids {
        let o = observables
            .iter()
            .find(|o| o.id == *id)
            .ok_or(ServiceError::NotFound("observable"))?;
        if !o.shareable {
            return Err(bad("observable_ids", "an account is never shared"));
        }
        objects.push(indicator(&case, o, level, input.name_institution, now)?);
    }
    let id_of = |o: &Value| o["id"].as_str().unwrap_or_default().to_owned();
    let ids: Vec<String> = objects.iter().map(id_of).collect();
    let sightings: Vec<Value> = ids
        .iter()
        .map(|i| sighting(&ctx.actor.org_id, i, level, now))
        .collect();
    let sighting_ids: Vec<String> = sightings.iter().map(id_of).collect();
    let inc = incident(&case, level, input.name_institution, ids.len(), now);
    let incident_id = id_of(&inc);
    objects.extend(sightings);
    objects.push(inc);
    let body = json!({ "objects": objects }).to_string();
    let out = add_objects(
        &ctx,
        input.root.trim(),
        input.collection.trim(),
        body.as_bytes(),
        max_bytes,
    )
    .await?;
    let mut tx = ctx.store.write().await?;
    let kind = TimelineKind::Note {
        text: format!(
            "{} indicator(s) shared at {} to {}/{}",
            ids.len(),
            level.name(),
            input.root.trim(),
            input.collection.trim()
        ),
    };
    let entry = TimelineEntry {
        at_us: now,
        actor_user_id: ctx.actor.user_id.clone(),
        kind,
    };
    cases::append(&mut tx, case_id, &case.case.org_id, &entry).await?;
    let summary = json!({"case": case_id, "tlp": level.name(), "root": input.root.trim(), "collection": input.collection.trim(), "indicators": ids, "incident": incident_id});
    ctx.audit(
        &mut tx,
        "incident.share",
        ("incident", Some(case_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(ShareOutcome {
        indicators: ids,
        sightings: sighting_ids,
        incident: incident_id,
        status: out.status,
    })
}

/// A recurrence-prevention action to track as a posture finding.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreventionInput {
    /// What will be done (up to 200 characters).
    pub title: String,
    /// Why and how.
    #[serde(default)]
    pub description: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// The user of the institution who owns it.
    pub owner_user: String,
    /// Due, `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: Option<String>,
    /// Requirements of the built-in catalog it concerns.
    #[serde(default)]
    pub requirement_ids: Vec<String>,
}

/// Raises a recurrence-prevention action of case `case_id` as the institution's own
/// posture finding (origin: incident), tracked to verified closure like any other.
pub async fn prevent(
    ctx: Ctx<'_>,
    clock: &Clock,
    case_id: &str,
    input: &PreventionInput,
) -> SResult<String> {
    require_institution(&ctx)?;
    ctx.require(Permission::EditPosture)?;
    let severity: Severity = deltawall_store::findings::parse_code(input.severity.trim())
        .ok_or_else(|| bad("severity", "unknown code"))?;
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    let mut tx = ctx.store.write().await?;
    let case = cases::get(&mut tx, &own, case_id).await?;
    let fields = FindingFields {
        title: &input.title,
        description: &input.description,
        severity,
        requirement_ids: &input.requirement_ids,
        owner_user: &input.owner_user,
        due_on: input.due_on.as_deref(),
    };
    let raised = Raised {
        org_id: ctx.actor.org_id.clone(),
        origin: Origin::Incident,
        origin_ref: Some(case_id.to_owned()),
        by: Person {
            user_id: ctx.actor.user_id.clone(),
            role: ctx.actor.role,
        },
        issue: false,
    };
    let f = raise(&mut tx, &fields, raised).await?;
    let kind = TimelineKind::Note {
        text: format!(
            "recurrence prevention raised as finding {}: {}",
            f.id, f.new.title
        ),
    };
    let entry = TimelineEntry {
        at_us: clock.now_us(),
        actor_user_id: ctx.actor.user_id.clone(),
        kind,
    };
    cases::append(&mut tx, case_id, &case.case.org_id, &entry).await?;
    let summary = json!({"case": case_id, "finding": f.id, "severity": input.severity.trim(), "owner": f.owner});
    ctx.audit(
        &mut tx,
        "incident.prevention",
        ("finding", Some(&f.id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(f.id)
}
