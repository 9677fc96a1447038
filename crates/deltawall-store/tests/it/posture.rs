//! Posture storage: catalogs are immutable, results are append-only and readable as of any
//! day, evidence round-trips with its hash, findings persist the domain's transitions, and
//! every read is tenant-scoped.

use crate::fixtures::{add_org, add_user, institution, supervisor};
use deltawall_domain::OrgScope;
use deltawall_domain::access::RecordScope;
use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::finding::{Command, Finding, Origin, Person, Severity, State};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::posture::{Answer, AssessmentKind, Change, Confidence, MapLine, Outcome};
use deltawall_domain::role::Role;
use deltawall_store::assessments::{self, NewAssessment, Recording};
use deltawall_store::evidence::{self, NewEvidence};
use deltawall_store::findings::{self, NewFinding};
use deltawall_store::risks::{self, RiskFields};
use deltawall_store::testing::TestDb;
use deltawall_store::{Store, StoreError, backup};

pub(crate) fn own(org: &str) -> RecordScope {
    RecordScope {
        orgs: OrgScope::Own(org.to_owned()),
        group_parent: Some(org.to_owned()),
        viewer_org: org.to_owned(),
    }
}

fn national(fsa: &str) -> RecordScope {
    RecordScope {
        orgs: OrgScope::All,
        group_parent: None,
        viewer_org: fsa.to_owned(),
    }
}

pub(crate) fn answer(req: &str, outcome: Outcome, rationale: &str) -> Answer {
    Answer {
        requirement_id: req.to_owned(),
        outcome,
        justification: None,
        maturity: Some(2),
        rationale: rationale.to_owned(),
        confidence: Confidence::Medium,
        evidence: vec![],
    }
}

pub(crate) async fn builtin(s: &Store) -> String {
    let mut tx = s.write().await.unwrap();
    let (id, _) = assessments::insert_catalog(&mut tx, &fsa_2020_viewpoints().unwrap(), None, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

pub(crate) async fn new_assessment(s: &Store, org: &str, user: &str, catalog: &str) -> String {
    let mut tx = s.write().await.unwrap();
    let new = NewAssessment {
        org_id: org.to_owned(),
        catalog_id: catalog.to_owned(),
        kind: AssessmentKind::SelfAssessment,
        scope: "enterprise".into(),
        as_of: "2026-03-31".into(),
        cycle: 1,
        previous_id: None,
        created_by: user.to_owned(),
    };
    let id = assessments::create(&mut tx, &new, 10).await.unwrap();
    tx.commit().await.unwrap();
    id
}

pub(crate) async fn record(s: &Store, assessment: &str, a: &Answer, user: &str, at_us: i64) {
    let mut tx = s.write().await.unwrap();
    let how = Recording {
        answered_by: user.to_owned(),
        reviewed_by: None,
        carried: false,
        at_us,
    };
    assessments::append_result(&mut tx, assessment, a, &how)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn catalogs_are_immutable(db: &TestDb) {
    let s = &db.store;
    let id = builtin(s).await;
    assert_eq!(builtin(s).await, id, "loading twice keeps one edition");
    let mut c = s.read().await.unwrap();
    let doc = assessments::catalog_document(&mut c, &id).await.unwrap();
    assert_eq!(doc, fsa_2020_viewpoints().unwrap());
    let mut changed = doc.clone();
    changed.title.en = "edited".into();
    let err = assessments::insert_catalog(&mut c, &changed, None, 2)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    for sql in ["UPDATE catalogs SET version = 'x'", "DELETE FROM catalogs"] {
        let e = sqlx::query(sql).execute(&mut *c).await.unwrap_err();
        assert!(
            e.to_string().contains("immutable") || e.to_string().contains("append-only"),
            "{e}"
        );
    }
    // A second edition and its migration map.
    let mut next = doc.clone();
    next.version = "2.0.0".into();
    let (id2, fresh) = assessments::insert_catalog(&mut c, &next, Some("someone"), 3)
        .await
        .unwrap();
    assert!(fresh);
    assert_eq!(assessments::map(&mut c, &id, &id2).await.unwrap(), None);
    let lines = [
        MapLine {
            from: Some("FSA-BE1-01".into()),
            to: Some("FSA-BE1-01".into()),
            change: Change::Reworded,
        },
        MapLine {
            from: Some("FSA-BE1-02".into()),
            to: None,
            change: Change::Removed,
        },
    ];
    for l in &lines {
        assessments::add_map_line(&mut c, &id, &id2, l, 4)
            .await
            .unwrap();
    }
    assert_eq!(
        assessments::map(&mut c, &id, &id2).await.unwrap().unwrap(),
        lines
    );
    assert_eq!(assessments::list_catalogs(&mut c).await.unwrap().len(), 2);
}
both!(catalogs, super::catalogs_are_immutable);

/// "Posture as reported on day D": the latest revision recorded on or before D, per
/// requirement, and nothing recorded later.
async fn as_of_reads_the_past(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let u = add_user(s, &a, "a-staff", Role::Staff).await;
    let cat = builtin(s).await;
    let id = new_assessment(s, &a, &u, &cat).await;
    record(
        s,
        &id,
        &answer("FSA-BE1-01", Outcome::NotMet, "r1"),
        &u,
        100,
    )
    .await;
    record(
        s,
        &id,
        &answer("FSA-BE1-01", Outcome::Partial, "r2"),
        &u,
        200,
    )
    .await;
    record(
        s,
        &id,
        &answer("FSA-BE1-02", Outcome::Met, "other"),
        &u,
        200,
    )
    .await;
    record(s, &id, &answer("FSA-BE1-01", Outcome::Met, "r3"), &u, 300).await;
    let mut c = s.read().await.unwrap();
    let scope = own(&a);
    let check = |at: i64, expected: &'static [(&'static str, &'static str)]| {
        let s = s.clone();
        let (id, scope) = (id.clone(), scope.clone());
        async move {
            let mut c = s.read().await.unwrap();
            let got: Vec<(String, String)> = assessments::results_as_of(&mut c, &scope, &id, at)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.requirement_id, r.answer.rationale))
                .collect();
            let want: Vec<(String, String)> = expected
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect();
            assert_eq!(got, want, "as of {at}");
        }
    };
    check(99, &[]).await;
    check(100, &[("FSA-BE1-01", "r1")]).await;
    check(250, &[("FSA-BE1-01", "r2"), ("FSA-BE1-02", "other")]).await;
    check(300, &[("FSA-BE1-01", "r3"), ("FSA-BE1-02", "other")]).await;
    let hist = assessments::history(&mut c, &scope, &id, Some("FSA-BE1-01"))
        .await
        .unwrap();
    assert_eq!(
        hist.iter().map(|r| r.revision).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    // Revisions can be neither changed nor removed.
    for sql in [
        "UPDATE assessment_results SET rationale = 'rewritten'",
        "DELETE FROM assessment_results",
    ] {
        let e = sqlx::query(sql).execute(&mut *c).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
}
both!(as_of, super::as_of_reads_the_past);

/// Another tenant never reads an assessment, its results, evidence, risks or findings; the
/// supervisor reads only submitted assessments and issued findings; a holding company
/// reads its group company's submitted records.
async fn scoping(db: &TestDb) {
    let s = &db.store;
    let hold = add_org(
        s,
        institution("Holding", BusinessType::MajorBank, Region::Kanto),
    )
    .await;
    let mut sub_new = institution("Sub", BusinessType::RegionalBank, Region::Kanto);
    sub_new.parent_id = Some(hold.clone());
    let sub = add_org(s, sub_new).await;
    let other = add_org(
        s,
        institution("Other", BusinessType::ShinkinBank, Region::Kinki),
    )
    .await;
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let u = add_user(s, &sub, "sub-staff", Role::Staff).await;
    let v = add_user(s, &sub, "sub-exec", Role::Executive).await;
    let cat = builtin(s).await;
    let id = new_assessment(s, &sub, &u, &cat).await;
    record(s, &id, &answer("FSA-BE1-01", Outcome::Met, "ok"), &u, 100).await;

    let mut tx = s.write().await.unwrap();
    let (ev, sha) = evidence::create(
        &mut tx,
        &NewEvidence {
            org_id: sub.clone(),
            filename: "minutes.pdf".into(),
            content_type: "application/pdf".into(),
            collected_on: "2026-03-01".into(),
            effective_from: None,
            effective_to: None,
            owner: "CISO".into(),
            tlp: "amber".into(),
            retention_until: None,
            supersedes: None,
            uploaded_by: u.clone(),
            content: b"%PDF-1.7 board minutes".to_vec(),
        },
        5,
    )
    .await
    .unwrap();
    let fields = RiskFields {
        title: "ransomware".into(),
        asset: Some("core banking".into()),
        requirement_id: None,
        inherent_likelihood: 4,
        inherent_impact: 5,
        residual_likelihood: 2,
        residual_impact: 4,
        owner: "CISO".into(),
        treatment: "mitigate".into(),
        review_on: "2026-09-30".into(),
    };
    let risk = risks::create(&mut tx, &sub, &u, &fields, 5).await.unwrap();
    let person = |id: &str, role| Person {
        user_id: id.to_owned(),
        role,
    };
    let draft = Finding::draft(
        Origin::Assessment,
        Severity::High,
        person(&u, Role::Staff),
        person(&v, Role::Executive),
    );
    let finding = findings::create(
        &mut tx,
        &NewFinding {
            org_id: sub.clone(),
            origin_ref: Some(id.clone()),
            title: "no exercise".into(),
            description: "no contingency exercise in 2025".into(),
            requirement_ids: vec!["FSA-BE4-01".into()],
            due_on: Some("2026-06-30".into()),
            finding: draft,
        },
        5,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(sha.len(), 64);

    let mut c = s.read().await.unwrap();
    // Own organisation: everything, evidence content included.
    let (meta, bytes) = evidence::content(&mut c, &sub, &ev).await.unwrap();
    assert_eq!(
        (meta.size, bytes.as_slice()),
        (22, &b"%PDF-1.7 board minutes"[..])
    );
    assert_eq!(
        assessments::list(&mut c, &own(&sub), None)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        findings::list(&mut c, &own(&sub), &[]).await.unwrap().len(),
        1
    );
    // Another institution: nothing.
    let o = own(&other);
    assert!(matches!(
        assessments::get(&mut c, &o, &id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        assessments::list(&mut c, &o, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        assessments::results_as_of(&mut c, &o, &id, i64::MAX)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        assessments::history(&mut c, &o, &id, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        evidence::get(&mut c, &other, &ev).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        evidence::content(&mut c, &hold, &ev).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(evidence::list(&mut c, &other).await.unwrap().is_empty());
    assert!(risks::list(&mut c, &o).await.unwrap().is_empty());
    assert!(matches!(
        risks::get(&mut c, &o, &risk).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(findings::list(&mut c, &o, &[]).await.unwrap().is_empty());
    // Holding company and supervisor: drafts stay home.
    for scope in [own(&hold), national(&fsa)] {
        assert!(
            assessments::list(&mut c, &scope, None)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            findings::list(&mut c, &scope, &[])
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            assessments::results_as_of(&mut c, &scope, &id, i64::MAX)
                .await
                .unwrap()
                .is_empty()
        );
    }
    // By origin: the same reach, matched on the reference only.
    let origin_ids = |f: Vec<deltawall_store::findings::StoredFinding>| {
        f.into_iter().map(|f| f.id).collect::<Vec<_>>()
    };
    let by_origin = findings::of_origin(&mut c, &own(&sub), &id).await.unwrap();
    assert_eq!(origin_ids(by_origin), vec![finding.clone()]);
    for (scope, r) in [(own(&sub), "elsewhere"), (national(&fsa), id.as_str())] {
        assert!(
            findings::of_origin(&mut c, &scope, r)
                .await
                .unwrap()
                .is_empty()
        );
    }
    // The holding company reads the group's risk register, the supervisor does not reach it
    // (its scope for internal records is its own organisation).
    assert_eq!(risks::list(&mut c, &own(&hold)).await.unwrap().len(), 1);
    drop(c);

    let mut tx = s.write().await.unwrap();
    assessments::submit(&mut tx, &sub, &id, 500).await.unwrap();
    let read = findings::get(&mut tx, &own(&sub), &finding).await.unwrap();
    let issued = read
        .finding
        .apply(&person(&v, Role::Executive), Command::Issue, 600)
        .unwrap();
    findings::save_transition(&mut tx, &read, &issued, 600)
        .await
        .unwrap();
    // A second save against the same read is refused: someone else moved first.
    let again = read
        .finding
        .apply(&person(&v, Role::Executive), Command::Issue, 601)
        .unwrap();
    assert!(matches!(
        findings::save_transition(&mut tx, &read, &again, 601).await,
        Err(StoreError::Conflict(_))
    ));
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    for scope in [own(&hold), national(&fsa)] {
        assert_eq!(
            assessments::list(&mut c, &scope, None).await.unwrap().len(),
            1
        );
        let f = findings::list(&mut c, &scope, &[]).await.unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].finding.state, State::Issued);
        assert_eq!(
            assessments::results_as_of(&mut c, &scope, &id, i64::MAX)
                .await
                .unwrap()
                .len(),
            1
        );
    }
    assert!(
        findings::list(&mut c, &own(&other), &[])
            .await
            .unwrap()
            .is_empty()
    );
    let issued_from = findings::of_origin(&mut c, &national(&fsa), &id)
        .await
        .unwrap();
    assert_eq!(issued_from.len(), 1);
    assert!(
        findings::of_origin(&mut c, &own(&other), &id)
            .await
            .unwrap()
            .is_empty()
    );
    let events = findings::events(&mut c, &finding).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].3.as_str(), events[0].4.as_str()),
        ("draft", "issued")
    );
    for sql in [
        "UPDATE finding_events SET to_state = 'closed'",
        "DELETE FROM finding_events",
    ] {
        let e = sqlx::query(sql).execute(&mut *c).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
    drop(c);

    // Milestones, and a backup that carries the evidence bytes exactly.
    let mut tx = s.write().await.unwrap();
    let m = findings::add_milestone(
        &mut tx,
        &finding,
        "run the exercise",
        "CISO",
        "2026-05-31",
        700,
    )
    .await
    .unwrap();
    findings::complete_milestone(&mut tx, &finding, &m, 800)
        .await
        .unwrap();
    assert!(
        findings::complete_milestone(&mut tx, &finding, &m, 900)
            .await
            .is_err()
    );
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let ms = findings::milestones(&mut c, std::slice::from_ref(&finding), |_| 42)
        .await
        .unwrap();
    assert_eq!(
        (ms.len(), ms[0].milestone.done_us, ms[0].milestone.due_us),
        (1, Some(800), 42)
    );
    // Issue 18, finding 11: a list longer than SQLite's 32,766 bound variables works.
    let mut many: Vec<String> = (0..40_000)
        .map(|i| format!("no-such-finding-{i}"))
        .collect();
    many.push(finding.clone());
    let ms = findings::milestones(&mut c, &many, |_| 42).await.unwrap();
    assert_eq!(ms.len(), 1);
    drop(c);
    let doc = backup::export(s).await.unwrap();
    let target = db.sibling().await.unwrap();
    backup::restore(&target.store, &doc).await.unwrap();
    let mut t = target.store.read().await.unwrap();
    let (_, restored) = evidence::content(&mut t, &sub, &ev).await.unwrap();
    assert_eq!(restored, b"%PDF-1.7 board minutes");
    drop(t);
    assert_eq!(backup::export(&target.store).await.unwrap(), doc);
    target.finish().await;
}
both!(tenant_scoping, super::scoping);
