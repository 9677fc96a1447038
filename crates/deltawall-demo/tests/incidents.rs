//! The demo's incident story (issue 13, item 7), read back through the app's services as
//! the people in it would: the bank's inbox holds what the scan found, its list-type
//! attack case went through every phase with the FSA's three reports accepted, the case's
//! addresses reached the ISAC at TLP:AMBER, and the FSA's ransom DDoS room has five members
//! with a status board and relay messages. On SQLite and PostgreSQL.

use deltawall_app::Ctx;
use deltawall_app::detections::{self, ListQuery};
use deltawall_app::incidents::{cases, rooms, work};
use deltawall_app::paging::PageRequest;
use deltawall_app::sharing::taxii::{self, Endpoint, ObjectQuery};
use deltawall_app::supervision::clock::Clock;
use deltawall_domain::incident::case::{Category, Phase};
use deltawall_domain::org::SupervisorReach;
use deltawall_domain::{Actor, OrgKind};
use deltawall_store::testing::TestDb;
use deltawall_store::{Backend, Store};
use std::collections::BTreeSet;

/// The signed-in actor of a demo login.
async fn who(store: &Store, login: &str) -> Actor {
    let mut conn = store.read().await.unwrap();
    let c = deltawall_store::users::credentials_by_login(&mut conn, login)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("demo user {login} missing"));
    let org = deltawall_store::orgs::get_unscoped(&mut conn, &c.user.org_id)
        .await
        .unwrap();
    Actor {
        user_id: c.user.id,
        org_id: c.user.org_id,
        org_kind: org.kind,
        reach: (org.kind == OrgKind::Supervisor).then_some(SupervisorReach::National),
        role: c.user.role,
        token_scope: None,
        token_id: None,
    }
}

fn ctx<'a>(store: &'a Store, actor: &'a Actor) -> Ctx<'a> {
    Ctx {
        store,
        actor,
        ip: None,
    }
}

/// The bank's closed list-type attack case: every phase, tasks done, customers answered,
/// the FSA's three reports accepted, linked to the scan's detections.
async fn check_case(store: &Store) -> String {
    let soc = who(store, "bank-soc").await;
    let clock = Clock::default();
    let all = cases::list(ctx(store, &soc)).await.unwrap();
    let case = all
        .iter()
        .find(|c| c.case.category == Category::ListAttackLogin && !c.case.exercise)
        .expect("the bank's list-type attack case");
    let d = work::detail(ctx(store, &soc), &clock, &case.id)
        .await
        .unwrap();
    let phases: Vec<Phase> = d.case.case.phases.iter().map(|p| p.phase).collect();
    assert_eq!(phases, Phase::ALL.to_vec(), "every phase, in order");
    assert!(!d.case.case.is_open());
    let kinds: BTreeSet<&str> = d.timeline.iter().map(|e| e.entry.kind.code()).collect();
    for k in [
        "opened",
        "phase_entered",
        "note",
        "detection_linked",
        "task_added",
        "task_done",
        "customer_response",
        "milestone_recorded",
        "report_submitted",
        "report_reviewed",
    ] {
        assert!(kinds.contains(k), "timeline lacks {k}: {kinds:?}");
    }
    assert_eq!(d.tasks.len(), 3);
    assert!(
        d.tasks.iter().all(|t| t.done_at_us.is_some()),
        "{:?}",
        d.tasks
    );
    assert!(!d.inquiries_by_day.is_empty() && !d.notices.is_empty());
    let mut stages: Vec<(&str, &str, &str)> = d
        .reports
        .iter()
        .map(|r| {
            let s = &r.submission;
            (s.regime.as_str(), s.stage.code(), s.review.code())
        })
        .collect();
    stages.sort();
    assert_eq!(
        stages,
        [
            ("fsa_incident_report", "final", "accepted"),
            ("fsa_incident_report", "first", "accepted"),
            ("fsa_incident_report", "interim", "accepted"),
        ]
    );
    assert!(!d.detections.is_empty());
    case.id.clone()
}

/// What `deltawall scan` found is in the bank's inbox; the list-type attack's detections
/// are the case's.
async fn check_inbox(store: &Store, case_id: &str) {
    let soc = who(store, "bank-soc").await;
    let q = ListQuery {
        limit: Some(500),
        ..ListQuery::default()
    };
    let page = detections::list(ctx(store, &soc), &q).await.unwrap();
    assert!(
        page.items.len() > 1,
        "the inbox holds the scan's detections"
    );
    let linked: Vec<_> = page
        .items
        .iter()
        .filter(|d| d.case_id.as_deref() == Some(case_id))
        .collect();
    assert!(!linked.is_empty());
    let stuffing = |t: &str| t.contains("stuffing") || t.contains("spraying");
    assert!(linked.iter().all(|d| stuffing(&d.title)), "{linked:?}");
}

/// The ISAC's analyst reads the case's addresses at TLP:AMBER, named after the case's
/// category and not the bank.
async fn check_shared(store: &Store) {
    let isac = who(store, "isac-analyst").await;
    let c = ctx(store, &isac);
    let coll = taxii::collections(&c, "isac").await.unwrap().remove(0);
    let page = taxii::read_page(
        &c,
        "isac",
        &coll.id,
        Endpoint::Objects,
        None,
        &ObjectQuery::default(),
    )
    .await
    .unwrap();
    let amber = deltawall_stix::Tlp::Amber.marking_id();
    let shared: Vec<serde_json::Value> = page
        .items
        .iter()
        .map(|o| serde_json::from_str(&o.json).unwrap())
        .filter(|o: &serde_json::Value| {
            o["type"] == "indicator" && o["object_marking_refs"][0] == amber
        })
        .collect();
    assert!(
        !shared.is_empty(),
        "no TLP:AMBER indicator reached the ISAC"
    );
    for o in &shared {
        let desc = o["description"].as_str().unwrap();
        assert!(desc.starts_with("Seen in a"), "{desc}");
        assert!(!desc.contains("Bank"), "the bank is not named: {desc}");
        assert!(o["pattern"].as_str().unwrap().contains("ipv4-addr"), "{o}");
    }
}

/// The FSA's ransom DDoS room: five members of three kinds, where each reporting member
/// stands now on the board, relay messages from several members.
async fn check_room(store: &Store) {
    let fsa = who(store, "fsa-staff").await;
    let list = rooms::list(ctx(store, &fsa)).await.unwrap();
    let room = list
        .iter()
        .find(|r| r.category == Category::Ddos)
        .expect("the ransom DDoS room");
    let v = rooms::get(ctx(store, &fsa), &room.id, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(v.members.len(), 5, "{:?}", v.members);
    let kinds: BTreeSet<String> = v.members.iter().map(|m| format!("{:?}", m.kind)).collect();
    assert_eq!(
        kinds.len(),
        3,
        "institutions, the ISAC, an association: {kinds:?}"
    );
    // Three members reported (two of them affected, then recovering): the board shows
    // each one's latest report, the newest first.
    let board: Vec<&str> = v.statuses.iter().map(|s| s.status.code()).collect();
    assert_eq!(board, ["recovering", "recovering", "not_affected"], "{v:?}");
    let senders: BTreeSet<&str> = v.messages.iter().map(|m| m.from_org.as_str()).collect();
    assert!(senders.len() >= 3, "{:?}", v.messages);
    // A member sees the same room.
    let bank = who(store, "bank-soc").await;
    let mine = rooms::get(ctx(store, &bank), &room.id, &PageRequest::default()).await;
    assert!(mine.is_ok());
}

async fn story_on(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    deltawall_demo::seed(&db.store, "a demo password 1")
        .await
        .unwrap();
    let case = check_case(&db.store).await;
    check_inbox(&db.store, &case).await;
    check_shared(&db.store).await;
    check_room(&db.store).await;
}

#[tokio::test]
async fn the_incident_story_is_in_the_demo_on_sqlite() {
    story_on(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_incident_story_is_in_the_demo_on_postgres() {
    story_on(Backend::Postgres).await;
}
