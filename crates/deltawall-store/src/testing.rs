//! Test support: a fresh, migrated database per test, on SQLite or PostgreSQL.
//!
//! PostgreSQL tests use the server at `DELTAWALL_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), create a database of their own and drop
//! it afterwards. When no server answers they are skipped with a message, unless
//! `DELTAWALL_REQUIRE_SERVICES=1` is set (as CI does), in which case they fail.

use crate::{Backend, Store};
use sqlx::{AssertSqlSafe, Connection};

/// The default maintenance URL of the local PostgreSQL.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Whether missing services must fail tests instead of skipping them.
pub fn services_required() -> bool {
    std::env::var("DELTAWALL_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    /// The store, migrated.
    pub store: Store,
    /// The URL it was opened with.
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Pg { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh database on `backend`, or `None` (with a message) when PostgreSQL is not
    /// available and not required.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(TestDb::sqlite().await),
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&url).await.expect("open sqlite");
        TestDb {
            store,
            url,
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A fresh PostgreSQL database, if a server answers.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url =
            std::env::var("DELTAWALL_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
        let name = format!("dw_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::any::install_default_drivers();
        let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) if !services_required() => {
                eprintln!(
                    "skipped: PostgreSQL not reachable at {admin_url} ({e}); set DELTAWALL_REQUIRE_SERVICES=1 to fail instead"
                );
                return None;
            }
            Err(e) => panic!(
                "PostgreSQL is required (DELTAWALL_REQUIRE_SERVICES=1) but not reachable at {admin_url}: {e}"
            ),
        };
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let url = match admin_url.rfind('/') {
            Some(i) => format!("{}/{name}", &admin_url[..i]),
            None => panic!("DELTAWALL_TEST_PG_URL must end in /DATABASE"),
        };
        let store = Store::open(&url).await.expect("open postgres");
        Some(TestDb {
            store,
            url,
            cleanup: Cleanup::Pg { admin_url, name },
        })
    }

    /// A second, empty and migrated database on the same backend (for restore tests).
    pub async fn sibling(&self) -> Option<TestDb> {
        TestDb::new(self.store.backend()).await
    }

    /// Refreshes the planner's statistics (`ANALYZE`, on both databases) after a bulk
    /// load, as autovacuum would on a live database before anyone reads it.
    pub async fn analyze(&self) -> crate::Result<()> {
        let mut c = self.store.read().await?;
        sqlx::query("ANALYZE").execute(&mut *c).await?;
        Ok(())
    }

    /// Closes the store and drops a PostgreSQL test database.
    pub async fn finish(self) {
        self.store.close().await;
        if let Cleanup::Pg { admin_url, name } = &self.cleanup
            && let Ok(mut admin) = sqlx::AnyConnection::connect(admin_url).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(AssertSqlSafe(drop)).execute(&mut admin).await;
        }
    }
}

/// What [`generate_sector`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedSector {
    /// Institutions created.
    pub institutions: usize,
    /// Monitoring records.
    pub monitoring: usize,
    /// Findings (some open, some closed).
    pub findings: usize,
    /// Incidents.
    pub incidents: usize,
    /// Exercise participations.
    pub participations: usize,
    /// Request tasks.
    pub tasks: usize,
}

/// A small deterministic generator (xorshift), so a sector is the same on every run and
/// on both databases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Rows for one table, inserted in batches of multi-row `INSERT`s.
struct Batch {
    head: &'static str,
    width: usize,
    values: Vec<String>,
    rows: usize,
}

impl Batch {
    fn new(head: &'static str, width: usize) -> Batch {
        Batch {
            head,
            width,
            values: Vec::new(),
            rows: 0,
        }
    }

    fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.width);
        self.values.extend(row);
        self.rows += 1;
    }

    async fn write(self, tx: &mut crate::Tx) -> crate::Result<usize> {
        let total = self.rows;
        // 500 rows a statement stays under both engines' placeholder limits.
        for chunk in self.values.chunks(self.width * 500) {
            let rows: Vec<String> = (0..chunk.len() / self.width)
                .map(|r| {
                    let marks: Vec<String> = (1..=self.width)
                        .map(|c| format!("${}", r * self.width + c))
                        .collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            let sql = format!("{} VALUES {}", self.head, rows.join(", "));
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for v in chunk {
                // Numbers travel as text tagged `#`, so one batch holds both kinds.
                q = match v.strip_prefix('#') {
                    Some(n) => q.bind(n.parse::<i64>().unwrap_or(0)),
                    None => q.bind(v.clone()),
                };
            }
            q.execute(&mut **tx).await?;
        }
        Ok(total)
    }
}

/// Fills the database with a synthetic sector of `institutions` institutions and `years`
/// administrative years of supervision history ending with `last_year`: monitoring
/// records, findings (about a third open), incidents, Delta Wall participation and one
/// requirements request a year sent to every institution. For benchmarks and tests of the
/// sector figures; deterministic for a given `seed`.
pub async fn generate_sector(
    store: &Store,
    institutions: usize,
    years: i16,
    last_year: i16,
    seed: u64,
) -> crate::Result<GeneratedSector> {
    use deltawall_domain::org::{BusinessType, Region};
    use deltawall_domain::supervision::AttackType;
    let mut rng = Rng(seed | 1);
    let mut tx = store.write().await?;
    let num = |n: i64| format!("#{n}");
    let mut orgs = Batch::new(
        "INSERT INTO organisations (id, name_ja, name_en, kind, business_type, region, active, created_at, updated_at)",
        9,
    );
    let mut ids = Vec::with_capacity(institutions);
    let types = BusinessType::ALL;
    for i in 0..institutions {
        let id = crate::new_id();
        let bt = types[(rng.below(types.len() as u64)) as usize];
        let region = Region::ALL[(rng.below(Region::ALL.len() as u64)) as usize];
        orgs.push(vec![
            id.clone(),
            format!("合成金融機関{i}"),
            format!("Synthetic institution {i}"),
            "institution".into(),
            bt.code().into(),
            region.code().into(),
            num(1),
            num(0),
            num(0),
        ]);
        ids.push(id);
    }
    let mut out = GeneratedSector {
        institutions: orgs.write(&mut tx).await?,
        ..GeneratedSector::default()
    };
    let user = crate::new_id();
    sqlx::query(
        "INSERT INTO users (id, org_id, login, display_name, role, password_hash, active, created_at, updated_at) \
         VALUES ($1, $2, $3, 'generator', 'staff', 'x', 1, 0, 0)",
    )
    .bind(user.clone())
    .bind(ids.first().cloned().unwrap_or_default())
    .bind(format!("generator-{user}"))
    .execute(&mut *tx)
    .await?;
    let mut monitoring = Batch::new(
        "INSERT INTO sup_monitoring (id, org_id, monitored_on, method, recorded_by, created_at)",
        6,
    );
    let mut findings = Batch::new(
        "INSERT INTO findings (id, org_id, origin, title, description, requirement_ids, severity, state, owner_user, document, version, created_at, updated_at)",
        13,
    );
    let mut incidents = Batch::new(
        "INSERT INTO incidents (id, org_id, occurred_on, attack_type, severity, summary, reported_by, reported_at)",
        8,
    );
    let mut exercises = Batch::new(
        "INSERT INTO exercises (id, organiser, name_ja, name_en, held_on, created_by, created_at)",
        7,
    );
    let mut participants = Batch::new(
        "INSERT INTO exercise_participants (exercise_id, org_id, reviewed, recorded_by, recorded_at)",
        5,
    );
    let mut requests = Batch::new(
        "INSERT INTO sup_requests (id, issuer_org, deadline, sent_at, document, created_by, created_at)",
        7,
    );
    let mut tasks = Batch::new(
        "INSERT INTO sup_request_tasks (id, request_id, org_id, state, document, updated_at)",
        6,
    );
    let states = [
        "issued",
        "in_remediation",
        "closed",
        "closed",
        "closed",
        "risk_accepted",
    ];
    let task_states = [
        "assigned",
        "in_progress",
        "submitted",
        "returned",
        "accepted",
        "accepted",
        "accepted",
        "exempted",
    ];
    // Sections of the built-in catalog, so findings map onto its basic elements.
    const SECTIONS: [&str; 8] = [
        "FSA-BE1", "FSA-BE2", "FSA-BE3", "FSA-BE4", "FSA-BE5", "FSA-MON", "FSA-VUL", "FSA-EXR",
    ];
    let first = last_year - years + 1;
    for year in first..=last_year {
        let day = |rng: &mut Rng, y: i16| {
            let month = 1 + rng.below(12);
            let y = if month >= 7 { y } else { y + 1 };
            format!("{y:04}-{month:02}-{:02}", 1 + rng.below(28))
        };
        let exercise = crate::new_id();
        exercises.push(vec![
            exercise.clone(),
            ids[0].clone(),
            format!("Delta Wall {year}"),
            format!("Delta Wall FY{year}"),
            format!("{year:04}-10-15"),
            user.clone(),
            num(0),
        ]);
        let request = crate::new_id();
        let deadline = (i64::from(year) - 1970 + 1) * 365 * 86_400_000_000;
        requests.push(vec![
            request.clone(),
            ids[0].clone(),
            num(deadline),
            num(deadline - 90 * 86_400_000_000),
            "{}".into(),
            user.clone(),
            num(0),
        ]);
        for org in &ids {
            if rng.below(10) < 3 {
                monitoring.push(vec![
                    crate::new_id(),
                    org.clone(),
                    day(&mut rng, year),
                    "on_site".into(),
                    user.clone(),
                    num(0),
                ]);
            }
            for _ in 0..rng.below(4) {
                let section = SECTIONS[rng.below(SECTIONS.len() as u64) as usize];
                let req = format!("{section}-{:02}", 1 + rng.below(5));
                findings.push(vec![
                    crate::new_id(),
                    org.clone(),
                    "supervisory_monitoring".into(),
                    "synthetic finding".into(),
                    String::new(),
                    format!("[\"{req}\"]"),
                    "medium".into(),
                    states[rng.below(states.len() as u64) as usize].into(),
                    user.clone(),
                    "{}".into(),
                    num(1),
                    num(0),
                    num(0),
                ]);
            }
            if rng.below(10) < 2 {
                let attack = AttackType::ALL[rng.below(AttackType::ALL.len() as u64) as usize];
                incidents.push(vec![
                    crate::new_id(),
                    org.clone(),
                    day(&mut rng, year),
                    attack.code().into(),
                    "medium".into(),
                    "synthetic incident".into(),
                    user.clone(),
                    num(0),
                ]);
            }
            if rng.below(20) == 0 {
                participants.push(vec![
                    exercise.clone(),
                    org.clone(),
                    num(i64::from(rng.below(2) == 0)),
                    user.clone(),
                    num(0),
                ]);
            }
            tasks.push(vec![
                crate::new_id(),
                request.clone(),
                org.clone(),
                task_states[rng.below(task_states.len() as u64) as usize].into(),
                "{}".into(),
                num(0),
            ]);
        }
    }
    out.monitoring = monitoring.write(&mut tx).await?;
    out.findings = findings.write(&mut tx).await?;
    out.incidents = incidents.write(&mut tx).await?;
    exercises.write(&mut tx).await?;
    out.participations = participants.write(&mut tx).await?;
    requests.write(&mut tx).await?;
    out.tasks = tasks.write(&mut tx).await?;
    // The rows above bypass the per-write refresh, so the kept facts are built once here.
    crate::sup_facts::rebuild_all(&mut tx).await?;
    crate::sup_tally::rebuild_all(&mut tx).await?;
    tx.commit().await?;
    Ok(out)
}
