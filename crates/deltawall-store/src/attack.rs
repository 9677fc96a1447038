//! ATT&CK releases as imported reference data, and technique mappings pinned to a release.
//! A release is written once, in one transaction, and never edited (triggers refuse it);
//! mappings are institution data, read through [`org_clause`].

use std::collections::BTreeMap;

use deltawall_attack::{Release, Tactic, Technique, TechniqueId};
use deltawall_domain::OrgScope;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::db::Db;
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError, new_id};

/// A stored release, without its techniques.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseSummary {
    /// The ATT&CK version.
    pub version: String,
    /// Its number of techniques and sub-techniques.
    pub techniques: i64,
    /// When it was imported (Unix µs).
    pub imported_at: i64,
}

/// Stores a release; `Ok(false)` when that version is already stored (releases are never
/// replaced). Run it in a write transaction so that no half release is ever visible.
pub async fn insert_release(db: &mut Db, release: &Release, by: &str, at_us: i64) -> Result<bool> {
    let exists: Option<String> =
        sqlx::query_scalar("SELECT version FROM attack_releases WHERE version = $1")
            .bind(release.version.clone())
            .fetch_optional(&mut *db)
            .await?;
    if exists.is_some() {
        return Ok(false);
    }
    let tactics = serde_json::to_string(&release.tactics).expect("tactics serialise");
    sqlx::query(
        "INSERT INTO attack_releases (version, domain, tactics, imported_by, imported_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(release.version.clone())
    .bind(release.domain.clone())
    .bind(tactics)
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    for t in release.techniques.values() {
        insert_technique(db, &release.version, t).await?;
    }
    Ok(true)
}

async fn insert_technique(db: &mut Db, version: &str, t: &Technique) -> Result<()> {
    sqlx::query(
        "INSERT INTO attack_techniques (version, technique_id, stix_id, name, tactics, \
         object_version, parent_id, deprecated, revoked, revoked_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(version.to_owned())
    .bind(t.id.to_string())
    .bind(t.stix_id.clone())
    .bind(t.name.clone())
    .bind(t.tactics.join(","))
    .bind(t.object_version.clone())
    .bind(t.parent.as_ref().map(TechniqueId::to_string))
    .bind(i64::from(t.deprecated))
    .bind(i64::from(t.revoked))
    .bind(t.revoked_by.as_ref().map(TechniqueId::to_string))
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Every stored release, oldest import first.
pub async fn releases(db: &mut Db) -> Result<Vec<ReleaseSummary>> {
    let rows = sqlx::query(
        "SELECT r.version, r.imported_at, \
           (SELECT COUNT(*) FROM attack_techniques t WHERE t.version = r.version) AS techniques \
         FROM attack_releases r ORDER BY r.imported_at, r.version",
    )
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReleaseSummary {
                version: r.try_get("version")?,
                techniques: r.try_get("techniques")?,
                imported_at: r.try_get("imported_at")?,
            })
        })
        .collect()
}

fn corrupt(column: &'static str, value: String) -> StoreError {
    StoreError::Corrupt {
        table: "attack_techniques",
        column,
        value,
    }
}

fn technique_id(column: &'static str, value: String) -> Result<TechniqueId> {
    TechniqueId::parse(&value).ok_or_else(|| corrupt(column, value))
}

fn technique_from_row(row: &AnyRow) -> Result<Technique> {
    let optional = |column: &'static str| -> Result<Option<TechniqueId>> {
        row.try_get::<Option<String>, _>(column)?
            .map(|v| technique_id(column, v))
            .transpose()
    };
    let tactics: String = row.try_get("tactics")?;
    Ok(Technique {
        stix_id: row.try_get("stix_id")?,
        id: technique_id("technique_id", row.try_get("technique_id")?)?,
        name: row.try_get("name")?,
        tactics: tactics
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        object_version: row.try_get("object_version")?,
        parent: optional("parent_id")?,
        deprecated: row.try_get::<i64, _>("deprecated")? != 0,
        revoked: row.try_get::<i64, _>("revoked")? != 0,
        revoked_by: optional("revoked_by")?,
    })
}

/// One stored release with all its techniques.
pub async fn release(db: &mut Db, version: &str) -> Result<Release> {
    let row = sqlx::query("SELECT domain, tactics FROM attack_releases WHERE version = $1")
        .bind(version.to_owned())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("attack release"))?;
    let text: String = row.try_get("tactics")?;
    let tactics: Vec<Tactic> = serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
        table: "attack_releases",
        column: "tactics",
        value: text.clone(),
    })?;
    let rows = sqlx::query(
        "SELECT technique_id, stix_id, name, tactics, object_version, parent_id, deprecated, \
           revoked, revoked_by FROM attack_techniques WHERE version = $1 ORDER BY technique_id",
    )
    .bind(version.to_owned())
    .fetch_all(&mut *db)
    .await?;
    let mut techniques = BTreeMap::new();
    for row in &rows {
        let t = technique_from_row(row)?;
        techniques.insert(t.id.clone(), t);
    }
    Ok(Release {
        version: version.to_owned(),
        domain: row.try_get("domain")?,
        tactics,
        techniques,
    })
}

/// A technique mapping to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMapping {
    /// The institution the subject belongs to.
    pub org_id: String,
    /// What is mapped: `rule`, `incident`, `tlpt_step`.
    pub subject_kind: String,
    /// Its id.
    pub subject_id: String,
    /// The technique.
    pub technique: TechniqueId,
    /// The release the mapping was made against; must be stored.
    pub attack_version: String,
}

/// A stored mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mapping {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// What is mapped.
    pub subject_kind: String,
    /// Its id.
    pub subject_id: String,
    /// The technique.
    pub technique: TechniqueId,
    /// The release it is pinned to.
    pub attack_version: String,
}

/// Records a mapping; `Conflict` when the subject already maps to that technique.
pub async fn add_mapping(db: &mut Db, new: &NewMapping, by: &str, at_us: i64) -> Result<String> {
    // checked first: on PostgreSQL a failed insert would abort the caller's transaction
    let exists: Option<String> = sqlx::query_scalar(
        "SELECT id FROM attack_mappings WHERE org_id = $1 AND subject_kind = $2 \
         AND subject_id = $3 AND technique_id = $4",
    )
    .bind(new.org_id.clone())
    .bind(new.subject_kind.clone())
    .bind(new.subject_id.clone())
    .bind(new.technique.to_string())
    .fetch_optional(&mut *db)
    .await?;
    if exists.is_some() {
        return Err(StoreError::Conflict("attack mapping"));
    }
    let id = new_id();
    let done = sqlx::query(
        "INSERT INTO attack_mappings (id, org_id, subject_kind, subject_id, technique_id, \
         attack_version, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.clone())
    .bind(new.org_id.clone())
    .bind(new.subject_kind.clone())
    .bind(new.subject_id.clone())
    .bind(new.technique.to_string())
    .bind(new.attack_version.clone())
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await;
    match done {
        Ok(_) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(StoreError::Conflict("attack mapping"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Mappings of institutions within `scope`, optionally of one release, by subject.
pub async fn mappings(
    db: &mut Db,
    scope: &OrgScope,
    version: Option<&str>,
) -> Result<Vec<Mapping>> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut sql = format!(
        "SELECT m.id, m.org_id, m.subject_kind, m.subject_id, m.technique_id, m.attack_version \
         FROM attack_mappings m JOIN organisations o ON o.id = m.org_id WHERE {}",
        clause.sql
    );
    if let Some(v) = version {
        binds.push(Bind::Text(v.to_owned()));
        sql.push_str(&format!(" AND m.attack_version = ${}", binds.len()));
    }
    sql.push_str(" ORDER BY m.subject_kind, m.subject_id, m.technique_id");
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Mapping {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                subject_kind: r.try_get("subject_kind")?,
                subject_id: r.try_get("subject_id")?,
                technique: technique_id("technique_id", r.try_get("technique_id")?)?,
                attack_version: r.try_get("attack_version")?,
            })
        })
        .collect()
}
