//! The writes and reads of a large scan import, set-based so that a scan of a hundred
//! thousand findings costs a few hundred statements and little memory: prior findings read
//! in keyset pages of lean rows, new findings and their first history entry inserted many
//! rows a statement, and findings a rescan reports unchanged touched by id lists. On
//! PostgreSQL a batch is one JSON bind (see [`crate::pg_rows`]).

use crate::db::Db;
use crate::pg_rows::rows_json;
use crate::{Result, StoreError};
use deltawall_vuln::{Finding, IdentityKey};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::hash::{Hash, Hasher};

use super::findings::FindingState;

/// Rows per multi-row INSERT on SQLite: 500 × 15 values stays under its bind limit.
const INSERT_ROWS: usize = 500;
/// Ids per `IN (…)` list on SQLite.
const ID_CHUNK: usize = 1_000;
/// Rows or ids per statement on PostgreSQL, sent as one JSON array (see [`crate::pg_rows`]).
const PG_ROWS: usize = 5_000;
/// Prior findings read per keyset page.
const PAGE_ROWS: i64 = 2_000;

/// `rows` groups of `width` anonymous `?` for SQLite (its driver looks a numbered parameter
/// up by a linear search, which makes thousands of `$N` quadratic).
fn sqlite_groups(rows: usize, width: usize) -> String {
    let group = format!("({})", vec!["?"; width].join(", "));
    vec![group; rows].join(", ")
}

fn is_sqlite(db: &Db) -> bool {
    db.backend_name() == "SQLite"
}

/// What a rescan compares of a finding it reports again: the scanner's wording and scores.
/// A 64-bit digest of title, severity, CVEs and CVSS, so the prior findings of a large scope
/// are held without their titles; equal digests mean nothing to rewrite.
pub fn content_digest(finding: &Finding) -> u64 {
    digest(
        &finding.title,
        finding.severity.code(),
        &finding.cves.join(" "),
        cvss_tenths(finding),
    )
}

fn digest(title: &str, severity: &str, cves: &str, cvss_tenths: Option<i64>) -> u64 {
    // `DefaultHasher::new` has fixed keys: equal inputs give equal digests in one process.
    let mut h = std::hash::DefaultHasher::new();
    (title, severity, cves, cvss_tenths).hash(&mut h);
    h.finish()
}

/// A prior finding of an asset as a rescan needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorRow {
    /// Id.
    pub id: String,
    /// Its identity key.
    pub key: IdentityKey,
    /// State before the scan.
    pub state: FindingState,
    /// [`content_digest`] of what is stored.
    pub content: u64,
}

fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table: "vuln_findings",
        column,
        value: value.chars().take(80).collect(),
    }
}

fn prior_row(row: &AnyRow) -> Result<PriorRow> {
    let state: String = row.try_get("state")?;
    let title: String = row.try_get("title")?;
    let severity: String = row.try_get("severity")?;
    let cves: String = row.try_get("cves")?;
    Ok(PriorRow {
        id: row.try_get("id")?,
        key: IdentityKey {
            source: row.try_get("source")?,
            rule: row.try_get("rule")?,
            location: row.try_get("location")?,
        },
        state: FindingState::from_code(&state).ok_or_else(|| corrupt("state", &state))?,
        content: digest(&title, &severity, &cves, row.try_get("cvss_tenths")?),
    })
}

/// The findings of asset `asset_id` of institution `org_id` from the scanners `sources`
/// (inside the import's transaction), read in keyset pages so that no more than one page of
/// database rows is held at a time.
pub async fn prior_of_asset(
    db: &mut Db,
    org_id: &str,
    asset_id: &str,
    sources: &[String],
) -> Result<Vec<PriorRow>> {
    let mut out = Vec::new();
    if sources.is_empty() {
        return Ok(out);
    }
    let marks: Vec<String> = (0..sources.len()).map(|i| format!("${}", i + 5)).collect();
    let sql = format!(
        "SELECT id, identity, source, rule, location, state, title, severity, cves, cvss_tenths \
         FROM vuln_findings WHERE org_id = $1 AND asset_id = $2 AND identity > $3 \
         AND source IN ({}) ORDER BY identity LIMIT $4",
        marks.join(", ")
    );
    let mut after = String::new();
    loop {
        let mut q = sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(org_id.to_owned())
            .bind(asset_id.to_owned())
            .bind(after.clone())
            .bind(PAGE_ROWS);
        for s in sources {
            q = q.bind(s.clone());
        }
        let rows = q.fetch_all(&mut *db).await?;
        let Some(last) = rows.last() else {
            return Ok(out);
        };
        after = last.try_get("identity")?;
        for row in &rows {
            out.push(prior_row(row)?);
        }
        if rows.len() < PAGE_ROWS as usize {
            return Ok(out);
        }
    }
}

/// Where new findings come from: the import and the person behind it.
#[derive(Debug, Clone, Copy)]
pub struct NewFindings<'a> {
    /// The institution.
    pub org_id: &'a str,
    /// The asset scanned.
    pub asset_id: &'a str,
    /// The import that first reported them.
    pub import_id: &'a str,
    /// The person who imported it.
    pub actor: &'a str,
    /// When, Unix µs.
    pub at_us: i64,
}

/// The PostgreSQL INSERT of new findings: what every row shares bound once as `$1`..`$4`
/// (institution, asset, state, time), the rows as one JSON array in `$5` (see
/// [`crate::pg_rows`]).
const PG_INSERT_FINDINGS: &str = "INSERT INTO vuln_findings (id, org_id, asset_id, identity, \
     source, rule, location, title, severity, cves, cvss_tenths, state, first_seen, last_seen, \
     updated_at) \
     SELECT r.id, $1, $2, r.identity, r.source, r.rule, r.location, r.title, r.severity, \
     r.cves, r.cvss_tenths, $3, $4, $4, $4 \
     FROM json_to_recordset($5::json) AS r(id text, identity text, source text, rule text, \
     location text, title text, severity text, cves text, cvss_tenths bigint)";

/// The PostgreSQL INSERT of the new findings' first history entries (`new`, number 1):
/// `$1` institution, `$2` time, `$3` state, `$4` import, `$5` actor, `$6` the ids as a JSON
/// array.
const PG_INSERT_EVENTS: &str = "INSERT INTO vuln_finding_events (finding_id, seq, org_id, \
     at_us, kind, state, import_id, actor, note) \
     SELECT t.id, 1, $1, $2, 'new', $3, $4, $5, '' \
     FROM json_array_elements_text($6::json) AS t(id)";

/// A new finding as a row of [`PG_INSERT_FINDINGS`]'s JSON array.
#[derive(serde::Serialize)]
struct PgFinding<'a> {
    id: &'a str,
    identity: String,
    source: &'a str,
    rule: &'a str,
    location: &'a str,
    title: &'a str,
    severity: &'static str,
    cves: String,
    cvss_tenths: Option<i64>,
}

fn cvss_tenths(f: &Finding) -> Option<i64> {
    f.cvss.map(|c| (c * 10.0).round() as i64)
}

/// Inserts findings first reported by an import, open, each with its first history entry
/// (`new`), many rows a statement. `rows` pairs each new id with its finding.
pub async fn insert_new(
    db: &mut Db,
    from: NewFindings<'_>,
    rows: &[(String, &Finding)],
) -> Result<()> {
    if is_sqlite(db) {
        for chunk in rows.chunks(INSERT_ROWS) {
            insert_new_sqlite(db, from, chunk).await?;
        }
        return Ok(());
    }
    for chunk in rows.chunks(PG_ROWS) {
        insert_new_pg(db, from, chunk).await?;
    }
    Ok(())
}

async fn insert_new_pg(
    db: &mut Db,
    from: NewFindings<'_>,
    rows: &[(String, &Finding)],
) -> Result<()> {
    let open = FindingState::Open.code();
    let findings: Vec<PgFinding> = rows
        .iter()
        .map(|(id, f)| PgFinding {
            id,
            identity: f.key.canonical(),
            source: &f.key.source,
            rule: &f.key.rule,
            location: &f.key.location,
            title: &f.title,
            severity: f.severity.code(),
            cves: f.cves.join(" "),
            cvss_tenths: cvss_tenths(f),
        })
        .collect();
    sqlx::query(PG_INSERT_FINDINGS)
        .bind(from.org_id.to_owned())
        .bind(from.asset_id.to_owned())
        .bind(open)
        .bind(from.at_us)
        .bind(rows_json(&findings)?)
        .execute(&mut *db)
        .await?;
    drop(findings);
    let ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
    sqlx::query(PG_INSERT_EVENTS)
        .bind(from.org_id.to_owned())
        .bind(from.at_us)
        .bind(open)
        .bind(from.import_id.to_owned())
        .bind(from.actor.to_owned())
        .bind(rows_json(&ids)?)
        .execute(&mut *db)
        .await?;
    Ok(())
}

async fn insert_new_sqlite(
    db: &mut Db,
    from: NewFindings<'_>,
    chunk: &[(String, &Finding)],
) -> Result<()> {
    let open = FindingState::Open.code();
    let sql = format!(
        "INSERT INTO vuln_findings (id, org_id, asset_id, identity, source, rule, location, \
         title, severity, cves, cvss_tenths, state, first_seen, last_seen, updated_at) \
         VALUES {}",
        sqlite_groups(chunk.len(), 15)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (id, f) in chunk {
        q = q
            .bind(id.clone())
            .bind(from.org_id.to_owned())
            .bind(from.asset_id.to_owned())
            .bind(f.key.canonical())
            .bind(f.key.source.clone())
            .bind(f.key.rule.clone())
            .bind(f.key.location.clone())
            .bind(f.title.clone())
            .bind(f.severity.code())
            .bind(f.cves.join(" "))
            .bind(cvss_tenths(f))
            .bind(open)
            .bind(from.at_us)
            .bind(from.at_us)
            .bind(from.at_us);
    }
    q.execute(&mut *db).await?;
    // A new finding has no history yet: its first entry is number 1.
    let sql = format!(
        "INSERT INTO vuln_finding_events (finding_id, seq, org_id, at_us, kind, state, \
         import_id, actor, note) VALUES {}",
        sqlite_groups(chunk.len(), 9)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (id, _) in chunk {
        q = q
            .bind(id.clone())
            .bind(1_i64)
            .bind(from.org_id.to_owned())
            .bind(from.at_us)
            .bind("new")
            .bind(open)
            .bind(from.import_id.to_owned())
            .bind(from.actor.to_owned())
            .bind(String::new());
    }
    q.execute(&mut *db).await?;
    Ok(())
}

/// The PostgreSQL touch: `$1` the time, `$2` the ids as a JSON array. A join on the id
/// list, so each id is one primary-key lookup.
const PG_TOUCH: &str = "UPDATE vuln_findings AS f SET last_seen = $1, updated_at = $1 \
     FROM json_array_elements_text($2::json) AS t(id) WHERE f.id = t.id";

/// Records that a scan at `at_us` reported the findings `ids` again with nothing else
/// changed: only their last-seen time moves.
pub async fn touch_seen(db: &mut Db, ids: &[&str], at_us: i64) -> Result<()> {
    if !is_sqlite(db) {
        for chunk in ids.chunks(PG_ROWS) {
            sqlx::query(PG_TOUCH)
                .bind(at_us)
                .bind(rows_json(chunk)?)
                .execute(&mut *db)
                .await?;
        }
        return Ok(());
    }
    for chunk in ids.chunks(ID_CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql =
            format!("UPDATE vuln_findings SET last_seen = ?, updated_at = ? WHERE id IN ({marks})");
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(at_us).bind(at_us);
        for id in chunk {
            q = q.bind((*id).to_owned());
        }
        q.execute(&mut *db).await?;
    }
    Ok(())
}

/// A finding with CVEs as enrichment needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrichTarget {
    /// Id.
    pub id: String,
    /// CVEs.
    pub cves: Vec<String>,
    /// KEV due date stored.
    pub kev_due: Option<String>,
    /// Known ransomware use stored.
    pub kev_ransomware: bool,
    /// KEV catalog date stored.
    pub kev_as_of: Option<String>,
    /// EPSS score stored.
    pub epss_millionths: Option<i64>,
    /// EPSS file date stored.
    pub epss_as_of: Option<String>,
}

/// The findings of institution `org_id` (of one asset when given) that name a CVE or still
/// carry enrichment: the only ones enrichment can change.
pub async fn enrich_targets(
    db: &mut Db,
    org_id: &str,
    asset_id: Option<&str>,
) -> Result<Vec<EnrichTarget>> {
    let asset = if asset_id.is_some() {
        " AND asset_id = $2"
    } else {
        ""
    };
    let sql = format!(
        "SELECT id, cves, kev_due, kev_ransomware, kev_as_of, epss_millionths, epss_as_of \
         FROM vuln_findings WHERE org_id = $1{asset} AND (cves <> '' OR kev_due IS NOT NULL \
         OR epss_millionths IS NOT NULL) ORDER BY id"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org_id.to_owned());
    if let Some(a) = asset_id {
        q = q.bind(a.to_owned());
    }
    let rows = q.fetch_all(&mut *db).await?;
    rows.iter()
        .map(|row| {
            let cves: String = row.try_get("cves")?;
            let ransomware: i64 = row.try_get("kev_ransomware")?;
            Ok(EnrichTarget {
                id: row.try_get("id")?,
                cves: cves.split_whitespace().map(str::to_owned).collect(),
                kev_due: row.try_get("kev_due")?,
                kev_ransomware: ransomware != 0,
                kev_as_of: row.try_get("kev_as_of")?,
                epss_millionths: row.try_get("epss_millionths")?,
                epss_as_of: row.try_get("epss_as_of")?,
            })
        })
        .collect()
}

/// A finding that may repeat another scanner's, or is marked as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateCandidate {
    /// Id.
    pub id: String,
    /// Its identity key.
    pub key: IdentityKey,
    /// CVEs.
    pub cves: Vec<String>,
    /// Open or accepted (only those count as repeats).
    pub current: bool,
    /// First reported, Unix µs.
    pub first_seen: i64,
    /// The finding it is marked as repeating.
    pub duplicate_of: Option<String>,
}

/// The findings of asset `asset_id` that can take part in cross-scanner repeats: the open
/// or accepted ones with a CVE, and every one marked as a repeat. When the asset's open
/// findings with CVEs come from one scanner only, just the marked ones (nothing can repeat).
pub async fn duplicate_candidates(
    db: &mut Db,
    org_id: &str,
    asset_id: &str,
) -> Result<Vec<DuplicateCandidate>> {
    let current = format!(
        "state IN ('{}', '{}') AND cves <> ''",
        FindingState::Open.code(),
        FindingState::Accepted.code()
    );
    let sources: i64 = sqlx::query(AssertSqlSafe(format!(
        "SELECT COUNT(DISTINCT source) AS n FROM vuln_findings \
         WHERE org_id = $1 AND asset_id = $2 AND {current}"
    )))
    .bind(org_id.to_owned())
    .bind(asset_id.to_owned())
    .fetch_one(&mut *db)
    .await?
    .try_get("n")?;
    let which = if sources > 1 {
        format!("(({current}) OR duplicate_of IS NOT NULL)")
    } else {
        "duplicate_of IS NOT NULL".to_owned()
    };
    let sql = format!(
        "SELECT id, source, rule, location, cves, first_seen, duplicate_of, \
         CAST(CASE WHEN {current} THEN 1 ELSE 0 END AS BIGINT) AS current \
         FROM vuln_findings WHERE org_id = $1 AND asset_id = $2 AND {which} ORDER BY id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(org_id.to_owned())
        .bind(asset_id.to_owned())
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|row| {
            let cves: String = row.try_get("cves")?;
            let current: i64 = row.try_get("current")?;
            Ok(DuplicateCandidate {
                id: row.try_get("id")?,
                key: IdentityKey {
                    source: row.try_get("source")?,
                    rule: row.try_get("rule")?,
                    location: row.try_get("location")?,
                },
                cves: cves.split_whitespace().map(str::to_owned).collect(),
                current: current != 0 && sources > 1,
                first_seen: row.try_get("first_seen")?,
                duplicate_of: row.try_get("duplicate_of")?,
            })
        })
        .collect()
}

/// Refreshes PostgreSQL's statistics of the findings table after a large import wrote many
/// rows (a no-op on SQLite). Without them the planner takes a table filled moments before
/// for nearly empty and answers each keyset page of [`prior_of_asset`] by reading and
/// sorting every finding of the asset: a re-import read ~7.5 million rows for 173,152
/// findings (docs/BENCHMARKS.md). Run inside the import's transaction, it sees the import's
/// rows; a role that may not analyze the table gets a warning, not an error.
pub async fn refresh_statistics(db: &mut Db) -> Result<()> {
    if !is_sqlite(db) {
        sqlx::query("ANALYZE vuln_findings")
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}
