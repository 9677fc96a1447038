//! Incident cases in storage. The domain's [`Case`] is kept whole as a JSON document in
//! `incidents.case_doc`, with the columns the figures and lists filter on (category,
//! severity, priority, phase, milestones) copied beside it; `version` guards concurrent
//! changes. The timeline is append-only (the database refuses updates and deletes).

use super::{from_json, to_json};
use crate::db::Db;
use crate::findings::code_of;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::incident::case::{Case, Milestone, TimelineEntry};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// A case as stored, with its institution's names and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredCase {
    /// Id.
    pub id: String,
    /// The institution's Japanese name.
    pub org_name_ja: String,
    /// The institution's English name.
    pub org_name_en: String,
    /// The case.
    pub case: Case,
    /// Incremented by every change; an update names the version it read.
    pub version: i64,
    /// Last change, Unix µs.
    pub updated_at: i64,
}

/// One timeline entry with its sequence number (1 for the opening).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeqEntry {
    /// Position in the timeline, from 1.
    pub seq: i64,
    /// The entry.
    #[serde(flatten)]
    pub entry: TimelineEntry,
}

fn milestone(case: &Case, m: Milestone) -> Option<i64> {
    case.milestones.get(&m).copied()
}

/// Records a newly opened case and its first timeline entry; returns nothing (the caller
/// chose `id`).
pub async fn insert(db: &mut Db, id: &str, case: &Case, first: &TimelineEntry) -> Result<()> {
    sqlx::query(
        "INSERT INTO incidents (id, org_id, occurred_on, attack_type, severity, summary, reported_by, reported_at, \
         title, category, priority, phase, exercise, recognised_at, classified_major_at, recovered_at, root_cause_at, \
         case_doc, version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $8)",
    )
    .bind(id.to_owned())
    .bind(case.org_id.clone())
    .bind(case.occurred_on.to_string())
    .bind(case.category.attack_type().code())
    .bind(code_of(&case.severity))
    .bind(case.summary.clone())
    .bind(first.actor_user_id.clone())
    .bind(first.at_us)
    .bind(case.title.clone())
    .bind(case.category.code())
    .bind(case.priority.code())
    .bind(case.phase.code())
    .bind(i64::from(case.exercise))
    .bind(milestone(case, Milestone::Recognised))
    .bind(milestone(case, Milestone::ClassifiedMajor))
    .bind(milestone(case, Milestone::Recovered))
    .bind(milestone(case, Milestone::RootCauseIdentified))
    .bind(to_json(case))
    .execute(&mut *db)
    .await?;
    append(db, id, &case.org_id, first).await?;
    super::board_kept::refresh_case(db, id).await
}

/// Replaces the case `id` read at `expected_version` and appends `entry` to its timeline.
/// A newer version in the database is a conflict and changes nothing.
pub async fn update(
    db: &mut Db,
    id: &str,
    expected_version: i64,
    case: &Case,
    entry: &TimelineEntry,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE incidents SET attack_type = $3, severity = $4, summary = $5, title = $6, category = $7, \
         priority = $8, phase = $9, recognised_at = $10, classified_major_at = $11, recovered_at = $12, \
         root_cause_at = $13, case_doc = $14, version = version + 1, updated_at = $15 \
         WHERE id = $1 AND version = $2 AND case_doc IS NOT NULL",
    )
    .bind(id.to_owned())
    .bind(expected_version)
    .bind(case.category.attack_type().code())
    .bind(code_of(&case.severity))
    .bind(case.summary.clone())
    .bind(case.title.clone())
    .bind(case.category.code())
    .bind(case.priority.code())
    .bind(case.phase.code())
    .bind(milestone(case, Milestone::Recognised))
    .bind(milestone(case, Milestone::ClassifiedMajor))
    .bind(milestone(case, Milestone::Recovered))
    .bind(milestone(case, Milestone::RootCauseIdentified))
    .bind(to_json(case))
    .bind(entry.at_us)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("a newer version of the case"));
    }
    append(db, id, &case.org_id, entry).await?;
    super::board_kept::refresh_case(db, id).await
}

/// Appends `entry` to the timeline of case `case_id` (for work that does not change the
/// case document: tasks, customer response, reports).
pub async fn append(db: &mut Db, case_id: &str, org_id: &str, entry: &TimelineEntry) -> Result<()> {
    let seq: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM incident_timeline WHERE case_id = $1",
    )
    .bind(case_id.to_owned())
    .fetch_one(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO incident_timeline (case_id, seq, org_id, at, actor, kind, entry) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(case_id.to_owned())
    .bind(seq)
    .bind(org_id.to_owned())
    .bind(entry.at_us)
    .bind(entry.actor_user_id.clone())
    .bind(entry.kind.code())
    .bind(to_json(entry))
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Links detections of institution `org_id` to case `case_id` and marks them escalated.
/// Every id must name a detection of that institution not linked to another case;
/// otherwise nothing is linked and the first offending id is reported as not found.
pub async fn link_detections(
    db: &mut Db,
    org_id: &str,
    case_id: &str,
    detection_ids: &[String],
    at_us: i64,
) -> Result<()> {
    for id in detection_ids {
        let done = sqlx::query(
            "UPDATE detections SET case_id = $3, status = 'escalated', updated_at = $4 \
             WHERE org_id = $1 AND id = $2 AND (case_id IS NULL OR case_id = $3)",
        )
        .bind(org_id.to_owned())
        .bind(id.clone())
        .bind(case_id.to_owned())
        .bind(at_us)
        .execute(&mut *db)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("detection"));
        }
    }
    Ok(())
}

const COLUMNS: &str = "i.id, o.name_ja, o.name_en, i.case_doc, i.version, i.updated_at";

fn from_row(row: &AnyRow) -> Result<StoredCase> {
    let doc: String = row.try_get("case_doc")?;
    Ok(StoredCase {
        id: row.try_get("id")?,
        org_name_ja: row.try_get("name_ja")?,
        org_name_en: row.try_get("name_en")?,
        case: from_json("incidents", "case_doc", &doc)?,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The case `id` if it is within `scope`; otherwise not found (indistinguishable from a
/// case that does not exist).
pub async fn get(db: &mut Db, scope: &OrgScope, id: &str) -> Result<StoredCase> {
    let clause = org_clause(scope, 2);
    let sql = format!(
        "SELECT {COLUMNS} FROM incidents i JOIN organisations o ON o.id = i.org_id \
         WHERE i.id = $1 AND i.case_doc IS NOT NULL AND {}",
        clause.sql
    );
    let mut binds = vec![Bind::Text(id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("incident case"))?;
    from_row(&row)
}

/// Every case of institutions within `scope`, open ones first, then by priority and newest
/// change, read page by page so none is left out: the incidents to-do reads it whole (the
/// pages people see use [`page`]).
pub async fn list(db: &mut Db, scope: &OrgScope) -> Result<Vec<StoredCase>> {
    cases_query(scope).all(db, from_row, case_key).await
}

/// The order of case lists: open ones first, then by priority, newest change, id.
const ORDER: &[keyset::Col] = &[
    (
        "(CASE WHEN i.phase = 'closed' THEN 1 ELSE 0 END)",
        Dir::Asc,
        Kind::Int,
    ),
    ("i.priority", Dir::Asc, Kind::Text),
    ("i.updated_at", Dir::Desc, Kind::Int),
    ("i.id", Dir::Asc, Kind::Text),
];

/// One page of the cases of institutions within `scope`, in the order of [`list`],
/// starting after `after`.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<StoredCase>> {
    cases_query(scope)
        .page(db, after, limit, from_row, case_key)
        .await
}

/// The cases of institutions within `scope`, in [`ORDER`] once paged.
fn cases_query(scope: &OrgScope) -> keyset::Query<'static> {
    let clause = org_clause(scope, 1);
    keyset::Query {
        select: format!(
            "SELECT {COLUMNS} FROM incidents i JOIN organisations o ON o.id = i.org_id \
             WHERE i.case_doc IS NOT NULL AND {}",
            clause.sql
        ),
        binds: clause.binds.into_iter().map(Bind::Text).collect(),
        order: ORDER,
    }
}

fn case_key(c: &StoredCase) -> Vec<Key> {
    vec![
        Key::Int(i64::from(c.case.phase.code() == "closed")),
        Key::Text(c.case.priority.code().to_owned()),
        Key::Int(c.updated_at),
        Key::Text(c.id.clone()),
    ]
}

/// The timeline of case `case_id` (obtained through [`get`]), oldest first.
pub async fn timeline(db: &mut Db, case_id: &str) -> Result<Vec<SeqEntry>> {
    let rows =
        sqlx::query("SELECT seq, entry FROM incident_timeline WHERE case_id = $1 ORDER BY seq")
            .bind(case_id.to_owned())
            .fetch_all(&mut *db)
            .await?;
    rows.iter()
        .map(|row| {
            let raw: String = row.try_get("entry")?;
            Ok(SeqEntry {
                seq: row.try_get("seq")?,
                entry: from_json("incident_timeline", "entry", &raw)?,
            })
        })
        .collect()
}

/// The ids of the detections linked to case `case_id`.
pub async fn linked_detections(db: &mut Db, case_id: &str) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM detections WHERE case_id = $1 ORDER BY id")
            .bind(case_id.to_owned())
            .fetch_all(&mut *db)
            .await?,
    )
}
