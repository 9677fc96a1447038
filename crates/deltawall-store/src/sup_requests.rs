//! Requests (要請) as stored: the request document, one task per targeted institution with
//! its domain [`Task`] as a JSON document, the append-only task events, and the
//! institution's draft answers (migration 11), which only its own organisation reads.
//!
//! Every read of tasks goes through [`org_clause`] over the task's institution, so a local
//! bureau reads only its region's tasks and an institution only its own. A request is
//! visible to a supervisor who issued it or who reaches at least one of its tasks.

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all, code};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::code::sql_list;
use deltawall_domain::org::{AttributeKind, BusinessType, Region};
use deltawall_domain::supervision::population::OrgFacts;
use deltawall_domain::supervision::request::{Answer, Request, Task, TaskEvent, TaskState};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

/// What `sup_requests.document` holds: the domain request and the earlier request whose
/// accepted answers are the "before" of the before/after view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDoc {
    /// The request as sent.
    pub request: Request,
    /// An earlier request asking the same items (e.g. the previous year's survey).
    #[serde(default)]
    pub baseline_request_id: Option<String>,
}

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRequest {
    /// Id.
    pub id: String,
    /// The supervisor that sent it.
    pub issuer_org: String,
    /// When it was sent, Unix µs.
    pub sent_at: i64,
    /// Who sent it (user id).
    pub created_by: String,
    /// The document.
    pub doc: RequestDoc,
}

/// A task as stored, with its institution's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredTask {
    /// Id.
    pub id: String,
    /// The request.
    pub request_id: String,
    /// The institution's name in Japanese.
    pub org_name_ja: String,
    /// The institution's name in English.
    pub org_name_en: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// Its region.
    pub region: Region,
    /// The domain task (state, submitted answers, attestation, history).
    pub task: Task,
    /// Last changed, Unix µs (the optimistic-concurrency token).
    pub updated_at: i64,
}

/// Draft answers of a task, read only by the institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draft {
    /// The answers as last saved.
    pub answers: Vec<Answer>,
    /// Who saved them.
    pub updated_by: String,
    /// When, Unix µs.
    pub updated_at: i64,
}

fn json_err(table: &'static str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        table,
        column: "document",
        value: e.to_string(),
    }
}

fn request_from_row(row: &AnyRow) -> Result<StoredRequest> {
    let doc: String = row.try_get("document")?;
    Ok(StoredRequest {
        id: row.try_get("id")?,
        issuer_org: row.try_get("issuer_org")?,
        sent_at: row.try_get("sent_at")?,
        created_by: row.try_get("created_by")?,
        doc: serde_json::from_str(&doc).map_err(|e| json_err("sup_requests", e))?,
    })
}

/// The columns [`task_and_request`] reads: a task (alias `t`, its institution `o`) with its
/// request (alias `r`).
pub(crate) const TASK_AND_REQUEST_COLUMNS: &str = "t.id, t.request_id, t.document, t.updated_at, o.name_ja, o.name_en, o.business_type, o.region, \
     r.issuer_org, r.sent_at, r.created_by, r.document AS request_document";

const TASK_COLUMNS: &str =
    "t.id, t.request_id, t.document, t.updated_at, o.name_ja, o.name_en, o.business_type, o.region";

fn task_from_row(row: &AnyRow) -> Result<StoredTask> {
    let doc: String = row.try_get("document")?;
    Ok(StoredTask {
        id: row.try_get("id")?,
        request_id: row.try_get("request_id")?,
        org_name_ja: row.try_get("name_ja")?,
        org_name_en: row.try_get("name_en")?,
        business_type: code(
            row,
            "organisations",
            "business_type",
            BusinessType::from_code,
        )?,
        region: code(row, "organisations", "region", Region::from_code)?,
        task: serde_json::from_str(&doc).map_err(|e| json_err("sup_request_tasks", e))?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("supervision documents serialise")
}

/// Records a request sent by `issuer_org`.
pub async fn insert_request(
    db: &mut Db,
    id: &str,
    issuer_org: &str,
    doc: &RequestDoc,
    by: &str,
    at_us: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sup_requests (id, issuer_org, deadline, sent_at, document, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $4)",
    )
    .bind(id.to_owned())
    .bind(issuer_org.to_owned())
    .bind(doc.request.deadline_us)
    .bind(at_us)
    .bind(to_json(doc))
    .bind(by.to_owned())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Records a new task.
pub async fn insert_task(db: &mut Db, id: &str, request_id: &str, task: &Task) -> Result<()> {
    sqlx::query(
        "INSERT INTO sup_request_tasks (id, request_id, org_id, state, document, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_owned())
    .bind(request_id.to_owned())
    .bind(task.org_id.clone())
    .bind(state_code(task.state).to_owned())
    .bind(to_json(task))
    .bind(task.assigned_at_us)
    .execute(&mut *db)
    .await?;
    crate::sup_tally::count_task(db, request_id, &task.org_id, state_code(task.state), 1).await?;
    crate::sup_facts::refresh_tasks(db, &task.org_id).await
}

/// The stable code of a task state.
pub fn state_code(s: TaskState) -> &'static str {
    match s {
        TaskState::Assigned => "assigned",
        TaskState::InProgress => "in_progress",
        TaskState::Submitted => "submitted",
        TaskState::Returned => "returned",
        TaskState::Accepted => "accepted",
        TaskState::Exempted => "exempted",
    }
}

/// Replaces a task after a command, if nobody changed it since `expected_updated_at`, and
/// appends the command's event (its sequence number is the history length).
pub async fn update_task(
    db: &mut Db,
    task_id: &str,
    expected_updated_at: i64,
    task: &Task,
    at_us: i64,
) -> Result<()> {
    // A task changed twice within one microsecond still gets a new token.
    let token = at_us.max(expected_updated_at + 1);
    let before = crate::sup_tally::before(db, task_id).await?;
    let done = sqlx::query(
        "UPDATE sup_request_tasks SET state = $3, document = $4, updated_at = $5 \
         WHERE id = $1 AND updated_at = $2",
    )
    .bind(task_id.to_owned())
    .bind(expected_updated_at)
    .bind(state_code(task.state).to_owned())
    .bind(to_json(task))
    .bind(token)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("a newer version of the task"));
    }
    if let Some(event) = task.history.last() {
        append_event(db, task_id, task.history.len() as i64, event).await?;
    }
    crate::sup_tally::task_moved(db, before, &task.org_id, state_code(task.state)).await?;
    crate::sup_facts::refresh_tasks(db, &task.org_id).await
}

async fn append_event(db: &mut Db, task_id: &str, seq: i64, event: &TaskEvent) -> Result<()> {
    sqlx::query(
        "INSERT INTO sup_task_events (task_id, seq, at, actor, event) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(task_id.to_owned())
    .bind(seq)
    .bind(event.at_us)
    .bind(event.actor.user_id.clone())
    .bind(to_json(event))
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The number of events recorded for a task (the history in the table, for checks).
pub async fn event_count(db: &mut Db, task_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM sup_task_events WHERE task_id = $1")
            .bind(task_id.to_owned())
            .fetch_one(&mut *db)
            .await?,
    )
}

fn visible_request_sql(scope: &OrgScope, first: usize) -> (String, Vec<Bind>) {
    let c = crate::scope::sent_to_clause(scope, first, "r", "sup_request_tasks", "request_id");
    (c.sql, c.binds.into_iter().map(Bind::Text).collect())
}

/// Every request visible within `scope` (issued by the scope's own organisation or with a
/// task it reaches), newest first, read page by page so none is left out (lists people
/// page through use [`page_requests`]).
pub async fn list_requests(db: &mut Db, scope: &OrgScope) -> Result<Vec<StoredRequest>> {
    requests_query(scope)
        .all(db, request_from_row, request_key)
        .await
}

/// The order of request lists: newest first, then by id.
const REQUEST_ORDER: &[keyset::Col] = &[
    ("r.sent_at", Dir::Desc, Kind::Int),
    ("r.id", Dir::Asc, Kind::Text),
];

/// One page of the requests visible within `scope`, newest first, starting after `after`.
pub async fn page_requests(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<StoredRequest>> {
    requests_query(scope)
        .page(db, after, limit, request_from_row, request_key)
        .await
}

/// The requests visible within `scope`, in [`REQUEST_ORDER`] once paged.
fn requests_query(scope: &OrgScope) -> keyset::Query<'static> {
    let (cond, binds) = visible_request_sql(scope, 1);
    keyset::Query {
        select: format!(
            "SELECT r.id, r.issuer_org, r.sent_at, r.created_by, r.document FROM sup_requests r \
             WHERE {cond}"
        ),
        binds,
        order: REQUEST_ORDER,
    }
}

fn request_key(r: &StoredRequest) -> Vec<Key> {
    vec![Key::Int(r.sent_at), Key::Text(r.id.clone())]
}

/// A request benchmarks can be drawn from (one asking catalog requirements), read lean:
/// its id, when it was sent and its title, not the rest of its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestSource {
    /// The request's id.
    pub id: String,
    /// When it was sent, Unix µs.
    pub sent_at: i64,
    /// Its title in Japanese.
    pub title_ja: String,
    /// Its title in English.
    pub title_en: String,
}

/// One page of the requests visible within `scope` that ask catalog requirements, newest
/// first ([`page_requests`]'s order), starting after `after`. The kind of ask and the
/// title are read out of the stored document by the database, so a questionnaire is
/// never fetched and no document is decoded here.
pub async fn page_request_sources(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<RequestSource>> {
    page_titles(db, scope, Some("requirements"), after, limit).await
}

/// One page of every request visible within `scope`, lean (id, time sent, title), newest
/// first: the choices of a form that names a request, such as a new request's baseline.
pub async fn page_request_titles(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<RequestSource>> {
    page_titles(db, scope, None, after, limit).await
}

/// SQL reading a request's kind of ask and its Japanese and English titles out of the
/// stored document of `r` (alias), so lean lists need not fetch documents. The document is
/// text on both databases (migration 8); each has its own JSON path syntax. The braces of
/// PostgreSQL's paths are literal SQL, not placeholders.
pub(crate) fn request_json_sql(db: &Db) -> [&'static str; 3] {
    if db.backend_name() == "PostgreSQL" {
        [
            "r.document::json #>> '{request,asked,kind}'",
            "r.document::json #>> '{request,title,ja}'",
            "r.document::json #>> '{request,title,en}'",
        ]
    } else {
        [
            "json_extract(r.document, '$.request.asked.kind')",
            "json_extract(r.document, '$.request.title.ja')",
            "json_extract(r.document, '$.request.title.en')",
        ]
    }
}

async fn page_titles(
    db: &mut Db,
    scope: &OrgScope,
    asked: Option<&'static str>,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<RequestSource>> {
    let [kind, ja, en] = request_json_sql(db);
    let (cond, binds) = visible_request_sql(scope, 1);
    // `asked` is one of our own codes, never a caller's text.
    let filter = asked.map_or_else(String::new, |a| format!(" AND {kind} = '{a}'"));
    let query = keyset::Query {
        select: format!(
            "SELECT r.id, r.sent_at, {ja} AS title_ja, {en} AS title_en FROM sup_requests r \
             WHERE {cond}{filter}"
        ),
        binds,
        order: REQUEST_ORDER,
    };
    query
        .page(db, after, limit, source_from_row, |r| {
            vec![Key::Int(r.sent_at), Key::Text(r.id.clone())]
        })
        .await
}

fn source_from_row(row: &AnyRow) -> Result<RequestSource> {
    Ok(RequestSource {
        id: row.try_get("id")?,
        sent_at: row.try_get("sent_at")?,
        title_ja: row.try_get("title_ja")?,
        title_en: row.try_get("title_en")?,
    })
}

/// One request visible within `scope`.
pub async fn get_request(db: &mut Db, scope: &OrgScope, id: &str) -> Result<StoredRequest> {
    let (cond, binds) = visible_request_sql(scope, 2);
    let sql = format!(
        "SELECT r.id, r.issuer_org, r.sent_at, r.created_by, r.document FROM sup_requests r \
         WHERE r.id = $1 AND {cond}"
    );
    let mut all = vec![Bind::Text(id.to_owned())];
    all.extend(binds);
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &all)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("request"))?;
    request_from_row(&row)
}

/// The tasks of a request whose institutions are within `scope`, by institution name.
pub async fn tasks_of(db: &mut Db, scope: &OrgScope, request_id: &str) -> Result<Vec<StoredTask>> {
    let c = org_clause(scope, 2);
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM sup_request_tasks t JOIN organisations o ON o.id = t.org_id \
         WHERE t.request_id = $1 AND {} ORDER BY o.name_en, t.id",
        c.sql
    );
    let mut binds = vec![Bind::Text(request_id.to_owned())];
    binds.extend(c.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(task_from_row).collect()
}

/// One task whose institution is within `scope`.
pub async fn get_task(db: &mut Db, scope: &OrgScope, task_id: &str) -> Result<StoredTask> {
    let c = org_clause(scope, 2);
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM sup_request_tasks t JOIN organisations o ON o.id = t.org_id \
         WHERE t.id = $1 AND {}",
        c.sql
    );
    let mut binds = vec![Bind::Text(task_id.to_owned())];
    binds.extend(c.binds.into_iter().map(Bind::Text));
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("task"))?;
    task_from_row(&row)
}

/// Every task of one institution, with its request, newest request first, read page by
/// page so none is left out (the inbox pages with [`page_tasks_of_org`]).
pub async fn tasks_of_org(db: &mut Db, org_id: &str) -> Result<Vec<(StoredTask, StoredRequest)>> {
    tasks_of_org_query(org_id)
        .all(db, task_and_request, task_key)
        .await
}

/// The order of an institution's tasks: newest request first, then by task id.
const TASK_ORDER: &[keyset::Col] = &[
    ("r.sent_at", Dir::Desc, Kind::Int),
    ("t.id", Dir::Asc, Kind::Text),
];

/// One page of the tasks of one institution, with their requests, in
/// [`tasks_of_org`]'s order, starting after `after`.
pub async fn page_tasks_of_org(
    db: &mut Db,
    org_id: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<(StoredTask, StoredRequest)>> {
    tasks_of_org_query(org_id)
        .page(db, after, limit, task_and_request, task_key)
        .await
}

/// The tasks of one institution with their requests, in [`TASK_ORDER`] once paged.
fn tasks_of_org_query(org_id: &str) -> keyset::Query<'static> {
    keyset::Query {
        select: format!(
            "SELECT {TASK_AND_REQUEST_COLUMNS} \
             FROM sup_request_tasks t JOIN organisations o ON o.id = t.org_id \
             JOIN sup_requests r ON r.id = t.request_id WHERE t.org_id = $1"
        ),
        binds: vec![Bind::Text(org_id.to_owned())],
        order: TASK_ORDER,
    }
}

fn task_key((t, r): &(StoredTask, StoredRequest)) -> Vec<Key> {
    vec![Key::Int(r.sent_at), Key::Text(t.id.clone())]
}

pub(crate) fn task_and_request(row: &AnyRow) -> Result<(StoredTask, StoredRequest)> {
    let task = task_from_row(row)?;
    let doc: String = row.try_get("request_document")?;
    let request = StoredRequest {
        id: task.request_id.clone(),
        issuer_org: row.try_get("issuer_org")?,
        sent_at: row.try_get("sent_at")?,
        created_by: row.try_get("created_by")?,
        doc: serde_json::from_str(&doc).map_err(|e| json_err("sup_requests", e))?,
    };
    Ok((task, request))
}

/// Every task an institution still owes an answer to, with its request (for the reminder
/// sweep, which acts for the system and therefore reads across tenants).
pub async fn outstanding_tasks(db: &mut Db) -> Result<Vec<(StoredTask, StoredRequest)>> {
    let sql = format!(
        "SELECT {TASK_AND_REQUEST_COLUMNS} \
         FROM sup_request_tasks t JOIN organisations o ON o.id = t.org_id \
         JOIN sup_requests r ON r.id = t.request_id \
         WHERE t.state IN ({}) ORDER BY t.id",
        sql_list(TaskState::OUTSTANDING)
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *db).await?;
    rows.iter().map(task_and_request).collect()
}

/// Saves (replaces) the draft answers of institution `org_id` for a task.
pub async fn save_draft(
    db: &mut Db,
    task_id: &str,
    org_id: &str,
    answers: &[Answer],
    by: &str,
    at_us: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM sup_task_drafts WHERE task_id = $1 AND org_id = $2")
        .bind(task_id.to_owned())
        .bind(org_id.to_owned())
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "INSERT INTO sup_task_drafts (task_id, org_id, document, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(task_id.to_owned())
    .bind(org_id.to_owned())
    .bind(to_json(&answers))
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The draft of institution `org_id` for a task, if any. There is no scoped variant on
/// purpose: drafts never leave their institution.
pub async fn draft(db: &mut Db, task_id: &str, org_id: &str) -> Result<Option<Draft>> {
    let row = sqlx::query(
        "SELECT document, updated_by, updated_at FROM sup_task_drafts WHERE task_id = $1 AND org_id = $2",
    )
    .bind(task_id.to_owned())
    .bind(org_id.to_owned())
    .fetch_optional(&mut *db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let doc: String = row.try_get("document")?;
    Ok(Some(Draft {
        answers: serde_json::from_str(&doc).map_err(|e| json_err("sup_task_drafts", e))?,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
    }))
}

/// Removes a draft once its answers are submitted.
pub async fn delete_draft(db: &mut Db, task_id: &str, org_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sup_task_drafts WHERE task_id = $1 AND org_id = $2")
        .bind(task_id.to_owned())
        .bind(org_id.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// The active institutions within `scope`, with the attributes in force at `at_us`: what
/// a population selector is resolved against.
pub async fn population(db: &mut Db, scope: &OrgScope, at_us: i64) -> Result<Vec<OrgFacts>> {
    let c = org_clause(scope, 1);
    let sql = format!(
        "SELECT o.id, o.business_type, o.region FROM organisations o \
         WHERE o.kind = 'institution' AND o.active = 1 AND o.business_type IS NOT NULL \
         AND o.region IS NOT NULL AND {} ORDER BY o.id",
        c.sql
    );
    let binds: Vec<Bind> = c.binds.into_iter().map(Bind::Text).collect();
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let mut facts = Vec::with_capacity(rows.len());
    for row in &rows {
        facts.push(OrgFacts {
            id: row.try_get("id")?,
            business_type: code(
                row,
                "organisations",
                "business_type",
                BusinessType::from_code,
            )?,
            region: code(row, "organisations", "region", Region::from_code)?,
            attributes: BTreeMap::new(),
        });
    }
    let attrs = sqlx::query(
        "SELECT org_id, kind, value FROM org_attributes \
         WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)",
    )
    .bind(at_us)
    .fetch_all(&mut *db)
    .await?;
    let index: BTreeMap<String, usize> = facts
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.clone(), i))
        .collect();
    for row in &attrs {
        let org: String = row.try_get("org_id")?;
        if let Some(i) = index.get(&org) {
            let kind = code(row, "org_attributes", "kind", AttributeKind::from_code)?;
            facts[*i].attributes.insert(kind, row.try_get("value")?);
        }
    }
    Ok(facts)
}
