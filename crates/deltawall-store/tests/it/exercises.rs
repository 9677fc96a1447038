//! Exercises played in the platform: design, blind play, responses, evaluation, measures,
//! contingency plans and the sector feedback, on both backends.

use crate::fixtures::{add_org, add_user, institution, supervisor};
use deltawall_domain::OrgScope;
use deltawall_domain::exercise::evaluation::{
    FeedbackKind, ImprovementMeasure, MeasureStatus, Rating, SelfAssessment, Timeliness,
};
use deltawall_domain::exercise::plan::{PlanTest, PlanVersion};
use deltawall_domain::exercise::play::{ClockEvent, PlayError};
use deltawall_domain::exercise::schedule::{Expectation, Inject, Schedule};
use deltawall_domain::exercise::{
    InjectKind, MINUTE_US, Organiser, ResponseKind, Scenario, Viewpoint,
};
use deltawall_domain::finding::{Person, Severity};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::benchmark::K;
use deltawall_store::exercises::edition::{self, NewEdition, Track};
use deltawall_store::exercises::evaluation::{self as eval, Criterion};
use deltawall_store::exercises::play::{self, NewResponse, Viewer};
use deltawall_store::exercises::{self, ExerciseError, NewExercise, plans};
use deltawall_store::testing::TestDb;
use deltawall_store::{Store, StoreError, sup_figures};

const T0: i64 = 1_700_000_000_000_000;
const M: i64 = MINUTE_US;

pub fn inject(code: &str, track: &str, offset_min: u32, deps: &[&str]) -> Inject {
    Inject {
        code: code.into(),
        track: track.into(),
        phase: 1,
        offset_min,
        kind: InjectKind::SimulatedAlert,
        title: format!("{code} title"),
        body: format!("{code} secret body"),
        depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
        expected: vec![Expectation {
            viewpoint: Viewpoint::Triage,
            text: "triage the alert".into(),
        }],
        criteria: vec![Expectation {
            viewpoint: Viewpoint::ExternalSharing,
            text: "report to the FSA".into(),
        }],
        respond_within_min: Some(10),
    }
}

pub fn track(code: &str, bt: BusinessType) -> Track {
    Track {
        code: code.into(),
        business_type: bt,
        name_ja: format!("{code}（日本語）"),
        name_en: code.into(),
    }
}

pub fn new_edition(organiser: &str, tracks: Vec<Track>, injects: Vec<Inject>) -> NewEdition {
    NewEdition {
        exercise: NewExercise {
            organiser: organiser.into(),
            name_ja: "デルタウォール".into(),
            name_en: "Delta Wall".into(),
            held_on: "2026-10-20".into(),
        },
        organiser_kind: Organiser::Fsa,
        end_at_us: T0 + 120 * M,
        feedback_k: K::new(2).unwrap(),
        tracks,
        schedule: Schedule::new(injects).unwrap(),
    }
}

struct Play {
    fsa: String,
    a: String,
    b: String,
    c: String,
    exercise: String,
}

async fn setup(s: &Store) -> Play {
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let a = add_org(
        s,
        institution("Bank A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let b = add_org(
        s,
        institution("Shinkin B", BusinessType::ShinkinBank, Region::Kanto),
    )
    .await;
    let c = add_org(
        s,
        institution("Bank C", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let mut tx = s.write().await.unwrap();
    let new = new_edition(
        &fsa,
        vec![
            track("banks", BusinessType::RegionalBank),
            track("shinkin", BusinessType::ShinkinBank),
        ],
        vec![
            inject("B1", "banks", 0, &[]),
            inject("B2", "banks", 30, &["B1"]),
            inject("S1", "shinkin", 0, &[]),
        ],
    );
    let exercise = edition::create(&mut tx, &new, "designer", T0 - 60 * M)
        .await
        .unwrap();
    edition::enrol(&mut tx, &exercise, &a, "banks", "designer", T0 - 50 * M)
        .await
        .unwrap();
    edition::enrol(&mut tx, &exercise, &b, "shinkin", "designer", T0 - 50 * M)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    Play {
        fsa,
        a,
        b,
        c,
        exercise,
    }
}

async fn codes(s: &Store, p: &Play, org: &str, now: i64) -> Result<Vec<String>, String> {
    let mut c = s.read().await.unwrap();
    play::injects_for(&mut c, &p.exercise, org, now)
        .await
        .map(|v| v.injects.into_iter().map(|i| i.inject.code).collect())
        .map_err(|e| e.to_string())
}

async fn clock(s: &Store, p: &Play, event: ClockEvent) -> Result<(), ExerciseError> {
    let mut tx = s.write().await.unwrap();
    play::apply_clock(&mut tx, &p.exercise, event, "controller").await?;
    tx.commit().await.unwrap();
    Ok(())
}

async fn respond(s: &Store, p: &Play, org: &str, inject: &str, now: i64) -> Result<String, String> {
    let mut tx = s.write().await.unwrap();
    let new = NewResponse {
        org_id: org.into(),
        inject: inject.into(),
        kind: ResponseKind::Notification,
        text: "notified the FSA".into(),
    };
    let id = play::record_response(&mut tx, &p.exercise, &new, "player", now)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.unwrap();
    Ok(id)
}

async fn blind_play(db: &TestDb) {
    let s = &db.store;
    let p = setup(s).await;
    // Before the start: participants see nothing, the organiser everything (to be audited).
    assert_eq!(codes(s, &p, &p.a, T0).await, Ok(vec![]));
    let mut c = s.read().await.unwrap();
    let organiser = play::injects_for(&mut c, &p.exercise, &p.fsa, T0)
        .await
        .unwrap();
    drop(c);
    assert_eq!(organiser.viewer, Viewer::Organiser);
    assert_eq!(organiser.unreleased_shown, 3);
    assert_eq!(
        codes(s, &p, &p.c, T0).await,
        Err("exercise edition not found".into())
    );

    clock(s, &p, ClockEvent::Start { at_us: T0 }).await.unwrap();
    assert_eq!(codes(s, &p, &p.a, T0 + M).await, Ok(vec!["B1".into()]));
    assert_eq!(codes(s, &p, &p.b, T0 + M).await, Ok(vec!["S1".into()]));
    // Paused at 10 minutes for 30 minutes: B2 (offset 30) comes at 60 minutes of wall time.
    clock(s, &p, ClockEvent::Pause { at_us: T0 + 10 * M })
        .await
        .unwrap();
    assert!(matches!(
        clock(s, &p, ClockEvent::Pause { at_us: T0 + 11 * M }).await,
        Err(ExerciseError::Play(PlayError::Clock { .. }))
    ));
    clock(s, &p, ClockEvent::Resume { at_us: T0 + 40 * M })
        .await
        .unwrap();
    assert_eq!(codes(s, &p, &p.a, T0 + 59 * M).await, Ok(vec!["B1".into()]));
    assert_eq!(
        codes(s, &p, &p.a, T0 + 60 * M).await,
        Ok(vec!["B1".into(), "B2".into()])
    );

    // Responses: only to released injects of one's own track, and never after the close.
    assert_eq!(
        respond(s, &p, &p.b, "B1", T0 + 2 * M).await,
        Err("inject B1: not released to this participant".into())
    );
    respond(s, &p, &p.a, "B1", T0 + 4 * M).await.unwrap();
    respond(s, &p, &p.a, "B1", T0 + 6 * M).await.unwrap();
    respond(s, &p, &p.b, "S1", T0 + 3 * M).await.unwrap();
    assert!(
        respond(s, &p, &p.a, "B2", T0 + 120 * M)
            .await
            .unwrap_err()
            .starts_with("exercise closed")
    );

    let mut c = s.read().await.unwrap();
    let own = play::responses(&mut c, &p.exercise, &p.a, &OrgScope::Own(p.a.clone()))
        .await
        .unwrap();
    assert_eq!(own.len(), 2);
    assert!(own.iter().all(|r| r.org_id == p.a));
    let other = play::responses(&mut c, &p.exercise, &p.b, &OrgScope::Own(p.b.clone()))
        .await
        .unwrap();
    assert_eq!(other.len(), 1);
    let all = play::responses(&mut c, &p.exercise, &p.fsa, &OrgScope::Own(p.fsa.clone()))
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let times = play::first_response_times(&mut c, &p.exercise, &p.a, T0 + 60 * M)
        .await
        .unwrap();
    assert_eq!(times["B1"], Some(4 * M));
    assert_eq!(times["B2"], None);
    let fanout = play::released_to_participants(&mut c, &p.exercise, T0 + 60 * M)
        .await
        .unwrap();
    let mut expected = vec![
        (p.a.clone(), vec!["B1".to_owned(), "B2".to_owned()]),
        (p.b.clone(), vec!["S1".to_owned()]),
    ];
    expected.sort();
    assert_eq!(fanout, expected);
    // The participants count in the sector figures like any recorded participation.
    let fig = sup_figures::participation(&mut c, &OrgScope::All)
        .await
        .unwrap();
    assert_eq!(fig.len(), 2);
    let listed = exercises::list(&mut c, &OrgScope::All).await.unwrap();
    assert_eq!(listed[0].participants, 2);
}
both!(blind, super::blind_play);

async fn early_release_waits_for_dependencies(db: &TestDb) {
    let s = &db.store;
    let p = setup(s).await;
    assert!(matches!(
        clock(
            s,
            &p,
            ClockEvent::Start {
                at_us: T0 + 120 * M
            }
        )
        .await,
        Err(ExerciseError::Play(PlayError::EndBeforeStart))
    ));
    clock(s, &p, ClockEvent::Start { at_us: T0 }).await.unwrap();
    let mut tx = s.write().await.unwrap();
    assert!(matches!(
        play::release_early(&mut tx, &p.exercise, "ZZ", "controller", T0 + M).await,
        Err(ExerciseError::Store(StoreError::NotFound("inject")))
    ));
    play::release_early(&mut tx, &p.exercise, "B2", "controller", T0 + 5 * M)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        codes(s, &p, &p.a, T0 + 6 * M).await,
        Ok(vec!["B1".into(), "B2".into()])
    );
    // After the close nothing more is released by a controller.
    let mut tx = s.write().await.unwrap();
    assert!(
        play::release_early(&mut tx, &p.exercise, "S1", "controller", T0 + 130 * M)
            .await
            .is_err()
    );
}
both!(early_release, super::early_release_waits_for_dependencies);

async fn refused_designs_write_nothing(db: &TestDb) {
    let s = &db.store;
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let mut tx = s.write().await.unwrap();
    let bad = new_edition(
        &fsa,
        vec![track("banks", BusinessType::RegionalBank)],
        vec![inject("X1", "insurers", 0, &[])],
    );
    let err = edition::create(&mut tx, &bad, "designer", T0)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "inject X1: unknown track insurers");
    drop(tx);
    let mut c = s.read().await.unwrap();
    assert!(
        exercises::list(&mut c, &OrgScope::All)
            .await
            .unwrap()
            .is_empty()
    );
    drop(c);
    let p = setup(s).await;
    clock(s, &p, ClockEvent::Start { at_us: T0 }).await.unwrap();
    let mut tx = s.write().await.unwrap();
    let later = Schedule::new(vec![inject("B9", "banks", 0, &[])]).unwrap();
    assert!(matches!(
        edition::replace_schedule(&mut tx, &p.exercise, &later).await,
        Err(ExerciseError::Started)
    ));
}
both!(refused_designs, super::refused_designs_write_nothing);

async fn evaluation_measures_and_plans(db: &TestDb) {
    let s = &db.store;
    let p = setup(s).await;
    let staff = add_user(s, &p.a, "a-admin", Role::Admin).await;
    clock(s, &p, ClockEvent::Start { at_us: T0 }).await.unwrap();
    respond(s, &p, &p.a, "B1", T0 + 15 * M).await.unwrap();
    let crit = Criterion {
        org_id: &p.a,
        inject: "B1",
        viewpoint: Viewpoint::ExternalSharing,
    };
    let mut tx = s.write().await.unwrap();
    assert!(matches!(
        eval::rate(
            &mut tx,
            &p.exercise,
            &crit,
            Rating::new("r", 3).unwrap(),
            "",
            "ev",
            T0 + 60 * M
        )
        .await,
        Err(ExerciseError::NotClosed { .. })
    ));
    let unknown = Criterion {
        viewpoint: Viewpoint::Recovery,
        ..crit.clone()
    };
    assert_eq!(
        eval::rate(
            &mut tx,
            &p.exercise,
            &unknown,
            Rating::new("r", 3).unwrap(),
            "",
            "ev",
            T0 + 130 * M
        )
        .await
        .unwrap_err()
        .to_string(),
        "criterion: inject B1 has no criterion for recovery"
    );
    eval::rate(
        &mut tx,
        &p.exercise,
        &crit,
        Rating::new("r", 2).unwrap(),
        "late report",
        "ev",
        T0 + 130 * M,
    )
    .await
    .unwrap();
    let not_done = SelfAssessment::NotDone {
        reason: "contact list out of date".into(),
    };
    eval::self_assess(
        &mut tx,
        &p.exercise,
        &crit,
        &not_done,
        "a-admin",
        T0 + 131 * M,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut c = s.read().await.unwrap();
    let own = eval::evaluations(
        &mut c,
        &p.exercise,
        &p.a,
        &OrgScope::Own(p.a.clone()),
        T0 + 140 * M,
    )
    .await
    .unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].rating.map(Rating::get), Some(2));
    assert_eq!(own[0].self_assessment, Some(not_done));
    assert_eq!(own[0].timeliness, Timeliness::Late);
    let others = eval::evaluations(
        &mut c,
        &p.exercise,
        &p.b,
        &OrgScope::Own(p.b.clone()),
        T0 + 140 * M,
    )
    .await
    .unwrap();
    assert!(others.is_empty());
    drop(c);

    // A plan, a measure accepted into a finding and a revision task, the task closed by v2.
    let plan = |version| PlanVersion {
        org_id: p.a.clone(),
        version,
        adopted_at_us: T0,
        scenarios: vec![Scenario::Ransomware, Scenario::Ddos],
        roles: vec![],
        internal_contacts: vec![],
        external_contacts: vec![],
        objectives: vec![],
        requirement_ids: vec!["fsa-2-1".into()],
    };
    let mut tx = s.write().await.unwrap();
    plans::add_version(&mut tx, &plan(1), "a-admin", T0)
        .await
        .unwrap();
    assert!(
        plans::add_version(&mut tx, &plan(3), "a-admin", T0)
            .await
            .is_err()
    );
    let measure = ImprovementMeasure {
        org_id: p.a.clone(),
        viewpoint: Viewpoint::ExternalSharing,
        text: "keep the FSA contact list current".into(),
        severity: Severity::Medium,
        status: MeasureStatus::Proposed,
    };
    let mid = eval::propose_measure(&mut tx, &p.exercise, &measure, "ev", T0 + 140 * M)
        .await
        .unwrap();
    let owner = Person {
        user_id: staff.clone(),
        role: Role::Admin,
    };
    let issuer = Person {
        user_id: "ev".into(),
        role: Role::Staff,
    };
    let ids = eval::accept_measure(&mut tx, &mid, owner.clone(), issuer.clone(), T0 + 150 * M)
        .await
        .unwrap();
    assert!(
        eval::accept_measure(&mut tx, &mid, owner, issuer, T0 + 151 * M)
            .await
            .is_err()
    );
    tx.commit().await.unwrap();

    let mut c = s.read().await.unwrap();
    let listed = eval::measures(&mut c, &OrgScope::Own(p.a.clone()), Some(&p.exercise))
        .await
        .unwrap();
    assert_eq!(listed[0].measure.status, MeasureStatus::Accepted);
    assert_eq!(
        listed[0].finding_id.as_deref(),
        Some(ids.finding_id.as_str())
    );
    assert!(
        eval::measures(&mut c, &OrgScope::Own(p.b.clone()), None)
            .await
            .unwrap()
            .is_empty()
    );
    let origin: String = sqlx::query_scalar("SELECT origin FROM findings WHERE id = $1")
        .bind(ids.finding_id.clone())
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(origin, "exercise");
    let tasks = plans::revision_tasks(&mut c, &OrgScope::Own(p.a.clone()))
        .await
        .unwrap();
    assert_eq!(
        (tasks[0].id.as_str(), tasks[0].plan_version),
        (ids.task_id.as_str(), Some(1))
    );
    let status = plans::statuses(&mut c, &OrgScope::All, T0 + 200 * M)
        .await
        .unwrap();
    assert!(status[0].untested_12_months);
    drop(c);

    let mut tx = s.write().await.unwrap();
    assert!(
        plans::complete_revision(&mut tx, &ids.task_id, &p.a, 2)
            .await
            .is_err()
    );
    plans::add_version(&mut tx, &plan(2), "a-admin", T0 + 300 * M)
        .await
        .unwrap();
    plans::complete_revision(&mut tx, &ids.task_id, &p.a, 2)
        .await
        .unwrap();
    let test = PlanTest {
        edition_id: p.exercise.clone(),
        tested_at_us: T0 + 120 * M,
        scenarios: vec![Scenario::Ransomware],
        gaps: vec!["FSA contact list out of date".into()],
    };
    plans::record_test(&mut tx, &p.a, 1, &test).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let status = plans::statuses(&mut c, &OrgScope::Own(p.a.clone()), T0 + 200 * M)
        .await
        .unwrap();
    assert_eq!(
        (status[0].version, status[0].untested_12_months),
        (2, false)
    );
    assert_eq!(
        status[0].gaps,
        vec!["FSA contact list out of date".to_owned()]
    );
    assert!(
        plans::versions(&mut c, &OrgScope::Own(p.b.clone()))
            .await
            .unwrap()
            .is_empty()
    );
    drop(c);
    // Plan versions are never edited.
    let mut tx = s.write().await.unwrap();
    let edit = sqlx::query("UPDATE contingency_plans SET document = '{}' WHERE version = 1")
        .execute(&mut *tx)
        .await;
    assert!(edit.is_err());
}
both!(evaluation, super::evaluation_measures_and_plans);

async fn sector_feedback_needs_k(db: &TestDb) {
    let s = &db.store;
    let p = setup(s).await;
    let mut tx = s.write().await.unwrap();
    for org in [&p.a, &p.c] {
        eval::observe(
            &mut tx,
            &p.exercise,
            org,
            FeedbackKind::CommonIssue,
            Viewpoint::ExternalSharing,
            "late-report",
        )
        .await
        .unwrap();
    }
    eval::observe(
        &mut tx,
        &p.exercise,
        &p.a,
        FeedbackKind::GoodPractice,
        Viewpoint::Triage,
        "playbook",
    )
    .await
    .unwrap();
    eval::observe(
        &mut tx,
        &p.exercise,
        &p.a,
        FeedbackKind::GoodPractice,
        Viewpoint::Triage,
        "playbook",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let lines = eval::sector_feedback(&mut c, &p.exercise).await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (lines[0].topic.as_str(), lines[0].institutions),
        ("late-report", 2)
    );
    assert_eq!(lines[0].business_type, BusinessType::RegionalBank);
}
both!(feedback, super::sector_feedback_needs_k);

async fn pulse(s: &Store, p: &Play, org: &str, now: i64) -> Result<(String, Vec<String>), String> {
    let mut c = s.read().await.unwrap();
    play::pulse(&mut c, &p.exercise, org, now)
        .await
        .map(|(status, codes)| (format!("{status:?}"), codes))
        .map_err(|e| e.to_string())
}

/// The play state is cached per edition; a release or clock event written through another
/// pool (as another `serve` process would) is seen by the next response and pulse.
async fn cached_state_follows_other_replicas(db: &TestDb) {
    let s = &db.store;
    let p = setup(s).await;
    clock(s, &p, ClockEvent::Start { at_us: T0 }).await.unwrap();
    let refused = respond(s, &p, &p.a, "B2", T0 + 5 * M).await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(
        pulse(s, &p, &p.a, T0 + 5 * M).await,
        Ok(("Running".into(), vec!["B1".into()]))
    );
    let other = Store::connect(&db.url).await.unwrap();
    let mut tx = other.write().await.unwrap();
    play::release_early(&mut tx, &p.exercise, "B2", "controller", T0 + 5 * M)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        pulse(s, &p, &p.a, T0 + 6 * M).await,
        Ok(("Running".into(), vec!["B1".into(), "B2".into()]))
    );
    respond(s, &p, &p.a, "B2", T0 + 6 * M).await.unwrap();
    clock(s, &p, ClockEvent::Pause { at_us: T0 + 7 * M })
        .await
        .unwrap();
    assert_eq!(
        pulse(s, &p, &p.b, T0 + 7 * M + 1).await,
        Ok(("Paused".into(), vec!["S1".into()]))
    );
    let mut tx = other.write().await.unwrap();
    play::apply_clock(
        &mut tx,
        &p.exercise,
        ClockEvent::Resume { at_us: T0 + 8 * M },
        "controller",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        pulse(s, &p, &p.a, T0 + 9 * M).await,
        Ok(("Running".into(), vec!["B1".into(), "B2".into()]))
    );
    // The organiser's pulse lists every released inject; a non-participant is refused as
    // if the edition did not exist.
    assert_eq!(
        pulse(s, &p, &p.fsa, T0 + 9 * M).await,
        Ok((
            "Running".into(),
            vec!["B1".into(), "B2".into(), "S1".into()]
        ))
    );
    assert_eq!(
        pulse(s, &p, &p.c, T0 + 9 * M).await,
        Err("exercise edition not found".into())
    );
    other.close().await;
}
both!(cached_state, super::cached_state_follows_other_replicas);

fn submitted(org: &str, inject: &str, now_us: i64) -> play::Submitted {
    play::Submitted {
        new: NewResponse {
            org_id: org.into(),
            inject: inject.into(),
            kind: ResponseKind::Decision,
            text: format!("{org} on {inject}"),
        },
        by: "player".into(),
        now_us,
    }
}

/// A batch of responses is checked one by one (a refused one never keeps the others out)
/// and written together; the shared poller's read gives every reader's released codes.
async fn batched_responses_and_shared_pulses(db: &TestDb) {
    let s = &db.store;
    let p = setup(s).await;
    clock(s, &p, ClockEvent::Start { at_us: T0 }).await.unwrap();
    let now = T0 + 5 * M;
    let batch = [
        submitted(&p.a, "B1", now),
        submitted(&p.a, "B2", now),
        submitted(&p.b, "S1", now),
        submitted(&p.c, "B1", now),
        submitted(&p.a, "B1", now + 1),
    ];
    let mut tx = s.write().await.unwrap();
    let outcomes = play::record_responses(&mut tx, &p.exercise, &batch)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let refused: Vec<bool> = outcomes.iter().map(Result::is_err).collect();
    assert_eq!(refused, [false, true, false, true, false], "{outcomes:?}");
    assert!(matches!(outcomes[1], Err(ExerciseError::Play(_))));
    assert!(matches!(
        outcomes[3],
        Err(ExerciseError::Store(StoreError::NotFound(_)))
    ));
    let mut c = s.read().await.unwrap();
    let stored = play::responses(&mut c, &p.exercise, &p.fsa, &OrgScope::All)
        .await
        .unwrap();
    let mut ids: Vec<&str> = stored.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    let mut accepted: Vec<&str> = outcomes.iter().flatten().map(String::as_str).collect();
    accepted.sort_unstable();
    assert_eq!(ids, accepted);
    let pulses = play::pulses(&mut c, &p.exercise, now).await.unwrap();
    assert_eq!(pulses.organiser, p.fsa);
    assert_eq!(pulses.organiser_codes, ["B1", "S1"]);
    let mut by_org = pulses.participants.clone();
    by_org.sort();
    let mut expected = vec![
        (p.a.clone(), vec!["B1".to_owned()]),
        (p.b.clone(), vec!["S1".to_owned()]),
    ];
    expected.sort();
    assert_eq!(by_org, expected, "C plays no track and has no pulse");
    let unknown = play::pulses(&mut c, "no-such-edition", now).await;
    assert!(matches!(
        unknown,
        Err(ExerciseError::Store(StoreError::NotFound(_)))
    ));
    drop(c);
    let mut tx = s.write().await.unwrap();
    let unknown = play::record_responses(&mut tx, "no-such-edition", &batch[..1]).await;
    assert!(matches!(
        unknown,
        Err(ExerciseError::Store(StoreError::NotFound(_)))
    ));
    assert!(
        play::record_responses(&mut tx, &p.exercise, &[])
            .await
            .unwrap()
            .is_empty()
    );
}
both!(batched, super::batched_responses_and_shared_pulses);
