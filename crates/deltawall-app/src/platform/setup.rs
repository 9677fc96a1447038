//! First-run bootstrap of the first supervisor administrator, without any default password.
//!
//! While the database has no user, the server creates a one-time setup secret, stores only
//! its hash, and prints a link containing it to its own console. Whoever can read the
//! console of the server opens the link, names the supervisor and chooses the
//! administrator's login and password. The secret is then deleted.

use crate::error::ServiceError;
use crate::platform::auth::{password, secret};
use crate::{SResult, record};
use deltawall_domain::OrgKind;
use deltawall_domain::role::Role;
use deltawall_domain::validate;
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::users::{self, NewUser};
use deltawall_store::{Store, settings};
use serde_json::json;

/// The setting that holds the setup secret's hash.
const SETUP_KEY: &str = "setup_token_sha256";

/// Whether the instance still needs its first administrator.
pub async fn needed(store: &Store) -> SResult<bool> {
    let mut conn = store.read().await?;
    Ok(users::count(&mut conn).await? == 0)
}

/// Creates a fresh setup secret when no user exists yet; returns it (to print) or `None`.
pub async fn issue_token(store: &Store) -> SResult<Option<String>> {
    let mut tx = store.write().await?;
    if users::count(&mut tx).await? > 0 {
        return Ok(None);
    }
    let token = secret::random_token(24);
    settings::put(&mut tx, SETUP_KEY, &secret::sha256_hex(&token)).await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// Whether `token` is the stored setup secret (compared in constant time).
fn token_matches(stored: Option<String>, token: &str) -> bool {
    let presented = secret::sha256_hex(token);
    stored.is_some_and(|s| subtle::ConstantTimeEq::ct_eq(s.as_bytes(), presented.as_bytes()).into())
}

/// What the setup form asks.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SetupInput {
    /// The one-time secret from the console.
    pub token: String,
    /// Supervisor name in Japanese (e.g. 金融庁).
    pub org_name_ja: String,
    /// Supervisor name in English.
    pub org_name_en: String,
    /// Administrator login.
    pub login: String,
    /// Administrator display name.
    pub display_name: String,
    /// Password.
    pub password: String,
}

/// Creates the national supervisor and its first administrator, once.
pub async fn complete(store: &Store, input: &SetupInput, ip: Option<&str>) -> SResult<String> {
    validate::display_name("org_name_ja", &input.org_name_ja)?;
    validate::display_name("org_name_en", &input.org_name_en)?;
    validate::login(&input.login)?;
    validate::display_name("display_name", &input.display_name)?;
    validate::password(&input.password, &input.login)?;
    // The secret first, before any hashing: a post without it costs nothing, and once
    // setup is done (the secret deleted) every post is refused at once.
    let mut conn = store.read().await?;
    let valid = token_matches(settings::get(&mut conn, SETUP_KEY).await?, &input.token);
    let done = users::count(&mut conn).await? > 0;
    drop(conn);
    if !valid || done {
        return Err(ServiceError::NotFound("setup"));
    }
    let hash = password::hash(input.password.clone())
        .await
        .map_err(ServiceError::from_hash)?;
    let mut tx = store.write().await?;
    let stored = settings::get(&mut tx, SETUP_KEY).await?;
    if !token_matches(stored, &input.token) || users::count(&mut tx).await? > 0 {
        return Err(ServiceError::NotFound("setup"));
    }
    let org = NewOrg {
        name_ja: input.org_name_ja.trim().to_owned(),
        name_en: input.org_name_en.trim().to_owned(),
        kind: OrgKind::Supervisor,
        business_type: None,
        region: None,
        parent_id: None,
    };
    let org_id = orgs::create(&mut tx, &org).await?;
    let user = NewUser {
        org_id: org_id.clone(),
        login: input.login.clone(),
        display_name: input.display_name.trim().to_owned(),
        email: None,
        role: Role::Admin,
        password_hash: hash,
        lang: None,
    };
    let user_id = users::create(&mut tx, &user).await?;
    settings::delete(&mut tx, SETUP_KEY).await?;
    let summary = json!({"organisation": org.name_en, "login": input.login});
    record(
        &mut tx,
        Some(&user_id),
        Some(&org_id),
        "setup.complete",
        ("organisation", Some(&org_id)),
        summary,
        ip,
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}
