//! Times the sector figures (`deltawall_app::supervision::figures::figures`) on a synthetic sector of
//! 2,000 institutions with five years of history (`deltawall_store::testing::
//! generate_sector`), on SQLite and on PostgreSQL, for the FSA (whole sector) and for a
//! local bureau (one region). A whole-program run, not a timed test: `cargo bench -p
//! deltawall-server --bench sup_figures`. Set `SUP_FIGURES_INSTITUTIONS`, `..._YEARS` and
//! `..._ITERATIONS` to change the sector or the number of timed runs.

use deltawall_app::Ctx;
use deltawall_app::supervision::figures as sup_figures;
use deltawall_domain::access::Actor;
use deltawall_domain::org::{Region, SupervisorReach};
use deltawall_domain::{OrgKind, Role};
use deltawall_store::testing::{TestDb, generate_sector};
use deltawall_store::{Backend, Store};
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn actor(reach: SupervisorReach) -> Actor {
    Actor {
        user_id: "bench".into(),
        org_id: "bench-supervisor".into(),
        org_kind: OrgKind::Supervisor,
        reach: Some(reach),
        role: Role::Staff,
        token_scope: None,
        token_id: None,
    }
}

/// Median, fastest and slowest of `n` runs, in milliseconds.
async fn time(store: &Store, actor: &Actor, n: usize) -> (f64, f64, f64, usize) {
    let ctx = Ctx {
        store,
        actor,
        ip: None,
    };
    let mut runs: Vec<Duration> = Vec::with_capacity(n);
    let mut rows = 0;
    // One untimed run warms the caches and the connection pool.
    sup_figures::figures(ctx, None).await.expect("figures");
    for _ in 0..n {
        let t = Instant::now();
        let f = sup_figures::figures(ctx, None).await.expect("figures");
        runs.push(t.elapsed());
        rows = f.figures.iter().map(|f| f.rows.len()).sum();
    }
    runs.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(runs[n / 2]), ms(runs[0]), ms(runs[n - 1]), rows)
}

async fn run(backend: Backend, institutions: usize, years: i16, n: usize) {
    let Some(db) = TestDb::new(backend).await else {
        println!("{backend:?}: skipped (no database)");
        return;
    };
    let t = Instant::now();
    let made = generate_sector(&db.store, institutions, years, 2019, 42)
        .await
        .expect("generate");
    println!(
        "{backend:?}: generated {made:?} in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    for (who, reach) in [
        ("FSA (whole sector)", SupervisorReach::National),
        ("Kanto bureau", SupervisorReach::Regional(Region::Kanto)),
    ] {
        let (median, min, max, rows) = time(&db.store, &actor(reach), n).await;
        println!(
            "{backend:?} | {who} | {n} runs | median {median:.1} ms | min {min:.1} ms | max {max:.1} ms | {rows} table rows"
        );
    }
    db.finish().await;
}

fn main() {
    let institutions = env("SUP_FIGURES_INSTITUTIONS", 2000);
    let years = i16::try_from(env("SUP_FIGURES_YEARS", 5)).unwrap_or(5);
    let n = env("SUP_FIGURES_ITERATIONS", 20).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        run(Backend::Sqlite, institutions, years, n).await;
        run(Backend::Postgres, institutions, years, n).await;
    });
}
