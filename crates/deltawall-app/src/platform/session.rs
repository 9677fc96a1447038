//! Signing in and out, the second factor, and resolving sessions and API tokens to actors.

use crate::error::ServiceError;
use crate::platform::auth::{basic_cache, password, secret, totp};
use crate::{SResult, actor_for, record};
use deltawall_domain::Actor;
use deltawall_domain::throttle::{Reserved, ThrottlePolicy, Verdict};
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
/// source address. The attempt is counted before the password is checked, so that at most
/// the limits' worth of parallel attempts ever get a verdict; every attempt is audited.
pub async fn login(
    store: &Store,
    policy: &ThrottlePolicy,
    sp: SessionPolicy,
    ip: &str,
    login: &str,
    pw: &str,
) -> SResult<NewSession> {
    let now = now_us();
    let attempt = reserve(store, policy, ip, login, now).await?;
    // Verify without holding a write transaction: the hash is deliberately slow, and a
    // flood of sign-ins must not hold up every other write (on SQLite, the lock is
    // database-wide).
    let ok = verify(pw, &attempt).await?;
    let mut tx = store.write().await?;
    let Some(cred) = attempt.cred.as_ref().filter(|_| ok) else {
        return fail_login(tx, policy, ip, login, &attempt, now).await;
    };
    let org = orgs::get_unscoped(&mut tx, &cred.user.org_id).await?;
    if !org.active {
        return fail_login(tx, policy, ip, login, &attempt, now).await;
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
    if mfa_pending {
        // The password is proven: lift a lock this attempt set on reaching the limit, but
        // keep counting until the second factor is done.
        let n = i64::from(attempt.account_attempts);
        users::record_failure(&mut tx, &cred.user.id, n, None).await?;
    } else {
        users::record_success(&mut tx, &cred.user.id, now).await?;
    }
    throttle::uncount_attempt(&mut tx, &address_key(ip)).await?;
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

/// A sign-in attempt, counted before its password is checked.
struct Attempt {
    /// The account, if the name matches one.
    cred: Option<users::Credentials>,
    /// Consecutive attempts on the account (or on the unknown name), this one included.
    account_attempts: u32,
}

fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// Counts the attempt on the account (or, for a name that matches no account, on the
/// name, so that unknown and known names lock alike) and on the address, in one write
/// transaction, and refuses it when it is over a limit. Refused attempts are audited and
/// never check a password.
async fn reserve(
    store: &Store,
    policy: &ThrottlePolicy,
    ip: &str,
    login: &str,
    now: i64,
) -> SResult<Attempt> {
    let mut tx = store.write().await?;
    let cred = users::credentials_by_login(&mut tx, login).await?;
    let window = policy.address_window_secs * 1_000_000;
    let address_attempts = throttle::count_attempt(&mut tx, &address_key(ip), now, window).await?;
    let (account_attempts, locked_until) = match &cred {
        Some(c) => {
            let (n, locked) = users::reserve_attempt(&mut tx, &c.user.id, now).await?;
            (u32::try_from(n).unwrap_or(u32::MAX), locked)
        }
        None => {
            let key = format!("login:{}", login.to_lowercase());
            let lock = policy.account_lock_secs * 1_000_000;
            (
                throttle::count_attempt(&mut tx, &key, now, lock).await?,
                None,
            )
        }
    };
    let verdict = policy.admit(&Reserved {
        account_attempts,
        account_locked_until_us: locked_until,
        address_attempts,
        now_us: now,
    });
    if verdict != Verdict::Proceed {
        return refuse(tx, cred.as_ref().map(|c| &c.user), ip, login, verdict, now).await;
    }
    // The attempt that reaches the limit locks the account now, before its password is
    // checked; a right password lifts the lock again.
    if let (Some(c), Some(lock)) = (&cred, policy.lock_after_failure(account_attempts, now)) {
        users::lock(&mut tx, &c.user.id, lock).await?;
    }
    tx.commit().await?;
    Ok(Attempt {
        cred,
        account_attempts,
    })
}

/// Checks the password of an admitted attempt: against a decoy hash when the name matches
/// no account, so that timing reveals nothing; inactive accounts always fail.
async fn verify(pw: &str, attempt: &Attempt) -> SResult<bool> {
    let phc = attempt.cred.as_ref().map_or_else(
        || password::decoy_hash().to_owned(),
        |c| c.password_hash.clone(),
    );
    Ok(password::verify(pw.to_owned(), phc).await?
        && attempt.cred.as_ref().is_some_and(|c| c.user.active))
}

/// Records and audits a refused attempt (locked account or blocked address).
async fn refuse<T>(
    mut tx: deltawall_store::Tx,
    user: Option<&User>,
    ip: &str,
    login: &str,
    verdict: Verdict,
    now: i64,
) -> SResult<T> {
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
/// same throttling as signing in: the attempt is counted first, refused attempts do not
/// check the password, failures are audited. Successes are not audited per request (a
/// TAXII client authenticates every request). Accounts with a second factor cannot use
/// Basic; they use API tokens.
pub async fn authenticate_basic(
    store: &Store,
    policy: &ThrottlePolicy,
    ip: &str,
    login: &str,
    pw: &str,
) -> SResult<SessionInfo> {
    let now = now_us();
    let attempt = reserve(store, policy, ip, login, now).await?;
    // A credential verified moments ago skips argon2 (see `basic_cache`); the attempt was
    // still counted and the account's state is still checked.
    let cached = attempt.cred.as_ref().is_some_and(|c| {
        basic_cache::remembered(login, pw, &c.user.id, &c.password_hash, now) && c.user.active
    });
    let ok = (cached || verify(pw, &attempt).await?)
        && attempt.cred.as_ref().is_some_and(|c| !c.user.totp_enabled);
    let Some(cred) = attempt.cred.clone().filter(|_| ok) else {
        let tx = store.write().await?;
        fail_login(tx, policy, ip, login, &attempt, now).await?;
        return Err(ServiceError::BadCredentials);
    };
    let mut tx = store.write().await?;
    let org = orgs::get_unscoped(&mut tx, &cred.user.org_id).await?;
    if !org.active {
        fail_login(tx, policy, ip, login, &attempt, now).await?;
        return Err(ServiceError::BadCredentials);
    }
    // A correct password ends a run of failures, as signing in does, and the counted
    // attempt is taken back.
    users::record_success(&mut tx, &cred.user.id, now).await?;
    throttle::uncount_attempt(&mut tx, &address_key(ip)).await?;
    tx.commit().await?;
    if !cached {
        basic_cache::remember(login, pw, &cred.user.id, &cred.password_hash, now);
    }
    Ok(SessionInfo {
        actor: actor_for(&cred.user, &org, None),
        user: cred.user,
        mfa_pending: false,
    })
}

/// Records a failed attempt (already counted by [`reserve`]): audits it and answers
/// without saying whether the account exists.
async fn fail_login(
    mut tx: deltawall_store::Tx,
    policy: &ThrottlePolicy,
    ip: &str,
    login: &str,
    attempt: &Attempt,
    now: i64,
) -> SResult<NewSession> {
    let mut summary = json!({"login": login});
    if attempt.cred.is_some() {
        let n = attempt.account_attempts;
        if policy.lock_after_failure(n, now).is_some() {
            summary["locked"] = true.into();
        }
        summary["consecutive_failures"] = n.into();
    }
    throttle::record(&mut tx, ip, login, false, now).await?;
    let (user, org) = attempt
        .cred
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
    // Count the code before checking it, as passwords are, so that parallel guesses get
    // at most the limit's worth of verdicts.
    let (n, locked) = users::reserve_attempt(&mut tx, &cred.user.id, now).await?;
    let failures = u32::try_from(n).unwrap_or(u32::MAX);
    if locked.is_some_and(|t| t > now) || failures > policy.account_failures {
        tx.commit().await?;
        return Err(ServiceError::Throttled);
    }
    let secret_b32 = match &cred.totp_secret {
        Some(stored) => crate::platform::auth::seal::open_secret(&cred.user.id, stored)?,
        None => String::new(),
    };
    let secs = u64::try_from(now / 1_000_000).unwrap_or(0);
    let step = totp::matching_step(&secret_b32, code, secs);
    let fresh = match step {
        Some(step) => users::use_totp_step(&mut tx, &cred.user.id, step).await?,
        None => false,
    };
    if !fresh {
        if let Some(lock) = policy.lock_after_failure(failures, now) {
            users::lock(&mut tx, &cred.user.id, lock).await?;
            sessions::delete(&mut tx, &hash).await?;
        }
        let summary = json!({"login": cred.user.login, "consecutive_failures": failures,
            "replayed": step.is_some()});
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
    // One statement for the session, its user and organisation: every signed-in request
    // runs this, and it still reads the database each time, so a sign-out, revocation or
    // deactivation takes effect at once in every replica.
    let Some(sessions::Resolved { session, user, org }) =
        sessions::resolve(&mut conn, &hash, now).await?
    else {
        return Ok(None);
    };
    if !user.active || !org.active {
        return Ok(None);
    }
    let expires =
        (now + sp.idle_secs * 1_000_000).min(session.created_at + sp.max_secs * 1_000_000);
    // Only write when the expiry moves noticeably, so page views do not all write.
    if expires - session.expires_at > 60_000_000 {
        sessions::touch(&mut conn, &hash, now, expires).await?;
    }
    Ok(Some(SessionInfo {
        actor: actor_for(&user, &org, None),
        user,
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
    let mut actor = actor_for(&cred.user, &org, Some(t.scope));
    actor.token_id = Some(t.id.clone());
    Ok(Some(SessionInfo {
        actor,
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
