//! Findings: the domain's state machine persisted. The store never decides a transition;
//! it saves the finding the domain returned, appends the history event the domain added,
//! and refuses a save made against a stale version (optimistic concurrency). Remediation
//! milestones hang off a finding. Reads go through [`record_clause`]; drafts stay home.

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::record_clause;
use crate::{Result, StoreError, new_id};
use deltawall_domain::access::RecordScope;
use deltawall_domain::finding::{Finding, Milestone, Origin, State};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// The stable code of a domain enum (its serde name).
pub fn code_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Parses a domain enum from its code.
pub fn parse_code<T: DeserializeOwned>(code: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table: "findings",
        column,
        value: value.chars().take(80).collect(),
    }
}

/// A finding as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFinding {
    /// Id.
    pub id: String,
    /// Owning institution.
    pub org_id: String,
    /// Where it came from.
    pub origin: Origin,
    /// The originating record (e.g. an assessment id).
    pub origin_ref: Option<String>,
    /// Title.
    pub title: String,
    /// What was found.
    pub description: String,
    /// Requirements it concerns.
    pub requirement_ids: Vec<String>,
    /// Due (`YYYY-MM-DD`).
    pub due_on: Option<String>,
    /// The domain finding: state, owner, issuer, acceptance, history.
    pub finding: Finding,
    /// Length of the history when read (for the next save).
    pub version: i64,
    /// Created, Unix µs.
    pub created_at: i64,
    /// Last changed, Unix µs.
    pub updated_at: i64,
}

/// A finding to create (as a draft).
#[derive(Debug, Clone, PartialEq)]
pub struct NewFinding {
    /// Owning institution.
    pub org_id: String,
    /// Origin reference.
    pub origin_ref: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Requirements.
    pub requirement_ids: Vec<String>,
    /// Due.
    pub due_on: Option<String>,
    /// The domain's new draft.
    pub finding: Finding,
}

const COLUMNS: &str = "f.id, f.org_id, f.origin_ref, f.title, f.description, f.requirement_ids, f.due_on, f.document, f.version, f.created_at, f.updated_at";
const DRAFT: &str = "f.state = 'draft'";

fn from_row(row: &AnyRow) -> Result<StoredFinding> {
    let doc: String = row.try_get("document")?;
    let finding: Finding = serde_json::from_str(&doc).map_err(|_| corrupt("document", &doc))?;
    let reqs: String = row.try_get("requirement_ids")?;
    Ok(StoredFinding {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        origin: finding.origin,
        origin_ref: row.try_get("origin_ref")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        requirement_ids: serde_json::from_str(&reqs)
            .map_err(|_| corrupt("requirement_ids", &reqs))?,
        due_on: row.try_get("due_on")?,
        finding,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn document(f: &Finding) -> String {
    serde_json::to_string(f).expect("a finding always serialises")
}

/// Stores a new finding; returns its id.
pub async fn create(db: &mut Db, new: &NewFinding, at_us: i64) -> Result<String> {
    let id = new_id();
    let f = &new.finding;
    sqlx::query(
        "INSERT INTO findings (id, org_id, origin, origin_ref, title, description, requirement_ids, severity, state, owner_user, due_on, document, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
    )
    .bind(id.clone())
    .bind(new.org_id.clone())
    .bind(code_of(&f.origin))
    .bind(new.origin_ref.clone())
    .bind(new.title.clone())
    .bind(new.description.clone())
    .bind(serde_json::to_string(&new.requirement_ids).unwrap_or_else(|_| "[]".into()))
    .bind(code_of(&f.severity))
    .bind(code_of(&f.state))
    .bind(f.owner.user_id.clone())
    .bind(new.due_on.clone())
    .bind(document(f))
    .bind(i64::try_from(f.history.len()).unwrap_or(0))
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// Saves the finding the domain returned after one accepted command: the new state and
/// document, and the history event it appended. Refused as a conflict when someone else
/// saved since `read` was read.
pub async fn save_transition(
    db: &mut Db,
    read: &StoredFinding,
    next: &Finding,
    at_us: i64,
) -> Result<()> {
    let seq = i64::try_from(next.history.len()).unwrap_or(i64::MAX);
    let event = next
        .history
        .last()
        .filter(|_| seq == read.version + 1)
        .ok_or(StoreError::Conflict("finding change"))?;
    let done = sqlx::query(
        "UPDATE findings SET state = $3, document = $4, version = $5, updated_at = $6 WHERE id = $1 AND version = $2",
    )
    .bind(read.id.clone())
    .bind(read.version)
    .bind(code_of(&next.state))
    .bind(document(next))
    .bind(seq)
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("a newer change of this finding"));
    }
    sqlx::query(
        "INSERT INTO finding_events (id, finding_id, seq, at_us, actor_user, command, from_state, to_state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(read.id.clone())
    .bind(seq)
    .bind(event.at_us)
    .bind(event.actor.user_id.clone())
    .bind(serde_json::to_string(&event.command).unwrap_or_default())
    .bind(code_of(&event.from))
    .bind(code_of(&event.to))
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// One finding within `scope`.
pub async fn get(db: &mut Db, scope: &RecordScope, id: &str) -> Result<StoredFinding> {
    let clause = record_clause(scope, DRAFT, 2);
    let sql = format!(
        "SELECT {COLUMNS} FROM findings f JOIN organisations o ON o.id = f.org_id WHERE f.id = $1 AND {}",
        clause.sql
    );
    let row = crate::records::fetch_scoped(db, sql, id, clause, "finding").await?;
    from_row(&row)
}

/// Every finding within `scope`, optionally only those in `states`, newest first, read page
/// by page so the download holds them all (the pages people see use [`page`]).
pub async fn list(
    db: &mut Db,
    scope: &RecordScope,
    states: &[State],
) -> Result<Vec<StoredFinding>> {
    let (mut out, mut after) = (Vec::new(), None);
    loop {
        let p = page(db, scope, states, after.as_ref(), keyset::MAX_LIMIT).await?;
        out.extend(p.items);
        after = keyset::resume(p.next, ORDER)?;
        if after.is_none() {
            return Ok(out);
        }
    }
}

/// The findings within `scope` issued from `origin_ref` (a supervisory engagement, say),
/// newest first. The reference is matched in SQL (by index) so a supervisor's view of one
/// engagement does not read every finding in its reach.
pub async fn of_origin(
    db: &mut Db,
    scope: &RecordScope,
    origin_ref: &str,
) -> Result<Vec<StoredFinding>> {
    let clause = record_clause(scope, DRAFT, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    binds.push(Bind::Text(origin_ref.to_owned()));
    let sql = format!(
        "SELECT {COLUMNS} FROM findings f JOIN organisations o ON o.id = f.org_id \
         WHERE f.origin_ref = ${} AND {} ORDER BY {}",
        binds.len(),
        clause.sql,
        keyset::order_by(ORDER)
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The order of finding lists: newest first, then by id.
const ORDER: &[keyset::Col] = &[
    ("f.created_at", Dir::Desc, Kind::Int),
    ("f.id", Dir::Asc, Kind::Text),
];

/// One page of findings within `scope` (optionally only those in `states`), newest first,
/// starting after `after`.
pub async fn page(
    db: &mut Db,
    scope: &RecordScope,
    states: &[State],
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<StoredFinding>> {
    let clause = record_clause(scope, DRAFT, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut sql = format!(
        "SELECT {COLUMNS} FROM findings f JOIN organisations o ON o.id = f.org_id WHERE {}",
        clause.sql
    );
    if !states.is_empty() {
        let mut marks = Vec::new();
        for s in states {
            binds.push(Bind::Text(code_of(s)));
            marks.push(format!("${}", binds.len()));
        }
        sql.push_str(&format!(" AND f.state IN ({})", marks.join(", ")));
    }
    let query = keyset::Query {
        select: sql,
        binds,
        order: ORDER,
    };
    query
        .page(db, after, limit, from_row, |f| {
            vec![Key::Int(f.created_at), Key::Text(f.id.clone())]
        })
        .await
}

/// A remediation milestone as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredMilestone {
    /// Id.
    pub id: String,
    /// The finding.
    pub finding_id: String,
    /// Due (`YYYY-MM-DD`).
    pub due_on: String,
    /// The milestone (due as Unix µs at the end of the due day, Japan time).
    pub milestone: Milestone,
}

/// Adds a milestone to a finding's remediation plan; returns its id.
pub async fn add_milestone(
    db: &mut Db,
    finding_id: &str,
    title: &str,
    owner: &str,
    due_on: &str,
    at_us: i64,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO finding_milestones (id, finding_id, title, owner, due_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.clone())
    .bind(finding_id.to_owned())
    .bind(title.to_owned())
    .bind(owner.to_owned())
    .bind(due_on.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// Marks a milestone of `finding_id` done (once).
pub async fn complete_milestone(db: &mut Db, finding_id: &str, id: &str, at_us: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE finding_milestones SET done_at = $3 WHERE id = $1 AND finding_id = $2 AND done_at IS NULL",
    )
    .bind(id.to_owned())
    .bind(finding_id.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("open milestone"));
    }
    Ok(())
}

/// The milestones of findings (the caller has checked the findings are visible), by due
/// date. `due_us` turns a due date into the instant it is overdue after.
pub async fn milestones(
    db: &mut Db,
    finding_ids: &[String],
    due_us: fn(&str) -> i64,
) -> Result<Vec<StoredMilestone>> {
    // In chunks: SQLite allows at most 32,766 bound variables in one statement, and a
    // large institution's findings can exceed it. The chunks are merged in the order one
    // query would have given.
    let mut rows = Vec::new();
    for chunk in finding_ids.chunks(MAX_BINDS) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, finding_id, title, owner, due_on, done_at, created_at \
             FROM finding_milestones WHERE finding_id IN ({})",
            marks.join(", ")
        );
        let binds: Vec<Bind> = chunk.iter().cloned().map(Bind::Text).collect();
        rows.extend(
            bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
                .fetch_all(&mut *db)
                .await?,
        );
    }
    let mut out = rows
        .iter()
        .map(|r| {
            let due_on: String = r.try_get("due_on")?;
            let created_at: i64 = r.try_get("created_at")?;
            Ok((
                created_at,
                StoredMilestone {
                    id: r.try_get("id")?,
                    finding_id: r.try_get("finding_id")?,
                    milestone: Milestone {
                        title: r.try_get("title")?,
                        owner: r.try_get("owner")?,
                        due_us: due_us(&due_on),
                        done_us: r.try_get("done_at")?,
                    },
                    due_on,
                },
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by(|(ca, a), (cb, b)| (&a.due_on, ca, &a.id).cmp(&(&b.due_on, cb, &b.id)));
    Ok(out.into_iter().map(|(_, m)| m).collect())
}

/// Most values bound in one `IN (…)` list; below SQLite's limit of 32,766 variables and
/// PostgreSQL's 65,535.
const MAX_BINDS: usize = 1_000;

/// The stored history rows of a finding, oldest first: `(seq, at_us, actor, from, to)`.
pub async fn events(
    db: &mut Db,
    finding_id: &str,
) -> Result<Vec<(i64, i64, String, String, String)>> {
    let rows = sqlx::query(
        "SELECT seq, at_us, actor_user, from_state, to_state FROM finding_events WHERE finding_id = $1 ORDER BY seq",
    )
    .bind(finding_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("seq")?,
                r.try_get("at_us")?,
                r.try_get("actor_user")?,
                r.try_get("from_state")?,
                r.try_get("to_state")?,
            ))
        })
        .collect()
}
