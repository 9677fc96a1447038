//! Post-evaluation in storage: self-assessments beside evaluators' ratings, with
//! timeliness computed from recorded times; improvement measures, whose acceptance writes a
//! finding and a plan revision task in the same transaction; and the sector feedback.

use super::ExerciseError;
use super::edition::corrupt;
use super::play::{self, schedule_of};
use crate::db::Db;
use crate::findings::{self, NewFinding};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{StoreError, new_id};
use deltawall_domain::exercise::evaluation::{
    CriterionEvaluation, EvaluationError, FeedbackKind, FeedbackLine, ImprovementMeasure,
    MeasureStatus, Observation, Rating, SelfAssessment, check_criterion,
    sector_feedback as feedback_lines, timeliness,
};
use deltawall_domain::exercise::{Viewpoint, parse_code};
use deltawall_domain::finding::{Person, Severity};
use deltawall_domain::{BusinessType, OrgScope};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// One criterion of one institution: which inject and viewpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion<'a> {
    /// The institution.
    pub org_id: &'a str,
    /// The inject.
    pub inject: &'a str,
    /// The viewpoint.
    pub viewpoint: Viewpoint,
}

/// Refuses evaluation before the close and criteria the schedule does not have.
async fn check_open(
    db: &mut Db,
    exercise_id: &str,
    c: &Criterion<'_>,
    now_us: i64,
) -> Result<(), ExerciseError> {
    let s = play::state(db, exercise_id).await?;
    if now_us < s.edition.end_at_us {
        return Err(ExerciseError::NotClosed {
            end_at_us: s.edition.end_at_us,
        });
    }
    check_criterion(schedule_of(&s), "criterion", c.inject, c.viewpoint)?;
    Ok(())
}

async fn ensure_row(
    db: &mut Db,
    exercise_id: &str,
    c: &Criterion<'_>,
    now_us: i64,
) -> Result<(), ExerciseError> {
    let exists: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM exercise_evaluations WHERE exercise_id = $1 AND org_id = $2 AND inject_code = $3 AND viewpoint = $4",
    )
    .bind(exercise_id.to_owned())
    .bind(c.org_id.to_owned())
    .bind(c.inject.to_owned())
    .bind(c.viewpoint.code())
    .fetch_one(&mut *db)
    .await?;
    if exists == 0 {
        sqlx::query(
            "INSERT INTO exercise_evaluations (exercise_id, org_id, inject_code, viewpoint, self_reason, comment, updated_at) \
             VALUES ($1, $2, $3, $4, '', '', $5)",
        )
        .bind(exercise_id.to_owned())
        .bind(c.org_id.to_owned())
        .bind(c.inject.to_owned())
        .bind(c.viewpoint.code())
        .bind(now_us)
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// Records an institution's self-assessment of one criterion (after the close).
pub async fn self_assess(
    db: &mut Db,
    exercise_id: &str,
    c: &Criterion<'_>,
    assessment: &SelfAssessment,
    by: &str,
    now_us: i64,
) -> Result<(), ExerciseError> {
    check_open(db, exercise_id, c, now_us).await?;
    ensure_row(db, exercise_id, c, now_us).await?;
    let (done, reason) = match assessment {
        SelfAssessment::Done => (1i64, String::new()),
        SelfAssessment::NotDone { reason } => (0, reason.clone()),
    };
    sqlx::query(
        "UPDATE exercise_evaluations SET self_done = $5, self_reason = $6, self_by = $7, updated_at = $8 \
         WHERE exercise_id = $1 AND org_id = $2 AND inject_code = $3 AND viewpoint = $4",
    )
    .bind(exercise_id.to_owned())
    .bind(c.org_id.to_owned())
    .bind(c.inject.to_owned())
    .bind(c.viewpoint.code())
    .bind(done)
    .bind(reason)
    .bind(by.to_owned())
    .bind(now_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Records the evaluator's rating and comment for one criterion (after the close).
pub async fn rate(
    db: &mut Db,
    exercise_id: &str,
    c: &Criterion<'_>,
    rating: Rating,
    comment: &str,
    by: &str,
    now_us: i64,
) -> Result<(), ExerciseError> {
    check_open(db, exercise_id, c, now_us).await?;
    ensure_row(db, exercise_id, c, now_us).await?;
    sqlx::query(
        "UPDATE exercise_evaluations SET rating = $5, comment = $6, rated_by = $7, updated_at = $8 \
         WHERE exercise_id = $1 AND org_id = $2 AND inject_code = $3 AND viewpoint = $4",
    )
    .bind(exercise_id.to_owned())
    .bind(c.org_id.to_owned())
    .bind(c.inject.to_owned())
    .bind(c.viewpoint.code())
    .bind(i64::from(rating))
    .bind(comment.to_owned())
    .bind(by.to_owned())
    .bind(now_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The evaluations the reader may see (the organiser: all; others: institutions within
/// `scope`), each with timeliness computed from the institution's recorded times.
pub async fn evaluations(
    db: &mut Db,
    exercise_id: &str,
    reader_org: &str,
    scope: &OrgScope,
    now_us: i64,
) -> Result<Vec<CriterionEvaluation>, ExerciseError> {
    let s = play::state(db, exercise_id).await?;
    let clause = org_clause(scope, 3);
    let sql = format!(
        "SELECT v.org_id, v.inject_code, v.viewpoint, v.self_done, v.self_reason, v.rating, v.comment \
         FROM exercise_evaluations v JOIN organisations o ON o.id = v.org_id \
         JOIN exercises e ON e.id = v.exercise_id \
         WHERE v.exercise_id = $1 AND (e.organiser = $2 OR {}) ORDER BY v.org_id, v.inject_code, v.viewpoint",
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
    let mut out = Vec::with_capacity(rows.len());
    let mut times = std::collections::BTreeMap::new();
    for row in &rows {
        let mut e = evaluation_from_row(row)?;
        if !times.contains_key(&e.org_id) {
            let t = play::first_response_times(db, exercise_id, &e.org_id, now_us).await?;
            times.insert(e.org_id.clone(), t);
        }
        let first = &times[&e.org_id];
        let within = schedule_of(&s)
            .inject(&e.inject)
            .and_then(|i| i.respond_within_min);
        e.timeliness = timeliness(
            first.contains_key(&e.inject),
            first.get(&e.inject).copied().flatten(),
            within,
        );
        out.push(e);
    }
    Ok(out)
}

fn evaluation_from_row(row: &AnyRow) -> Result<CriterionEvaluation, ExerciseError> {
    let viewpoint: String = row.try_get("viewpoint")?;
    let done: Option<i64> = row.try_get("self_done")?;
    let reason: String = row.try_get("self_reason")?;
    let rating: Option<i64> = row.try_get("rating")?;
    Ok(CriterionEvaluation {
        org_id: row.try_get("org_id")?,
        inject: row.try_get("inject_code")?,
        viewpoint: parse_code("viewpoint", &viewpoint, Viewpoint::from_code)?,
        self_assessment: done.map(|d| {
            if d != 0 {
                SelfAssessment::Done
            } else {
                SelfAssessment::NotDone { reason }
            }
        }),
        rating: rating
            .map(|r| Rating::new("rating", r))
            .transpose()
            .map_err(|e| corrupt("exercise_evaluations", "rating", &e.to_string()))?,
        comment: row.try_get("comment")?,
        timeliness: deltawall_domain::exercise::evaluation::Timeliness::NoResponse,
    })
}

/// Proposes an improvement measure to an institution; returns its id.
pub async fn propose_measure(
    db: &mut Db,
    exercise_id: &str,
    measure: &ImprovementMeasure,
    by: &str,
    now_us: i64,
) -> Result<String, ExerciseError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO exercise_measures (id, exercise_id, org_id, viewpoint, text, severity, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.clone())
    .bind(exercise_id.to_owned())
    .bind(measure.org_id.clone())
    .bind(measure.viewpoint.code())
    .bind(measure.text.clone())
    .bind(severity_code(measure.severity))
    .bind(MeasureStatus::Proposed.code())
    .bind(by.to_owned())
    .bind(now_us)
    .execute(&mut *db)
    .await?;
    Ok(id)
}

fn severity_code(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn severity_from(code: &str) -> Result<Severity, ExerciseError> {
    Ok(match code {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        other => return Err(corrupt("exercise_measures", "severity", other)),
    })
}

/// A stored measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredMeasure {
    /// Id.
    pub id: String,
    /// The exercise.
    pub exercise_id: String,
    /// The measure.
    pub measure: ImprovementMeasure,
    /// The finding its acceptance created.
    pub finding_id: Option<String>,
}

/// Measures within `scope` (an institution: its own), optionally of one exercise.
pub async fn measures(
    db: &mut Db,
    scope: &OrgScope,
    exercise_id: Option<&str>,
) -> Result<Vec<StoredMeasure>, ExerciseError> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut sql = format!(
        "SELECT m.id, m.exercise_id, m.org_id, m.viewpoint, m.text, m.severity, m.status, m.finding_id \
         FROM exercise_measures m JOIN organisations o ON o.id = m.org_id WHERE {}",
        clause.sql
    );
    if let Some(id) = exercise_id {
        binds.push(Bind::Text(id.to_owned()));
        sql.push_str(&format!(" AND m.exercise_id = ${}", binds.len()));
    }
    sql.push_str(" ORDER BY m.created_at, m.id");
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(measure_from_row).collect()
}

fn measure_from_row(r: &AnyRow) -> Result<StoredMeasure, ExerciseError> {
    let viewpoint: String = r.try_get("viewpoint")?;
    let severity: String = r.try_get("severity")?;
    let status: String = r.try_get("status")?;
    Ok(StoredMeasure {
        id: r.try_get("id")?,
        exercise_id: r.try_get("exercise_id")?,
        measure: ImprovementMeasure {
            org_id: r.try_get("org_id")?,
            viewpoint: parse_code("viewpoint", &viewpoint, Viewpoint::from_code)?,
            text: r.try_get("text")?,
            severity: severity_from(&severity)?,
            status: parse_code("status", &status, MeasureStatus::from_code)?,
        },
        finding_id: r.try_get("finding_id")?,
    })
}

/// What accepting a measure wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptedIds {
    /// The draft finding (origin exercise), for the finding service to issue.
    pub finding_id: String,
    /// The contingency-plan revision task.
    pub task_id: String,
}

/// The institution accepts a measure of its own: in the caller's transaction, the
/// measure is marked accepted, a draft finding of origin exercise is created for `owner`
/// (issued by `issuer`), and a revision task for its latest plan version.
pub async fn accept_measure(
    db: &mut Db,
    measure_id: &str,
    owner: Person,
    issuer: Person,
    now_us: i64,
) -> Result<AcceptedIds, ExerciseError> {
    let stored = one_measure(db, measure_id).await?;
    let m = &stored.measure;
    let plan_version = super::plans::latest_version(db, &m.org_id).await?;
    let accepted = m.accept(owner.clone(), issuer, plan_version, now_us)?;
    let requirement_ids = super::plans::requirement_ids(db, &m.org_id, plan_version).await?;
    let finding_id = findings::create(
        db,
        &NewFinding {
            org_id: m.org_id.clone(),
            origin_ref: Some(format!(
                "exercise:{}/measure:{measure_id}",
                stored.exercise_id
            )),
            title: m.text.clone(),
            description: format!("{} ({})", m.text, m.viewpoint.label("ja")),
            requirement_ids,
            due_on: None,
            finding: accepted.finding,
        },
        now_us,
    )
    .await?;
    let task_id = record_acceptance(
        db,
        measure_id,
        &finding_id,
        accepted.revision.plan_version,
        &owner.user_id,
        now_us,
    )
    .await?;
    Ok(AcceptedIds {
        finding_id,
        task_id,
    })
}

/// What accepting a measure needs before its finding is raised: the measure, the latest
/// plan version of its institution (the one to revise) and the posture requirements that
/// version answers.
pub async fn acceptance_context(
    db: &mut Db,
    measure_id: &str,
) -> Result<(StoredMeasure, Option<u32>, Vec<String>), ExerciseError> {
    let stored = one_measure(db, measure_id).await?;
    let version = super::plans::latest_version(db, &stored.measure.org_id).await?;
    let requirements = super::plans::requirement_ids(db, &stored.measure.org_id, version).await?;
    Ok((stored, version, requirements))
}

/// Marks a proposed measure accepted with the finding the finding service raised for it,
/// and creates the revision task of `plan_version`, in the caller's transaction; returns
/// the task id. A measure already decided is refused, so a second acceptance writes nothing.
pub async fn record_acceptance(
    db: &mut Db,
    measure_id: &str,
    finding_id: &str,
    plan_version: Option<u32>,
    by: &str,
    now_us: i64,
) -> Result<String, ExerciseError> {
    let stored = one_measure(db, measure_id).await?;
    decide(
        db,
        measure_id,
        MeasureStatus::Accepted,
        Some(finding_id),
        by,
        now_us,
    )
    .await?;
    let task_id = new_id();
    sqlx::query(
        "INSERT INTO contingency_plan_tasks (id, org_id, plan_version, measure_id, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(task_id.clone())
    .bind(stored.measure.org_id.clone())
    .bind(plan_version.map(i64::from))
    .bind(measure_id.to_owned())
    .bind(stored.measure.text.clone())
    .bind(now_us)
    .execute(&mut *db)
    .await?;
    Ok(task_id)
}

/// The institution declines a measure.
pub async fn decline_measure(
    db: &mut Db,
    measure_id: &str,
    by: &str,
    now_us: i64,
) -> Result<(), ExerciseError> {
    let stored = one_measure(db, measure_id).await?;
    stored.measure.decline()?;
    decide(db, measure_id, MeasureStatus::Declined, None, by, now_us).await
}

async fn one_measure(db: &mut Db, measure_id: &str) -> Result<StoredMeasure, ExerciseError> {
    let row = sqlx::query(
        "SELECT id, exercise_id, org_id, viewpoint, text, severity, status, finding_id FROM exercise_measures WHERE id = $1",
    )
    .bind(measure_id.to_owned())
    .fetch_optional(&mut *db)
    .await?
    .ok_or(StoreError::NotFound("improvement measure"))?;
    measure_from_row(&row)
}

async fn decide(
    db: &mut Db,
    measure_id: &str,
    status: MeasureStatus,
    finding_id: Option<&str>,
    by: &str,
    now_us: i64,
) -> Result<(), ExerciseError> {
    // The status guard makes a concurrent second decision change nothing.
    let done = sqlx::query(
        "UPDATE exercise_measures SET status = $2, finding_id = $3, decided_by = $4, decided_at = $5 \
         WHERE id = $1 AND status = 'proposed'",
    )
    .bind(measure_id.to_owned())
    .bind(status.code())
    .bind(finding_id.map(str::to_owned))
    .bind(by.to_owned())
    .bind(now_us)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(EvaluationError::AlreadyDecided(status).into());
    }
    Ok(())
}

/// Records an observation (a common issue or good practice at one institution) for the
/// sector feedback; recording it twice changes nothing.
pub async fn observe(
    db: &mut Db,
    exercise_id: &str,
    org_id: &str,
    kind: FeedbackKind,
    viewpoint: Viewpoint,
    topic: &str,
) -> Result<(), ExerciseError> {
    let exists: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM exercise_observations WHERE exercise_id = $1 AND org_id = $2 AND kind = $3 AND viewpoint = $4 AND topic = $5",
    )
    .bind(exercise_id.to_owned())
    .bind(org_id.to_owned())
    .bind(kind.code())
    .bind(viewpoint.code())
    .bind(topic.to_owned())
    .fetch_one(&mut *db)
    .await?;
    if exists == 0 {
        sqlx::query(
            "INSERT INTO exercise_observations (exercise_id, org_id, kind, viewpoint, topic) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(exercise_id.to_owned())
        .bind(org_id.to_owned())
        .bind(kind.code())
        .bind(viewpoint.code())
        .bind(topic.to_owned())
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// The sector feedback of an edition: common issues and good practices by business type,
/// only where at least the edition's k institutions share them. Names no institution, so
/// every participant and the organiser may read it.
pub async fn sector_feedback(
    db: &mut Db,
    exercise_id: &str,
) -> Result<Vec<FeedbackLine>, ExerciseError> {
    let e = super::edition::get(db, exercise_id).await?;
    let rows = sqlx::query(
        "SELECT x.org_id, o.business_type, x.kind, x.viewpoint, x.topic \
         FROM exercise_observations x JOIN organisations o ON o.id = x.org_id \
         WHERE x.exercise_id = $1 AND o.business_type IS NOT NULL",
    )
    .bind(exercise_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    let observations = rows
        .iter()
        .map(|r| {
            let bt: String = r.try_get("business_type")?;
            let kind: String = r.try_get("kind")?;
            let viewpoint: String = r.try_get("viewpoint")?;
            Ok(Observation {
                org_id: r.try_get("org_id")?,
                business_type: parse_code("business_type", &bt, BusinessType::from_code)?,
                kind: parse_code("kind", &kind, FeedbackKind::from_code)?,
                viewpoint: parse_code("viewpoint", &viewpoint, Viewpoint::from_code)?,
                topic: r.try_get("topic")?,
            })
        })
        .collect::<Result<Vec<_>, ExerciseError>>()?;
    Ok(feedback_lines(&observations, e.feedback_k))
}
