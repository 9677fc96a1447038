//! Page models of contracts and the sector roll-up. Codes become message keys here
//! (`vtp-clause-diagnosis`, `vtp-holder-shared`…); the clause guidance comes from the
//! checklist in `deltawall-vuln` in the page's language.

use crate::i18n::Lang;
use crate::layout::Layout;
use askama::Template;
use deltawall_app::vuln::{Scope, Sector, SectorFigures};
use deltawall_domain::code::Code;
use deltawall_domain::jst;
use deltawall_domain::org::BusinessType;
use deltawall_store::vuln::Contract;
use deltawall_vuln::contract::{
    Clause, ClauseStatus, Control, Holder, ServiceModel, default_matrix,
};

/// A contract in the list.
#[derive(Debug, Clone)]
pub struct ContractLine {
    /// Id.
    pub id: String,
    /// Provider.
    pub provider: String,
    /// Service.
    pub service: String,
    /// Message key of the service model.
    pub model: String,
    /// The operated asset's name.
    pub asset: Option<String>,
    /// Gaps whose finding is unresolved.
    pub open_gaps: usize,
}

/// An asset to choose in the form: (id, name).
pub type AssetChoice = (String, String);

/// A control of the responsibility matrix as the add form offers it: a select whose empty
/// choice keeps the service model's default, with those defaults shown beside it.
#[derive(Debug, Clone)]
pub struct MatrixChoice {
    /// Control code (the field is `matrix_<code>`).
    pub code: &'static str,
    /// Message key of its name.
    pub key: String,
    /// Per service model: (message key of the model, message key of its default holder).
    pub defaults: Vec<(String, String)>,
}

/// Every control with each service model's default holder.
fn matrix_choices() -> Vec<MatrixChoice> {
    let defaults: Vec<_> = ServiceModel::ALL
        .into_iter()
        .map(|m| (m, default_matrix(m)))
        .collect();
    Control::ALL
        .into_iter()
        .map(|ctl| MatrixChoice {
            code: ctl.code(),
            key: format!("vtp-control-{}", ctl.code()),
            defaults: defaults
                .iter()
                .filter_map(|(m, matrix)| {
                    let h = matrix.get(&ctl)?;
                    Some((
                        format!("vtp-model-{}", m.code()),
                        format!("vtp-holder-{}", h.code()),
                    ))
                })
                .collect(),
        })
        .collect()
}

/// `/vulnerabilities/contracts`.
#[derive(Template)]
#[template(path = "vuln/contracts.html")]
pub struct ContractsPage {
    /// Layout.
    pub l: Layout,
    /// The contracts.
    pub contracts: Vec<ContractLine>,
    /// The scope's assets.
    pub assets: Vec<AssetChoice>,
    /// Clause codes.
    pub clauses: Vec<&'static str>,
    /// Status codes.
    pub statuses: Vec<&'static str>,
    /// Service model codes.
    pub models: Vec<&'static str>,
    /// The controls whose holder the form may override.
    pub controls: Vec<MatrixChoice>,
    /// Holder codes.
    pub holders: Vec<&'static str>,
    /// May add contracts.
    pub can_edit: bool,
    /// The next page and back to the first.
    pub pager: crate::layout::CursorPager,
}

fn open(state: &str) -> bool {
    use deltawall_domain::finding::State;
    State::parse(state).is_ok_and(|s| State::UNRESOLVED.contains(&s))
}

impl ContractsPage {
    /// Builds the page.
    pub fn new(
        l: Layout,
        contracts: &[Contract],
        scope: &Scope,
        can_edit: bool,
        pager: crate::layout::CursorPager,
    ) -> Self {
        ContractsPage {
            l,
            contracts: contracts
                .iter()
                .map(|c| ContractLine {
                    id: c.id.clone(),
                    provider: c.provider.clone(),
                    service: c.service.clone(),
                    model: format!("vtp-model-{}", c.service_model),
                    asset: c.asset_name.clone(),
                    open_gaps: c.gaps.iter().filter(|g| open(&g.finding_state)).count(),
                })
                .collect(),
            assets: scope
                .assets
                .iter()
                .map(|r| (r.asset.id.clone(), r.asset.name.clone()))
                .collect(),
            clauses: Clause::ALL.iter().map(|c| c.code()).collect(),
            statuses: ClauseStatus::ALL.iter().map(|s| s.code()).collect(),
            models: ServiceModel::ALL.iter().map(|m| m.code()).collect(),
            controls: matrix_choices(),
            holders: Holder::ALL.iter().map(|h| h.code()).collect(),
            can_edit,
            pager,
        }
    }
}

/// A clause of the checklist as the contract stands on it.
#[derive(Debug, Clone)]
pub struct ClauseLine {
    /// Message key of its name.
    pub key: String,
    /// What it must say, in the page's language.
    pub guidance: &'static str,
    /// Where it comes from.
    pub source: &'static str,
    /// Message key of the status.
    pub status: String,
    /// Whether it is a gap.
    pub gap: bool,
    /// The finding that tracks the gap, with the message key of its state.
    pub finding: Option<(String, String)>,
}

/// `/vulnerabilities/contracts/{id}`.
#[derive(Template)]
#[template(path = "vuln/contract.html")]
pub struct ContractPage {
    /// Layout.
    pub l: Layout,
    /// The contract.
    pub c: Contract,
    /// Added, in Japan time.
    pub added: String,
    /// Message key of the service model.
    pub model: String,
    /// The checklist.
    pub clauses: Vec<ClauseLine>,
    /// The matrix: (message key of the control, message key of its holder).
    pub matrix: Vec<(String, String)>,
}

impl ContractPage {
    /// Builds the page.
    pub fn new(l: Layout, c: Contract) -> Self {
        let ja = l.lang == Lang::Ja;
        let clauses = Clause::ALL
            .into_iter()
            .map(|cl| {
                let status = c.clauses.get(cl.code()).cloned().unwrap_or_default();
                let gap = c.gaps.iter().find(|g| g.clause == cl.code());
                ClauseLine {
                    key: format!("vtp-clause-{}", cl.code()),
                    guidance: if ja {
                        cl.guidance_ja()
                    } else {
                        cl.guidance_en()
                    },
                    source: cl.source(),
                    gap: status != ClauseStatus::Present.code(),
                    status: format!("vtp-status-{status}"),
                    finding: gap
                        .map(|g| (g.finding_id.clone(), format!("state-{}", g.finding_state))),
                }
            })
            .collect();
        let matrix = Control::ALL
            .into_iter()
            .filter_map(|ctl| {
                let h = c.matrix.get(ctl.code())?;
                let h = Holder::parse(h)?;
                Some((
                    format!("vtp-control-{}", ctl.code()),
                    format!("vtp-holder-{}", h.code()),
                ))
            })
            .collect();
        ContractPage {
            added: jst::format_display(c.created_at, l.lang.code()),
            model: format!("vtp-model-{}", c.service_model),
            l,
            c,
            clauses,
            matrix,
        }
    }
}

/// A row of the roll-up as shown.
#[derive(Debug, Clone)]
pub struct SectorLine {
    /// The business type's label.
    pub label: String,
    /// Institutions in reach.
    pub institutions: usize,
    /// The figures, absent below k.
    pub figures: Option<SectorFigures>,
}

/// `/vulnerabilities/sector`.
#[derive(Template)]
#[template(path = "vuln/sector.html")]
pub struct SectorPage {
    /// Layout.
    pub l: Layout,
    /// The roll-up.
    pub s: Sector,
    /// By business type.
    pub rows: Vec<SectorLine>,
    /// Every institution in reach (one line, for the table's foot).
    pub totals: Vec<SectorLine>,
}

impl SectorPage {
    /// Builds the page.
    pub fn new(l: Layout, s: Sector) -> Self {
        let lang = l.lang.code();
        let line = |r: &deltawall_app::vuln::SectorRow, label: String| SectorLine {
            label,
            institutions: r.institutions,
            figures: r.figures.clone(),
        };
        let rows = s
            .rows
            .iter()
            .map(|r| {
                let label = BusinessType::from_code(&r.business_type)
                    .map_or_else(|| r.business_type.clone(), |b| b.label(lang).to_owned());
                line(r, label)
            })
            .collect();
        let totals = vec![line(&s.total, crate::i18n::t(l.lang, "vtp-all").to_owned())];
        SectorPage { l, s, rows, totals }
    }
}
