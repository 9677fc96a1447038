//! The per-institution facts kept on write (`sup_facts`) equal the from-scratch
//! aggregation after random sequences of writes, on both backends: assessments created,
//! answered, revised and submitted (drafts and ties of the as-of day included), requests
//! issued and tasks moved between every state. After each step, the ranking's facts read
//! through the summary equal those aggregated from every row (posture grouped by element,
//! overdue requests at instants before, between and after the deadlines), the late
//! institutions counted from the summary equal the grouped query over every task, for the
//! FSA and for a bureau; the sector figures' task counts by state, read from the tally kept
//! on write (`sup_tally`), equal the counts by region summed and the counts from every task,
//! also after institutions change business type or region; a rebuild from the rows changes
//! nothing.

use crate::fixtures::{add_org, add_user, institution, supervisor};
use deltawall_domain::OrgScope;
use deltawall_domain::catalog::Text;
use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::posture::{Answer, AssessmentKind, Confidence, Outcome};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::population::Selector;
use deltawall_domain::supervision::request::{Asked, Request, Task, TaskState};
use deltawall_domain::supervision::score::element_posture;
use deltawall_store::assessments::{self, NewAssessment, Recording};
use deltawall_store::sup_ranking::{RankingQuery, facts, facts_summarised};
use deltawall_store::sup_requests::{self, RequestDoc};
use deltawall_store::testing::TestDb;
use deltawall_store::{Store, orgs, sup_facts, sup_figures, sup_tally, sup_work};
use jiff::civil::Date;
use std::collections::BTreeMap;

/// splitmix64: a fixed, seedable sequence.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        usize::try_from((z ^ (z >> 31)) % n.max(1) as u64).unwrap_or(0)
    }
}

const OUTCOMES: [Outcome; 4] = [
    Outcome::Met,
    Outcome::Partial,
    Outcome::NotMet,
    Outcome::NotApplicable,
];
const STATES: [TaskState; 6] = [
    TaskState::Assigned,
    TaskState::InProgress,
    TaskState::Submitted,
    TaskState::Returned,
    TaskState::Accepted,
    TaskState::Exempted,
];
/// Request deadlines; the checks read at instants around them.
const DEADLINES: [i64; 3] = [1_000, 2_000, 3_000];
const NOWS: [i64; 4] = [500, 1_500, 2_000, 9_000];

struct World {
    orgs: Vec<String>,
    user: String,
    catalog: String,
    requirements: Vec<String>,
    fsa: String,
    bureau: String,
    /// Assessments: id, institution and whether submitted.
    assessments: Vec<(String, String, bool)>,
    /// Tasks: id, its task and its version token.
    tasks: Vec<(String, Task, i64)>,
    requests: usize,
    clock: i64,
}

impl World {
    fn tick(&mut self) -> i64 {
        self.clock += 10;
        self.clock
    }
}

fn answer(requirement: &str, outcome: Outcome) -> Answer {
    Answer {
        requirement_id: requirement.to_owned(),
        outcome,
        justification: (outcome == Outcome::NotApplicable).then(|| "out of scope".into()),
        maturity: None,
        rationale: "r".into(),
        confidence: Confidence::High,
        evidence: vec![],
    }
}

fn request(deadline_us: i64) -> Request {
    Request {
        title: Text {
            ja: "要請".into(),
            en: "request".into(),
        },
        asked: Asked::Questions { questions: vec![] },
        population: Selector::default(),
        deadline_us,
        reminders: Default::default(),
    }
}

async fn setup(s: &Store, seed: u64) -> World {
    let types = [BusinessType::RegionalBank, BusinessType::ShinkinBank];
    let regions = [Region::Kanto, Region::Kinki];
    let mut orgs = Vec::new();
    for i in 0..5 {
        let new = institution(&format!("I{seed}-{i}"), types[i % 2], regions[(i / 2) % 2]);
        orgs.push(add_org(s, new).await);
    }
    let fsa = add_org(s, supervisor(&format!("FSA{seed}"), None)).await;
    let bureau = add_org(s, supervisor(&format!("Kanto{seed}"), Some(Region::Kanto))).await;
    let user = add_user(s, &orgs[0], &format!("facts-{seed}"), Role::Staff).await;
    let mut tx = s.write().await.unwrap();
    let catalog = fsa_2020_viewpoints().unwrap();
    let requirements = catalog.requirements().map(|(_, r)| r.id.clone()).collect();
    let (catalog, _) = assessments::insert_catalog(&mut tx, &catalog, None, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    World {
        orgs,
        user,
        catalog,
        requirements,
        fsa,
        bureau,
        assessments: Vec::new(),
        tasks: Vec::new(),
        requests: 0,
        clock: 100,
    }
}

/// One random write, in its own transaction.
async fn step(s: &Store, w: &mut World, rng: &mut Rng) {
    let mut tx = s.write().await.unwrap();
    let at = w.tick();
    match rng.below(7) {
        // A new assessment, some answers, maybe submitted; as-of days repeat (ties by id).
        0 | 1 => {
            let org = w.orgs[rng.below(w.orgs.len())].clone();
            let new = NewAssessment {
                org_id: org.clone(),
                catalog_id: w.catalog.clone(),
                kind: AssessmentKind::SelfAssessment,
                scope: "enterprise".into(),
                as_of: ["2025-03-31", "2026-03-31"][rng.below(2)].into(),
                cycle: 1,
                previous_id: None,
                created_by: w.user.clone(),
            };
            let id = assessments::create(&mut tx, &new, at).await.unwrap();
            for _ in 0..rng.below(12) {
                let req = &w.requirements[rng.below(w.requirements.len())];
                let how = Recording {
                    answered_by: w.user.clone(),
                    reviewed_by: None,
                    carried: false,
                    at_us: at,
                };
                let a = answer(req, OUTCOMES[rng.below(OUTCOMES.len())]);
                assessments::append_result(&mut tx, &id, &a, &how)
                    .await
                    .unwrap();
            }
            let submitted = rng.below(3) > 0;
            if submitted {
                assessments::submit(&mut tx, &org, &id, at).await.unwrap();
            }
            w.assessments.push((id, org, submitted));
        }
        // A revision of an answer of any assessment, draft or submitted.
        2 if !w.assessments.is_empty() => {
            let (id, _, _) = &w.assessments[rng.below(w.assessments.len())];
            let req = &w.requirements[rng.below(3)];
            let how = Recording {
                answered_by: w.user.clone(),
                reviewed_by: None,
                carried: false,
                at_us: at,
            };
            let a = answer(req, OUTCOMES[rng.below(OUTCOMES.len())]);
            assessments::append_result(&mut tx, id, &a, &how)
                .await
                .unwrap();
        }
        // A draft submitted.
        3 => {
            let drafts: Vec<usize> = (0..w.assessments.len())
                .filter(|i| !w.assessments[*i].2)
                .collect();
            if !drafts.is_empty() {
                let i = drafts[rng.below(drafts.len())];
                let (id, org, _) = &w.assessments[i];
                assessments::submit(&mut tx, org, id, at).await.unwrap();
                w.assessments[i].2 = true;
            }
        }
        // A request to some institutions.
        4 => {
            w.requests += 1;
            let rid = format!("r{}-{}", w.fsa, w.requests);
            let doc = RequestDoc {
                request: request(DEADLINES[rng.below(DEADLINES.len())]),
                baseline_request_id: None,
            };
            sup_requests::insert_request(&mut tx, &rid, &w.fsa, &doc, "u", at)
                .await
                .unwrap();
            for org in w.orgs.clone() {
                if rng.below(3) > 0 {
                    let tid = format!("{rid}-{org}");
                    let task = Task::assign(&org, at);
                    sup_requests::insert_task(&mut tx, &tid, &rid, &task)
                        .await
                        .unwrap();
                    w.tasks.push((tid, task, at));
                }
            }
        }
        // An institution's business type or region changed (or its region removed): the
        // figures count its tasks elsewhere.
        6 => {
            let i = rng.below(w.orgs.len());
            let types = [BusinessType::RegionalBank, BusinessType::ShinkinBank];
            let regions = [Some(Region::Kanto), Some(Region::Kinki), None];
            let mut new = institution(
                &format!("I{}-{i}", w.fsa),
                types[rng.below(2)],
                Region::Kanto,
            );
            new.region = regions[rng.below(3)];
            orgs::update(&mut tx, &w.orgs[i], &new).await.unwrap();
        }
        // A task moved to any state.
        _ if !w.tasks.is_empty() => {
            let i = rng.below(w.tasks.len());
            let (tid, task, token) = &w.tasks[i];
            let mut next = task.clone();
            next.state = STATES[rng.below(STATES.len())];
            sup_requests::update_task(&mut tx, tid, *token, &next, at)
                .await
                .unwrap();
            let token = at.max(token + 1);
            w.tasks[i] = (tid.clone(), next, token);
        }
        _ => {}
    }
    tx.commit().await.unwrap();
}

/// The summary equals the from-scratch aggregation for every scope and instant.
async fn check(s: &Store, w: &World, label: &str) {
    let mut c = s.read().await.unwrap();
    let catalog = assessments::catalog_document(&mut c, &w.catalog)
        .await
        .unwrap();
    let scopes = [
        OrgScope::All,
        OrgScope::Region {
            own: w.bureau.clone(),
            region: Region::Kanto,
        },
    ];
    for scope in &scopes {
        for now in NOWS {
            let q = RankingQuery {
                today: Date::constant(2026, 5, 28),
                now_us: now,
                incidents_after: Date::constant(2025, 5, 28),
                business_type: None,
                region: None,
            };
            let mut scratch = facts(&mut c, scope, &q).await.unwrap();
            for f in &mut scratch {
                f.input.posture = element_posture(
                    &catalog,
                    f.answers
                        .iter()
                        .map(|a| (a.requirement_id.as_str(), a.outcome)),
                );
                f.answers.clear();
            }
            let kept = facts_summarised(&mut c, scope, &q).await.unwrap();
            assert_eq!(
                kept, scratch,
                "{label}: ranking facts at {now} in {scope:?}"
            );
            let late = sup_work::late_counts(&mut c, scope, now).await.unwrap();
            let all = sup_work::late_counts_from_tasks(&mut c, scope, now)
                .await
                .unwrap();
            assert_eq!(late, all, "{label}: late counts at {now} in {scope:?}");
        }
        // The completion figure's counts by state equal the counts by region summed.
        let mut summed: BTreeMap<(i64, &str, String), i64> = BTreeMap::new();
        let by_region = sup_figures::task_counts(&mut c, scope).await.unwrap();
        for t in &by_region {
            *summed
                .entry((t.deadline_us, t.business_type.code(), t.state.clone()))
                .or_default() += t.count;
        }
        let by_state: BTreeMap<(i64, &str, String), i64> =
            sup_figures::task_state_counts(&mut c, scope)
                .await
                .unwrap()
                .into_iter()
                .map(|t| ((t.deadline_us, t.business_type.code(), t.state), t.count))
                .collect();
        assert_eq!(
            by_state, summed,
            "{label}: task counts by state in {scope:?}"
        );
        let scratch: BTreeMap<(i64, &str, String), i64> =
            sup_figures::task_state_counts_from_tasks(&mut c, scope)
                .await
                .unwrap()
                .into_iter()
                .map(|t| ((t.deadline_us, t.business_type.code(), t.state), t.count))
                .collect();
        assert_eq!(
            by_state, scratch,
            "{label}: tally against every task in {scope:?}"
        );
    }
}

async fn summary_equals_aggregation(db: &TestDb) {
    let s = &db.store;
    for seed in [1_u64, 7, 2026] {
        let mut w = setup(s, seed).await;
        let mut rng = Rng(seed);
        for n in 0..40 {
            step(s, &mut w, &mut rng).await;
            check(s, &w, &format!("seed {seed}, step {n}")).await;
        }
        // The migration's rebuild from the rows gives the facts kept on write.
        let kept = kept_facts(s).await;
        let mut tx = s.write().await.unwrap();
        sup_facts::rebuild_all(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(kept_facts(s).await, kept, "seed {seed}: rebuild");
        let tally = kept_tally(s).await;
        let mut tx = s.write().await.unwrap();
        sup_tally::rebuild_all(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(kept_tally(s).await, tally, "seed {seed}: tally rebuild");
        assert!(!tally.is_empty(), "seed {seed}: the sequence counted tasks");
        assert!(
            kept.0.iter().any(|f| f.posture.is_some()) && !kept.1.is_empty(),
            "seed {seed}: the sequence reached both facts"
        );
    }
}

/// The sector's task counts as the figures read them from the tally.
async fn kept_tally(s: &Store) -> Vec<sup_figures::TaskStateCount> {
    let mut c = s.read().await.unwrap();
    let mut all = sup_figures::task_state_counts(&mut c, &OrgScope::All)
        .await
        .unwrap();
    all.sort_by(|a, b| {
        (a.deadline_us, a.business_type.code(), &a.state).cmp(&(
            b.deadline_us,
            b.business_type.code(),
            &b.state,
        ))
    });
    all
}

/// Every kept posture, and every late count at an instant after every deadline.
async fn kept_facts(
    s: &Store,
) -> (
    Vec<sup_facts::OrgFactsRow>,
    std::collections::BTreeMap<String, i64>,
) {
    let mut c = s.read().await.unwrap();
    let posture = sup_facts::read(&mut c, &OrgScope::All, None, None)
        .await
        .unwrap();
    let late = sup_facts::late_by_org(&mut c, &OrgScope::All, 9_000, None, None)
        .await
        .unwrap();
    (posture, late.into_iter().collect())
}
both!(
    summary_equals_aggregation,
    super::summary_equals_aggregation
);
