//! Incident cases in storage, on both backends: a case is read only within the caller's
//! scope (its institution, a bureau its region), a stale version is a conflict, the
//! timeline is append-only, detections link only within the case's institution, one
//! standing submission per report stage, reviews happen once, and cases count in the
//! flat incident rows of the figures.

use crate::fixtures::{add_org, institution, supervisor};
use deltawall_domain::OrgScope;
use deltawall_domain::incident::case::{
    Case, CaseCommand, Category, Impact, NewCase, Phase, Urgency,
};
use deltawall_domain::incident::detection::parse_batch;
use deltawall_domain::incident::observable::{Observable, ObservableKind};
use deltawall_domain::incident::regime::Stage;
use deltawall_domain::incident::report::{NotReportingDecision, Review, Submission};
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::Party;
use deltawall_domain::supervision::request::Attestation;
use deltawall_store::incidents::{self, cases, reports, work};
use deltawall_store::testing::TestDb;
use deltawall_store::{StoreError, detections};
use std::collections::BTreeMap;

const NOW: i64 = 1_793_577_600_000_000;

fn staff(org: &str, role: Role) -> Party {
    Party {
        user_id: format!("{org}-user"),
        org_id: org.to_owned(),
        org_kind: OrgKind::Institution,
        role,
    }
}

fn open(org: &str) -> (Case, deltawall_domain::incident::case::TimelineEntry) {
    let new = NewCase {
        org_id: org.to_owned(),
        title: "List-type attack on internet banking".into(),
        category: Category::ListAttackLogin,
        ransom_demanded: false,
        summary: "many failed logins from rotating addresses".into(),
        occurred_on: deltawall_domain::jst::today(NOW),
        impact: Impact {
            customers_affected: 12,
            ..Impact::default()
        },
        urgency: Urgency::Ongoing,
        recognised_at_us: Some(NOW - 3_600_000_000),
        exercise: false,
    };
    Case::open(new, &staff(org, Role::Staff), NOW).unwrap()
}

fn submission(org: &str, version: u32) -> Submission {
    Submission {
        regime: "fsa_incident".into(),
        stage: Stage::First,
        version,
        items: BTreeMap::from([("summary".to_owned(), "list attack".to_owned())]),
        attestation: Attestation {
            by: staff(org, Role::Executive),
            at_us: NOW,
        },
        submitted_by: format!("{org}-user"),
        submitted_at_us: NOW,
        review: Review::Pending,
    }
}

async fn cases_are_scoped_and_versioned(db: &TestDb) {
    let a = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        &db.store,
        institution("Bank B", BusinessType::ShinkinBank, Region::Kinki),
    )
    .await;
    let kanto = add_org(&db.store, supervisor("Kanto bureau", Some(Region::Kanto))).await;
    let (mut case, first) = open(&a);
    let mut tx = db.store.write().await.unwrap();
    cases::insert(&mut tx, "case-a", &case, &first)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut conn = db.store.read().await.unwrap();
    let own = OrgScope::Own(a.clone());
    let read = cases::get(&mut conn, &own, "case-a").await.unwrap();
    assert_eq!((read.case.clone(), read.version), (case.clone(), 1));
    let bureau = OrgScope::Region {
        own: kanto.clone(),
        region: Region::Kanto,
    };
    assert!(cases::get(&mut conn, &bureau, "case-a").await.is_ok());
    let kinki = OrgScope::Region {
        own: kanto.clone(),
        region: Region::Kinki,
    };
    for scope in [OrgScope::Own(b.clone()), kinki] {
        assert!(matches!(
            cases::get(&mut conn, &scope, "case-a").await,
            Err(StoreError::NotFound(_))
        ));
        assert!(cases::list(&mut conn, &scope).await.unwrap().is_empty());
    }
    // The case counts in the flat rows the sector figures read.
    let flat = incidents::list(&mut conn, &bureau).await.unwrap();
    assert_eq!(flat.len(), 1);
    assert_eq!(flat[0].attack_type.code(), "unauthorized_login");
    drop(conn);

    let actor = staff(&a, Role::Staff);
    let entry = case
        .apply(
            CaseCommand::EnterPhase {
                phase: Phase::Triage,
            },
            &actor,
            NOW + 1,
        )
        .unwrap();
    let mut tx = db.store.write().await.unwrap();
    cases::update(&mut tx, "case-a", 1, &case, &entry)
        .await
        .unwrap();
    // A change made from the version already replaced is refused.
    assert!(matches!(
        cases::update(&mut tx, "case-a", 1, &case, &entry).await,
        Err(StoreError::Conflict(_))
    ));
    tx.commit().await.unwrap();
    let mut conn = db.store.read().await.unwrap();
    let read = cases::get(&mut conn, &own, "case-a").await.unwrap();
    assert_eq!((read.case.phase, read.version), (Phase::Triage, 2));
    let timeline = cases::timeline(&mut conn, "case-a").await.unwrap();
    assert_eq!(
        timeline
            .iter()
            .map(|e| (e.seq, e.entry.kind.code()))
            .collect::<Vec<_>>(),
        vec![(1, "opened"), (2, "phase_entered")]
    );
    drop(conn);
    let mut tx = db.store.write().await.unwrap();
    let edited = sqlx::query("UPDATE incident_timeline SET actor = 'x' WHERE case_id = 'case-a'")
        .execute(&mut *tx)
        .await;
    assert!(edited.is_err(), "the timeline must be append-only");
}

async fn detections_and_work(db: &TestDb) {
    let a = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        &db.store,
        institution("Bank B", BusinessType::ShinkinBank, Region::Kinki),
    )
    .await;
    let line = r#"{"rule_id":"list-attack","title":"Many failed logins","level":"high","kind":"correlation","first_seen":"2026-11-02T01:00:00Z","last_seen":"2026-11-02T01:05:00Z","group":{"src_ip":"198.51.100.7"},"count":40}"#;
    let batch = parse_batch(line);
    let det = batch.detections[0].id.clone();
    let (case, first) = open(&a);
    let mut tx = db.store.write().await.unwrap();
    detections::ingest(&mut tx, &a, "token", &batch.detections, NOW)
        .await
        .unwrap();
    detections::ingest(&mut tx, &b, "token", &batch.detections, NOW)
        .await
        .unwrap();
    cases::insert(&mut tx, "case-a", &case, &first)
        .await
        .unwrap();
    // A detection id that exists only for another institution is not found.
    assert!(matches!(
        cases::link_detections(&mut tx, &a, "case-a", &["det-missing".to_owned()], NOW).await,
        Err(StoreError::NotFound("detection"))
    ));
    cases::link_detections(&mut tx, &a, "case-a", std::slice::from_ref(&det), NOW)
        .await
        .unwrap();
    let ip = Observable::parse(ObservableKind::Ip, "198.51.100.7").unwrap();
    let account = Observable::parse(ObservableKind::Account, "customer-42").unwrap();
    work::add_observable(&mut tx, "case-a", &a, &ip, "source", "u", NOW)
        .await
        .unwrap();
    work::add_observable(&mut tx, "case-a", &a, &account, "victim", "u", NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // On PostgreSQL a refused insert ends its transaction, so each refusal gets its own.
    let mut tx = db.store.write().await.unwrap();
    assert!(matches!(
        work::add_observable(&mut tx, "case-a", &a, &ip, "again", "u", NOW).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    let mut conn = db.store.read().await.unwrap();
    assert_eq!(
        cases::linked_detections(&mut conn, "case-a").await.unwrap(),
        vec![det.clone()]
    );
    let statuses: Vec<(String, String)> =
        sqlx::query_as("SELECT org_id, status FROM detections WHERE id = $1 ORDER BY status")
            .bind(det)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(
        statuses,
        vec![(a.clone(), "escalated".into()), (b, "new".into())]
    );
    let obs = work::observables(&mut conn, "case-a").await.unwrap();
    assert_eq!(
        obs.iter()
            .map(|o| (o.observable.kind.code(), o.shareable))
            .collect::<Vec<_>>(),
        vec![("ip", true), ("account", false)]
    );
}

async fn reports_stand_once(db: &TestDb) {
    let a = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        &db.store,
        institution("Bank B", BusinessType::ShinkinBank, Region::Kinki),
    )
    .await;
    let (case, first) = open(&a);
    let mut tx = db.store.write().await.unwrap();
    cases::insert(&mut tx, "case-a", &case, &first)
        .await
        .unwrap();
    reports::insert(&mut tx, "r1", "case-a", &a, &submission(&a, 1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A second standing submission of the same stage is refused by the database itself
    // (in its own transaction: on PostgreSQL a refused insert ends it).
    let mut tx = db.store.write().await.unwrap();
    assert!(matches!(
        reports::insert(&mut tx, "r2", "case-a", &a, &submission(&a, 2)).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    let mut tx = db.store.write().await.unwrap();
    let returned = Review::Returned {
        by_user_id: "fsa".into(),
        at_us: NOW + 5,
        reason: "add the customer count".into(),
    };
    reports::review(&mut tx, "r1", &returned).await.unwrap();
    assert!(matches!(
        reports::review(&mut tx, "r1", &returned).await,
        Err(StoreError::Conflict(_))
    ));
    reports::insert(&mut tx, "r2", "case-a", &a, &submission(&a, 2))
        .await
        .unwrap();
    let decision = NotReportingDecision {
        regime: "dora".into(),
        reason: "not an EU entity".into(),
        executive_user_id: "exec".into(),
        at_us: NOW,
    };
    reports::insert_decision(&mut tx, "case-a", &a, &decision)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.store.write().await.unwrap();
    assert!(matches!(
        reports::insert_decision(&mut tx, "case-a", &a, &decision).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    let mut conn = db.store.read().await.unwrap();
    let all = reports::of_case(&mut conn, "case-a").await.unwrap();
    assert_eq!(
        all.iter()
            .map(|s| (s.submission.version, s.submission.review.code()))
            .collect::<Vec<_>>(),
        vec![(1, "returned"), (2, "pending")]
    );
    assert_eq!(all[0].submission.review, returned);
    let own_b = OrgScope::Own(b);
    assert!(
        reports::in_scope(&mut conn, &own_b, None, 100)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(
        reports::get(&mut conn, &own_b, "r2").await,
        Err(StoreError::NotFound(_))
    ));
    // One row a page: the pending version first, then the returned one, each once.
    let first = reports::in_scope(&mut conn, &OrgScope::All, None, 1)
        .await
        .unwrap();
    assert_eq!(first.items[0].id, "r2");
    let after = deltawall_store::keyset::Cursor::decode(first.next.as_deref().unwrap(), 3).unwrap();
    let second = reports::in_scope(&mut conn, &OrgScope::All, Some(&after), 1)
        .await
        .unwrap();
    assert_eq!(
        (second.items.len(), second.items[0].id.as_str(), second.next),
        (1, "r1", None)
    );
    assert_eq!(
        reports::decisions(&mut conn, "case-a").await.unwrap(),
        vec![decision]
    );
}

both!(cases_scoped, super::cases_are_scoped_and_versioned);
both!(detections_work, super::detections_and_work);
both!(reports_once, super::reports_stand_once);
