//! Vulnerability diagnosis (issue 15, migration 19): the scope an institution declares
//! (`vuln_assets`), its scanner imports, findings with an append-only history
//! (`findings.rs`), decisions and imported KEV / EPSS data (`decisions.rs`), and the
//! set-based reads and writes of a large scan import (`bulk.rs`). Every read
//! names an [`OrgScope`] and goes through [`org_clause`]; writes are keyed by the
//! institution, inside the caller's transaction.

mod bulk;
pub(crate) mod contracts;
mod decisions;
mod findings;

pub use bulk::{
    DuplicateCandidate, EnrichTarget, NewFindings, PriorRow, content_digest, duplicate_candidates,
    enrich_targets, insert_new, prior_of_asset, refresh_statistics, touch_seen,
};
pub use contracts::{
    Contract, Institution, NewContract, StoredGap, add_gap, contracts, gap_counts, insert_contract,
    institutions, page_contracts, provider_uses,
};
pub use decisions::{
    Decision, DecisionStatus, EnrichmentRow, add_decision, approve_decision, decisions_of,
    enrichment_for, replace_enrichment,
};
pub use findings::{
    Event, FindingFilter, FindingState, StoredFinding, UpdatedFinding, add_event, all_current,
    events_of, get, insert_finding, page, set_decision, set_duplicate_of, set_enrichment,
    set_state, update_seen,
};

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// An asset to add to the scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAsset {
    /// Its name, unique in the institution (a host name, a site's address, a zone).
    pub name: String,
    /// `website`, `internet_service`, `internal_zone` or `test_environment`.
    pub kind: String,
    /// The department or person who owns it.
    pub owner: String,
    /// The outsourcer that operates it; empty when the institution operates it itself.
    pub operator: String,
    /// `low`, `medium` or `high`.
    pub criticality: String,
    /// Days between diagnoses.
    pub cadence_days: i64,
}

/// An asset of the scope with its latest diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Asset {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Owner.
    pub owner: String,
    /// Operator (empty: the institution).
    pub operator: String,
    /// Criticality code.
    pub criticality: String,
    /// Days between diagnoses.
    pub cadence_days: i64,
    /// Added, Unix µs.
    pub created_at: i64,
    /// The latest import of a scan of it, Unix µs.
    pub last_diagnosed_at: Option<i64>,
}

/// Adds an asset to institution `org_id`'s scope; a name already in the scope is a conflict.
pub async fn add_asset(
    db: &mut Db,
    id: &str,
    org_id: &str,
    by: &str,
    asset: &NewAsset,
    at_us: i64,
) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO vuln_assets (id, org_id, name, kind, owner, operator, criticality, \
         cadence_days, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.to_owned())
    .bind(org_id.to_owned())
    .bind(asset.name.clone())
    .bind(asset.kind.clone())
    .bind(asset.owner.clone())
    .bind(asset.operator.clone())
    .bind(asset.criticality.clone())
    .bind(asset.cadence_days)
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await;
    match done {
        Err(e) if StoreError::is_unique_violation(&e) => Err(StoreError::Conflict("asset")),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

const ASSET_COLUMNS: &str = "a.id, a.org_id, a.name, a.kind, a.owner, a.operator, a.criticality, \
     a.cadence_days, a.created_at, \
     (SELECT MAX(i.imported_at) FROM vuln_imports i WHERE i.asset_id = a.id) AS last_diagnosed_at";

fn asset_from_row(row: &AnyRow) -> Result<Asset> {
    Ok(Asset {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        owner: row.try_get("owner")?,
        operator: row.try_get("operator")?,
        criticality: row.try_get("criticality")?,
        cadence_days: row.try_get("cadence_days")?,
        created_at: row.try_get("created_at")?,
        last_diagnosed_at: row.try_get("last_diagnosed_at")?,
    })
}

/// The assets of institutions within `scope`, by institution and name; with `id`, only that
/// asset.
pub async fn assets(db: &mut Db, scope: &OrgScope, id: Option<&str>) -> Result<Vec<Asset>> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut filter = String::new();
    if let Some(id) = id {
        binds.push(Bind::Text(id.to_owned()));
        filter = format!(" AND a.id = ${}", binds.len());
    }
    let sql = format!(
        "SELECT {ASSET_COLUMNS} FROM vuln_assets a JOIN organisations o ON o.id = a.org_id \
         WHERE {}{filter} ORDER BY {}",
        clause.sql,
        keyset::order_by(ASSET_ORDER)
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(asset_from_row).collect()
}

/// The order of asset lists: by institution, then name (unique in it), then id.
const ASSET_ORDER: &[keyset::Col] = &[
    ("a.org_id", Dir::Asc, Kind::Text),
    ("a.name", Dir::Asc, Kind::Text),
    ("a.id", Dir::Asc, Kind::Text),
];

/// One page of [`assets`] within `scope`, starting after `after`.
pub async fn page_assets(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Asset>> {
    let clause = org_clause(scope, 1);
    let query = keyset::Query {
        select: format!(
            "SELECT {ASSET_COLUMNS} FROM vuln_assets a JOIN organisations o ON o.id = a.org_id \
             WHERE {}",
            clause.sql
        ),
        binds: clause.binds.into_iter().map(Bind::Text).collect(),
        order: ASSET_ORDER,
    };
    query
        .page(db, after, limit, asset_from_row, |a| {
            vec![
                Key::Text(a.org_id.clone()),
                Key::Text(a.name.clone()),
                Key::Text(a.id.clone()),
            ]
        })
        .await
}

/// How the assets within `scope` stand against their cadence at `now_us`, counted over
/// every asset rather than one page: (current, stale, never diagnosed).
pub async fn coverage_counts(
    db: &mut Db,
    scope: &OrgScope,
    now_us: i64,
) -> Result<(i64, i64, i64)> {
    let clause = org_clause(scope, 2);
    let mut binds = vec![Bind::Int(now_us)];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let sql = format!(
        "SELECT COUNT(*) AS total, \
           COALESCE(SUM(CASE WHEN x.last IS NULL THEN 1 ELSE 0 END), 0) AS never, \
           COALESCE(SUM(CASE WHEN x.last IS NOT NULL AND $1 - x.last > x.cadence_days * {DAY_US} \
             THEN 1 ELSE 0 END), 0) AS stale \
         FROM (SELECT a.cadence_days, \
           (SELECT MAX(i.imported_at) FROM vuln_imports i WHERE i.asset_id = a.id) AS last \
           FROM vuln_assets a JOIN organisations o ON o.id = a.org_id WHERE {}) x",
        clause.sql
    );
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_one(&mut *db)
        .await?;
    let (total, never, stale): (i64, i64, i64) = (
        row.try_get("total")?,
        row.try_get("never")?,
        row.try_get("stale")?,
    );
    Ok((total - never - stale, stale, never))
}

/// A day in µs, for cadences counted in days.
const DAY_US: i64 = 86_400_000_000;

/// One asset within `scope`; outside it, not found.
pub async fn asset(db: &mut Db, scope: &OrgScope, id: &str) -> Result<Asset> {
    assets(db, scope, Some(id))
        .await?
        .pop()
        .ok_or(StoreError::NotFound("asset"))
}

/// One accepted scan file and what it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    /// Id.
    pub id: String,
    /// The asset scanned.
    pub asset_id: String,
    /// Format code.
    pub format: String,
    /// The identity sources the scan spoke for.
    pub sources: Vec<String>,
    /// Findings read from the file, repeats included.
    pub findings_read: i64,
    /// Findings never seen before.
    pub new: i64,
    /// Findings still open.
    pub unchanged: i64,
    /// Findings the scan no longer reports.
    pub resolved: i64,
    /// Findings reported again after a rescan resolved them (or after a declared fix).
    pub reopened: i64,
    /// Who imported it.
    pub imported_by: String,
    /// When, Unix µs.
    pub imported_at: i64,
}

/// Records an import of institution `org_id`.
pub async fn add_import(db: &mut Db, org_id: &str, import: &Import) -> Result<()> {
    sqlx::query(
        "INSERT INTO vuln_imports (id, org_id, asset_id, format, sources, findings_read, \
         new_count, unchanged_count, resolved_count, reopened_count, imported_by, imported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(import.id.clone())
    .bind(org_id.to_owned())
    .bind(import.asset_id.clone())
    .bind(import.format.clone())
    .bind(import.sources.join(" "))
    .bind(import.findings_read)
    .bind(import.new)
    .bind(import.unchanged)
    .bind(import.resolved)
    .bind(import.reopened)
    .bind(import.imported_by.clone())
    .bind(import.imported_at)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The imports of an asset within `scope`, newest first.
pub async fn imports(db: &mut Db, scope: &OrgScope, asset_id: &str) -> Result<Vec<Import>> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    binds.push(Bind::Text(asset_id.to_owned()));
    let sql = format!(
        "SELECT i.* FROM vuln_imports i JOIN organisations o ON o.id = i.org_id \
         WHERE {} AND i.asset_id = ${} ORDER BY i.imported_at DESC, i.id DESC",
        clause.sql,
        binds.len()
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|row| {
            let sources: String = row.try_get("sources")?;
            Ok(Import {
                id: row.try_get("id")?,
                asset_id: row.try_get("asset_id")?,
                format: row.try_get("format")?,
                sources: sources.split_whitespace().map(str::to_owned).collect(),
                findings_read: row.try_get("findings_read")?,
                new: row.try_get("new_count")?,
                unchanged: row.try_get("unchanged_count")?,
                resolved: row.try_get("resolved_count")?,
                reopened: row.try_get("reopened_count")?,
                imported_by: row.try_get("imported_by")?,
                imported_at: row.try_get("imported_at")?,
            })
        })
        .collect()
}

/// The tables of migration 19 for backups, parents before children.
pub(crate) const BACKUP_TABLES: &[crate::backup::Table] = {
    use crate::backup::Kind::{Int, Text};
    &[
        (
            "vuln_assets",
            &[
                ("id", Text),
                ("org_id", Text),
                ("name", Text),
                ("kind", Text),
                ("owner", Text),
                ("operator", Text),
                ("criticality", Text),
                ("cadence_days", Int),
                ("created_by", Text),
                ("created_at", Int),
            ],
        ),
        (
            "vuln_imports",
            &[
                ("id", Text),
                ("org_id", Text),
                ("asset_id", Text),
                ("format", Text),
                ("sources", Text),
                ("findings_read", Int),
                ("new_count", Int),
                ("unchanged_count", Int),
                ("resolved_count", Int),
                ("reopened_count", Int),
                ("imported_by", Text),
                ("imported_at", Int),
            ],
        ),
        (
            "vuln_findings",
            &[
                ("id", Text),
                ("org_id", Text),
                ("asset_id", Text),
                ("identity", Text),
                ("source", Text),
                ("rule", Text),
                ("location", Text),
                ("title", Text),
                ("severity", Text),
                ("cves", Text),
                ("cvss_tenths", Int),
                ("state", Text),
                ("duplicate_of", Text),
                ("kev_due", Text),
                ("kev_ransomware", Int),
                ("kev_as_of", Text),
                ("epss_millionths", Int),
                ("epss_as_of", Text),
                ("decision", Text),
                ("decision_due", Int),
                ("accepted_until", Int),
                ("first_seen", Int),
                ("last_seen", Int),
                ("updated_at", Int),
            ],
        ),
        (
            "vuln_finding_events",
            &[
                ("finding_id", Text),
                ("seq", Int),
                ("org_id", Text),
                ("at_us", Int),
                ("kind", Text),
                ("state", Text),
                ("import_id", Text),
                ("actor", Text),
                ("note", Text),
            ],
        ),
        (
            "vuln_decisions",
            &[
                ("id", Text),
                ("org_id", Text),
                ("finding_id", Text),
                ("kind", Text),
                ("due_at", Int),
                ("reason", Text),
                ("status", Text),
                ("requested_by", Text),
                ("requested_at", Int),
                ("approved_by", Text),
                ("approved_at", Int),
            ],
        ),
        (
            "vuln_enrichment",
            &[
                ("org_id", Text),
                ("kind", Text),
                ("cve", Text),
                ("as_of", Text),
                ("kev_due", Text),
                ("kev_ransomware", Int),
                ("epss_millionths", Int),
            ],
        ),
    ]
};
