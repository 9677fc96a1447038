//! A large demo group for benchmarks: a holding company and its group companies (domestic
//! and overseas), each with three submitted assessment cycles that answer every requirement
//! of the built-in catalog (each answer revised once), open findings (some overdue) and
//! risks. Written straight through the store, one transaction per company.

use deltawall_domain::Actor;
use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::finding::{Command, Finding, Origin, Person, Severity};
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::posture::{Answer, AssessmentKind, Confidence, Outcome};
use deltawall_domain::role::Role;
use deltawall_store::assessments::{self, NewAssessment, Recording};
use deltawall_store::findings::{self, NewFinding};
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::risks::{self, RiskFields};
use deltawall_store::users::{self, NewUser};
use deltawall_store::{Store, Tx};

const DAY_US: i64 = 86_400_000_000;
/// The three cycles' as-of days.
const CYCLES: [&str; 3] = ["2024-03-31", "2025-03-31", "2026-03-31"];
const OUTCOMES: [Outcome; 3] = [Outcome::Met, Outcome::Partial, Outcome::NotMet];

/// What was generated: actors to read it as, and its size.
#[derive(Debug, Clone)]
pub struct LargeGroup {
    /// An executive of the holding company.
    pub holding: Actor,
    /// An executive of the first group company.
    pub company: Actor,
    /// Organisations written (the holding and its companies).
    pub orgs: usize,
    /// Result revisions written.
    pub revisions: usize,
    /// Findings written.
    pub findings: usize,
}

fn actor(org_id: &str, user_id: &str) -> Actor {
    Actor {
        user_id: user_id.to_owned(),
        org_id: org_id.to_owned(),
        org_kind: OrgKind::Institution,
        reach: None,
        role: Role::Executive,
        token_scope: None,
        token_id: None,
    }
}

/// Writes a holding company with `companies` group companies (every second one overseas).
pub async fn large_group(store: &Store, companies: usize, now: i64) -> anyhow::Result<LargeGroup> {
    let catalog = fsa_2020_viewpoints()?;
    let mut tx = store.write().await?;
    let catalog_id = match assessments::insert_catalog(&mut tx, &catalog, None, now).await {
        Ok((id, _)) => id,
        Err(e) => anyhow::bail!("the built-in catalog could not be stored: {e}"),
    };
    tx.commit().await?;
    let requirements: Vec<String> = catalog.requirements().map(|(_, r)| r.id.clone()).collect();
    let mut out: Option<LargeGroup> = None;
    let mut parent: Option<String> = None;
    for n in 0..=companies {
        let mut tx = store.write().await?;
        let (org, user) = company(&mut tx, n, parent.clone()).await?;
        let revisions = cycles(&mut tx, &org, &user, &catalog_id, &requirements, now).await?;
        let findings = open_findings(&mut tx, &org, &user, &requirements, now).await?;
        tx.commit().await?;
        let g = out.get_or_insert_with(|| LargeGroup {
            holding: actor(&org, &user),
            company: actor(&org, &user),
            orgs: 0,
            revisions: 0,
            findings: 0,
        });
        if n == 1 {
            g.company = actor(&org, &user);
        }
        g.orgs += 1;
        g.revisions += revisions;
        g.findings += findings;
        parent.get_or_insert(org);
    }
    out.ok_or_else(|| anyhow::anyhow!("nothing generated"))
}

/// Company `n` (0 is the holding) and an executive of it.
async fn company(
    tx: &mut Tx,
    n: usize,
    parent_id: Option<String>,
) -> anyhow::Result<(String, String)> {
    let overseas = n.is_multiple_of(2) && n > 0;
    let org = orgs::create(
        tx,
        &NewOrg {
            name_ja: format!("ベンチ{n:02}フィナンシャル"),
            name_en: format!("Bench {n:02} Financial"),
            kind: OrgKind::Institution,
            business_type: Some(BusinessType::RegionalBank),
            region: Some(if overseas {
                Region::Overseas
            } else {
                Region::Kanto
            }),
            parent_id,
        },
    )
    .await?;
    let user = users::create(
        tx,
        &NewUser {
            org_id: org.clone(),
            login: format!("bench-{n:02}-{}", &org[..8.min(org.len())]),
            display_name: format!("bench {n:02}"),
            email: None,
            role: Role::Executive,
            // No one signs in as these users: the hash is not a valid argon2 string.
            password_hash: "!".into(),
            lang: None,
        },
    )
    .await?;
    Ok((org, user))
}

/// Three submitted cycles, each answering every requirement and revising every answer once.
async fn cycles(
    tx: &mut Tx,
    org: &str,
    user: &str,
    catalog_id: &str,
    requirements: &[String],
    now: i64,
) -> anyhow::Result<usize> {
    let mut previous: Option<String> = None;
    let mut written = 0;
    for (c, as_of) in CYCLES.iter().enumerate() {
        let at = now - i64::try_from(3 - c)? * 365 * DAY_US;
        let new = NewAssessment {
            org_id: org.to_owned(),
            catalog_id: catalog_id.to_owned(),
            kind: AssessmentKind::SelfAssessment,
            scope: "enterprise".into(),
            as_of: (*as_of).into(),
            cycle: i64::try_from(c + 1)?,
            previous_id: previous.clone(),
            created_by: user.to_owned(),
        };
        let id = assessments::create(tx, &new, at).await?;
        for (i, req) in requirements.iter().enumerate() {
            for rev in 0..2usize {
                let answer = Answer {
                    requirement_id: req.clone(),
                    outcome: OUTCOMES[(i + c + rev) % 3],
                    justification: None,
                    maturity: Some(u8::try_from((i + c + rev) % 4)?),
                    rationale: format!("cycle {} revision {rev}", c + 1),
                    confidence: Confidence::Medium,
                    evidence: vec![],
                };
                let how = Recording {
                    answered_by: user.to_owned(),
                    reviewed_by: None,
                    carried: false,
                    at_us: at + i64::try_from(i * 2 + rev)? * 1000,
                };
                assessments::append_result(tx, &id, &answer, &how).await?;
                written += 1;
            }
        }
        assessments::submit(tx, org, &id, at + DAY_US).await?;
        previous = Some(id);
    }
    Ok(written)
}

/// Six issued findings on different requirements, half of them past due, and three risks.
async fn open_findings(
    tx: &mut Tx,
    org: &str,
    user: &str,
    requirements: &[String],
    now: i64,
) -> anyhow::Result<usize> {
    let me = Person {
        user_id: user.to_owned(),
        role: Role::Executive,
    };
    let scope = actor(org, user).record_scope();
    for k in 0..6usize {
        let draft = Finding::draft(Origin::Assessment, Severity::Medium, me.clone(), me.clone());
        let due = if k % 2 == 0 {
            "2025-06-30"
        } else {
            "2027-06-30"
        };
        let id = findings::create(
            tx,
            &NewFinding {
                org_id: org.to_owned(),
                origin_ref: None,
                title: format!("finding {k}"),
                description: "generated for benchmarks".into(),
                requirement_ids: vec![requirements[(k * 7) % requirements.len()].clone()],
                due_on: Some(due.into()),
                finding: draft.clone(),
            },
            now,
        )
        .await?;
        let read = findings::get(tx, &scope, &id).await?;
        let issued = draft.apply(&me, Command::Issue, now + 1)?;
        findings::save_transition(tx, &read, &issued, now + 1).await?;
    }
    for (k, req) in requirements.iter().take(3).enumerate() {
        let risk = RiskFields {
            title: format!("risk {k}"),
            asset: None,
            requirement_id: Some(req.clone()),
            inherent_likelihood: 3,
            inherent_impact: 4,
            residual_likelihood: 2,
            residual_impact: 3,
            owner: "CISO".into(),
            treatment: "mitigate".into(),
            review_on: "2026-12-31".into(),
        };
        risks::create(tx, org, user, &risk, now).await?;
    }
    Ok(6)
}
