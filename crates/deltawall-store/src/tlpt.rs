//! TLPT engagements: the current state of each (the domain's `tlpt::Engagement` as JSON)
//! and the append-only history of every accepted command, written together so the state
//! is always the fold of its history. Reads go through [`org_clause`]; who within the
//! institution may read what (engagement roles, blue-team details) is the service's
//! decision, helped by [`engagements_of_member`].

use deltawall_domain::OrgScope;
use deltawall_domain::tlpt::{Command, Engagement, Event, Member, Phase, TlptRole};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError, new_id};

/// An engagement as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stored {
    /// Id.
    pub id: String,
    /// The institution tested.
    pub org_id: String,
    /// Its state.
    pub engagement: Engagement,
    /// The number of events in its history; pass it back to [`append`].
    pub seq: i64,
    /// When it was started, Unix µs (the lists' order).
    pub created_at: i64,
}

/// One row of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// Its position, from 1.
    pub seq: i64,
    /// The accepted command.
    pub event: Event,
}

fn snake<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value).expect("enums serialise") {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain values serialise")
}

fn parse<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    text: String,
) -> Result<T> {
    serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
        table,
        column,
        value: text,
    })
}

/// Stores a new engagement of `org_id`; returns its id.
pub async fn create(
    db: &mut Db,
    org_id: &str,
    e: &Engagement,
    by: &str,
    at_us: i64,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO tlpt_engagements (id, org_id, title, phase, state, seq, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $7)",
    )
    .bind(id.clone())
    .bind(org_id.to_owned())
    .bind(e.title.clone())
    .bind(snake(&e.phase))
    .bind(json(e))
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    for m in &e.members {
        add_member(db, &id, m).await?;
    }
    Ok(id)
}

async fn add_member(db: &mut Db, engagement_id: &str, m: &Member) -> Result<()> {
    let exists: Option<String> = sqlx::query_scalar(
        "SELECT user_id FROM tlpt_members WHERE engagement_id = $1 AND user_id = $2 AND role = $3",
    )
    .bind(engagement_id.to_owned())
    .bind(m.user_id.clone())
    .bind(snake(&m.role))
    .fetch_optional(&mut *db)
    .await?;
    if exists.is_none() {
        sqlx::query("INSERT INTO tlpt_members (engagement_id, user_id, role) VALUES ($1, $2, $3)")
            .bind(engagement_id.to_owned())
            .bind(m.user_id.clone())
            .bind(snake(&m.role))
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

/// Writes the state a command produced and appends its event, if the engagement is still
/// at `seq` (what [`get`] returned); `Conflict` when someone else changed it meanwhile.
/// Returns the new `seq`. Run it in a write transaction.
pub async fn append(
    db: &mut Db,
    id: &str,
    seq: i64,
    next: &Engagement,
    event: &Event,
) -> Result<i64> {
    let updated = sqlx::query(
        "UPDATE tlpt_engagements SET phase = $3, state = $4, seq = $2 + 1, updated_at = $5 \
         WHERE id = $1 AND seq = $2",
    )
    .bind(id.to_owned())
    .bind(seq)
    .bind(snake(&next.phase))
    .bind(json(next))
    .bind(event.at_us)
    .execute(&mut *db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::Conflict("a newer version of the engagement"));
    }
    let kind = match serde_json::to_value(&event.command).expect("commands serialise") {
        serde_json::Value::Object(m) => m
            .get("command")
            .and_then(|c| c.as_str())
            .unwrap_or("")
            .to_owned(),
        _ => String::new(),
    };
    sqlx::query(
        "INSERT INTO tlpt_events (engagement_id, seq, actor, role, phase, kind, command, at_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_owned())
    .bind(seq + 1)
    .bind(event.actor.clone())
    .bind(snake(&event.role))
    .bind(snake(&event.phase))
    .bind(kind)
    .bind(json(&event.command))
    .bind(event.at_us)
    .execute(&mut *db)
    .await?;
    if let Command::AddMember { member } = &event.command {
        add_member(db, id, member).await?;
    }
    Ok(seq + 1)
}

fn stored_from_row(row: &AnyRow) -> Result<Stored> {
    Ok(Stored {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        engagement: parse("tlpt_engagements", "state", row.try_get("state")?)?,
        seq: row.try_get("seq")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Engagements of institutions within `scope`, newest first.
pub async fn list(db: &mut Db, scope: &OrgScope) -> Result<Vec<Stored>> {
    select(db, scope, None).await
}

/// One engagement, if it is within `scope`.
pub async fn get(db: &mut Db, scope: &OrgScope, id: &str) -> Result<Stored> {
    select(db, scope, Some(id))
        .await?
        .pop()
        .ok_or(StoreError::NotFound("tlpt engagement"))
}

/// Engagements read with their institution, for [`list`], [`get`] and [`page`].
const FROM: &str = "SELECT e.id, e.org_id, e.state, e.seq, e.created_at FROM tlpt_engagements e \
     JOIN organisations o ON o.id = e.org_id";

/// The order of engagement lists: newest first, then by id (unique).
const ORDER: &[keyset::Col] = &[
    ("e.created_at", Dir::Desc, Kind::Int),
    ("e.id", Dir::Desc, Kind::Text),
];

async fn select(db: &mut Db, scope: &OrgScope, id: Option<&str>) -> Result<Vec<Stored>> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut sql = format!("{FROM} WHERE {}", clause.sql);
    if let Some(id) = id {
        binds.push(Bind::Text(id.to_owned()));
        sql.push_str(&format!(" AND e.id = ${}", binds.len()));
    }
    sql.push_str(&format!(" ORDER BY {}", keyset::order_by(ORDER)));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(stored_from_row).collect()
}

/// One page of the engagements within `scope`, newest first, starting after `after`. With
/// `member`, only those in which that user plays a role (so a page holds only rows its
/// reader may see and never comes out short); without, every engagement within `scope`.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    member: Option<&str>,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Stored>> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut select = format!("{FROM} WHERE {}", clause.sql);
    if let Some(user) = member {
        binds.push(Bind::Text(user.to_owned()));
        select.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM tlpt_members m \
             WHERE m.engagement_id = e.id AND m.user_id = ${})",
            binds.len()
        ));
    }
    let query = keyset::Query {
        select,
        binds,
        order: ORDER,
    };
    query
        .page(db, after, limit, stored_from_row, |s| {
            vec![Key::Int(s.created_at), Key::Text(s.id.clone())]
        })
        .await
}

/// The history of an engagement within `scope`, in order.
pub async fn history(db: &mut Db, scope: &OrgScope, id: &str) -> Result<Vec<HistoryEntry>> {
    get(db, scope, id).await?;
    let rows = sqlx::query(
        "SELECT seq, actor, role, phase, command, at_us FROM tlpt_events \
         WHERE engagement_id = $1 ORDER BY seq",
    )
    .bind(id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            let quoted =
                |c: &str| -> Result<String> { Ok(format!("\"{}\"", r.try_get::<String, _>(c)?)) };
            Ok(HistoryEntry {
                seq: r.try_get("seq")?,
                event: Event {
                    actor: r.try_get("actor")?,
                    role: parse::<TlptRole>("tlpt_events", "role", quoted("role")?)?,
                    phase: parse::<Phase>("tlpt_events", "phase", quoted("phase")?)?,
                    command: parse("tlpt_events", "command", r.try_get("command")?)?,
                    at_us: r.try_get("at_us")?,
                },
            })
        })
        .collect()
}

/// The engagements within `scope` in which `user_id` plays a role, with the roles.
pub async fn engagements_of_member(
    db: &mut Db,
    scope: &OrgScope,
    user_id: &str,
) -> Result<Vec<(String, TlptRole)>> {
    let clause = org_clause(scope, 2);
    let mut binds = vec![Bind::Text(user_id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let sql = format!(
        "SELECT m.engagement_id, m.role FROM tlpt_members m \
         JOIN tlpt_engagements e ON e.id = m.engagement_id \
         JOIN organisations o ON o.id = e.org_id \
         WHERE m.user_id = $1 AND {} ORDER BY m.engagement_id, m.role",
        clause.sql
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok((
                r.try_get("engagement_id")?,
                parse("tlpt_members", "role", format!("\"{role}\""))?,
            ))
        })
        .collect()
}
