//! The demo's requests (要請) and alert (注意喚起), in the shapes the report describes
//! (section 2.(1)③ア and 1.(2)):
//!
//! - a completed baseline survey and the completed 2019 request to regional banks, shinkin
//!   banks and credit cooperatives (vulnerability diagnosis, external exercise, log
//!   monitoring), whose before/after view shows about 10% → over 90% for the diagnosis
//!   and about 60% → over 90% for exercises among shinkin banks and credit cooperatives
//!   (`REPORTED_REQUEST_EFFECT`);
//! - an open request on log monitoring to regional banks with tasks in every state;
//! - the October 2019 alert on credential-list logins and ransom DDoS, acknowledged by
//!   most institutions, some late, some not at all.
//!
//! The answers are generated deterministically from each institution's position, so
//! the shares come out of the data, not out of constants written into a page. Demo
//! institutions have no users of their own; their attestations name a stand-in
//! executive (`demo:executive`).

use deltawall_app::record;
use deltawall_domain::OrgScope;
use deltawall_domain::catalog::Text;
use deltawall_domain::org::{BusinessType, OrgKind};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::alert::{
    Acknowledgement, Alert, ChecklistAnswer, ChecklistItem,
};
use deltawall_domain::supervision::figures::REPORTED_REQUEST_EFFECT;
use deltawall_domain::supervision::population::{Filter, OrgFacts, Selector, select};
use deltawall_domain::supervision::request::{
    Answer, AnswerValue, Asked, AskedQuestion, Attestation, Request, Task, TaskCommand,
};
use deltawall_domain::supervision::{DAY_US, Party, ReminderPolicy};
use deltawall_store::sup_requests::{self, RequestDoc};
use deltawall_store::{Tx, new_id, sup_alerts};
use serde_json::json;

fn text(ja: &str, en: &str) -> Text {
    Text {
        ja: ja.into(),
        en: en.into(),
    }
}

fn question(id: &str, ja: &str, en: &str) -> AskedQuestion {
    AskedQuestion {
        id: id.into(),
        text: text(ja, en),
    }
}

/// The three items of the 2019 request, in our words.
fn asked_2019() -> Asked {
    Asked::Questions {
        questions: vec![
            question(
                "vulnerability_diagnosis",
                "外部公開システムの脆弱性診断を実施したか",
                "Has a vulnerability diagnosis of the internet-facing systems been run?",
            ),
            question(
                "external_exercise",
                "外部の演習に参加し、結果を検証したか",
                "Has the institution taken part in an external exercise and reviewed it?",
            ),
            question(
                "log_monitoring",
                "ログ監視の体制を整備したか",
                "Is log monitoring organised?",
            ),
        ],
    }
}

fn population(types: &[BusinessType]) -> Selector {
    Selector {
        filter: Some(Filter {
            business_types: types.to_vec(),
            ..Filter::default()
        }),
        ..Selector::default()
    }
}

/// Yes for about `percent` per cent of positions: position `i` answers yes when
/// `(i · percent) mod 100 < percent`.
fn yes_at(i: usize, percent: u32) -> AnswerValue {
    if (i as u64 * u64::from(percent)) % 100 < u64::from(percent) {
        AnswerValue::Yes
    } else {
        AnswerValue::No
    }
}

fn executive_of(org: &str) -> Party {
    Party {
        user_id: "demo:executive".into(),
        org_id: org.into(),
        org_kind: OrgKind::Institution,
        role: Role::Executive,
    }
}

/// Records a task through the domain's commands, with one event per command.
async fn task_through(
    tx: &mut Tx,
    request_id: &str,
    request: &Request,
    org: &str,
    assigned_at: i64,
    steps: &[(i64, Party, TaskCommand)],
) -> anyhow::Result<()> {
    let id = new_id();
    let mut task = Task::assign(org, assigned_at);
    sup_requests::insert_task(tx, &id, request_id, &task).await?;
    let mut token = assigned_at;
    for (at, who, command) in steps {
        let next = task
            .apply(request, who, command.clone(), *at)
            .map_err(|e| anyhow::anyhow!("demo task: {e}"))?;
        sup_requests::update_task(tx, &id, token, &next, *at).await?;
        token = (*at).max(token + 1);
        task = next;
    }
    Ok(())
}

fn submit(org: &str, at: i64, answers: Vec<Answer>) -> (i64, Party, TaskCommand) {
    let by = executive_of(org);
    let attestation = Attestation {
        by: by.clone(),
        at_us: at,
    };
    (
        at,
        by,
        TaskCommand::Submit {
            answers,
            attestation,
        },
    )
}

fn answer(id: &str, value: AnswerValue) -> Answer {
    Answer {
        id: id.into(),
        value,
        note: String::new(),
    }
}

async fn send(
    tx: &mut Tx,
    fsa: &str,
    fsa_staff: &str,
    doc: &RequestDoc,
    sent: i64,
) -> anyhow::Result<String> {
    let id = new_id();
    sup_requests::insert_request(tx, &id, fsa, doc, fsa_staff, sent).await?;
    record(
        tx,
        Some(fsa_staff),
        Some(fsa),
        "request.send",
        ("request", Some(&id)),
        json!({"title": doc.request.title.ja, "demo": true}),
        None,
    )
    .await?;
    Ok(id)
}

/// Seeds the requests and the alert; `fsa_staff` is the FSA user who sends and decides.
pub async fn seed(tx: &mut Tx, fsa: &str, fsa_staff: &str, now: i64) -> anyhow::Result<()> {
    let sector = sup_requests::population(tx, &OrgScope::All, now).await?;
    let staff = Party {
        user_id: fsa_staff.into(),
        org_id: fsa.into(),
        org_kind: OrgKind::Supervisor,
        role: Role::Staff,
    };
    let small = [BusinessType::ShinkinBank, BusinessType::CreditCooperative];
    let all_three = [
        BusinessType::RegionalBank,
        BusinessType::ShinkinBank,
        BusinessType::CreditCooperative,
    ];
    let targets = select(&population(&all_three), &sector);
    let is_small = |id: &str| {
        sector
            .iter()
            .any(|f: &OrgFacts| f.id == id && small.contains(&f.business_type))
    };
    let [diag, exercise] = REPORTED_REQUEST_EFFECT;

    // The survey before the request: its accepted answers are the "before".
    let survey_sent = now - 420 * DAY_US;
    let survey = Request {
        title: text(
            "2018事務年度 サイバーセキュリティ実態調査",
            "Cyber security survey, administrative year 2018",
        ),
        asked: asked_2019(),
        population: population(&all_three),
        deadline_us: survey_sent + 30 * DAY_US,
        reminders: ReminderPolicy::default(),
    };
    let survey_doc = RequestDoc {
        request: survey.clone(),
        baseline_request_id: None,
    };
    let survey_id = send(tx, fsa, fsa_staff, &survey_doc, survey_sent).await?;
    // The request itself, with the survey as its baseline.
    let sent = now - 380 * DAY_US;
    let request = Request {
        title: text(
            "脆弱性診断・演習・ログ監視に関する要請（2019年）",
            "Request on vulnerability diagnosis, exercises and log monitoring (2019)",
        ),
        asked: asked_2019(),
        population: population(&all_three),
        deadline_us: sent + 200 * DAY_US,
        reminders: ReminderPolicy {
            days_before: vec![30, 7],
            overdue_every_days: Some(7),
        },
    };
    let doc = RequestDoc {
        request: request.clone(),
        baseline_request_id: Some(survey_id.clone()),
    };
    let request_id = send(tx, fsa, fsa_staff, &doc, sent).await?;
    for (i, org) in targets.iter().enumerate() {
        // Regional banks were mostly doing it already; the small ones moved.
        let (before_diag, before_ex) = if is_small(org) {
            (diag.before_about_percent, exercise.before_about_percent)
        } else {
            (80, 85)
        };
        let before = vec![
            answer("vulnerability_diagnosis", yes_at(i, before_diag)),
            answer("external_exercise", yes_at(i, before_ex)),
            answer("log_monitoring", yes_at(i, 50)),
        ];
        let at = survey_sent + (1 + i as i64 % 20) * DAY_US;
        let steps = [
            submit(org, at, before),
            (at + DAY_US, staff.clone(), TaskCommand::Accept),
        ];
        task_through(tx, &survey_id, &survey, org, survey_sent, &steps).await?;
        // After: at least the reported share; one in eight was returned once first.
        let after_pct = diag.after_at_least_percent + 4;
        let after = vec![
            answer("vulnerability_diagnosis", yes_at(i, after_pct)),
            answer(
                "external_exercise",
                yes_at(i + 3, exercise.after_at_least_percent + 4),
            ),
            answer("log_monitoring", yes_at(i, 85)),
        ];
        let at = sent + (60 + i as i64 % 120) * DAY_US;
        let mut steps = vec![submit(org, at, after.clone())];
        if i % 8 == 4 {
            let reason = "診断の対象範囲を記載してください".to_owned();
            steps.push((at + DAY_US, staff.clone(), TaskCommand::Return { reason }));
            steps.push(submit(org, at + 3 * DAY_US, after));
        }
        let last = steps.last().map_or(at, |s| s.0);
        steps.push((last + 2 * DAY_US, staff.clone(), TaskCommand::Accept));
        task_through(tx, &request_id, &request, org, sent, &steps).await?;
    }

    open_request(tx, fsa, fsa_staff, &staff, &sector, now).await?;
    alert_2019(tx, fsa, fsa_staff, &sector, now).await?;
    Ok(())
}

/// An open request to regional banks with tasks in every state.
async fn open_request(
    tx: &mut Tx,
    fsa: &str,
    fsa_staff: &str,
    staff: &Party,
    sector: &[OrgFacts],
    now: i64,
) -> anyhow::Result<()> {
    let sent = now - 12 * DAY_US;
    let request = Request {
        title: text(
            "ログ監視体制の高度化に関する要請",
            "Request on strengthening log monitoring",
        ),
        asked: Asked::Questions {
            questions: vec![
                question(
                    "soc_coverage",
                    "インターネットバンキングのログを24時間監視しているか",
                    "Are internet banking logs monitored around the clock?",
                ),
                question(
                    "retention",
                    "ログを1年以上保存しているか",
                    "Are logs kept for at least a year?",
                ),
            ],
        },
        population: population(&[BusinessType::RegionalBank]),
        deadline_us: now + 18 * DAY_US,
        reminders: ReminderPolicy {
            days_before: vec![7, 1],
            overdue_every_days: Some(3),
        },
    };
    let doc = RequestDoc {
        request: request.clone(),
        baseline_request_id: None,
    };
    let id = send(tx, fsa, fsa_staff, &doc, sent).await?;
    let targets = select(&request.population, sector);
    let answers = |v| {
        vec![
            answer("soc_coverage", v),
            answer("retention", AnswerValue::Yes),
        ]
    };
    for (i, org) in targets.iter().enumerate() {
        let at = sent + (1 + i as i64 % 9) * DAY_US;
        let steps: Vec<(i64, Party, TaskCommand)> = match i % 5 {
            // Not started yet (the demo bank's executive, bank-ciso, can answer one).
            0 => vec![],
            1 => vec![(at, executive_of(org), TaskCommand::Start)],
            2 => vec![submit(org, at, answers(AnswerValue::Partial))],
            3 => vec![
                submit(org, at, answers(AnswerValue::No)),
                (
                    at + DAY_US,
                    staff.clone(),
                    TaskCommand::Return {
                        reason: "監視対象のシステムを明記してください".into(),
                    },
                ),
            ],
            _ => vec![
                submit(org, at, answers(AnswerValue::Yes)),
                (at + DAY_US, staff.clone(), TaskCommand::Accept),
            ],
        };
        task_through(tx, &id, &request, org, sent, &steps).await?;
    }
    Ok(())
}

/// The October 2019 alert on credential-list logins and ransom DDoS, with a checklist.
async fn alert_2019(
    tx: &mut Tx,
    fsa: &str,
    fsa_staff: &str,
    sector: &[OrgFacts],
    now: i64,
) -> anyhow::Result<()> {
    let sent = now - 400 * DAY_US;
    let alert = Alert {
        title: text(
            "リスト型攻撃及び脅迫型DDoS攻撃に関する注意喚起（2019年10月）",
            "Alert on credential-list attacks and ransom DDoS (October 2019)",
        ),
        body: text(
            "他のサイトから流出したIDとパスワードを使う不正ログイン（リスト型攻撃）と、支払いを求める脅迫を伴うDDoS攻撃が確認されています。認証の強化、不審なログインの検知、DDoS対策の確認を求めます（レポート1.(2)）。",
            "Logins with IDs and passwords leaked from other sites (credential lists) and DDoS attacks with ransom demands have been observed. Strengthen authentication, detect suspicious logins and check DDoS protection (report section 1.(2)).",
        ),
        population: Selector {
            filter: Some(Filter::default()),
            ..Selector::default()
        },
        respond_by_us: sent + 14 * DAY_US,
        checklist: vec![
            ChecklistItem {
                id: "login_protection".into(),
                text: text(
                    "リスト型攻撃に耐える認証（多要素認証等）を導入しているか",
                    "Is login protected against credential lists (e.g. multi-factor)?",
                ),
            },
            ChecklistItem {
                id: "ddos_plan".into(),
                text: text(
                    "DDoS攻撃を受けた際の対応手順と連絡先を確認したか",
                    "Have the DDoS response procedure and contacts been checked?",
                ),
            },
        ],
        reminders: ReminderPolicy {
            days_before: vec![3],
            overdue_every_days: Some(7),
        },
    };
    let targets = select(&alert.population, sector);
    let id = new_id();
    sup_alerts::insert(tx, &id, fsa, &alert, &targets, fsa_staff, sent).await?;
    record(
        tx,
        Some(fsa_staff),
        Some(fsa),
        "alert.send",
        ("alert", Some(&id)),
        json!({"title": alert.title.ja, "targets": targets.len(), "demo": true}),
        None,
    )
    .await?;
    for (i, org) in targets.iter().enumerate() {
        // Most acknowledge on time, one in seven late, one in eleven not at all.
        if i % 11 == 10 {
            continue;
        }
        let days = if i % 7 == 6 { 20 } else { 2 + i as i64 % 10 };
        let ack = Acknowledgement {
            org_id: org.clone(),
            by: Party {
                user_id: "demo:staff".into(),
                org_id: org.clone(),
                org_kind: OrgKind::Institution,
                role: Role::Staff,
            },
            at_us: sent + days * DAY_US,
            answers: vec![
                ChecklistAnswer {
                    item_id: "login_protection".into(),
                    value: yes_at(i, 70),
                    note: String::new(),
                },
                ChecklistAnswer {
                    item_id: "ddos_plan".into(),
                    value: yes_at(i + 1, 85),
                    note: String::new(),
                },
            ],
        };
        sup_alerts::insert_ack(tx, &new_id(), &id, &ack).await?;
    }
    Ok(())
}
