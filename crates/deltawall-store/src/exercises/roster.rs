//! Who plays an edition and which editions an organisation sees: the organiser's
//! organisation sees every participant, anyone else the participants within its scope
//! (an institution: itself), through [`org_clause`] like every read of institution data.

use super::ExerciseError;
use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use deltawall_domain::OrgScope;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// An institution enrolled on a track of an edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolled {
    /// The institution.
    pub org_id: String,
    /// Its Japanese name.
    pub name_ja: String,
    /// Its English name.
    pub name_en: String,
    /// The track it plays.
    pub track: String,
}

/// The participants of an edition the reader may see: all for the organiser's
/// organisation, otherwise those within `scope`.
pub async fn enrolled(
    db: &mut Db,
    exercise_id: &str,
    reader_org: &str,
    scope: &OrgScope,
) -> Result<Vec<Enrolled>, ExerciseError> {
    let clause = org_clause(scope, 3);
    let sql = format!(
        "SELECT p.org_id, o.name_ja, o.name_en, p.track FROM exercise_participants p \
         JOIN organisations o ON o.id = p.org_id JOIN exercises e ON e.id = p.exercise_id \
         WHERE p.exercise_id = $1 AND p.track IS NOT NULL AND (e.organiser = $2 OR {}) \
         ORDER BY o.name_en, p.org_id",
        clause.sql
    );
    let mut binds = vec![
        Bind::Text(exercise_id.to_owned()),
        Bind::Text(reader_org.to_owned()),
    ];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Enrolled {
                org_id: r.try_get("org_id")?,
                name_ja: r.try_get("name_ja")?,
                name_en: r.try_get("name_en")?,
                track: r.try_get("track")?,
            })
        })
        .collect()
}

/// An edition as listed: names, day, organiser, end time, and how the reader takes part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    /// The exercise id.
    pub exercise_id: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// The day it is held.
    pub held_on: String,
    /// The organising organisation.
    pub organiser: String,
    /// When it closes (Unix µs).
    pub end_at_us: i64,
    /// The reader's track, when its organisation plays.
    pub track: Option<String>,
}

/// The columns of a listed edition, read by [`listed`].
const LISTED_FROM: &str = "SELECT e.id, e.name_ja, e.name_en, e.held_on, e.organiser, d.end_at, p.track \
     FROM exercise_editions d JOIN exercises e ON e.id = d.exercise_id \
     LEFT JOIN exercise_participants p ON p.exercise_id = e.id AND p.org_id = $1 \
     WHERE (e.organiser = $1 OR p.track IS NOT NULL)";

/// The order of edition lists: latest held first, then by id (unique).
const LISTED_ORDER: &[keyset::Col] = &[
    ("e.held_on", Dir::Desc, Kind::Text),
    ("e.id", Dir::Desc, Kind::Text),
];

fn listed(r: &AnyRow) -> crate::Result<Listed> {
    Ok(Listed {
        exercise_id: r.try_get("id")?,
        name_ja: r.try_get("name_ja")?,
        name_en: r.try_get("name_en")?,
        held_on: r.try_get("held_on")?,
        organiser: r.try_get("organiser")?,
        end_at_us: r.try_get("end_at")?,
        track: r.try_get("track")?,
    })
}

/// The editions an organisation organises or plays, newest first. Anyone else sees none,
/// so an edition's existence does not leak.
pub async fn editions_of(db: &mut Db, org_id: &str) -> Result<Vec<Listed>, ExerciseError> {
    let sql = format!("{LISTED_FROM} ORDER BY {}", keyset::order_by(LISTED_ORDER));
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(org_id.to_owned())
        .fetch_all(&mut *db)
        .await?;
    Ok(rows.iter().map(listed).collect::<crate::Result<_>>()?)
}

/// One page of [`editions_of`], starting after `after`.
pub async fn page_editions_of(
    db: &mut Db,
    org_id: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Listed>, ExerciseError> {
    let query = keyset::Query {
        select: LISTED_FROM.to_owned(),
        binds: vec![Bind::Text(org_id.to_owned())],
        order: LISTED_ORDER,
    };
    Ok(query
        .page(db, after, limit, listed, |l| {
            vec![
                Key::Text(l.held_on.clone()),
                Key::Text(l.exercise_id.clone()),
            ]
        })
        .await?)
}
