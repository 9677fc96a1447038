//! Organisations, scoping and time-bound attributes.

use crate::fixtures::{add_org, institution, supervisor};
use deltawall_domain::OrgScope;
use deltawall_domain::org::{AttributeKind, BusinessType, Region};
use deltawall_store::orgs::{self, OrgFilter};
use deltawall_store::testing::TestDb;
use deltawall_store::{Page, StoreError};

async fn scoping(db: &TestDb) {
    let s = &db.store;
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let kinki = add_org(s, supervisor("Kinki bureau", Some(Region::Kinki))).await;
    let a = add_org(
        s,
        institution("Bank A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let b = add_org(
        s,
        institution("Bank B", BusinessType::ShinkinBank, Region::Kanto),
    )
    .await;
    let mut c = s.read().await.unwrap();

    let ids = |p: &deltawall_store::Paged<deltawall_store::records::Organisation>| {
        let mut v: Vec<String> = p.items.iter().map(|o| o.id.clone()).collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let all = orgs::list(
        &mut c,
        &OrgScope::All,
        &OrgFilter::default(),
        Page::default(),
    )
    .await
    .unwrap();
    assert_eq!(all.total, 4);
    let own = orgs::list(
        &mut c,
        &OrgScope::Own(a.clone()),
        &OrgFilter::default(),
        Page::default(),
    )
    .await
    .unwrap();
    assert_eq!(ids(&own), vec![a.clone()]);
    let region = OrgScope::Region {
        own: kinki.clone(),
        region: Region::Kinki,
    };
    let reg = orgs::list(&mut c, &region, &OrgFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(ids(&reg), sorted(vec![kinki.clone(), a.clone()]));

    // Out-of-scope reads look exactly like missing records.
    assert!(matches!(
        orgs::get(&mut c, &OrgScope::Own(a.clone()), &b).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        orgs::get(&mut c, &region, &fsa).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        orgs::get(&mut c, &region, &a).await.unwrap().name_en,
        "Bank A"
    );

    let shinkin = OrgFilter {
        business_type: Some(BusinessType::ShinkinBank),
        ..Default::default()
    };
    assert_eq!(
        ids(
            &orgs::list(&mut c, &OrgScope::All, &shinkin, Page::default())
                .await
                .unwrap()
        ),
        vec![b.clone()]
    );
    let text = OrgFilter {
        text: Some("bank b".into()),
        ..Default::default()
    };
    assert_eq!(
        ids(&orgs::list(&mut c, &OrgScope::All, &text, Page::default())
            .await
            .unwrap()),
        vec![b.clone()]
    );
    let wildcard = OrgFilter {
        text: Some("%".into()),
        ..Default::default()
    };
    assert_eq!(
        orgs::list(&mut c, &OrgScope::All, &wildcard, Page::default())
            .await
            .unwrap()
            .total,
        0
    );

    let page = orgs::list(
        &mut c,
        &OrgScope::All,
        &OrgFilter::default(),
        Page::new(1, 2),
    )
    .await
    .unwrap();
    assert_eq!((page.items.len(), page.total), (2, 4));
}
both!(scoped_listing, super::scoping);

async fn attribute_history(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("Bank A", BusinessType::RegionalBank, Region::Tokai),
    )
    .await;
    let mut tx = s.write().await.unwrap();
    orgs::set_attribute(&mut tx, &a, AttributeKind::SizeBand, "small", 100, None)
        .await
        .unwrap();
    orgs::set_attribute(&mut tx, &a, AttributeKind::SizeBand, "medium", 200, None)
        .await
        .unwrap();
    orgs::set_attribute(
        &mut tx,
        &a,
        AttributeKind::SystemicImportance,
        "none",
        100,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let h = orgs::attributes(&mut c, &a).await.unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(orgs::attribute_at(&h, AttributeKind::SizeBand, 50), None);
    assert_eq!(
        orgs::attribute_at(&h, AttributeKind::SizeBand, 150),
        Some("small")
    );
    assert_eq!(
        orgs::attribute_at(&h, AttributeKind::SizeBand, 200),
        Some("medium")
    );
    assert_eq!(
        orgs::attribute_at(&h, AttributeKind::SystemicImportance, 10_000),
        Some("none")
    );
}
both!(attributes, super::attribute_history);

/// Organisations page by cursor in their listing's order: at every page size each row
/// within the scope and filter comes once, and a cursor whose values have the wrong types
/// (a forged one, or one of another list) is refused before it reaches the database.
async fn cursor_paging(db: &TestDb) {
    use deltawall_store::keyset::{Cursor, Key};
    let s = &db.store;
    let kinki = add_org(s, supervisor("Kinki bureau", Some(Region::Kinki))).await;
    for (i, region) in [Region::Kinki, Region::Kanto]
        .into_iter()
        .cycle()
        .take(7)
        .enumerate()
    {
        // Two banks share a name, so the id breaks the tie.
        let name = format!("Bank {}", i.min(5));
        add_org(s, institution(&name, BusinessType::RegionalBank, region)).await;
    }
    let mut c = s.read().await.unwrap();
    let filter = OrgFilter {
        business_type: Some(BusinessType::RegionalBank),
        ..OrgFilter::default()
    };
    let region = OrgScope::Region {
        own: kinki.clone(),
        region: Region::Kinki,
    };
    for (scope, expected) in [(OrgScope::All, 7), (region, 4)] {
        let whole = orgs::list(&mut c, &scope, &filter, Page::new(0, 500))
            .await
            .unwrap();
        let whole: Vec<String> = whole.items.into_iter().map(|o| o.id).collect();
        assert_eq!(whole.len(), expected);
        for limit in [1, 2, 3, 7, 100] {
            let (mut seen, mut after) = (Vec::new(), None);
            loop {
                let page = orgs::page(&mut c, &scope, &filter, after.as_ref(), limit)
                    .await
                    .unwrap();
                assert!(page.items.len() as i64 <= limit);
                seen.extend(page.items.into_iter().map(|o| o.id));
                match page.next {
                    Some(n) => after = Some(Cursor::decode(&n, 3).unwrap()),
                    None => break,
                }
            }
            assert_eq!(seen, whole, "limit {limit}: every row once, in order");
        }
    }
    let forged = [
        vec![Key::Int(1), Key::Text("b".into()), Key::Text("c".into())],
        vec![Key::Text("a".into()), Key::Text("b".into()), Key::Int(3)],
    ];
    for keys in forged {
        let err = orgs::page(&mut c, &OrgScope::All, &filter, Some(&Cursor(keys)), 2)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::BadCursor(_)), "{err}");
    }
}

both!(paging_by_cursor, super::cursor_paging);
