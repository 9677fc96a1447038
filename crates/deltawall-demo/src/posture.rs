//! The demo bank's posture: last year's submitted self-assessment, this year's cycle
//! carried forward from it, a finding under remediation with its plan, and one risk. Written
//! through the store inside the demo's transaction, each with its audit entry.

use deltawall_app::record;
use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::finding::{Command, Finding, Origin, Person, Severity};
use deltawall_domain::posture::{Answer, AssessmentKind, Confidence, Outcome};
use deltawall_domain::role::Role;
use deltawall_store::Tx;
use deltawall_store::assessments::{self, NewAssessment, Recording};
use deltawall_store::findings::{self, NewFinding};
use deltawall_store::risks::{self, RiskFields};
use serde_json::json;

const DAY_US: i64 = 86_400_000_000;

/// Last year's answers: (requirement, result, maturity, rationale).
const ANSWERS: &[(&str, Outcome, u8, &str)] = &[
    (
        "FSA-BE1-01",
        Outcome::Met,
        2,
        "取締役会が年次のサイバーセキュリティ計画を承認（議事録あり）",
    ),
    (
        "FSA-BE1-02",
        Outcome::Partial,
        1,
        "進捗報告は半期ごと。指標は未整備",
    ),
    (
        "FSA-BE2-01",
        Outcome::Met,
        2,
        "リスク評価手順を規程化し年1回実施",
    ),
    (
        "FSA-BE3-01",
        Outcome::Partial,
        1,
        "CSIRTは設置済だが夜間休日の体制が未整備",
    ),
    (
        "FSA-BE4-01",
        Outcome::NotMet,
        1,
        "コンティンジェンシープランの演習を2年間実施していない",
    ),
    (
        "FSA-BE5-01",
        Outcome::Met,
        2,
        "内部監査がサイバーセキュリティ監査を年1回実施",
    ),
];

/// Seeds the posture of `bank`, whose executive is `ciso` and staff member `soc`.
pub async fn seed(tx: &mut Tx, bank: &str, ciso: &str, soc: &str, now: i64) -> anyhow::Result<()> {
    let catalog = fsa_2020_viewpoints()?;
    let (catalog_id, _) = assessments::insert_catalog(tx, &catalog, None, now).await?;
    record(
        tx,
        None,
        None,
        "catalog.import",
        ("catalog", Some(&catalog_id)),
        json!({"key": catalog.id, "version": catalog.version}),
        None,
    )
    .await?;
    let last_year = now - 240 * DAY_US;
    let new = |as_of: &str, cycle, previous_id| NewAssessment {
        org_id: bank.to_owned(),
        catalog_id: catalog_id.clone(),
        kind: AssessmentKind::SelfAssessment,
        scope: "全社（インターネットバンキングを含む）".into(),
        as_of: as_of.into(),
        cycle,
        previous_id,
        created_by: soc.to_owned(),
    };
    let first = assessments::create(tx, &new("2025-03-31", 1, None), last_year).await?;
    for (i, (req, outcome, maturity, rationale)) in ANSWERS.iter().enumerate() {
        let answer = Answer {
            requirement_id: (*req).to_owned(),
            outcome: *outcome,
            justification: None,
            maturity: Some(*maturity),
            rationale: (*rationale).to_owned(),
            confidence: Confidence::Medium,
            evidence: vec![],
        };
        let how = Recording {
            answered_by: soc.to_owned(),
            reviewed_by: None,
            carried: false,
            at_us: last_year + i64::try_from(i)? * 1000,
        };
        assessments::append_result(tx, &first, &answer, &how).await?;
    }
    assessments::submit(tx, bank, &first, last_year + DAY_US).await?;
    record(
        tx,
        Some(soc),
        Some(bank),
        "assessment.create",
        ("assessment", Some(&first)),
        json!({"cycle": 1, "source": "demo"}),
        None,
    )
    .await?;

    // This year: carried forward, one answer already revised.
    let second = assessments::create(tx, &new("2026-03-31", 2, Some(first.clone())), now).await?;
    for (req, outcome, maturity, rationale) in ANSWERS {
        let answer = Answer {
            requirement_id: (*req).to_owned(),
            outcome: *outcome,
            justification: None,
            maturity: Some(*maturity),
            rationale: (*rationale).to_owned(),
            confidence: Confidence::Medium,
            evidence: vec![],
        };
        let how = Recording {
            answered_by: soc.to_owned(),
            reviewed_by: None,
            carried: true,
            at_us: now,
        };
        assessments::append_result(tx, &second, &answer, &how).await?;
    }
    let revised = Answer {
        requirement_id: "FSA-BE1-02".into(),
        outcome: Outcome::Met,
        justification: None,
        maturity: Some(2),
        rationale: "四半期ごとに指標（パッチ適用率、訓練実施率）で取締役会に報告".into(),
        confidence: Confidence::High,
        evidence: vec![],
    };
    let how = Recording {
        answered_by: soc.to_owned(),
        reviewed_by: Some(soc.to_owned()),
        carried: false,
        at_us: now + 1,
    };
    assessments::append_result(tx, &second, &revised, &how).await?;
    record(
        tx,
        Some(soc),
        Some(bank),
        "assessment.create",
        ("assessment", Some(&second)),
        json!({"cycle": 2, "previous": first, "source": "demo"}),
        None,
    )
    .await?;

    // The exercise finding, issued and under remediation, with a plan.
    let owner = Person {
        user_id: soc.to_owned(),
        role: Role::Staff,
    };
    let issuer = Person {
        user_id: ciso.to_owned(),
        role: Role::Executive,
    };
    let mut finding = Finding::draft(
        Origin::Assessment,
        Severity::High,
        owner.clone(),
        issuer.clone(),
    );
    let id = findings::create(
        tx,
        &NewFinding {
            org_id: bank.to_owned(),
            origin_ref: Some(first.clone()),
            title: "コンティンジェンシープランの演習が未実施".into(),
            description: "2年間演習を行っておらず、計画の実効性が確認されていない。".into(),
            requirement_ids: vec!["FSA-BE4-01".into()],
            due_on: Some("2026-06-30".into()),
            finding: finding.clone(),
        },
        last_year,
    )
    .await?;
    let steps = [
        (&issuer, Command::Issue),
        (&owner, Command::Acknowledge),
        (&issuer, Command::AcceptPlan),
        (&owner, Command::StartRemediation),
    ];
    for (i, (who, cmd)) in steps.into_iter().enumerate() {
        let at = last_year + (i64::try_from(i)? + 2) * DAY_US;
        let read = findings::get(
            tx,
            &deltawall_domain::Actor::record_scope(&demo_actor(bank, ciso)),
            &id,
        )
        .await?;
        let next = finding.apply(who, cmd, at)?;
        findings::save_transition(tx, &read, &next, at).await?;
        finding = next;
    }
    findings::add_milestone(
        tx,
        &id,
        "机上演習の実施（サイバー攻撃シナリオ）",
        "リスク管理部",
        "2026-02-27",
        now,
    )
    .await?;
    findings::add_milestone(
        tx,
        &id,
        "演習結果に基づく計画の改訂",
        "CISO",
        "2026-06-30",
        now,
    )
    .await?;
    record(
        tx,
        Some(ciso),
        Some(bank),
        "finding.create",
        ("finding", Some(&id)),
        json!({"source": "demo"}),
        None,
    )
    .await?;

    let risk = RiskFields {
        title: "ランサムウェアによる勘定系停止".into(),
        asset: Some("勘定系システム（共同センター）".into()),
        requirement_id: Some("FSA-BE4-01".into()),
        inherent_likelihood: 3,
        inherent_impact: 5,
        residual_likelihood: 2,
        residual_impact: 4,
        owner: "CISO".into(),
        treatment: "mitigate".into(),
        review_on: "2026-09-30".into(),
    };
    let rid = risks::create(tx, bank, soc, &risk, now).await?;
    record(
        tx,
        Some(soc),
        Some(bank),
        "risk.create",
        ("risk", Some(&rid)),
        json!({"source": "demo"}),
        None,
    )
    .await?;
    Ok(())
}

/// The bank's executive, for reading its own records while seeding.
fn demo_actor(bank: &str, ciso: &str) -> deltawall_domain::Actor {
    deltawall_domain::Actor {
        user_id: ciso.to_owned(),
        org_id: bank.to_owned(),
        org_kind: deltawall_domain::OrgKind::Institution,
        reach: None,
        role: Role::Executive,
        token_scope: None,
        token_id: None,
    }
}
