//! Ingest of scan output: 20,000 detections per iteration written in batches of 1,000
//! with dedup (`INSERT … ON CONFLICT DO NOTHING`), one transaction per batch, on SQLite
//! and on PostgreSQL (skipped when no server answers). Every iteration's detections are
//! new (the next five minutes of windows), and every other batch is sent twice so the
//! duplicate path is timed as well.
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

/// Seconds of log each iteration's alerts cover: a scanner sends five minutes of windows.
const ROUND_SECONDS: i64 = 300;

/// 20,000 detections no earlier iteration has sent, as a scanner running on live logs sends
/// them: each iteration covers the five minutes after the previous one, its windows spread
/// over them in time order (the detections' ids lead with the window start, see
/// `deltawall_domain::incident::detection::stable_id`).
/// With `replay`, every iteration is a different rule over the same five minutes of an
/// earlier day (a rescan of old logs): the worst case of the ids' time order, since every
/// batch's keys then fall among all the rows written before.
fn fresh(replay: bool) -> Vec<Detection> {
    static ROUND: AtomicUsize = AtomicUsize::new(0);
    let round = ROUND.fetch_add(1, Ordering::Relaxed);
    let (rule, start) = if replay {
        (format!("list-attack-{round}"), 1_790_000_000)
    } else {
        (
            "list-attack".to_owned(),
            1_793_581_200 + round as i64 * ROUND_SECONDS,
        )
    };
    let start = jiff::Timestamp::from_second(start).expect("a time in range");
    let body: String = (0..PER_ITERATION)
        .map(|i| {
            let offset = jiff::SignedDuration::from_secs(i as i64 * ROUND_SECONDS / PER_ITERATION as i64);
            let first = start + offset;
            let last = first + jiff::SignedDuration::from_secs(ROUND_SECONDS - 1);
            format!(
                "{{\"rule_id\":\"{rule}\",\"title\":\"Many failed logins from one source\",\"level\":\"high\",\"kind\":\"correlation\",\"first_seen\":\"{first}\",\"last_seen\":\"{last}\",\"group\":{{\"src_ip\":\"10.{}.{}.{}\"}},\"count\":{i},\"rule_origin\":\"finance/list_attack.yml\"}}\n",
                i >> 16, (i >> 8) & 255, i & 255
            )
        })
        .collect();
    parse_batch(&body).detections
}

fn ingest(bencher: divan::Bencher, backend: Backend, replay: bool) {
    let Some((db, org)) = database(backend) else {
        eprintln!("{backend:?}: skipped (no database)");
        return;
    };
    bencher
        .counter(divan::counter::ItemsCount::new(PER_ITERATION))
        .with_inputs(|| fresh(replay))
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
    ingest(bencher, Backend::Sqlite, false);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn postgres(bencher: divan::Bencher) {
    ingest(bencher, Backend::Postgres, false);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn sqlite_replay(bencher: divan::Bencher) {
    ingest(bencher, Backend::Sqlite, true);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn postgres_replay(bencher: divan::Bencher) {
    ingest(bencher, Backend::Postgres, true);
}
