//! Whole-program benchmark of the supervisor's target ranking: a synthetic sector
//! (`deltawall_store::bench_sector`, by default 2,000 institutions with five years of
//! history) on SQLite and on PostgreSQL, then the ranking as the service computes it
//! (`deltawall_app::supervision::ranking::ranking_at`: the set-based fact queries, grouping answers by
//! catalog element, scoring and sorting) timed for the FSA (every institution) and for one
//! bureau (its region). The store's fact queries alone are timed too, and the queries of
//! the supervisor's home page (late institutions, answers waiting for review) and the
//! sector figures (`deltawall_app::supervision::figures::figures`) on the same sector, and
//! the choices of a new request's baseline.
//!
//! Run with `cargo bench -p deltawall-web --bench sup_ranking`. PostgreSQL is used at
//! `DELTAWALL_TEST_PG` or 127.0.0.1:5432 in a throw-away database, and skipped when it is
//! not reachable. `DELTAWALL_BENCH_INSTITUTIONS` and `DELTAWALL_BENCH_RUNS` change the size
//! and the number of timed runs; `DELTAWALL_BENCH_ANALYZE=1` refreshes the planner's
//! statistics after the load, as autovacuum would on a live database (without it the
//! reads are planned as they come straight after a bulk load).

use deltawall_app::Ctx;
use deltawall_app::supervision::figures;
use deltawall_app::supervision::ranking::{RankingFilter, ranking_at};
use deltawall_domain::OrgScope;
use deltawall_domain::access::Actor;
use deltawall_domain::org::Region;
use deltawall_domain::org::SupervisorReach;
use deltawall_domain::{OrgKind, Role};
use deltawall_store::bench_sector::{SectorSpec, generate};
use deltawall_store::sup_ranking::{RankingQuery, facts};
use deltawall_store::sup_work;
use deltawall_store::testing::TestDb;
use deltawall_store::{Backend, Store};
use jiff::civil::Date;
use std::time::{Duration, Instant};

const TODAY: Date = Date::constant(2026, 3, 31);
const NOW_US: i64 = 1_774_915_200_000_000; // 2026-03-31T00:00:00Z

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn summary(label: &str, mut times: Vec<Duration>, rows: usize) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  {label:<34} rows {rows:>5}  min {:>8.1} ms  median {:>8.1} ms  max {:>8.1} ms",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
}

async fn time_ranking(
    store: &Store,
    scope: &OrgScope,
    runs: usize,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    // One untimed run warms the connection pool, the catalog and the weights.
    let warm = ranking_at(store, scope, RankingFilter::default(), TODAY, NOW_US).await?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = ranking_at(store, scope, RankingFilter::default(), TODAY, NOW_US).await?;
        times.push(t.elapsed());
        assert_eq!(r.rows.len(), warm.rows.len());
    }
    Ok((times, warm.rows.len()))
}

async fn time_facts(store: &Store, runs: usize) -> anyhow::Result<(Vec<Duration>, usize)> {
    let q = RankingQuery {
        today: TODAY,
        now_us: NOW_US,
        incidents_after: Date::constant(2025, 3, 31),
        business_type: None,
        region: None,
    };
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..runs {
        let mut conn = store.read().await?;
        let t = Instant::now();
        n = facts(&mut conn, &OrgScope::All, &q).await?.len();
        times.push(t.elapsed());
    }
    Ok((times, n))
}

/// The supervisor's home: the late institutions by business type and region (one grouped
/// query over every task) and the answers waiting for review, as `work::home` reads them.
async fn time_home(
    store: &Store,
    scope: &OrgScope,
    runs: usize,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..runs {
        let mut conn = store.read().await?;
        let t = Instant::now();
        let late = sup_work::late_counts(&mut conn, scope, NOW_US).await?;
        let review = sup_work::review_groups(&mut conn, scope).await?;
        times.push(t.elapsed());
        n = late.iter().map(|c| c.institutions as usize).sum::<usize>() + review.len();
    }
    Ok((times, n))
}

/// The sector figures as the service computes them for a supervisor of `reach`.
async fn time_figures(
    store: &Store,
    reach: SupervisorReach,
    runs: usize,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let actor = Actor {
        user_id: "bench".into(),
        org_id: "bench-supervisor".into(),
        org_kind: OrgKind::Supervisor,
        reach: Some(reach),
        role: Role::Staff,
        token_scope: None,
        token_id: None,
    };
    let ctx = Ctx {
        store,
        actor: &actor,
        ip: None,
    };
    // One untimed run warms the pool.
    figures::figures(ctx, None).await?;
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let f = figures::figures(ctx, None).await?;
        times.push(t.elapsed());
        n = f.figures.iter().map(|f| f.rows.len()).sum();
    }
    Ok((times, n))
}

/// The choices of a new request's baseline: the latest hundred requests in reach read
/// lean (what the form reads now), and, for comparison, every request with all its tasks
/// (what it read before: the request list with completion).
async fn time_baselines(store: &Store, runs: usize) -> anyhow::Result<()> {
    use deltawall_store::sup_requests;
    let all = &OrgScope::All;
    let (mut lean, mut whole) = (Vec::new(), Vec::new());
    let (mut lean_rows, mut whole_rows) = (0, 0);
    for _ in 0..runs {
        let mut conn = store.read().await?;
        let t = Instant::now();
        lean_rows = sup_requests::page_request_titles(&mut conn, all, None, 100)
            .await?
            .items
            .len();
        lean.push(t.elapsed());
        let t = Instant::now();
        let (mut after, mut tasks) = (None, 0);
        loop {
            let page = sup_requests::page_requests(&mut conn, all, after.as_ref(), 500).await?;
            for r in &page.items {
                tasks += sup_requests::tasks_of(&mut conn, all, &r.id).await?.len();
            }
            let Some(next) = page.next else { break };
            after = Some(deltawall_store::keyset::Cursor::decode(&next, 2).expect("own cursor"));
        }
        whole.push(t.elapsed());
        whole_rows = tasks;
    }
    summary("baseline choices (latest 100, lean)", lean, lean_rows);
    summary("every request with its tasks (before)", whole, whole_rows);
    Ok(())
}

/// With `DELTAWALL_BENCH_BREAKDOWN=1`: each store read behind the three views, timed once
/// for the FSA after the runs above, to see where the time goes.
async fn breakdown(store: &Store) -> anyhow::Result<()> {
    use deltawall_store::{sup_facts, sup_figures, sup_ranking};
    let q = RankingQuery {
        today: TODAY,
        now_us: NOW_US,
        incidents_after: Date::constant(2025, 3, 31),
        business_type: None,
        region: None,
    };
    let all = &OrgScope::All;
    let mut c = store.read().await?;
    macro_rules! time {
        ($label:expr, $e:expr) => {{
            let t = Instant::now();
            let n = $e.len();
            println!(
                "    {:<40} rows {n:>6}  {:>8.1} ms",
                $label,
                t.elapsed().as_secs_f64() * 1000.0
            );
        }};
    }
    time!(
        "ranking facts (summarised)",
        sup_ranking::facts_summarised(&mut c, all, &q).await?
    );
    time!(
        "kept facts (sup_org_facts)",
        sup_facts::read(&mut c, all, None, None).await?
    );
    time!(
        "late counts (kept facts)",
        sup_work::late_counts(&mut c, all, NOW_US).await?
    );
    time!(
        "late counts (every task)",
        sup_work::late_counts_from_tasks(&mut c, all, NOW_US).await?
    );
    time!(
        "awaiting review (per request)",
        sup_work::review_groups(&mut c, all).await?
    );
    time!(
        "figures: monitored months",
        sup_figures::monitored_months(&mut c, all).await?
    );
    time!(
        "figures: task counts by region (every task)",
        sup_figures::task_counts(&mut c, all).await?
    );
    time!(
        "figures: task counts by state (tally)",
        sup_figures::task_state_counts(&mut c, all).await?
    );
    time!(
        "figures: task counts by state (every task)",
        sup_figures::task_state_counts_from_tasks(&mut c, all).await?
    );
    time!(
        "figures: open finding counts",
        sup_figures::open_finding_counts(&mut c, all).await?
    );
    time!(
        "figures: incident counts",
        sup_figures::incident_counts(&mut c, all).await?
    );
    time!(
        "figures: participation",
        sup_figures::participation(&mut c, all).await?
    );
    Ok(())
}

async fn run(backend: Backend, institutions: usize, runs: usize) -> anyhow::Result<()> {
    let Some(db) = TestDb::new(backend).await else {
        println!("{backend:?}: not reachable, skipped");
        return Ok(());
    };
    let spec = SectorSpec {
        institutions,
        years: 5,
        today: TODAY,
        seed: 2020,
    };
    let t = Instant::now();
    let sector = generate(&db.store, &spec).await?;
    println!(
        "{backend:?}: generated in {:.1} s: {:?}",
        t.elapsed().as_secs_f64(),
        sector.rows
    );
    if std::env::var("DELTAWALL_BENCH_ANALYZE").is_ok_and(|v| v == "1") {
        db.analyze().await?;
        println!("  (statistics refreshed with ANALYZE)");
    }
    let (times, rows) = time_ranking(&db.store, &OrgScope::All, runs).await?;
    summary("ranking, FSA (all institutions)", times, rows);
    let (region, bureau) = sector
        .bureaus
        .iter()
        .find(|(r, _)| *r == Region::Kanto)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no Kanto bureau"))?;
    let scope = OrgScope::Region {
        own: bureau,
        region,
    };
    let (times, rows) = time_ranking(&db.store, &scope, runs).await?;
    summary("ranking, Kanto bureau (its region)", times, rows);
    let (times, rows) = time_facts(&db.store, runs).await?;
    summary("fact queries only, FSA", times, rows);
    let (times, rows) = time_home(&db.store, &OrgScope::All, runs).await?;
    summary("home (late + reviews), FSA", times, rows);
    let (times, rows) = time_home(&db.store, &scope, runs).await?;
    summary("home (late + reviews), Kanto", times, rows);
    let (times, rows) = time_figures(&db.store, SupervisorReach::National, runs).await?;
    summary("sector figures, FSA", times, rows);
    let (times, rows) = time_figures(&db.store, SupervisorReach::Regional(region), runs).await?;
    summary("sector figures, Kanto", times, rows);
    time_baselines(&db.store, runs.min(3)).await?;
    if std::env::var("DELTAWALL_BENCH_BREAKDOWN").is_ok_and(|v| v == "1") {
        breakdown(&db.store).await?;
    }
    db.finish().await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let institutions = env_usize("DELTAWALL_BENCH_INSTITUTIONS", 2000);
    let runs = env_usize("DELTAWALL_BENCH_RUNS", 10).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        // `DELTAWALL_BENCH_BACKENDS=postgres` (or `sqlite`) runs one database only.
        let only = std::env::var("DELTAWALL_BENCH_BACKENDS").unwrap_or_default();
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let name = format!("{backend:?}").to_lowercase();
            if !only.is_empty() && !only.split(',').any(|b| b.trim() == name) {
                continue;
            }
            run(backend, institutions, runs).await?;
        }
        Ok(())
    })
}
