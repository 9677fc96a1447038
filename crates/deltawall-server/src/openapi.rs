//! The OpenAPI document of `/api/v1`, served at `/api/v1/openapi.json` and snapshot-tested.

use crate::error::{ErrorBody, ErrorDetail};
use crate::http::{api, sharing_api};
use crate::service::{orgs, tokens, users};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "Deltawall API", version = "1", description = "Tenants, users, API tokens, the audit trail and the standing of shared indicators of a Deltawall instance."),
    paths(
        api::me, api::orgs_list, api::org_get, api::org_create, api::org_update, api::org_attribute,
        api::users_list, api::user_create, api::user_change,
        api::tokens_list, api::token_create, api::token_revoke, api::audit_list,
        sharing_api::indicators,
    ),
    components(schemas(
        ErrorBody, ErrorDetail, api::OrgDto, api::UserDto, api::TokenDto, api::NewTokenDto, api::AuditDto, api::MeDto,
        orgs::OrgInput, orgs::AttributeInput, users::UserInput, users::UserChange, tokens::TokenInput,
        sharing_api::IndicatorPageDto, sharing_api::IndicatorStandingDto,
    )),
    security(("bearer" = [])),
)]
struct ApiDoc;

/// The document, with the bearer-token security scheme.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let scheme = SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("dw_…")
            .build(),
    );
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme("bearer", scheme);
    doc
}
