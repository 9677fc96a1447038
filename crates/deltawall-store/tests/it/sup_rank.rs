//! Supervision storage of the ranking and engagements: weights versions are only ever
//! added; the ranking facts of every institution in a scope come from set-based queries
//! that ignore drafts, closed findings, answered tasks and old incidents, and a bureau's
//! scope holds only its region; engagements persist the domain's commands with an
//! append-only history and refuse a stale save.

use crate::fixtures::{add_org, add_user, institution, supervisor};
use deltawall_domain::OrgScope;
use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::finding::{Command, Finding, Origin, Person, Severity};
use deltawall_domain::org::{AttributeKind, BusinessType, OrgKind, Region, SupervisorReach};
use deltawall_domain::posture::{Answer, AssessmentKind, Confidence, Outcome};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::engagement::{
    Engagement, EngagementCommand, EngagementState, Method, Note, Supervisor,
};
use deltawall_domain::supervision::score::ScoreWeights;
use deltawall_domain::supervision::{AttackType, Party};
use deltawall_store::assessments::{self, NewAssessment, Recording};
use deltawall_store::findings::{self, NewFinding};
use deltawall_store::sup_monitoring::{self, NewMonitoring};
use deltawall_store::sup_ranking::{RankingQuery, facts};
use deltawall_store::testing::TestDb;
use deltawall_store::{Store, StoreError, orgs, sup_engagements, sup_weights};
use jiff::civil::Date;

const NOW: i64 = 1_780_000_000_000_000; // 2026-05-28
const TODAY: Date = Date::constant(2026, 5, 28);

async fn weights_are_versioned_and_never_edited(db: &TestDb) {
    let s = &db.store;
    let mut tx = s.write().await.unwrap();
    let v1 = ScoreWeights::initial("system", Date::constant(2020, 6, 30));
    sup_weights::insert(&mut tx, &v1, 1).await.unwrap();
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.per_overdue_request = 20.0;
    sup_weights::insert(&mut tx, &v2, 2).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let again = sup_weights::insert(&mut c, &v2, 3).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict(_)), "{again}");
    assert_eq!(sup_weights::history(&mut c).await.unwrap(), [v1, v2]);
    for sql in [
        "UPDATE sup_weights SET author = 'x'",
        "DELETE FROM sup_weights",
    ] {
        let e = sqlx::query(sql).execute(&mut *c).await.unwrap_err();
        assert!(
            e.to_string().contains("versioned") || e.to_string().contains("append-only"),
            "{e}"
        );
    }
}
both!(
    weights_versions,
    super::weights_are_versioned_and_never_edited
);

struct Sector {
    fsa: String,
    kinki_bureau: String,
    bank: String,
    shinkin: String,
    bank_user: String,
}

async fn sector(s: &Store) -> Sector {
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let kinki_bureau = add_org(s, supervisor("Kinki", Some(Region::Kinki))).await;
    let bank = add_org(
        s,
        institution("Bank", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let shinkin = add_org(
        s,
        institution("Shinkin", BusinessType::ShinkinBank, Region::Kanto),
    )
    .await;
    let bank_user = add_user(s, &bank, "bank-staff", Role::Staff).await;
    Sector {
        fsa,
        kinki_bureau,
        bank,
        shinkin,
        bank_user,
    }
}

async fn exec(s: &Store, sql: &str, binds: &[&str]) {
    let mut tx = s.write().await.unwrap();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for b in binds {
        q = q.bind((*b).to_owned());
    }
    q.execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn finding(
    s: &Store,
    org: &str,
    user: &str,
    severity: Severity,
    due: Option<&str>,
    issue: bool,
) -> String {
    let person = Person {
        user_id: user.to_owned(),
        role: Role::Staff,
    };
    let draft = Finding::draft(Origin::Assessment, severity, person.clone(), person.clone());
    let mut tx = s.write().await.unwrap();
    let new = NewFinding {
        org_id: org.to_owned(),
        origin_ref: None,
        title: "t".into(),
        description: String::new(),
        requirement_ids: vec![],
        due_on: due.map(str::to_owned),
        finding: draft.clone(),
    };
    let id = findings::create(&mut tx, &new, 1).await.unwrap();
    if issue {
        let read = findings::get(&mut tx, &own(org), &id).await.unwrap();
        let next = draft.apply(&person, Command::Issue, 2).unwrap();
        findings::save_transition(&mut tx, &read, &next, 2)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    id
}

fn own(org: &str) -> deltawall_domain::access::RecordScope {
    deltawall_domain::access::RecordScope {
        orgs: OrgScope::Own(org.to_owned()),
        group_parent: None,
        viewer_org: org.to_owned(),
    }
}

async fn assessment(
    s: &Store,
    org: &str,
    user: &str,
    catalog: &str,
    as_of: &str,
    results: &[(&str, Outcome)],
    submit: bool,
) {
    let mut tx = s.write().await.unwrap();
    let new = NewAssessment {
        org_id: org.to_owned(),
        catalog_id: catalog.to_owned(),
        kind: AssessmentKind::SelfAssessment,
        scope: "enterprise".into(),
        as_of: as_of.into(),
        cycle: 1,
        previous_id: None,
        created_by: user.to_owned(),
    };
    let id = assessments::create(&mut tx, &new, 10).await.unwrap();
    for (i, (req, outcome)) in results.iter().enumerate() {
        let a = Answer {
            requirement_id: (*req).to_owned(),
            outcome: *outcome,
            justification: None,
            maturity: None,
            rationale: "r".into(),
            confidence: Confidence::High,
            evidence: vec![],
        };
        let how = Recording {
            answered_by: user.to_owned(),
            reviewed_by: None,
            carried: false,
            at_us: 20 + i64::try_from(i).unwrap(),
        };
        assessments::append_result(&mut tx, &id, &a, &how)
            .await
            .unwrap();
    }
    if submit {
        assessments::submit(&mut tx, org, &id, 100).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn ranking_facts_are_set_based_and_scoped(db: &TestDb) {
    let s = &db.store;
    let x = sector(s).await;
    let mut tx = s.write().await.unwrap();
    let (catalog, _) =
        assessments::insert_catalog(&mut tx, &fsa_2020_viewpoints().unwrap(), None, 1)
            .await
            .unwrap();
    orgs::set_attribute(&mut tx, &x.bank, AttributeKind::SizeBand, "large", 0, None)
        .await
        .unwrap();
    for (org, day) in [
        (&x.bank, "2019-04-01"),
        (&x.bank, "2024-10-01"),
        (&x.bank, "2027-01-01"),
    ] {
        let new = NewMonitoring {
            org_id: org.to_string(),
            monitored_on: day.into(),
            method: "dialogue".into(),
            engagement_id: None,
            recorded_by: x.fsa.clone(),
        };
        sup_monitoring::record(&mut tx, &new, 1).await.unwrap();
    }
    tx.commit().await.unwrap();
    // An older submitted assessment, the latest submitted one (a result revised from not
    // met to partial), and a newer draft that must not count.
    let u = x.bank_user.as_str();
    assessment(
        s,
        &x.bank,
        u,
        &catalog,
        "2024-03-31",
        &[("FSA-BE1-01", Outcome::NotMet)],
        true,
    )
    .await;
    assessment(
        s,
        &x.bank,
        u,
        &catalog,
        "2025-03-31",
        &[
            ("FSA-BE1-01", Outcome::NotMet),
            ("FSA-BE1-01", Outcome::Partial),
            ("FSA-BE1-02", Outcome::Met),
            ("FSA-BE2-01", Outcome::NotApplicable),
        ],
        true,
    )
    .await;
    assessment(
        s,
        &x.bank,
        u,
        &catalog,
        "2026-03-31",
        &[("FSA-BE1-01", Outcome::Met)],
        false,
    )
    .await;
    // Findings: open high with an overdue due date, open medium with an overdue milestone,
    // open low not overdue, a draft and a closed one that do not count.
    let f1 = finding(s, &x.bank, u, Severity::High, Some("2026-05-01"), true).await;
    let f2 = finding(s, &x.bank, u, Severity::Medium, None, true).await;
    finding(s, &x.bank, u, Severity::Low, Some("2026-12-31"), true).await;
    finding(s, &x.bank, u, Severity::Critical, None, false).await;
    let closed = finding(s, &x.bank, u, Severity::Critical, Some("2020-01-01"), true).await;
    exec(
        s,
        "UPDATE findings SET state = 'closed' WHERE id = $1",
        &[&closed],
    )
    .await;
    let mut tx = s.write().await.unwrap();
    findings::add_milestone(&mut tx, &f2, "m", "x", "2026-05-01", 3)
        .await
        .unwrap();
    let done = findings::add_milestone(&mut tx, &f1, "m", "x", "2026-04-01", 3)
        .await
        .unwrap();
    findings::complete_milestone(&mut tx, &f1, &done, 4)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Requests: one past its deadline and unanswered, one past it but submitted, one not
    // yet due.
    for (id, deadline) in [("r-late", NOW - 1), ("r-future", NOW + 1_000_000)] {
        exec(
            s,
            &format!("INSERT INTO sup_requests (id, issuer_org, deadline, sent_at, document, created_by, created_at) VALUES ($1, $2, {deadline}, 0, '{{}}', 'x', 0)"),
            &[id, &x.fsa],
        )
        .await;
    }
    for (id, req, org, state) in [
        ("t1", "r-late", &x.bank, "in_progress"),
        ("t2", "r-late", &x.shinkin, "submitted"),
        ("t3", "r-future", &x.shinkin, "assigned"),
    ] {
        exec(
            s,
            "INSERT INTO sup_request_tasks (id, request_id, org_id, state, document, updated_at) VALUES ($1, $2, $3, $4, '{}', 0)",
            &[id, req, org, state],
        )
        .await;
    }
    // Incidents: one in the window, one before it.
    for (id, org, day, attack) in [
        ("i1", &x.shinkin, "2026-02-01", "ransomware"),
        ("i2", &x.shinkin, "2024-02-01", "ddos"),
    ] {
        exec(
            s,
            "INSERT INTO incidents (id, org_id, occurred_on, attack_type, severity, summary, reported_by, reported_at) VALUES ($1, $2, $3, $4, 'high', 's', 'x', 0)",
            &[id, org, day, attack],
        )
        .await;
    }
    let q = RankingQuery {
        today: TODAY,
        now_us: NOW,
        incidents_after: Date::constant(2025, 5, 28),
        business_type: None,
        region: None,
    };
    let mut c = s.read().await.unwrap();
    let all = facts(&mut c, &OrgScope::All, &q).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|f| f.input.org.id.as_str()).collect();
    let mut expected = vec![x.bank.as_str(), x.shinkin.as_str()];
    expected.sort();
    assert_eq!(ids, expected, "institutions only, ordered by id");
    let bank = all.iter().find(|f| f.input.org.id == x.bank).unwrap();
    let shinkin = all.iter().find(|f| f.input.org.id == x.shinkin).unwrap();
    assert_eq!(bank.input.org.attributes[&AttributeKind::SizeBand], "large");
    assert_eq!(
        bank.input.last_monitored,
        Some(Date::constant(2024, 10, 1)),
        "future rows ignored"
    );
    let mut answers: Vec<(&str, Outcome)> = bank
        .answers
        .iter()
        .map(|a| (a.requirement_id.as_str(), a.outcome))
        .collect();
    answers.sort();
    assert_eq!(
        answers,
        [
            ("FSA-BE1-01", Outcome::Partial),
            ("FSA-BE1-02", Outcome::Met),
            ("FSA-BE2-01", Outcome::NotApplicable)
        ],
        "latest revisions of the latest submitted assessment"
    );
    let i = &bank.input;
    assert_eq!(
        (
            i.open_findings.low,
            i.open_findings.medium,
            i.open_findings.high,
            i.open_findings.critical
        ),
        (1, 1, 1, 0)
    );
    assert_eq!(
        (
            i.overdue_findings.low,
            i.overdue_findings.medium,
            i.overdue_findings.high
        ),
        (0, 1, 1)
    );
    assert_eq!(i.overdue_requests, 1);
    assert_eq!(
        shinkin.input.overdue_requests, 0,
        "submitted and not-yet-due tasks"
    );
    assert_eq!(shinkin.input.last_monitored, None);
    assert!(shinkin.answers.is_empty());
    assert_eq!(shinkin.input.incidents.len(), 1);
    assert_eq!(shinkin.input.incidents[0].attack, AttackType::Ransomware);
    // The Kinki bureau ranks only Kinki; filters narrow further.
    let region = OrgScope::Region {
        own: x.kinki_bureau.clone(),
        region: Region::Kinki,
    };
    let kinki = facts(&mut c, &region, &q).await.unwrap();
    assert_eq!(kinki.len(), 1);
    assert_eq!(kinki[0], *bank);
    let other = RankingQuery {
        region: Some(Region::Kanto),
        ..q.clone()
    };
    assert!(facts(&mut c, &region, &other).await.unwrap().is_empty());
    let shinkins = RankingQuery {
        business_type: Some(BusinessType::ShinkinBank),
        ..q.clone()
    };
    let only = facts(&mut c, &OrgScope::All, &shinkins).await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].input.org.id, x.shinkin);
    assert!(
        facts(&mut c, &OrgScope::Own(x.bank.clone()), &q)
            .await
            .unwrap()
            .len()
            == 1
    );
}
both!(ranking_facts, super::ranking_facts_are_set_based_and_scoped);

fn fsa_staff(fsa: &str) -> Supervisor {
    Supervisor {
        party: Party {
            user_id: "fsa-user".into(),
            org_id: fsa.to_owned(),
            org_kind: OrgKind::Supervisor,
            role: Role::Staff,
        },
        reach: SupervisorReach::National,
    }
}

async fn engagements_persist_commands_append_only(db: &TestDb) {
    let s = &db.store;
    let x = sector(s).await;
    let kinki_staff = add_user(s, &x.kinki_bureau, "kinki-staff", Role::Staff).await;
    add_user(s, &x.kinki_bureau, "kinki-auditor", Role::Auditor).await;
    add_user(s, &x.fsa, "fsa-staff", Role::Staff).await;
    let kanto = add_org(s, supervisor("Kanto", Some(Region::Kanto))).await;
    add_user(s, &kanto, "kanto-staff", Role::Staff).await;
    let catalog = fsa_2020_viewpoints().unwrap();
    let mut tx = s.write().await.unwrap();
    let org = orgs::get(&mut tx, &OrgScope::All, &x.bank).await.unwrap();
    let facts = deltawall_domain::supervision::population::OrgFacts {
        id: org.id.clone(),
        business_type: org.business_type.unwrap(),
        region: org.region.unwrap(),
        attributes: Default::default(),
    };
    let planned =
        Engagement::plan(&facts, Method::Dialogue, vec!["FSA-BE1".into()], &catalog).unwrap();
    let id = sup_engagements::create(&mut tx, &planned, "2026-06-01", "fsa-user", 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sup = fsa_staff(&x.fsa);
    let mut c = s.read().await.unwrap();
    let read = sup_engagements::get(&mut c, &OrgScope::All, &id)
        .await
        .unwrap();
    assert_eq!(read.engagement, planned);
    assert_eq!(read.org_name_en, "Bank");
    let started = read
        .engagement
        .apply(&sup, EngagementCommand::Start, 20)
        .unwrap();
    sup_engagements::save(&mut c, &read, &started)
        .await
        .unwrap();
    // A second save from the same (now stale) read is refused.
    let stale = read
        .engagement
        .apply(&sup, EngagementCommand::Start, 21)
        .unwrap();
    let e = sup_engagements::save(&mut c, &read, &stale)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    let read = sup_engagements::get(&mut c, &OrgScope::All, &id)
        .await
        .unwrap();
    let note = Note {
        viewpoint: "FSA-BE1".into(),
        text: "board reviews cyber risk yearly".into(),
    };
    let noted = read
        .engagement
        .apply(&sup, EngagementCommand::Note(note), 30)
        .unwrap();
    sup_engagements::save(&mut c, &read, &noted).await.unwrap();
    let read = sup_engagements::get(&mut c, &OrgScope::All, &id)
        .await
        .unwrap();
    let done = read
        .engagement
        .apply(&sup, EngagementCommand::Complete, 40)
        .unwrap();
    sup_engagements::save(&mut c, &read, &done).await.unwrap();
    let read = sup_engagements::get(&mut c, &OrgScope::All, &id)
        .await
        .unwrap();
    assert_eq!(read.engagement.state, EngagementState::Completed);
    let events = sup_engagements::events(&mut c, &id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert!(events[0].event.get("plan").is_some());
    assert_eq!(events[3].event["command"]["command"], "complete");
    for sql in [
        "UPDATE sup_engagement_events SET actor = 'x'",
        "DELETE FROM sup_engagement_events",
    ] {
        let e = sqlx::query(sql).execute(&mut *c).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
    // Scope: the Kinki bureau reaches it; a Kanto bureau or another institution does not.
    let kinki = OrgScope::Region {
        own: x.kinki_bureau.clone(),
        region: Region::Kinki,
    };
    let kanto_scope = OrgScope::Region {
        own: kanto.clone(),
        region: Region::Kanto,
    };
    assert!(sup_engagements::get(&mut c, &kinki, &id).await.is_ok());
    for scope in [kanto_scope.clone(), OrgScope::Own(x.shinkin.clone())] {
        let e = sup_engagements::get(&mut c, &scope, &id).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e}");
        assert!(
            sup_engagements::list(&mut c, &scope, None, &[])
                .await
                .unwrap()
                .is_empty()
        );
    }
    let listed =
        sup_engagements::list(&mut c, &kinki, Some(&x.bank), &[EngagementState::Completed])
            .await
            .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        sup_engagements::list(&mut c, &kinki, None, &[EngagementState::Planned])
            .await
            .unwrap()
            .is_empty()
    );
    // Assignees: FSA and Kinki staff, never auditors or another bureau.
    let mut who: Vec<String> = sup_engagements::assignable(&mut c, Region::Kinki)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.display_name)
        .collect();
    who.sort();
    assert_eq!(who, ["fsa-staff", "kinki-staff"]);
    assert!(!kinki_staff.is_empty());
}
both!(engagements, super::engagements_persist_commands_append_only);

async fn monitoring_history_is_scoped(db: &TestDb) {
    let s = &db.store;
    let x = sector(s).await;
    let mut tx = s.write().await.unwrap();
    for day in ["2017-05-01", "2021-11-30"] {
        let new = NewMonitoring {
            org_id: x.shinkin.clone(),
            monitored_on: day.into(),
            method: "on_site".into(),
            engagement_id: None,
            recorded_by: "u".into(),
        };
        sup_monitoring::record(&mut tx, &new, 1).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let all = sup_monitoring::history(&mut c, &OrgScope::All, &x.shinkin)
        .await
        .unwrap();
    assert_eq!(
        all.iter()
            .map(|m| m.monitored_on.as_str())
            .collect::<Vec<_>>(),
        ["2021-11-30", "2017-05-01"]
    );
    let kinki = OrgScope::Region {
        own: x.kinki_bureau.clone(),
        region: Region::Kinki,
    };
    assert!(
        sup_monitoring::history(&mut c, &kinki, &x.shinkin)
            .await
            .unwrap()
            .is_empty()
    );
}
both!(monitoring, super::monitoring_history_is_scoped);
