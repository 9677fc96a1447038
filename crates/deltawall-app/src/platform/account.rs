//! The signed-in user's own account: language, password, second factor.

use crate::Lang;
use crate::error::ServiceError;
use crate::platform::auth::{password, seal, totp};
use crate::{Ctx, SResult};
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
/// password, hashed through the bounded pool as at sign-in. Neither given is refused.
pub async fn step_up(ctx: Ctx<'_>, proof: &StepUp) -> SResult<()> {
    let code = proof
        .current_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(code) = code {
        let mut tx = ctx.store.write().await?;
        let cred = users::credentials_by_id(&mut tx, &ctx.actor.user_id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let secret = match (cred.user.totp_enabled, cred.totp_secret) {
            (true, Some(stored)) => seal::open_secret(&ctx.actor.user_id, &stored)?,
            _ => return Err(wrong_step_up()),
        };
        let secs = u64::try_from(now_us() / 1_000_000).unwrap_or(0);
        let fresh = match totp::matching_step(&secret, code, secs) {
            Some(step) => users::use_totp_step(&mut tx, &ctx.actor.user_id, step).await?,
            None => false,
        };
        tx.commit().await?;
        return if fresh { Ok(()) } else { Err(wrong_step_up()) };
    }
    let current = proof.current_password.as_deref().unwrap_or_default();
    if current.is_empty() {
        return Err(wrong_step_up());
    }
    let mut conn = ctx.store.read().await?;
    let cred = users::credentials_by_id(&mut conn, &ctx.actor.user_id)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    drop(conn);
    if password::verify(current.to_owned(), cred.password_hash).await? {
        Ok(())
    } else {
        Err(wrong_step_up())
    }
}

/// Changes the own password after checking the current one; ends every other session.
pub async fn change_password(ctx: Ctx<'_>, current: &str, new: &str) -> SResult<()> {
    let mut conn = ctx.store.read().await?;
    let cred = users::credentials_by_id(&mut conn, &ctx.actor.user_id)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    drop(conn);
    if !password::verify(current.to_owned(), cred.password_hash.clone()).await? {
        return Err(Invalid {
            field: "current_password",
            reason: "is wrong",
            code: "err-password-wrong",
        }
        .into());
    }
    validate::password(new, &cred.user.login)?;
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
pub async fn start_totp(ctx: Ctx<'_>, login: &str, current: &str) -> SResult<(String, String)> {
    step_up(ctx, &StepUp::password(current)).await?;
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
