//! Page models of the posture pages, and the mapping from service results to rows already
//! in the page language. Templates are `templates/posture_*.html`.

use crate::i18n::{self, Lang};
use crate::layout::Layout;
use askama::Template;
use deltawall_app::posture::assessments::{AssessmentView, Change};
use deltawall_app::posture::findings::{FindingView, overdue};
use deltawall_app::posture::report::{Element, GroupReport, ManagementReport};
use deltawall_domain::catalog::{Catalog, Text};
use deltawall_domain::finding::Escalation;
use deltawall_domain::posture::ElementProgress;
use deltawall_store::assessments::{Assessment, Revision};
use deltawall_store::evidence::Evidence;
use deltawall_store::findings::{StoredFinding, code_of};
use deltawall_store::risks::Risk;
use std::collections::BTreeMap;

fn text(lang: Lang, t: &Text) -> String {
    match lang {
        Lang::Ja => t.ja.clone(),
        Lang::En => t.en.clone(),
    }
}

/// A label from a message key built from a prefix and a code.
pub fn label(lang: Lang, prefix: &str, code: &str) -> String {
    i18n::t(lang, &format!("{prefix}-{code}")).to_owned()
}

/// Mean maturity in hundredths as `1.50`, or a dash.
pub fn maturity(x100: Option<u32>) -> String {
    x100.map_or("—".into(), |m| format!("{}.{:02}", m / 100, m % 100))
}

/// One line of a progress table.
#[derive(Debug, Clone)]
pub struct ProgressRow {
    /// Element title.
    pub element: String,
    /// Counts: total, answered, carried, met, partial, not met, not applicable.
    pub counts: [usize; 7],
    /// Mean maturity.
    pub maturity: String,
    /// Open findings in the element.
    pub open: usize,
}

/// Progress rows in the page language.
pub fn progress_rows(
    lang: Lang,
    elements: &[Element],
    progress: &[ElementProgress],
    open: &BTreeMap<String, usize>,
) -> Vec<ProgressRow> {
    elements
        .iter()
        .map(|e| {
            let p = progress.iter().find(|p| p.section_id == e.id);
            ProgressRow {
                element: text(lang, &e.title),
                counts: p.map_or([0; 7], |p| {
                    [
                        p.total,
                        p.answered,
                        p.carried,
                        p.met,
                        p.partial,
                        p.not_met,
                        p.not_applicable,
                    ]
                }),
                maturity: maturity(p.and_then(|p| p.maturity_x100)),
                open: open.get(&e.id).copied().unwrap_or(0),
            }
        })
        .collect()
}

/// An assessment in a list.
#[derive(Debug, Clone)]
pub struct AssessmentRow {
    /// Id.
    pub id: String,
    /// Institution name.
    pub org: String,
    /// Kind label.
    pub kind: String,
    /// As of.
    pub as_of: String,
    /// Cycle.
    pub cycle: i64,
    /// Status label.
    pub status: String,
    /// Whether it belongs to the viewer's institution.
    pub own: bool,
}

/// List rows of assessments.
pub fn assessment_rows(lang: Lang, me: &str, list: &[Assessment]) -> Vec<AssessmentRow> {
    list.iter()
        .map(|a| AssessmentRow {
            id: a.id.clone(),
            org: if lang == Lang::Ja {
                a.org_name_ja.clone()
            } else {
                a.org_name_en.clone()
            },
            kind: label(lang, "kind", a.kind.code()),
            as_of: a.as_of.clone(),
            cycle: a.cycle,
            status: label(lang, "status", a.status.code()),
            own: a.org_id == me,
        })
        .collect()
}

/// Posture home.
#[derive(Template)]
#[template(path = "posture/home.html")]
pub struct HomePage {
    /// Layout.
    pub l: Layout,
    /// Links to the other pages of the list.
    pub pager: crate::layout::CursorPager,
    /// Assessments visible to the viewer.
    pub assessments: Vec<AssessmentRow>,
    /// Progress of the viewer's latest assessment.
    pub progress: Vec<ProgressRow>,
    /// Whether the viewer may start assessments.
    pub can_edit: bool,
    /// Kinds: (code, label).
    pub kinds: Vec<(String, String)>,
    /// Today, for the as-of default.
    pub today: String,
    /// Catalog editions to answer: (id, label).
    pub catalogs: Vec<(String, String)>,
    /// Mapping sets that can pre-fill a new assessment: (id, title).
    pub mapping_sets: Vec<(String, String)>,
}

/// A requirement on the assessment page.
#[derive(Debug, Clone)]
pub struct ReqRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Statement.
    pub statement: String,
    /// Class label.
    pub class: String,
    /// Typical evidence.
    pub evidence_hints: Vec<String>,
    /// Pitfalls seen by the supervisor.
    pub pitfalls: Vec<String>,
    /// Sources in the report.
    pub provenance: String,
    /// The latest answer.
    pub latest: Option<Revision>,
    /// Result label of the latest answer.
    pub result: String,
    /// Change against the carried answer: message key suffix.
    pub change: &'static str,
    /// Its label.
    pub change_label: String,
    /// Confidence label of the latest answer.
    pub confidence: String,
}

/// A viewpoint with its requirements.
#[derive(Debug, Clone)]
pub struct ViewpointBlock {
    /// Section id.
    pub id: String,
    /// Title.
    pub title: String,
    /// What it covers.
    pub description: String,
    /// Requirements.
    pub reqs: Vec<ReqRow>,
}

fn change_key(c: Change) -> &'static str {
    match c {
        Change::Carried => "carried",
        Change::Confirmed => "confirmed",
        Change::Changed => "changed",
        Change::New => "new",
        Change::Derived => "derived",
    }
}

/// The viewpoints of an assessment's catalog with each requirement's latest answer.
pub fn viewpoints(lang: Lang, v: &AssessmentView) -> Vec<ViewpointBlock> {
    let c: &Catalog = &v.catalog;
    c.sections
        .iter()
        .filter(|s| !s.requirements.is_empty())
        .map(|s| ViewpointBlock {
            id: s.id.clone(),
            title: text(lang, &s.title),
            description: text(lang, &s.description),
            reqs: s
                .requirements
                .iter()
                .map(|r| {
                    let latest = v.latest.iter().find(|l| l.requirement_id == r.id).cloned();
                    let change = v
                        .changes
                        .iter()
                        .find(|(id, _)| *id == r.id)
                        .map_or("none", |(_, c)| change_key(*c));
                    ReqRow {
                        id: r.id.clone(),
                        title: text(lang, &r.title),
                        statement: text(lang, &r.statement),
                        class: match r.class {
                            deltawall_domain::catalog::Class::Basic => {
                                label(lang, "class", "basic")
                            }
                            deltawall_domain::catalog::Class::Desirable => {
                                label(lang, "class", "desirable")
                            }
                            deltawall_domain::catalog::Class::Level(n) => format!("L{n}"),
                        },
                        evidence_hints: r.guidance.typical_evidence.get(to_cat(lang)).to_vec(),
                        pitfalls: r.guidance.pitfalls.get(to_cat(lang)).to_vec(),
                        provenance: r.provenance.join(", "),
                        result: latest.as_ref().map_or("—".into(), |l| {
                            label(lang, "result", l.answer.outcome.code())
                        }),
                        confidence: latest.as_ref().map_or(String::new(), |l| {
                            label(lang, "confidence", l.answer.confidence.code())
                        }),
                        change_label: if change == "derived" {
                            i18n::t(lang, "map-derived").to_owned()
                        } else {
                            label(lang, "change", change)
                        },
                        latest,
                        change,
                    }
                })
                .collect(),
        })
        .collect()
}

fn to_cat(lang: Lang) -> deltawall_domain::catalog::Lang {
    match lang {
        Lang::Ja => deltawall_domain::catalog::Lang::Ja,
        Lang::En => deltawall_domain::catalog::Lang::En,
    }
}

/// Maturity levels of a catalog: (level, label).
pub fn maturity_levels(lang: Lang, c: &Catalog) -> Vec<(u8, String)> {
    c.maturity_scale
        .iter()
        .map(|m| (m.level, text(lang, &m.label)))
        .collect()
}

/// Assessment page.
#[derive(Template)]
#[template(path = "posture/assessment.html")]
pub struct AssessmentPage {
    /// Layout.
    pub l: Layout,
    /// The assessment.
    pub a: AssessmentRow,
    /// Its scope.
    pub scope: String,
    /// As-of day asked for (empty: now).
    pub as_of: String,
    /// Progress by element.
    pub progress: Vec<ProgressRow>,
    /// Viewpoints and requirements.
    pub viewpoints: Vec<ViewpointBlock>,
    /// Whether the viewer may answer (own draft).
    pub can_answer: bool,
    /// Whether the viewer may start the next cycle from it.
    pub can_next: bool,
    /// Maturity levels.
    pub levels: Vec<(u8, String)>,
    /// The institution's evidence: (id, file name).
    pub evidence: Vec<(String, String)>,
    /// Kinds, for the next cycle form.
    pub kinds: Vec<(String, String)>,
    /// Today.
    pub today: String,
    /// Title of the catalog edition answered.
    pub catalog_title: String,
    /// Mapping sets into this assessment's catalog edition: (id, title).
    pub mapping_sets: Vec<(String, String)>,
}

/// Revision history page.
#[derive(Template)]
#[template(path = "posture/history.html")]
pub struct HistoryPage {
    /// Layout.
    pub l: Layout,
    /// Assessment id.
    pub id: String,
    /// Requirement, if one.
    pub requirement: String,
    /// Revisions, with their result labels.
    pub revisions: Vec<(Revision, String)>,
}

/// Evidence page.
#[derive(Template)]
#[template(path = "posture/evidence.html")]
pub struct EvidencePage {
    /// Layout.
    pub l: Layout,
    /// Links to the other pages of the list.
    pub pager: crate::layout::CursorPager,
    /// Files.
    pub files: Vec<Evidence>,
    /// May upload.
    pub can_edit: bool,
    /// Today.
    pub today: String,
    /// TLP labels.
    pub tlp: &'static [&'static str],
    /// Size limit in MiB.
    pub max_mib: usize,
}

/// Risk register page.
#[derive(Template)]
#[template(path = "posture/risks.html")]
pub struct RisksPage {
    /// Layout.
    pub l: Layout,
    /// Links to the other pages of the list.
    pub pager: crate::layout::CursorPager,
    /// Risks, with a flag for the viewer's own.
    pub risks: Vec<(Risk, bool)>,
    /// May edit.
    pub can_edit: bool,
    /// Treatments.
    pub treatments: &'static [&'static str],
    /// Today.
    pub today: String,
}

impl RisksPage {
    /// Label of a treatment.
    pub fn treatment(&self, code: &str) -> String {
        label(self.l.lang, "treatment", code)
    }
}

/// A finding in a list.
#[derive(Debug, Clone)]
pub struct FindingRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity label.
    pub severity: String,
    /// State label.
    pub state: String,
    /// Due.
    pub due_on: String,
    /// Past due while open.
    pub overdue: bool,
    /// Requirements.
    pub requirements: String,
}

/// Finding rows.
pub fn finding_rows(lang: Lang, list: &[StoredFinding], now: i64) -> Vec<FindingRow> {
    list.iter()
        .map(|f| FindingRow {
            id: f.id.clone(),
            title: f.title.clone(),
            severity: label(lang, "severity", &code_of(&f.finding.severity)),
            state: label(lang, "state", &code_of(&f.finding.state)),
            due_on: f.due_on.clone().unwrap_or_else(|| "—".into()),
            overdue: overdue(f, now),
            requirements: f.requirement_ids.join(", "),
        })
        .collect()
}

/// Findings page.
#[derive(Template)]
#[template(path = "posture/findings.html")]
pub struct FindingsPage {
    /// Layout.
    pub l: Layout,
    /// Links to the other pages of the list.
    pub pager: crate::layout::CursorPager,
    /// Rows.
    pub rows: Vec<FindingRow>,
    /// May create.
    pub can_edit: bool,
    /// Users of the institution who may own a finding: (id, name).
    pub owners: Vec<(String, String)>,
    /// Pre-filled assessment id.
    pub assessment: String,
    /// Pre-filled requirement id.
    pub requirement: String,
    /// Severities: (code, label).
    pub severities: Vec<(String, String)>,
}

/// A history line of a finding.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// When.
    pub at_us: i64,
    /// Who (display name or id).
    pub actor: String,
    /// Command label.
    pub command: String,
    /// From state label.
    pub from: String,
    /// To state label.
    pub to: String,
}

/// Finding page.
#[derive(Template)]
#[template(path = "posture/finding.html")]
pub struct FindingPage {
    /// Layout.
    pub l: Layout,
    /// The finding.
    pub f: FindingRow,
    /// Description.
    pub description: String,
    /// Owner name.
    pub owner: String,
    /// Risk acceptance: (approver, expires, rationale).
    pub acceptance: Option<(String, i64, String)>,
    /// History.
    pub events: Vec<EventRow>,
    /// Allowed commands: (name, label).
    pub allowed: Vec<(String, String)>,
    /// Milestones: (id, title, owner, due, done_at, overdue).
    pub milestones: Vec<(String, String, String, String, Option<i64>, bool)>,
    /// Escalation label.
    pub escalation: String,
    /// Whether escalation is above none.
    pub escalated: bool,
    /// May act.
    pub editable: bool,
}

/// Builds the finding page's parts from the service's view; `name` maps user ids.
pub fn finding_page(
    l: Layout,
    v: &FindingView,
    now: i64,
    name: &dyn Fn(&str) -> String,
) -> FindingPage {
    let lang = l.lang;
    let f = &v.stored;
    let events = f
        .finding
        .history
        .iter()
        .map(|e| {
            let cmd = serde_json::to_value(&e.command)
                .ok()
                .and_then(|c| c.get("command").and_then(|n| n.as_str()).map(str::to_owned))
                .unwrap_or_default();
            EventRow {
                at_us: e.at_us,
                actor: name(&e.actor.user_id),
                command: label(lang, "cmdlog", &cmd),
                from: label(lang, "state", &code_of(&e.from)),
                to: label(lang, "state", &code_of(&e.to)),
            }
        })
        .collect();
    FindingPage {
        f: finding_rows(lang, std::slice::from_ref(f), now).remove(0),
        description: f.description.clone(),
        owner: name(&f.finding.owner.user_id),
        acceptance: f.finding.acceptance.as_ref().map(|a| {
            (
                name(&a.approver.user_id),
                a.expires_at_us,
                a.rationale.clone(),
            )
        }),
        events,
        allowed: v
            .allowed
            .iter()
            .map(|c| ((*c).to_owned(), label(lang, "cmd", c)))
            .collect(),
        milestones: v
            .milestones
            .iter()
            .map(|m| {
                let late = m.milestone.escalation(now) != Escalation::None;
                (
                    m.id.clone(),
                    m.milestone.title.clone(),
                    m.milestone.owner.clone(),
                    m.due_on.clone(),
                    m.milestone.done_us,
                    late,
                )
            })
            .collect(),
        escalation: label(lang, "escalation", &code_of(&v.escalation)),
        escalated: v.escalation != Escalation::None,
        editable: v.editable,
        l,
    }
}

/// One group company in the roll-up page.
#[derive(Debug, Clone)]
pub struct CompanyLine {
    /// Name.
    pub name: String,
    /// Latest submitted assessment: (id, as of, cycle).
    pub assessment: Option<(String, String, i64)>,
    /// Per element: "answered/total (met)".
    pub cells: Vec<String>,
    /// Per element: open findings.
    pub open_cells: Vec<usize>,
    /// Open findings.
    pub open: usize,
    /// Overdue findings.
    pub overdue: usize,
}

/// Roll-up lines in the page language.
pub fn group_lines(lang: Lang, r: &GroupReport) -> (Vec<String>, Vec<CompanyLine>) {
    let heads = r.elements.iter().map(|e| text(lang, &e.title)).collect();
    let lines = r
        .companies
        .iter()
        .map(|c| CompanyLine {
            name: if lang == Lang::Ja {
                c.name_ja.clone()
            } else {
                c.name_en.clone()
            },
            assessment: c
                .assessment
                .as_ref()
                .map(|a| (a.id.clone(), a.as_of.clone(), a.cycle)),
            cells: r
                .elements
                .iter()
                .map(|e| match c.progress.iter().find(|p| p.section_id == e.id) {
                    Some(p) => format!("{}/{} ({})", p.answered, p.total, p.met),
                    None => "—".into(),
                })
                .collect(),
            open_cells: r
                .elements
                .iter()
                .map(|e| c.open_by_element.get(&e.id).copied().unwrap_or(0))
                .collect(),
            open: c.open,
            overdue: c.overdue,
        })
        .collect();
    (heads, lines)
}

/// Group roll-up page.
#[derive(Template)]
#[template(path = "posture/group.html")]
pub struct GroupPage {
    /// Layout.
    pub l: Layout,
    /// Element titles.
    pub heads: Vec<String>,
    /// Companies.
    pub lines: Vec<CompanyLine>,
}

/// Management report page.
#[derive(Template)]
#[template(path = "posture/report.html")]
pub struct ReportPage {
    /// Layout.
    pub l: Layout,
    /// The latest assessment: (as of, cycle, status label).
    pub latest: Option<(String, i64, String)>,
    /// Progress by element.
    pub progress: Vec<ProgressRow>,
    /// Maturity over time as SVG.
    pub chart: String,
    /// The same numbers: (as of, cycle, maturity).
    pub maturity: Vec<(String, i64, String)>,
    /// Open findings.
    pub open: Vec<FindingRow>,
    /// Overdue findings.
    pub overdue: Vec<FindingRow>,
    /// Accepted risks nearing expiry: (row, expires).
    pub expiring: Vec<(FindingRow, i64)>,
    /// Vulnerability findings whose decision, fix or acceptance is overdue.
    pub vuln_overdue: Vec<crate::vuln::views::FindingLine>,
}

/// Builds the report page.
pub fn report_page(l: Layout, r: &ManagementReport, now: i64) -> ReportPage {
    let lang = l.lang;
    let points: Vec<(String, Option<u32>)> = r
        .maturity
        .iter()
        .map(|m| (format!("{} #{}", m.as_of, m.cycle), m.maturity_x100))
        .collect();
    ReportPage {
        latest: r.latest.as_ref().map(|a| {
            (
                a.as_of.clone(),
                a.cycle,
                label(lang, "status", a.status.code()),
            )
        }),
        progress: progress_rows(lang, &r.elements, &r.progress, &r.open_by_element),
        chart: line_chart_svg(&points, i18n::t(lang, "report-maturity"), 3),
        maturity: r
            .maturity
            .iter()
            .map(|m| (m.as_of.clone(), m.cycle, maturity(m.maturity_x100)))
            .collect(),
        open: finding_rows(lang, &r.open, now),
        overdue: finding_rows(lang, &r.overdue, now),
        expiring: r
            .expiring
            .iter()
            .map(|f| {
                let exp = f.finding.acceptance.as_ref().map_or(0, |a| a.expires_at_us);
                (
                    finding_rows(lang, std::slice::from_ref(f), now).remove(0),
                    exp,
                )
            })
            .collect(),
        vuln_overdue: r
            .vuln_overdue
            .iter()
            .map(crate::vuln::views::line)
            .collect(),
        l,
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line chart of values (hundredths, 0 to `max` whole units) over labelled points, as
/// inline SVG drawn by us. Points without a value leave a gap. Pages show the same numbers
/// in a table beside it.
pub fn line_chart_svg(points: &[(String, Option<u32>)], title: &str, max: u32) -> String {
    let (w, h, left, bottom, top) = (520i64, 220i64, 40i64, 60i64, 10i64);
    let plot_h = h - bottom - top;
    let step = if points.len() > 1 {
        (w - left - 20) / (points.len() as i64 - 1)
    } else {
        0
    };
    let x = |i: usize| left + 10 + step * i as i64;
    let y = |v: u32| top + plot_h - i64::from(v) * plot_h / (i64::from(max) * 100);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" class="chart">"#,
        escape(title)
    );
    for level in 0..=max {
        let yy = y(level * 100);
        svg.push_str(&format!(
            r#"<line x1="{left}" y1="{yy}" x2="{}" y2="{yy}" class="chart-grid"/><text x="{}" y="{}" text-anchor="end" class="chart-label">{level}</text>"#,
            w - 10,
            left - 6,
            yy + 4
        ));
    }
    let mut path = Vec::new();
    for (i, (label, v)) in points.iter().enumerate() {
        svg.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="end" transform="rotate(-30 {} {})" class="chart-label">{}</text>"#,
            x(i),
            h - bottom + 16,
            x(i),
            h - bottom + 16,
            escape(label)
        ));
        match v {
            Some(v) => {
                path.push(format!("{},{}", x(i), y((*v).min(max * 100))));
                svg.push_str(&format!(
                    r#"<circle cx="{}" cy="{}" r="4" class="chart-dot"/>"#,
                    x(i),
                    y((*v).min(max * 100))
                ));
            }
            None => {
                if path.len() > 1 {
                    svg.push_str(&format!(
                        r#"<polyline points="{}" class="chart-line"/>"#,
                        path.join(" ")
                    ));
                }
                path.clear();
            }
        }
    }
    if path.len() > 1 {
        svg.push_str(&format!(
            r#"<polyline points="{}" class="chart-line"/>"#,
            path.join(" ")
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_chart_places_points_and_escapes() {
        let svg = line_chart_svg(
            &[
                ("<a>".into(), Some(100)),
                ("b".into(), Some(300)),
                ("c".into(), None),
            ],
            "t",
            3,
        );
        assert!(svg.contains("&lt;a&gt;") && !svg.contains("<a>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        // Level 3 is the top of the plot (y = 10), level 1 a third of the way up.
        assert!(svg.contains(r#"cy="10""#), "{svg}");
        assert!(svg.contains(r#"cy="110""#), "{svg}");
        assert_eq!(maturity(Some(150)), "1.50");
        assert_eq!(maturity(None), "—");
    }
}
