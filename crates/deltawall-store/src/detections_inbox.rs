//! The detections inbox (migration 13's `detections` table, read side and triage): one
//! filtered listing with keyset paging, the groups by rule and key (keyset-paged on their
//! latest receipt), the current state of chosen detections for a triage decision, and
//! assignment. Every read goes through [`org_clause`], so a caller only ever sees the
//! institutions of its scope.

use crate::db::Db;
use crate::keyset::{self, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::incident::detection::{Level, Triage};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// The most rows one page returns.
pub const MAX_PAGE: i64 = 500;

/// What to list; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// One triage state.
    pub status: Option<Triage>,
    /// One rule (its key: id, name or title).
    pub rule: Option<String>,
    /// One level.
    pub level: Option<Level>,
    /// One group key (exactly as stored).
    pub group: Option<String>,
    /// First event at or after this instant, Unix µs.
    pub from_us: Option<i64>,
    /// First event before this instant, Unix µs.
    pub to_us: Option<i64>,
}

/// Where a page starts: after the row with this receipt time and id (newest first, ids
/// ascending within one instant). Stable while rows are added, unlike an offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Receipt time of the last row shown, Unix µs.
    pub received_at: i64,
    /// Its id.
    pub id: String,
}

impl Cursor {
    /// The cursor as an opaque text for a `cursor=` parameter.
    pub fn encode(&self) -> String {
        format!("{}~{}", self.received_at, self.id)
    }

    /// Parses [`Cursor::encode`]'s text; `None` when it is not one.
    pub fn decode(text: &str) -> Option<Cursor> {
        let (at, id) = text.split_once('~')?;
        let id_ok = id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        (id_ok && !id.is_empty()).then_some(Cursor {
            received_at: at.parse().ok()?,
            id: id.to_owned(),
        })
    }
}

/// A detection as the inbox and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxRow {
    /// Stable id (`det-` and 32 hex digits).
    pub id: String,
    /// Rule id, name or title.
    pub rule_key: String,
    /// Rule title.
    pub title: String,
    /// Level, when the rule has one.
    pub level: Option<Level>,
    /// `match` or `correlation`.
    pub kind: String,
    /// The correlation group as `field=value` pairs (empty for a single-event match).
    pub group_key: String,
    /// First event, Unix µs.
    pub first_seen: Option<i64>,
    /// Last event, Unix µs.
    pub last_seen: Option<i64>,
    /// Correlation count.
    pub event_count: Option<i64>,
    /// Triage state.
    pub status: Triage,
    /// The user it is assigned to.
    pub assignee: Option<String>,
    /// The incident case it was escalated to.
    pub case_id: Option<String>,
    /// Received, Unix µs.
    pub received_at: i64,
    /// The alert exactly as the scanner wrote it.
    pub alert: serde_json::Value,
}

/// Detections of one rule and group key, for the inbox's grouped view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Rule key.
    pub rule_key: String,
    /// A title of the rule.
    pub title: String,
    /// Group key (empty for single-event matches).
    pub group_key: String,
    /// Detections in the group (after the filter).
    pub total: i64,
    /// Of which still new.
    pub new: i64,
    /// The latest receipt, Unix µs.
    pub latest: i64,
}

fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table: "detections",
        column,
        value: value.chars().take(80).collect(),
    }
}

fn row_of(row: &AnyRow) -> Result<InboxRow> {
    let level: Option<String> = row.try_get("level")?;
    let status: String = row.try_get("status")?;
    let raw: String = row.try_get("raw")?;
    Ok(InboxRow {
        id: row.try_get("id")?,
        rule_key: row.try_get("rule_key")?,
        title: row.try_get("title")?,
        level: level
            .map(|l| Level::from_code(&l).ok_or_else(|| corrupt("level", &l)))
            .transpose()?,
        kind: row.try_get("kind")?,
        group_key: row.try_get("group_key")?,
        first_seen: row.try_get("first_seen")?,
        last_seen: row.try_get("last_seen")?,
        event_count: row.try_get("event_count")?,
        status: Triage::from_code(&status).ok_or_else(|| corrupt("status", &status))?,
        assignee: row.try_get("assignee")?,
        case_id: row.try_get("case_id")?,
        received_at: row.try_get("received_at")?,
        alert: serde_json::from_str(&raw).map_err(|_| corrupt("raw", &raw))?,
    })
}

/// The `WHERE` condition of a scope and a filter, with its binds.
fn condition(scope: &OrgScope, f: &Filter) -> (String, Vec<Bind>) {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut sql = clause.sql;
    let mut add = |binds: &mut Vec<Bind>, cond: &str, b: Bind| {
        binds.push(b);
        sql.push_str(&format!(" AND {cond} ${}", binds.len()));
    };
    if let Some(s) = f.status {
        add(&mut binds, "d.status =", Bind::Text(s.code().to_owned()));
    }
    if let Some(r) = &f.rule {
        add(&mut binds, "d.rule_key =", Bind::Text(r.clone()));
    }
    if let Some(l) = f.level {
        add(&mut binds, "d.level =", Bind::Text(l.code().to_owned()));
    }
    if let Some(g) = &f.group {
        add(&mut binds, "d.group_key =", Bind::Text(g.clone()));
    }
    if let Some(t) = f.from_us {
        add(&mut binds, "d.first_seen >=", Bind::Int(t));
    }
    if let Some(t) = f.to_us {
        add(&mut binds, "d.first_seen <", Bind::Int(t));
    }
    (sql, binds)
}

/// One page of detections within `scope` matching `filter`, newest first, starting after
/// `after`; at most `limit` rows (1 to [`MAX_PAGE`]) and the cursor of the next page when
/// there is one.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    filter: &Filter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<InboxRow>, Option<Cursor>)> {
    let limit = limit.clamp(1, MAX_PAGE);
    let (mut cond, mut binds) = condition(scope, filter);
    if let Some(c) = after {
        binds.push(Bind::Int(c.received_at));
        binds.push(Bind::Text(c.id.clone()));
        let (a, b) = (binds.len() - 1, binds.len());
        cond.push_str(&format!(
            " AND (d.received_at < ${a} OR (d.received_at = ${a} AND d.id > ${b}))"
        ));
    }
    binds.push(Bind::Int(limit + 1));
    let sql = format!(
        "SELECT d.id, d.rule_key, d.title, d.level, d.kind, d.group_key, d.first_seen, d.last_seen, \
         d.event_count, d.status, d.assignee, d.case_id, d.received_at, d.raw \
         FROM detections d JOIN organisations o ON o.id = d.org_id WHERE {cond} \
         ORDER BY d.received_at DESC, d.id LIMIT ${}",
        binds.len()
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let mut out = rows.iter().map(row_of).collect::<Result<Vec<_>>>()?;
    let next = if out.len() as i64 > limit {
        out.truncate(limit as usize);
        out.last().map(|r| Cursor {
            received_at: r.received_at,
            id: r.id.clone(),
        })
    } else {
        None
    };
    Ok((out, next))
}

/// The order of the groups: the most recently received first, then by rule and key (a
/// group is one rule and key, so the three tell every group apart).
const GROUP_ORDER: &[keyset::Col] = &[
    ("MAX(d.received_at)", Dir::Desc, Kind::Int),
    ("d.rule_key", Dir::Asc, Kind::Text),
    ("d.group_key", Dir::Asc, Kind::Text),
];

fn group_of(r: &AnyRow) -> Result<Group> {
    Ok(Group {
        rule_key: r.try_get("rule_key")?,
        title: r.try_get("title")?,
        group_key: r.try_get("group_key")?,
        total: r.try_get("total")?,
        new: r.try_get("new_count")?,
        latest: r.try_get("latest")?,
    })
}

fn group_key(g: &Group) -> Vec<Key> {
    vec![
        Key::Int(g.latest),
        Key::Text(g.rule_key.clone()),
        Key::Text(g.group_key.clone()),
    ]
}

/// One page of the groups (rule and key) of detections within `scope` matching `filter`,
/// the most recently received first, starting after `after`; at most `limit` groups (1 to
/// [`MAX_PAGE`]).
pub async fn groups(
    db: &mut Db,
    scope: &OrgScope,
    filter: &Filter,
    after: Option<&keyset::Cursor>,
    limit: i64,
) -> Result<KeysetPage<Group>> {
    let (cond, binds) = condition(scope, filter);
    // The filter narrows rows in WHERE; the sort's first column is an aggregate, so the
    // page's "after the cursor" condition, which `keyset::Query` appends with AND, must
    // land in HAVING: the always-true `COUNT(*) > 0` opens that clause for it.
    let select = format!(
        "SELECT d.rule_key, MAX(d.title) AS title, d.group_key, COUNT(*) AS total, \
         SUM(CASE WHEN d.status = 'new' THEN 1 ELSE 0 END) AS new_count, MAX(d.received_at) AS latest \
         FROM detections d JOIN organisations o ON o.id = d.org_id WHERE {cond} \
         GROUP BY d.rule_key, d.group_key HAVING COUNT(*) > 0"
    );
    keyset::Query {
        select,
        binds,
        order: GROUP_ORDER,
    }
    .page(db, after, limit.clamp(1, MAX_PAGE), group_of, group_key)
    .await
}

/// The triage state of each of `ids` that belongs to institution `org_id`; ids of other
/// institutions, or of none, are simply absent.
pub async fn states(db: &mut Db, org_id: &str, ids: &[String]) -> Result<Vec<(String, Triage)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (2..ids.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, status FROM detections WHERE org_id = $1 AND id IN ({}) ORDER BY id",
        marks.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org_id.to_owned());
    for id in ids {
        q = q.bind(id.clone());
    }
    let rows = q.fetch_all(&mut *db).await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok((
                r.try_get("id")?,
                Triage::from_code(&status).ok_or_else(|| corrupt("status", &status))?,
            ))
        })
        .collect()
}

/// Assigns a detection of `org_id` to `assignee` (or nobody). The caller checks that the
/// assignee is a user of the institution.
pub async fn assign(
    db: &mut Db,
    org_id: &str,
    id: &str,
    assignee: Option<&str>,
    at_us: i64,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE detections SET assignee = $1, updated_at = $2 WHERE org_id = $3 AND id = $4",
    )
    .bind(assignee.map(str::to_owned))
    .bind(at_us)
    .bind(org_id.to_owned())
    .bind(id.to_owned())
    .execute(&mut *db)
    .await?
    .rows_affected();
    if done == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound("detection"))
    }
}
