//! The supervisor's incident board read from the report stages kept on write equals the
//! board computed from every open case's clocks, after random sequences of writes on both
//! backends: cases opened (exercises and cases of every category, with and without a
//! recognised time), milestones recorded, cases closed, reports submitted (some twice) and
//! reviewed, decisions not to report. Compared for the FSA and for a bureau, at instants
//! from before the first deadline to after the last; a rebuild of the kept rows from the
//! cases changes nothing.

use deltawall_app::incidents::board::{REPORT_LIMIT, board, board_from_scratch};
use deltawall_app::supervision::clock::Clock;
use deltawall_app::{Ctx, actor_for};
use deltawall_domain::Actor;
use deltawall_domain::incident::case::{
    Case, Category, Impact, Milestone, NewCase, Phase, TimelineEntry, TimelineKind, Urgency,
};
use deltawall_domain::incident::regime::{Regimes, Stage};
use deltawall_domain::incident::report::{NotReportingDecision, Review, Submission};
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::Party;
use deltawall_domain::supervision::request::Attestation;
use deltawall_domain::{OrgScope, jst};
use deltawall_store::incidents::{board_kept, cases, reports};
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::testing::TestDb;
use deltawall_store::users::{self, NewUser};
use std::collections::BTreeMap;

const HOUR_US: i64 = 3_600_000_000;

/// splitmix64: a fixed, seedable sequence.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        usize::try_from((z ^ (z >> 31)) % n.max(1) as u64).unwrap_or(0)
    }
}

async fn org(
    db: &TestDb,
    name: &str,
    kind: OrgKind,
    bt: Option<BusinessType>,
    region: Option<Region>,
) -> String {
    let mut tx = db.store.write().await.unwrap();
    let id = orgs::create(
        &mut tx,
        &NewOrg {
            name_ja: format!("{name}（日本語）"),
            name_en: name.to_owned(),
            kind,
            business_type: bt,
            region,
            parent_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn staff(db: &TestDb, org_id: &str, login: &str) -> Actor {
    let mut tx = db.store.write().await.unwrap();
    let user_id = users::create(
        &mut tx,
        &NewUser {
            org_id: org_id.to_owned(),
            login: login.to_owned(),
            display_name: login.to_owned(),
            email: None,
            role: Role::Staff,
            password_hash: "$argon2id$not-a-real-hash".into(),
            lang: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = db.store.read().await.unwrap();
    let user = users::get(&mut c, &OrgScope::All, &user_id).await.unwrap();
    let org = orgs::get_unscoped(&mut c, org_id).await.unwrap();
    actor_for(&user, &org, None)
}

/// One open case as the test knows it: id, case, version.
struct Open {
    id: String,
    case: Case,
    version: i64,
}

/// Hours before the test's start with an odd half hour, so no deadline falls within
/// seconds of an instant the boards are compared at.
fn hours_ago(now: i64, h: usize) -> i64 {
    now - h as i64 * HOUR_US - HOUR_US / 2
}

async fn step(
    db: &TestDb,
    rng: &mut Rng,
    orgs: &[String],
    open: &mut Vec<Open>,
    n: &mut usize,
    now: i64,
    regimes: &Regimes,
) {
    let mut tx = db.store.write().await.unwrap();
    let party = |org_id: &str, role: Role| Party {
        user_id: "tester".into(),
        org_id: org_id.to_owned(),
        org_kind: OrgKind::Institution,
        role,
    };
    match rng.below(8) {
        0..=2 => {
            let org_id = orgs[rng.below(orgs.len())].clone();
            let recognised = (rng.below(4) > 0).then(|| hours_ago(now, rng.below(24 * 40)));
            let new = NewCase {
                org_id: org_id.clone(),
                title: format!("Case {n}"),
                category: Category::ALL[rng.below(Category::ALL.len())],
                ransom_demanded: rng.below(2) == 0,
                summary: "random".into(),
                occurred_on: jst::date_of(recognised.unwrap_or(now)),
                impact: Impact {
                    customers_affected: rng.below(5000) as u64,
                    ..Impact::default()
                },
                urgency: Urgency::Ongoing,
                recognised_at_us: recognised,
                exercise: rng.below(6) == 0,
            };
            let (case, first) = Case::open(new, &party(&org_id, Role::Staff), now).unwrap();
            let id = format!("case-{n:04}");
            *n += 1;
            cases::insert(&mut tx, &id, &case, &first).await.unwrap();
            open.push(Open {
                id,
                case,
                version: 1,
            });
        }
        // A milestone recorded, or the case closed.
        3 | 4 if !open.is_empty() => {
            let k = rng.below(open.len());
            let o = &mut open[k];
            let m = [
                Milestone::Recognised,
                Milestone::ClassifiedMajor,
                Milestone::Recovered,
                Milestone::RootCauseIdentified,
            ][rng.below(4)];
            let kind = if rng.below(5) == 0 {
                let from = o.case.phase;
                o.case.phase = Phase::Closed;
                TimelineKind::PhaseEntered {
                    from,
                    to: Phase::Closed,
                }
            } else {
                let at_us = *o
                    .case
                    .milestones
                    .entry(m)
                    .or_insert_with(|| hours_ago(now, rng.below(24 * 20)));
                TimelineKind::MilestoneRecorded {
                    milestone: m,
                    at_us,
                }
            };
            let entry = TimelineEntry {
                at_us: now,
                actor_user_id: "tester".into(),
                kind,
            };
            cases::update(&mut tx, &o.id, o.version, &o.case, &entry)
                .await
                .unwrap();
            o.version += 1;
            if o.case.phase == Phase::Closed {
                open.remove(k);
            }
        }
        // A report submitted (a second one of a stage is refused and changes nothing).
        5 | 6 if !open.is_empty() => {
            let o = &open[rng.below(open.len())];
            let r = &regimes.all()[rng.below(regimes.all().len())];
            let stage = [Stage::First, Stage::Interim, Stage::Final][rng.below(3)];
            let at = hours_ago(now, rng.below(24 * 30));
            let s = Submission {
                regime: r.code.clone(),
                stage,
                version: 1,
                items: BTreeMap::new(),
                attestation: Attestation {
                    by: party(&o.case.org_id, Role::Executive),
                    at_us: at,
                },
                submitted_by: "tester".into(),
                submitted_at_us: at,
                review: Review::Pending,
            };
            let id = format!("rep-{n:04}");
            *n += 1;
            if reports::insert(&mut tx, &id, &o.id, &o.case.org_id, &s)
                .await
                .is_ok()
                && rng.below(3) == 0
            {
                let review = Review::Accepted {
                    by_user_id: "fsa".into(),
                    at_us: now,
                };
                reports::review(&mut tx, &id, &review).await.unwrap();
            }
        }
        _ if !open.is_empty() => {
            let o = &open[rng.below(open.len())];
            let r = &regimes.all()[rng.below(regimes.all().len())];
            let d = NotReportingDecision {
                regime: r.code.clone(),
                reason: "not covered".into(),
                executive_user_id: "tester".into(),
                at_us: hours_ago(now, rng.below(24 * 10)),
            };
            // A second decision under one regime is refused and changes nothing.
            let _ = reports::insert_decision(&mut tx, &o.id, &o.case.org_id, &d).await;
        }
        _ => {}
    }
    tx.commit().await.unwrap();
}

async fn check(db: &TestDb, actors: &[&Actor], clock: &Clock) {
    for actor in actors {
        let ctx = Ctx {
            store: &db.store,
            actor,
            ip: None,
        };
        let fast = board(ctx, clock).await.unwrap();
        let slow = board_from_scratch(ctx, clock).await.unwrap();
        assert_eq!(fast, slow, "board of {}", actor.org_id);
    }
}

async fn kept_equals_rebuild(db: &TestDb) {
    let mut tx = db.store.write().await.unwrap();
    let before = board_kept::all_rows(&mut tx).await.unwrap();
    board_kept::rebuild_all(&mut tx).await.unwrap();
    let after = board_kept::all_rows(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(before, after, "rows kept on write differ from a rebuild");
}

async fn fast_board_equals_from_scratch(db: &TestDb) {
    let regimes = Regimes::builtin().unwrap();
    let fsa = org(db, "FSA", OrgKind::Supervisor, None, None).await;
    let kanto = org(
        db,
        "Kanto bureau",
        OrgKind::Supervisor,
        None,
        Some(Region::Kanto),
    )
    .await;
    let fsa = staff(db, &fsa, "fsa-staff").await;
    let kanto = staff(db, &kanto, "kanto-staff").await;
    let types = [BusinessType::RegionalBank, BusinessType::ShinkinBank];
    let regions = [Region::Kanto, Region::Kinki];
    let mut orgs = Vec::new();
    for i in 0..6 {
        let bt = types[i % 2];
        let region = regions[(i / 2) % 2];
        orgs.push(
            org(
                db,
                &format!("Bank {i}"),
                OrgKind::Institution,
                Some(bt),
                Some(region),
            )
            .await,
        );
    }
    let clock = Clock::default();
    let now = clock.now_us();
    let mut rng = Rng(2026);
    let (mut open, mut n) = (Vec::new(), 0usize);
    for round in 0..8 {
        for _ in 0..15 {
            step(db, &mut rng, &orgs, &mut open, &mut n, now, &regimes).await;
        }
        // From before the earliest deadlines to weeks after the latest.
        let moved = [0, 5 * HOUR_US, 3 * 24 * HOUR_US, 45 * 24 * HOUR_US][round % 4];
        clock.advance(moved);
        check(db, &[&fsa, &kanto], &clock).await;
        clock.advance(-moved);
    }
    kept_equals_rebuild(db).await;
    let ctx = Ctx {
        store: &db.store,
        actor: &fsa,
        ip: None,
    };
    let b = board(ctx, &clock).await.unwrap();
    // The data must exercise the board: open cases, both overdue and running reports.
    assert!(b.open_cases > 10, "{} open cases", b.open_cases);
    assert!(b.reports_overdue > 0);
    assert!(b.rows.iter().any(|r| r.reports_running > 0));
    assert!(b.reports.len() <= REPORT_LIMIT);
}

both!(fast_board, super::fast_board_equals_from_scratch);

/// More owed stages than the board lists: the listed ones are the most urgent, in order,
/// on the fast path as on the slow one.
async fn the_list_is_cut_at_the_limit(db: &TestDb) {
    let fsa = org(db, "FSA", OrgKind::Supervisor, None, None).await;
    let fsa = staff(db, &fsa, "fsa-staff").await;
    let bank = org(
        db,
        "Bank",
        OrgKind::Institution,
        Some(BusinessType::MajorBank),
        Some(Region::Kanto),
    )
    .await;
    let clock = Clock::default();
    let now = clock.now_us();
    let party = Party {
        user_id: "tester".into(),
        org_id: bank.clone(),
        org_kind: OrgKind::Institution,
        role: Role::Staff,
    };
    let mut tx = db.store.write().await.unwrap();
    for i in 0..(REPORT_LIMIT + 60) {
        // Pairs of cases recognised at the same time: equal deadlines, ordered by case id.
        let recognised = hours_ago(now, i / 2);
        let new = NewCase {
            org_id: bank.clone(),
            title: format!("Case {i}"),
            category: Category::ALL[i % Category::ALL.len()],
            ransom_demanded: false,
            summary: "s".into(),
            occurred_on: jst::date_of(recognised),
            impact: Impact::default(),
            urgency: Urgency::Ongoing,
            recognised_at_us: Some(recognised),
            exercise: false,
        };
        let (case, first) = Case::open(new, &party, now).unwrap();
        cases::insert(&mut tx, &format!("c-{:03}", 999 - i), &case, &first)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let ctx = Ctx {
        store: &db.store,
        actor: &fsa,
        ip: None,
    };
    let fast = board(ctx, &clock).await.unwrap();
    let slow = board_from_scratch(ctx, &clock).await.unwrap();
    assert_eq!(fast.reports.len(), REPORT_LIMIT);
    assert!(fast.rows[0].reports_running + fast.rows[0].reports_overdue > REPORT_LIMIT as u64);
    assert_eq!(fast, slow);
}

both!(list_cut, super::the_list_is_cut_at_the_limit);
