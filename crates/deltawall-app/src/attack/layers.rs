//! Coverage layers (issue 17, point 3): ATT&CK Navigator 4.5 files built from Deltawall's
//! own data and validated before they leave — the detection rules' technique tags, the
//! institution's incidents, and for a supervisor the techniques left undetected in TLPTs
//! across the sector, k-anonymous. Each comes with the matrix the page draws from the same
//! layer, so the page, the table and the download never disagree.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use deltawall_attack::layer::build::{self, LayerInfo};
use deltawall_attack::{Layer, Release, TechniqueId};
use deltawall_detect::rules::{RuleSource, load_rules};
use deltawall_domain::supervision::benchmark::DEFAULT_K;
use deltawall_domain::tlpt::Outcome;
use deltawall_domain::{OrgKind, OrgScope, Permission};
use deltawall_store::attack as store;
use deltawall_store::records::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::matrix::{Matrix, matrix};
use crate::error::ServiceError;
use crate::{Ctx, SResult};

/// The layers a reader may ask for by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// The active detection rules' technique tags.
    Detection,
    /// The techniques of the institution's incidents.
    Incidents,
    /// For a supervisor: techniques left undetected in TLPTs across its reach.
    Sector,
}

impl LayerKind {
    /// Every kind, in page order.
    pub const ALL: [LayerKind; 3] = [
        LayerKind::Detection,
        LayerKind::Incidents,
        LayerKind::Sector,
    ];

    /// The code in URLs.
    pub fn code(self) -> &'static str {
        match self {
            LayerKind::Detection => "detection",
            LayerKind::Incidents => "incidents",
            LayerKind::Sector => "sector",
        }
    }

    /// Parses a code from a URL.
    pub fn from_code(code: &str) -> Option<LayerKind> {
        LayerKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A layer with the matrix drawn from it and what the reader should know about its source.
#[derive(Debug, Clone, Serialize)]
pub struct LayerView {
    /// The validated layer.
    pub layer: Layer,
    /// The matrix and table drawn from it.
    pub matrix: Matrix,
    /// A message key explaining a limit of the layer's source, if any.
    pub note: Option<&'static str>,
}

/// The smallest number of institutions a technique of the sector layer must come from.
pub const SECTOR_K: usize = DEFAULT_K as usize;

/// Incident categories carry no technique: the incident layer is built from the technique
/// mappings recorded for incidents, and says so.
pub const INCIDENTS_NOTE: &str = "attack-note-incidents";

/// Subject kinds a technique mapping may name.
pub const MAPPING_KINDS: [&str; 2] = ["rule", "incident"];

/// The built-in pack's rules and correlations with their tags, read once.
pub fn builtin_rules() -> &'static [(String, Vec<String>)] {
    static RULES: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    RULES.get_or_init(|| {
        // the pack is embedded and tested in deltawall-detect; a rule it cannot load has no
        // tags to contribute, so an error here shrinks the layer rather than failing it
        let Ok((set, _errors)) = load_rules(&RuleSource::Builtin) else {
            return Vec::new();
        };
        set.rules()
            .map(|r| &r.meta)
            .chain(set.correlations().map(|c| &c.meta))
            .map(|m| {
                let id = m.id.clone().unwrap_or_else(|| m.title.clone());
                (format!("builtin:{id}"), m.tags.clone())
            })
            .collect()
    })
}

/// The active detection rules of an institution with their tags: the built-in pack plus
/// its own rules, i.e. its technique mappings of kind `rule` (`own` are its mappings).
pub(crate) fn active_rules(own: &[store::Mapping]) -> Vec<(String, Vec<String>)> {
    let mut rules = builtin_rules().to_vec();
    for m in own.iter().filter(|m| m.subject_kind == "rule") {
        let key = format!("own:{}", m.subject_id);
        let tag = format!("attack.{}", m.technique.as_str().to_lowercase());
        match rules.iter_mut().find(|(id, _)| *id == key) {
            Some((_, tags)) => tags.push(tag),
            None => rules.push((key, vec![tag])),
        }
    }
    rules
}

/// The mappings of one institution.
pub(crate) async fn own_mappings(
    db: &mut deltawall_store::Conn,
    org_id: &str,
) -> SResult<Vec<store::Mapping>> {
    Ok(store::mappings(db, &OrgScope::Own(org_id.to_owned()), None).await?)
}

/// The upper-case technique ids the active rules are tagged with.
pub(crate) fn rule_techniques(rules: &[(String, Vec<String>)]) -> BTreeSet<String> {
    rules
        .iter()
        .flat_map(|(_, tags)| tags.iter())
        .filter_map(|t| TechniqueId::from_sigma_tag(t))
        .map(|id| id.to_string())
        .collect()
}

/// The layer info pinned to the newest stored release (its major version).
pub(crate) fn info(name: &str, description: &str, release: Option<&Release>) -> LayerInfo {
    LayerInfo {
        name: name.to_owned(),
        description: description.to_owned(),
        attack_version: release
            .map(|r| r.version.split('.').next().unwrap_or(&r.version).to_owned())
            .unwrap_or_default(),
    }
}

/// Validates a built layer and draws its matrix; a layer that fails its own schema check
/// is a bug, reported as an internal error rather than served.
pub(crate) fn finish(
    mut layer: Layer,
    release: Option<&Release>,
    note: Option<&'static str>,
) -> SResult<LayerView> {
    if release.is_none() {
        // without a stored release the ids are not pinned to any version
        layer.versions.attack = None;
    }
    layer
        .check()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("built layer is invalid: {e}")))?;
    let matrix = matrix(&layer, release);
    Ok(LayerView {
        layer,
        matrix,
        note,
    })
}

/// One of the coverage layers for the actor.
pub async fn layer(ctx: Ctx<'_>, kind: LayerKind) -> SResult<LayerView> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    let release = super::newest(&mut conn).await?;
    let r = release.as_ref();
    match kind {
        LayerKind::Detection => {
            let rules = active_rules(&own_mappings(&mut conn, &ctx.actor.org_id).await?);
            let i = info(
                "Deltawall detection coverage",
                "techniques tagged in the active detection rules: the built-in pack and the institution's own rules",
                r,
            );
            finish(build::detection(&i, &rules), r, None)
        }
        LayerKind::Incidents => {
            let own = OrgScope::Own(ctx.actor.org_id.clone());
            let mapped = store::mappings(&mut conn, &own, None).await?;
            let incidents: Vec<(String, TechniqueId)> = mapped
                .into_iter()
                .filter(|m| m.subject_kind == "incident")
                .map(|m| (m.subject_id, m.technique))
                .collect();
            let i = info(
                "Deltawall incident techniques",
                "techniques mapped to the institution's incidents",
                r,
            );
            finish(build::incidents(&i, &incidents), r, Some(INCIDENTS_NOTE))
        }
        LayerKind::Sector => {
            if ctx.actor.org_kind != OrgKind::Supervisor || !ctx.actor.can(Permission::ReadSector) {
                return Err(ServiceError::Forbidden);
            }
            let engagements =
                deltawall_store::tlpt::list(&mut conn, &ctx.actor.org_scope()).await?;
            let contributions: Vec<(String, TechniqueId)> = engagements
                .iter()
                .flat_map(|e| {
                    e.engagement
                        .scenarios
                        .iter()
                        .flat_map(|s| &s.steps)
                        .filter(|st| st.outcome == Some(Outcome::Undetected))
                        .filter_map(|st| TechniqueId::parse(&st.technique))
                        .map(|t| (e.org_id.clone(), t))
                })
                .collect();
            let i = info(
                "Deltawall sector: undetected in TLPTs",
                "techniques left undetected in the TLPTs of institutions in reach, shown only where enough institutions share them",
                r,
            );
            finish(build::sector(&i, &contributions, SECTOR_K), r, None)
        }
    }
}

/// A technique mapping as entered: the institution's own rule or incident and a technique.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingInput {
    /// `rule` (the institution's own detection rule, by its id) or `incident`.
    pub subject_kind: String,
    /// The rule's id or the incident's id.
    pub subject_id: String,
    /// The technique, e.g. `T1110.003`.
    pub technique: String,
}

fn bad(field: &'static str, code: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(deltawall_domain::validate::Invalid {
        field,
        reason,
        code,
    })
}

/// Records a technique mapping of one of the institution's own rules or incidents, pinned
/// to the newest stored release, which must have the technique.
pub async fn add_mapping(ctx: Ctx<'_>, input: &MappingInput) -> SResult<String> {
    ctx.require(Permission::EditPosture)?;
    let kind = input.subject_kind.trim();
    if !MAPPING_KINDS.contains(&kind) {
        return Err(bad(
            "subject_kind",
            "err-attack-subject",
            "is not rule or incident",
        ));
    }
    let subject = deltawall_domain::validate::text("subject_id", &input.subject_id, true, 200)?
        .unwrap_or_default();
    let technique = TechniqueId::parse(input.technique.trim()).ok_or_else(|| {
        bad(
            "technique",
            "err-attack-technique",
            "is not an ATT&CK technique id",
        )
    })?;
    // releases are never edited, so the newest one read before the transaction holds
    let release = super::newest(&mut ctx.store.read().await?)
        .await?
        .ok_or_else(|| {
            bad(
                "technique",
                "err-attack-no-release",
                "no ATT&CK release is stored yet",
            )
        })?;
    if release.technique(&technique).is_none() {
        return Err(bad(
            "technique",
            "err-attack-technique",
            "is not in the newest ATT&CK release",
        ));
    }
    let mut tx = ctx.store.write().await?;
    if kind == "incident" {
        let own = OrgScope::Own(ctx.actor.org_id.clone());
        // One row by its id: a list would stop at its first page and refuse older ones.
        deltawall_store::incidents::get(&mut tx, &own, &subject).await?;
    }
    let new = store::NewMapping {
        org_id: ctx.actor.org_id.clone(),
        subject_kind: kind.to_owned(),
        subject_id: subject.clone(),
        technique: technique.clone(),
        attack_version: release.version.clone(),
    };
    let id = store::add_mapping(&mut tx, &new, &ctx.actor.user_id, now_us()).await?;
    ctx.audit(
        &mut tx,
        "attack.mapping.add",
        ("attack_mapping", Some(&id)),
        None,
        json!({"subject_kind": kind, "subject_id": subject, "technique": technique, "attack_version": release.version}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
