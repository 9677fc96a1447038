//! Small configuration lists paged with the same cursor as every other list (issue 19): an
//! organisation's API tokens, the catalog editions and the mapping sets an organisation may
//! see. Walked one and two rows a page on both databases: every row once, in the unpaged
//! list's order, rows created in the same microsecond told apart by id, another
//! organisation's rows never shown.

use crate::fixtures::add_user;
use crate::paging_lists::walk;
use crate::paging_reach::two_banks;
use deltawall_domain::OrgScope;
use deltawall_domain::access::TokenScope;
use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::crosswalk::{Entry, Relationship};
use deltawall_domain::role::Role;
use deltawall_store::assessments;
use deltawall_store::keyset::Cursor;
use deltawall_store::mappings::{self, NewMappingSet};
use deltawall_store::testing::TestDb;
use deltawall_store::tokens::{self, NewToken};

async fn tokens_page_in_order(db: &TestDb) {
    let (a, b) = two_banks(db).await;
    let ua = add_user(&db.store, &a, "a-admin", Role::Admin).await;
    let ub = add_user(&db.store, &b, "b-admin", Role::Admin).await;
    let mut tx = db.store.write().await.unwrap();
    // Three of A's tokens issued in the same microsecond.
    for (n, (org, user, at)) in [
        (&a, &ua, 10),
        (&a, &ua, 30),
        (&a, &ua, 30),
        (&a, &ua, 30),
        (&a, &ua, 20),
        (&b, &ub, 40),
    ]
    .into_iter()
    .enumerate()
    {
        let t = NewToken {
            org_id: org.clone(),
            user_id: user.clone(),
            name: format!("token {n}"),
            token_hash: format!("{n:064}"),
            prefix: format!("dw{n}"),
            scope: TokenScope::Read,
            created_at: at,
            expires_at: at + 1_000_000,
        };
        tokens::create(&mut tx, &t).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let own = OrgScope::Own(a.clone());
    let whole: Vec<String> = tokens::list(&mut c, &own, &a)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(whole.len(), 5);
    for limit in [1, 2] {
        let seen = walk(
            2,
            limit,
            async |after, limit| {
                tokens::page(&mut c, &own, &a, after.as_ref(), limit)
                    .await
                    .unwrap()
            },
            |t: &tokens::ApiToken| t.id.clone(),
        )
        .await;
        assert_eq!(seen, whole, "{limit} a page");
        // A scope that does not reach A reads none of its tokens, on no page.
        let theirs = OrgScope::Own(b.clone());
        let none = walk(
            2,
            limit,
            async |after, limit| {
                tokens::page(&mut c, &theirs, &a, after.as_ref(), limit)
                    .await
                    .unwrap()
            },
            |t: &tokens::ApiToken| t.id.clone(),
        )
        .await;
        assert!(none.is_empty(), "{none:?}");
    }
}

fn entry(from: &str, to: &str) -> Entry {
    Entry {
        from: from.into(),
        to: to.into(),
        relationship: Relationship::Equal,
        strength: 8,
        rationale: "same duty".into(),
    }
}

async fn catalogs_and_sets_page_in_order(db: &TestDb) {
    let (a, b) = two_banks(db).await;
    let user = add_user(&db.store, &a, "a-admin", Role::Admin).await;
    let doc = fsa_2020_viewpoints().unwrap();
    let mut tx = db.store.write().await.unwrap();
    let (builtin, _) = assessments::insert_catalog(&mut tx, &doc, None, 1)
        .await
        .unwrap();
    // Four editions of A's own, two imported in the same microsecond.
    let mut own = Vec::new();
    for (n, at) in [(0, 5), (1, 3), (2, 3), (3, 9)] {
        let mut imported = doc.clone();
        imported.id = format!("imported-by-a-{n}");
        let (id, _) = assessments::insert_catalog(&mut tx, &imported, Some(&user), at)
            .await
            .unwrap();
        mappings::grant_catalog(&mut tx, &id, &a, at).await.unwrap();
        own.push(id);
    }
    // Five sets of A's, three stored in the same microsecond, and one of B's.
    for (n, (owner, at)) in [(&a, 10), (&a, 30), (&a, 30), (&a, 30), (&a, 20), (&b, 40)]
        .into_iter()
        .enumerate()
    {
        let entries = [entry("FSA-BE1-01", "FSA-BE1-01")];
        let new = NewMappingSet {
            title: format!("set {n}"),
            from_catalog: builtin.clone(),
            to_catalog: own[0].clone(),
            provenance: "test".into(),
            fingerprint: format!("fingerprint {n}"),
            owner_org: Some(owner.clone()),
            imported_by: Some(user.clone()),
        };
        mappings::insert_set(&mut tx, &new, &entries, at)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    for (org, count) in [(&a, 5), (&b, 1)] {
        let whole: Vec<String> = mappings::visible_catalogs(&mut c, org)
            .await
            .unwrap()
            .into_iter()
            .map(|(c, _)| c.id)
            .collect();
        assert_eq!(whole.len(), count, "{org}");
        let sets: Vec<String> = mappings::list_sets(&mut c, org)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(sets.len(), count, "{org}");
        for limit in [1, 2] {
            let seen = walk(
                2,
                limit,
                async |after, limit| {
                    mappings::page_visible_catalogs(&mut c, org, after.as_ref(), limit)
                        .await
                        .unwrap()
                },
                |(c, _): &(assessments::StoredCatalog, bool)| c.id.clone(),
            )
            .await;
            assert_eq!(seen, whole, "catalogs of {org} at {limit} a page");
            let seen = walk(
                2,
                limit,
                async |after, limit| {
                    mappings::page_sets(&mut c, org, after.as_ref(), limit)
                        .await
                        .unwrap()
                },
                |s: &mappings::MappingSet| s.id.clone(),
            )
            .await;
            assert_eq!(seen, sets, "sets of {org} at {limit} a page");
        }
    }
}

/// The sharing home's trust groups page by root: only open roots where the caller may read
/// or add to some collection (its own grant or its kind's), each once.
async fn granted_roots_page_in_order(db: &TestDb) {
    use crate::sharing::grant;
    use deltawall_domain::OrgKind;
    use deltawall_store::scope::grantee_clause;
    use deltawall_store::sharing::{self, ApiRoot};
    let (a, b) = two_banks(db).await;
    let mut tx = db.store.write().await.unwrap();
    let kinds = "kind:institution".to_owned();
    for (id, grantee, read, write) in [
        ("r1", &a, true, false),
        ("r2", &kinds, true, true),
        ("r3", &a, false, true),
        ("r4", &b, true, true),
        ("r5", &a, false, false),
        ("r6", &a, true, false),
        ("r7", &kinds, false, true),
        ("r8", &a, true, true),
    ] {
        let root = ApiRoot {
            id: id.into(),
            title: id.into(),
            description: None,
            kind: "isac".into(),
            created_at: 1,
            closed_at: None,
        };
        sharing::create_root(&mut tx, &root).await.unwrap();
        let grants = [grant(grantee, read, write)];
        sharing::create_collection(&mut tx, id, "c", None, None, &grants, 1)
            .await
            .unwrap();
    }
    sharing::close_root(&mut tx, "r8", 2).await.unwrap();
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    for (org, expected) in [
        (&a, &["r1", "r2", "r3", "r6", "r7"][..]),
        (&b, &["r2", "r4", "r7"][..]),
    ] {
        let grantees = grantee_clause(org, OrgKind::Institution, 1);
        // The roots the unpaged home read: open, with a collection the caller reaches.
        let mut whole = Vec::new();
        for root in sharing::open_roots(&mut c).await.unwrap() {
            if !sharing::collections(&mut c, &root.id, &grantees)
                .await
                .unwrap()
                .is_empty()
            {
                whole.push(root.id);
            }
        }
        assert_eq!(whole, expected, "{org}");
        for limit in [1, 2] {
            let mut after = None;
            let mut seen = Vec::new();
            loop {
                let p = sharing::page_granted_roots(&mut c, &grantees, after.as_ref(), limit)
                    .await
                    .unwrap();
                assert!(p.items.len() as i64 <= limit);
                seen.extend(p.items.into_iter().map(|r| r.id));
                match p.next {
                    Some(n) => after = Some(Cursor::decode(&n, 1).unwrap()),
                    None => break,
                }
            }
            assert_eq!(seen, whole, "{org} at {limit} a page");
        }
    }
}

both!(granted_roots_in_order, super::granted_roots_page_in_order);
both!(tokens_in_order, super::tokens_page_in_order);
both!(
    catalogs_and_sets_in_order,
    super::catalogs_and_sets_page_in_order
);
