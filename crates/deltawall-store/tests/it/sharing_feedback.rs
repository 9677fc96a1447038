//! Feedback storage: rows per target, replaced by newer versions of the feedback object,
//! read with the stored version they came from (a deleted version stops counting), and
//! covered by backups.

use crate::fixtures::{add_org, institution};
use crate::sharing::{grant, object, root_and_collection};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_store::sharing;
use deltawall_store::sharing_feedback::{self, NewFeedback};
use deltawall_store::testing::TestDb;

fn fb(stix_id: &str, target: &str, version_us: i64, date_added: i64, org: &str) -> NewFeedback {
    NewFeedback {
        stix_id: stix_id.to_owned(),
        target_id: target.to_owned(),
        version_us,
        date_added,
        kind: "sighting".into(),
        count: version_us,
        false_positive: false,
        opinion: None,
        seen_at: Some(5),
        named: false,
        reporter_org: org.to_owned(),
    }
}

async fn feedback_follows_the_newest_version(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let coll = root_and_collection(s, &[grant(&a, true, true)]).await;
    let mut tx = s.write().await.unwrap();
    let mut added = Vec::new();
    for n in 0..3 {
        added.push(
            sharing::insert_object(&mut tx, &coll, &object(n, &a), 7)
                .await
                .unwrap(),
        );
    }
    // Version 2 of sighting s1 about t1; then version 1 arrives late and changes nothing.
    sharing_feedback::put(&mut tx, &coll, &[fb("s1", "t1", 2, added[0], &a)])
        .await
        .unwrap();
    sharing_feedback::put(&mut tx, &coll, &[fb("s1", "t1", 1, added[1], &a)])
        .await
        .unwrap();
    // An opinion about two targets.
    let mut o = fb("o1", "t1", 3, added[2], &a);
    o.kind = "opinion".into();
    o.opinion = Some("agree".into());
    o.named = true;
    let mut o2 = o.clone();
    o2.target_id = "t2".into();
    sharing_feedback::put(&mut tx, &coll, &[o.clone(), o2])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut c = s.read().await.unwrap();
    let rows = sharing_feedback::about(&mut c, &coll, &["t1".into()])
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].feedback, fb("s1", "t1", 2, added[0], &a));
    assert_eq!(rows[0].object.date_added, added[0]);
    assert_eq!(rows[0].object.json, "{\"n\":0}");
    assert_eq!(rows[1].feedback, o);
    assert_eq!(
        sharing_feedback::about(&mut c, &coll, &["t2".into(), "t3".into()])
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        sharing_feedback::about(&mut c, &coll, &[])
            .await
            .unwrap()
            .is_empty()
    );
    drop(c);

    // A newer version replaces the row; deleting that stored version drops it.
    let mut tx = s.write().await.unwrap();
    sharing_feedback::put(&mut tx, &coll, &[fb("s1", "t1", 4, added[1], &a)])
        .await
        .unwrap();
    sharing::delete_rows(&mut tx, &coll, &[added[2]])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let rows = sharing_feedback::about(&mut c, &coll, &["t1".into(), "t2".into()])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].feedback.count, 4);
    drop(c);

    let doc = deltawall_store::backup::export(s).await.unwrap();
    assert_eq!(doc["tables"]["taxii_feedback"].as_array().unwrap().len(), 3);
    let target = db.sibling().await.unwrap();
    deltawall_store::backup::restore(&target.store, &doc)
        .await
        .unwrap();
    assert_eq!(
        deltawall_store::backup::export(&target.store)
            .await
            .unwrap(),
        doc
    );
    target.finish().await;
}
both!(newest_version, super::feedback_follows_the_newest_version);
