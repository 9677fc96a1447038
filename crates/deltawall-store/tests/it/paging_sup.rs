//! Supervision lists that were read whole (issue 19): the reminders an institution was sent
//! and the requests benchmarks can be drawn from. Each is walked one and two rows a page on
//! both databases: every row once, in order, rows tied on the time told apart by the rest
//! of the key, another organisation's rows never shown; the sources keep exactly the reach
//! of reading every visible request and keeping those that ask catalog requirements.

use crate::fixtures::{add_org, supervisor};
use crate::paging_lists::walk;
use crate::paging_reach::two_banks;
use deltawall_domain::OrgScope;
use deltawall_domain::catalog::Text;
use deltawall_domain::org::Region;
use deltawall_domain::supervision::ReminderPolicy;
use deltawall_domain::supervision::population::Selector;
use deltawall_domain::supervision::request::Asked::Requirements;
use deltawall_domain::supervision::request::{Asked, AskedQuestion, Request, Task};
use deltawall_store::StoreError;
use deltawall_store::keyset::{Cursor, Key};
use deltawall_store::sup_reminders::{self, SentReminder, Subject};
use deltawall_store::sup_requests::{self, RequestDoc, RequestSource};
use deltawall_store::testing::TestDb;

fn doc(title: &str, asked: Asked) -> RequestDoc {
    RequestDoc {
        request: Request {
            title: Text {
                ja: format!("{title}（日本語）"),
                en: title.into(),
            },
            asked,
            population: Selector::default(),
            deadline_us: 1_000,
            reminders: ReminderPolicy::default(),
        },
        baseline_request_id: None,
    }
}

fn requirements() -> Asked {
    Requirements {
        catalog_id: "fsa".into(),
        requirement_ids: vec!["FSA-BE1-01".into()],
    }
}

fn questions() -> Asked {
    Asked::Questions {
        questions: vec![AskedQuestion {
            id: "q".into(),
            text: Text {
                ja: "質問".into(),
                en: "question".into(),
            },
        }],
    }
}

fn reminder_key(r: &SentReminder) -> String {
    format!("{}/{}/{}", r.subject.code(), r.subject_id, r.reminder)
}

async fn reminders_page_in_order(db: &TestDb) {
    let (a, b) = two_banks(db).await;
    let fsa = add_org(&db.store, supervisor("FSA", None)).await;
    let mut tx = db.store.write().await.unwrap();
    sup_requests::insert_request(&mut tx, "rq", &fsa, &doc("r", questions()), "u", 1)
        .await
        .unwrap();
    for (id, org) in [("ta", &a), ("tb", &b)] {
        sup_requests::insert_task(&mut tx, id, "rq", &Task::assign(org, 1))
            .await
            .unwrap();
    }
    // Three of A's reminders recorded in the same microsecond: the subject and the
    // reminder order them. B's reminders about the same request never show in A's list.
    for (kind, subject, org, text, at) in [
        (Subject::Alert, "al", &a, "r1", 50),
        (Subject::Request, "rq", &a, "r1", 70),
        (Subject::Alert, "al", &a, "r2", 70),
        (Subject::Alert, "ak", &a, "r1", 70),
        (Subject::Request, "rq", &a, "r2", 10),
        (Subject::Request, "rq", &b, "r1", 70),
        (Subject::Request, "rq", &b, "r3", 90),
    ] {
        assert!(
            sup_reminders::record(&mut tx, kind, subject, org, text, at)
                .await
                .unwrap()
        );
    }
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let want = [
        "alert/ak/r1",
        "alert/al/r2",
        "request/rq/r1",
        "alert/al/r1",
        "request/rq/r2",
    ];
    for limit in [1, 2] {
        let seen = walk(
            4,
            limit,
            async |after, limit| {
                let p = sup_reminders::page_for_org(&mut c, &a, after.as_ref(), limit)
                    .await
                    .unwrap();
                for r in &p.items {
                    assert_eq!(r.org_id, a);
                    // A reminder about a request carries A's own task, never B's.
                    let task = (r.subject == Subject::Request).then(|| "ta".to_owned());
                    assert_eq!(r.task_id, task, "{r:?}");
                }
                p
            },
            reminder_key,
        )
        .await;
        assert_eq!(seen, want, "{limit} a page");
    }
    let theirs = sup_reminders::page_for_org(&mut c, &b, None, 10)
        .await
        .unwrap();
    let theirs: Vec<String> = theirs.items.iter().map(reminder_key).collect();
    assert_eq!(theirs, ["request/rq/r3", "request/rq/r1"]);
    // A cursor of the right length whose values have the wrong types is refused.
    let forged = Cursor(vec![Key::Text("x".into()); 4]);
    assert!(matches!(
        sup_reminders::page_for_org(&mut c, &a, Some(&forged), 2).await,
        Err(StoreError::BadCursor(_))
    ));
}

/// The requests asking requirements within `scope`, as reading every visible request
/// whole and keeping those that ask requirements gave them before the lean read.
async fn whole_sources(c: &mut deltawall_store::Conn, scope: &OrgScope) -> Vec<String> {
    sup_requests::list_requests(c, scope)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| matches!(r.doc.request.asked, Asked::Requirements { .. }))
        .map(|r| r.id)
        .collect()
}

async fn request_sources_page_within_reach(db: &TestDb) {
    // A is in Kanto, B in Kinki.
    let (a, b) = two_banks(db).await;
    let fsa = add_org(&db.store, supervisor("FSA", None)).await;
    let bureau = add_org(&db.store, supervisor("Kinki", Some(Region::Kinki))).await;
    let mut tx = db.store.write().await.unwrap();
    // Four requests asking requirements sent in the same microsecond (the id orders them),
    // questionnaires between them, one sent by the bureau to nobody yet.
    for (id, issuer, at, asked, targets) in [
        ("s1", &fsa, 10, requirements(), vec![&a]),
        ("s2", &fsa, 30, requirements(), vec![&a, &b]),
        ("s3", &fsa, 30, requirements(), vec![&b]),
        ("s4", &fsa, 30, requirements(), vec![&a]),
        ("s5", &bureau, 30, requirements(), vec![]),
        ("q1", &fsa, 40, questions(), vec![&a, &b]),
        ("q2", &fsa, 20, questions(), vec![&a]),
        ("s6", &fsa, 5, requirements(), vec![&b]),
    ] {
        let d = doc(&format!("title {id}"), asked);
        sup_requests::insert_request(&mut tx, id, issuer, &d, "u", at)
            .await
            .unwrap();
        for org in targets {
            let task = format!("{id}-{org}");
            sup_requests::insert_task(&mut tx, &task, id, &Task::assign(org, at))
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let region = OrgScope::Region {
        own: bureau.clone(),
        region: Region::Kinki,
    };
    let cases = [
        // The bureau's request reached nobody: only the bureau itself sees it.
        (OrgScope::All, vec!["s2", "s3", "s4", "s1", "s6"]),
        (region, vec!["s2", "s3", "s5", "s6"]),
        (OrgScope::Own(a.clone()), vec!["s2", "s4", "s1"]),
        (OrgScope::Own(b.clone()), vec!["s2", "s3", "s6"]),
    ];
    for (scope, want) in cases {
        assert_eq!(whole_sources(&mut c, &scope).await, want, "{scope:?}");
        for limit in [1, 2] {
            let seen = walk(
                2,
                limit,
                async |after, limit| {
                    sup_requests::page_request_sources(&mut c, &scope, after.as_ref(), limit)
                        .await
                        .unwrap()
                },
                |r: &RequestSource| r.id.clone(),
            )
            .await;
            assert_eq!(seen, want, "{scope:?}, {limit} a page");
        }
    }
    // The lean row carries the title in both languages and the time sent.
    let first = sup_requests::page_request_sources(&mut c, &OrgScope::All, None, 1)
        .await
        .unwrap();
    assert_eq!(
        first.items,
        [RequestSource {
            id: "s2".into(),
            sent_at: 30,
            title_ja: "title s2（日本語）".into(),
            title_en: "title s2".into(),
        }]
    );
}

both!(reminders_in_order, super::reminders_page_in_order);
both!(
    sources_within_reach,
    super::request_sources_page_within_reach
);
