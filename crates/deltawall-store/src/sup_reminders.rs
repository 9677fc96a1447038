//! Reminders already sent for requests and alerts (`sup_reminders`). A reminder is keyed by
//! its subject, institution and the scheduled reminder itself, so recording one twice (two
//! sweeps racing, a retry) leaves one row.

use crate::Result;
use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::Bind;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A request task (the subject id is the request's).
    Request,
    /// An alert.
    Alert,
}

impl Subject {
    /// The stable code stored.
    pub fn code(self) -> &'static str {
        match self {
            Subject::Request => "request",
            Subject::Alert => "alert",
        }
    }

    fn from_code(code: &str) -> Option<Subject> {
        match code {
            "request" => Some(Subject::Request),
            "alert" => Some(Subject::Alert),
            _ => None,
        }
    }
}

/// A reminder as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentReminder {
    /// What it is about.
    pub subject: Subject,
    /// The request's or alert's id.
    pub subject_id: String,
    /// The institution reminded.
    pub org_id: String,
    /// The reminder (the domain's `Reminder` as JSON text).
    pub reminder: String,
    /// When it was recorded, Unix µs.
    pub sent_at: i64,
    /// For a reminder about a request, the institution's task of it (where it answers).
    pub task_id: Option<String>,
}

/// Records a reminder unless the same one is already recorded; returns whether it is new.
pub async fn record(
    db: &mut Db,
    subject: Subject,
    subject_id: &str,
    org_id: &str,
    reminder: &str,
    sent_at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO sup_reminders (subject_kind, subject_id, org_id, reminder, sent_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(subject.code().to_owned())
    .bind(subject_id.to_owned())
    .bind(org_id.to_owned())
    .bind(reminder.to_owned())
    .bind(sent_at)
    .execute(&mut *db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// When the last reminder about a subject went to an institution.
pub async fn last_sent(
    db: &mut Db,
    subject: Subject,
    subject_id: &str,
    org_id: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MAX(sent_at) FROM sup_reminders WHERE subject_kind = $1 AND subject_id = $2 AND org_id = $3",
    )
    .bind(subject.code().to_owned())
    .bind(subject_id.to_owned())
    .bind(org_id.to_owned())
    .fetch_one(&mut *db)
    .await?)
}

/// The order of an institution's reminders: newest first, then by the rest of the key
/// (subject, reminder), which is unique within one institution.
const ORDER: &[keyset::Col] = &[
    ("s.sent_at", Dir::Desc, Kind::Int),
    ("s.subject_kind", Dir::Asc, Kind::Text),
    ("s.subject_id", Dir::Asc, Kind::Text),
    ("s.reminder", Dir::Asc, Kind::Text),
];

/// One page of the reminders sent to one institution, newest first, starting after
/// `after`. There is at most one per subject and scheduled reminder, so the list grows
/// with the institution's requests and alerts and is paged like them.
pub async fn page_for_org(
    db: &mut Db,
    org_id: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<SentReminder>> {
    // The institution's task of a request (unique per request and institution) is read
    // with the reminder, so a page can link each reminder to where it is answered.
    let query = keyset::Query {
        select: "SELECT s.subject_kind, s.subject_id, s.org_id, s.reminder, s.sent_at, \
                 (SELECT t.id FROM sup_request_tasks t WHERE s.subject_kind = 'request' \
                  AND t.request_id = s.subject_id AND t.org_id = s.org_id) AS task_id \
                 FROM sup_reminders s WHERE s.org_id = $1"
            .to_owned(),
        binds: vec![Bind::Text(org_id.to_owned())],
        order: ORDER,
    };
    query
        .page(db, after, limit, reminder_from_row, |r| {
            vec![
                Key::Int(r.sent_at),
                Key::Text(r.subject.code().to_owned()),
                Key::Text(r.subject_id.clone()),
                Key::Text(r.reminder.clone()),
            ]
        })
        .await
}

fn reminder_from_row(row: &AnyRow) -> Result<SentReminder> {
    let kind: String = row.try_get("subject_kind")?;
    Ok(SentReminder {
        subject: Subject::from_code(&kind).ok_or(crate::StoreError::Corrupt {
            table: "sup_reminders",
            column: "subject_kind",
            value: kind.clone(),
        })?,
        subject_id: row.try_get("subject_id")?,
        org_id: row.try_get("org_id")?,
        reminder: row.try_get("reminder")?,
        sent_at: row.try_get("sent_at")?,
        task_id: row.try_get("task_id")?,
    })
}
