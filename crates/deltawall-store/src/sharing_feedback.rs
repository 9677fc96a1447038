//! Members' feedback on shared objects: one row per stored `sighting` or `opinion` and
//! object it is about (migration 3). Rows are read together with the stored version of the
//! feedback object they came from, so the caller can pass that version through its TLP
//! decision before counting it; a deleted version drops out by the join.
//!
//! `reporter_org` is for the service to decide what to show: it shows it only when
//! `named` is set, i.e. the reporter put their identity in `created_by_ref`.

use crate::Result;
use crate::db::Db;
use crate::records::{Bind, bind_all, flag};
use crate::sharing::StoredObject;
use sqlx::{AssertSqlSafe, Row};

/// What one feedback object says about one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback {
    /// The sighting or opinion id.
    pub stix_id: String,
    /// The object it is about (`sighting_of_ref`, or one of an opinion's `object_refs`).
    pub target_id: String,
    /// The feedback object's version, Unix µs.
    pub version_us: i64,
    /// `date_added` of that stored version.
    pub date_added: i64,
    /// `sighting` or `opinion`.
    pub kind: String,
    /// A sighting's `count`; 0 for opinions.
    pub count: i64,
    /// Reported as a false positive.
    pub false_positive: bool,
    /// An opinion's value.
    pub opinion: Option<String>,
    /// When it was seen, Unix µs.
    pub seen_at: Option<i64>,
    /// The reporter chose to be named.
    pub named: bool,
    /// The organisation that added it.
    pub reporter_org: String,
}

/// A stored feedback row with the stored feedback object it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRow {
    /// The feedback.
    pub feedback: NewFeedback,
    /// The stored version of the sighting or opinion (for the disclosure decision).
    pub object: StoredObject,
}

/// Records the feedback of one version of a feedback object, replacing what an older
/// version of it said. An older version arriving after a newer one changes nothing.
/// Call inside the transaction that stored the version.
pub async fn put(db: &mut Db, collection_id: &str, rows: &[NewFeedback]) -> Result<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let newer: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM taxii_feedback WHERE collection_id = $1 AND stix_id = $2 \
         AND version_us > $3",
    )
    .bind(collection_id.to_owned())
    .bind(first.stix_id.clone())
    .bind(first.version_us)
    .fetch_one(&mut *db)
    .await?
    .try_get("n")?;
    if newer > 0 {
        return Ok(());
    }
    sqlx::query("DELETE FROM taxii_feedback WHERE collection_id = $1 AND stix_id = $2")
        .bind(collection_id.to_owned())
        .bind(first.stix_id.clone())
        .execute(&mut *db)
        .await?;
    for f in rows {
        sqlx::query(
            "INSERT INTO taxii_feedback (collection_id, stix_id, target_id, version_us, \
             date_added, kind, sighting_count, false_positive, opinion, seen_at, named, \
             reporter_org) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(collection_id.to_owned())
        .bind(f.stix_id.clone())
        .bind(f.target_id.clone())
        .bind(f.version_us)
        .bind(f.date_added)
        .bind(f.kind.clone())
        .bind(f.count)
        .bind(i64::from(f.false_positive))
        .bind(f.opinion.clone())
        .bind(f.seen_at)
        .bind(i64::from(f.named))
        .bind(f.reporter_org.clone())
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// The feedback in a collection about any of `targets`, each with the stored version it
/// came from, in `date_added` order.
pub async fn about(
    db: &mut Db,
    collection_id: &str,
    targets: &[String],
) -> Result<Vec<FeedbackRow>> {
    if targets.is_empty() {
        return Ok(vec![]);
    }
    let marks: Vec<String> = (2..targets.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT f.stix_id, f.target_id, f.version_us, f.date_added, f.kind, f.sighting_count, \
         f.false_positive, f.opinion, f.seen_at, f.named, f.reporter_org, \
         o.version AS o_version, o.version_us AS o_version_us, o.spec_version AS o_spec_version, \
         o.type AS o_type, o.json AS o_json, o.origin_org AS o_origin_org, o.reach AS o_reach \
         FROM taxii_feedback f JOIN taxii_objects o \
         ON o.collection_id = f.collection_id AND o.date_added = f.date_added \
         WHERE f.collection_id = $1 AND f.target_id IN ({}) ORDER BY f.date_added, f.target_id",
        marks.join(", ")
    );
    let mut binds = vec![Bind::Text(collection_id.to_owned())];
    binds.extend(targets.iter().cloned().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let mut out = rows
        .iter()
        .map(row_to_feedback)
        .collect::<Result<Vec<_>>>()?;
    let mut objects: Vec<StoredObject> = out.iter().map(|f| f.object.clone()).collect();
    crate::sharing::fill_recipients(db, collection_id, &mut objects).await?;
    for (f, o) in out.iter_mut().zip(objects) {
        f.object.recipients = o.recipients;
    }
    Ok(out)
}

fn row_to_feedback(row: &sqlx::any::AnyRow) -> Result<FeedbackRow> {
    let stix_id: String = row.try_get("stix_id")?;
    let date_added: i64 = row.try_get("date_added")?;
    Ok(FeedbackRow {
        object: StoredObject {
            date_added,
            stix_id: stix_id.clone(),
            version: row.try_get("o_version")?,
            version_us: row.try_get("o_version_us")?,
            spec_version: row.try_get("o_spec_version")?,
            object_type: row.try_get("o_type")?,
            json: row.try_get("o_json")?,
            origin_org: row.try_get("o_origin_org")?,
            reach: row.try_get("o_reach")?,
            recipients: Vec::new(),
        },
        feedback: NewFeedback {
            stix_id,
            target_id: row.try_get("target_id")?,
            version_us: row.try_get("version_us")?,
            date_added,
            kind: row.try_get("kind")?,
            count: row.try_get("sighting_count")?,
            false_positive: flag(row, "false_positive")?,
            opinion: row.try_get("opinion")?,
            seen_at: row.try_get("seen_at")?,
            named: flag(row, "named")?,
            reporter_org: row.try_get("reporter_org")?,
        },
    })
}
