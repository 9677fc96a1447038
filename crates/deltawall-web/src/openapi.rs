//! The OpenAPI document of `/api/v1`, served at `/api/v1/openapi.json` and snapshot-tested.

use crate::error::{ErrorBody, ErrorDetail};
use crate::platform::api;
use crate::posture::api as pa;
use crate::posture::oscal_api as oa;
use crate::sharing::api as sharing_api;
use crate::supervision::alerts::api as aa;
use crate::supervision::figures::pages as sf;
use crate::supervision::ranking::api as sr;
use crate::supervision::requests::api as sa;
use deltawall_app::platform::{orgs, tokens, users};
use deltawall_app::posture::{assessments as posture, findings, risks};
use deltawall_app::supervision::{
    alerts as sup_alerts, engagements as sup_engagements, ranking as sup_ranking,
    requests as sup_requests,
};
use deltawall_app::{exercises, incidents, work};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "Deltawall API", version = "1", description = "Tenants, users, API tokens, the audit trail, posture (assessments, evidence, risks, findings, catalogs, OSCAL import and export, catalog mappings), the sharing hub's trust groups (API roots and collections) and the standing of shared indicators, incidents and exercises, and supervision (risk ranking, score weights, monitoring engagements, requests, alerts, sector figures, peer benchmarks), and ATT&CK coverage (the detection layer) and TLPT engagements of a Deltawall instance."),
    paths(
        api::me, crate::home::api_work, crate::home::api_late, api::orgs_list, api::org_get, api::org_create, api::org_update, api::org_attribute,
        api::users_list, api::user_create, api::user_change,
        api::tokens_list, api::token_create, api::token_revoke, api::audit_list,
        pa::catalog, pa::assessments, pa::assessment_create, pa::assessment_get, pa::answer, pa::history, pa::submit,
        pa::evidence_list, pa::evidence_upload, pa::evidence_get, pa::risks, pa::risk_create, pa::risk_update,
        pa::findings, pa::finding_create, pa::finding_get, pa::transition, pa::milestone_create, pa::milestone_done,
        pa::management_report, pa::group_report,
        oa::catalogs, oa::catalog_import, oa::catalog_get, oa::mappings, oa::mapping_import, oa::mapping_builtin,
        oa::mapping_get, oa::prefill, oa::confirm, oa::oscal_results, oa::oscal_poam,
        sharing_api::roots, sharing_api::root_create, sharing_api::root_close, sharing_api::root_reopen, sharing_api::collection_create,
        sharing_api::indicators,
        sa::request_preview, sa::request_send, sa::request_list, sa::request_get, sa::request_task, sa::request_decide,
        sa::tasks, crate::supervision::requests::reminders::api, sa::task_get, sa::task_draft, sa::task_submit,
        aa::alert_preview, aa::alert_send, aa::alert_list, aa::alert_get, aa::my_alerts, aa::my_alert, aa::alert_ack,
        sf::api_incidents, sf::api_incident_report, sf::api_exercises, sf::api_exercise_create, sf::api_participant_record, sf::api_figures,
        crate::supervision::benchmarks::pages::api, crate::supervision::benchmarks::sources::api,
        crate::supervision::benchmarks::pages::api_set_k,
        sr::ranking, sr::weights, sr::weights_save, sr::engagements, sr::engagement_plan, sr::engagement_get,
        sr::engagement_command, sr::engagement_finding,
        crate::attack::api::detection_layer,
    ),
    components(schemas(
        ErrorBody, ErrorDetail, work::Home, work::WorkItem, work::Title, work::Delta, work::LateInstitutions, work::LateCell, work::LateTask, api::OrgDto, api::UserDto, api::TokenDto, api::NewTokenDto, api::AuditDto, api::MeDto,
        orgs::OrgInput, orgs::AttributeInput, users::UserInput, users::UserChange, tokens::TokenInput,
        pa::AssessmentDto, pa::RevisionDto, pa::AssessmentDetailDto, pa::EvidenceDto, pa::RiskDto, pa::FindingDto,
        pa::FindingDetailDto, pa::StateDto, pa::CreatedDto, posture::AssessmentInput, posture::AnswerInput, posture::Change,
        risks::RiskInput, findings::FindingInput, findings::CommandInput, findings::MilestoneInput,
        sharing_api::IndicatorPageDto, sharing_api::IndicatorStandingDto,
        oa::CatalogDto, oa::ImportedDto, oa::MappingSetDto, oa::MappingEntryDto, oa::MappingDetailDto,
        oa::BuiltinInput, oa::PrefillInput, oa::ConfirmInput, deltawall_app::posture::mappings::PrefillOutcome,
        sharing_api::TrustGroupDto, sharing_api::CollectionDto,
        sharing_api::RootInput, sharing_api::GrantInput, sharing_api::CollectionInput, sharing_api::Created,
        sa::SentDto, sup_requests::RequestInput, deltawall_app::supervision::dispatch::Matched, sup_requests::DecisionInput, sup_requests::AnswersInput,
        sup_alerts::AlertInput, sup_alerts::AckInput,
        sf::IncidentDto, sf::IdDto, sf::ExerciseDto, sf::ParticipationDto, sf::ExercisesDto, incidents::IncidentInput, exercises::ExerciseInput, exercises::ParticipantInput, crate::supervision::benchmarks::pages::KInput,
        sr::RankDto, sr::RankingDto, sr::VersionDto, sr::EngagementDto, sr::EngagementEventDto, sr::EngagementDetailDto,
        sup_ranking::WeightsInput, sup_engagements::PlanInput, sup_engagements::CommandInput, sup_engagements::IssueInput,
    )),
    security(("bearer" = [])),
)]
struct ApiDoc;

/// The document, with the bearer-token security scheme.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::exercises::api::ExerciseApi::openapi());
    // Detections (issue 13): their own paths and schemas, merged in.
    doc.merge(crate::detections::api::DetectionsDoc::openapi());
    // Vulnerability diagnosis (issue 15).
    doc.merge(crate::vuln::api::VulnDoc::openapi());
    doc.merge(crate::vuln::tp_api::VulnTpDoc::openapi());
    // Incident cases and regulator reports keep their paths beside their handlers.
    doc.merge(crate::incidents::api::IncidentApiDoc::openapi());
    doc.merge(crate::incidents::patterns::PatternApiDoc::openapi());
    // TLPT engagements (issue 17) keep their paths beside their handlers.
    doc.merge(crate::tlpt::api::TlptApiDoc::openapi());
    let scheme = SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("dw_…")
            .build(),
    );
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme("bearer", scheme);
    unique_operation_ids(&mut doc);
    doc
}

/// Gives every operation a unique `operationId`. utoipa names an operation after its
/// handler function, and features each have their own `list` or `get`; client generators
/// refuse a document whose ids repeat. A name used once is kept; each use of a repeated one
/// becomes its method and path (`get_tlpt_engagements_id`).
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    let mut uses: std::collections::HashMap<String, usize> = Default::default();
    for (_, _, op) in operations(doc) {
        if let Some(id) = &op.operation_id {
            *uses.entry(id.clone()).or_default() += 1;
        }
    }
    for (method, path, op) in operations(doc) {
        if op.operation_id.as_ref().is_some_and(|id| uses[id] > 1) {
            op.operation_id = Some(path_name(method, &path));
        }
    }
}

/// Every operation of the document with its method and path.
fn operations(
    doc: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = (&'static str, String, &mut utoipa::openapi::path::Operation)> {
    doc.paths.paths.iter_mut().flat_map(|(path, item)| {
        [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ]
        .into_iter()
        .filter_map(move |(method, op)| op.as_mut().map(|op| (method, path.clone(), op)))
    })
}

/// `get` and `/api/v1/tlpt/engagements/{id}` as `get_tlpt_engagements_id`.
fn path_name(method: &str, path: &str) -> String {
    let rest = path.strip_prefix("/api/v1/").unwrap_or(path);
    let words: Vec<String> = rest
        .split('/')
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches(['{', '}']).replace(['-', '.'], "_"))
        .collect();
    format!("{method}_{}", words.join("_"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeated_names_become_method_and_path() {
        assert_eq!(
            super::path_name("get", "/api/v1/tlpt/engagements/{id}"),
            "get_tlpt_engagements_id"
        );
        assert_eq!(
            super::path_name("post", "/api/v1/me/work-items"),
            "post_me_work_items"
        );
    }
}
