//! The detections inbox's groups by rule and key and a coordination room's relay messages
//! (issue 19), walked one to three rows a page on both databases: every row once, in the
//! unpaged list's order, the filter kept on every page, rows tied on the first sort column
//! told apart by the others, another institution's groups and another room's messages never
//! shown. A room's board holds each member's latest report, its history every report.

use crate::detections_inbox::{line, put};
use crate::fixtures::{add_org, supervisor};
use crate::paging_lists::walk;
use deltawall_domain::OrgScope;
use deltawall_domain::incident::case::Category;
use deltawall_domain::incident::council::{MemberStatus, RoomStatus};
use deltawall_store::StoreError;
use deltawall_store::detections_inbox::{self as inbox, Filter, Group};
use deltawall_store::incidents::rooms::{self, Message, Room, StatusReport};
use deltawall_store::keyset::{Cursor, Key};
use deltawall_store::testing::TestDb;

fn group_id(g: &Group) -> String {
    format!("{}|{}", g.rule_key, g.group_key)
}

async fn groups_page_in_order(db: &TestDb) {
    let (a, b) = crate::paging_reach::two_banks(db).await;
    let ip = |n: u32| format!("src_ip=198.51.100.{n}");
    put(
        db,
        &a,
        &[
            line("stuffing", "high", 0, 0),
            line("stuffing", "high", 1, 1),
        ],
        100,
    )
    .await;
    // Three groups received in the same microsecond: rule and key order them.
    let same = [
        line("stuffing", "high", 4, 4),
        line("spray", "medium", 3, 3),
        line("spray", "medium", 2, 2),
    ];
    put(db, &a, &same, 200).await;
    // A later window of the first group: the group sorts by its latest receipt.
    put(db, &a, &[line("stuffing", "high", 0, 10)], 300).await;
    // B's groups are the newest of all, and never A's.
    put(
        db,
        &b,
        &[
            line("stuffing", "high", 0, 0),
            line("stuffing", "high", 9, 0),
        ],
        400,
    )
    .await;

    let want: Vec<String> = [
        ("stuffing", 0),
        ("spray", 2),
        ("spray", 3),
        ("stuffing", 4),
        ("stuffing", 1),
    ]
    .iter()
    .map(|(rule, n)| format!("{rule}|{}", ip(*n)))
    .collect();
    let stuffing = Filter {
        rule: Some("stuffing".into()),
        ..Filter::default()
    };
    let own = OrgScope::Own(a.clone());
    let mut c = db.store.read().await.unwrap();
    let whole = inbox::groups(&mut c, &own, &Filter::default(), None, 500)
        .await
        .unwrap();
    assert_eq!(whole.items.iter().map(group_id).collect::<Vec<_>>(), want);
    assert_eq!(whole.next, None);
    assert_eq!(
        (whole.items[0].total, whole.items[0].latest),
        (2, 300),
        "both windows of the first group, its latest receipt"
    );
    let filtered: Vec<&String> = want.iter().filter(|g| g.starts_with("stuffing")).collect();
    for (filter, expected) in [
        (Filter::default(), want.iter().collect::<Vec<_>>()),
        (stuffing, filtered),
    ] {
        for limit in [1, 2, 3] {
            let seen = walk(
                3,
                limit,
                async |after, limit| {
                    inbox::groups(&mut c, &own, &filter, after.as_ref(), limit)
                        .await
                        .unwrap()
                },
                group_id,
            )
            .await;
            let seen: Vec<&String> = seen.iter().collect();
            assert_eq!(seen, expected, "{filter:?} at {limit} a page");
        }
    }
    let theirs = inbox::groups(&mut c, &OrgScope::Own(b), &Filter::default(), None, 500)
        .await
        .unwrap();
    let theirs: Vec<String> = theirs.items.iter().map(group_id).collect();
    assert_eq!(
        theirs,
        [format!("stuffing|{}", ip(0)), format!("stuffing|{}", ip(9))]
    );

    // A cursor of the right length with a text where the list sorts on a time is refused
    // before it reaches the database.
    let forged = Cursor(vec![
        Key::Text("400".into()),
        Key::Text("stuffing".into()),
        Key::Text(String::new()),
    ]);
    let refused = inbox::groups(&mut c, &own, &Filter::default(), Some(&forged), 2).await;
    assert!(
        matches!(refused, Err(StoreError::BadCursor(_))),
        "{refused:?}"
    );
}

fn room(id: &str, fsa: &str) -> Room {
    Room {
        id: id.into(),
        title_ja: format!("会議 {id}"),
        title_en: format!("room {id}"),
        category: Category::parse("ddos").unwrap(),
        declared_org: fsa.into(),
        declared_by: "fsa-user".into(),
        declared_at: 1,
        status: RoomStatus::Open,
        closed_at: None,
    }
}

fn message(id: &str, from: &str, at: i64) -> Message {
    Message {
        id: id.into(),
        from_org: from.into(),
        author: "user".into(),
        body: format!("message {id}"),
        tlp: "TLP:AMBER".into(),
        sent_at: at,
    }
}

fn report(org: &str, status: &str, at: i64) -> StatusReport {
    StatusReport {
        org_id: org.into(),
        status: MemberStatus::from_code(status).unwrap(),
        as_of: at,
        note: String::new(),
        reported_by: "user".into(),
        reported_at: at,
    }
}

async fn room_messages_page_newest_first(db: &TestDb) {
    let fsa = add_org(&db.store, supervisor("FSA", None)).await;
    let (a, b) = crate::paging_reach::two_banks(db).await;
    let members = [a.clone(), b.clone()];
    let mut tx = db.store.write().await.unwrap();
    rooms::create(&mut tx, &room("r1", &fsa), &members, 1)
        .await
        .unwrap();
    rooms::create(&mut tx, &room("r2", &fsa), &members, 1)
        .await
        .unwrap();
    // Two messages in the same microsecond: the id orders them.
    for (id, at) in [("m1", 10), ("m2", 20), ("m3", 20), ("m4", 30), ("m5", 5)] {
        rooms::post(&mut tx, "r1", &message(id, &a, at))
            .await
            .unwrap();
    }
    rooms::post(&mut tx, "r2", &message("mx", &b, 40))
        .await
        .unwrap();
    // A affected then recovering; B's two reports in one microsecond (the smaller id is
    // its latest); B's report in the other room stays there.
    let reports = [
        ("r1", "s1", report(&a, "affected", 10)),
        ("r1", "s2", report(&b, "not_affected", 15)),
        ("r1", "s3", report(&a, "recovering", 20)),
        ("r1", "s4", report(&b, "affected", 15)),
        ("r2", "s5", report(&b, "recovered", 50)),
    ];
    for (room_id, id, s) in &reports {
        rooms::report(&mut tx, room_id, id, s).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let want = ["m4", "m2", "m3", "m1", "m5"];
    let whole = rooms::messages(&mut c, "r1", None, 500).await.unwrap();
    let ids: Vec<&str> = whole.items.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, want, "newest first");
    for limit in [1, 2] {
        let seen = walk(
            2,
            limit,
            async |after, limit| {
                rooms::messages(&mut c, "r1", after.as_ref(), limit)
                    .await
                    .unwrap()
            },
            |m: &Message| m.id.clone(),
        )
        .await;
        assert_eq!(seen, want, "{limit} a page");
    }
    let forged = Cursor(vec![Key::Text("30".into()), Key::Text("m4".into())]);
    let refused = rooms::messages(&mut c, "r1", Some(&forged), 2).await;
    assert!(
        matches!(refused, Err(StoreError::BadCursor(_))),
        "{refused:?}"
    );

    let board = rooms::statuses(&mut c, "r1").await.unwrap();
    let board: Vec<(&str, &str)> = board
        .iter()
        .map(|s| (s.org_id.as_str(), s.status.code()))
        .collect();
    assert_eq!(
        board,
        [(a.as_str(), "recovering"), (b.as_str(), "not_affected")]
    );

    // The history: every report of the room, newest first, ties by id, a page at a time.
    let history = [
        format!("{a}:recovering"),
        format!("{b}:not_affected"),
        format!("{b}:affected"),
        format!("{a}:affected"),
    ];
    for limit in [1, 2, 500] {
        let seen = walk(
            2,
            limit,
            async |after, limit| {
                rooms::status_history(&mut c, "r1", after.as_ref(), limit)
                    .await
                    .unwrap()
            },
            |s: &rooms::StatusReport| format!("{}:{}", s.org_id, s.status.code()),
        )
        .await;
        assert_eq!(seen, history, "{limit} a page");
    }
}

both!(groups_in_order, super::groups_page_in_order);
both!(
    room_messages_in_order,
    super::room_messages_page_newest_first
);
