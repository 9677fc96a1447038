//! Store-level import of a 100 MB Nessus file and a 100 MB SARIF log through
//! `deltawall_app::vuln::import`, into SQLite and PostgreSQL (skipped with a message when no
//! server answers): the first import of each file into a fresh asset, then a re-import of
//! the same file, which changes nothing. A whole-program run: each import is timed once and
//! the process's peak resident memory during it is read from Linux's /proc (`VmHWM`, reset
//! before each import through `clear_refs`), with the peaks of its anonymous and
//! file-backed parts sampled every 5 ms). The files are generated to disk first and read
//! from there, as the server reads a spooled upload, so no input buffer is counted.
//!
//! Run: `cargo bench -p deltawall-app --bench vuln_import` (release `bench` profile).
//! `DELTAWALL_BENCH_BACKENDS=sqlite` or `=postgres` runs one backend only.

#[path = "../../deltawall-vuln/benches/generate.rs"]
mod generate;

use deltawall_app::Ctx;
use deltawall_app::supervision::clock::Clock;
use deltawall_app::vuln::{self, AssetInput, ImportReport};
use deltawall_domain::Actor;
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::Backend;
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::testing::TestDb;
use deltawall_store::users::{self, NewUser};
use deltawall_vuln::Format;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

const TARGET: usize = 100 * 1024 * 1024;

/// A line of `/proc/self/status` in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The highest `RssAnon` (heap and other private memory) and `RssFile` (mapped file pages,
/// such as SQLite's `mmap_size` window) seen while a sampler thread runs, in KiB: the
/// kernel keeps a high-water mark only of their sum (`VmHWM`), so the split is sampled.
struct RssSplit {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<(u64, u64)>,
}

impl RssSplit {
    fn start() -> RssSplit {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = (0, 0);
            loop {
                let anon = status_kib("RssAnon:").unwrap_or(0);
                let file = status_kib("RssFile:").unwrap_or(0);
                peak = (peak.0.max(anon), peak.1.max(file));
                if flag.load(Ordering::Relaxed) {
                    return peak;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        });
        RssSplit { stop, thread }
    }

    /// Stops sampling; the peaks in MiB.
    fn finish(self) -> (f64, f64) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (anon, file) = self.thread.join().unwrap_or((0, 0));
        (anon as f64 / 1024.0, file as f64 / 1024.0)
    }
}

/// Resets the kernel's high-water mark of resident memory to the current resident size.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn institution(db: &TestDb) -> Actor {
    let mut tx = db.store.write().await.unwrap();
    let org = NewOrg {
        name_ja: "bench".into(),
        name_en: "bench".into(),
        kind: OrgKind::Institution,
        business_type: Some(BusinessType::RegionalBank),
        region: Some(Region::Kanto),
        parent_id: None,
    };
    let org_id = orgs::create(&mut tx, &org).await.unwrap();
    let user_id = users::create(
        &mut tx,
        &NewUser {
            org_id: org_id.clone(),
            login: "bench-staff".into(),
            display_name: "bench".into(),
            email: None,
            role: Role::Staff,
            password_hash: "$argon2id$not-a-real-hash".into(),
            lang: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Actor {
        user_id,
        org_id,
        org_kind: OrgKind::Institution,
        reach: None,
        role: Role::Staff,
        token_scope: None,
        token_id: None,
    }
}

/// One timed import of `file`: seconds, peak resident MiB during it (whole, then sampled
/// anonymous and file-backed peaks), the service's report.
async fn timed(
    db: &TestDb,
    actor: &Actor,
    asset: &str,
    format: Format,
    file: &Path,
) -> (f64, Option<f64>, (f64, f64), ImportReport) {
    let ctx = Ctx {
        store: &db.store,
        actor,
        ip: None,
    };
    reset_peak();
    let split = RssSplit::start();
    let start = Instant::now();
    let body = std::fs::File::open(file).unwrap();
    let report = vuln::import(ctx, &Clock::default(), asset, Some(format), body)
        .await
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    let peak = status_kib("VmHWM:").map(|k| k as f64 / 1024.0);
    (secs, peak, split.finish(), report)
}

async fn run(backend: Backend, files: &[(&str, Format, PathBuf, usize)]) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let actor = institution(&db).await;
    for (name, format, path, size) in files {
        let ctx = Ctx {
            store: &db.store,
            actor: &actor,
            ip: None,
        };
        let asset = vuln::add_asset(
            ctx,
            &AssetInput {
                name: format!("{name} target"),
                kind: "internal_zone".into(),
                owner: "IT".into(),
                operator: String::new(),
                criticality: "high".into(),
                cadence_days: 30,
            },
        )
        .await
        .unwrap();
        for pass in ["first import", "re-import"] {
            let (secs, peak, (anon, file), r) = timed(&db, &actor, &asset, *format, path).await;
            if pass == "re-import" {
                assert_eq!((r.new, r.resolved, r.reopened), (0, 0, 0), "{r:?}");
            }
            println!(
                "{backend:?}\t{name}\t{:.1} MB\t{pass}\t{secs:.2} s\tpeak RSS {} (RssAnon {anon:.1}, RssFile {file:.1} MiB)\tread {} new {} unchanged {}",
                *size as f64 / 1e6,
                peak.map_or("n/a".into(), |p| format!("{p:.1} MiB")),
                r.findings_read,
                r.new,
                r.unchanged
            );
        }
    }
    db.finish().await;
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let write =
        |name: &str, generate: fn(BufWriter<std::fs::File>, usize) -> std::io::Result<usize>| {
            let path = dir.path().join(name);
            let out = BufWriter::new(std::fs::File::create(&path).unwrap());
            let size = generate(out, TARGET).unwrap();
            (path, size)
        };
    let (nessus, nessus_size) = write("bench.nessus", generate::nessus);
    let (sarif, sarif_size) = write("bench.sarif", generate::sarif);
    let files = [
        ("nessus", Format::Nessus, nessus, nessus_size),
        ("sarif", Format::Sarif, sarif, sarif_size),
    ];
    let only = std::env::var("DELTAWALL_BENCH_BACKENDS").unwrap_or_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = format!("{backend:?}").to_lowercase();
        if !only.is_empty() && !only.split(',').any(|b| b == name) {
            continue;
        }
        rt.block_on(run(backend, &files));
    }
}
