//! The management report (of one group company and of the holding) and the group roll-up
//! over a large demo group: a holding company and 50 group companies, three submitted cycles
//! each answering every requirement of the built-in catalog (every answer revised once),
//! open findings and risks. Measured on SQLite (a file in a temporary directory) and on
//! PostgreSQL (a throw-away database on 127.0.0.1; skipped with a message when absent).
//!
//! `cargo bench -p deltawall-server --bench reports`; `DELTAWALL_BENCH_COMPANIES` changes the
//! group's size (default 50).

use deltawall_app::{Ctx, posture::report};
use deltawall_demo::large::{LargeGroup, large_group};
use deltawall_store::records::now_us;
use deltawall_store::testing::TestDb;
use std::sync::OnceLock;
use tokio::runtime::Runtime;

fn main() {
    divan::main();
}

const BACKENDS: [&str; 2] = ["sqlite", "postgres"];

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::new().expect("tokio runtime"))
}

/// The generated group on a backend, built once per run.
fn group(backend: &str) -> Option<&'static (TestDb, LargeGroup)> {
    static SQLITE: OnceLock<Option<(TestDb, LargeGroup)>> = OnceLock::new();
    static PG: OnceLock<Option<(TestDb, LargeGroup)>> = OnceLock::new();
    let cell = if backend == "sqlite" { &SQLITE } else { &PG };
    cell.get_or_init(|| {
        runtime().block_on(async {
            let db = match backend {
                "sqlite" => TestDb::sqlite().await,
                _ => TestDb::postgres().await?,
            };
            let n = std::env::var("DELTAWALL_BENCH_COMPANIES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(50);
            let started = std::time::Instant::now();
            let g = large_group(&db.store, n, now_us())
                .await
                .expect("generate the large group");
            eprintln!(
                "{backend}: {} organisations, {} revisions, {} findings generated in {:.1?}",
                g.orgs,
                g.revisions,
                g.findings,
                started.elapsed()
            );
            Some((db, g))
        })
    })
    .as_ref()
}

fn ctx<'a>(db: &'a TestDb, actor: &'a deltawall_domain::Actor) -> Ctx<'a> {
    Ctx {
        store: &db.store,
        actor,
        ip: None,
    }
}

/// The management report of one group company (its three cycles, its findings).
#[divan::bench(args = BACKENDS, sample_count = 10, sample_size = 1)]
fn management_report_company(bencher: divan::Bencher, backend: &str) {
    let Some((db, g)) = group(backend) else {
        return;
    };
    bencher.bench(|| {
        let r = runtime()
            .block_on(report::management(ctx(db, &g.company)))
            .expect("report");
        assert_eq!(r.maturity.len(), 3);
        r
    });
}

/// The management report of the holding company (its own three cycles; its reach over the
/// group makes the findings it reads the whole group's).
#[divan::bench(args = BACKENDS, sample_count = 10, sample_size = 1)]
fn management_report_holding(bencher: divan::Bencher, backend: &str) {
    let Some((db, g)) = group(backend) else {
        return;
    };
    bencher.bench(|| {
        runtime()
            .block_on(report::management(ctx(db, &g.holding)))
            .expect("report")
    });
}

/// The holding company's roll-up of its 50 group companies.
#[divan::bench(args = BACKENDS, sample_count = 10, sample_size = 1)]
fn group_rollup(bencher: divan::Bencher, backend: &str) {
    let Some((db, g)) = group(backend) else {
        return;
    };
    bencher.bench(|| {
        let r = runtime()
            .block_on(report::group(ctx(db, &g.holding)))
            .expect("roll-up");
        assert!(r.companies.len() + 1 >= g.orgs, "every group company");
        r
    });
}
