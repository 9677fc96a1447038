//! The pages of third parties and the sector: the institution's contracts with the add form
//! (`/vulnerabilities/contracts`), a contract with its checklist, gaps and responsibility
//! matrix (`/vulnerabilities/contracts/{id}`), and the supervisor's roll-up
//! (`/vulnerabilities/sector`). Handlers call the same `deltawall_app::vuln` services as the
//! API.

use super::tp_views::{ContractPage, ContractsPage, SectorPage};
use crate::error::AppError;
use crate::http::{UiForm, UiUser};
use crate::layout::render;
use crate::router::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::vuln::{self, ContractInput};
use deltawall_domain::org::OrgKind;
use deltawall_domain::role::Role;
use std::collections::BTreeMap;

type PageResult = Result<Response, AppError>;

/// `GET /vulnerabilities/contracts`.
pub async fn contracts(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<deltawall_app::paging::PageRequest>,
) -> PageResult {
    let page = vuln::contracts_page(user.ctx(&state), &q)
        .await
        .map_err(user.err())?;
    let scope = vuln::scope(user.ctx(&state), &state.config.clock)
        .await
        .map_err(user.err())?;
    let a = &user.info.actor;
    let can_edit = a.org_kind == OrgKind::Institution && a.role != Role::Auditor;
    let l = user.layout("vtp-title", "vulnerabilities", None);
    let pager = crate::layout::CursorPager::new(&user.path, page.next.as_deref());
    Ok(render(&ContractsPage::new(
        l,
        &page.items,
        &scope,
        can_edit,
        pager,
    )))
}

/// The add form as sent: fixed fields, one `clause_<code>` select per clause and one
/// `matrix_<code>` select per control, left empty to keep the service model's default.
fn input_of(mut f: BTreeMap<String, String>) -> ContractInput {
    let mut take = |k: &str| f.remove(k).unwrap_or_default();
    let provider = take("provider");
    let service = take("service");
    let service_model = take("service_model");
    let asset = Some(take("asset")).filter(|a| !a.trim().is_empty());
    let subcontractors = take("subcontractors").lines().map(str::to_owned).collect();
    let prefixed = |prefix: &str| -> BTreeMap<String, String> {
        f.iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_owned(), v.clone())))
            .collect()
    };
    let clauses = prefixed("clause_");
    // An empty choice is the service model's default, not an override.
    let mut matrix = prefixed("matrix_");
    matrix.retain(|_, h| !h.trim().is_empty());
    ContractInput {
        provider,
        service,
        service_model,
        asset,
        subcontractors,
        clauses,
        matrix,
    }
}

/// `POST /vulnerabilities/contracts`.
pub async fn add_contract(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<BTreeMap<String, String>>,
) -> PageResult {
    let created = vuln::add_contract(user.ctx(&state), &input_of(f))
        .await
        .map_err(user.err())?;
    let to = format!("/vulnerabilities/contracts/{}", created.id);
    Ok(Redirect::to(&to).into_response())
}

/// `GET /vulnerabilities/contracts/{id}`.
pub async fn contract(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let c = vuln::contract(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    let l = user.layout("vtp-contract", "vulnerabilities", None);
    Ok(render(&ContractPage::new(l, c)))
}

/// `GET /vulnerabilities/sector`.
pub async fn sector(State(state): State<AppState>, user: UiUser) -> PageResult {
    let s = vuln::sector(user.ctx(&state), &state.config.clock)
        .await
        .map_err(user.err())?;
    let l = user.layout("vtp-sector", "vulnerabilities", None);
    Ok(render(&SectorPage::new(l, s)))
}
