//! Everything the risk ranking looks at, for every institution in a scope, in set-based
//! queries (institutions, attributes, last monitoring, latest posture results, open
//! findings, overdue request tasks, incidents, and the contingency plans' tests through
//! [`crate::exercises::plans::statuses`]) whatever the number of institutions.
//! Each query joins the owning organisation as `o` and filters through
//! [`org_clause`](crate::scope::org_clause), so a local bureau's ranking holds only its
//! region. Drafts never count: findings are read from issued on, and posture only from
//! submitted assessments.

use crate::db::Db;
use crate::findings::parse_code;
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::code::sql_list;
use deltawall_domain::finding::{Severity, State as FindingState};
use deltawall_domain::org::{AttributeKind, BusinessType, Region};
use deltawall_domain::posture::Outcome;
use deltawall_domain::supervision::AttackType;
use deltawall_domain::supervision::population::OrgFacts;
use deltawall_domain::supervision::request::TaskState;
use deltawall_domain::supervision::score::{IncidentFact, ScoreInput, SeverityCounts};
use jiff::civil::Date;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap};

/// What to gather, and as of when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankingQuery {
    /// Today (Japan time): monitoring up to it, findings due before it are overdue.
    pub today: Date,
    /// Now, Unix µs: attributes in force and request deadlines passed.
    pub now_us: i64,
    /// Incidents after this day (exclusive) count.
    pub incidents_after: Date,
    /// Only institutions of this business type.
    pub business_type: Option<BusinessType>,
    /// Only institutions of this region.
    pub region: Option<Region>,
}

/// One answer of an institution's latest submitted assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostureAnswer {
    /// The catalog edition the assessment answers.
    pub catalog_id: String,
    /// The requirement.
    pub requirement_id: String,
    /// Its latest result.
    pub outcome: Outcome,
}

/// One institution's facts: the score input (without posture, which the caller groups by
/// element with the catalog) and its latest posture answers.
#[derive(Debug, Clone, PartialEq)]
pub struct RankingFacts {
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// The score input; `posture` is empty.
    pub input: ScoreInput,
    /// The latest answers of its latest submitted assessment.
    pub answers: Vec<PostureAnswer>,
}

fn corrupt(table: &'static str, column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table,
        column,
        value: value.chars().take(80).collect(),
    }
}

/// Runs `sql` (whose first placeholders are the scope clause's) with `extra` binds after.
async fn scoped_rows(
    db: &mut Db,
    scope: &OrgScope,
    sql: impl Fn(&str, usize) -> String,
    extra: Vec<Bind>,
) -> Result<Vec<AnyRow>> {
    let clause = org_clause(scope, 1);
    let next = clause.binds.len() + 1;
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    binds.extend(extra);
    let text = sql(&clause.sql, next);
    Ok(bind_all(sqlx::query(AssertSqlSafe(text)), &binds)
        .fetch_all(&mut *db)
        .await?)
}

/// Gathers the facts of every active institution within `scope` matching the query's
/// filters, ordered by id.
pub async fn facts(db: &mut Db, scope: &OrgScope, q: &RankingQuery) -> Result<Vec<RankingFacts>> {
    let mut out = institutions(db, scope, q).await?;
    let index: HashMap<String, usize> = out
        .iter()
        .enumerate()
        .map(|(i, f)| (f.input.org.id.clone(), i))
        .collect();
    let mut slot = |id: &str| index.get(id).copied();
    attributes(db, scope, q, &mut out, &mut slot).await?;
    last_monitored(db, scope, q, &mut out, &mut slot).await?;
    posture(db, scope, &mut out, &mut slot).await?;
    findings(db, scope, q, &mut out, &mut slot).await?;
    overdue_requests(db, scope, q, &mut out, &mut slot).await?;
    incidents(db, scope, q, &mut out, &mut slot).await?;
    untested_plans(db, scope, q, &mut out, &mut slot).await?;
    Ok(out)
}

/// Marks the institutions whose contingency plan no exercise tested in the twelve months
/// before `q.now_us`: the flag the plans page shows, read the same way.
async fn untested_plans(
    db: &mut Db,
    scope: &OrgScope,
    q: &RankingQuery,
    out: &mut [RankingFacts],
    slot: &mut Slot<'_>,
) -> Result<()> {
    let statuses = crate::exercises::plans::statuses(db, scope, q.now_us)
        .await
        .map_err(|e| match e {
            crate::exercises::ExerciseError::Store(e) => e,
            other => StoreError::Corrupt {
                table: "contingency_plans",
                column: "document",
                value: other.to_string().chars().take(80).collect(),
            },
        })?;
    for s in statuses {
        let Some(i) = slot(&s.org_id) else { continue };
        out[i].input.plan_untested = s.untested_12_months;
    }
    Ok(())
}

/// The same facts as [`facts`], with the posture already grouped by element in
/// `input.posture` (and `answers` empty) and the overdue requests counted from the
/// per-institution facts kept on write ([`crate::sup_facts`]): what the ranking reads, in
/// one row per institution for the two facts that otherwise scan every assessment
/// revision and every request task.
pub async fn facts_summarised(
    db: &mut Db,
    scope: &OrgScope,
    q: &RankingQuery,
) -> Result<Vec<RankingFacts>> {
    let mut out = institutions(db, scope, q).await?;
    let index: HashMap<String, usize> = out
        .iter()
        .enumerate()
        .map(|(i, f)| (f.input.org.id.clone(), i))
        .collect();
    let mut slot = |id: &str| index.get(id).copied();
    attributes(db, scope, q, &mut out, &mut slot).await?;
    last_monitored(db, scope, q, &mut out, &mut slot).await?;
    findings(db, scope, q, &mut out, &mut slot).await?;
    incidents(db, scope, q, &mut out, &mut slot).await?;
    untested_plans(db, scope, q, &mut out, &mut slot).await?;
    for row in crate::sup_facts::read(db, scope, q.business_type, q.region).await? {
        let Some(i) = slot(&row.org_id) else { continue };
        out[i].input.posture = row.posture.unwrap_or_default();
    }
    let late =
        crate::sup_facts::late_by_org(db, scope, q.now_us, q.business_type, q.region).await?;
    for (org, n) in late {
        let Some(i) = slot(&org) else { continue };
        out[i].input.overdue_requests = u32::try_from(n).unwrap_or(u32::MAX);
    }
    Ok(out)
}

const INSTITUTION: &str = "o.kind = 'institution' AND o.active = 1";

async fn institutions(
    db: &mut Db,
    scope: &OrgScope,
    q: &RankingQuery,
) -> Result<Vec<RankingFacts>> {
    let mut extra = Vec::new();
    let mut filters = String::new();
    let clause_len = org_clause(scope, 1).binds.len();
    if let Some(bt) = q.business_type {
        extra.push(Bind::Text(bt.code().into()));
        filters.push_str(&format!(
            " AND o.business_type = ${}",
            clause_len + extra.len()
        ));
    }
    if let Some(r) = q.region {
        extra.push(Bind::Text(r.code().into()));
        filters.push_str(&format!(" AND o.region = ${}", clause_len + extra.len()));
    }
    let rows = scoped_rows(
        db,
        scope,
        |c, _| {
            format!(
                "SELECT o.id, o.name_ja, o.name_en, o.business_type, o.region FROM organisations o \
                 WHERE {INSTITUTION} AND o.business_type IS NOT NULL AND o.region IS NOT NULL AND {c}{filters} ORDER BY o.id"
            )
        },
        extra,
    )
    .await?;
    rows.iter()
        .map(|r| {
            let bt: String = r.try_get("business_type")?;
            let region: String = r.try_get("region")?;
            let org = OrgFacts {
                id: r.try_get("id")?,
                business_type: BusinessType::from_code(&bt)
                    .ok_or_else(|| corrupt("organisations", "business_type", &bt))?,
                region: Region::from_code(&region)
                    .ok_or_else(|| corrupt("organisations", "region", &region))?,
                attributes: BTreeMap::new(),
            };
            Ok(RankingFacts {
                name_ja: r.try_get("name_ja")?,
                name_en: r.try_get("name_en")?,
                input: ScoreInput {
                    org,
                    last_monitored: None,
                    posture: Vec::new(),
                    open_findings: SeverityCounts::default(),
                    overdue_findings: SeverityCounts::default(),
                    overdue_requests: 0,
                    incidents: Vec::new(),
                    plan_untested: false,
                },
                answers: Vec::new(),
            })
        })
        .collect()
}

type Slot<'a> = dyn FnMut(&str) -> Option<usize> + Send + 'a;

async fn attributes(
    db: &mut Db,
    scope: &OrgScope,
    q: &RankingQuery,
    out: &mut [RankingFacts],
    slot: &mut Slot<'_>,
) -> Result<()> {
    let rows = scoped_rows(
        db,
        scope,
        |c, n| {
            format!(
                "SELECT a.org_id, a.kind, a.value FROM org_attributes a JOIN organisations o ON o.id = a.org_id \
                 WHERE {INSTITUTION} AND {c} AND a.valid_from <= ${n} AND (a.valid_to IS NULL OR a.valid_to > ${n}) \
                 ORDER BY a.org_id, a.valid_from"
            )
        },
        vec![Bind::Int(q.now_us)],
    )
    .await?;
    for r in &rows {
        let org: String = r.try_get("org_id")?;
        let kind: String = r.try_get("kind")?;
        let Some(i) = slot(&org) else { continue };
        // An attribute kind this build does not know carries no weight.
        if let Some(kind) = AttributeKind::from_code(&kind) {
            out[i]
                .input
                .org
                .attributes
                .insert(kind, r.try_get("value")?);
        }
    }
    Ok(())
}

async fn last_monitored(
    db: &mut Db,
    scope: &OrgScope,
    q: &RankingQuery,
    out: &mut [RankingFacts],
    slot: &mut Slot<'_>,
) -> Result<()> {
    let rows = scoped_rows(
        db,
        scope,
        |c, n| {
            format!(
                "SELECT m.org_id, MAX(m.monitored_on) AS last_on FROM sup_monitoring m JOIN organisations o ON o.id = m.org_id \
                 WHERE {INSTITUTION} AND {c} AND m.monitored_on <= ${n} GROUP BY m.org_id"
            )
        },
        vec![Bind::Text(q.today.to_string())],
    )
    .await?;
    for r in &rows {
        let org: String = r.try_get("org_id")?;
        let day: String = r.try_get("last_on")?;
        let Some(i) = slot(&org) else { continue };
        out[i].input.last_monitored = Some(
            day.parse()
                .map_err(|_| corrupt("sup_monitoring", "monitored_on", &day))?,
        );
    }
    Ok(())
}

/// The latest revision of every answer of each institution's latest submitted
/// assessment (by as-of day, then id).
async fn posture(
    db: &mut Db,
    scope: &OrgScope,
    out: &mut [RankingFacts],
    slot: &mut Slot<'_>,
) -> Result<()> {
    let rows = scoped_rows(
        db,
        scope,
        |c, _| {
            format!(
                "SELECT a.org_id, a.catalog_id, r.requirement_id, r.result FROM assessments a \
                 JOIN organisations o ON o.id = a.org_id \
                 JOIN assessment_results r ON r.assessment_id = a.id \
                 WHERE {INSTITUTION} AND {c} AND a.status = 'submitted' \
                 AND NOT EXISTS (SELECT 1 FROM assessments a2 WHERE a2.org_id = a.org_id AND a2.status = 'submitted' \
                   AND (a2.as_of > a.as_of OR (a2.as_of = a.as_of AND a2.id > a.id))) \
                 AND NOT EXISTS (SELECT 1 FROM assessment_results r2 WHERE r2.assessment_id = r.assessment_id \
                   AND r2.requirement_id = r.requirement_id AND r2.revision > r.revision)"
            )
        },
        vec![],
    )
    .await?;
    for r in &rows {
        let org: String = r.try_get("org_id")?;
        let Some(i) = slot(&org) else { continue };
        let result: String = r.try_get("result")?;
        out[i].answers.push(PostureAnswer {
            catalog_id: r.try_get("catalog_id")?,
            requirement_id: r.try_get("requirement_id")?,
            outcome: Outcome::from_code(&result)
                .ok_or_else(|| corrupt("assessment_results", "result", &result))?,
        });
    }
    Ok(())
}

/// Open findings by severity, and of those the overdue ones: past their due day, or with a
/// remediation milestone past its due day and not done.
async fn findings(
    db: &mut Db,
    scope: &OrgScope,
    q: &RankingQuery,
    out: &mut [RankingFacts],
    slot: &mut Slot<'_>,
) -> Result<()> {
    let rows = scoped_rows(
        db,
        scope,
        |c, n| {
            format!(
                "SELECT f.org_id, f.severity, COUNT(*) AS open_n, \
                 SUM(CASE WHEN f.due_on < ${n} OR EXISTS (SELECT 1 FROM finding_milestones m \
                   WHERE m.finding_id = f.id AND m.done_at IS NULL AND m.due_on < ${n}) THEN 1 ELSE 0 END) AS overdue_n \
                 FROM findings f JOIN organisations o ON o.id = f.org_id \
                 WHERE {INSTITUTION} AND {c} AND f.state IN ({open}) \
                 GROUP BY f.org_id, f.severity",
                open = sql_list(FindingState::UNRESOLVED)
            )
        },
        vec![Bind::Text(q.today.to_string())],
    )
    .await?;
    for r in &rows {
        let org: String = r.try_get("org_id")?;
        let Some(i) = slot(&org) else { continue };
        let sev: String = r.try_get("severity")?;
        let severity: Severity =
            parse_code(&sev).ok_or_else(|| corrupt("findings", "severity", &sev))?;
        let open: i64 = r.try_get("open_n")?;
        let overdue: i64 = r.try_get("overdue_n")?;
        let input = &mut out[i].input;
        *input.open_findings.get_mut(severity) += u32::try_from(open).unwrap_or(u32::MAX);
        *input.overdue_findings.get_mut(severity) += u32::try_from(overdue).unwrap_or(u32::MAX);
    }
    Ok(())
}

/// Request tasks whose request's deadline has passed and that the institution has not
/// answered: neither submitted nor settled (accepted or exempted).
async fn overdue_requests(
    db: &mut Db,
    scope: &OrgScope,
    q: &RankingQuery,
    out: &mut [RankingFacts],
    slot: &mut Slot<'_>,
) -> Result<()> {
    let rows = scoped_rows(
        db,
        scope,
        |c, n| {
            format!(
                "SELECT t.org_id, COUNT(*) AS n FROM sup_request_tasks t \
                 JOIN sup_requests q ON q.id = t.request_id JOIN organisations o ON o.id = t.org_id \
                 WHERE {INSTITUTION} AND {c} AND t.state IN ({outstanding}) \
                 AND q.deadline < ${n} GROUP BY t.org_id",
                outstanding = sql_list(TaskState::OUTSTANDING)
            )
        },
        vec![Bind::Int(q.now_us)],
    )
    .await?;
    for r in &rows {
        let org: String = r.try_get("org_id")?;
        let Some(i) = slot(&org) else { continue };
        let n: i64 = r.try_get("n")?;
        out[i].input.overdue_requests = u32::try_from(n).unwrap_or(u32::MAX);
    }
    Ok(())
}

async fn incidents(
    db: &mut Db,
    scope: &OrgScope,
    q: &RankingQuery,
    out: &mut [RankingFacts],
    slot: &mut Slot<'_>,
) -> Result<()> {
    let rows = scoped_rows(
        db,
        scope,
        |c, n| {
            format!(
                "SELECT i.org_id, i.occurred_on, i.attack_type FROM incidents i JOIN organisations o ON o.id = i.org_id \
                 WHERE i.exercise = 0 AND {INSTITUTION} AND {c} AND i.occurred_on > ${n} AND i.occurred_on <= ${}",
                n + 1
            )
        },
        vec![
            Bind::Text(q.incidents_after.to_string()),
            Bind::Text(q.today.to_string()),
        ],
    )
    .await?;
    for r in &rows {
        let org: String = r.try_get("org_id")?;
        let Some(i) = slot(&org) else { continue };
        let on: String = r.try_get("occurred_on")?;
        let attack: String = r.try_get("attack_type")?;
        out[i].input.incidents.push(IncidentFact {
            on: on
                .parse()
                .map_err(|_| corrupt("incidents", "occurred_on", &on))?,
            attack: AttackType::from_code(&attack)
                .ok_or_else(|| corrupt("incidents", "attack_type", &attack))?,
        });
    }
    Ok(())
}
