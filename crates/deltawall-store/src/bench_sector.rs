//! A synthetic sector for benchmarks: institutions with several years of supervisory
//! history (monitoring visits, yearly submitted self-assessments with every requirement
//! answered, findings with milestones, incidents, and sector-wide requests with one task
//! per institution). Rows are written with multi-row inserts in one transaction, on either
//! backend. Values come from a fixed-seed generator, so two runs with the same spec hold
//! the same data. Used by the ranking benchmark of `deltawall-server`
//! (`benches/sup_ranking.rs`) and reusable by any other supervision benchmark.

use crate::{Result, Store, new_id};
use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::org::{BusinessType, Region};
use jiff::ToSpan;
use jiff::civil::Date;
use sqlx::AssertSqlSafe;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectorSpec {
    /// Number of institutions.
    pub institutions: usize,
    /// Years of history, ending at `today`.
    pub years: i16,
    /// The last day of the history.
    pub today: Date,
    /// Seed of the value generator.
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedSector {
    /// The FSA's organisation id.
    pub fsa: String,
    /// The local bureaus' organisation ids by region.
    pub bureaus: Vec<(Region, String)>,
    /// The institutions' ids.
    pub institutions: Vec<String>,
    /// Rows written per table.
    pub rows: Vec<(&'static str, usize)>,
}

/// A cell of a generated row.
#[derive(Debug, Clone)]
enum Cell {
    T(String),
    I(i64),
    NullT,
    NullI,
}

/// A splitmix64 generator: small, fixed and good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        &items[i]
    }
}

/// Rows of one table, written in multi-row inserts.
struct Batch {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
    written: usize,
    /// Anonymous `?` placeholders (SQLite) rather than numbered `$n` (PostgreSQL): SQLite
    /// treats `$n` as a name and looks each one up among those already seen, so preparing
    /// a statement with 20,000 of them took time quadratic in their number.
    anonymous: bool,
}

impl Batch {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Batch {
        Batch {
            table,
            columns,
            rows: Vec::new(),
            written: 0,
            anonymous: false,
        }
    }

    fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    fn full(&self) -> bool {
        self.rows.len() * self.columns.len() >= 30_000
    }

    async fn flush(&mut self, db: &mut crate::db::Db) -> Result<()> {
        let n = self.columns.len();
        // At most 20,000 bound values per statement: under SQLite's limit of 32,766.
        let per_statement = (20_000 / n).max(1);
        while !self.rows.is_empty() {
            let take = self.rows.len().min(per_statement);
            let chunk: Vec<Vec<Cell>> = self.rows.drain(..take).collect();
            let values: Vec<String> = (0..chunk.len())
                .map(|r| {
                    let marks: Vec<String> = (1..=n)
                        .map(|c| {
                            if self.anonymous {
                                "?".to_owned()
                            } else {
                                format!("${}", r * n + c)
                            }
                        })
                        .collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                self.table,
                self.columns.join(", "),
                values.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for cell in chunk.into_iter().flatten() {
                q = match cell {
                    Cell::T(s) => q.bind(s),
                    Cell::I(i) => q.bind(i),
                    Cell::NullT => q.bind(None::<String>),
                    Cell::NullI => q.bind(None::<i64>),
                };
            }
            let done = q.execute(&mut *db).await?;
            self.written += usize::try_from(done.rows_affected()).unwrap_or(0);
        }
        Ok(())
    }
}

fn t(s: impl Into<String>) -> Cell {
    Cell::T(s.into())
}

fn day_us(d: Date) -> i64 {
    d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map_or(0, |z| z.timestamp().as_microsecond())
}

const TYPES: &[BusinessType] = &[
    BusinessType::RegionalBank,
    BusinessType::SecondRegionalBank,
    BusinessType::ShinkinBank,
    BusinessType::ShinkinBank,
    BusinessType::CreditCooperative,
    BusinessType::SecuritiesFirm,
    BusinessType::LifeInsurer,
    BusinessType::NonLifeInsurer,
    BusinessType::FundsTransfer,
    BusinessType::CryptoExchange,
];
const SEVERITIES: &[&str] = &["low", "medium", "medium", "high", "critical"];
const OPEN_STATES: &[&str] = &["issued", "acknowledged", "plan_accepted", "in_remediation"];
const OUTCOMES: &[&str] = &["met", "met", "met", "partial", "not_met", "not_applicable"];
const ATTACKS: &[&str] = &[
    "unauthorized_login",
    "ddos",
    "ransomware",
    "phishing",
    "malware",
];
/// A request document the services can read (so pages over the bench sector work).
fn request_doc(deadline_us: i64) -> String {
    use deltawall_domain::catalog::Text;
    use deltawall_domain::supervision::ReminderPolicy;
    use deltawall_domain::supervision::population::Selector;
    use deltawall_domain::supervision::request::{Asked, Request};
    let doc = crate::sup_requests::RequestDoc {
        request: Request {
            title: Text {
                ja: "ベンチマーク要請".into(),
                en: "Benchmark request".into(),
            },
            asked: Asked::Questions { questions: vec![] },
            population: Selector {
                filter: None,
                include: vec![],
                exclude: vec![],
            },
            deadline_us,
            reminders: ReminderPolicy {
                days_before: vec![],
                overdue_every_days: None,
            },
        },
        baseline_request_id: None,
    };
    serde_json::to_string(&doc).expect("request documents serialise")
}

/// A task document in state `state` (history left empty: the bench reads states only).
fn task_doc(org: &str, state: &str, assigned_at_us: i64) -> String {
    use deltawall_domain::code::Code;
    use deltawall_domain::supervision::request::{Task, TaskState};
    let task = Task {
        org_id: org.to_owned(),
        assigned_at_us,
        state: TaskState::parse(state).expect("bench task states are known"),
        answers: vec![],
        attestation: None,
        history: vec![],
    };
    serde_json::to_string(&task).expect("tasks serialise")
}

const TASK_STATES: &[&str] = &[
    "accepted",
    "accepted",
    "accepted",
    "submitted",
    "in_progress",
    "assigned",
];

/// Writes a sector per `spec` into an empty database; returns the ids and row counts.
pub async fn generate(store: &Store, spec: &SectorSpec) -> Result<GeneratedSector> {
    let mut rng = Rng(spec.seed);
    let anonymous = store.backend() == crate::Backend::Sqlite;
    let mut tx = store.write().await?;
    let catalog = fsa_2020_viewpoints().expect("the built-in catalog loads");
    let requirements: Vec<String> = catalog.requirements().map(|(_, r)| r.id.clone()).collect();
    let (catalog_id, _) = crate::assessments::insert_catalog(&mut tx, &catalog, None, 0).await?;
    let mut orgs = Batch::new(
        "organisations",
        &[
            "id",
            "name_ja",
            "name_en",
            "kind",
            "business_type",
            "region",
            "active",
            "created_at",
            "updated_at",
        ],
    );
    orgs.anonymous = anonymous;
    let fsa = new_id();
    orgs.push(vec![
        t(&fsa),
        t("金融庁"),
        t("FSA"),
        t("supervisor"),
        Cell::NullT,
        Cell::NullT,
        Cell::I(1),
        Cell::I(0),
        Cell::I(0),
    ]);
    if orgs.full() {
        orgs.flush(&mut tx).await?;
    }
    let regions: Vec<Region> = Region::ALL
        .iter()
        .copied()
        .filter(|r| *r != Region::Overseas)
        .collect();
    let mut bureaus = Vec::new();
    for r in &regions {
        let id = new_id();
        orgs.push(vec![
            t(&id),
            t(format!("{}財務局", r.label("ja"))),
            t(format!("{} bureau", r.label("en"))),
            t("supervisor"),
            Cell::NullT,
            t(r.code()),
            Cell::I(1),
            Cell::I(0),
            Cell::I(0),
        ]);
        if orgs.full() {
            orgs.flush(&mut tx).await?;
        }
        bureaus.push((*r, id));
    }
    let mut institutions = Vec::new();
    for i in 0..spec.institutions {
        let id = new_id();
        let bt = rng.pick(TYPES);
        let region = rng.pick(&regions);
        orgs.push(vec![
            t(&id),
            t(format!("金融機関{i:04}")),
            t(format!("Institution {i:04}")),
            t("institution"),
            t(bt.code()),
            t(region.code()),
            Cell::I(1),
            Cell::I(0),
            Cell::I(0),
        ]);
        if orgs.full() {
            orgs.flush(&mut tx).await?;
        }
        institutions.push(id);
    }
    orgs.flush(&mut tx).await?;
    let start = spec.today.saturating_sub(i64::from(spec.years).years());
    let mut h = History::new();
    for b in h.batches() {
        b.anonymous = anonymous;
    }
    for org in &institutions {
        h.institution(&mut rng, org, spec, start);
        h.assessments(&mut rng, org, spec, (&catalog_id, &requirements));
        h.flush_if_full(&mut tx).await?;
    }
    h.requests(&mut tx, &mut rng, &fsa, &institutions, spec)
        .await?;
    let mut rows = vec![("organisations", orgs.written)];
    rows.extend(h.finish(&mut tx).await?);
    // The rows above bypass the per-write refresh, so the kept facts are built once here.
    crate::sup_facts::rebuild_all(&mut tx).await?;
    crate::sup_tally::rebuild_all(&mut tx).await?;
    tx.commit().await?;
    Ok(GeneratedSector {
        fsa,
        bureaus,
        institutions,
        rows,
    })
}

/// The history tables being filled.
struct History {
    attributes: Batch,
    users: Batch,
    monitoring: Batch,
    assessments: Batch,
    results: Batch,
    findings: Batch,
    milestones: Batch,
    incidents: Batch,
    requests: Batch,
    tasks: Batch,
}

impl History {
    fn new() -> History {
        History {
            attributes: Batch::new(
                "org_attributes",
                &["id", "org_id", "kind", "value", "valid_from", "recorded_at"],
            ),
            users: Batch::new(
                "users",
                &[
                    "id",
                    "org_id",
                    "login",
                    "display_name",
                    "role",
                    "password_hash",
                    "active",
                    "created_at",
                    "updated_at",
                ],
            ),
            monitoring: Batch::new(
                "sup_monitoring",
                &[
                    "id",
                    "org_id",
                    "monitored_on",
                    "method",
                    "recorded_by",
                    "created_at",
                ],
            ),
            assessments: Batch::new(
                "assessments",
                &[
                    "id",
                    "org_id",
                    "catalog_id",
                    "kind",
                    "scope",
                    "as_of",
                    "cycle",
                    "status",
                    "created_by",
                    "created_at",
                    "updated_at",
                    "submitted_at",
                ],
            ),
            results: Batch::new(
                "assessment_results",
                &[
                    "id",
                    "assessment_id",
                    "requirement_id",
                    "revision",
                    "result",
                    "justification",
                    "rationale",
                    "confidence",
                    "evidence_refs",
                    "carried",
                    "answered_by",
                    "recorded_at",
                ],
            ),
            findings: Batch::new(
                "findings",
                &[
                    "id",
                    "org_id",
                    "origin",
                    "title",
                    "description",
                    "requirement_ids",
                    "severity",
                    "state",
                    "owner_user",
                    "due_on",
                    "document",
                    "version",
                    "created_at",
                    "updated_at",
                ],
            ),
            milestones: Batch::new(
                "finding_milestones",
                &[
                    "id",
                    "finding_id",
                    "title",
                    "owner",
                    "due_on",
                    "done_at",
                    "created_at",
                ],
            ),
            incidents: Batch::new(
                "incidents",
                &[
                    "id",
                    "org_id",
                    "occurred_on",
                    "attack_type",
                    "severity",
                    "summary",
                    "reported_by",
                    "reported_at",
                ],
            ),
            requests: Batch::new(
                "sup_requests",
                &[
                    "id",
                    "issuer_org",
                    "deadline",
                    "sent_at",
                    "document",
                    "created_by",
                    "created_at",
                ],
            ),
            tasks: Batch::new(
                "sup_request_tasks",
                &[
                    "id",
                    "request_id",
                    "org_id",
                    "state",
                    "document",
                    "updated_at",
                ],
            ),
        }
    }

    /// Attributes, a user, monitoring visits, findings with milestones and incidents.
    fn institution(&mut self, rng: &mut Rng, org: &str, spec: &SectorSpec, start: Date) {
        let size = *rng.pick(&["small", "small", "medium", "large"]);
        self.attributes.push(vec![
            t(new_id()),
            t(org),
            t("size_band"),
            t(size),
            Cell::I(0),
            Cell::I(0),
        ]);
        let user = new_id();
        self.users.push(vec![
            t(&user),
            t(org),
            t(format!("u-{user}")),
            t("staff"),
            t("staff"),
            t("x"),
            Cell::I(1),
            Cell::I(0),
            Cell::I(0),
        ]);
        let days = i64::from(spec.years) * 365;
        let day = |rng: &mut Rng| {
            start.saturating_add(
                i64::try_from(rng.below(u64::try_from(days).unwrap_or(1)))
                    .unwrap_or(0)
                    .days(),
            )
        };
        for _ in 0..rng.below(4) {
            let on = day(rng);
            self.monitoring.push(vec![
                t(new_id()),
                t(org),
                t(on.to_string()),
                t(*rng.pick(&["dialogue", "questionnaire", "on_site"])),
                t("bench"),
                Cell::I(0),
            ]);
        }
        for _ in 0..rng.below(7) {
            let created = day(rng);
            let due =
                created.saturating_add(i64::try_from(90 + rng.below(270)).unwrap_or(90).days());
            // Findings older than two years are mostly closed; recent ones mostly open.
            let recent = created > spec.today.saturating_sub(2.years());
            let state = if recent || rng.below(5) == 0 {
                *rng.pick(OPEN_STATES)
            } else {
                "closed"
            };
            let id = new_id();
            let at = day_us(created);
            self.findings.push(vec![
                t(&id),
                t(org),
                t("assessment"),
                t("generated finding"),
                t(""),
                t("[]"),
                t(*rng.pick(SEVERITIES)),
                t(state),
                t(&user),
                t(due.to_string()),
                t("{}"),
                Cell::I(1),
                Cell::I(at),
                Cell::I(at),
            ]);
            if rng.below(2) == 0 {
                let m_due = created.saturating_add(60.days());
                let done = if rng.below(2) == 0 {
                    Cell::I(at)
                } else {
                    Cell::NullI
                };
                self.milestones.push(vec![
                    t(new_id()),
                    t(&id),
                    t("step"),
                    t("owner"),
                    t(m_due.to_string()),
                    done,
                    Cell::I(at),
                ]);
            }
        }
        for _ in 0..rng.below(4) {
            let on = day(rng);
            self.incidents.push(vec![
                t(new_id()),
                t(org),
                t(on.to_string()),
                t(*rng.pick(ATTACKS)),
                t(*rng.pick(SEVERITIES)),
                t("generated"),
                t("bench"),
                Cell::I(day_us(on)),
            ]);
        }
    }

    /// One submitted self-assessment a year, every requirement answered.
    fn assessments(
        &mut self,
        rng: &mut Rng,
        org: &str,
        spec: &SectorSpec,
        (catalog, reqs): (&str, &[String]),
    ) {
        for y in 0..spec.years {
            let as_of = spec.today.saturating_sub(i64::from(y).years());
            let id = new_id();
            let at = day_us(as_of);
            self.assessments.push(vec![
                t(&id),
                t(org),
                t(catalog),
                t("self"),
                t("enterprise"),
                t(as_of.to_string()),
                Cell::I(i64::from(spec.years - y)),
                t("submitted"),
                t("bench"),
                Cell::I(at),
                Cell::I(at),
                Cell::I(at),
            ]);
            for r in reqs {
                let outcome = *rng.pick(OUTCOMES);
                let why = if outcome == "not_applicable" {
                    t("not in scope")
                } else {
                    Cell::NullT
                };
                self.results.push(vec![
                    t(new_id()),
                    t(&id),
                    t(r),
                    Cell::I(1),
                    t(outcome),
                    why,
                    t("generated"),
                    t("medium"),
                    t("[]"),
                    Cell::I(0),
                    t("bench"),
                    Cell::I(at),
                ]);
            }
        }
    }

    /// Ten sector-wide requests a year with one task per institution; tasks of past
    /// requests are mostly accepted, a few still outstanding.
    async fn requests(
        &mut self,
        db: &mut crate::db::Db,
        rng: &mut Rng,
        fsa: &str,
        institutions: &[String],
        spec: &SectorSpec,
    ) -> Result<()> {
        for k in 0..i64::from(spec.years) * 10 {
            let sent = spec.today.saturating_sub((k * 36).days());
            let deadline = day_us(sent.saturating_add(30.days()));
            let id = new_id();
            self.requests.push(vec![
                t(&id),
                t(fsa),
                Cell::I(deadline),
                Cell::I(day_us(sent)),
                t(request_doc(deadline)),
                t("bench"),
                Cell::I(day_us(sent)),
            ]);
            for org in institutions {
                let state = *rng.pick(TASK_STATES);
                self.tasks.push(vec![
                    t(new_id()),
                    t(&id),
                    t(org),
                    t(state),
                    t(task_doc(org, state, day_us(sent))),
                    Cell::I(deadline),
                ]);
            }
            self.flush_if_full(db).await?;
        }
        Ok(())
    }

    /// Flushes every table, parents before children, once any batch is full (so no row is
    /// written before the row it refers to).
    async fn flush_if_full(&mut self, db: &mut crate::db::Db) -> Result<()> {
        if self.batches().iter().any(|b| b.full()) {
            for b in self.batches() {
                b.flush(db).await?;
            }
        }
        Ok(())
    }

    fn batches(&mut self) -> [&mut Batch; 10] {
        [
            &mut self.attributes,
            &mut self.users,
            &mut self.monitoring,
            &mut self.assessments,
            &mut self.results,
            &mut self.findings,
            &mut self.milestones,
            &mut self.incidents,
            &mut self.requests,
            &mut self.tasks,
        ]
    }

    async fn finish(mut self, db: &mut crate::db::Db) -> Result<Vec<(&'static str, usize)>> {
        let mut out = Vec::new();
        for b in self.batches() {
            b.flush(db).await?;
            out.push((b.table, b.written));
        }
        Ok(out)
    }
}
