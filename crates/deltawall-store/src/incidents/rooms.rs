//! Coordination rooms of large incidents (連携会議, migrations 13 and 21): the room, its
//! named members, the append-only status board, relay messages with their TLP marking, and
//! the incident cases members link to it.
//!
//! Tenant isolation: a room exists only for its members and the supervisor that declared
//! it. [`get_for`], [`list_for`] and [`page_for`] are the only reads of a room and apply
//! [`member_clause`]; everything else is read by the id of a room obtained that way.

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, code};
use crate::{Result, StoreError};
use deltawall_domain::incident::case::{Category, Phase};
use deltawall_domain::incident::council::{MemberStatus, RoomStatus};
use deltawall_domain::org::OrgKind;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A room.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Room {
    /// Id.
    pub id: String,
    /// Title in Japanese.
    pub title_ja: String,
    /// Title in English.
    pub title_en: String,
    /// The incident's category.
    pub category: Category,
    /// The supervisor that declared it.
    pub declared_org: String,
    /// Who declared it.
    pub declared_by: String,
    /// When, Unix µs.
    pub declared_at: i64,
    /// Open or closed (archived read-only).
    pub status: RoomStatus,
    /// When it was closed, Unix µs.
    pub closed_at: Option<i64>,
}

/// A member organisation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    /// Organisation id.
    pub org_id: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// Kind.
    pub kind: OrgKind,
}

/// A member's report on the status board.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatusReport {
    /// The member.
    pub org_id: String,
    /// Where it stands.
    pub status: MemberStatus,
    /// As of when, Unix µs.
    pub as_of: i64,
    /// A note.
    pub note: String,
    /// Who reported.
    pub reported_by: String,
    /// When it was reported, Unix µs.
    pub reported_at: i64,
}

/// A relay message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    /// Id.
    pub id: String,
    /// The member it comes from.
    pub from_org: String,
    /// The author (a user id).
    pub author: String,
    /// Text.
    pub body: String,
    /// TLP marking (`TLP:CLEAR` … `TLP:RED`): what members may pass on outside the room.
    pub tlp: String,
    /// When, Unix µs.
    pub sent_at: i64,
}

/// A case a member linked to the room.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkedCase {
    /// Case id.
    pub case_id: String,
    /// The institution.
    pub org_id: String,
    /// Case title.
    pub title: String,
    /// Category.
    pub category: Category,
    /// Current phase.
    pub phase: Phase,
    /// When it was linked, Unix µs.
    pub linked_at: i64,
}

/// The condition (alias `r` for the room) that the organisation bound at `$first` is a
/// member of the room or the supervisor that declared it.
pub fn member_clause(first: usize) -> String {
    format!(
        "(r.declared_org = ${first} OR EXISTS (SELECT 1 FROM coordination_members m \
         WHERE m.room_id = r.id AND m.org_id = ${first}))"
    )
}

const ROOM_COLUMNS: &str = "r.id, r.title_ja, r.title_en, r.category, r.declared_org, \
     r.declared_by, r.declared_at, r.status, r.closed_at";

fn room(row: &AnyRow) -> Result<Room> {
    Ok(Room {
        id: row.try_get("id")?,
        title_ja: row.try_get("title_ja")?,
        title_en: row.try_get("title_en")?,
        category: code(row, "coordination_rooms", "category", Category::from_code)?,
        declared_org: row.try_get("declared_org")?,
        declared_by: row.try_get("declared_by")?,
        declared_at: row.try_get("declared_at")?,
        status: code(row, "coordination_rooms", "status", RoomStatus::from_code)?,
        closed_at: row.try_get("closed_at")?,
    })
}

/// Opens room `r` (status open) with its members.
pub async fn create(db: &mut Db, r: &Room, members: &[String], at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO coordination_rooms (id, title_ja, title_en, category, declared_org, \
         declared_by, declared_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open')",
    )
    .bind(r.id.clone())
    .bind(r.title_ja.clone())
    .bind(r.title_en.clone())
    .bind(r.category.code())
    .bind(r.declared_org.clone())
    .bind(r.declared_by.clone())
    .bind(r.declared_at)
    .execute(&mut *db)
    .await?;
    for m in members {
        sqlx::query(
            "INSERT INTO coordination_members (room_id, org_id, added_by, added_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(r.id.clone())
        .bind(m.clone())
        .bind(r.declared_by.clone())
        .bind(at)
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// Every room `org_id` is a member of or declared, open ones first, newest first, read
/// page by page so none is left out (the rooms page uses [`page_for`]).
pub async fn list_for(db: &mut Db, org_id: &str) -> Result<Vec<Room>> {
    rooms_query(org_id).all(db, room, room_key).await
}

/// Open rooms sort before closed ones: the first column of [`ROOM_ORDER`].
const OPEN_FIRST: &str = "CASE WHEN r.status = 'open' THEN 0 ELSE 1 END";

/// The order of room lists: open first, newest declared first, then by id (unique).
const ROOM_ORDER: &[keyset::Col] = &[
    (OPEN_FIRST, Dir::Asc, Kind::Int),
    ("r.declared_at", Dir::Desc, Kind::Int),
    ("r.id", Dir::Asc, Kind::Text),
];

/// One page of the rooms `org_id` is a member of or declared, in [`list_for`]'s order,
/// starting after `after`.
pub async fn page_for(
    db: &mut Db,
    org_id: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Room>> {
    rooms_query(org_id)
        .page(db, after, limit, room, room_key)
        .await
}

/// The rooms `org_id` is a member of or declared, in [`ROOM_ORDER`] once paged.
fn rooms_query(org_id: &str) -> keyset::Query<'static> {
    keyset::Query {
        select: format!(
            "SELECT {ROOM_COLUMNS} FROM coordination_rooms r WHERE {}",
            member_clause(1)
        ),
        binds: vec![Bind::Text(org_id.to_owned())],
        order: ROOM_ORDER,
    }
}

fn room_key(r: &Room) -> Vec<Key> {
    let closed = i64::from(r.status != RoomStatus::Open);
    vec![
        Key::Int(closed),
        Key::Int(r.declared_at),
        Key::Text(r.id.clone()),
    ]
}

/// Room `id`, if `org_id` is a member of it or declared it; otherwise not found.
pub async fn get_for(db: &mut Db, org_id: &str, id: &str) -> Result<Room> {
    let sql = format!(
        "SELECT {ROOM_COLUMNS} FROM coordination_rooms r WHERE r.id = $2 AND {}",
        member_clause(1)
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id.to_owned())
        .bind(id.to_owned())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("coordination room"))?;
    room(&row)
}

/// The members of room `room_id` (obtained through [`get_for`]).
pub async fn members(db: &mut Db, room_id: &str) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT o.id, o.name_ja, o.name_en, o.kind FROM coordination_members m \
         JOIN organisations o ON o.id = m.org_id WHERE m.room_id = $1 ORDER BY o.name_en, o.id",
    )
    .bind(room_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Member {
                org_id: row.try_get("id")?,
                name_ja: row.try_get("name_ja")?,
                name_en: row.try_get("name_en")?,
                kind: code(row, "organisations", "kind", OrgKind::from_code)?,
            })
        })
        .collect()
}

/// The status board of room `room_id`: each member's latest report (the newest, and of
/// reports in the same microsecond the smallest id), newest first. Bounded by the members
/// however long the incident lasts, where the whole history would grow without end.
pub async fn statuses(db: &mut Db, room_id: &str) -> Result<Vec<StatusReport>> {
    let rows = sqlx::query(
        "SELECT s.org_id, s.status, s.as_of, s.note, s.reported_by, s.reported_at \
         FROM coordination_status s WHERE s.room_id = $1 AND NOT EXISTS (SELECT 1 \
         FROM coordination_status t WHERE t.room_id = s.room_id AND t.org_id = s.org_id \
         AND (t.reported_at > s.reported_at OR (t.reported_at = s.reported_at AND t.id < s.id))) \
         ORDER BY s.reported_at DESC, s.id",
    )
    .bind(room_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter().map(status_from_row).collect()
}

/// The order of a room's status history: newest report first, then by id.
const STATUS_ORDER: &[keyset::Col] = &[
    ("reported_at", Dir::Desc, Kind::Int),
    ("id", Dir::Asc, Kind::Text),
];

/// One page of room `room_id`'s status history (obtained through [`get_for`], which is
/// where membership is checked): every report, newest first, starting after `after`. The
/// board shows each member's latest; the history is the council's timeline for the review
/// after the incident.
pub async fn status_history(
    db: &mut Db,
    room_id: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<StatusReport>> {
    let query = keyset::Query {
        select: "SELECT id, org_id, status, as_of, note, reported_by, reported_at \
                 FROM coordination_status WHERE room_id = $1"
            .to_owned(),
        binds: vec![Bind::Text(room_id.to_owned())],
        order: STATUS_ORDER,
    };
    let page = query
        .page(
            db,
            after,
            limit.clamp(1, keyset::MAX_LIMIT),
            history_from_row,
            |(id, s)| vec![Key::Int(s.reported_at), Key::Text(id.clone())],
        )
        .await?;
    Ok(KeysetPage {
        items: page.items.into_iter().map(|(_, s)| s).collect(),
        next: page.next,
    })
}

/// A history row with its id, which only keys the cursor.
fn history_from_row(row: &AnyRow) -> Result<(String, StatusReport)> {
    Ok((row.try_get("id")?, status_from_row(row)?))
}

fn status_from_row(row: &AnyRow) -> Result<StatusReport> {
    Ok(StatusReport {
        org_id: row.try_get("org_id")?,
        status: code(
            row,
            "coordination_status",
            "status",
            MemberStatus::from_code,
        )?,
        as_of: row.try_get("as_of")?,
        note: row.try_get("note")?,
        reported_by: row.try_get("reported_by")?,
        reported_at: row.try_get("reported_at")?,
    })
}

/// The order of a room's relay messages: newest first (what a reader of a live incident
/// wants first), then by id.
const MESSAGE_ORDER: &[keyset::Col] = &[
    ("sent_at", Dir::Desc, Kind::Int),
    ("id", Dir::Asc, Kind::Text),
];

/// One page of the relay messages of room `room_id` (obtained through [`get_for`], which
/// is where membership is checked), newest first, starting after `after`: the next pages
/// lead to older messages.
pub async fn messages(
    db: &mut Db,
    room_id: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Message>> {
    let query = keyset::Query {
        select: "SELECT id, from_org, author, body, tlp, sent_at FROM coordination_messages \
                 WHERE room_id = $1"
            .to_owned(),
        binds: vec![Bind::Text(room_id.to_owned())],
        order: MESSAGE_ORDER,
    };
    query
        .page(
            db,
            after,
            limit.clamp(1, keyset::MAX_LIMIT),
            message_from_row,
            |m| vec![Key::Int(m.sent_at), Key::Text(m.id.clone())],
        )
        .await
}

fn message_from_row(row: &AnyRow) -> Result<Message> {
    Ok(Message {
        id: row.try_get("id")?,
        from_org: row.try_get("from_org")?,
        author: row.try_get("author")?,
        body: row.try_get("body")?,
        tlp: row.try_get("tlp")?,
        sent_at: row.try_get("sent_at")?,
    })
}

/// The cases linked to room `room_id`, oldest link first.
pub async fn cases(db: &mut Db, room_id: &str) -> Result<Vec<LinkedCase>> {
    let rows = sqlx::query(
        "SELECT c.case_id, c.org_id, i.title, i.category, i.phase, c.linked_at \
         FROM coordination_cases c JOIN incidents i ON i.id = c.case_id \
         WHERE c.room_id = $1 ORDER BY c.linked_at, c.case_id",
    )
    .bind(room_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(LinkedCase {
                case_id: row.try_get("case_id")?,
                org_id: row.try_get("org_id")?,
                title: row.try_get("title")?,
                category: code(row, "incidents", "category", Category::from_code)?,
                phase: code(row, "incidents", "phase", Phase::from_code)?,
                linked_at: row.try_get("linked_at")?,
            })
        })
        .collect()
}

/// Appends a relay message; the database refuses it when the room is closed.
pub async fn post(db: &mut Db, room_id: &str, m: &Message) -> Result<()> {
    sqlx::query(
        "INSERT INTO coordination_messages (id, room_id, from_org, author, body, tlp, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(m.id.clone())
    .bind(room_id.to_owned())
    .bind(m.from_org.clone())
    .bind(m.author.clone())
    .bind(m.body.clone())
    .bind(m.tlp.clone())
    .bind(m.sent_at)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Appends a member's status report; the database refuses it when the room is closed.
pub async fn report(db: &mut Db, room_id: &str, id: &str, s: &StatusReport) -> Result<()> {
    sqlx::query(
        "INSERT INTO coordination_status (id, room_id, org_id, status, as_of, note, reported_by, \
         reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_owned())
    .bind(room_id.to_owned())
    .bind(s.org_id.clone())
    .bind(s.status.code())
    .bind(s.as_of)
    .bind(s.note.clone())
    .bind(s.reported_by.clone())
    .bind(s.reported_at)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Links case `case_id` of `org_id` to room `room_id`; a second link is a conflict.
pub async fn link(
    db: &mut Db,
    room_id: &str,
    case_id: &str,
    org_id: &str,
    by: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO coordination_cases (room_id, case_id, org_id, linked_by, linked_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(room_id.to_owned())
    .bind(case_id.to_owned())
    .bind(org_id.to_owned())
    .bind(by.to_owned())
    .bind(at)
    .execute(&mut *db)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("linked case")
        } else {
            StoreError::Db(e)
        }
    })?;
    Ok(())
}

/// Closes room `room_id`; from then on the database keeps it read-only.
pub async fn close(db: &mut Db, room_id: &str, by: &str, at: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE coordination_rooms SET status = 'closed', closed_by = $2, closed_at = $3 \
         WHERE id = $1 AND status = 'open'",
    )
    .bind(room_id.to_owned())
    .bind(by.to_owned())
    .bind(at)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("open coordination room"));
    }
    Ok(())
}
