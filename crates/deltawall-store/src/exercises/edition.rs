//! Exercise design: an edition (an exercise row with an end time and an organiser kind),
//! its sector tracks and its inject schedule, and which track each participant plays.
//!
//! Everything an edition is made of is written in the caller's transaction, so a refused
//! schedule leaves nothing behind.

use super::ExerciseError;
use crate::StoreError;
use crate::db::Db;
use crate::exercises::{self as ex, NewExercise};
use deltawall_domain::BusinessType;
use deltawall_domain::exercise::schedule::{Expectation, Inject, Schedule};
use deltawall_domain::exercise::{InjectKind, Organiser, parse_code};
use deltawall_domain::supervision::benchmark::K;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A sector track (banks, shinkin …) of an edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Track {
    /// Its code, unique in the edition.
    pub code: String,
    /// The business type it is written for.
    pub business_type: BusinessType,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
}

/// An edition to create.
#[derive(Debug, Clone)]
pub struct NewEdition {
    /// The exercise row (organiser organisation, names, day held).
    pub exercise: NewExercise,
    /// Who organises it.
    pub organiser_kind: Organiser,
    /// When it closes, whatever happens to the clock (Unix µs).
    pub end_at_us: i64,
    /// The k of the sector feedback.
    pub feedback_k: K,
    /// Its tracks.
    pub tracks: Vec<Track>,
    /// Its validated schedule.
    pub schedule: Schedule,
}

/// An edition as stored (without its schedule, which only [`super::play`] reads out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edition {
    /// The exercise id.
    pub exercise_id: String,
    /// The organising organisation.
    pub organiser: String,
    /// Who organises it.
    pub organiser_kind: Organiser,
    /// When it closes.
    pub end_at_us: i64,
    /// The k of the sector feedback.
    pub feedback_k: K,
    /// Its tracks.
    pub tracks: Vec<Track>,
}

/// Creates an edition with its tracks and schedule; returns the exercise id. An inject on
/// a track the edition does not have is refused, naming the inject.
pub async fn create(
    db: &mut Db,
    new: &NewEdition,
    by: &str,
    at_us: i64,
) -> Result<String, ExerciseError> {
    check_tracks(&new.tracks, &new.schedule)?;
    let id = ex::create(db, &new.exercise, by, at_us).await?;
    sqlx::query(
        "INSERT INTO exercise_editions (exercise_id, organiser_kind, end_at, feedback_k, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.clone())
    .bind(new.organiser_kind.code())
    .bind(new.end_at_us)
    .bind(i64::from(new.feedback_k.get()))
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    for t in &new.tracks {
        sqlx::query(
            "INSERT INTO exercise_tracks (exercise_id, code, business_type, name_ja, name_en) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.clone())
        .bind(t.code.clone())
        .bind(t.business_type.code())
        .bind(t.name_ja.clone())
        .bind(t.name_en.clone())
        .execute(&mut *db)
        .await?;
    }
    insert_injects(db, &id, &new.schedule).await?;
    Ok(id)
}

fn check_tracks(tracks: &[Track], schedule: &Schedule) -> Result<(), ExerciseError> {
    for inject in schedule.injects() {
        if !tracks.iter().any(|t| t.code == inject.track) {
            return Err(ExerciseError::UnknownTrack {
                inject: inject.code.clone(),
                track: inject.track.clone(),
            });
        }
    }
    Ok(())
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("lists of strings and expectations serialise")
}

async fn insert_injects(
    db: &mut Db,
    exercise_id: &str,
    schedule: &Schedule,
) -> Result<(), ExerciseError> {
    for (seq, i) in schedule.injects().iter().enumerate() {
        sqlx::query(
            "INSERT INTO exercise_injects (exercise_id, code, seq, track, phase, offset_min, kind, title, body, depends_on, expected, criteria, respond_within_min) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(exercise_id.to_owned())
        .bind(i.code.clone())
        .bind(i64::try_from(seq).unwrap_or(i64::MAX))
        .bind(i.track.clone())
        .bind(i64::from(i.phase))
        .bind(i64::from(i.offset_min))
        .bind(i.kind.code())
        .bind(i.title.clone())
        .bind(i.body.clone())
        .bind(json(&i.depends_on))
        .bind(json(&i.expected))
        .bind(json(&i.criteria))
        .bind(i.respond_within_min.map(i64::from))
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// Replaces the schedule of an edition whose clock has not started (for example after a
/// CSV import). Refused once the exercise started, since releases and responses point at
/// the injects.
pub async fn replace_schedule(
    db: &mut Db,
    exercise_id: &str,
    schedule: &Schedule,
) -> Result<(), ExerciseError> {
    let e = get(db, exercise_id).await?;
    check_tracks(&e.tracks, schedule)?;
    let started: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM exercise_clock_events WHERE exercise_id = $1")
            .bind(exercise_id.to_owned())
            .fetch_one(&mut *db)
            .await?;
    if started > 0 {
        return Err(ExerciseError::Started);
    }
    sqlx::query("DELETE FROM exercise_injects WHERE exercise_id = $1")
        .bind(exercise_id.to_owned())
        .execute(&mut *db)
        .await?;
    insert_injects(db, exercise_id, schedule).await
}

/// An edition with its tracks; `NotFound` when there is none.
pub async fn get(db: &mut Db, exercise_id: &str) -> Result<Edition, ExerciseError> {
    let row = sqlx::query(
        "SELECT e.id, e.organiser, d.organiser_kind, d.end_at, d.feedback_k \
         FROM exercise_editions d JOIN exercises e ON e.id = d.exercise_id WHERE d.exercise_id = $1",
    )
    .bind(exercise_id.to_owned())
    .fetch_optional(&mut *db)
    .await?
    .ok_or(StoreError::NotFound("exercise edition"))?;
    let kind: String = row.try_get("organiser_kind")?;
    let k: i64 = row.try_get("feedback_k")?;
    let feedback_k = u32::try_from(k)
        .ok()
        .and_then(|k| K::new(k).ok())
        .ok_or_else(|| corrupt("exercise_editions", "feedback_k", &k.to_string()))?;
    let tracks = sqlx::query(
        "SELECT code, business_type, name_ja, name_en FROM exercise_tracks WHERE exercise_id = $1 ORDER BY code",
    )
    .bind(exercise_id.to_owned())
    .fetch_all(&mut *db)
    .await?
    .iter()
    .map(track_from_row)
    .collect::<Result<Vec<_>, _>>()?;
    Ok(Edition {
        exercise_id: row.try_get("id")?,
        organiser: row.try_get("organiser")?,
        organiser_kind: parse_code("organiser_kind", &kind, Organiser::from_code)?,
        end_at_us: row.try_get("end_at")?,
        feedback_k,
        tracks,
    })
}

fn track_from_row(row: &AnyRow) -> Result<Track, ExerciseError> {
    let bt: String = row.try_get("business_type")?;
    Ok(Track {
        code: row.try_get("code")?,
        business_type: parse_code("business_type", &bt, BusinessType::from_code)?,
        name_ja: row.try_get("name_ja")?,
        name_en: row.try_get("name_en")?,
    })
}

pub(crate) fn corrupt(table: &'static str, column: &'static str, value: &str) -> ExerciseError {
    ExerciseError::Store(StoreError::Corrupt {
        table,
        column,
        value: value.to_owned(),
    })
}

/// The whole schedule of an edition. Crate-private: only the organiser's reads in
/// [`super::play`] hand unreleased content out.
pub(crate) async fn schedule(db: &mut Db, exercise_id: &str) -> Result<Schedule, ExerciseError> {
    let rows = sqlx::query(
        "SELECT code, track, phase, offset_min, kind, title, body, depends_on, expected, criteria, respond_within_min \
         FROM exercise_injects WHERE exercise_id = $1 ORDER BY seq",
    )
    .bind(exercise_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    let injects = rows
        .iter()
        .map(inject_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Schedule::new(injects)?)
}

fn inject_from_row(row: &AnyRow) -> Result<Inject, ExerciseError> {
    let list = |column: &'static str| -> Result<String, ExerciseError> { Ok(row.try_get(column)?) };
    let kind: String = row.try_get("kind")?;
    let depends_on = list("depends_on")?;
    let expected = list("expected")?;
    let criteria = list("criteria")?;
    let number = |column: &'static str| -> Result<u32, ExerciseError> {
        let n: i64 = row.try_get(column)?;
        u32::try_from(n).map_err(|_| corrupt("exercise_injects", column, &n.to_string()))
    };
    let within: Option<i64> = row.try_get("respond_within_min")?;
    Ok(Inject {
        code: row.try_get("code")?,
        track: row.try_get("track")?,
        phase: number("phase")?,
        offset_min: number("offset_min")?,
        kind: parse_code("kind", &kind, InjectKind::from_code)?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        depends_on: serde_json::from_str(&depends_on)
            .map_err(|_| corrupt("exercise_injects", "depends_on", &depends_on))?,
        expected: serde_json::from_str::<Vec<Expectation>>(&expected)
            .map_err(|_| corrupt("exercise_injects", "expected", &expected))?,
        criteria: serde_json::from_str::<Vec<Expectation>>(&criteria)
            .map_err(|_| corrupt("exercise_injects", "criteria", &criteria))?,
        respond_within_min: within.and_then(|w| u32::try_from(w).ok()),
    })
}

/// Enrols an institution in an edition on one track (or moves it to another track).
/// The participation is a row of `exercise_participants`, so the sector figures count it.
pub async fn enrol(
    db: &mut Db,
    exercise_id: &str,
    org_id: &str,
    track: &str,
    by: &str,
    at_us: i64,
) -> Result<(), ExerciseError> {
    let e = get(db, exercise_id).await?;
    if !e.tracks.iter().any(|t| t.code == track) {
        return Err(ExerciseError::UnknownTrack {
            inject: String::new(),
            track: track.to_owned(),
        });
    }
    ex::record_participant(db, exercise_id, org_id, false, by, at_us).await?;
    sqlx::query(
        "UPDATE exercise_participants SET track = $3 WHERE exercise_id = $1 AND org_id = $2",
    )
    .bind(exercise_id.to_owned())
    .bind(org_id.to_owned())
    .bind(track.to_owned())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The track an institution plays in an edition, if it takes part.
pub async fn track_of(
    db: &mut Db,
    exercise_id: &str,
    org_id: &str,
) -> Result<Option<String>, ExerciseError> {
    let track: Option<Option<String>> = sqlx::query_scalar(
        "SELECT track FROM exercise_participants WHERE exercise_id = $1 AND org_id = $2",
    )
    .bind(exercise_id.to_owned())
    .bind(org_id.to_owned())
    .fetch_optional(&mut *db)
    .await?;
    Ok(track.flatten())
}

/// The edition if `org_id` organises or plays it; `NotFound` otherwise, exactly as if it
/// did not exist, so an edition's existence never leaks to other organisations.
pub async fn visible_to(
    db: &mut Db,
    exercise_id: &str,
    org_id: &str,
) -> Result<Edition, ExerciseError> {
    let e = get(db, exercise_id).await?;
    if e.organiser == org_id || track_of(db, exercise_id, org_id).await?.is_some() {
        Ok(e)
    } else {
        Err(StoreError::NotFound("exercise edition").into())
    }
}
