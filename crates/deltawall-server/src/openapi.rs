//! The OpenAPI document of `/api/v1`, served at `/api/v1/openapi.json` and snapshot-tested.

use crate::error::{ErrorBody, ErrorDetail};
use crate::http::posture_api as pa;
use crate::http::sup_rank::api as sr;
use crate::http::{api, sharing_api};
use crate::service::{findings, orgs, posture, risks, sup_engagements, sup_ranking, tokens, users};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "Deltawall API", version = "1", description = "Tenants, users, API tokens, the audit trail, posture (assessments, evidence, risks, findings), the standing of shared indicators, and supervision (risk ranking, score weights, monitoring engagements) of a Deltawall instance."),
    paths(
        api::me, api::orgs_list, api::org_get, api::org_create, api::org_update, api::org_attribute,
        api::users_list, api::user_create, api::user_change,
        api::tokens_list, api::token_create, api::token_revoke, api::audit_list,
        pa::catalog, pa::assessments, pa::assessment_create, pa::assessment_get, pa::answer, pa::history, pa::submit,
        pa::evidence_list, pa::evidence_upload, pa::evidence_get, pa::risks, pa::risk_create, pa::risk_update,
        pa::findings, pa::finding_create, pa::finding_get, pa::transition, pa::milestone_create, pa::milestone_done,
        pa::management_report, pa::group_report,
        sharing_api::indicators,
        sr::ranking, sr::weights, sr::weights_save, sr::engagements, sr::engagement_plan, sr::engagement_get,
        sr::engagement_command, sr::engagement_finding,
    ),
    components(schemas(
        ErrorBody, ErrorDetail, api::OrgDto, api::UserDto, api::TokenDto, api::NewTokenDto, api::AuditDto, api::MeDto,
        orgs::OrgInput, orgs::AttributeInput, users::UserInput, users::UserChange, tokens::TokenInput,
        pa::AssessmentDto, pa::RevisionDto, pa::AssessmentDetailDto, pa::EvidenceDto, pa::RiskDto, pa::FindingDto,
        pa::FindingDetailDto, pa::StateDto, pa::CreatedDto, posture::AssessmentInput, posture::AnswerInput, posture::Change,
        risks::RiskInput, findings::FindingInput, findings::CommandInput, findings::MilestoneInput,
        sharing_api::IndicatorPageDto, sharing_api::IndicatorStandingDto,
        sr::RankDto, sr::RankingDto, sr::VersionDto, sr::EngagementDto, sr::EngagementEventDto, sr::EngagementDetailDto,
        sup_ranking::WeightsInput, sup_engagements::PlanInput, sup_engagements::CommandInput, sup_engagements::IssueInput,
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
