//! API tokens of the actor's organisation.

use crate::platform::account::{StepUp, step_up};
use crate::platform::auth::secret;
use crate::{Ctx, SResult};
use deltawall_domain::access::TokenScope;
use deltawall_domain::throttle::ThrottlePolicy;
use deltawall_domain::validate::{self, Invalid};
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::records::now_us;
use deltawall_store::tokens::{self, ApiToken, NewToken};
use serde::Deserialize;
use serde_json::json;

/// Input to issue a token.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// A name to recognise it by.
    pub name: String,
    /// `read` or `write`.
    #[schema(value_type = String)]
    pub scope: TokenScope,
    /// Lifetime in days, 1 to 366.
    pub days: i64,
    /// Step-up: the current password (or `current_code`).
    #[serde(default)]
    pub current_password: Option<String>,
    /// Step-up: a current TOTP code, for accounts with a second factor.
    #[serde(default)]
    pub current_code: Option<String>,
}

impl TokenInput {
    /// The step-up proof this input carries.
    pub fn step_up(&self) -> StepUp {
        StepUp {
            current_password: self.current_password.clone(),
            current_code: self.current_code.clone(),
        }
    }
}

/// One page of the organisation's tokens, newest first.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<ApiToken>> {
    ctx.require(Permission::ManageTokens)?;
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    Ok(tokens::page(
        &mut conn,
        &own,
        &ctx.actor.org_id,
        after.as_ref(),
        req.limit(),
    )
    .await?)
}

/// Issues a token acting with the issuer's role; returns its id and the secret, which is
/// shown once and never stored. Needs a step-up (the current password or TOTP code): a
/// stolen session alone cannot mint a lasting credential.
pub async fn issue(
    ctx: Ctx<'_>,
    policy: &ThrottlePolicy,
    input: &TokenInput,
) -> SResult<(String, String)> {
    ctx.require(Permission::ManageTokens)?;
    validate::display_name("name", &input.name)?;
    if !(1..=366).contains(&input.days) {
        return Err(Invalid {
            field: "days",
            reason: "must be 1 to 366",
            code: "err-token-days",
        }
        .into());
    }
    step_up(ctx, policy, &input.step_up()).await?;
    let token = secret::new_api_token();
    let now = now_us();
    let new = NewToken {
        org_id: ctx.actor.org_id.clone(),
        user_id: ctx.actor.user_id.clone(),
        name: input.name.trim().to_owned(),
        token_hash: secret::sha256_hex(&token),
        prefix: token.chars().take(8).collect(),
        scope: input.scope,
        created_at: now,
        expires_at: now + input.days * 86_400 * 1_000_000,
    };
    let mut tx = ctx.store.write().await?;
    let id = tokens::create(&mut tx, &new).await?;
    let summary = json!({"name": new.name, "scope": new.scope, "prefix": new.prefix, "expires_at": new.expires_at});
    ctx.audit(
        &mut tx,
        "token.create",
        ("api_token", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok((id, token))
}

/// Revokes a token of the organisation, after a step-up as for [`issue`].
pub async fn revoke(
    ctx: Ctx<'_>,
    policy: &ThrottlePolicy,
    id: &str,
    proof: &StepUp,
) -> SResult<()> {
    ctx.require(Permission::ManageTokens)?;
    step_up(ctx, policy, proof).await?;
    let mut tx = ctx.store.write().await?;
    let t = tokens::revoke(
        &mut tx,
        &OrgScope::Own(ctx.actor.org_id.clone()),
        id,
        now_us(),
    )
    .await?;
    ctx.audit(
        &mut tx,
        "token.revoke",
        ("api_token", Some(id)),
        None,
        json!({"name": t.name, "prefix": t.prefix}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
