//! The supervisor's work queries: answers waiting for review and the institutions that are
//! late, both within the reader's reach (through [`org_clause`], like every tenant read).

use crate::Result;
use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all, code};
use crate::scope::org_clause;
use crate::sup_requests::{StoredRequest, StoredTask, TASK_AND_REQUEST_COLUMNS, task_and_request};
use deltawall_domain::OrgScope;
use deltawall_domain::code::{Code, sql_list};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::supervision::request::TaskState;
use sqlx::{AssertSqlSafe, Row};

/// The answers waiting for the supervisor's decision under one request, within a reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewGroup {
    /// The request.
    pub request_id: String,
    /// Its title in Japanese.
    pub title_ja: String,
    /// Its title in English.
    pub title_en: String,
    /// How many submitted answers wait.
    pub waiting: i64,
    /// When the longest-waiting of them was submitted (last changed), Unix µs.
    pub oldest_at: i64,
}

/// The submitted answers of institutions within `scope` that wait for the supervisor's
/// decision, counted per request in SQL, the request waiting longest first. One row per
/// request however many answers wait (a sector's round can leave thousands), so the work
/// list holds every request with answers to review and never a row per answer.
pub async fn review_groups(db: &mut Db, scope: &OrgScope) -> Result<Vec<ReviewGroup>> {
    let c = org_clause(scope, 1);
    let [_, ja, en] = crate::sup_requests::request_json_sql(db);
    // Counted per request first, so each request's title is read out of its document once,
    // not once per waiting answer.
    let sql = format!(
        "SELECT r.id, {ja} AS title_ja, {en} AS title_en, g.waiting, g.oldest_at \
         FROM (SELECT t.request_id, COUNT(*) AS waiting, MIN(t.updated_at) AS oldest_at \
               FROM sup_request_tasks t JOIN organisations o ON o.id = t.org_id \
               WHERE t.state = '{}' AND {} GROUP BY t.request_id) g \
         JOIN sup_requests r ON r.id = g.request_id ORDER BY g.oldest_at, r.id",
        TaskState::Submitted.code(),
        c.sql
    );
    let binds: Vec<Bind> = c.binds.into_iter().map(Bind::Text).collect();
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ReviewGroup {
                request_id: r.try_get("id")?,
                title_ja: r
                    .try_get::<Option<String>, _>("title_ja")?
                    .unwrap_or_default(),
                title_en: r
                    .try_get::<Option<String>, _>("title_en")?
                    .unwrap_or_default(),
                waiting: r.try_get("waiting")?,
                oldest_at: r.try_get("oldest_at")?,
            })
        })
        .collect()
}

/// Late institutions of one business type and region: how many, and how many tasks they owe
/// past the deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateRow {
    /// Business type.
    pub business_type: BusinessType,
    /// Region (the local finance bureau's).
    pub region: Region,
    /// Institutions with at least one task past its deadline.
    pub institutions: i64,
    /// Tasks past their deadline.
    pub tasks: i64,
}

/// Counts, per business type and region, the institutions within `scope` that still owe an
/// answer to a request whose deadline passed before `now_us`, ordered by business type and
/// region code. Reads what each institution still owes per deadline (kept on write by
/// [`crate::sup_facts`]), so the supervisor's home does not scan every task.
pub async fn late_counts(db: &mut Db, scope: &OrgScope, now_us: i64) -> Result<Vec<LateRow>> {
    crate::sup_facts::late_groups(db, scope, now_us).await
}

/// [`late_counts`] aggregated from scratch over every task in one grouped query: the
/// reference the storage tests compare the kept facts with.
pub async fn late_counts_from_tasks(
    db: &mut Db,
    scope: &OrgScope,
    now_us: i64,
) -> Result<Vec<LateRow>> {
    let c = org_clause(scope, 2);
    let sql = format!(
        "SELECT o.business_type, o.region, COUNT(DISTINCT o.id) AS institutions, \
         COUNT(*) AS tasks \
         FROM sup_request_tasks t JOIN sup_requests r ON r.id = t.request_id \
         JOIN organisations o ON o.id = t.org_id \
         WHERE t.state IN ({}) AND r.deadline < $1 AND o.kind = 'institution' \
         AND o.business_type IS NOT NULL AND o.region IS NOT NULL AND {} \
         GROUP BY o.business_type, o.region ORDER BY o.business_type, o.region",
        sql_list(TaskState::OUTSTANDING),
        c.sql
    );
    let mut binds = vec![Bind::Int(now_us)];
    binds.extend(c.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(LateRow {
                business_type: code(
                    row,
                    "organisations",
                    "business_type",
                    BusinessType::from_code,
                )?,
                region: code(row, "organisations", "region", Region::from_code)?,
                institutions: row.try_get("institutions")?,
                tasks: row.try_get("tasks")?,
            })
        })
        .collect()
}

/// The order of the late list: earliest deadline (longest late) first, then by
/// institution name and task id.
const LATE_ORDER: &[keyset::Col] = &[
    ("r.deadline", Dir::Asc, Kind::Int),
    ("o.name_en", Dir::Asc, Kind::Text),
    ("t.id", Dir::Asc, Kind::Text),
];

/// One page of the tasks past their deadline of institutions within `scope`, optionally of
/// one business type and one region (the list behind each count of [`late_counts`]),
/// longest late first, starting after `after`; the filters hold on every page.
pub async fn late_tasks(
    db: &mut Db,
    scope: &OrgScope,
    now_us: i64,
    business_type: Option<BusinessType>,
    region: Option<Region>,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<(StoredTask, StoredRequest)>> {
    let c = org_clause(scope, 2);
    let mut binds = vec![Bind::Int(now_us)];
    binds.extend(c.binds.into_iter().map(Bind::Text));
    let mut extra = String::new();
    if let Some(b) = business_type {
        binds.push(Bind::Text(b.code().to_owned()));
        extra.push_str(&format!(" AND o.business_type = ${}", binds.len()));
    }
    if let Some(r) = region {
        binds.push(Bind::Text(r.code().to_owned()));
        extra.push_str(&format!(" AND o.region = ${}", binds.len()));
    }
    let query = keyset::Query {
        select: format!(
            "SELECT {TASK_AND_REQUEST_COLUMNS} \
             FROM sup_request_tasks t JOIN sup_requests r ON r.id = t.request_id \
             JOIN organisations o ON o.id = t.org_id \
             WHERE t.state IN ({}) AND r.deadline < $1 AND o.kind = 'institution' AND {}{extra}",
            sql_list(TaskState::OUTSTANDING),
            c.sql
        ),
        binds,
        order: LATE_ORDER,
    };
    query
        .page(db, after, limit, task_and_request, |(t, r)| {
            vec![
                Key::Int(r.doc.request.deadline_us),
                Key::Text(t.org_name_en.clone()),
                Key::Text(t.id.clone()),
            ]
        })
        .await
}
