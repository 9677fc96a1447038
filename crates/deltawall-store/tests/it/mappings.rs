//! Catalog audiences, mapping sets and derivation marks (migration 7): an imported edition
//! is seen only by its audience, a mapping set by its owner (or everyone when public), sets
//! and derivations never change, and a derived revision reads back with its source.

use crate::fixtures::{add_org, add_user, institution};
use deltawall_domain::OrgScope;
use deltawall_domain::access::RecordScope;
use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::crosswalk::{Entry, Relationship};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::posture::{Answer, AssessmentKind, Confidence, Outcome};
use deltawall_domain::role::Role;
use deltawall_store::assessments::{self, NewAssessment, Recording};
use deltawall_store::mappings::{self, Derivation, NewMappingSet, PUBLIC};
use deltawall_store::testing::TestDb;

fn entry(from: &str, to: &str) -> Entry {
    Entry {
        from: from.into(),
        to: to.into(),
        relationship: Relationship::Equal,
        strength: 8,
        rationale: "same duty".into(),
    }
}

async fn audiences_sets_and_derivations(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("Bank A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let b = add_org(
        s,
        institution("Bank B", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let user = add_user(s, &a, "a-staff", Role::Staff).await;
    let doc = fsa_2020_viewpoints().unwrap();
    let mut imported = doc.clone();
    imported.id = "imported-by-a".into();
    let mut c = s.write().await.unwrap();
    let (builtin, _) = assessments::insert_catalog(&mut c, &doc, None, 1)
        .await
        .unwrap();
    let (own, _) = assessments::insert_catalog(&mut c, &imported, Some(&user), 2)
        .await
        .unwrap();
    assert!(mappings::grant_catalog(&mut c, &own, &a, 3).await.unwrap());
    assert!(!mappings::grant_catalog(&mut c, &own, &a, 4).await.unwrap());
    let seen = |list: Vec<(deltawall_store::assessments::StoredCatalog, bool)>| {
        list.into_iter().map(|(c, p)| (c.id, p)).collect::<Vec<_>>()
    };
    assert_eq!(
        seen(mappings::visible_catalogs(&mut c, &a).await.unwrap()),
        [(builtin.clone(), true), (own.clone(), false)]
    );
    assert_eq!(
        seen(mappings::visible_catalogs(&mut c, &b).await.unwrap()),
        [(builtin.clone(), true)]
    );
    assert!(mappings::visible_catalog(&mut c, &b, &own).await.is_err());
    mappings::grant_catalog(&mut c, &own, PUBLIC, 5)
        .await
        .unwrap();
    assert_eq!(
        seen(mappings::visible_catalogs(&mut c, &b).await.unwrap()),
        [(builtin.clone(), true), (own.clone(), true)]
    );

    // a set owned by A: seen by A only, stored once per content
    let entries = [
        entry("FSA-BE1-01", "FSA-BE1-01"),
        entry("FSA-BE1-02", "FSA-BE1-03"),
    ];
    let new = NewMappingSet {
        title: "A's map".into(),
        from_catalog: builtin.clone(),
        to_catalog: own.clone(),
        provenance: "test".into(),
        fingerprint: deltawall_domain::crosswalk::fingerprint(&entries),
        owner_org: Some(a.clone()),
        imported_by: Some(user.clone()),
    };
    let (set, fresh) = mappings::insert_set(&mut c, &new, &entries, 6)
        .await
        .unwrap();
    assert!(fresh);
    let (again, fresh) = mappings::insert_set(&mut c, &new, &entries, 7)
        .await
        .unwrap();
    assert_eq!((again.as_str(), fresh), (set.as_str(), false));
    assert_eq!(mappings::entries(&mut c, &set).await.unwrap(), entries);
    assert_eq!(
        mappings::get_set(&mut c, &a, &set).await.unwrap().entries,
        2
    );
    assert!(mappings::get_set(&mut c, &b, &set).await.is_err());
    assert!(mappings::list_sets(&mut c, &b).await.unwrap().is_empty());
    let public = NewMappingSet {
        owner_org: None,
        ..new.clone()
    };
    let (pset, _) = mappings::insert_set(&mut c, &public, &entries, 8)
        .await
        .unwrap();
    assert_eq!(mappings::list_sets(&mut c, &b).await.unwrap()[0].id, pset);

    // a derived revision reads back with its source; the mark cannot change
    let asm = assessments::create(
        &mut c,
        &NewAssessment {
            org_id: a.clone(),
            catalog_id: own.clone(),
            kind: AssessmentKind::SelfAssessment,
            scope: "enterprise".into(),
            as_of: "2026-03-31".into(),
            cycle: 1,
            previous_id: None,
            created_by: user.clone(),
        },
        9,
    )
    .await
    .unwrap();
    let answer = Answer {
        requirement_id: "FSA-BE1-01".into(),
        outcome: Outcome::Met,
        justification: None,
        maturity: None,
        rationale: "derived".into(),
        confidence: Confidence::Low,
        evidence: vec![],
    };
    let how = Recording {
        answered_by: user.clone(),
        reviewed_by: None,
        carried: false,
        at_us: 10,
    };
    let (rid, n) = assessments::append_result_with_id(&mut c, &asm, &answer, &how)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let d = Derivation {
        mapping_set_id: set.clone(),
        source_assessment_id: asm.clone(),
        source_requirement_id: "FSA-BE1-01".into(),
        relationship: Relationship::Equal,
    };
    mappings::record_derivation(&mut c, &rid, &d).await.unwrap();
    assessments::append_result(&mut c, &asm, &answer, &Recording { at_us: 11, ..how })
        .await
        .unwrap();
    let scope = RecordScope {
        orgs: OrgScope::Own(a.clone()),
        group_parent: None,
        viewer_org: a.clone(),
    };
    let hist = assessments::history(&mut c, &scope, &asm, None)
        .await
        .unwrap();
    assert_eq!(hist[0].derived.as_ref(), Some(&d));
    assert_eq!(hist[1].derived, None);
    let now = assessments::results_as_of(&mut c, &scope, &asm, 10)
        .await
        .unwrap();
    assert_eq!(now[0].derived.as_ref(), Some(&d));
    c.commit().await.unwrap();
    for sql in [
        "UPDATE result_derivations SET relationship = 'subset'",
        "DELETE FROM result_derivations",
        "UPDATE mapping_entries SET strength = 1",
        "DELETE FROM mapping_sets",
    ] {
        // one transaction each: PostgreSQL aborts a transaction at its first error
        let mut t = s.write().await.unwrap();
        let e = sqlx::query(sql).execute(&mut *t).await.unwrap_err();
        let e = e.to_string();
        assert!(e.contains("immutable") || e.contains("append-only"), "{e}");
    }
}
both!(audiences, super::audiences_sets_and_derivations);
