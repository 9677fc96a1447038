//! Incidents, exercises and the facts of the sector figures: scoped to the reader,
//! grouped in SQL, drafts left out, and the synthetic sector generator.

use crate::fixtures::{add_org, add_user, institution, supervisor};
use deltawall_domain::OrgScope;
use deltawall_domain::finding::Severity;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::AttackType;
use deltawall_store::exercises::{self, NewExercise};
use deltawall_store::incidents::{self, NewIncident};
use deltawall_store::sup_figures;
use deltawall_store::testing::{TestDb, generate_sector};
use deltawall_store::{Store, new_id};

struct Sector {
    fsa: String,
    kinki: String,
    a: String,
    b: String,
    c: String,
    user: String,
}

async fn sector(s: &Store) -> Sector {
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let kinki = add_org(s, supervisor("Kinki bureau", Some(Region::Kinki))).await;
    let a = add_org(
        s,
        institution("Bank A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let b = add_org(
        s,
        institution("Bank B", BusinessType::ShinkinBank, Region::Kanto),
    )
    .await;
    let c = add_org(
        s,
        institution("Bank C", BusinessType::ShinkinBank, Region::Kinki),
    )
    .await;
    let user = add_user(s, &a, "a-staff", Role::Staff).await;
    Sector {
        fsa,
        kinki,
        a,
        b,
        c,
        user,
    }
}

fn kinki(x: &Sector) -> OrgScope {
    OrgScope::Region {
        own: x.kinki.clone(),
        region: Region::Kinki,
    }
}

async fn exec(s: &Store, sql: &str, binds: &[&str]) {
    let mut tx = s.write().await.unwrap();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn incidents_are_scoped(db: &TestDb) {
    let s = &db.store;
    let x = sector(s).await;
    let mut tx = s.write().await.unwrap();
    for (org, day, attack) in [
        (&x.a, "2019-08-01", AttackType::Ddos),
        (&x.b, "2019-09-01", AttackType::Phishing),
        (&x.b, "2020-09-01", AttackType::Phishing),
    ] {
        let new = NewIncident {
            org_id: org.clone(),
            occurred_on: day.into(),
            attack_type: attack,
            severity: Severity::High,
            summary: "ddos on the web banking front end".into(),
        };
        incidents::create(&mut tx, &new, &x.user, 1).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let all = incidents::list(&mut c, &OrgScope::All).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].occurred_on, "2020-09-01", "newest first");
    let own = incidents::list(&mut c, &OrgScope::Own(x.b.clone()))
        .await
        .unwrap();
    assert!(own.iter().all(|i| i.org_id == x.b) && own.len() == 2);
    let region = incidents::list(&mut c, &kinki(&x)).await.unwrap();
    assert_eq!(region.len(), 1);
    assert_eq!(region[0].org_id, x.a);
    assert_eq!(region[0].attack_type, AttackType::Ddos);
    assert_eq!(region[0].severity, Severity::High);

    let counts = sup_figures::incident_counts(&mut c, &OrgScope::All)
        .await
        .unwrap();
    let phishing: i64 = counts
        .iter()
        .filter(|n| n.attack_type == AttackType::Phishing)
        .map(|n| n.count)
        .sum();
    assert_eq!(phishing, 2);
    assert_eq!(counts.len(), 3, "grouped by type, month and attack");
    let counts = sup_figures::incident_counts(&mut c, &kinki(&x))
        .await
        .unwrap();
    assert_eq!(counts.len(), 1);
}
both!(incidents_scoped, super::incidents_are_scoped);

async fn exercises_count_participants_in_scope(db: &TestDb) {
    let s = &db.store;
    let x = sector(s).await;
    let mut tx = s.write().await.unwrap();
    let new = NewExercise {
        organiser: x.fsa.clone(),
        name_ja: "Delta Wall IV".into(),
        name_en: "Delta Wall IV".into(),
        held_on: "2019-10-15".into(),
    };
    let e = exercises::create(&mut tx, &new, &x.user, 1).await.unwrap();
    let empty = exercises::create(
        &mut tx,
        &NewExercise {
            held_on: "2020-10-15".into(),
            ..new
        },
        &x.user,
        1,
    )
    .await
    .unwrap();
    assert!(
        exercises::record_participant(&mut tx, &e, &x.a, false, "u", 2)
            .await
            .unwrap()
    );
    assert!(
        exercises::record_participant(&mut tx, &e, &x.b, false, "u", 2)
            .await
            .unwrap()
    );
    assert!(
        !exercises::record_participant(&mut tx, &e, &x.a, true, "u", 3)
            .await
            .unwrap(),
        "a second record changes the review"
    );
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let all = exercises::list(&mut c, &OrgScope::All).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].id.as_str(), all[0].participants),
        (empty.as_str(), 0)
    );
    assert_eq!((all[1].participants, all[1].reviewed), (2, 1));
    let region = exercises::get(&mut c, &kinki(&x), &e).await.unwrap();
    assert_eq!(region.participants, 1);
    let own = exercises::participants(&mut c, &OrgScope::Own(x.b.clone()), None)
        .await
        .unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(
        (own[0].org_id.as_str(), own[0].reviewed),
        (x.b.as_str(), false)
    );
    let listed = exercises::participants(&mut c, &kinki(&x), Some(&e))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].reviewed);
    let part = sup_figures::participation(&mut c, &OrgScope::All)
        .await
        .unwrap();
    assert_eq!(part.len(), 2);
    assert!(part.iter().all(|p| p.held_on == "2019-10-15"));
}
both!(
    exercises_scoped,
    super::exercises_count_participants_in_scope
);

async fn figure_facts_group_and_skip_drafts(db: &TestDb) {
    let s = &db.store;
    let x = sector(s).await;
    // Two records in one month count once; the bureau's own row is not an institution.
    for (org, day) in [
        (&x.a, "2019-08-01"),
        (&x.a, "2019-08-20"),
        (&x.a, "2020-08-01"),
        (&x.b, "2019-09-01"),
        (&x.kinki, "2019-09-01"),
    ] {
        exec(
            s,
            "INSERT INTO sup_monitoring (id, org_id, monitored_on, method, recorded_by, created_at) VALUES ($1, $2, $3, 'on_site', 'u', 0)",
            &[&new_id(), org, day],
        )
        .await;
    }
    let mut c = s.read().await.unwrap();
    let months = sup_figures::monitored_months(&mut c, &OrgScope::All)
        .await
        .unwrap();
    assert_eq!(months.len(), 3, "{months:?}");
    let months = sup_figures::monitored_months(&mut c, &kinki(&x))
        .await
        .unwrap();
    assert_eq!(months.len(), 2);
    assert!(
        months
            .iter()
            .all(|m| m.org_id == x.a && m.business_type == BusinessType::RegionalBank)
    );
    drop(c);

    for (org, state, reqs) in [
        (&x.a, "draft", r#"["FSA-BE1-01"]"#),
        (&x.a, "issued", r#"["FSA-BE1-01","FSA-BE2-01"]"#),
        (&x.b, "closed", r#"["FSA-BE1-01"]"#),
        (&x.c, "issued", r#"["FSA-BE1-01","FSA-BE2-01"]"#),
        (&x.c, "risk_accepted", r#"["FSA-BE3-01"]"#),
    ] {
        exec(
            s,
            "INSERT INTO findings (id, org_id, origin, title, description, requirement_ids, severity, state, owner_user, document, version, created_at, updated_at) \
             VALUES ($1, $2, 'supervisory_monitoring', 't', '', $3, 'medium', $4, $5, '{}', 1, 0, 0)",
            &[&new_id(), org, reqs, state, &x.user],
        )
        .await;
    }
    let mut c = s.read().await.unwrap();
    let open = sup_figures::open_finding_counts(&mut c, &OrgScope::All)
        .await
        .unwrap();
    let total: i64 = open.iter().map(|f| f.count).sum();
    assert_eq!(total, 3, "draft and closed are left out: {open:?}");
    let shinkin: i64 = open
        .iter()
        .filter(|f| f.business_type == BusinessType::ShinkinBank)
        .map(|f| f.count)
        .sum();
    assert_eq!(shinkin, 2);
    drop(c);

    let request = new_id();
    exec(
        s,
        "INSERT INTO sup_requests (id, issuer_org, deadline, sent_at, document, created_by, created_at) VALUES ($1, $2, 1600000000000000, 0, '{}', 'u', 0)",
        &[&request, &x.fsa],
    )
    .await;
    for (org, state) in [(&x.a, "accepted"), (&x.b, "assigned"), (&x.c, "accepted")] {
        exec(
            s,
            "INSERT INTO sup_request_tasks (id, request_id, org_id, state, document, updated_at) VALUES ($1, $2, $3, $4, '{}', 0)",
            &[&new_id(), &request, org, state],
        )
        .await;
    }
    let mut c = s.read().await.unwrap();
    let tasks = sup_figures::task_counts(&mut c, &OrgScope::All)
        .await
        .unwrap();
    assert_eq!(tasks.iter().map(|t| t.count).sum::<i64>(), 3);
    let tasks = sup_figures::task_counts(&mut c, &kinki(&x)).await.unwrap();
    assert_eq!(tasks.iter().map(|t| t.count).sum::<i64>(), 2);
    assert!(tasks.iter().all(|t| t.region == Region::Kinki
        && t.state == "accepted"
        && t.deadline_us == 1_600_000_000_000_000));
    let own = sup_figures::task_counts(&mut c, &OrgScope::Own(x.b.clone()))
        .await
        .unwrap();
    assert_eq!(own.len(), 1);
}
both!(figure_facts, super::figure_facts_group_and_skip_drafts);

async fn generator_fills_every_table(db: &TestDb) {
    let s = &db.store;
    let made = generate_sector(s, 60, 5, 2019, 7).await.unwrap();
    assert_eq!(made.institutions, 60);
    assert_eq!(made.tasks, 300, "one task a year per institution");
    assert!(
        made.monitoring > 0 && made.findings > 0 && made.incidents > 0 && made.participations > 0
    );
    let mut c = s.read().await.unwrap();
    let incidents: i64 = sup_figures::incident_counts(&mut c, &OrgScope::All)
        .await
        .unwrap()
        .iter()
        .map(|n| n.count)
        .sum();
    assert_eq!(incidents as usize, made.incidents);
    let part = sup_figures::participation(&mut c, &OrgScope::All)
        .await
        .unwrap();
    assert_eq!(part.len(), made.participations);
    // The same seed gives the same sector.
    let again = generate_sector(s, 60, 5, 2019, 7).await.unwrap();
    assert_eq!(again, made);
}
both!(generator, super::generator_fills_every_table);

async fn benchmark_facts_take_the_latest_submitted_results(db: &TestDb) {
    use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
    use deltawall_domain::posture::{Answer, AssessmentKind, Confidence, Outcome};
    use deltawall_store::assessments::{self, NewAssessment, Recording};
    use deltawall_store::sup_benchmarks::catalog_results;
    let s = &db.store;
    let x = sector(s).await;
    let mut tx = s.write().await.unwrap();
    let (catalog, _) =
        assessments::insert_catalog(&mut tx, &fsa_2020_viewpoints().unwrap(), None, 1)
            .await
            .unwrap();
    let answer = |outcome| Answer {
        requirement_id: "FSA-BE1-01".into(),
        outcome,
        justification: None,
        maturity: Some(1),
        rationale: "r".into(),
        confidence: Confidence::Medium,
        evidence: vec![],
    };
    let how = |at_us| Recording {
        answered_by: x.user.clone(),
        reviewed_by: None,
        carried: false,
        at_us,
    };
    // A: an older submitted assessment (not met), a newer one revised to met, then a
    // draft answering partial. B: only a draft.
    let assessment = |org: &str, cycle| NewAssessment {
        org_id: org.to_owned(),
        catalog_id: catalog.clone(),
        kind: AssessmentKind::SelfAssessment,
        scope: "whole".into(),
        as_of: "2020-03-31".into(),
        cycle,
        previous_id: None,
        created_by: x.user.clone(),
    };
    let old = assessments::create(&mut tx, &assessment(&x.a, 1), 1)
        .await
        .unwrap();
    assessments::append_result(&mut tx, &old, &answer(Outcome::NotMet), &how(1))
        .await
        .unwrap();
    assessments::submit(&mut tx, &x.a, &old, 10).await.unwrap();
    let new = assessments::create(&mut tx, &assessment(&x.a, 2), 11)
        .await
        .unwrap();
    assessments::append_result(&mut tx, &new, &answer(Outcome::Partial), &how(11))
        .await
        .unwrap();
    assessments::append_result(&mut tx, &new, &answer(Outcome::Met), &how(12))
        .await
        .unwrap();
    assessments::submit(&mut tx, &x.a, &new, 20).await.unwrap();
    let draft = assessments::create(&mut tx, &assessment(&x.a, 3), 21)
        .await
        .unwrap();
    assessments::append_result(&mut tx, &draft, &answer(Outcome::Partial), &how(21))
        .await
        .unwrap();
    let b = assessments::create(&mut tx, &assessment(&x.b, 1), 21)
        .await
        .unwrap();
    assessments::append_result(&mut tx, &b, &answer(Outcome::NotMet), &how(21))
        .await
        .unwrap();
    deltawall_store::orgs::set_attribute(
        &mut tx,
        &x.a,
        deltawall_domain::org::AttributeKind::SizeBand,
        "medium",
        0,
        Some(&x.user),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let rows = catalog_results(&mut c, &OrgScope::All, &catalog)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].org_id, x.a);
    assert_eq!(rows[0].outcome, Outcome::Met);
    assert_eq!(rows[0].size_band.as_deref(), Some("medium"));
    assert!(
        catalog_results(&mut c, &OrgScope::Own(x.b.clone()), &catalog)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        catalog_results(&mut c, &kinki(&x), &catalog)
            .await
            .unwrap()
            .len(),
        1
    );
}
both!(
    benchmark_facts,
    super::benchmark_facts_take_the_latest_submitted_results
);
