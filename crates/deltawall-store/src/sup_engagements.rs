//! Monitoring engagements (実態把握): the domain's engagement persisted. The store never
//! decides a command; it saves the engagement the domain returned and appends its history
//! event. The `(engagement, seq)` key of the history makes a save against a stale read
//! fail as a conflict. Reads go through [`org_clause`], so a local bureau reaches only
//! engagements with institutions of its region.

use crate::db::Db;
use crate::findings::code_of;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, conflict};
use crate::scope::org_clause;
use crate::{Result, StoreError, new_id};
use deltawall_domain::OrgScope;
use deltawall_domain::org::Region;
use deltawall_domain::role::Role;
use deltawall_domain::supervision::engagement::{Engagement, EngagementState};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An engagement as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEngagement {
    /// Id.
    pub id: String,
    /// The institution's Japanese name.
    pub org_name_ja: String,
    /// Its English name.
    pub org_name_en: String,
    /// The day it is planned for (`YYYY-MM-DD`).
    pub planned_on: String,
    /// The domain engagement: state, viewpoints, notes, follow-ups, history.
    pub engagement: Engagement,
    /// Who planned it.
    pub created_by: String,
    /// Planned, Unix µs.
    pub created_at: i64,
    /// Last changed, Unix µs.
    pub updated_at: i64,
}

/// One stored history row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngagementEventRow {
    /// Position, from 0 (the plan).
    pub seq: i64,
    /// When, Unix µs.
    pub at: i64,
    /// Who (user id).
    pub actor: String,
    /// The event as JSON: `{"plan": …}` or the domain's `EngagementEvent`.
    pub event: serde_json::Value,
}

const COLUMNS: &str = "e.id, e.planned_on, e.document, e.created_by, e.created_at, e.updated_at, o.name_ja, o.name_en";

fn from_row(row: &AnyRow) -> Result<StoredEngagement> {
    let doc: String = row.try_get("document")?;
    let engagement = serde_json::from_str(&doc).map_err(|_| StoreError::Corrupt {
        table: "sup_engagements",
        column: "document",
        value: doc.chars().take(80).collect(),
    })?;
    Ok(StoredEngagement {
        id: row.try_get("id")?,
        org_name_ja: row.try_get("name_ja")?,
        org_name_en: row.try_get("name_en")?,
        planned_on: row.try_get("planned_on")?,
        engagement,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn document(e: &Engagement) -> String {
    serde_json::to_string(e).expect("an engagement always serialises")
}

async fn append_event(
    db: &mut Db,
    id: &str,
    seq: usize,
    (at, actor): (i64, &str),
    event: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sup_engagement_events (engagement_id, seq, at, actor, event) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_owned())
    .bind(i64::try_from(seq).unwrap_or(i64::MAX))
    .bind(at)
    .bind(actor.to_owned())
    .bind(event.to_string())
    .execute(&mut *db)
    .await
    .map_err(conflict("a newer change of this engagement"))?;
    Ok(())
}

/// Stores a newly planned engagement and its first history row (the plan); returns its id.
pub async fn create(
    db: &mut Db,
    planned: &Engagement,
    planned_on: &str,
    created_by: &str,
    at_us: i64,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO sup_engagements (id, org_id, region, method, state, planned_on, completed_at, document, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $9)",
    )
    .bind(id.clone())
    .bind(planned.org_id.clone())
    .bind(planned.org_region.code())
    .bind(code_of(&planned.method))
    .bind(code_of(&planned.state))
    .bind(planned_on.to_owned())
    .bind(document(planned))
    .bind(created_by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    let plan = serde_json::json!({"plan": {"method": planned.method, "viewpoints": planned.viewpoints, "planned_on": planned_on}});
    append_event(db, &id, 0, (at_us, created_by), plan).await?;
    Ok(id)
}

/// Saves the engagement the domain returned after one accepted command of `read`, and
/// appends the history event it added. Refused as a conflict when someone saved since.
pub async fn save(db: &mut Db, read: &StoredEngagement, next: &Engagement) -> Result<()> {
    let event = next
        .history
        .last()
        .filter(|_| next.history.len() == read.engagement.history.len() + 1)
        .ok_or(StoreError::Conflict("engagement change"))?;
    let seq = next.history.len();
    let value = serde_json::to_value(event).unwrap_or_default();
    append_event(db, &read.id, seq, (event.at_us, &event.actor), value).await?;
    let completed = next.completed_at_us();
    sqlx::query(
        "UPDATE sup_engagements SET state = $2, document = $3, completed_at = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(read.id.clone())
    .bind(code_of(&next.state))
    .bind(document(next))
    .bind(completed)
    .bind(event.at_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// One engagement within `scope`.
pub async fn get(db: &mut Db, scope: &OrgScope, id: &str) -> Result<StoredEngagement> {
    let clause = org_clause(scope, 2);
    let sql = format!(
        "SELECT {COLUMNS} FROM sup_engagements e JOIN organisations o ON o.id = e.org_id WHERE e.id = $1 AND {}",
        clause.sql
    );
    let row = crate::records::fetch_scoped(db, sql, id, clause, "engagement").await?;
    from_row(&row)
}

/// Every engagement within `scope`, optionally of one institution and in some states, by
/// planned day (latest first), read page by page so none is left out (the pages people
/// see use [`page`]).
pub async fn list(
    db: &mut Db,
    scope: &OrgScope,
    org_id: Option<&str>,
    states: &[EngagementState],
) -> Result<Vec<StoredEngagement>> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut sql = format!(
        "SELECT {COLUMNS} FROM sup_engagements e JOIN organisations o ON o.id = e.org_id WHERE {}",
        clause.sql
    );
    if let Some(org) = org_id {
        binds.push(Bind::Text(org.to_owned()));
        sql.push_str(&format!(" AND e.org_id = ${}", binds.len()));
    }
    if !states.is_empty() {
        let mut marks = Vec::new();
        for s in states {
            binds.push(Bind::Text(code_of(s)));
            marks.push(format!("${}", binds.len()));
        }
        sql.push_str(&format!(" AND e.state IN ({})", marks.join(", ")));
    }
    let query = keyset::Query {
        select: sql,
        binds,
        order: ORDER,
    };
    query.all(db, from_row, engagement_key).await
}

fn engagement_key(e: &StoredEngagement) -> Vec<Key> {
    vec![Key::Text(e.planned_on.clone()), Key::Text(e.id.clone())]
}

/// The order of engagement lists: latest planned day first, then by id.
const ORDER: &[keyset::Col] = &[
    ("e.planned_on", Dir::Desc, Kind::Text),
    ("e.id", Dir::Asc, Kind::Text),
];

/// One page of the engagements within `scope`, latest planned day first, starting after
/// `after`.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<StoredEngagement>> {
    let clause = org_clause(scope, 1);
    let query = keyset::Query {
        select: format!(
            "SELECT {COLUMNS} FROM sup_engagements e JOIN organisations o ON o.id = e.org_id WHERE {}",
            clause.sql
        ),
        binds: clause.binds.into_iter().map(Bind::Text).collect(),
        order: ORDER,
    };
    query.page(db, after, limit, from_row, engagement_key).await
}

/// The stored history of an engagement (the caller has checked it is visible), oldest
/// first.
pub async fn events(db: &mut Db, id: &str) -> Result<Vec<EngagementEventRow>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, event FROM sup_engagement_events WHERE engagement_id = $1 ORDER BY seq",
    )
    .bind(id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            let text: String = r.try_get("event")?;
            Ok(EngagementEventRow {
                seq: r.try_get("seq")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                event: serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
            })
        })
        .collect()
}

/// A supervisor who may be assigned a follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignee {
    /// User id.
    pub user_id: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The user's organisation (the FSA or the bureau).
    pub org_id: String,
    /// Its Japanese name.
    pub org_name_ja: String,
    /// Its English name.
    pub org_name_en: String,
    /// The bureau's region; `None` for the FSA.
    pub region: Option<Region>,
}

/// Active staff (not auditors) of the FSA and of the bureau of `region`: the people who
/// share the follow-up of an engagement with an institution of that region. This reads
/// across supervisory organisations on purpose (the two bodies follow up together) and
/// returns nothing of any institution.
pub async fn assignable(db: &mut Db, region: Region) -> Result<Vec<Assignee>> {
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, u.role, o.id AS org_id, o.name_ja, o.name_en, o.region FROM users u \
         JOIN organisations o ON o.id = u.org_id \
         WHERE o.kind = 'supervisor' AND o.active = 1 AND u.active = 1 AND u.role <> 'auditor' \
         AND (o.region IS NULL OR o.region = $1) ORDER BY o.region IS NOT NULL, o.name_ja, u.display_name, u.id",
    )
    .bind(region.code())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            let region: Option<String> = r.try_get("region")?;
            Ok(Assignee {
                user_id: r.try_get("id")?,
                display_name: r.try_get("display_name")?,
                role: Role::from_code(&role).ok_or_else(|| StoreError::Corrupt {
                    table: "users",
                    column: "role",
                    value: role.clone(),
                })?,
                org_id: r.try_get("org_id")?,
                org_name_ja: r.try_get("name_ja")?,
                org_name_en: r.try_get("name_en")?,
                region: region.as_deref().and_then(Region::from_code),
            })
        })
        .collect()
}
