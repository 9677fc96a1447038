//! ATT&CK releases round-trip and are never edited; mappings and TLPT engagements are read
//! only within scope; an engagement's state and its append-only history are written
//! together, guarded by its sequence number.

use deltawall_attack::{TechniqueId, import_bundle};
use deltawall_domain::OrgScope;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::tlpt::{Command, Deadlines, Engagement, Member, Phase, ReportKind, TlptRole};
use deltawall_store::attack::{self, NewMapping};
use deltawall_store::testing::TestDb;
use deltawall_store::{StoreError, tlpt};

use crate::fixtures::{add_org, institution};

const V18: &str = include_str!("../../../deltawall-attack/tests/fixtures/enterprise-18.1.json");
const V19: &str = include_str!("../../../deltawall-attack/tests/fixtures/enterprise-19.0.json");
const T0: i64 = 1_800_000_000_000_000;

async fn releases_round_trip(db: &TestDb) {
    let s = &db.store;
    let old = import_bundle(V18).unwrap();
    let new = import_bundle(V19).unwrap();
    let mut tx = s.write().await.unwrap();
    assert!(
        attack::insert_release(&mut tx, &old, "admin", T0)
            .await
            .unwrap()
    );
    assert!(
        attack::insert_release(&mut tx, &new, "admin", T0 + 1)
            .await
            .unwrap()
    );
    assert!(
        !attack::insert_release(&mut tx, &new, "admin", T0 + 2)
            .await
            .unwrap(),
        "never replaced"
    );
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    assert_eq!(attack::release(&mut c, "18.1").await.unwrap(), old);
    assert_eq!(attack::release(&mut c, "19.0").await.unwrap(), new);
    let listed: Vec<(String, i64)> = attack::releases(&mut c)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.version, r.techniques))
        .collect();
    assert_eq!(listed, [("18.1".to_owned(), 10), ("19.0".to_owned(), 10)]);
    assert!(matches!(
        attack::release(&mut c, "20.0").await,
        Err(StoreError::NotFound(_))
    ));
    drop(c);
    let mut tx = s.write().await.unwrap();
    let edit = sqlx::query("UPDATE attack_techniques SET name = 'x' WHERE version = '18.1'")
        .execute(&mut *tx)
        .await;
    assert!(edit.is_err(), "releases are never edited");
}
both!(
    releases_round_trip_and_are_never_edited,
    super::releases_round_trip
);

async fn mappings_are_scoped(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("Bank A", BusinessType::MajorBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        s,
        institution("Bank B", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let mut tx = s.write().await.unwrap();
    attack::insert_release(&mut tx, &import_bundle(V18).unwrap(), "admin", T0)
        .await
        .unwrap();
    let map = |org: &str, subject: &str, t: &str| NewMapping {
        org_id: org.to_owned(),
        subject_kind: "rule".into(),
        subject_id: subject.into(),
        technique: TechniqueId::parse(t).unwrap(),
        attack_version: "18.1".into(),
    };
    attack::add_mapping(&mut tx, &map(&a, "r1", "T1110.003"), "u", T0)
        .await
        .unwrap();
    attack::add_mapping(&mut tx, &map(&b, "r2", "T1562"), "u", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = s.write().await.unwrap();
    let again = attack::add_mapping(&mut tx, &map(&a, "r1", "T1110.003"), "u", T0).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // the refusal leaves the transaction usable
    attack::add_mapping(&mut tx, &map(&a, "r3", "T1657"), "u", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let own = attack::mappings(&mut c, &OrgScope::Own(a.clone()), None)
        .await
        .unwrap();
    assert_eq!(
        own.iter()
            .map(|m| m.subject_id.as_str())
            .collect::<Vec<_>>(),
        ["r1", "r3"]
    );
    let all = attack::mappings(&mut c, &OrgScope::All, Some("18.1"))
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert!(
        attack::mappings(&mut c, &OrgScope::All, Some("19.0"))
            .await
            .unwrap()
            .is_empty()
    );
}
both!(mappings_are_scoped_and_pinned, super::mappings_are_scoped);

async fn engagements_keep_state_and_history(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("Bank A", BusinessType::MajorBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        s,
        institution("Bank B", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let e = Engagement::start("TLPT 2027".into(), "ctl".into(), Deadlines::default(), T0);
    let mut tx = s.write().await.unwrap();
    let id = tlpt::create(&mut tx, &a, &e, "ctl", T0).await.unwrap();
    tx.commit().await.unwrap();
    let commands = [
        Command::AddCriticalFunction {
            name: "internet banking".into(),
        },
        Command::AddMember {
            member: Member {
                user_id: "red".into(),
                role: TlptRole::RedTeam,
            },
        },
        Command::AddMember {
            member: Member {
                user_id: "blue".into(),
                role: TlptRole::BlueTeam,
            },
        },
        Command::AddMember {
            member: Member {
                user_id: "ti".into(),
                role: TlptRole::ThreatIntelligence,
            },
        },
        Command::PassGate,
    ];
    let (mut state, mut seq) = (e, 0);
    for (i, cmd) in commands.into_iter().enumerate() {
        let (next, event) = state.apply("ctl", cmd, T0 + i as i64).unwrap();
        let mut tx = s.write().await.unwrap();
        seq = tlpt::append(&mut tx, &id, seq, &next, &event)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        state = next;
    }
    assert_eq!(state.phase, Phase::ThreatIntelligence);
    // a writer holding an old sequence number is refused, and nothing is written
    let report = Command::SubmitReport {
        kind: ReportKind::ThreatIntelligence,
        document: "ev-1".into(),
    };
    let (next, event) = state.apply("ti", report, T0 + 9).unwrap();
    let mut tx = s.write().await.unwrap();
    let stale = tlpt::append(&mut tx, &id, seq - 1, &next, &event).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    drop(tx);

    let mut c = s.read().await.unwrap();
    let stored = tlpt::get(&mut c, &OrgScope::Own(a.clone()), &id)
        .await
        .unwrap();
    assert_eq!((stored.engagement, stored.seq), (state, 5));
    let history = tlpt::history(&mut c, &OrgScope::All, &id).await.unwrap();
    assert_eq!(
        history.iter().map(|h| h.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(history[4].event.command, Command::PassGate);
    assert_eq!(history[4].event.phase, Phase::Preparation);
    // another institution sees neither the engagement nor its history
    let other = OrgScope::Own(b.clone());
    assert!(matches!(
        tlpt::get(&mut c, &other, &id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        tlpt::history(&mut c, &other, &id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(tlpt::list(&mut c, &other).await.unwrap().is_empty());
    assert_eq!(tlpt::list(&mut c, &OrgScope::All).await.unwrap().len(), 1);
    let roles = tlpt::engagements_of_member(&mut c, &OrgScope::Own(a.clone()), "red")
        .await
        .unwrap();
    assert_eq!(roles, [(id.clone(), TlptRole::RedTeam)]);
    assert!(
        tlpt::engagements_of_member(&mut c, &other, "red")
            .await
            .unwrap()
            .is_empty()
    );
    drop(c);
    let mut tx = s.write().await.unwrap();
    let rewrite = sqlx::query("DELETE FROM tlpt_events")
        .execute(&mut *tx)
        .await;
    assert!(rewrite.is_err(), "the history is append-only");
}
both!(
    engagements_keep_state_and_history,
    super::engagements_keep_state_and_history
);

/// A local finance bureau reads the engagements, histories, members and mappings of the
/// institutions of its region and nothing of another region's, on both backends (the
/// supervisor's sector layer and observer reads go through this scope).
async fn a_bureau_reads_its_region_only(db: &TestDb) {
    let s = &db.store;
    let kanto = add_org(
        s,
        crate::fixtures::supervisor("Kanto bureau", Some(Region::Kanto)),
    )
    .await;
    let a = add_org(
        s,
        institution("Bank A", BusinessType::MajorBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        s,
        institution("Bank B", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let mut tx = s.write().await.unwrap();
    attack::insert_release(&mut tx, &import_bundle(V18).unwrap(), "admin", T0)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (org, subject) in [(&a, "rule-a"), (&b, "rule-b")] {
        let map = NewMapping {
            org_id: org.clone(),
            subject_kind: "rule".into(),
            subject_id: subject.into(),
            technique: TechniqueId::parse("T1078").unwrap(),
            attack_version: "18.1".into(),
        };
        attack::add_mapping(&mut tx, &map, "u", T0).await.unwrap();
        let e = Engagement::start(
            format!("TLPT {subject}"),
            "ctl".into(),
            Deadlines::default(),
            T0,
        );
        let id = tlpt::create(&mut tx, org, &e, "ctl", T0).await.unwrap();
        let add = Command::AddMember {
            member: Member {
                user_id: "red".into(),
                role: TlptRole::RedTeam,
            },
        };
        let (next, event) = e.apply("ctl", add, T0 + 1).unwrap();
        tlpt::append(&mut tx, &id, 0, &next, &event).await.unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    let bureau = OrgScope::Region {
        own: kanto.clone(),
        region: Region::Kanto,
    };
    let mut c = s.read().await.unwrap();
    let listed: Vec<String> = tlpt::list(&mut c, &bureau)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(listed, [ids[0].clone()]);
    assert_eq!(tlpt::get(&mut c, &bureau, &ids[0]).await.unwrap().seq, 1);
    assert_eq!(
        tlpt::history(&mut c, &bureau, &ids[0]).await.unwrap().len(),
        1
    );
    assert!(matches!(
        tlpt::get(&mut c, &bureau, &ids[1]).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        tlpt::history(&mut c, &bureau, &ids[1]).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        tlpt::engagements_of_member(&mut c, &bureau, "red")
            .await
            .unwrap(),
        [(ids[0].clone(), TlptRole::RedTeam)]
    );
    let mapped: Vec<String> = attack::mappings(&mut c, &bureau, Some("18.1"))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject_id)
        .collect();
    assert_eq!(mapped, ["rule-a"]);
}
both!(
    a_bureau_reads_its_region_only,
    super::a_bureau_reads_its_region_only
);
