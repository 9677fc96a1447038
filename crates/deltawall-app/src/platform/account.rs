//! The signed-in user's own account: language, password, second factor.

use crate::Lang;
use crate::error::ServiceError;
use crate::platform::auth::{password, totp};
use crate::{Ctx, SResult};
use deltawall_domain::validate::{self, Invalid};
use deltawall_store::records::now_us;
use deltawall_store::{sessions, users};
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

/// Proves the signed-in user is present: the current password, checked as at sign-in.
async fn step_up(ctx: Ctx<'_>, current: &str) -> SResult<()> {
    let mut conn = ctx.store.read().await?;
    let cred = users::credentials_by_id(&mut conn, &ctx.actor.user_id)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    drop(conn);
    if password::verify(current.to_owned(), cred.password_hash).await? {
        return Ok(());
    }
    Err(Invalid {
        field: "current_password",
        reason: "is wrong",
        code: "err-password-wrong",
    }
    .into())
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
    step_up(ctx, current).await?;
    let secret = totp::new_secret();
    let url = totp::otpauth_url(&secret, login)
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("totp url")))?;
    let mut tx = ctx.store.write().await?;
    users::set_totp_secret(&mut tx, &ctx.actor.user_id, Some(&secret)).await?;
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
    let secret = cred.totp_secret.ok_or(Invalid {
        field: "code",
        reason: "no enrolment in progress",
        code: "err-totp-not-started",
    })?;
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
