//! Exercises (演習) such as Delta Wall, the FSA's cross-industry exercise (the report's
//! section 2.(1)②), and the institutions that took part, with whether each held its
//! post-exercise review. An exercise is a sector event, visible to every signed-in user;
//! who took part is institution data, read through [`org_clause`].
//!
//! Exercises played in the platform (issue 14) extend a row here with an edition:
//! [`edition`] (design: tracks and the inject schedule), [`play`] (the clock, releases,
//! responses, and [`play::injects_for`], the one read of inject content), [`evaluation`]
//! (post-evaluation, improvement measures, sector feedback) and [`plans`] (contingency
//! plans). Their participants are rows of `exercise_participants` like any other, so the
//! sector figures count exercises run in the platform without a second source.

pub mod edition;
pub mod evaluation;
pub mod plans;
pub mod play;
pub mod roster;
mod tables;

pub(crate) use tables::BACKUP_TABLES;

use deltawall_domain::exercise::UnknownCode;
use deltawall_domain::exercise::evaluation::EvaluationError;
use deltawall_domain::exercise::plan::PlanError;
use deltawall_domain::exercise::play::PlayError;
use deltawall_domain::exercise::schedule::ScheduleError;

/// Why an exercise operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ExerciseError {
    /// The database failed, or a record was not found or not visible.
    #[error(transparent)]
    Store(#[from] crate::StoreError),
    /// The schedule is invalid.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// The clock or a response was refused.
    #[error(transparent)]
    Play(#[from] PlayError),
    /// An evaluation or measure was refused.
    #[error(transparent)]
    Evaluation(#[from] EvaluationError),
    /// A plan version was refused.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// An inject names a track the edition does not have.
    #[error("inject {inject}: unknown track {track}")]
    UnknownTrack {
        /// The inject (empty when a participant was given the track).
        inject: String,
        /// The track.
        track: String,
    },
    /// Evaluation before the exercise closed.
    #[error("exercise not closed yet: evaluation opens at {end_at_us}")]
    NotClosed {
        /// When it closes.
        end_at_us: i64,
    },
    /// The schedule can change only before the clock starts.
    #[error("schedule: cannot change after the exercise started")]
    Started,
}

impl From<sqlx::Error> for ExerciseError {
    fn from(e: sqlx::Error) -> ExerciseError {
        ExerciseError::Store(e.into())
    }
}

impl From<UnknownCode> for ExerciseError {
    fn from(e: UnknownCode) -> ExerciseError {
        ExerciseError::Store(crate::StoreError::Corrupt {
            table: "exercises",
            column: "code",
            value: e.to_string(),
        })
    }
}

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, new_id};
use deltawall_domain::OrgScope;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// An exercise to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExercise {
    /// The organising body (an organisation id).
    pub organiser: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// The day it was held (`YYYY-MM-DD`, already validated).
    pub held_on: String,
}

/// An exercise as stored, with how many participants the reader may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exercise {
    /// Id.
    pub id: String,
    /// Organising body.
    pub organiser: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// The day it was held.
    pub held_on: String,
    /// Participants within the reader's scope.
    pub participants: i64,
    /// Of those, how many held their post-exercise review.
    pub reviewed: i64,
}

/// One institution's participation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participation {
    /// The exercise.
    pub exercise_id: String,
    /// The institution.
    pub org_id: String,
    /// Its Japanese name.
    pub org_name_ja: String,
    /// Its English name.
    pub org_name_en: String,
    /// Whether it held the post-exercise review.
    pub reviewed: bool,
}

/// Records an exercise; returns its id.
pub async fn create(db: &mut Db, new: &NewExercise, by: &str, at_us: i64) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO exercises (id, organiser, name_ja, name_en, held_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.clone())
    .bind(new.organiser.clone())
    .bind(new.name_ja.clone())
    .bind(new.name_en.clone())
    .bind(new.held_on.clone())
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// Records that `org_id` took part in an exercise, or changes whether it held its review.
/// Returns whether the institution was newly added.
pub async fn record_participant(
    db: &mut Db,
    exercise_id: &str,
    org_id: &str,
    reviewed: bool,
    by: &str,
    at_us: i64,
) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE exercise_participants SET reviewed = $3, recorded_by = $4, recorded_at = $5 \
         WHERE exercise_id = $1 AND org_id = $2",
    )
    .bind(exercise_id.to_owned())
    .bind(org_id.to_owned())
    .bind(i64::from(reviewed))
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    if changed.rows_affected() > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO exercise_participants (exercise_id, org_id, reviewed, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(exercise_id.to_owned())
    .bind(org_id.to_owned())
    .bind(i64::from(reviewed))
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(true)
}

fn exercise_from_row(row: &AnyRow) -> Result<Exercise> {
    Ok(Exercise {
        id: row.try_get("id")?,
        organiser: row.try_get("organiser")?,
        name_ja: row.try_get("name_ja")?,
        name_en: row.try_get("name_en")?,
        held_on: row.try_get("held_on")?,
        participants: row.try_get("participants")?,
        reviewed: row.try_get("reviewed")?,
    })
}

/// Exercises with the count of their participants within the scope's clause (`$1` on), for
/// [`list`] and [`page`]. Counting in a subquery keeps exercises nobody in scope took part
/// in; `c.exercise_id` is null for them.
fn counted(clause: &str) -> String {
    format!(
        "SELECT e.id, e.organiser, e.name_ja, e.name_en, e.held_on, \
           COALESCE(c.participants, 0) AS participants, COALESCE(c.reviewed, 0) AS reviewed \
         FROM exercises e LEFT JOIN ( \
           SELECT p.exercise_id, COUNT(*) AS participants, COUNT(CASE WHEN p.reviewed <> 0 THEN 1 END) AS reviewed \
           FROM exercise_participants p JOIN organisations o ON o.id = p.org_id \
           WHERE {clause} GROUP BY p.exercise_id) c ON c.exercise_id = e.id"
    )
}

/// The order of exercise lists: latest held first, then by id (unique).
const ORDER: &[keyset::Col] = &[
    ("e.held_on", Dir::Desc, Kind::Text),
    ("e.id", Dir::Desc, Kind::Text),
];

/// Every exercise, newest first, with the count of its participants within `scope`.
pub async fn list(db: &mut Db, scope: &OrgScope) -> Result<Vec<Exercise>> {
    let clause = org_clause(scope, 1);
    let sql = format!(
        "{} ORDER BY {}",
        counted(&clause.sql),
        keyset::order_by(ORDER)
    );
    let binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(exercise_from_row).collect()
}

/// One page of [`list`], starting after `after`. With `taken_part`, only the exercises in
/// which an organisation within `scope` took part (an institution's view of them).
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    taken_part: bool,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Exercise>> {
    let clause = org_clause(scope, 1);
    let only = if taken_part {
        "c.exercise_id IS NOT NULL"
    } else {
        "1 = 1"
    };
    let query = keyset::Query {
        select: format!("{} WHERE {only}", counted(&clause.sql)),
        binds: clause.binds.into_iter().map(Bind::Text).collect(),
        order: ORDER,
    };
    query
        .page(db, after, limit, exercise_from_row, |e| {
            vec![Key::Text(e.held_on.clone()), Key::Text(e.id.clone())]
        })
        .await
}

/// One exercise, with the count of its participants within `scope`.
pub async fn get(db: &mut Db, scope: &OrgScope, id: &str) -> Result<Exercise> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    binds.push(Bind::Text(id.to_owned()));
    // One row by its id, not a scan of every exercise.
    let sql = format!("{} WHERE e.id = ${}", counted(&clause.sql), binds.len());
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(crate::StoreError::NotFound("exercise"))?;
    exercise_from_row(&row)
}

/// The participants within `scope` of the exercises `ids` (one page of them), by name.
pub async fn participants_of(
    db: &mut Db,
    scope: &OrgScope,
    ids: &[&str],
) -> Result<Vec<Participation>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let first = binds.len() + 1;
    let marks: Vec<String> = (first..first + ids.len())
        .map(|i| format!("${i}"))
        .collect();
    binds.extend(ids.iter().map(|id| Bind::Text((*id).to_owned())));
    let sql = format!(
        "SELECT p.exercise_id, p.org_id, o.name_ja, o.name_en, p.reviewed \
         FROM exercise_participants p JOIN organisations o ON o.id = p.org_id \
         WHERE {} AND p.exercise_id IN ({}) ORDER BY o.name_en, p.org_id",
        clause.sql,
        marks.join(", ")
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(participation_from_row).collect()
}

fn participation_from_row(row: &AnyRow) -> Result<Participation> {
    Ok(Participation {
        exercise_id: row.try_get("exercise_id")?,
        org_id: row.try_get("org_id")?,
        org_name_ja: row.try_get("name_ja")?,
        org_name_en: row.try_get("name_en")?,
        reviewed: row.try_get::<i64, _>("reviewed")? != 0,
    })
}

/// The participants of an exercise within `scope`, by name. With `OrgScope::Own` this is
/// an institution's own participation.
pub async fn participants(
    db: &mut Db,
    scope: &OrgScope,
    exercise_id: Option<&str>,
) -> Result<Vec<Participation>> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut sql = format!(
        "SELECT p.exercise_id, p.org_id, o.name_ja, o.name_en, p.reviewed \
         FROM exercise_participants p JOIN organisations o ON o.id = p.org_id WHERE {}",
        clause.sql
    );
    if let Some(id) = exercise_id {
        binds.push(Bind::Text(id.to_owned()));
        sql.push_str(&format!(" AND p.exercise_id = ${}", binds.len()));
    }
    sql.push_str(" ORDER BY o.name_en, p.org_id");
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(participation_from_row).collect()
}
