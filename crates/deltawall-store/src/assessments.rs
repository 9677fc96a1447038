//! Catalog editions, catalog migration maps, assessments and their append-only result
//! revisions.
//!
//! Catalogs are reference data shared by every tenant and never change once stored (a
//! trigger refuses updates and deletes). Assessments and results belong to an institution
//! and are read through [`record_clause`]; a result revision is never updated or deleted,
//! so the posture as reported on any day is the latest revision recorded by then.

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all, code, conflict, flag};
use crate::scope::record_clause;
use crate::{Result, StoreError, new_id};
use deltawall_domain::access::RecordScope;
use deltawall_domain::catalog::{Catalog, Text};
use deltawall_domain::posture::{
    Answer, AssessmentKind, AssessmentStatus, Change, Confidence, MapLine, Outcome,
};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// A stored catalog edition (without its document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredCatalog {
    /// Row id.
    pub id: String,
    /// The catalog's own id (shared by its editions).
    pub key: String,
    /// Edition.
    pub version: String,
    /// SHA-256 of the document.
    pub fingerprint: String,
    /// Who imported it (`None`: built in).
    pub imported_by: Option<String>,
    /// Stored, Unix µs.
    pub created_at: i64,
    /// The document's title, kept beside it so lists need not read the document.
    pub title: Text,
    /// How many requirements the document has.
    pub requirements: i64,
}

/// Reads a catalog row of [`CATALOG_COLUMNS`] (any alias `c.` aside).
pub(crate) fn catalog_row(row: &AnyRow) -> Result<StoredCatalog> {
    Ok(StoredCatalog {
        id: row.try_get("id")?,
        key: row.try_get("catalog_key")?,
        version: row.try_get("version")?,
        fingerprint: row.try_get("fingerprint")?,
        imported_by: row.try_get("imported_by")?,
        created_at: row.try_get("created_at")?,
        title: Text {
            ja: row.try_get("title_ja")?,
            en: row.try_get("title_en")?,
        },
        requirements: row.try_get("requirements")?,
    })
}

/// Stores a catalog edition unless one with the same id and version exists. Returns the
/// row id and whether it was inserted. An existing edition with another fingerprint is a
/// conflict: an edition never changes.
pub async fn insert_catalog(
    db: &mut Db,
    catalog: &Catalog,
    imported_by: Option<&str>,
    at_us: i64,
) -> Result<(String, bool)> {
    let fingerprint = catalog.fingerprint();
    if let Some(existing) = find_catalog(db, &catalog.id, &catalog.version).await? {
        if existing.fingerprint != fingerprint {
            return Err(StoreError::Conflict("catalog edition with other content"));
        }
        return Ok((existing.id, false));
    }
    let id = new_id();
    let document = serde_json::to_string(catalog).map_err(|e| StoreError::Corrupt {
        table: "catalogs",
        column: "document",
        value: e.to_string(),
    })?;
    sqlx::query(
        "INSERT INTO catalogs (id, catalog_key, version, fingerprint, document, imported_by, \
         created_at, title_ja, title_en, requirements) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.clone())
    .bind(catalog.id.clone())
    .bind(catalog.version.clone())
    .bind(fingerprint)
    .bind(document)
    .bind(imported_by.map(str::to_owned))
    .bind(at_us)
    .bind(catalog.title.ja.clone())
    .bind(catalog.title.en.clone())
    .bind(catalog.requirements().count() as i64)
    .execute(&mut *db)
    .await
    .map_err(conflict("catalog"))?;
    Ok((id, true))
}

/// The columns of a [`StoredCatalog`]: everything but the document.
pub(crate) const CATALOG_COLUMNS: &str = "id, catalog_key, version, fingerprint, imported_by, created_at, title_ja, title_en, requirements";

/// The stored edition `version` of catalog `key`.
pub async fn find_catalog(db: &mut Db, key: &str, version: &str) -> Result<Option<StoredCatalog>> {
    let sql =
        format!("SELECT {CATALOG_COLUMNS} FROM catalogs WHERE catalog_key = $1 AND version = $2");
    sqlx::query(AssertSqlSafe(sql))
        .bind(key.to_owned())
        .bind(version.to_owned())
        .fetch_optional(&mut *db)
        .await?
        .as_ref()
        .map(catalog_row)
        .transpose()
}

/// Every stored edition, oldest first.
pub async fn list_catalogs(db: &mut Db) -> Result<Vec<StoredCatalog>> {
    let sql = format!("SELECT {CATALOG_COLUMNS} FROM catalogs ORDER BY created_at, id");
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *db).await?;
    rows.iter().map(catalog_row).collect()
}

/// The document of a stored edition.
pub async fn catalog_document(db: &mut Db, id: &str) -> Result<Catalog> {
    let row = sqlx::query("SELECT document FROM catalogs WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("catalog"))?;
    let doc: String = row.try_get("document")?;
    serde_json::from_str(&doc).map_err(|e| StoreError::Corrupt {
        table: "catalogs",
        column: "document",
        value: e.to_string(),
    })
}

/// Records one line of the migration map between two editions.
pub async fn add_map_line(
    db: &mut Db,
    from: &str,
    to: &str,
    line: &MapLine,
    at_us: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO catalog_migrations (id, from_catalog, to_catalog, from_requirement, to_requirement, change, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(from.to_owned())
    .bind(to.to_owned())
    .bind(line.from.clone())
    .bind(line.to.clone())
    .bind(line.change.code())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The migration map from one edition to another, in the order recorded; `None` when no
/// map was recorded.
pub async fn map(db: &mut Db, from: &str, to: &str) -> Result<Option<Vec<MapLine>>> {
    let rows = sqlx::query(
        "SELECT from_requirement, to_requirement, change FROM catalog_migrations \
         WHERE from_catalog = $1 AND to_catalog = $2 ORDER BY created_at, id",
    )
    .bind(from.to_owned())
    .bind(to.to_owned())
    .fetch_all(&mut *db)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    rows.iter()
        .map(|r| {
            Ok(MapLine {
                from: r.try_get("from_requirement")?,
                to: r.try_get("to_requirement")?,
                change: code(r, "catalog_migrations", "change", Change::from_code)?,
            })
        })
        .collect::<Result<_>>()
        .map(Some)
}

/// An assessment of one institution against one catalog edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// Its Japanese name.
    pub org_name_ja: String,
    /// Its English name.
    pub org_name_en: String,
    /// The catalog edition (row id).
    pub catalog_id: String,
    /// Kind.
    pub kind: AssessmentKind,
    /// What it covers.
    pub scope: String,
    /// The day it assesses (`YYYY-MM-DD`).
    pub as_of: String,
    /// Cycle number, 1 for the first.
    pub cycle: i64,
    /// The assessment of the previous cycle.
    pub previous_id: Option<String>,
    /// Status.
    pub status: AssessmentStatus,
    /// Who created it.
    pub created_by: String,
    /// Created, Unix µs.
    pub created_at: i64,
    /// Submitted, Unix µs.
    pub submitted_at: Option<i64>,
}

/// What is needed to start an assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssessment {
    /// The institution.
    pub org_id: String,
    /// The catalog edition.
    pub catalog_id: String,
    /// Kind.
    pub kind: AssessmentKind,
    /// What it covers.
    pub scope: String,
    /// The day it assesses.
    pub as_of: String,
    /// Cycle number.
    pub cycle: i64,
    /// The previous cycle's assessment.
    pub previous_id: Option<String>,
    /// Who creates it.
    pub created_by: String,
}

const ASSESSMENT_COLUMNS: &str = "a.id, a.org_id, o.name_ja, o.name_en, a.catalog_id, a.kind, a.scope, a.as_of, a.cycle, a.previous_id, a.status, a.created_by, a.created_at, a.submitted_at";
const ASSESSMENT_DRAFT: &str = "a.status = 'draft'";

fn assessment_row(row: &AnyRow) -> Result<Assessment> {
    Ok(Assessment {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        org_name_ja: row.try_get("name_ja")?,
        org_name_en: row.try_get("name_en")?,
        catalog_id: row.try_get("catalog_id")?,
        kind: code(row, "assessments", "kind", AssessmentKind::from_code)?,
        scope: row.try_get("scope")?,
        as_of: row.try_get("as_of")?,
        cycle: row.try_get("cycle")?,
        previous_id: row.try_get("previous_id")?,
        status: code(row, "assessments", "status", AssessmentStatus::from_code)?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        submitted_at: row.try_get("submitted_at")?,
    })
}

/// Starts an assessment as a draft; returns its id.
pub async fn create(db: &mut Db, new: &NewAssessment, at_us: i64) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO assessments (id, org_id, catalog_id, kind, scope, as_of, cycle, previous_id, status, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $10)",
    )
    .bind(id.clone())
    .bind(new.org_id.clone())
    .bind(new.catalog_id.clone())
    .bind(new.kind.code())
    .bind(new.scope.clone())
    .bind(new.as_of.clone())
    .bind(new.cycle)
    .bind(new.previous_id.clone())
    .bind(new.created_by.clone())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// One assessment, if within `scope`.
pub async fn get(db: &mut Db, scope: &RecordScope, id: &str) -> Result<Assessment> {
    let clause = record_clause(scope, ASSESSMENT_DRAFT, 2);
    let sql = format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM assessments a JOIN organisations o ON o.id = a.org_id \
         WHERE a.id = $1 AND {}",
        clause.sql
    );
    let row = crate::records::fetch_scoped(db, sql, id, clause, "assessment").await?;
    assessment_row(&row)
}

/// Every assessment within `scope`, optionally of one organisation, newest first, read page
/// by page so none is left out (the pages people see use [`page`]).
pub async fn list(
    db: &mut Db,
    scope: &RecordScope,
    org_id: Option<&str>,
) -> Result<Vec<Assessment>> {
    let (mut out, mut after) = (Vec::new(), None);
    loop {
        let p = page(db, scope, org_id, after.as_ref(), keyset::MAX_LIMIT).await?;
        out.extend(p.items);
        after = keyset::resume(p.next, ORDER)?;
        if after.is_none() {
            return Ok(out);
        }
    }
}

/// The order of assessment lists: latest day assessed first, then newest, then by id.
const ORDER: &[keyset::Col] = &[
    ("a.as_of", Dir::Desc, Kind::Text),
    ("a.created_at", Dir::Desc, Kind::Int),
    ("a.id", Dir::Asc, Kind::Text),
];

/// One page of assessments within `scope` (optionally of one organisation), starting after
/// `after`.
pub async fn page(
    db: &mut Db,
    scope: &RecordScope,
    org_id: Option<&str>,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Assessment>> {
    let clause = record_clause(scope, ASSESSMENT_DRAFT, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut sql = format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM assessments a JOIN organisations o ON o.id = a.org_id WHERE {}",
        clause.sql
    );
    if let Some(org) = org_id {
        binds.push(Bind::Text(org.to_owned()));
        sql.push_str(&format!(" AND a.org_id = ${}", binds.len()));
    }
    let query = keyset::Query {
        select: sql,
        binds,
        order: ORDER,
    };
    query
        .page(db, after, limit, assessment_row, |a| {
            vec![
                Key::Text(a.as_of.clone()),
                Key::Int(a.created_at),
                Key::Text(a.id.clone()),
            ]
        })
        .await
}

/// The highest cycle number of an organisation's assessments (0 when none).
pub async fn last_cycle(db: &mut Db, org_id: &str) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(cycle), 0) AS n FROM assessments WHERE org_id = $1")
        .bind(org_id.to_owned())
        .fetch_one(&mut *db)
        .await?;
    Ok(row.try_get("n")?)
}

/// Marks a draft submitted; refuses anything that is not a draft of `org_id`.
pub async fn submit(db: &mut Db, org_id: &str, id: &str, at_us: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE assessments SET status = 'submitted', submitted_at = $3, updated_at = $3 \
         WHERE id = $1 AND org_id = $2 AND status = 'draft'",
    )
    .bind(id.to_owned())
    .bind(org_id.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("draft assessment"));
    }
    crate::sup_facts::refresh_posture(db, org_id, at_us).await
}

/// One revision of one requirement's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// Id.
    pub id: String,
    /// The assessment.
    pub assessment_id: String,
    /// The requirement.
    pub requirement_id: String,
    /// 1 for the first answer, then +1 per revision.
    pub revision: i64,
    /// The answer.
    pub answer: Answer,
    /// Carried from the previous cycle, awaiting review.
    pub carried: bool,
    /// Who answered.
    pub answered_by: String,
    /// Who reviewed it, if anyone.
    pub reviewed_by: Option<String>,
    /// Recorded, Unix µs.
    pub recorded_at: i64,
    /// Pre-filled through a mapping (not a person's answer until confirmed), and from what.
    pub derived: Option<crate::mappings::Derivation>,
}

const REVISION_COLUMNS: &str = "r.id, r.assessment_id, r.requirement_id, r.revision, r.result, r.justification, r.maturity, r.rationale, r.confidence, r.evidence_refs, r.carried, r.answered_by, r.reviewed_by, r.recorded_at, d.mapping_set_id, d.source_assessment_id, d.source_requirement_id, d.relationship";

/// Joins each revision's derivation, if it has one.
const DERIVATION_JOIN: &str = "LEFT JOIN result_derivations d ON d.result_id = r.id";

fn revision_row(row: &AnyRow) -> Result<Revision> {
    let refs: String = row.try_get("evidence_refs")?;
    let evidence = serde_json::from_str(&refs).map_err(|_| StoreError::Corrupt {
        table: "assessment_results",
        column: "evidence_refs",
        value: refs.chars().take(80).collect(),
    })?;
    let maturity: Option<i64> = row.try_get("maturity")?;
    Ok(Revision {
        id: row.try_get("id")?,
        assessment_id: row.try_get("assessment_id")?,
        requirement_id: row.try_get("requirement_id")?,
        revision: row.try_get("revision")?,
        answer: Answer {
            requirement_id: row.try_get("requirement_id")?,
            outcome: code(row, "assessment_results", "result", Outcome::from_code)?,
            justification: row.try_get("justification")?,
            maturity: maturity.and_then(|m| u8::try_from(m).ok()),
            rationale: row.try_get("rationale")?,
            confidence: code(
                row,
                "assessment_results",
                "confidence",
                Confidence::from_code,
            )?,
            evidence,
        },
        carried: flag(row, "carried")?,
        answered_by: row.try_get("answered_by")?,
        reviewed_by: row.try_get("reviewed_by")?,
        recorded_at: row.try_get("recorded_at")?,
        derived: crate::mappings::derivation_row(row)?,
    })
}

/// Who records a revision, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// Who answered.
    pub answered_by: String,
    /// Who reviewed (for a reviewed carried answer: the reviewer).
    pub reviewed_by: Option<String>,
    /// Whether it is carried from the previous cycle.
    pub carried: bool,
    /// When, Unix µs.
    pub at_us: i64,
}

/// Appends a revision of a requirement's result; returns its revision number.
pub async fn append_result(
    db: &mut Db,
    assessment_id: &str,
    answer: &Answer,
    how: &Recording,
) -> Result<i64> {
    append_result_with_id(db, assessment_id, answer, how)
        .await
        .map(|(_, n)| n)
}

/// Appends a revision of a requirement's result; returns its row id and revision number.
pub async fn append_result_with_id(
    db: &mut Db,
    assessment_id: &str,
    answer: &Answer,
    how: &Recording,
) -> Result<(String, i64)> {
    let next: i64 = sqlx::query(
        "SELECT COALESCE(MAX(revision), 0) + 1 AS n FROM assessment_results WHERE assessment_id = $1 AND requirement_id = $2",
    )
    .bind(assessment_id.to_owned())
    .bind(answer.requirement_id.clone())
    .fetch_one(&mut *db)
    .await?
    .try_get("n")?;
    let refs = serde_json::to_string(&answer.evidence).unwrap_or_else(|_| "[]".into());
    let id = new_id();
    sqlx::query(
        "INSERT INTO assessment_results (id, assessment_id, requirement_id, revision, result, justification, maturity, rationale, confidence, evidence_refs, carried, answered_by, reviewed_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(id.clone())
    .bind(assessment_id.to_owned())
    .bind(answer.requirement_id.clone())
    .bind(next)
    .bind(answer.outcome.code())
    .bind(answer.justification.clone())
    .bind(answer.maturity.map(i64::from))
    .bind(answer.rationale.clone())
    .bind(answer.confidence.code())
    .bind(refs)
    .bind(i64::from(how.carried))
    .bind(how.answered_by.clone())
    .bind(how.reviewed_by.clone())
    .bind(how.at_us)
    .execute(&mut *db)
    .await
    .map_err(conflict("revision"))?;
    crate::sup_facts::refresh_posture_of(db, assessment_id, how.at_us).await?;
    Ok((id, next))
}

/// The result of each requirement as reported at `as_of_us`: for every requirement, exactly
/// the latest revision recorded at or before that instant. The assessment must be within
/// `scope`.
pub async fn results_as_of(
    db: &mut Db,
    scope: &RecordScope,
    assessment_id: &str,
    as_of_us: i64,
) -> Result<Vec<Revision>> {
    let clause = record_clause(scope, ASSESSMENT_DRAFT, 3);
    let sql = format!(
        "SELECT {REVISION_COLUMNS} FROM assessment_results r {DERIVATION_JOIN} \
         JOIN assessments a ON a.id = r.assessment_id JOIN organisations o ON o.id = a.org_id \
         WHERE r.assessment_id = $1 AND r.recorded_at <= $2 AND {} \
         AND r.revision = (SELECT MAX(r2.revision) FROM assessment_results r2 \
             WHERE r2.assessment_id = r.assessment_id AND r2.requirement_id = r.requirement_id AND r2.recorded_at <= $2) \
         ORDER BY r.requirement_id",
        clause.sql
    );
    let mut binds = vec![Bind::Text(assessment_id.to_owned()), Bind::Int(as_of_us)];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(revision_row).collect()
}

/// The latest results as of a moment of several assessments in one query, ordered by
/// assessment then requirement: the group roll-up reads every group company's latest
/// assessment at once instead of one query per company. Same scope rule as
/// [`results_as_of`].
pub async fn results_as_of_many(
    db: &mut Db,
    scope: &RecordScope,
    assessment_ids: &[String],
    as_of_us: i64,
) -> Result<Vec<Revision>> {
    let mut out = Vec::new();
    // Bounded so the bind count stays far below either backend's limit.
    for chunk in assessment_ids.chunks(500) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let clause = record_clause(scope, ASSESSMENT_DRAFT, chunk.len() + 2);
        let sql = format!(
            "SELECT {REVISION_COLUMNS} FROM assessment_results r {DERIVATION_JOIN} \
             JOIN assessments a ON a.id = r.assessment_id JOIN organisations o ON o.id = a.org_id \
             WHERE r.assessment_id IN ({}) AND r.recorded_at <= $1 AND {} \
             AND r.revision = (SELECT MAX(r2.revision) FROM assessment_results r2 \
                 WHERE r2.assessment_id = r.assessment_id AND r2.requirement_id = r.requirement_id AND r2.recorded_at <= $1) \
             ORDER BY r.assessment_id, r.requirement_id",
            marks.join(", "),
            clause.sql
        );
        let mut binds = vec![Bind::Int(as_of_us)];
        binds.extend(chunk.iter().cloned().map(Bind::Text));
        binds.extend(clause.binds.into_iter().map(Bind::Text));
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&mut *db)
            .await?;
        for row in &rows {
            out.push(revision_row(row)?);
        }
    }
    Ok(out)
}

/// Every revision of an assessment's results (of one requirement, if given), oldest first.
pub async fn history(
    db: &mut Db,
    scope: &RecordScope,
    assessment_id: &str,
    requirement_id: Option<&str>,
) -> Result<Vec<Revision>> {
    let clause = record_clause(scope, ASSESSMENT_DRAFT, 2);
    let mut binds = vec![Bind::Text(assessment_id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let mut sql = format!(
        "SELECT {REVISION_COLUMNS} FROM assessment_results r {DERIVATION_JOIN} \
         JOIN assessments a ON a.id = r.assessment_id JOIN organisations o ON o.id = a.org_id \
         WHERE r.assessment_id = $1 AND {}",
        clause.sql
    );
    if let Some(req) = requirement_id {
        binds.push(Bind::Text(req.to_owned()));
        sql.push_str(&format!(" AND r.requirement_id = ${}", binds.len()));
    }
    sql.push_str(" ORDER BY r.requirement_id, r.revision");
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(revision_row).collect()
}

/// The group companies an institution record scope reaches beyond its own organisation
/// (the subsidiaries of its group parent), by name.
pub async fn group_companies(
    db: &mut Db,
    scope: &RecordScope,
) -> Result<Vec<(String, String, String)>> {
    let Some(parent) = &scope.group_parent else {
        return Ok(vec![]);
    };
    let clause = record_clause(scope, "1 = 0", 2);
    let sql = format!(
        "SELECT o.id, o.name_ja, o.name_en FROM organisations o WHERE o.parent_id = $1 AND {} ORDER BY o.name_en, o.id",
        clause.sql
    );
    let mut binds = vec![Bind::Text(parent.clone())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("name_ja")?,
                r.try_get("name_en")?,
            ))
        })
        .collect()
}
