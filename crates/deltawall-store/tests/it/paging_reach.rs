//! Lists whose reach was decided outside SQL or that were read whole (issue 19, the last
//! point): TLPT engagements (members only, unless a supervisor observes), exercises (an
//! institution: those it took part in), the vulnerability scope with its coverage counted
//! over every asset, and one incident found by id however many there are. Each list is
//! walked one and two rows a page on both databases: every row once, in the unpaged list's
//! order, rows tied on the sort columns told apart by id, the filter kept on every page,
//! another organisation's rows never shown.

use crate::fixtures::{add_org, institution, supervisor};
use crate::paging_lists::walk;
use deltawall_domain::OrgScope;
use deltawall_domain::finding::Severity;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::supervision::AttackType;
use deltawall_domain::tlpt::{Command, Deadlines, Engagement, Member, TlptRole};
use deltawall_store::keyset::Cursor;
use deltawall_store::testing::TestDb;
use deltawall_store::{StoreError, exercises, incidents, tlpt, vuln};

pub(crate) async fn two_banks(db: &TestDb) -> (String, String) {
    let a = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        &db.store,
        institution("Shinkin B", BusinessType::ShinkinBank, Region::Kinki),
    )
    .await;
    (a, b)
}

async fn engagements_page_within_reach(db: &TestDb) {
    let (a, b) = two_banks(db).await;
    let mut tx = db.store.write().await.unwrap();
    // A's engagements, three started in the same microsecond; user "red" plays a role in
    // e1, e3, e4 and e6 only, and in B's engagement too.
    let mut ids = std::collections::BTreeMap::new();
    for (name, org, at, red) in [
        ("e1", &a, 10, true),
        ("e2", &a, 30, false),
        ("e3", &a, 30, true),
        ("e4", &a, 30, true),
        ("e5", &a, 20, false),
        ("e6", &a, 5, true),
        ("eb", &b, 40, true),
    ] {
        let e = Engagement::start(name.into(), "ctl".into(), Deadlines::default(), at);
        let id = tlpt::create(&mut tx, org, &e, "ctl", at).await.unwrap();
        if red {
            let add = Command::AddMember {
                member: Member {
                    user_id: "red".into(),
                    role: TlptRole::RedTeam,
                },
            };
            let (next, event) = e.apply("ctl", add, at + 1).unwrap();
            tlpt::append(&mut tx, &id, 0, &next, &event).await.unwrap();
        }
        ids.insert(id, name);
    }
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let own = OrgScope::Own(a.clone());
    let whole: Vec<String> = tlpt::list(&mut c, &own)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(whole.len(), 6);
    let red_of_a: Vec<String> = whole
        .iter()
        .filter(|id| ["e1", "e3", "e4", "e6"].contains(&ids[*id]))
        .cloned()
        .collect();
    let theirs = OrgScope::Own(b.clone());
    let b_only: Vec<String> = ids
        .iter()
        .filter(|(_, n)| **n == "eb")
        .map(|(id, _)| id.clone())
        .collect();
    for (scope, member, expected) in [
        (&own, None, &whole),
        (&own, Some("red"), &red_of_a),
        (&own, Some("nobody"), &Vec::new()),
        (&theirs, Some("red"), &b_only),
    ] {
        for limit in [1, 2] {
            let seen = walk(
                2,
                limit,
                async |after, limit| {
                    tlpt::page(&mut c, scope, member, after.as_ref(), limit)
                        .await
                        .unwrap()
                },
                |s: &tlpt::Stored| s.id.clone(),
            )
            .await;
            assert_eq!(&seen, expected, "{member:?} at {limit} a page");
        }
    }
    let names: Vec<&str> = red_of_a.iter().map(|id| ids[id]).collect();
    assert_eq!(names.len(), 4);
    assert_eq!(names[3], "e6", "oldest last: {names:?}");
}

async fn exercises_page_within_reach(db: &TestDb) {
    let (a, b) = two_banks(db).await;
    let fsa = add_org(&db.store, supervisor("FSA", None)).await;
    let mut tx = db.store.write().await.unwrap();
    // Three exercises held on one day; A took part in x1, x2, x4 and x5, B in x3 and x4.
    let mut ids = Vec::new();
    for (name, day) in [
        ("x1", "2025-01-10"),
        ("x2", "2025-06-01"),
        ("x3", "2025-06-01"),
        ("x4", "2025-06-01"),
        ("x5", "2024-11-30"),
    ] {
        let new = exercises::NewExercise {
            organiser: fsa.clone(),
            name_ja: name.into(),
            name_en: name.into(),
            held_on: day.into(),
        };
        let id = exercises::create(&mut tx, &new, "fsa-user", 1)
            .await
            .unwrap();
        ids.push(id.clone());
        if name != "x3" {
            exercises::record_participant(&mut tx, &id, &a, name == "x2", "u", 2)
                .await
                .unwrap();
        }
        if name == "x3" || name == "x4" {
            exercises::record_participant(&mut tx, &id, &b, false, "u", 2)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let all: Vec<String> = exercises::list(&mut c, &OrgScope::All)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(all.len(), 5);
    let own = OrgScope::Own(a.clone());
    let theirs = OrgScope::Own(b.clone());
    // In the whole list's order: A took part in all but x3, B in x3 and x4.
    let in_order = |keep: &[&String]| -> Vec<String> {
        all.iter().filter(|id| keep.contains(id)).cloned().collect()
    };
    let a_took = in_order(&[&ids[0], &ids[1], &ids[3], &ids[4]]);
    let b_took = in_order(&[&ids[2], &ids[3]]);
    for (scope, taken_part, expected) in [
        (&OrgScope::All, false, &all),
        (&own, true, &a_took),
        (&theirs, true, &b_took),
    ] {
        for limit in [1, 2] {
            let seen = walk(
                2,
                limit,
                async |after, limit| {
                    exercises::page(&mut c, scope, taken_part, after.as_ref(), limit)
                        .await
                        .unwrap()
                },
                |e: &exercises::Exercise| e.id.clone(),
            )
            .await;
            assert_eq!(&seen, expected, "{scope:?} at {limit} a page");
        }
    }
    // One exercise read by its id, with its participants within reach counted.
    let x4 = exercises::get(&mut c, &OrgScope::All, &ids[3])
        .await
        .unwrap();
    assert_eq!((x4.participants, x4.reviewed), (2, 0));
    let x2 = exercises::get(&mut c, &own, &ids[1]).await.unwrap();
    assert_eq!((x2.participants, x2.reviewed), (1, 1));
    assert!(matches!(
        exercises::get(&mut c, &own, "no-such-exercise").await,
        Err(StoreError::NotFound(_))
    ));
    // The participations of one page are those of its exercises, within reach only.
    let refs: Vec<&str> = vec![ids[2].as_str(), ids[3].as_str()];
    let p = exercises::participants_of(&mut c, &own, &refs)
        .await
        .unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].exercise_id.as_str(), p[0].org_id.as_str()),
        (ids[3].as_str(), a.as_str())
    );
    let p = exercises::participants_of(&mut c, &OrgScope::All, &refs)
        .await
        .unwrap();
    assert_eq!(p.len(), 3);
    assert!(
        exercises::participants_of(&mut c, &own, &[])
            .await
            .unwrap()
            .is_empty()
    );
}

fn asset(name: &str) -> vuln::NewAsset {
    vuln::NewAsset {
        name: name.into(),
        kind: "website".into(),
        owner: "IT".into(),
        operator: String::new(),
        criticality: "high".into(),
        cadence_days: 10,
    }
}

const DAY: i64 = 86_400_000_000;

async fn scope_pages_and_counts_every_asset(db: &TestDb) {
    let (a, b) = two_banks(db).await;
    let mut tx = db.store.write().await.unwrap();
    for (id, org, name) in [
        ("s1", &a, "www"),
        ("s2", &a, "api"),
        ("s3", &a, "mail"),
        ("s4", &a, "vpn"),
        ("s5", &a, "dns"),
        ("sb", &b, "www"),
    ] {
        vuln::add_asset(&mut tx, id, org, "u", &asset(name), 1)
            .await
            .unwrap();
    }
    // At day 100: s1 diagnosed 2 days ago (current), s2 30 days ago (stale), the rest never.
    for (asset_id, at) in [("s1", 98 * DAY), ("s2", 70 * DAY), ("sb", 99 * DAY)] {
        let org = if asset_id == "sb" { &b } else { &a };
        let import = vuln::Import {
            id: format!("imp-{asset_id}"),
            asset_id: asset_id.into(),
            format: "nessus".into(),
            sources: vec!["nessus".into()],
            findings_read: 0,
            new: 0,
            unchanged: 0,
            resolved: 0,
            reopened: 0,
            imported_by: "u".into(),
            imported_at: at,
        };
        vuln::add_import(&mut tx, org, &import).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let own = OrgScope::Own(a.clone());
    let whole: Vec<String> = vuln::assets(&mut c, &own, None)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(whole, ["s2", "s5", "s3", "s4", "s1"], "by name");
    for limit in [1, 2] {
        let seen = walk(
            3,
            limit,
            async |after, limit| {
                vuln::page_assets(&mut c, &own, after.as_ref(), limit)
                    .await
                    .unwrap()
            },
            |x: &vuln::Asset| x.id.clone(),
        )
        .await;
        assert_eq!(seen, whole, "{limit} a page");
    }
    assert_eq!(
        vuln::coverage_counts(&mut c, &own, 100 * DAY)
            .await
            .unwrap(),
        (1, 1, 3)
    );
    assert_eq!(
        vuln::coverage_counts(&mut c, &OrgScope::Own(b.clone()), 100 * DAY)
            .await
            .unwrap(),
        (1, 0, 0)
    );
    let nobody = OrgScope::Own("nobody".into());
    assert_eq!(
        vuln::coverage_counts(&mut c, &nobody, 100 * DAY)
            .await
            .unwrap(),
        (0, 0, 0)
    );
}

/// More incidents than a page holds: the oldest is still found by its id within reach, and
/// not from another institution.
async fn an_incident_is_found_beyond_the_first_page(db: &TestDb) {
    let (a, b) = two_banks(db).await;
    let mut tx = db.store.write().await.unwrap();
    let n = deltawall_store::keyset::MAX_LIMIT + 3;
    let mut oldest = String::new();
    for i in 0..n {
        let new = incidents::NewIncident {
            org_id: a.clone(),
            occurred_on: if i == 0 { "2020-01-01" } else { "2026-01-01" }.into(),
            attack_type: AttackType::Ddos,
            severity: Severity::High,
            summary: "ddos".into(),
        };
        let id = incidents::create(&mut tx, &new, "user", 1).await.unwrap();
        if i == 0 {
            oldest = id;
        }
    }
    tx.commit().await.unwrap();
    let mut c = db.store.read().await.unwrap();
    let own = OrgScope::Own(a.clone());
    let first = incidents::page(&mut c, &own, None, deltawall_store::keyset::MAX_LIMIT)
        .await
        .unwrap();
    assert!(
        first.items.iter().all(|i| i.id != oldest),
        "the first page stops before the oldest"
    );
    // The whole list reads past the first page, down to the oldest.
    let whole = incidents::list(&mut c, &own).await.unwrap();
    assert_eq!(whole.len() as i64, n);
    assert_eq!(whole.last().map(|i| i.id.as_str()), Some(oldest.as_str()));
    assert_eq!(
        incidents::get(&mut c, &own, &oldest).await.unwrap().id,
        oldest
    );
    assert!(matches!(
        incidents::get(&mut c, &OrgScope::Own(b.clone()), &oldest).await,
        Err(StoreError::NotFound(_))
    ));
}

/// Plans page institution by institution: each institution's status and versions on one
/// page only, a bureau's pages holding its region's institutions only.
async fn plans_page_by_institution(db: &TestDb) {
    use deltawall_domain::exercise::Scenario;
    use deltawall_domain::exercise::plan::PlanVersion;
    use deltawall_store::exercises::plans;
    let kanto_bureau = add_org(&db.store, supervisor("Kanto bureau", Some(Region::Kanto))).await;
    let mut orgs = Vec::new();
    for (n, region) in [
        Region::Kanto,
        Region::Kanto,
        Region::Kinki,
        Region::Kanto,
        Region::Kanto,
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("Bank {n}");
        orgs.push(
            add_org(
                &db.store,
                institution(&name, BusinessType::RegionalBank, region),
            )
            .await,
        );
    }
    let mut tx = db.store.write().await.unwrap();
    for (n, org) in orgs.iter().enumerate() {
        // Every other institution has a second version.
        for version in 1..=(1 + u32::from(n % 2 == 1)) {
            let plan = PlanVersion {
                org_id: org.clone(),
                version,
                adopted_at_us: 1,
                scenarios: vec![Scenario::Ddos],
                roles: vec![],
                internal_contacts: vec![],
                external_contacts: vec![],
                objectives: vec![],
                requirement_ids: vec![],
            };
            plans::add_version(&mut tx, &plan, "admin", 1)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let bureau = OrgScope::Region {
        own: kanto_bureau.clone(),
        region: Region::Kanto,
    };
    for (scope, institutions) in [(&OrgScope::All, 5), (&bureau, 4)] {
        let statuses = plans::statuses(&mut c, scope, 2).await.unwrap();
        let versions = plans::versions(&mut c, scope).await.unwrap();
        assert_eq!(statuses.len(), institutions);
        for limit in [1, 2] {
            let (mut after, mut seen_statuses, mut seen_versions) = (None, Vec::new(), Vec::new());
            loop {
                let p = plans::page(&mut c, scope, after.as_ref(), limit, 2)
                    .await
                    .unwrap();
                assert!(p.statuses.len() as i64 <= limit);
                assert!(p.tasks.is_empty());
                // A page's versions are those of its institutions, all of them.
                assert!(
                    p.versions
                        .iter()
                        .all(|v| p.statuses.iter().any(|s| s.org_id == v.org_id))
                );
                seen_statuses.extend(p.statuses);
                seen_versions.extend(p.versions);
                match p.next {
                    Some(n) => after = Some(Cursor::decode(&n, 1).unwrap()),
                    None => break,
                }
            }
            assert_eq!(seen_statuses, statuses, "{scope:?} at {limit} a page");
            assert_eq!(seen_versions, versions, "{scope:?} at {limit} a page");
        }
    }
}

both!(plans_by_institution, super::plans_page_by_institution);
both!(engagements_in_reach, super::engagements_page_within_reach);
both!(exercises_in_reach, super::exercises_page_within_reach);
both!(scope_pages, super::scope_pages_and_counts_every_asset);
both!(
    incident_by_id,
    super::an_incident_is_found_beyond_the_first_page
);
