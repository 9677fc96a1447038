//! The work around a case in storage: tasks, the append-only customer-response log,
//! notices and observables. Every function takes a case id the caller obtained through
//! [`super::cases::get`], which is where the tenant boundary is checked.

use super::corrupt;
use crate::db::Db;
use crate::{Result, StoreError};
use deltawall_domain::incident::observable::{Observable, ObservableKind};
use deltawall_domain::incident::work::{CaseTask, Channel, CustomerContact, Notice, NoticeChannel};
use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

fn day(table: &'static str, column: &'static str, raw: &str) -> Result<Date> {
    raw.parse().map_err(|_| corrupt(table, column, raw))
}

/// Records task `task` of case `case_id`.
pub async fn add_task(
    db: &mut Db,
    case_id: &str,
    org_id: &str,
    task: &CaseTask,
    by: &str,
    at_us: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO incident_tasks (id, case_id, org_id, title, owner_user_id, due_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(task.id.clone())
    .bind(case_id.to_owned())
    .bind(org_id.to_owned())
    .bind(task.title.clone())
    .bind(task.owner_user_id.clone())
    .bind(task.due_on.to_string())
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Marks task `task_id` of case `case_id` done, once.
pub async fn complete_task(
    db: &mut Db,
    case_id: &str,
    task_id: &str,
    by: &str,
    at_us: i64,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE incident_tasks SET done_at = $3, done_by = $4 \
         WHERE case_id = $1 AND id = $2 AND done_at IS NULL",
    )
    .bind(case_id.to_owned())
    .bind(task_id.to_owned())
    .bind(at_us)
    .bind(by.to_owned())
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("open task"));
    }
    Ok(())
}

fn task_row(row: &AnyRow) -> Result<CaseTask> {
    let due: String = row.try_get("due_on")?;
    Ok(CaseTask {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        owner_user_id: row.try_get("owner_user_id")?,
        due_on: day("incident_tasks", "due_on", &due)?,
        done_at_us: row.try_get("done_at")?,
        done_by: row.try_get("done_by")?,
    })
}

/// The tasks of case `case_id`, by due day.
pub async fn tasks(db: &mut Db, case_id: &str) -> Result<Vec<CaseTask>> {
    let rows = sqlx::query(
        "SELECT id, title, owner_user_id, due_on, done_at, done_by FROM incident_tasks \
         WHERE case_id = $1 ORDER BY due_on, created_at, id",
    )
    .bind(case_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter().map(task_row).collect()
}

/// Appends a line of the customer-response log.
pub async fn add_contact(
    db: &mut Db,
    case_id: &str,
    org_id: &str,
    contact: &CustomerContact,
    by: &str,
    at_us: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO incident_customer_log (id, case_id, org_id, day, channel, inquiries, note, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(crate::new_id())
    .bind(case_id.to_owned())
    .bind(org_id.to_owned())
    .bind(contact.day.to_string())
    .bind(contact.channel.code())
    .bind(i64::from(contact.inquiries))
    .bind(contact.note.clone())
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The customer-response log of case `case_id`, by day.
pub async fn contacts(db: &mut Db, case_id: &str) -> Result<Vec<CustomerContact>> {
    let rows = sqlx::query(
        "SELECT day, channel, inquiries, note FROM incident_customer_log \
         WHERE case_id = $1 ORDER BY day, recorded_at, id",
    )
    .bind(case_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|row| {
            let d: String = row.try_get("day")?;
            let ch: String = row.try_get("channel")?;
            let n: i64 = row.try_get("inquiries")?;
            Ok(CustomerContact {
                day: day("incident_customer_log", "day", &d)?,
                channel: Channel::from_code(&ch)
                    .ok_or_else(|| corrupt("incident_customer_log", "channel", &ch))?,
                inquiries: u32::try_from(n)
                    .map_err(|_| corrupt("incident_customer_log", "inquiries", &n.to_string()))?,
                note: row.try_get("note")?,
            })
        })
        .collect()
}

/// Records a notice published to customers.
pub async fn add_notice(
    db: &mut Db,
    case_id: &str,
    org_id: &str,
    notice: &Notice,
    by: &str,
    at_us: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO incident_notices (id, case_id, org_id, published_at, channel, title, url, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(crate::new_id())
    .bind(case_id.to_owned())
    .bind(org_id.to_owned())
    .bind(notice.published_at_us)
    .bind(notice.channel.code())
    .bind(notice.title.clone())
    .bind(notice.url.clone())
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The notices of case `case_id`, oldest first.
pub async fn notices(db: &mut Db, case_id: &str) -> Result<Vec<Notice>> {
    let rows = sqlx::query(
        "SELECT published_at, channel, title, url FROM incident_notices \
         WHERE case_id = $1 ORDER BY published_at, id",
    )
    .bind(case_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|row| {
            let ch: String = row.try_get("channel")?;
            Ok(Notice {
                published_at_us: row.try_get("published_at")?,
                channel: NoticeChannel::from_code(&ch)
                    .ok_or_else(|| corrupt("incident_notices", "channel", &ch))?,
                title: row.try_get("title")?,
                url: row.try_get("url")?,
            })
        })
        .collect()
}

/// An observable of a case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredObservable {
    /// Id.
    pub id: String,
    /// The observable.
    #[serde(flatten)]
    pub observable: Observable,
    /// Whether it may leave the institution (never for an account).
    pub shareable: bool,
    /// Where it was seen, in the institution's words.
    pub note: String,
    /// Added, Unix µs.
    pub added_at: i64,
}

/// Records an observable of case `case_id`; the same value twice is a conflict.
pub async fn add_observable(
    db: &mut Db,
    case_id: &str,
    org_id: &str,
    observable: &Observable,
    note: &str,
    by: &str,
    at_us: i64,
) -> Result<String> {
    let id = crate::new_id();
    sqlx::query(
        "INSERT INTO incident_observables (id, case_id, org_id, kind, value, shareable, note, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.clone())
    .bind(case_id.to_owned())
    .bind(org_id.to_owned())
    .bind(observable.kind.code())
    .bind(observable.value.clone())
    .bind(i64::from(observable.shareable()))
    .bind(note.to_owned())
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("the observable")
        } else {
            e.into()
        }
    })?;
    Ok(id)
}

/// The observables of case `case_id`, in the order they were added.
pub async fn observables(db: &mut Db, case_id: &str) -> Result<Vec<StoredObservable>> {
    let rows = sqlx::query(
        "SELECT id, kind, value, shareable, note, added_at FROM incident_observables \
         WHERE case_id = $1 ORDER BY added_at, id",
    )
    .bind(case_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            let shareable: i64 = row.try_get("shareable")?;
            Ok(StoredObservable {
                id: row.try_get("id")?,
                observable: Observable {
                    kind: ObservableKind::from_code(&kind)
                        .ok_or_else(|| corrupt("incident_observables", "kind", &kind))?,
                    value: row.try_get("value")?,
                },
                shareable: shareable == 1,
                note: row.try_get("note")?,
                added_at: row.try_get("added_at")?,
            })
        })
        .collect()
}
