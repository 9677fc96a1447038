//! Group maturity (issue 17, point 4): a holding company's key group companies by element
//! of the built-in catalog, from the maturity level each latest submitted assessment
//! reached, with each element's spread and the companies below a target level. The numbers
//! are the domain's `group_maturity`, built on the same posture progress every company's
//! own page shows; reads go through the actor's record scope, as the group roll-up does.

use crate::error::ServiceError;
use crate::posture::assessments::{builtin_catalog, to_latest};
use crate::posture::report::{Element, elements};
use crate::{Ctx, SResult};
use deltawall_domain::OrgKind;
use deltawall_domain::group_maturity::{GroupMaturity, group_maturity};
use deltawall_domain::posture::Latest;
use deltawall_store::assessments;
use deltawall_store::records::now_us;
use serde::Serialize;
use std::collections::BTreeMap;

/// The group's maturity with the names of its companies.
#[derive(Debug, Clone, Serialize)]
pub struct MaturityReport {
    /// Elements of the catalog, in order.
    pub elements: Vec<Element>,
    /// (organisation id, Japanese name, English name) of each company, in report order.
    pub companies: Vec<(String, String, String)>,
    /// The figures.
    pub maturity: GroupMaturity,
    /// The target level the elements are measured against.
    pub target: Option<u8>,
}

/// The maturity of the actor's group companies (institutions only; read-only). `target`
/// is a level from 1 to 5.
pub async fn group(ctx: Ctx<'_>, target: Option<u8>) -> SResult<MaturityReport> {
    if ctx.actor.org_kind != OrgKind::Institution {
        return Err(ServiceError::Forbidden);
    }
    if target.is_some_and(|t| !(1..=5).contains(&t)) {
        return Err(ServiceError::Invalid(deltawall_domain::validate::Invalid {
            field: "target",
            reason: "must be a level from 1 to 5",
            code: "err-maturity-target",
        }));
    }
    let (_, catalog) = builtin_catalog(ctx.store).await?;
    let scope = ctx.actor.record_scope();
    let mut conn = ctx.store.read().await?;
    let companies = assessments::group_companies(&mut conn, &scope).await?;
    let all = assessments::list(&mut conn, &scope, None).await?;
    // newest first; the scope already hides other organisations' drafts
    let latest_of = |org_id: &str| {
        all.iter()
            .find(|a| a.org_id == org_id)
            .map(|a| a.id.clone())
    };
    let ids: Vec<String> = companies
        .iter()
        .filter_map(|(o, ..)| latest_of(o))
        .collect();
    let mut results: BTreeMap<String, Vec<Latest>> = BTreeMap::new();
    for r in assessments::results_as_of_many(&mut conn, &scope, &ids, now_us()).await? {
        results
            .entry(r.assessment_id.clone())
            .or_default()
            .push(to_latest(&r));
    }
    let answers: Vec<(String, Vec<Latest>)> = companies
        .iter()
        .map(|(org_id, ..)| {
            let latest = latest_of(org_id)
                .and_then(|a| results.get(&a).cloned())
                .unwrap_or_default();
            (org_id.clone(), latest)
        })
        .collect();
    Ok(MaturityReport {
        elements: elements(&catalog),
        maturity: group_maturity(&catalog, &answers, target),
        companies,
        target,
    })
}
