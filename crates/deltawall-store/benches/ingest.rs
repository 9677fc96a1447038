//! Ingest of scan output: 20,000 detections per iteration written in batches of 1,000
//! with dedup (`INSERT … ON CONFLICT DO NOTHING`), one transaction per batch, on SQLite
//! and on PostgreSQL (skipped when no server answers). Every iteration's detections are
//! new, and every other batch is sent twice so the duplicate path is timed as well.
//! `cargo bench -p deltawall-store --bench ingest`.

use deltawall_domain::incident::detection::{Detection, parse_batch};
use deltawall_store::testing::TestDb;
use deltawall_store::{Backend, detections};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

const PER_ITERATION: usize = 20_000;

fn main() {
    divan::main();
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// A database per backend with one institution, made once.
fn database(backend: Backend) -> Option<&'static (TestDb, String)> {
    static SQLITE: OnceLock<Option<(TestDb, String)>> = OnceLock::new();
    static POSTGRES: OnceLock<Option<(TestDb, String)>> = OnceLock::new();
    let cell = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    cell.get_or_init(|| {
        runtime().block_on(async {
            let db = TestDb::new(backend).await?;
            let mut tx = db.store.write().await.unwrap();
            sqlx::query("INSERT INTO organisations (id, name_ja, name_en, kind, business_type, region, active, created_at, updated_at) VALUES ('bank', '銀行', 'Bank', 'institution', 'regional_bank', 'kanto', 1, 0, 0)")
                .execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            Some((db, "bank".to_owned()))
        })
    })
    .as_ref()
}

/// 20,000 detections no earlier iteration has sent.
fn fresh() -> Vec<Detection> {
    static ROUND: AtomicUsize = AtomicUsize::new(0);
    let round = ROUND.fetch_add(1, Ordering::Relaxed);
    let body: String = (0..PER_ITERATION)
        .map(|i| format!(
            "{{\"rule_id\":\"list-attack-{round}\",\"title\":\"Many failed logins from one source\",\"level\":\"high\",\"kind\":\"correlation\",\"first_seen\":\"2026-11-02T01:00:00Z\",\"last_seen\":\"2026-11-02T01:05:00Z\",\"group\":{{\"src_ip\":\"10.{}.{}.{}\"}},\"count\":{i},\"rule_origin\":\"finance/list_attack.yml\"}}\n",
            i >> 16, (i >> 8) & 255, i & 255
        ))
        .collect();
    parse_batch(&body).detections
}

fn ingest(bencher: divan::Bencher, backend: Backend) {
    let Some((db, org)) = database(backend) else {
        eprintln!("{backend:?}: skipped (no database)");
        return;
    };
    bencher
        .counter(divan::counter::ItemsCount::new(PER_ITERATION))
        .with_inputs(fresh)
        .bench_local_values(|dets| {
            runtime().block_on(async {
                for (i, batch) in dets.chunks(detections::BATCH_ROWS).enumerate() {
                    let sends = if i % 2 == 0 { 2 } else { 1 };
                    for _ in 0..sends {
                        let mut tx = db.store.write().await.unwrap();
                        detections::ingest(&mut tx, org, "bench", batch, 1)
                            .await
                            .unwrap();
                        tx.commit().await.unwrap();
                    }
                }
            })
        });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn sqlite(bencher: divan::Bencher) {
    ingest(bencher, Backend::Sqlite);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn postgres(bencher: divan::Bencher) {
    ingest(bencher, Backend::Postgres);
}
