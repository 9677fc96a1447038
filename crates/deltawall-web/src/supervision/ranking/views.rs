//! Page models of the supervisor's ranking and engagement pages, and the text of a score's
//! reasons in the page language (also used by the CSV/XLSX export). Templates are
//! `templates/sup_rank*.html` and `templates/sup_engagement*.html`.

use crate::i18n::{self, Lang};
use crate::layout::Layout;
use askama::Template;
use deltawall_app::supervision::engagements::EngagementView;
use deltawall_app::supervision::ranking::{RankRow, Ranking, SEVERITIES, attribute_pairs};
use deltawall_domain::catalog::Catalog;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::supervision::AttackType;
use deltawall_domain::supervision::score::{Factor, Observed, Reason, ScoreWeights};
use deltawall_store::findings::code_of;
use deltawall_store::sup_engagements::StoredEngagement;
use std::collections::BTreeMap;

fn t(lang: Lang, key: &str) -> String {
    i18n::t(lang, key).to_owned()
}

/// Section titles of the catalog in the page language, by id.
pub fn section_titles(lang: Lang, catalog: &Catalog) -> BTreeMap<String, String> {
    catalog
        .sections
        .iter()
        .map(|s| {
            let title = match lang {
                Lang::Ja => &s.title.ja,
                Lang::En => &s.title.en,
            };
            (s.id.clone(), format!("{} {title}", s.id))
        })
        .collect()
}

/// Formats points: whole numbers without decimals, others with two.
pub fn points(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// What a reason is about, in the page language.
pub fn factor_text(lang: Lang, f: &Factor, titles: &BTreeMap<String, String>) -> String {
    let code = lang.code();
    match f {
        Factor::BusinessType { business_type } => {
            format!(
                "{}: {}",
                t(lang, "rank-f-business_type"),
                business_type.label(code)
            )
        }
        Factor::Attribute { kind, value } => format!("{}: {value}", kind.label(code)),
        Factor::SinceMonitored => t(lang, "rank-f-since_monitored"),
        Factor::ElementGap { element } => format!(
            "{}: {}",
            t(lang, "rank-f-element_gap"),
            titles.get(element).unwrap_or(element)
        ),
        Factor::PostureUnknown => t(lang, "rank-f-posture_unknown"),
        Factor::OpenFindings { severity } => format!(
            "{} ({})",
            t(lang, "rank-f-open_findings"),
            t(lang, &format!("severity-{}", code_of(severity)))
        ),
        Factor::OverdueFindings { severity } => format!(
            "{} ({})",
            t(lang, "rank-f-overdue_findings"),
            t(lang, &format!("severity-{}", code_of(severity)))
        ),
        Factor::OverdueRequests => t(lang, "rank-f-overdue_requests"),
        Factor::Incidents { attack } => {
            format!("{}: {}", t(lang, "rank-f-incidents"), attack.label(code))
        }
        Factor::UntestedPlan => t(lang, "rank-f-untested_plan"),
    }
}

/// What a reason saw, in the page language.
pub fn observed_text(lang: Lang, o: &Observed) -> String {
    match o {
        Observed::Applies => t(lang, "rank-o-applies"),
        Observed::Days(d) => i18n::tf(lang, "rank-o-days", &[("n", &d.to_string())]),
        Observed::Never => t(lang, "rank-o-never"),
        Observed::Share(s) => format!("{:.0}%", s * 100.0),
        Observed::Count(n) => n.to_string(),
    }
}

/// One reason as shown.
#[derive(Debug, Clone)]
pub struct ReasonLine {
    /// The factor.
    pub factor: String,
    /// What was seen.
    pub observed: String,
    /// The weight.
    pub weight: String,
    /// The points it adds.
    pub contribution: String,
}

/// Reasons in the page language.
pub fn reason_lines(
    lang: Lang,
    reasons: &[Reason],
    titles: &BTreeMap<String, String>,
) -> Vec<ReasonLine> {
    reasons
        .iter()
        .map(|r| ReasonLine {
            factor: factor_text(lang, &r.factor, titles),
            observed: observed_text(lang, &r.observed),
            weight: points(r.weight),
            contribution: points(r.contribution),
        })
        .collect()
}

/// One row of the ranked list as shown.
#[derive(Debug, Clone)]
pub struct RankLine {
    /// Position.
    pub position: usize,
    /// Institution id.
    pub org_id: String,
    /// Name in the page language.
    pub name: String,
    /// Business type label.
    pub business_type: String,
    /// Region label.
    pub region: String,
    /// Total points.
    pub total: String,
    /// Last monitored day, or a dash.
    pub last_monitored: String,
    /// Why.
    pub reasons: Vec<ReasonLine>,
}

/// The name of a ranked institution in the page language.
pub fn rank_name(lang: Lang, r: &RankRow) -> String {
    match lang {
        Lang::Ja => r.name_ja.clone(),
        Lang::En => r.name_en.clone(),
    }
}

/// Rows of the ranked list in the page language.
pub fn rank_lines(
    lang: Lang,
    ranking: &Ranking,
    titles: &BTreeMap<String, String>,
) -> Vec<RankLine> {
    ranking
        .rows
        .iter()
        .map(|r| RankLine {
            position: r.ranked.position,
            org_id: r.ranked.scored.org_id.clone(),
            name: rank_name(lang, r),
            business_type: r.business_type.label(lang.code()).to_owned(),
            region: r.region.label(lang.code()).to_owned(),
            total: points(r.ranked.scored.total),
            last_monitored: r.last_monitored.map_or("—".into(), |d| d.to_string()),
            reasons: reason_lines(lang, &r.ranked.scored.reasons, titles),
        })
        .collect()
}

/// `(code, label)` choices.
pub type Choices = Vec<(String, String)>;

/// Business types as choices.
pub fn business_types(lang: Lang) -> Choices {
    BusinessType::ALL
        .iter()
        .map(|b| (b.code().to_owned(), b.label(lang.code()).to_owned()))
        .collect()
}

/// Regions as choices.
pub fn regions(lang: Lang) -> Choices {
    Region::ALL
        .iter()
        .map(|r| (r.code().to_owned(), r.label(lang.code()).to_owned()))
        .collect()
}

/// `/supervision`.
#[derive(Template)]
#[template(path = "supervision/ranking/home.html")]
pub struct HomePage {
    /// Layout.
    pub l: Layout,
    /// The highest-ranked institutions.
    pub top: Vec<RankLine>,
    /// Engagements planned or under way.
    pub active: Vec<EngagementLine>,
    /// Whether the viewer may change weights.
    pub can_weights: bool,
}

/// `/supervision/ranking`.
#[derive(Template)]
#[template(path = "supervision/ranking/list.html")]
pub struct RankingPage {
    /// Layout.
    pub l: Layout,
    /// Rows.
    pub rows: Vec<RankLine>,
    /// The weights version used and its first day.
    pub version: u32,
    /// The day scored.
    pub today: String,
    /// Filter choices and the selected codes.
    pub business_types: Choices,
    /// Regions.
    pub regions: Choices,
    /// Selected business type.
    pub business_type: String,
    /// Selected region.
    pub region: String,
    /// The filter as a query string, for the export links.
    pub query: String,
    /// Whether the viewer may plan engagements.
    pub can_plan: bool,
}

/// One input of the weights editor.
#[derive(Debug, Clone)]
pub struct WeightField {
    /// Form field name (the domain's field name).
    pub name: String,
    /// Label.
    pub label: String,
    /// Current value.
    pub value: String,
    /// The refusal, when this field was refused.
    pub error: Option<String>,
}

/// A group of inputs.
#[derive(Debug, Clone)]
pub struct WeightGroup {
    /// Heading.
    pub title: String,
    /// Inputs.
    pub fields: Vec<WeightField>,
}

/// One version in the versions table.
#[derive(Debug, Clone)]
pub struct VersionLine {
    /// Version.
    pub version: u32,
    /// Author (user id or `deltawall-default`).
    pub author: String,
    /// First day.
    pub effective_from: String,
}

/// `/supervision/weights`.
#[derive(Template)]
#[template(path = "supervision/ranking/weights.html")]
pub struct WeightsPage {
    /// Layout.
    pub l: Layout,
    /// The editor's inputs.
    pub groups: Vec<WeightGroup>,
    /// First day of the new version.
    pub effective_from: String,
    /// An error not tied to one input.
    pub error: Option<String>,
    /// Every version, newest first.
    pub versions: Vec<VersionLine>,
    /// Whether the viewer may save a version.
    pub can_edit: bool,
}

fn field(name: String, label: String, value: String) -> WeightField {
    WeightField {
        name,
        label,
        value,
        error: None,
    }
}

/// The editor's inputs for weights `w`, named as the domain names its fields. Attribute
/// values without a weight are offered empty.
pub fn weight_groups(lang: Lang, w: &ScoreWeights) -> Vec<WeightGroup> {
    let code = lang.code();
    let bt = BusinessType::ALL
        .iter()
        .map(|b| {
            let v = w
                .business_type
                .get(b)
                .map(|p| points(*p))
                .unwrap_or_default();
            field(
                format!("business_type.{}", b.code()),
                b.label(code).into(),
                v,
            )
        })
        .collect();
    let attrs = attribute_pairs()
        .into_iter()
        .map(|(k, v)| {
            let p = w.attributes.iter().find(|a| a.kind == k && a.value == v);
            field(
                format!("attribute.{}.{v}", k.code()),
                format!("{}: {v}", k.label(code)),
                p.map(|a| points(a.points)).unwrap_or_default(),
            )
        })
        .collect();
    let scalar =
        |name: &str, value: String| field(name.into(), t(lang, &format!("rank-w-{name}")), value);
    let general = vec![
        scalar(
            "per_year_since_monitored",
            points(w.per_year_since_monitored),
        ),
        scalar(
            "max_years_since_monitored",
            w.max_years_since_monitored.to_string(),
        ),
        scalar("per_element_gap", points(w.per_element_gap)),
        scalar("posture_unknown", points(w.posture_unknown)),
        scalar("per_overdue_request", points(w.per_overdue_request)),
        scalar(
            "incident_window_months",
            w.incident_window_months.to_string(),
        ),
        scalar("per_untested_plan", points(w.per_untested_plan)),
    ];
    let sev = |name: &str, sp: &deltawall_domain::supervision::score::SeverityPoints| {
        SEVERITIES
            .iter()
            .zip([sp.low, sp.medium, sp.high, sp.critical])
            .map(|(s, p)| {
                field(
                    format!("{name}.{s}"),
                    t(lang, &format!("severity-{s}")),
                    points(p),
                )
            })
            .collect()
    };
    let incidents = AttackType::ALL
        .iter()
        .map(|a| {
            let v = w
                .per_incident
                .get(a)
                .map(|p| points(*p))
                .unwrap_or_default();
            field(
                format!("per_incident.{}", a.code()),
                a.label(code).into(),
                v,
            )
        })
        .collect();
    let group = |key: &str, fields| WeightGroup {
        title: t(lang, key),
        fields,
    };
    vec![
        group("rank-w-general", general),
        group("rank-w-business_type", bt),
        group("rank-w-attributes", attrs),
        group(
            "rank-w-per_open_finding",
            sev("per_open_finding", &w.per_open_finding),
        ),
        group(
            "rank-w-per_overdue_finding",
            sev("per_overdue_finding", &w.per_overdue_finding),
        ),
        group("rank-w-per_incident", incidents),
    ]
}

/// An engagement in a list.
#[derive(Debug, Clone)]
pub struct EngagementLine {
    /// Id.
    pub id: String,
    /// Institution name.
    pub org: String,
    /// Method label.
    pub method: String,
    /// State label.
    pub state: String,
    /// Planned day.
    pub planned_on: String,
    /// Open follow-ups.
    pub open_follow_ups: usize,
}

/// Engagements in the page language.
pub fn engagement_lines(lang: Lang, list: &[StoredEngagement]) -> Vec<EngagementLine> {
    list.iter()
        .map(|s| EngagementLine {
            id: s.id.clone(),
            org: match lang {
                Lang::Ja => s.org_name_ja.clone(),
                Lang::En => s.org_name_en.clone(),
            },
            method: t(
                lang,
                &format!("eng-method-{}", code_of(&s.engagement.method)),
            ),
            state: t(lang, &format!("eng-state-{}", code_of(&s.engagement.state))),
            planned_on: s.planned_on.clone(),
            open_follow_ups: s
                .engagement
                .follow_ups
                .iter()
                .filter(|f| f.milestone.done_us.is_none())
                .count(),
        })
        .collect()
}

/// `/supervision/engagements`.
#[derive(Template)]
#[template(path = "supervision/engagements/list.html")]
pub struct EngagementsPage {
    /// Layout.
    pub l: Layout,
    /// Engagements.
    pub rows: Vec<EngagementLine>,
    /// Institutions that may be chosen for a new engagement: `(id, name)`.
    pub institutions: Choices,
    /// The institution chosen in advance (from a ranking row).
    pub org: String,
    /// Catalog viewpoints: `(id, title)`.
    pub viewpoints: Choices,
    /// Methods.
    pub methods: Choices,
    /// Today.
    pub today: String,
    /// Whether the viewer may plan.
    pub can_plan: bool,
    /// Links to the next page of engagements and back to the first.
    pub pager: crate::layout::CursorPager,
}

/// A note as shown.
#[derive(Debug, Clone)]
pub struct NoteLine {
    /// Viewpoint title.
    pub viewpoint: String,
    /// Text.
    pub text: String,
}

/// A follow-up as shown.
#[derive(Debug, Clone)]
pub struct FollowUpLine {
    /// Index.
    pub index: usize,
    /// Title.
    pub title: String,
    /// Assignee name and organisation.
    pub assignee: String,
    /// Due.
    pub due: String,
    /// Done at, or empty.
    pub done: String,
    /// Escalated past its due date and still open.
    pub overdue: bool,
    /// The finding it tracks.
    pub finding_id: String,
}

/// A history entry as shown.
#[derive(Debug, Clone)]
pub struct EventLine {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub what: String,
}

/// A finding issued from the engagement.
#[derive(Debug, Clone)]
pub struct IssuedLine {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity label.
    pub severity: String,
    /// State label.
    pub state: String,
}

/// `/supervision/engagements/{id}`.
#[derive(Template)]
#[template(path = "supervision/engagements/show.html")]
pub struct EngagementPage {
    /// Layout.
    pub l: Layout,
    /// Summary line.
    pub e: EngagementLine,
    /// State code (which forms to show).
    pub state: String,
    /// Planned viewpoints `(id, title, has a note)`.
    pub viewpoints: Vec<(String, String, bool)>,
    /// Notes.
    pub notes: Vec<NoteLine>,
    /// Follow-ups.
    pub follow_ups: Vec<FollowUpLine>,
    /// History.
    pub history: Vec<EventLine>,
    /// Findings issued.
    pub findings: Vec<IssuedLine>,
    /// Assignee choices.
    pub assignees: Choices,
    /// Finding owner choices (the institution's users).
    pub owners: Choices,
    /// Severities.
    pub severities: Choices,
    /// Monitoring days of the institution.
    pub monitoring: Vec<(String, String)>,
    /// Whether the viewer may act.
    pub can_act: bool,
}

/// The engagement page in the page language.
pub fn engagement_page(
    l: Layout,
    v: &EngagementView,
    titles: &BTreeMap<String, String>,
) -> EngagementPage {
    let lang = l.lang;
    let e = &v.stored.engagement;
    let title = |id: &str| titles.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let names: BTreeMap<&str, String> = v
        .assignees
        .iter()
        .map(|a| {
            let org = match lang {
                Lang::Ja => &a.org_name_ja,
                Lang::En => &a.org_name_en,
            };
            (a.user_id.as_str(), format!("{} ({org})", a.display_name))
        })
        .collect();
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    EngagementPage {
        e: engagement_lines(lang, std::slice::from_ref(&v.stored)).remove(0),
        state: code_of(&e.state),
        viewpoints: e
            .viewpoints
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    title(id),
                    e.notes.iter().any(|n| &n.viewpoint == id),
                )
            })
            .collect(),
        notes: e
            .notes
            .iter()
            .map(|n| NoteLine {
                viewpoint: title(&n.viewpoint),
                text: n.text.clone(),
            })
            .collect(),
        follow_ups: e
            .follow_ups
            .iter()
            .enumerate()
            .map(|(i, f)| FollowUpLine {
                index: i,
                title: f.milestone.title.clone(),
                assignee: name(&f.milestone.owner),
                due: crate::layout::format_time(f.milestone.due_us),
                done: f
                    .milestone
                    .done_us
                    .map(crate::layout::format_time)
                    .unwrap_or_default(),
                overdue: v.overdue.contains(&i),
                finding_id: f.finding_id.clone().unwrap_or_default(),
            })
            .collect(),
        history: v
            .events
            .iter()
            .map(|ev| EventLine {
                at: crate::layout::format_time(ev.at),
                actor: name(&ev.actor),
                what: event_text(lang, &ev.event),
            })
            .collect(),
        findings: v
            .findings
            .iter()
            .map(|f| IssuedLine {
                id: f.id.clone(),
                title: f.title.clone(),
                severity: t(lang, &format!("severity-{}", code_of(&f.finding.severity))),
                state: t(lang, &format!("state-{}", code_of(&f.finding.state))),
            })
            .collect(),
        assignees: v
            .assignees
            .iter()
            .map(|a| (a.user_id.clone(), name(&a.user_id)))
            .collect(),
        owners: v
            .owners
            .iter()
            .map(|u| (u.id.clone(), u.display_name.clone()))
            .collect(),
        severities: SEVERITIES
            .iter()
            .map(|s| ((*s).to_owned(), t(lang, &format!("severity-{s}"))))
            .collect(),
        monitoring: v
            .monitoring
            .iter()
            .map(|m| {
                (
                    m.monitored_on.clone(),
                    t(lang, &format!("eng-method-{}", m.method)),
                )
            })
            .collect(),
        can_act: v.can_act,
        l,
    }
}

/// A stored history event in the page language: the plan, or the command's name.
fn event_text(lang: Lang, ev: &serde_json::Value) -> String {
    if ev.get("plan").is_some() {
        return t(lang, "eng-ev-plan");
    }
    let command = ev
        .get("command")
        .and_then(|c| c.get("command"))
        .and_then(|c| c.as_str())
        .unwrap_or("?");
    let key = match command {
        "add_follow_up" => "eng-ev-follow_up",
        "complete_follow_up" => "eng-ev-follow_up_done",
        "start" => "eng-ev-start",
        "note" => "eng-ev-note",
        "complete" => "eng-ev-complete",
        "cancel" => "eng-ev-cancel",
        _ => "eng-ev-other",
    };
    let mut text = t(lang, key);
    if let Some(reason) = ev.pointer("/command/reason").and_then(|r| r.as_str()) {
        text.push_str(": ");
        text.push_str(reason);
    }
    text
}
