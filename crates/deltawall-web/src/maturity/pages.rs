//! `GET /posture/group/maturity`: the group's maturity by company and element.

use crate::error::AppError;
use crate::http::{Query, UiUser};
use crate::layout::{Layout, render};
use crate::posture::views_oscal::cat_lang;
use crate::router::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use deltawall_app::posture::maturity::{self, MaturityReport};
use serde::Deserialize;

/// The page's query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaturityQuery {
    /// The target level, 1 to 5.
    pub target: Option<u8>,
}

/// One company's row: its name, one cell per element, its overall mean.
pub struct CompanyLine {
    /// Display name.
    pub name: String,
    /// Per element: the mean as text and whether it is below the target.
    pub cells: Vec<(String, bool)>,
    /// Overall mean as text.
    pub overall: String,
}

/// The page.
#[derive(Template)]
#[template(path = "maturity/group.html")]
pub struct MaturityPage {
    /// Layout.
    pub l: Layout,
    /// Element titles.
    pub heads: Vec<String>,
    /// One line per company.
    pub lines: Vec<CompanyLine>,
    /// Per element: lowest mean, mean of means, the weakest companies, unrated count.
    pub spread: Vec<(String, String, String, String, usize)>,
    /// The target level.
    pub target: String,
}

/// Hundredths as a level with two decimals; a dash when nothing is rated.
fn level(x100: Option<u32>) -> String {
    x100.map_or_else(|| "—".to_owned(), |v| format!("{}.{:02}", v / 100, v % 100))
}

fn page(l: Layout, r: &MaturityReport) -> MaturityPage {
    let lang = cat_lang(l.lang);
    let name = |id: &str| {
        r.companies
            .iter()
            .find(|(o, ..)| o == id)
            .map(|(_, ja, en)| {
                if l.lang == crate::i18n::Lang::Ja {
                    ja.clone()
                } else {
                    en.clone()
                }
            })
            .unwrap_or_default()
    };
    let lines = r
        .maturity
        .companies
        .iter()
        .map(|c| CompanyLine {
            name: name(&c.company_id),
            cells: c
                .by_element
                .iter()
                .map(|(section, v)| (level(*v), c.below_target.contains(section)))
                .collect(),
            overall: level(c.overall_x100),
        })
        .collect();
    let title = |id: &str| {
        r.elements
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.title.shown(lang).to_owned())
            .unwrap_or_else(|| id.to_owned())
    };
    let spread = r
        .maturity
        .elements
        .iter()
        .map(|e| {
            let weakest: Vec<String> = e.weakest.iter().map(|w| name(w)).collect();
            (
                title(&e.section_id),
                level(e.min_x100),
                level(e.mean_x100),
                weakest.join("、"),
                e.unrated,
            )
        })
        .collect();
    let heads = r
        .maturity
        .companies
        .first()
        .map(|c| c.by_element.iter().map(|(s, _)| title(s)).collect())
        .unwrap_or_else(|| {
            r.elements
                .iter()
                .map(|e| e.title.shown(lang).to_owned())
                .collect()
        });
    MaturityPage {
        heads,
        lines,
        spread,
        target: r.target.map(|t| t.to_string()).unwrap_or_default(),
        l,
    }
}

/// `GET /posture/group/maturity?target=N`.
pub async fn group(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<MaturityQuery>,
) -> Result<Response, AppError> {
    let r = maturity::group(user.ctx(&state), q.target)
        .await
        .map_err(user.err())?;
    Ok(render(&page(
        user.layout("maturity-title", "posture", None),
        &r,
    )))
}
