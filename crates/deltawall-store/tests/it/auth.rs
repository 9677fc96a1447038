//! Users, sessions, API tokens and login attempts.

use crate::fixtures::{add_org, add_user, institution};
use deltawall_domain::OrgScope;
use deltawall_domain::access::TokenScope;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::role::Role;
use deltawall_store::testing::TestDb;
use deltawall_store::tokens::NewToken;
use deltawall_store::users::{self, NewUser};
use deltawall_store::{Page, StoreError, sessions, throttle, tokens};

async fn user_lifecycle(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        s,
        institution("B", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let alice = add_user(s, &a, "alice", Role::Admin).await;
    add_user(s, &b, "bob", Role::Staff).await;

    let mut tx = s.write().await.unwrap();
    let dup = NewUser {
        org_id: b.clone(),
        login: "alice".into(),
        display_name: "x".into(),
        email: None,
        role: Role::Staff,
        password_hash: "h".into(),
        lang: None,
    };
    assert!(matches!(
        users::create(&mut tx, &dup).await,
        Err(StoreError::Conflict("login name"))
    ));
    drop(tx);

    let mut c = s.read().await.unwrap();
    let listed = users::list_by_org(&mut c, &OrgScope::Own(a.clone()), &a, Page::default())
        .await
        .unwrap();
    assert_eq!(
        listed
            .items
            .iter()
            .map(|u| u.login.as_str())
            .collect::<Vec<_>>(),
        ["alice"]
    );
    let foreign = users::list_by_org(&mut c, &OrgScope::Own(a.clone()), &b, Page::default())
        .await
        .unwrap();
    assert!(foreign.items.is_empty());
    assert!(matches!(
        users::get(&mut c, &OrgScope::Own(b.clone()), &alice).await,
        Err(StoreError::NotFound(_))
    ));

    let mut tx = s.write().await.unwrap();
    users::record_failure(&mut tx, &alice, 5, Some(999))
        .await
        .unwrap();
    users::set_role(&mut tx, &alice, Role::Auditor)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let cred = users::credentials_by_login(&mut c, "alice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (cred.failed_logins, cred.locked_until, cred.user.role),
        (5, Some(999), Role::Auditor)
    );
    let mut tx = s.write().await.unwrap();
    users::record_success(&mut tx, &alice, 1234).await.unwrap();
    users::set_totp_secret(&mut tx, &alice, Some("JBSWY3DPEHPK3PXP"))
        .await
        .unwrap();
    users::enable_totp(&mut tx, &alice).await.unwrap();
    tx.commit().await.unwrap();
    let cred = users::credentials_by_id(&mut c, &alice)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            cred.failed_logins,
            cred.locked_until,
            cred.user.last_login_at
        ),
        (0, None, Some(1234))
    );
    assert!(cred.user.totp_enabled);
    assert!(
        users::credentials_by_login(&mut c, "nobody")
            .await
            .unwrap()
            .is_none()
    );
}
both!(users_and_credentials, super::user_lifecycle);

async fn session_lifecycle(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let alice = add_user(s, &a, "alice", Role::Admin).await;
    let mut tx = s.write().await.unwrap();
    sessions::create(&mut tx, "h1", &alice, true, 100, 200)
        .await
        .unwrap();
    sessions::create(&mut tx, "h2", &alice, false, 100, 200)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    assert!(
        sessions::get(&mut c, "h1", 150)
            .await
            .unwrap()
            .unwrap()
            .mfa_pending
    );
    assert!(
        sessions::get(&mut c, "h1", 200).await.unwrap().is_none(),
        "expired at expires_at"
    );
    sessions::touch(&mut c, "h2", 190, 300).await.unwrap();
    assert!(sessions::get(&mut c, "h2", 250).await.unwrap().is_some());
    assert_eq!(sessions::delete_for_user(&mut c, &alice).await.unwrap(), 2);
    assert!(sessions::get(&mut c, "h2", 250).await.unwrap().is_none());
}
both!(sessions_expire_and_end, super::session_lifecycle);

/// A request's session, user and organisation come from one statement that reads exactly
/// what `users::get` and `orgs::get_unscoped` read, and finds nothing for a session that
/// has expired or ended.
async fn session_resolves_in_one_read(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let alice = add_user(s, &a, "alice", Role::Admin).await;
    let mut tx = s.write().await.unwrap();
    sessions::create(&mut tx, "h1", &alice, true, 100, 200)
        .await
        .unwrap();
    users::set_active(&mut tx, &alice, false).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let got = sessions::resolve(&mut c, "h1", 150).await.unwrap().unwrap();
    assert_eq!(
        got.session,
        sessions::get(&mut c, "h1", 150).await.unwrap().unwrap()
    );
    assert_eq!(
        got.user,
        users::get(&mut c, &OrgScope::All, &alice).await.unwrap()
    );
    assert!(!got.user.active, "the caller decides on an inactive user");
    assert_eq!(
        got.org,
        deltawall_store::orgs::get_unscoped(&mut c, &a)
            .await
            .unwrap()
    );
    assert!(
        sessions::resolve(&mut c, "h1", 200)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        sessions::resolve(&mut c, "h9", 150)
            .await
            .unwrap()
            .is_none()
    );
    sessions::delete(&mut c, "h1").await.unwrap();
    assert!(
        sessions::resolve(&mut c, "h1", 150)
            .await
            .unwrap()
            .is_none()
    );
}
both!(
    sessions_resolve_in_one_read,
    super::session_resolves_in_one_read
);

async fn token_lifecycle(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        s,
        institution("B", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let alice = add_user(s, &a, "alice", Role::Admin).await;
    let mut tx = s.write().await.unwrap();
    let new = NewToken {
        org_id: a.clone(),
        user_id: alice.clone(),
        name: "siem".into(),
        token_hash: "th".into(),
        prefix: "dw_abcd".into(),
        scope: TokenScope::Read,
        created_at: 10,
        expires_at: 100,
    };
    let id = tokens::create(&mut tx, &new).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    let used = tokens::use_token(&mut c, "th", 50).await.unwrap().unwrap();
    assert_eq!(
        (used.scope, used.org_id.as_str()),
        (TokenScope::Read, a.as_str())
    );
    assert!(
        tokens::use_token(&mut c, "th", 100)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(
        tokens::use_token(&mut c, "other", 50)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        tokens::revoke(&mut c, &OrgScope::Own(b), &id, 60).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        tokens::list(&mut c, &OrgScope::Own(a.clone()), &a)
            .await
            .unwrap()[0]
            .last_used_at,
        Some(50)
    );
    tokens::revoke(&mut c, &OrgScope::Own(a.clone()), &id, 60)
        .await
        .unwrap();
    assert!(
        tokens::use_token(&mut c, "th", 70).await.unwrap().is_none(),
        "revoked"
    );
}
both!(tokens_expire_and_revoke, super::token_lifecycle);

async fn attempts_by_address(db: &TestDb) {
    let mut c = db.store.read().await.unwrap();
    for i in 0..5 {
        throttle::record(&mut c, "192.0.2.1", &format!("user{i}"), false, 100 + i)
            .await
            .unwrap();
    }
    throttle::record(&mut c, "192.0.2.1", "user9", true, 110)
        .await
        .unwrap();
    throttle::record(&mut c, "192.0.2.2", "user1", false, 110)
        .await
        .unwrap();
    assert_eq!(
        throttle::failures_since(&mut c, "192.0.2.1", 0)
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        throttle::failures_since(&mut c, "192.0.2.1", 103)
            .await
            .unwrap(),
        2
    );
    assert_eq!(throttle::purge(&mut c, 105).await.unwrap(), 5);
}
both!(login_attempts, super::attempts_by_address);
