//! Result revisions never change history: for any sequence of appends, every earlier
//! "as reported on D" answer stays exactly what it was when D was current (property test,
//! on both backends).

use crate::fixtures::{add_org, add_user, institution};
use crate::posture::{answer, builtin, new_assessment, own, record};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::posture::Outcome;
use deltawall_domain::role::Role;
use deltawall_store::Store;
use deltawall_store::assessments;
use deltawall_store::testing::TestDb;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::BTreeMap;

const REQS: [&str; 3] = ["FSA-BE1-01", "FSA-BE1-02", "FSA-BE2-01"];
const OUTCOMES: [Outcome; 3] = [Outcome::Met, Outcome::Partial, Outcome::NotMet];

/// (requirement, rationale) as reported at `at`.
async fn as_of(s: &Store, org: &str, id: &str, at: i64) -> Vec<(String, String)> {
    let mut c = s.read().await.unwrap();
    assessments::results_as_of(&mut c, &own(org), id, at)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.requirement_id, r.answer.rationale))
        .collect()
}

/// Appends `ops` (requirement, outcome, gap in tens of microseconds) to a new assessment
/// and checks every earlier day against what it showed when it was current.
async fn appends_keep_history(
    s: &Store,
    org: &str,
    user: &str,
    catalog: &str,
    ops: &[(usize, usize, i64)],
) {
    let id = new_assessment(s, org, user, catalog).await;
    let mut model: BTreeMap<String, String> = BTreeMap::new();
    let mut snapshots = Vec::new();
    let mut t = 100;
    assert!(as_of(s, org, &id, t).await.is_empty());
    for (i, (req, outcome, gap)) in ops.iter().enumerate() {
        t += gap * 10;
        let rationale = format!("op {i}");
        record(
            s,
            &id,
            &answer(REQS[*req], OUTCOMES[*outcome], &rationale),
            user,
            t,
        )
        .await;
        model.insert(REQS[*req].to_owned(), rationale);
        let now: Vec<(String, String)> = model.clone().into_iter().collect();
        assert_eq!(as_of(s, org, &id, t).await, now, "as of the append {i}");
        snapshots.push((t, now));
    }
    for (at, then) in &snapshots {
        // The day itself and any moment before the next append read the same.
        assert_eq!(&as_of(s, org, &id, *at).await, then, "as of {at}");
        assert_eq!(&as_of(s, org, &id, at + 9).await, then, "as of {at} + 9");
    }
}

async fn revisions_never_change_history(db: &TestDb) {
    let s = db.store.clone();
    let org = add_org(
        &s,
        institution("P", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let user = add_user(&s, &org, "p-staff", Role::Staff).await;
    let catalog = builtin(&s).await;
    let ops = prop::collection::vec((0..REQS.len(), 0..OUTCOMES.len(), 1i64..4), 1..12);
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    tokio::task::block_in_place(|| {
        runner
            .run(&ops, |ops| {
                handle.block_on(appends_keep_history(&s, &org, &user, &catalog, &ops));
                Ok(())
            })
            .unwrap();
    });
}
both!(history_props, super::revisions_never_change_history);

/// Reading many assessments at once gives each one's results exactly as reading it alone,
/// within the same scope.
async fn many_at_once_equals_one_by_one(db: &TestDb) {
    let s = db.store.clone();
    let org = add_org(
        &s,
        institution("M", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let other = add_org(
        &s,
        institution("N", BusinessType::ShinkinBank, Region::Kanto),
    )
    .await;
    let user = add_user(&s, &org, "m-staff", Role::Staff).await;
    let user_n = add_user(&s, &other, "n-staff", Role::Staff).await;
    let catalog = builtin(&s).await;
    let mut ids = Vec::new();
    for k in 0..3i64 {
        let id = new_assessment(&s, &org, &user, &catalog).await;
        for (i, req) in REQS.iter().enumerate() {
            let at = 100 + k * 10 + i64::try_from(i).unwrap();
            record(
                &s,
                &id,
                &answer(req, OUTCOMES[i], &format!("{k} first")),
                &user,
                at,
            )
            .await;
            record(
                &s,
                &id,
                &answer(req, OUTCOMES[2 - i], &format!("{k} second")),
                &user,
                at + 50,
            )
            .await;
        }
        ids.push(id);
    }
    let theirs = new_assessment(&s, &other, &user_n, &catalog).await;
    record(
        &s,
        &theirs,
        &answer(REQS[0], Outcome::Met, "not yours"),
        &user_n,
        100,
    )
    .await;
    ids.push(theirs);
    let mut c = s.read().await.unwrap();
    for at in [99, 120, 160, i64::MAX] {
        let many = assessments::results_as_of_many(&mut c, &own(&org), &ids, at)
            .await
            .unwrap();
        let mut one_by_one = Vec::new();
        for id in &ids {
            one_by_one.extend(
                assessments::results_as_of(&mut c, &own(&org), id, at)
                    .await
                    .unwrap(),
            );
        }
        let key = |r: &assessments::Revision| {
            (
                r.assessment_id.clone(),
                r.requirement_id.clone(),
                r.answer.rationale.clone(),
            )
        };
        let mut want: Vec<_> = one_by_one.iter().map(key).collect();
        want.sort();
        assert_eq!(many.iter().map(key).collect::<Vec<_>>(), want, "as of {at}");
        assert!(many.iter().all(|r| r.answer.rationale != "not yours"));
    }
}
both!(many_at_once, super::many_at_once_equals_one_by_one);
