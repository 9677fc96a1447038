//! Whole-program benchmark of the supervisor's incident board (issue 13): a synthetic
//! sector of 2,000 institutions with 20,000 incident cases, every one of them open (the
//! board's worst case: every case's clocks are computed), a third with an FSA first report
//! waiting for review and a seventh with a decision not to report under NIS2, on SQLite and
//! on PostgreSQL; then `deltawall_app::incidents::board::board` as the service runs it
//! (grouped counts over the report stages kept on write, and the listed reports) timed for
//! the FSA (every institution) and for the Kanto bureau (its region).
//!
//! Run with `cargo bench -p deltawall-web --bench incident_board`. PostgreSQL is used at
//! `DELTAWALL_TEST_PG` or 127.0.0.1:5432 in a throw-away database, and skipped when it is
//! not reachable. `DELTAWALL_BENCH_INSTITUTIONS`, `DELTAWALL_BENCH_CASES_PER` and
//! `DELTAWALL_BENCH_RUNS` change the size and the number of timed runs;
//! `DELTAWALL_BENCH_BACKENDS=sqlite` (or `postgres`) runs one database only;
//! `DELTAWALL_BENCH_ANALYZE=1` refreshes the planner's statistics after the load, as
//! autovacuum would on a live database; `DELTAWALL_BENCH_SCRATCH=1` also times the board
//! computed from every open case's clocks. The store's reads are also timed one by one.

use deltawall_app::incidents::board::REPORT_LIMIT;
use deltawall_app::incidents::board::{board, board_from_scratch};
use deltawall_app::supervision::clock::Clock;
use deltawall_app::{Ctx, actor_for};
use deltawall_domain::incident::case::{Case, Category, Impact, NewCase, Urgency};
use deltawall_domain::incident::regime::Stage;
use deltawall_domain::incident::report::{NotReportingDecision, Review, Submission};
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::Party;
use deltawall_domain::supervision::request::Attestation;
use deltawall_domain::{OrgScope, jst};
use deltawall_store::incidents::{board as board_store, board_kept, cases, reports};
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::testing::TestDb;
use deltawall_store::users::{self, NewUser};
use deltawall_store::{Backend, Store};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const HOUR_US: i64 = 3_600_000_000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn summary(label: &str, mut times: Vec<Duration>, rows: u64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  {label:<34} rows {rows:>6}  min {:>8.1} ms  median {:>8.1} ms  max {:>8.1} ms",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
}

async fn org(store: &Store, new: NewOrg) -> anyhow::Result<String> {
    let mut tx = store.write().await?;
    let id = orgs::create(&mut tx, &new).await?;
    tx.commit().await?;
    Ok(id)
}

/// A supervisor (national when `region` is `None`) and the id of a staff user of it.
async fn supervisor(
    store: &Store,
    name: &str,
    region: Option<Region>,
) -> anyhow::Result<(String, String)> {
    let org_id = org(
        store,
        NewOrg {
            name_ja: name.into(),
            name_en: name.into(),
            kind: OrgKind::Supervisor,
            business_type: None,
            region,
            parent_id: None,
        },
    )
    .await?;
    let mut tx = store.write().await?;
    let user = users::create(
        &mut tx,
        &NewUser {
            org_id: org_id.clone(),
            login: format!("{}-staff", name.to_lowercase().replace(' ', "-")),
            display_name: name.into(),
            email: None,
            role: Role::Staff,
            // Never signed in with: the bench calls the service directly.
            password_hash: "unused".into(),
            lang: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((org_id, user))
}

const TYPES: &[BusinessType] = &[
    BusinessType::RegionalBank,
    BusinessType::ShinkinBank,
    BusinessType::SecuritiesFirm,
    BusinessType::LifeInsurer,
    BusinessType::CreditCooperative,
    BusinessType::FundsTransfer,
    BusinessType::CryptoExchange,
    BusinessType::MajorBank,
];

/// Writes the institutions and their open cases, 1,000 cases per transaction.
async fn generate(store: &Store, institutions: usize, per: usize, now: i64) -> anyhow::Result<()> {
    let mut orgs = Vec::with_capacity(institutions);
    {
        let mut tx = store.write().await?;
        for n in 0..institutions {
            let new = NewOrg {
                name_ja: format!("金融機関 {n}"),
                name_en: format!("Institution {n}"),
                kind: OrgKind::Institution,
                business_type: Some(TYPES[n % TYPES.len()]),
                region: Some(Region::ALL[n % Region::ALL.len()]),
                parent_id: None,
            };
            orgs.push(orgs::create(&mut tx, &new).await?);
        }
        tx.commit().await?;
    }
    let mut tx = store.write().await?;
    let mut n = 0usize;
    for org_id in &orgs {
        let party = Party {
            user_id: "bench".into(),
            org_id: org_id.clone(),
            org_kind: OrgKind::Institution,
            role: Role::Staff,
        };
        for k in 0..per {
            // Recognised between one hour and 30 days ago: a mix of running and overdue.
            let recognised = now - ((n * 37) % (30 * 24) + 1) as i64 * HOUR_US;
            let new = NewCase {
                org_id: org_id.clone(),
                title: format!("Case {n}"),
                category: Category::ALL[n % Category::ALL.len()],
                ransom_demanded: false,
                summary: "synthetic".into(),
                occurred_on: jst::date_of(recognised),
                impact: Impact {
                    customers_affected: (k * 10) as u64,
                    ..Impact::default()
                },
                urgency: Urgency::Ongoing,
                recognised_at_us: Some(recognised),
                exercise: false,
            };
            let (case, first) =
                Case::open(new, &party, now).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let id = format!("case-{n:06}");
            cases::insert(&mut tx, &id, &case, &first).await?;
            if n.is_multiple_of(3) {
                let by = Party {
                    role: Role::Executive,
                    ..party.clone()
                };
                let s = Submission {
                    regime: "fsa_incident_report".into(),
                    stage: Stage::First,
                    version: 1,
                    items: BTreeMap::new(),
                    attestation: Attestation {
                        by,
                        at_us: recognised + HOUR_US,
                    },
                    submitted_by: "bench".into(),
                    submitted_at_us: recognised + HOUR_US,
                    review: Review::Pending,
                };
                reports::insert(&mut tx, &format!("rep-{n:06}"), &id, org_id, &s).await?;
            }
            if n.is_multiple_of(7) {
                let d = NotReportingDecision {
                    regime: "eu_nis2".into(),
                    reason: "outside the EU".into(),
                    executive_user_id: "bench".into(),
                    at_us: recognised + HOUR_US,
                };
                reports::insert_decision(&mut tx, &id, org_id, &d).await?;
            }
            n += 1;
            if n.is_multiple_of(1000) {
                tx.commit().await?;
                tx = store.write().await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn time_board(
    store: &Store,
    user_id: &str,
    clock: &Clock,
    runs: usize,
    from_scratch: bool,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>, u64)> {
    let mut c = store.read().await?;
    let user = users::get(&mut c, &OrgScope::All, user_id).await?;
    let org = orgs::get_unscoped(&mut c, &user.org_id).await?;
    drop(c);
    let actor = actor_for(&user, &org, None);
    let ctx = || Ctx {
        store,
        actor: &actor,
        ip: None,
    };
    // One untimed run warms the pool and the regimes.
    let warm = board(ctx(), clock).await?;
    let mut times = Vec::new();
    let mut scratch = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let b = board(ctx(), clock).await?;
        times.push(t.elapsed());
        assert_eq!(b.open_cases, warm.open_cases);
        if from_scratch {
            let t = Instant::now();
            let s = board_from_scratch(ctx(), clock).await?;
            scratch.push(t.elapsed());
            assert_eq!(s.open_cases, warm.open_cases);
        }
    }
    Ok((times, scratch, warm.open_cases))
}

/// The store's reads alone for `scope`: the two over the kept stages, then the three of
/// the from-scratch path.
async fn time_queries(store: &Store, scope: &OrgScope, runs: usize) -> anyhow::Result<()> {
    let (mut counts, mut urgent) = (Vec::new(), Vec::new());
    let (mut groups, mut listed) = (0, 0);
    for _ in 0..runs {
        let mut conn = store.read().await?;
        let t = Instant::now();
        groups = board_kept::group_counts(&mut conn, scope, Clock::default().now_us())
            .await?
            .len() as u64;
        counts.push(t.elapsed());
        let t = Instant::now();
        listed = board_kept::most_urgent(&mut conn, scope, REPORT_LIMIT)
            .await?
            .len() as u64;
        urgent.push(t.elapsed());
    }
    summary("store: kept counts, FSA", counts, groups);
    summary("store: most urgent, FSA", urgent, listed);
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    let mut rows = [0u64; 3];
    for _ in 0..runs {
        let mut conn = store.read().await?;
        let t = Instant::now();
        rows[0] = board_store::open_cases(&mut conn, scope).await?.len() as u64;
        times[0].push(t.elapsed());
        let t = Instant::now();
        rows[1] = board_store::submissions(&mut conn, scope).await?.len() as u64;
        times[1].push(t.elapsed());
        let t = Instant::now();
        rows[2] = board_store::decisions(&mut conn, scope).await?.len() as u64;
        times[2].push(t.elapsed());
    }
    let [a, b, c] = times;
    summary("store: open cases, FSA", a, rows[0]);
    summary("store: submissions, FSA", b, rows[1]);
    summary("store: decisions, FSA", c, rows[2]);
    Ok(())
}

async fn run(backend: Backend, institutions: usize, per: usize, runs: usize) -> anyhow::Result<()> {
    let Some(db) = TestDb::new(backend).await else {
        println!("{backend:?}: not reachable, skipped");
        return Ok(());
    };
    let clock = Clock::default();
    let (_, fsa) = supervisor(&db.store, "FSA", None).await?;
    let (_, kanto) = supervisor(&db.store, "Kanto Bureau", Some(Region::Kanto)).await?;
    let t = Instant::now();
    generate(&db.store, institutions, per, clock.now_us()).await?;
    println!(
        "{backend:?}: {institutions} institutions, {} cases generated in {:.1} s",
        institutions * per,
        t.elapsed().as_secs_f64()
    );
    if std::env::var("DELTAWALL_BENCH_ANALYZE").is_ok_and(|v| v == "1") {
        db.analyze().await?;
        println!("  (statistics refreshed with ANALYZE)");
    }
    // `DELTAWALL_BENCH_SCRATCH=1` also times the board computed from every open case's
    // clocks (the path before the stages were kept on write), between the fast runs.
    let scratch = std::env::var("DELTAWALL_BENCH_SCRATCH").is_ok_and(|v| v == "1");
    let (times, slow, rows) = time_board(&db.store, &fsa, &clock, runs, scratch).await?;
    summary("board, FSA (all institutions)", times, rows);
    if scratch {
        summary("from scratch, FSA", slow, rows);
    }
    let (times, slow, rows) = time_board(&db.store, &kanto, &clock, runs, scratch).await?;
    summary("board, Kanto bureau (its region)", times, rows);
    if scratch {
        summary("from scratch, Kanto bureau", slow, rows);
    }
    time_queries(&db.store, &OrgScope::All, runs).await?;
    db.finish().await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let institutions = env_usize("DELTAWALL_BENCH_INSTITUTIONS", 2000);
    let per = env_usize("DELTAWALL_BENCH_CASES_PER", 10);
    let runs = env_usize("DELTAWALL_BENCH_RUNS", 10).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let only = std::env::var("DELTAWALL_BENCH_BACKENDS").unwrap_or_default();
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let name = format!("{backend:?}").to_lowercase();
            if !only.is_empty() && !only.split(',').any(|b| b.trim() == name) {
                continue;
            }
            run(backend, institutions, per, runs).await?;
        }
        Ok(())
    })
}
