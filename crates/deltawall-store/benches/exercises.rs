//! The Delta Wall scale at the store level, on SQLite and on PostgreSQL: an edition with
//! 121 institutions on six sector tracks of 20 injects each, its clock running.
//!
//! - `record_response`: one participant response, each in its own write transaction,
//!   through `play::record_response` (which re-reads the play state and checks the inject
//!   is released to the institution's track);
//! - `record_responses_concurrently`: 8 tasks recording at once, to see what the pool and
//!   the database's locking give;
//! - `released_to_participants`: which injects are released to each of the 121
//!   institutions (one computation, for a server to fan out);
//! - `injects_for_121`: each of the 121 institutions reading its own released content
//!   through `play::injects_for`, one after the other.
//!
//! `cargo bench -p deltawall-store --bench exercises`. PostgreSQL rows are skipped when no
//! server answers.

use deltawall_domain::OrgKind;
use deltawall_domain::exercise::play::ClockEvent;
use deltawall_domain::exercise::schedule::{Expectation, Inject, Schedule};
use deltawall_domain::exercise::{InjectKind, MINUTE_US, Organiser, ResponseKind, Viewpoint};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::supervision::benchmark::K;
use deltawall_store::exercises::NewExercise;
use deltawall_store::exercises::edition::{self, NewEdition, Track};
use deltawall_store::exercises::play::{self, NewResponse};
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::testing::TestDb;
use deltawall_store::{Backend, Store};
use divan::counter::ItemsCount;
use std::sync::atomic::{AtomicUsize, Ordering};

fn main() {
    divan::main();
}

const INSTITUTIONS: usize = 121;
const TRACKS: usize = 6;
const INJECTS_PER_TRACK: usize = 20;
const T0: i64 = 1_700_000_000_000_000;
/// The instant everything is measured at: two hours in, every inject released.
const NOW: i64 = T0 + 120 * MINUTE_US;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn backend(name: &str) -> Backend {
    match name {
        "sqlite" => Backend::Sqlite,
        _ => Backend::Postgres,
    }
}

struct Edition {
    db: TestDb,
    exercise: String,
    orgs: Vec<(String, String)>,
}

fn inject(track: &str, i: usize) -> Inject {
    Inject {
        code: format!("{track}-{i:02}"),
        track: track.into(),
        phase: u32::try_from(i / 5 + 1).unwrap_or(1),
        offset_min: u32::try_from(i * 5).unwrap_or(0),
        kind: InjectKind::ALL[i % InjectKind::ALL.len()],
        title: format!("inject {i} of {track}"),
        body: "a simulated alert from the monitoring service ".repeat(8),
        depends_on: if i == 0 {
            vec![]
        } else {
            vec![format!("{track}-{:02}", i - 1)]
        },
        expected: vec![Expectation {
            viewpoint: Viewpoint::Triage,
            text: "triage".into(),
        }],
        criteria: vec![Expectation {
            viewpoint: Viewpoint::ExternalSharing,
            text: "report".into(),
        }],
        respond_within_min: Some(15),
    }
}

async fn edition(backend: Backend) -> Option<Edition> {
    let db = TestDb::new(backend).await?;
    let s = &db.store;
    let mut tx = s.write().await.expect("write");
    let fsa = orgs::create(
        &mut tx,
        &NewOrg {
            name_ja: "金融庁".into(),
            name_en: "FSA".into(),
            kind: OrgKind::Supervisor,
            business_type: None,
            region: None,
            parent_id: None,
        },
    )
    .await
    .expect("fsa");
    let types: Vec<BusinessType> = BusinessType::ALL.iter().copied().take(TRACKS).collect();
    let tracks: Vec<Track> = types
        .iter()
        .map(|bt| Track {
            code: bt.code().into(),
            business_type: *bt,
            name_ja: bt.label("ja").into(),
            name_en: bt.label("en").into(),
        })
        .collect();
    let injects = tracks
        .iter()
        .flat_map(|t| (0..INJECTS_PER_TRACK).map(|i| inject(&t.code, i)))
        .collect();
    let new = NewEdition {
        exercise: NewExercise {
            organiser: fsa.clone(),
            name_ja: "デルタウォール".into(),
            name_en: "Delta Wall".into(),
            held_on: "2026-10-20".into(),
        },
        organiser_kind: Organiser::Fsa,
        end_at_us: T0 + 240 * MINUTE_US,
        feedback_k: K::default(),
        tracks,
        schedule: Schedule::new(injects).expect("schedule"),
    };
    let exercise = edition::create(&mut tx, &new, "bench", T0 - MINUTE_US)
        .await
        .expect("edition");
    let mut orgs_made = Vec::new();
    for i in 0..INSTITUTIONS {
        let bt = types[i % TRACKS];
        let org = orgs::create(
            &mut tx,
            &NewOrg {
                name_ja: format!("金融機関{i}"),
                name_en: format!("Institution {i}"),
                kind: OrgKind::Institution,
                business_type: Some(bt),
                region: Some(Region::Kanto),
                parent_id: None,
            },
        )
        .await
        .expect("org");
        edition::enrol(&mut tx, &exercise, &org, bt.code(), "bench", T0 - MINUTE_US)
            .await
            .expect("enrol");
        orgs_made.push((org, bt.code().to_owned()));
    }
    play::apply_clock(&mut tx, &exercise, ClockEvent::Start { at_us: T0 }, "bench")
        .await
        .expect("start");
    tx.commit().await.expect("commit");
    Some(Edition {
        db,
        exercise,
        orgs: orgs_made,
    })
}

async fn record(s: &Store, e: &Edition, n: usize) {
    let (org, track) = &e.orgs[n % INSTITUTIONS];
    let new = NewResponse {
        org_id: org.clone(),
        inject: format!("{track}-{:02}", n % INJECTS_PER_TRACK),
        kind: ResponseKind::Decision,
        text: "escalated to the crisis management office".into(),
    };
    let mut tx = s.write().await.expect("write");
    play::record_response(&mut tx, &e.exercise, &new, "player", NOW)
        .await
        .expect("record");
    tx.commit().await.expect("commit");
}

#[divan::bench(args = ["sqlite", "postgres"], sample_count = 30, sample_size = 10)]
fn record_response(bencher: divan::Bencher, db: &str) {
    let rt = runtime();
    let Some(e) = rt.block_on(edition(backend(db))) else {
        return;
    };
    let n = AtomicUsize::new(0);
    bencher.counter(ItemsCount::new(1usize)).bench(|| {
        rt.block_on(record(&e.db.store, &e, n.fetch_add(1, Ordering::Relaxed)));
    });
    rt.block_on(e.db.finish());
}

/// 8 tasks at once, 10 responses each, per iteration (80 responses).
#[divan::bench(args = ["sqlite", "postgres"], sample_count = 10, sample_size = 1)]
fn record_responses_concurrently(bencher: divan::Bencher, db: &str) {
    let rt = runtime();
    let Some(e) = rt.block_on(edition(backend(db))) else {
        return;
    };
    let e = std::sync::Arc::new(e);
    let n = std::sync::Arc::new(AtomicUsize::new(0));
    bencher.counter(ItemsCount::new(80usize)).bench(|| {
        rt.block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let (e, n) = (e.clone(), n.clone());
                    tokio::spawn(async move {
                        for _ in 0..10 {
                            record(&e.db.store, &e, n.fetch_add(1, Ordering::Relaxed)).await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.expect("task");
            }
        });
    });
    if let Ok(e) = std::sync::Arc::try_unwrap(e) {
        rt.block_on(e.db.finish());
    }
}

#[divan::bench(args = ["sqlite", "postgres"], sample_count = 30, sample_size = 1)]
fn released_to_participants(bencher: divan::Bencher, db: &str) {
    let rt = runtime();
    let Some(e) = rt.block_on(edition(backend(db))) else {
        return;
    };
    bencher.bench(|| {
        rt.block_on(async {
            let mut c = e.db.store.read().await.expect("read");
            let r = play::released_to_participants(&mut c, &e.exercise, NOW)
                .await
                .expect("released");
            assert_eq!(r.len(), INSTITUTIONS);
            assert!(r.iter().all(|(_, codes)| codes.len() == INJECTS_PER_TRACK));
        })
    });
    rt.block_on(e.db.finish());
}

#[divan::bench(args = ["sqlite", "postgres"], sample_count = 10, sample_size = 1)]
fn injects_for_121(bencher: divan::Bencher, db: &str) {
    let rt = runtime();
    let Some(e) = rt.block_on(edition(backend(db))) else {
        return;
    };
    bencher.counter(ItemsCount::new(INSTITUTIONS)).bench(|| {
        rt.block_on(async {
            let mut c = e.db.store.read().await.expect("read");
            for (org, _) in &e.orgs {
                let v = play::injects_for(&mut c, &e.exercise, org, NOW)
                    .await
                    .expect("injects");
                assert_eq!(v.injects.len(), INJECTS_PER_TRACK);
            }
        })
    });
    rt.block_on(e.db.finish());
}
