//! Signing in and out, the second factor, and resolving sessions and API tokens to actors.

use crate::error::ServiceError;
use crate::platform::auth::{password, secret, totp};
use crate::{SResult, actor_for, record};
use deltawall_domain::Actor;
use deltawall_domain::throttle::{AttemptContext, ThrottlePolicy, Verdict};
use deltawall_store::records::{User, now_us};
use deltawall_store::{Store, orgs, sessions, throttle, tokens, users};
use serde_json::json;

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Idle timeout, seconds.
    pub idle_secs: i64,
    /// Absolute lifetime, seconds.
    pub max_secs: i64,
}

/// A new session: the secret for the cookie, and whether the second factor is still due.
#[derive(Debug)]
pub struct NewSession {
    /// The session id to put in the cookie; only its hash is stored.
    pub token: String,
    /// The password was right; a TOTP code is required before the session is usable.
    pub mfa_pending: bool,
}

/// A resolved session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The actor.
    pub actor: Actor,
    /// The user.
    pub user: User,
    /// Whether the second factor is still due.
    pub mfa_pending: bool,
}

/// Signs in with a login name and password, subject to throttling per account and per
/// source address. Every attempt is audited; refused attempts do not check the password.
pub async fn login(
    store: &Store,
    policy: &ThrottlePolicy,
    sp: SessionPolicy,
    ip: &str,
    login: &str,
    pw: &str,
) -> SResult<NewSession> {
    let now = now_us();
    // Read and verify without holding a write transaction: the hash is deliberately slow,
    // and a flood of sign-ins must not hold up every other write (on SQLite, the lock is
    // database-wide).
    let (cred, verdict) = precheck(store, policy, ip, login, now).await?;
    if verdict != Verdict::Proceed {
        let tx = store.write().await?;
        return refuse(tx, cred.as_ref().map(|c| &c.user), ip, login, verdict, now).await;
    }
    // Verify against a decoy when the account does not exist, so timing reveals nothing.
    let phc = cred.as_ref().map_or_else(
        || password::decoy_hash().to_owned(),
        |c| c.password_hash.clone(),
    );
    let ok =
        password::verify(pw.to_owned(), phc).await && cred.as_ref().is_some_and(|c| c.user.active);
    let mut tx = store.write().await?;
    let Some(cred) = cred.filter(|_| ok) else {
        return fail_login(tx, policy, ip, login, now).await;
    };
    // Concurrent failures may have locked the account while the hash was being verified.
    let fresh = users::credentials_by_id(&mut tx, &cred.user.id).await?;
    if fresh
        .and_then(|c| c.locked_until)
        .is_some_and(|until| until > now)
    {
        return refuse(tx, Some(&cred.user), ip, login, Verdict::AccountLocked, now).await;
    }
    let org = orgs::get_unscoped(&mut tx, &cred.user.org_id).await?;
    if !org.active {
        return fail_login(tx, policy, ip, login, now).await;
    }
    let mfa_pending = cred.user.totp_enabled;
    let token = secret::random_token(32);
    sessions::create(
        &mut tx,
        &secret::sha256_hex(&token),
        &cred.user.id,
        mfa_pending,
        now,
        now + sp.idle_secs * 1_000_000,
    )
    .await?;
    if !mfa_pending {
        users::record_success(&mut tx, &cred.user.id, now).await?;
    }
    throttle::record(&mut tx, ip, login, true, now).await?;
    let action = if mfa_pending {
        "login.password_ok"
    } else {
        "login.success"
    };
    record(
        &mut tx,
        Some(&cred.user.id),
        Some(&cred.user.org_id),
        action,
        ("user", Some(&cred.user.id)),
        json!({"login": login}),
        Some(ip),
    )
    .await?;
    tx.commit().await?;
    Ok(NewSession { token, mfa_pending })
}

/// Reads the account and the address's recent failures, and decides whether the attempt
/// may check a password at all.
async fn precheck(
    store: &Store,
    policy: &ThrottlePolicy,
    ip: &str,
    login: &str,
    now: i64,
) -> SResult<(Option<users::Credentials>, Verdict)> {
    let mut conn = store.read().await?;
    let cred = users::credentials_by_login(&mut conn, login).await?;
    let since = now - policy.address_window_secs * 1_000_000;
    let ctx = AttemptContext {
        account_locked_until_us: cred.as_ref().and_then(|c| c.locked_until),
        address_failures_in_window: throttle::failures_since(&mut conn, ip, since).await?,
        now_us: now,
    };
    Ok((cred, policy.verdict(&ctx)))
}

/// Records and audits a refused attempt (locked account or blocked address).
async fn refuse(
    mut tx: deltawall_store::Tx,
    user: Option<&User>,
    ip: &str,
    login: &str,
    verdict: Verdict,
    now: i64,
) -> SResult<NewSession> {
    throttle::record(&mut tx, ip, login, false, now).await?;
    let (id, org) = user.map(|u| (u.id.as_str(), u.org_id.as_str())).unzip();
    let summary = json!({"login": login, "reason": verdict});
    record(
        &mut tx,
        id,
        org,
        "login.refused",
        ("user", id),
        summary,
        Some(ip),
    )
    .await?;
    tx.commit().await?;
    Err(ServiceError::Throttled)
}

/// Authenticates one HTTP Basic request (TAXII) with a login name and password, under the
/// same throttling as signing in: refused attempts do not check the password, failures
/// count towards the account lock and the address block and are audited. Successes are
/// not audited per request (a TAXII client authenticates every request). Accounts with a
/// second factor cannot use Basic; they use API tokens.
pub async fn authenticate_basic(
    store: &Store,
    policy: &ThrottlePolicy,
    ip: &str,
    login: &str,
    pw: &str,
) -> SResult<SessionInfo> {
    let now = now_us();
    let (cred, verdict) = precheck(store, policy, ip, login, now).await?;
    if verdict != Verdict::Proceed {
        let tx = store.write().await?;
        refuse(tx, cred.as_ref().map(|c| &c.user), ip, login, verdict, now).await?;
    }
    let phc = cred.as_ref().map_or_else(
        || password::decoy_hash().to_owned(),
        |c| c.password_hash.clone(),
    );
    let ok = password::verify(pw.to_owned(), phc).await
        && cred
            .as_ref()
            .is_some_and(|c| c.user.active && !c.user.totp_enabled);
    let Some(cred) = cred.filter(|_| ok) else {
        let tx = store.write().await?;
        fail_login(tx, policy, ip, login, now).await?;
        return Err(ServiceError::BadCredentials);
    };
    let mut conn = store.read().await?;
    let org = orgs::get_unscoped(&mut conn, &cred.user.org_id).await?;
    if !org.active {
        let tx = store.write().await?;
        fail_login(tx, policy, ip, login, now).await?;
        return Err(ServiceError::BadCredentials);
    }
    drop(conn);
    if cred.failed_logins > 0 {
        // A correct password ends a run of failures, as signing in does.
        let mut tx = store.write().await?;
        users::record_success(&mut tx, &cred.user.id, now).await?;
        tx.commit().await?;
    }
    Ok(SessionInfo {
        actor: actor_for(&cred.user, &org, None),
        user: cred.user,
        mfa_pending: false,
    })
}

/// Records a failed attempt: counts it on the account (locking it at the threshold) and on
/// the source address, audits it, and answers without saying whether the account exists.
async fn fail_login(
    mut tx: deltawall_store::Tx,
    policy: &ThrottlePolicy,
    ip: &str,
    login: &str,
    now: i64,
) -> SResult<NewSession> {
    let cred = users::credentials_by_login(&mut tx, login).await?;
    let mut summary = json!({"login": login});
    if let Some(c) = &cred {
        let failures = users::count_failure(&mut tx, &c.user.id).await?;
        if let Some(lock) =
            policy.lock_after_failure(u32::try_from(failures).unwrap_or(u32::MAX), now)
        {
            users::lock(&mut tx, &c.user.id, lock).await?;
            summary["locked"] = true.into();
        }
        summary["consecutive_failures"] = failures.into();
    }
    throttle::record(&mut tx, ip, login, false, now).await?;
    let (user, org) = cred
        .as_ref()
        .map(|c| (c.user.id.as_str(), c.user.org_id.as_str()))
        .unzip();
    record(
        &mut tx,
        user,
        org,
        "login.failure",
        ("user", user),
        summary,
        Some(ip),
    )
    .await?;
    tx.commit().await?;
    Err(ServiceError::BadCredentials)
}

/// Completes sign-in with a TOTP code. On success the pending session is replaced by a new
/// one (a new id, so a session id seen before the second factor is worthless after it).
/// Wrong codes count towards the account lock like wrong passwords.
pub async fn complete_mfa(
    store: &Store,
    policy: &ThrottlePolicy,
    sp: SessionPolicy,
    ip: &str,
    token: &str,
    code: &str,
) -> SResult<NewSession> {
    let now = now_us();
    let mut tx = store.write().await?;
    let hash = secret::sha256_hex(token);
    let session = sessions::get(&mut tx, &hash, now)
        .await?
        .filter(|s| s.mfa_pending)
        .ok_or(ServiceError::Unauthenticated)?;
    let cred = users::credentials_by_id(&mut tx, &session.user_id)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    if cred.locked_until.is_some_and(|t| t > now) {
        return Err(ServiceError::Throttled);
    }
    let secret_b32 = cred.totp_secret.clone().unwrap_or_default();
    if !totp::check(
        &secret_b32,
        code,
        u64::try_from(now / 1_000_000).unwrap_or(0),
    ) {
        let failures = users::count_failure(&mut tx, &cred.user.id).await?;
        if let Some(lock) =
            policy.lock_after_failure(u32::try_from(failures).unwrap_or(u32::MAX), now)
        {
            users::lock(&mut tx, &cred.user.id, lock).await?;
            sessions::delete(&mut tx, &hash).await?;
        }
        let summary = json!({"login": cred.user.login, "consecutive_failures": failures});
        record(
            &mut tx,
            Some(&cred.user.id),
            Some(&cred.user.org_id),
            "login.mfa_failure",
            ("user", Some(&cred.user.id)),
            summary,
            Some(ip),
        )
        .await?;
        tx.commit().await?;
        return Err(ServiceError::BadCredentials);
    }
    sessions::delete(&mut tx, &hash).await?;
    let new = secret::random_token(32);
    sessions::create(
        &mut tx,
        &secret::sha256_hex(&new),
        &cred.user.id,
        false,
        now,
        now + sp.idle_secs * 1_000_000,
    )
    .await?;
    users::record_success(&mut tx, &cred.user.id, now).await?;
    record(
        &mut tx,
        Some(&cred.user.id),
        Some(&cred.user.org_id),
        "login.success",
        ("user", Some(&cred.user.id)),
        json!({"login": cred.user.login, "mfa": true}),
        Some(ip),
    )
    .await?;
    tx.commit().await?;
    Ok(NewSession {
        token: new,
        mfa_pending: false,
    })
}

/// Resolves a session cookie, extending its idle timeout (never past the absolute lifetime).
pub async fn resolve(
    store: &Store,
    sp: SessionPolicy,
    token: &str,
) -> SResult<Option<SessionInfo>> {
    let now = now_us();
    let hash = secret::sha256_hex(token);
    let mut conn = store.read().await?;
    let Some(session) = sessions::get(&mut conn, &hash, now).await? else {
        return Ok(None);
    };
    let Some(cred) = users::credentials_by_id(&mut conn, &session.user_id).await? else {
        return Ok(None);
    };
    let org = orgs::get_unscoped(&mut conn, &cred.user.org_id).await?;
    if !cred.user.active || !org.active {
        return Ok(None);
    }
    let expires =
        (now + sp.idle_secs * 1_000_000).min(session.created_at + sp.max_secs * 1_000_000);
    // Only write when the expiry moves noticeably, so page views do not all write.
    if expires - session.expires_at > 60_000_000 {
        sessions::touch(&mut conn, &hash, now, expires).await?;
    }
    Ok(Some(SessionInfo {
        actor: actor_for(&cred.user, &org, None),
        user: cred.user,
        mfa_pending: session.mfa_pending,
    }))
}

/// Resolves a bearer API token.
pub async fn resolve_token(store: &Store, token: &str) -> SResult<Option<SessionInfo>> {
    if !token.starts_with(secret::TOKEN_PREFIX) {
        return Ok(None);
    }
    let mut conn = store.read().await?;
    let Some(t) = tokens::use_token(&mut conn, &secret::sha256_hex(token), now_us()).await? else {
        return Ok(None);
    };
    let Some(cred) = users::credentials_by_id(&mut conn, &t.user_id).await? else {
        return Ok(None);
    };
    let org = orgs::get_unscoped(&mut conn, &t.org_id).await?;
    if !cred.user.active || !org.active {
        return Ok(None);
    }
    Ok(Some(SessionInfo {
        actor: actor_for(&cred.user, &org, Some(t.scope)),
        user: cred.user,
        mfa_pending: false,
    }))
}

/// Ends a session.
pub async fn logout(
    store: &Store,
    token: &str,
    info: &SessionInfo,
    ip: Option<&str>,
) -> SResult<()> {
    let mut tx = store.write().await?;
    sessions::delete(&mut tx, &secret::sha256_hex(token)).await?;
    let a = &info.actor;
    record(
        &mut tx,
        Some(&a.user_id),
        Some(&a.org_id),
        "logout",
        ("user", Some(&a.user_id)),
        json!({}),
        ip,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
