//! Small builders shared by the storage tests.

use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::Store;
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::users::{self, NewUser};

pub fn institution(name: &str, bt: BusinessType, region: Region) -> NewOrg {
    NewOrg {
        name_ja: format!("{name}（日本語）"),
        name_en: name.to_owned(),
        kind: OrgKind::Institution,
        business_type: Some(bt),
        region: Some(region),
        parent_id: None,
    }
}

pub fn supervisor(name: &str, region: Option<Region>) -> NewOrg {
    NewOrg {
        name_ja: name.to_owned(),
        name_en: name.to_owned(),
        kind: OrgKind::Supervisor,
        business_type: None,
        region,
        parent_id: None,
    }
}

pub async fn add_org(store: &Store, new: NewOrg) -> String {
    let mut tx = store.write().await.unwrap();
    let id = orgs::create(&mut tx, &new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

pub async fn add_user(store: &Store, org_id: &str, login: &str, role: Role) -> String {
    let mut tx = store.write().await.unwrap();
    let id = users::create(
        &mut tx,
        &NewUser {
            org_id: org_id.to_owned(),
            login: login.to_owned(),
            display_name: login.to_owned(),
            email: None,
            role,
            password_hash: "$argon2id$not-a-real-hash".into(),
            lang: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}
