//! API tokens of the actor's organisation.

use crate::platform::auth::secret;
use crate::{Ctx, SResult};
use deltawall_domain::access::TokenScope;
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
}

/// The organisation's tokens.
pub async fn list(ctx: Ctx<'_>) -> SResult<Vec<ApiToken>> {
    ctx.require(Permission::ManageTokens)?;
    let mut conn = ctx.store.read().await?;
    Ok(tokens::list(
        &mut conn,
        &OrgScope::Own(ctx.actor.org_id.clone()),
        &ctx.actor.org_id,
    )
    .await?)
}

/// Issues a token acting with the issuer's role; returns its id and the secret, which is
/// shown once and never stored.
pub async fn issue(ctx: Ctx<'_>, input: &TokenInput) -> SResult<(String, String)> {
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

/// Revokes a token of the organisation.
pub async fn revoke(ctx: Ctx<'_>, id: &str) -> SResult<()> {
    ctx.require(Permission::ManageTokens)?;
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
