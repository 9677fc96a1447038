//! The signed-in user's own account: language, password, second factor.

use crate::Lang;
use crate::error::ServiceError;
use crate::platform::auth::{password, seal, totp};
use crate::{Ctx, SResult};
use deltawall_domain::throttle::ThrottlePolicy;
use deltawall_domain::validate::{self, Invalid};
use deltawall_store::records::now_us;
use deltawall_store::{sessions, users};
use serde::Deserialize;
use serde_json::json;

/// Stores the preferred UI language.
pub async fn set_lang(ctx: Ctx<'_>, lang: Lang) -> SResult<()> {
    let mut tx = ctx.store.write().await?;
    users::set_lang(&mut tx, &ctx.actor.user_id, lang.code()).await?;
    ctx.audit(
        &mut tx,
        "user.set_lang",
        ("user", Some(&ctx.actor.user_id)),
        None,
        json!({"lang": lang.code()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Proof that the person at the keyboard is the account's owner, asked before a change
/// that a stolen session must not be able to make (second factor, password, API tokens):
/// the current password, or, for an account with a second factor, a current TOTP code.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StepUp {
    /// The current password.
    #[serde(default)]
    pub current_password: Option<String>,
    /// A current code from the authenticator app (accounts with a second factor); each
    /// code is accepted once.
    #[serde(default)]
    pub current_code: Option<String>,
}

impl StepUp {
    /// A proof by password alone.
    pub fn password(current: &str) -> StepUp {
        StepUp {
            current_password: Some(current.to_owned()),
            current_code: None,
        }
    }
}

fn wrong_step_up() -> ServiceError {
    Invalid {
        field: "current_password",
        reason: "is wrong",
        code: "err-password-wrong",
    }
    .into()
}

/// Checks a [`StepUp`] for the signed-in user: a TOTP code first when one is given (the
/// account must have its second factor on; the code's time step is used up), else the
/// password, hashed through the bounded pool as at sign-in. Neither given is refused
/// without counting (nothing was guessed).
///
/// A proof is a guess like a sign-in: it is counted on the account before it is checked
/// (one statement, so parallel guesses each see a distinct count), a locked account is
/// refused unchecked, and the guess that reaches the limit locks the account and ends
/// its sessions, so a stolen session cannot keep guessing the password. A right proof
/// clears the count, as a sign-in does.
pub async fn step_up(ctx: Ctx<'_>, policy: &ThrottlePolicy, proof: &StepUp) -> SResult<()> {
    let code = proof
        .current_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let current = proof.current_password.as_deref().unwrap_or_default();
    if code.is_none() && current.is_empty() {
        return Err(wrong_step_up());
    }
    let user = ctx.actor.user_id.as_str();
    let now = now_us();
    let mut tx = ctx.store.write().await?;
    let (n, locked) = users::reserve_attempt(&mut tx, user, now).await?;
    let attempts = u32::try_from(n).unwrap_or(u32::MAX);
    if locked.is_some_and(|t| t > now) || attempts > policy.account_failures {
        tx.commit().await?;
        return Err(ServiceError::Throttled);
    }
    tx.commit().await?;
    let ok = match code {
        Some(code) => code_holds(ctx, code, now).await?,
        None => password_holds(ctx, current).await?,
    };
    let mut tx = ctx.store.write().await?;
    if ok {
        users::record_failure(&mut tx, user, 0, None).await?;
        tx.commit().await?;
        return Ok(());
    }
    let lock = policy.lock_after_failure(attempts, now);
    let mut summary = json!({"consecutive_failures": attempts, "by": if code.is_some() { "code" } else { "password" }});
    if let Some(until) = lock {
        users::lock(&mut tx, user, until).await?;
        summary["locked"] = true.into();
        summary["sessions_ended"] = sessions::delete_for_user(&mut tx, user).await?.into();
    }
    ctx.audit(
        &mut tx,
        "user.step_up_failure",
        ("user", Some(user)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Err(wrong_step_up())
}

/// Whether `code` is a current TOTP code of the account, not used before (its time step
/// is used up when it is).
async fn code_holds(ctx: Ctx<'_>, code: &str, now: i64) -> SResult<bool> {
    let mut tx = ctx.store.write().await?;
    let cred = users::credentials_by_id(&mut tx, &ctx.actor.user_id)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    let secret = match (cred.user.totp_enabled, cred.totp_secret) {
        (true, Some(stored)) => seal::open_secret(&ctx.actor.user_id, &stored)?,
        _ => return Ok(false),
    };
    let secs = u64::try_from(now / 1_000_000).unwrap_or(0);
    let fresh = match totp::matching_step(&secret, code, secs) {
        Some(step) => users::use_totp_step(&mut tx, &ctx.actor.user_id, step).await?,
        None => false,
    };
    tx.commit().await?;
    Ok(fresh)
}

/// Whether `current` is the account's password.
async fn password_holds(ctx: Ctx<'_>, current: &str) -> SResult<bool> {
    let mut conn = ctx.store.read().await?;
    let cred = users::credentials_by_id(&mut conn, &ctx.actor.user_id)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    drop(conn);
    Ok(password::verify(current.to_owned(), cred.password_hash).await?)
}

/// Changes the own password after checking the current one (a step-up, counted like
/// one); ends every other session.
pub async fn change_password(
    ctx: Ctx<'_>,
    policy: &ThrottlePolicy,
    current: &str,
    new: &str,
) -> SResult<()> {
    let mut conn = ctx.store.read().await?;
    let cred = users::credentials_by_id(&mut conn, &ctx.actor.user_id)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    drop(conn);
    // A new password the rules refuse is a typing matter, not a guess: checked first.
    validate::password(new, &cred.user.login)?;
    step_up(ctx, policy, &StepUp::password(current)).await?;
    let hash = password::hash(new.to_owned())
        .await
        .map_err(ServiceError::from_hash)?;
    let mut tx = ctx.store.write().await?;
    users::set_password(&mut tx, &ctx.actor.user_id, &hash).await?;
    crate::platform::auth::basic_cache::forget_user(&ctx.actor.user_id);
    let ended = sessions::delete_for_user(&mut tx, &ctx.actor.user_id).await?;
    ctx.audit(
        &mut tx,
        "user.change_password",
        ("user", Some(&ctx.actor.user_id)),
        None,
        json!({"sessions_ended": ended}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts TOTP enrolment: stores a new secret (not yet required) and returns it with its
/// `otpauth://` URL for the authenticator app. Enrolling anew turns the current second
/// factor off until confirmed, so the current password is required first (step-up): a
/// stolen session alone cannot turn two-factor off.
pub async fn start_totp(
    ctx: Ctx<'_>,
    policy: &ThrottlePolicy,
    login: &str,
    current: &str,
) -> SResult<(String, String)> {
    step_up(ctx, policy, &StepUp::password(current)).await?;
    let secret = totp::new_secret();
    let url = totp::otpauth_url(&secret, login)
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("totp url")))?;
    let mut tx = ctx.store.write().await?;
    let sealed = seal::seal_secret(&ctx.actor.user_id, &secret)?;
    users::set_totp_secret(&mut tx, &ctx.actor.user_id, Some(&sealed)).await?;
    ctx.audit(
        &mut tx,
        "user.totp_start",
        ("user", Some(&ctx.actor.user_id)),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok((secret, url))
}

/// Confirms enrolment with a code from the app; from then on the second factor is required.
pub async fn confirm_totp(ctx: Ctx<'_>, code: &str) -> SResult<()> {
    let mut tx = ctx.store.write().await?;
    let cred = users::credentials_by_id(&mut tx, &ctx.actor.user_id)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    let stored = cred.totp_secret.ok_or(Invalid {
        field: "code",
        reason: "no enrolment in progress",
        code: "err-totp-not-started",
    })?;
    let secret = seal::open_secret(&ctx.actor.user_id, &stored)?;
    let secs = u64::try_from(now_us() / 1_000_000).unwrap_or(0);
    let fresh = match totp::matching_step(&secret, code, secs) {
        Some(step) => users::use_totp_step(&mut tx, &ctx.actor.user_id, step).await?,
        None => false,
    };
    if !fresh {
        return Err(Invalid {
            field: "code",
            reason: "is wrong",
            code: "err-totp-wrong",
        }
        .into());
    }
    users::enable_totp(&mut tx, &ctx.actor.user_id).await?;
    ctx.audit(
        &mut tx,
        "user.totp_enable",
        ("user", Some(&ctx.actor.user_id)),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
