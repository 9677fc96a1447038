//! Lists read whole (issue 19): the benchmark's request sources, an institution's tasks,
//! the supervisor's review work list, engagements, rooms, cases, reminders and a room's
//! board used to stop silently at a fixed LIMIT. With more rows than the old limit (500)
//! every row comes back once, and another organisation's rows never do. The late list is
//! paged: walked with its filters on both databases, every late task once, in order.

use crate::fixtures::{add_org, institution, supervisor};
use deltawall_domain::OrgScope;
use deltawall_domain::catalog::Text;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::supervision::ReminderPolicy;
use deltawall_domain::supervision::population::{Filter, Selector};
use deltawall_domain::supervision::request::{Asked, AskedQuestion, Request, Task, TaskState};
use deltawall_store::keyset::Cursor;
use deltawall_store::sup_requests::{self, RequestDoc};
use deltawall_store::testing::TestDb;
use deltawall_store::{Store, sup_work};

/// Rows past the old limit of 500.
const MANY: i64 = 520;

fn text(s: &str) -> Text {
    Text {
        ja: s.into(),
        en: s.into(),
    }
}

fn request() -> RequestDoc {
    RequestDoc {
        request: Request {
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
        },
        baseline_request_id: None,
    }
}

fn kinki(own: &str) -> OrgScope {
    OrgScope::Region {
        own: own.into(),
        region: Region::Kinki,
    }
}

/// Copies request `r0` to `r1`…`r{MANY-1}` (sent one µs apart) and task `{prefix}0` to
/// `{prefix}1`… on them, in two statements: the reads under test only see rows.
async fn clone_many(s: &Store, prefixes: &[&str]) {
    let mut tx = s.write().await.unwrap();
    let series = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {})",
        MANY - 1
    );
    let sql = format!(
        "INSERT INTO sup_requests (id, issuer_org, deadline, sent_at, document, created_by, created_at) \
         {series} SELECT 'r' || n.i, r.issuer_org, r.deadline, r.sent_at + n.i, r.document, \
         r.created_by, r.created_at FROM sup_requests r, n WHERE r.id = 'r0'"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await
        .unwrap();
    for p in prefixes {
        let sql = format!(
            "INSERT INTO sup_request_tasks (id, request_id, org_id, state, document, updated_at) \
             {series} SELECT '{p}' || n.i, 'r' || n.i, t.org_id, t.state, t.document, \
             t.updated_at + n.i FROM sup_request_tasks t, n WHERE t.id = '{p}0'"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Banks A and C in Kinki, B in Kanto, and the FSA; `MANY` requests, each with a late task
/// of A (`t…`, assigned) and a submitted one of C (`v…`); B has one late task on `r0`.
async fn sector(db: &TestDb) -> (String, String, String, String) {
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
    let c = add_org(
        s,
        institution("C", BusinessType::ShinkinBank, Region::Kinki),
    )
    .await;
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let mut tx = s.write().await.unwrap();
    sup_requests::insert_request(&mut tx, "r0", &fsa, &request(), "u", 10)
        .await
        .unwrap();
    let mut submitted = Task::assign(&c, 10);
    submitted.state = TaskState::Submitted;
    for (id, task) in [
        ("t0", Task::assign(&a, 10)),
        ("u0", Task::assign(&b, 10)),
        ("v0", submitted),
    ] {
        sup_requests::insert_task(&mut tx, id, "r0", &task)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    clone_many(s, &["t", "v"]).await;
    (a, b, c, fsa)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn numbered(prefix: &str) -> Vec<String> {
    sorted((0..MANY).map(|i| format!("{prefix}{i}")).collect())
}

async fn whole_lists_read_every_page(db: &TestDb) {
    let (a, b, _c, fsa) = sector(db).await;
    let mut conn = db.store.read().await.unwrap();

    let all = sup_requests::list_requests(&mut conn, &OrgScope::All)
        .await
        .unwrap();
    assert_eq!(
        sorted(all.iter().map(|r| r.id.clone()).collect()),
        numbered("r")
    );
    // Newest first, as before; the oldest (`r0`) last.
    assert_eq!(all.last().unwrap().id, "r0");
    let bs = sup_requests::list_requests(&mut conn, &OrgScope::Own(b.clone()))
        .await
        .unwrap();
    assert_eq!(bs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["r0"]);

    let tasks = sup_requests::tasks_of_org(&mut conn, &a).await.unwrap();
    assert_eq!(
        sorted(tasks.iter().map(|(t, _)| t.id.clone()).collect()),
        numbered("t")
    );
    assert!(tasks.iter().all(|(t, _)| t.task.org_id == a));
    let own_b = sup_requests::tasks_of_org(&mut conn, &b).await.unwrap();
    assert_eq!(
        own_b.iter().map(|(t, _)| t.id.as_str()).collect::<Vec<_>>(),
        ["u0"]
    );

    // The review work list: the submitted answers in reach counted under their requests
    // (each cloned answer has a request of its own), the longest waiting first, past any
    // page size.
    let review = sup_work::review_groups(&mut conn, &kinki(&fsa))
        .await
        .unwrap();
    assert_eq!(review.len() as i64, MANY);
    assert!(
        review
            .iter()
            .all(|g| g.waiting == 1 && g.title_en == "diagnosis")
    );
    assert_eq!(
        (review[0].request_id.as_str(), review[0].oldest_at),
        ("r0", 10)
    );
    assert!(review.windows(2).all(|w| w[0].oldest_at <= w[1].oldest_at));
    let kanto = OrgScope::Region {
        own: fsa.clone(),
        region: Region::Kanto,
    };
    assert!(
        sup_work::review_groups(&mut conn, &kanto)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Every late task of `scope` with the filters, read `limit` a page.
async fn walk_late(
    db: &TestDb,
    scope: &OrgScope,
    bt: Option<BusinessType>,
    region: Option<Region>,
    limit: i64,
) -> Vec<String> {
    let mut conn = db.store.read().await.unwrap();
    let (mut after, mut seen) = (None::<Cursor>, Vec::new());
    loop {
        let p = sup_work::late_tasks(&mut conn, scope, 2_000, bt, region, after.as_ref(), limit)
            .await
            .unwrap();
        assert!(p.items.len() as i64 <= limit);
        seen.extend(p.items.iter().map(|(t, _)| t.id.clone()));
        match p.next {
            Some(n) => after = Some(Cursor::decode(&n, 3).unwrap()),
            None => return seen,
        }
    }
}

async fn late_tasks_page_with_their_filters(db: &TestDb) {
    let (_, _, _, fsa) = sector(db).await;
    // One deadline for all, one bank: the order falls to the task id.
    let a_late = walk_late(db, &kinki(&fsa), None, None, 100).await;
    let mut in_order = numbered("t");
    in_order.sort();
    assert_eq!(a_late, in_order);
    let regional = walk_late(
        db,
        &OrgScope::All,
        Some(BusinessType::RegionalBank),
        None,
        97,
    )
    .await;
    assert_eq!(regional, in_order);
    // The filter holds on every page: B is the only late shinkin bank; Kanto only B.
    let shinkin = walk_late(db, &OrgScope::All, Some(BusinessType::ShinkinBank), None, 1).await;
    assert_eq!(shinkin, ["u0"]);
    let kanto = walk_late(db, &OrgScope::All, None, Some(Region::Kanto), 1).await;
    assert_eq!(kanto, ["u0"]);
    // All late tasks, a page of 250: A's and B's, never C's submitted ones.
    assert_eq!(
        walk_late(db, &OrgScope::All, None, None, 250).await.len() as i64,
        MANY + 1
    );
    let mut conn = db.store.read().await.unwrap();
    let forged = Cursor::decode(&Cursor(vec![]).encode(), 0).unwrap();
    assert!(
        sup_work::late_tasks(
            &mut conn,
            &OrgScope::All,
            2_000,
            None,
            None,
            Some(&forged),
            5
        )
        .await
        .is_err()
    );
}

/// The risks download reads every risk: more than the old limit of 500, the other
/// institution's never.
async fn the_risk_list_reads_every_page(db: &TestDb) {
    let (a, b, _, _) = sector(db).await;
    let fields = |i: i64| deltawall_store::risks::RiskFields {
        title: format!("risk {i}"),
        asset: None,
        requirement_id: None,
        inherent_likelihood: 4,
        inherent_impact: 5,
        residual_likelihood: 1 + i % 5,
        residual_impact: 4,
        owner: "CISO".into(),
        treatment: "mitigate".into(),
        review_on: "2026-09-30".into(),
    };
    let mut tx = db.store.write().await.unwrap();
    for i in 0..MANY {
        deltawall_store::risks::create(&mut tx, &a, "u", &fields(i), i)
            .await
            .unwrap();
    }
    deltawall_store::risks::create(&mut tx, &b, "u", &fields(0), 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut conn = db.store.read().await.unwrap();
    let mine = deltawall_store::risks::list(&mut conn, &crate::posture::own(&a))
        .await
        .unwrap();
    let titles: std::collections::BTreeSet<&str> =
        mine.iter().map(|r| r.fields.title.as_str()).collect();
    assert_eq!((mine.len() as i64, titles.len() as i64), (MANY, MANY));
    let theirs = deltawall_store::risks::list(&mut conn, &crate::posture::own(&b))
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1);
}

/// A form's institutions and an institution's children are read whole: past the old first
/// page of 500, within the reader's region only.
async fn organisations_are_read_whole(db: &TestDb) {
    let mut tx = db.store.write().await.unwrap();
    for i in 0..MANY {
        let region = if i % 2 == 0 {
            Region::Kinki
        } else {
            Region::Kanto
        };
        let new = institution(&format!("bank {i:04}"), BusinessType::ShinkinBank, region);
        deltawall_store::orgs::create(&mut tx, &new).await.unwrap();
    }
    tx.commit().await.unwrap();
    let bureau = add_org(&db.store, supervisor("Kinki", Some(Region::Kinki))).await;
    let filter = deltawall_store::orgs::OrgFilter {
        kind: Some(deltawall_domain::org::OrgKind::Institution),
        ..Default::default()
    };
    let mut conn = db.store.read().await.unwrap();
    let all = deltawall_store::orgs::list_all(&mut conn, &OrgScope::All, &filter)
        .await
        .unwrap();
    let names: std::collections::BTreeSet<&str> = all.iter().map(|o| o.name_en.as_str()).collect();
    assert_eq!((all.len() as i64, names.len() as i64), (MANY, MANY));
    let kinki_banks = deltawall_store::orgs::list_all(&mut conn, &kinki(&bureau), &filter)
        .await
        .unwrap();
    assert_eq!(kinki_banks.len() as i64, MANY / 2);
    assert!(kinki_banks.iter().all(|o| o.region == Some(Region::Kinki)));
}

both!(organisations_whole, super::organisations_are_read_whole);
both!(risk_list, super::the_risk_list_reads_every_page);
both!(whole_lists, super::whole_lists_read_every_page);
both!(late_pages, super::late_tasks_page_with_their_filters);
