//! Job leases: a job is claimed once per due time, by one replica, on both databases.

use deltawall_store::jobs::{self, Claim, Outcome, Schedule};
use deltawall_store::{Store, testing::TestDb};

const SECOND: i64 = 1_000_000;
const EVERY_MINUTE: Schedule = Schedule {
    interval_us: 60 * SECOND,
    lease_us: 600 * SECOND,
};
const T0: i64 = 1_800_000_000 * SECOND;

async fn claim(store: &Store, replica: &str, now: i64) -> Option<Claim> {
    jobs::claim(store, "sweep", replica, now, EVERY_MINUTE)
        .await
        .unwrap()
}

async fn done(store: &Store, c: &Claim, now: i64) {
    jobs::finish(store, c, now, &Outcome::Ok("swept 3".into()))
        .await
        .unwrap();
}

/// `(replica, at, expected due time served or None)`, run in order; every claim is
/// finished at once, so only due times matter here.
async fn sequence(db: &TestDb) {
    let s = &db.store;
    let steps: &[(&str, i64, Option<i64>)] = &[
        ("a", T0, Some(T0)),                             // never seen: due at once
        ("b", T0, None),                                 // same due time: already served
        ("b", T0 + 59 * SECOND, None),                   // not due yet
        ("b", T0 + 60 * SECOND, Some(T0 + 60 * SECOND)), // the next point of the grid
        ("a", T0 + 61 * SECOND, None),
        ("a", T0 + 330 * SECOND, Some(T0 + 120 * SECOND)), // late: served once, not 4 times
        ("b", T0 + 331 * SECOND, None),
        ("b", T0 + 360 * SECOND, Some(T0 + 360 * SECOND)), // back on the grid
    ];
    for (i, &(replica, at, expected)) in steps.iter().enumerate() {
        let got = claim(s, replica, at).await;
        assert_eq!(got.as_ref().map(|c| c.due_at), expected, "step {i}");
        if let Some(c) = got {
            done(s, &c, at + 1).await;
        }
    }
    let mut conn = s.read().await.unwrap();
    let runs = jobs::runs(&mut conn, "sweep").await.unwrap();
    let served: Vec<(i64, &str)> = runs
        .iter()
        .map(|r| (r.due_at, r.replica.as_str()))
        .collect();
    assert_eq!(
        served,
        [
            (T0, "a"),
            (T0 + 60 * SECOND, "b"),
            (T0 + 120 * SECOND, "a"),
            (T0 + 360 * SECOND, "b")
        ]
    );
    assert!(runs.iter().all(|r| r.outcome.as_deref() == Some("ok")
        && r.detail.as_deref() == Some("swept 3")
        && r.finished_at == Some(r.started_at + 1)));
    assert!(jobs::runs(&mut conn, "other").await.unwrap().is_empty());
}
both!(claims_follow_the_grid, super::sequence);

/// A run that never finishes keeps the job until its lease expires; a failure is recorded.
async fn lease(db: &TestDb) {
    let s = &db.store;
    let first = claim(s, "a", T0).await.unwrap();
    assert_eq!(
        claim(s, "b", T0 + 60 * SECOND).await,
        None,
        "lease still live"
    );
    let late = T0 + 600 * SECOND;
    let second = claim(s, "b", late).await.expect("lease expired");
    assert_eq!(second.due_at, T0 + 60 * SECOND);
    // The stale run finishing must not release the lease its successor holds.
    done(s, &first, late + 1).await;
    jobs::make_due(&mut s.read().await.unwrap(), "sweep", late + 2)
        .await
        .unwrap();
    assert_eq!(claim(s, "a", late + 2).await, None, "successor still holds");
    jobs::finish(s, &second, late + 3, &Outcome::Failed("disk full".into()))
        .await
        .unwrap();
    let third = claim(s, "a", late + 4).await.expect("forced due");
    assert_eq!(third.due_at, late + 2);
    let mut conn = s.read().await.unwrap();
    let runs = jobs::runs(&mut conn, "sweep").await.unwrap();
    let outcomes: Vec<Option<&str>> = runs.iter().map(|r| r.outcome.as_deref()).collect();
    assert_eq!(outcomes, [Some("ok"), Some("failed"), None]);
    assert_eq!(runs[1].detail.as_deref(), Some("disk full"));
    assert!(!jobs::make_due(&mut conn, "unknown", late).await.unwrap());
    // Only finished runs are purged.
    assert_eq!(jobs::purge_runs(&mut conn, late + 10).await.unwrap(), 2);
    assert_eq!(jobs::runs(&mut conn, "sweep").await.unwrap().len(), 1);
}
both!(a_lease_holds_until_it_expires, super::lease);

/// Two "replicas" (two pools on one database) race eight claims each for every due time:
/// exactly one wins each time.
async fn race(db: &TestDb) {
    let replicas = [
        Store::open(&db.url).await.unwrap(),
        Store::open(&db.url).await.unwrap(),
    ];
    for round in 0..5 {
        let now = T0 + round * 60 * SECOND;
        let mut tasks = Vec::new();
        for (r, store) in replicas.iter().enumerate() {
            for k in 0..8 {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    let name = format!("replica-{r}-{k}");
                    let c = claim(&store, &name, now).await;
                    if let Some(c) = &c {
                        done(&store, c, now).await;
                    }
                    c.is_some()
                }));
            }
        }
        let mut won = 0;
        for t in tasks {
            won += usize::from(t.await.unwrap());
        }
        assert_eq!(won, 1, "round {round}");
    }
    let mut conn = db.store.read().await.unwrap();
    let runs = jobs::runs(&mut conn, "sweep").await.unwrap();
    let due: Vec<i64> = runs.iter().map(|r| r.due_at).collect();
    assert_eq!(
        due,
        (0..5).map(|r| T0 + r * 60 * SECOND).collect::<Vec<_>>()
    );
    drop(conn);
    for r in replicas {
        r.close().await;
    }
}
both!(racing_replicas_claim_once, super::race);
