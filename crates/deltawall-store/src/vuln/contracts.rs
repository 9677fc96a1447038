//! Outsourcing contracts and cloud services (issue 15, migration 25): `vuln_contracts` with
//! their clause checklist and shared-responsibility matrix, and `vuln_contract_gaps`, the
//! posture finding raised for each missing or weak clause. Reads name an [`OrgScope`] and go
//! through [`org_clause`]; the sector reads count institutions only.

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::{Clause, org_clause};
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::code::sql_list;
use deltawall_domain::finding::State;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

/// A contract to store; codes are checked by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContract {
    /// The provider's name as entered.
    pub provider: String,
    /// The key names of one provider meet on.
    pub provider_key: String,
    /// The service provided.
    pub service: String,
    /// `none`, `saas`, `paas` or `iaas`.
    pub service_model: String,
    /// The asset of the diagnosis scope the provider operates, if any.
    pub asset_id: Option<String>,
    /// Subcontractors, as entered.
    pub subcontractors: Vec<String>,
    /// Clause code → `present`, `weak` or `missing`.
    pub clauses: BTreeMap<String, String>,
    /// Control code → `provider`, `institution` or `shared`.
    pub matrix: BTreeMap<String, String>,
}

/// A missing or weak clause and the finding that tracks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredGap {
    /// Clause code.
    pub clause: String,
    /// `missing` or `weak`.
    pub status: String,
    /// The posture finding.
    pub finding_id: String,
    /// The finding's state now.
    pub finding_state: String,
}

/// A stored contract with its gaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// The provider's name.
    pub provider: String,
    /// The service.
    pub service: String,
    /// Service model code.
    pub service_model: String,
    /// The operated asset's id.
    pub asset_id: Option<String>,
    /// The operated asset's name.
    pub asset_name: Option<String>,
    /// Subcontractors.
    pub subcontractors: Vec<String>,
    /// Clause code → status code.
    pub clauses: BTreeMap<String, String>,
    /// Control code → holder code.
    pub matrix: BTreeMap<String, String>,
    /// Added, Unix µs.
    pub created_at: i64,
    /// The gaps, in clause order of their codes.
    pub gaps: Vec<StoredGap>,
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("maps and lists of strings serialise")
}

fn from_json<T: serde::de::DeserializeOwned>(column: &'static str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|_| StoreError::Corrupt {
        table: "vuln_contracts",
        column,
        value: s.chars().take(80).collect(),
    })
}

/// Stores contract `id` of institution `org_id`.
pub async fn insert_contract(
    db: &mut Db,
    id: &str,
    org_id: &str,
    by: &str,
    c: &NewContract,
    at_us: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO vuln_contracts (id, org_id, provider, provider_key, service, service_model, \
         asset_id, subcontractors, clauses, matrix, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.to_owned())
    .bind(org_id.to_owned())
    .bind(c.provider.clone())
    .bind(c.provider_key.clone())
    .bind(c.service.clone())
    .bind(c.service_model.clone())
    .bind(c.asset_id.clone())
    .bind(to_json(&c.subcontractors))
    .bind(to_json(&c.clauses))
    .bind(to_json(&c.matrix))
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Links the finding raised for a gap of contract `contract_id`.
pub async fn add_gap(
    db: &mut Db,
    contract_id: &str,
    clause: &str,
    status: &str,
    finding_id: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO vuln_contract_gaps (contract_id, clause, status, finding_id) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(contract_id.to_owned())
    .bind(clause.to_owned())
    .bind(status.to_owned())
    .bind(finding_id.to_owned())
    .execute(&mut *db)
    .await?;
    Ok(())
}

async fn fetch(db: &mut Db, sql: String, binds: Vec<String>) -> Result<Vec<AnyRow>> {
    let binds: Vec<Bind> = binds.into_iter().map(Bind::Text).collect();
    Ok(bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?)
}

fn contract_from_row(row: &AnyRow) -> Result<Contract> {
    let subs: String = row.try_get("subcontractors")?;
    let clauses: String = row.try_get("clauses")?;
    let matrix: String = row.try_get("matrix")?;
    Ok(Contract {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        provider: row.try_get("provider")?,
        service: row.try_get("service")?,
        service_model: row.try_get("service_model")?,
        asset_id: row.try_get("asset_id")?,
        asset_name: row.try_get("asset_name")?,
        subcontractors: from_json("subcontractors", &subs)?,
        clauses: from_json("clauses", &clauses)?,
        matrix: from_json("matrix", &matrix)?,
        created_at: row.try_get("created_at")?,
        gaps: Vec::new(),
    })
}

/// Contracts read with their asset's name, for [`contracts`] and [`page_contracts`].
const CONTRACTS_FROM: &str = "SELECT c.id, c.org_id, c.provider, c.service, c.service_model, \
     c.asset_id, a.name AS asset_name, c.subcontractors, c.clauses, c.matrix, c.created_at \
     FROM vuln_contracts c JOIN organisations o ON o.id = c.org_id \
     LEFT JOIN vuln_assets a ON a.id = c.asset_id";

/// The order of contract lists: newest first, then by id (unique).
const ORDER: &[keyset::Col] = &[
    ("c.created_at", Dir::Desc, Kind::Int),
    ("c.id", Dir::Asc, Kind::Text),
];

/// The contracts within `scope`, newest first; only contract `id` when given.
pub async fn contracts(db: &mut Db, scope: &OrgScope, id: Option<&str>) -> Result<Vec<Contract>> {
    let clause = org_clause(scope, 1);
    let mut binds = clause.binds;
    let one = match id {
        Some(id) => {
            binds.push(id.to_owned());
            format!(" AND c.id = ${}", binds.len())
        }
        None => String::new(),
    };
    let sql = format!(
        "{CONTRACTS_FROM} WHERE {}{one} ORDER BY {}",
        clause.sql,
        keyset::order_by(ORDER)
    );
    let mut out: Vec<Contract> = fetch(db, sql, binds)
        .await?
        .iter()
        .map(contract_from_row)
        .collect::<Result<_>>()?;
    for c in &mut out {
        c.gaps = gaps_of(db, &c.id).await?;
    }
    Ok(out)
}

/// One page of the contracts within `scope`, newest first, each with its gaps, starting
/// after `after`.
pub async fn page_contracts(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Contract>> {
    let clause = org_clause(scope, 1);
    let query = keyset::Query {
        select: format!("{CONTRACTS_FROM} WHERE {}", clause.sql),
        binds: clause.binds.into_iter().map(Bind::Text).collect(),
        order: ORDER,
    };
    let mut page = query
        .page(db, after, limit, contract_from_row, |c| {
            vec![Key::Int(c.created_at), Key::Text(c.id.clone())]
        })
        .await?;
    for c in &mut page.items {
        c.gaps = gaps_of(db, &c.id).await?;
    }
    Ok(page)
}

async fn gaps_of(db: &mut Db, contract_id: &str) -> Result<Vec<StoredGap>> {
    let rows = sqlx::query(
        "SELECT g.clause, g.status, g.finding_id, f.state FROM vuln_contract_gaps g \
         JOIN findings f ON f.id = g.finding_id WHERE g.contract_id = $1 ORDER BY g.clause",
    )
    .bind(contract_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredGap {
                clause: r.try_get("clause")?,
                status: r.try_get("status")?,
                finding_id: r.try_get("finding_id")?,
                finding_state: r.try_get("state")?,
            })
        })
        .collect()
}

/// Institutions of `scope` with a business type.
fn institutions_clause(scope: &OrgScope) -> Clause {
    let c = org_clause(scope, 1);
    Clause {
        sql: format!(
            "o.kind = 'institution' AND o.business_type IS NOT NULL AND ({})",
            c.sql
        ),
        binds: c.binds,
    }
}

/// An institution in reach and its business type code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    /// Id.
    pub org_id: String,
    /// Business type code.
    pub business_type: String,
}

/// The institutions within `scope` (a supervisor's reach), by id.
pub async fn institutions(db: &mut Db, scope: &OrgScope) -> Result<Vec<Institution>> {
    let c = institutions_clause(scope);
    let sql = format!(
        "SELECT o.id, o.business_type FROM organisations o WHERE {} ORDER BY o.id",
        c.sql
    );
    fetch(db, sql, c.binds)
        .await?
        .iter()
        .map(|r| {
            Ok(Institution {
                org_id: r.try_get("id")?,
                business_type: r.try_get("business_type")?,
            })
        })
        .collect()
}

/// Every (provider name, institution) pair of the contracts of institutions within `scope`.
pub async fn provider_uses(db: &mut Db, scope: &OrgScope) -> Result<Vec<(String, String)>> {
    let c = institutions_clause(scope);
    let sql = format!(
        "SELECT c.provider, c.org_id FROM vuln_contracts c JOIN organisations o ON o.id = c.org_id \
         WHERE {} ORDER BY c.created_at, c.id",
        c.sql
    );
    fetch(db, sql, c.binds)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("provider")?, r.try_get("org_id")?)))
        .collect()
}

/// Per institution within `scope`: its contracts and the gaps whose finding is unresolved.
pub async fn gap_counts(db: &mut Db, scope: &OrgScope) -> Result<Vec<(String, i64, i64)>> {
    let c = institutions_clause(scope);
    let sql = format!(
        "SELECT c.org_id, COUNT(DISTINCT c.id) AS contracts, \
         SUM(CASE WHEN f.state IN ({}) THEN 1 ELSE 0 END) AS open_gaps \
         FROM vuln_contracts c JOIN organisations o ON o.id = c.org_id \
         LEFT JOIN vuln_contract_gaps g ON g.contract_id = c.id \
         LEFT JOIN findings f ON f.id = g.finding_id \
         WHERE {} GROUP BY c.org_id ORDER BY c.org_id",
        sql_list(State::UNRESOLVED),
        c.sql
    );
    fetch(db, sql, c.binds)
        .await?
        .iter()
        .map(|r| {
            let gaps: Option<i64> = r.try_get("open_gaps")?;
            Ok((
                r.try_get("org_id")?,
                r.try_get("contracts")?,
                gaps.unwrap_or(0),
            ))
        })
        .collect()
}

/// The tables of migration 25 for backups, parents before children.
pub(crate) const BACKUP_TABLES: &[crate::backup::Table] = {
    use crate::backup::Kind::{Int, Text};
    &[
        (
            "vuln_contracts",
            &[
                ("id", Text),
                ("org_id", Text),
                ("provider", Text),
                ("provider_key", Text),
                ("service", Text),
                ("service_model", Text),
                ("asset_id", Text),
                ("subcontractors", Text),
                ("clauses", Text),
                ("matrix", Text),
                ("created_by", Text),
                ("created_at", Int),
            ],
        ),
        (
            "vuln_contract_gaps",
            &[
                ("contract_id", Text),
                ("clause", Text),
                ("status", Text),
                ("finding_id", Text),
            ],
        ),
    ]
};
