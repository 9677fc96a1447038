//! Requests and alerts in storage, on both backends: tasks are read only within the
//! caller's scope (an institution its own, a bureau its region), drafts only by their
//! institution, a task is replaced only from the version read, task history and
//! acknowledgements are append-only, reminders are recorded once, and the population
//! carries the attributes in force. The facts of a request's peer benchmark are the
//! answers of accepted tasks only, never drafts, pending or returned submissions.

use crate::fixtures::{add_org, institution, supervisor};
use deltawall_domain::OrgScope;
use deltawall_domain::catalog::Text;
use deltawall_domain::org::{AttributeKind, BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::alert::{Acknowledgement, Alert};
use deltawall_domain::supervision::population::{Filter, Selector};
use deltawall_domain::supervision::request::{
    Answer, AnswerValue, Asked, AskedQuestion, Request, Task, TaskCommand, TaskState,
};
use deltawall_domain::supervision::{Party, ReminderPolicy};
use deltawall_store::sup_reminders::{self, Subject};
use deltawall_store::sup_requests::{self, RequestDoc};
use deltawall_store::testing::TestDb;
use deltawall_store::{StoreError, backup, new_id, orgs, sup_alerts};

fn text(s: &str) -> Text {
    Text {
        ja: s.into(),
        en: s.into(),
    }
}

fn request() -> Request {
    Request {
        title: text("diagnosis"),
        asked: Asked::Questions {
            questions: vec![AskedQuestion {
                id: "q".into(),
                text: text("run?"),
            }],
        },
        population: Selector {
            filter: Some(Filter::default()),
            ..Selector::default()
        },
        deadline_us: 1_000,
        reminders: ReminderPolicy::default(),
    }
}

fn party(org: &str, kind: OrgKind, role: Role) -> Party {
    Party {
        user_id: format!("{org}-{}", role.code()),
        org_id: org.into(),
        org_kind: kind,
        role,
    }
}

fn kinki(fsa_or_bureau: &str) -> OrgScope {
    OrgScope::Region {
        own: fsa_or_bureau.into(),
        region: Region::Kinki,
    }
}

async fn requests_are_scoped(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let b = add_org(
        s,
        institution("B", BusinessType::ShinkinBank, Region::Kanto),
    )
    .await;
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let bureau = add_org(s, supervisor("Kinki", Some(Region::Kinki))).await;
    let mut tx = s.write().await.unwrap();
    orgs::set_attribute(&mut tx, &a, AttributeKind::SizeBand, "large", 0, None)
        .await
        .unwrap();
    let doc = RequestDoc {
        request: request(),
        baseline_request_id: None,
    };
    sup_requests::insert_request(&mut tx, "r1", &fsa, &doc, "u", 10)
        .await
        .unwrap();
    for (id, org) in [("ta", &a), ("tb", &b)] {
        sup_requests::insert_task(&mut tx, id, "r1", &Task::assign(org, 10))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let mut c = s.read().await.unwrap();
    // The population: institutions only, with attributes in force.
    let pop = sup_requests::population(&mut c, &OrgScope::All, 5)
        .await
        .unwrap();
    assert_eq!(pop.len(), 2);
    let fa = pop.iter().find(|f| f.id == a).unwrap();
    assert_eq!(
        fa.attributes
            .get(&AttributeKind::SizeBand)
            .map(String::as_str),
        Some("large")
    );
    let regional = sup_requests::population(&mut c, &kinki(&bureau), 5)
        .await
        .unwrap();
    assert_eq!(
        regional.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        [a.as_str()]
    );

    let ids = |v: Vec<sup_requests::StoredTask>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let all = ids(sup_requests::tasks_of(&mut c, &OrgScope::All, "r1")
        .await
        .unwrap());
    assert_eq!(all.len(), 2);
    assert_eq!(
        ids(sup_requests::tasks_of(&mut c, &kinki(&bureau), "r1")
            .await
            .unwrap()),
        ["ta"]
    );
    assert_eq!(
        ids(
            sup_requests::tasks_of(&mut c, &OrgScope::Own(b.clone()), "r1")
                .await
                .unwrap()
        ),
        ["tb"]
    );
    assert!(matches!(
        sup_requests::get_task(&mut c, &OrgScope::Own(a.clone()), "tb").await,
        Err(StoreError::NotFound(_))
    ));
    // The request is visible to its issuer, to a bureau with a task in reach, to a
    // targeted institution; not to an institution without a task.
    let c_org = add_org(s, institution("C", BusinessType::MajorBank, Region::Kanto)).await;
    for scope in [OrgScope::All, kinki(&bureau), OrgScope::Own(a.clone())] {
        assert_eq!(
            sup_requests::list_requests(&mut c, &scope)
                .await
                .unwrap()
                .len(),
            1,
            "{scope:?}"
        );
    }
    assert!(
        sup_requests::list_requests(&mut c, &OrgScope::Own(c_org.clone()))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        sup_requests::get_request(&mut c, &OrgScope::Own(c_org), "r1")
            .await
            .is_err()
    );
    let hokkaido = OrgScope::Region {
        own: "other".into(),
        region: Region::Hokkaido,
    };
    assert!(
        sup_requests::get_request(&mut c, &hokkaido, "r1")
            .await
            .is_err()
    );
    assert_eq!(
        sup_requests::tasks_of_org(&mut c, &a).await.unwrap().len(),
        1
    );
    drop(c);

    // Drafts are read by their institution only.
    let answers = vec![Answer {
        id: "q".into(),
        value: AnswerValue::Yes,
        note: "draft".into(),
    }];
    let mut tx = s.write().await.unwrap();
    sup_requests::save_draft(&mut tx, "ta", &a, &answers, "u", 20)
        .await
        .unwrap();
    sup_requests::save_draft(&mut tx, "ta", &a, &answers, "u", 21)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    assert_eq!(
        sup_requests::draft(&mut c, "ta", &a)
            .await
            .unwrap()
            .unwrap()
            .updated_at,
        21
    );
    assert!(
        sup_requests::draft(&mut c, "ta", &b)
            .await
            .unwrap()
            .is_none()
    );
    drop(c);

    // A task changes only from the version read; its events are append-only.
    let mut c = s.read().await.unwrap();
    let t = sup_requests::get_task(&mut c, &OrgScope::All, "ta")
        .await
        .unwrap();
    drop(c);
    let started = t
        .task
        .apply(
            &request(),
            &party(&a, OrgKind::Institution, Role::Staff),
            TaskCommand::Start,
            30,
        )
        .unwrap();
    let mut tx = s.write().await.unwrap();
    sup_requests::update_task(&mut tx, "ta", t.updated_at, &started, 30)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = s.write().await.unwrap();
    let stale = sup_requests::update_task(&mut tx, "ta", t.updated_at, &started, 31).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    drop(tx);
    let mut c = s.read().await.unwrap();
    let now = sup_requests::get_task(&mut c, &OrgScope::All, "ta")
        .await
        .unwrap();
    assert_eq!(now.task.state, TaskState::InProgress);
    assert_eq!(sup_requests::event_count(&mut c, "ta").await.unwrap(), 1);
    assert_eq!(
        sup_requests::outstanding_tasks(&mut c).await.unwrap().len(),
        2
    );
    drop(c);
    let mut tx = s.write().await.unwrap();
    let r = sqlx::query("UPDATE sup_task_events SET actor = 'x'")
        .execute(&mut *tx)
        .await;
    assert!(r.is_err(), "task events are append-only");
    drop(tx);

    // The backup carries drafts too.
    let doc = backup::export(s).await.unwrap();
    assert_eq!(
        doc["tables"]["sup_task_drafts"].as_array().unwrap().len(),
        1
    );
}

async fn alerts_and_reminders(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let b = add_org(
        s,
        institution("B", BusinessType::ShinkinBank, Region::Kanto),
    )
    .await;
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let bureau = add_org(s, supervisor("Kinki", Some(Region::Kinki))).await;
    let alert = Alert {
        title: text("ddos"),
        body: text("ransom ddos"),
        population: Selector {
            filter: Some(Filter::default()),
            ..Selector::default()
        },
        respond_by_us: 100,
        checklist: vec![],
        reminders: ReminderPolicy::default(),
    };
    let mut tx = s.write().await.unwrap();
    sup_alerts::insert(&mut tx, "al", &fsa, &alert, &[a.clone(), b.clone()], "u", 1)
        .await
        .unwrap();
    let ack = Acknowledgement {
        org_id: b.clone(),
        by: party(&b, OrgKind::Institution, Role::Staff),
        at_us: 5,
        answers: vec![],
    };
    sup_alerts::insert_ack(&mut tx, &new_id(), "al", &ack)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    assert_eq!(
        sup_alerts::targets(&mut c, &OrgScope::All, "al")
            .await
            .unwrap()
            .len(),
        2
    );
    let regional = sup_alerts::targets(&mut c, &kinki(&bureau), "al")
        .await
        .unwrap();
    assert_eq!(regional.len(), 1);
    assert_eq!(regional[0].org_id, a);
    assert!(
        sup_alerts::acks(&mut c, &kinki(&bureau), "al")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        sup_alerts::acks(&mut c, &OrgScope::Own(a.clone()), "al")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        sup_alerts::acks(&mut c, &OrgScope::Own(b.clone()), "al")
            .await
            .unwrap(),
        vec![ack]
    );
    let open = sup_alerts::unacknowledged(&mut c).await.unwrap();
    assert_eq!(
        open.iter().map(|(_, o)| o.as_str()).collect::<Vec<_>>(),
        [a.as_str()]
    );
    let c_org = add_org(s, institution("C", BusinessType::MajorBank, Region::Kanto)).await;
    assert!(
        sup_alerts::get(&mut c, &OrgScope::Own(c_org), "al")
            .await
            .is_err()
    );
    drop(c);
    let mut tx = s.write().await.unwrap();
    assert!(
        sqlx::query("DELETE FROM sup_alert_acks")
            .execute(&mut *tx)
            .await
            .is_err()
    );
    drop(tx);

    let mut tx = s.write().await.unwrap();
    assert!(
        sup_reminders::record(&mut tx, Subject::Alert, "al", &a, "r1", 50)
            .await
            .unwrap()
    );
    assert!(
        !sup_reminders::record(&mut tx, Subject::Alert, "al", &a, "r1", 60)
            .await
            .unwrap()
    );
    assert!(
        sup_reminders::record(&mut tx, Subject::Alert, "al", &a, "r2", 70)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    assert_eq!(
        sup_reminders::last_sent(&mut c, Subject::Alert, "al", &a)
            .await
            .unwrap(),
        Some(70)
    );
    assert_eq!(
        sup_reminders::last_sent(&mut c, Subject::Alert, "al", &b)
            .await
            .unwrap(),
        None
    );
    let of = async |c: &mut deltawall_store::Conn, org: &str| {
        sup_reminders::page_for_org(c, org, None, 10)
            .await
            .unwrap()
            .items
            .len()
    };
    assert_eq!(of(&mut c, &a).await, 2);
    assert_eq!(of(&mut c, &b).await, 0);
}

/// A task of `org` in `state` whose last submission answered `answers`.
fn task_in(org: &str, state: TaskState, answers: &[(&str, AnswerValue)]) -> Task {
    Task {
        state,
        answers: answers
            .iter()
            .map(|(id, value)| Answer {
                id: (*id).into(),
                value: *value,
                note: String::new(),
            })
            .collect(),
        ..Task::assign(org, 10)
    }
}

async fn request_benchmark_facts_are_accepted_answers_only(db: &TestDb) {
    use deltawall_domain::posture::Outcome;
    use deltawall_store::sup_benchmarks::request_results;
    let s = &db.store;
    let bank = |name, region| institution(name, BusinessType::RegionalBank, region);
    let a = add_org(s, bank("A", Region::Kinki)).await;
    let b = add_org(s, bank("B", Region::Kanto)).await;
    let c = add_org(s, bank("C", Region::Kinki)).await;
    let d = add_org(s, bank("D", Region::Kinki)).await;
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let bureau = add_org(s, supervisor("Kinki", Some(Region::Kinki))).await;
    let mut tx = s.write().await.unwrap();
    orgs::set_attribute(&mut tx, &a, AttributeKind::SizeBand, "large", 0, None)
        .await
        .unwrap();
    let doc = RequestDoc {
        request: Request {
            asked: Asked::Requirements {
                catalog_id: "fsa".into(),
                requirement_ids: vec!["R1".into(), "R2".into()],
            },
            ..request()
        },
        baseline_request_id: None,
    };
    sup_requests::insert_request(&mut tx, "r1", &fsa, &doc, "u", 10)
        .await
        .unwrap();
    use AnswerValue::*;
    // A accepted; B submitted, awaiting review; C returned; D only has a draft.
    let tasks = [
        (
            "ta",
            task_in(
                &a,
                TaskState::Accepted,
                &[("R1", Yes), ("R2", NotApplicable)],
            ),
        ),
        (
            "tb",
            task_in(&b, TaskState::Submitted, &[("R1", No), ("R2", No)]),
        ),
        (
            "tc",
            task_in(&c, TaskState::Returned, &[("R1", Partial), ("R2", No)]),
        ),
        ("td", task_in(&d, TaskState::InProgress, &[])),
    ];
    for (id, task) in &tasks {
        sup_requests::insert_task(&mut tx, id, "r1", task)
            .await
            .unwrap();
    }
    let draft = [Answer {
        id: "R1".into(),
        value: Partial,
        note: String::new(),
    }];
    sup_requests::save_draft(&mut tx, "td", &d, &draft, "u", 11)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut conn = s.read().await.unwrap();
    let rows = request_results(&mut conn, &OrgScope::All, "r1")
        .await
        .unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.org_id.as_str(), r.requirement_id.as_str(), r.outcome))
        .collect();
    assert_eq!(
        got,
        [
            (a.as_str(), "R1", Outcome::Met),
            (a.as_str(), "R2", Outcome::NotApplicable)
        ]
    );
    assert_eq!(rows[0].size_band.as_deref(), Some("large"));
    assert_eq!(rows[0].business_type, BusinessType::RegionalBank);
    // Scoped: the bureau reaches A (Kinki); B's own scope has nothing accepted.
    let regional = request_results(&mut conn, &kinki(&bureau), "r1")
        .await
        .unwrap();
    assert_eq!(regional.len(), 2);
    let own_b = request_results(&mut conn, &OrgScope::Own(b.clone()), "r1")
        .await
        .unwrap();
    assert!(own_b.is_empty());
    let other = request_results(&mut conn, &OrgScope::All, "r2")
        .await
        .unwrap();
    assert!(other.is_empty());
}

both!(requests_scoped, super::requests_are_scoped);
both!(
    request_benchmark_facts,
    super::request_benchmark_facts_are_accepted_answers_only
);
both!(alerts_reminders, super::alerts_and_reminders);
