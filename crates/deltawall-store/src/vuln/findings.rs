//! Findings of the scope and their append-only history.

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind, Query};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_vuln::{Finding, Severity};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// Where a finding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    /// Reported by the latest scan of its source and not closed.
    Open,
    /// No longer reported by a later scan of the same scope and source.
    Resolved,
    /// Declared fixed by the institution (a rescan that reports it again reopens it).
    Fixed,
    /// Risk accepted by an executive until a date.
    Accepted,
}

impl FindingState {
    /// Every state.
    pub const ALL: [FindingState; 4] = [Self::Open, Self::Resolved, Self::Fixed, Self::Accepted];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
            Self::Fixed => "fixed",
            Self::Accepted => "accepted",
        }
    }

    /// The state of a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A finding as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFinding {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// The asset of the scope it was found on.
    pub asset_id: String,
    /// The asset's name.
    pub asset_name: String,
    /// The canonical identity key.
    pub identity: String,
    /// Identity source (scanner family).
    pub source: String,
    /// Rule or plugin.
    pub rule: String,
    /// Where it fired.
    pub location: String,
    /// The scanner's latest title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// CVEs, sorted.
    pub cves: Vec<String>,
    /// CVSS base score in tenths.
    pub cvss_tenths: Option<i64>,
    /// State.
    pub state: FindingState,
    /// The finding of another scanner this one repeats (same CVE at the same place).
    pub duplicate_of: Option<String>,
    /// KEV due date (`YYYY-MM-DD`) when one of its CVEs is in the imported catalog.
    pub kev_due: Option<String>,
    /// Known ransomware use per the catalog.
    pub kev_ransomware: bool,
    /// The catalog's release date.
    pub kev_as_of: Option<String>,
    /// Highest EPSS score in millionths.
    pub epss_millionths: Option<i64>,
    /// The EPSS file's score date.
    pub epss_as_of: Option<String>,
    /// The decision in force: `fix`, `mitigate`, `defer`, `accept_pending`, `accepted`.
    pub decision: Option<String>,
    /// The decision's date: a fix's due date, a deferral's new decision date.
    pub decision_due: Option<i64>,
    /// Until when an acceptance holds.
    pub accepted_until: Option<i64>,
    /// First reported, Unix µs.
    pub first_seen: i64,
    /// Last reported, Unix µs.
    pub last_seen: i64,
}

fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table: "vuln_findings",
        column,
        value: value.chars().take(80).collect(),
    }
}

const COLUMNS: &str = "f.id, f.org_id, f.asset_id, a.name AS asset_name, f.identity, f.source, \
     f.rule, f.location, f.title, f.severity, f.cves, f.cvss_tenths, f.state, f.duplicate_of, \
     f.kev_due, f.kev_ransomware, f.kev_as_of, f.epss_millionths, f.epss_as_of, f.decision, \
     f.decision_due, f.accepted_until, f.first_seen, f.last_seen";

fn from_row(row: &AnyRow) -> Result<StoredFinding> {
    let severity: String = row.try_get("severity")?;
    let state: String = row.try_get("state")?;
    let cves: String = row.try_get("cves")?;
    let ransomware: i64 = row.try_get("kev_ransomware")?;
    Ok(StoredFinding {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        asset_id: row.try_get("asset_id")?,
        asset_name: row.try_get("asset_name")?,
        identity: row.try_get("identity")?,
        source: row.try_get("source")?,
        rule: row.try_get("rule")?,
        location: row.try_get("location")?,
        title: row.try_get("title")?,
        severity: Severity::from_code(&severity).ok_or_else(|| corrupt("severity", &severity))?,
        cves: cves.split_whitespace().map(str::to_owned).collect(),
        cvss_tenths: row.try_get("cvss_tenths")?,
        state: FindingState::from_code(&state).ok_or_else(|| corrupt("state", &state))?,
        duplicate_of: row.try_get("duplicate_of")?,
        kev_due: row.try_get("kev_due")?,
        kev_ransomware: ransomware != 0,
        kev_as_of: row.try_get("kev_as_of")?,
        epss_millionths: row.try_get("epss_millionths")?,
        epss_as_of: row.try_get("epss_as_of")?,
        decision: row.try_get("decision")?,
        decision_due: row.try_get("decision_due")?,
        accepted_until: row.try_get("accepted_until")?,
        first_seen: row.try_get("first_seen")?,
        last_seen: row.try_get("last_seen")?,
    })
}

fn cvss_tenths(f: &Finding) -> Option<i64> {
    f.cvss.map(|c| (c * 10.0).round() as i64)
}

/// Writes a finding first reported at `at_us`, open.
pub async fn insert_finding(
    db: &mut Db,
    id: &str,
    org_id: &str,
    asset_id: &str,
    finding: &Finding,
    at_us: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO vuln_findings (id, org_id, asset_id, identity, source, rule, location, \
         title, severity, cves, cvss_tenths, state, first_seen, last_seen, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13)",
    )
    .bind(id.to_owned())
    .bind(org_id.to_owned())
    .bind(asset_id.to_owned())
    .bind(finding.key.canonical())
    .bind(finding.key.source.clone())
    .bind(finding.key.rule.clone())
    .bind(finding.key.location.clone())
    .bind(finding.title.clone())
    .bind(finding.severity.code())
    .bind(finding.cves.join(" "))
    .bind(cvss_tenths(finding))
    .bind(FindingState::Open.code())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// What a rescan that reports a finding again changes in it.
#[derive(Debug, Clone, Copy)]
pub struct UpdatedFinding<'a> {
    /// The finding's id.
    pub id: &'a str,
    /// The scanner's latest report of it (title, severity, CVEs and score may change).
    pub finding: &'a Finding,
    /// Its state after the scan.
    pub state: FindingState,
}

/// Records that a scan at `at_us` reported the finding again.
pub async fn update_seen(db: &mut Db, update: UpdatedFinding<'_>, at_us: i64) -> Result<()> {
    let f = update.finding;
    sqlx::query(
        "UPDATE vuln_findings SET title = $1, severity = $2, cves = $3, cvss_tenths = $4, \
         state = $5, last_seen = $6, updated_at = $6 WHERE id = $7",
    )
    .bind(f.title.clone())
    .bind(f.severity.code())
    .bind(f.cves.join(" "))
    .bind(cvss_tenths(f))
    .bind(update.state.code())
    .bind(at_us)
    .bind(update.id.to_owned())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Sets a finding's state; a resolution or fix also ends the decision in force.
pub async fn set_state(db: &mut Db, id: &str, state: FindingState, at_us: i64) -> Result<()> {
    sqlx::query("UPDATE vuln_findings SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(state.code())
        .bind(at_us)
        .bind(id.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Sets the decision in force, its date and an acceptance's end.
pub async fn set_decision(
    db: &mut Db,
    id: &str,
    decision: Option<&str>,
    due: Option<i64>,
    accepted_until: Option<i64>,
    at_us: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE vuln_findings SET decision = $1, decision_due = $2, accepted_until = $3, \
         updated_at = $4 WHERE id = $5",
    )
    .bind(decision.map(str::to_owned))
    .bind(due)
    .bind(accepted_until)
    .bind(at_us)
    .bind(id.to_owned())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Marks a finding as repeating another scanner's finding, or as standing on its own.
pub async fn set_duplicate_of(db: &mut Db, id: &str, of: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE vuln_findings SET duplicate_of = $1 WHERE id = $2")
        .bind(of.map(str::to_owned))
        .bind(id.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Sets a finding's KEV and EPSS data: `(due date, ransomware, as of)` and `(score, as of)`.
pub async fn set_enrichment(
    db: &mut Db,
    id: &str,
    kev: Option<(&str, bool, &str)>,
    epss: Option<(i64, &str)>,
) -> Result<()> {
    sqlx::query(
        "UPDATE vuln_findings SET kev_due = $1, kev_ransomware = $2, kev_as_of = $3, \
         epss_millionths = $4, epss_as_of = $5 WHERE id = $6",
    )
    .bind(kev.map(|k| k.0.to_owned()))
    .bind(i64::from(kev.is_some_and(|k| k.1)))
    .bind(kev.map(|k| k.2.to_owned()))
    .bind(epss.map(|e| e.0))
    .bind(epss.map(|e| e.1.to_owned()))
    .bind(id.to_owned())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// One entry of a finding's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// The finding.
    pub finding_id: String,
    /// When, Unix µs.
    pub at_us: i64,
    /// What happened: `new`, `resolved`, `reopened`, `decided`, `accept_requested`,
    /// `accepted`, `fixed`.
    pub kind: String,
    /// The finding's state after it.
    pub state: FindingState,
    /// The import behind it.
    pub import_id: Option<String>,
    /// The person behind it.
    pub actor: Option<String>,
    /// A decision's kind and reason, or empty.
    pub note: String,
}

/// Appends an entry to a finding's history of institution `org_id`.
pub async fn add_event(db: &mut Db, org_id: &str, event: &Event) -> Result<()> {
    sqlx::query(
        "INSERT INTO vuln_finding_events (finding_id, seq, org_id, at_us, kind, state, \
         import_id, actor, note) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM \
         vuln_finding_events WHERE finding_id = $1), $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(event.finding_id.clone())
    .bind(org_id.to_owned())
    .bind(event.at_us)
    .bind(event.kind.clone())
    .bind(event.state.code())
    .bind(event.import_id.clone())
    .bind(event.actor.clone())
    .bind(event.note.clone())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// A finding's history, oldest first; call after [`get`] has shown the finding is visible.
pub async fn events_of(db: &mut Db, finding_id: &str) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT finding_id, at_us, kind, state, import_id, actor, note \
         FROM vuln_finding_events WHERE finding_id = $1 ORDER BY seq",
    )
    .bind(finding_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            Ok(Event {
                finding_id: row.try_get("finding_id")?,
                at_us: row.try_get("at_us")?,
                kind: row.try_get("kind")?,
                state: FindingState::from_code(&state).ok_or_else(|| corrupt("state", &state))?,
                import_id: row.try_get("import_id")?,
                actor: row.try_get("actor")?,
                note: row.try_get("note")?,
            })
        })
        .collect()
}

/// One finding within `scope`; outside it, not found.
pub async fn get(db: &mut Db, scope: &OrgScope, id: &str) -> Result<StoredFinding> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    binds.push(Bind::Text(id.to_owned()));
    let sql = format!(
        "SELECT {COLUMNS} FROM vuln_findings f JOIN vuln_assets a ON a.id = f.asset_id \
         JOIN organisations o ON o.id = f.org_id WHERE {} AND f.id = ${}",
        clause.sql,
        binds.len()
    );
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("finding"))?;
    from_row(&row)
}

/// Which findings a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingFilter {
    /// Only this state.
    pub state: Option<FindingState>,
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only this asset.
    pub asset_id: Option<String>,
    /// Only findings with a CVE in the KEV catalog.
    pub kev_only: bool,
}

const ORDER: &[keyset::Col] = &[
    ("f.first_seen", Dir::Desc, Kind::Int),
    ("f.id", Dir::Asc, Kind::Text),
];

/// One page of the findings within `scope`, newest first, after `after`.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    filter: &FindingFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<StoredFinding>> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut conds = vec![clause.sql];
    if let Some(s) = filter.state {
        binds.push(Bind::Text(s.code().to_owned()));
        conds.push(format!("f.state = ${}", binds.len()));
    }
    if let Some(s) = filter.severity {
        binds.push(Bind::Text(s.code().to_owned()));
        conds.push(format!("f.severity = ${}", binds.len()));
    }
    if let Some(a) = &filter.asset_id {
        binds.push(Bind::Text(a.clone()));
        conds.push(format!("f.asset_id = ${}", binds.len()));
    }
    if filter.kev_only {
        conds.push("f.kev_due IS NOT NULL".into());
    }
    let select = format!(
        "SELECT {COLUMNS} FROM vuln_findings f JOIN vuln_assets a ON a.id = f.asset_id \
         JOIN organisations o ON o.id = f.org_id WHERE {}",
        conds.join(" AND ")
    );
    Query {
        select,
        binds,
        order: ORDER,
    }
    .page(db, after, limit, from_row, |f| {
        vec![Key::Int(f.first_seen), Key::Text(f.id.clone())]
    })
    .await
}

/// The findings within `scope` whose clock may run (open or accepted), for work items,
/// reports and roll-ups; repeats of another scanner's finding are left out.
pub async fn all_current(db: &mut Db, scope: &OrgScope) -> Result<Vec<StoredFinding>> {
    let clause = org_clause(scope, 1);
    let sql = format!(
        "SELECT {COLUMNS} FROM vuln_findings f JOIN vuln_assets a ON a.id = f.asset_id \
         JOIN organisations o ON o.id = f.org_id WHERE {} AND f.state IN ('{}', '{}') \
         AND f.duplicate_of IS NULL ORDER BY f.org_id, f.first_seen, f.id",
        clause.sql,
        FindingState::Open.code(),
        FindingState::Accepted.code()
    );
    let binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(from_row).collect()
}
