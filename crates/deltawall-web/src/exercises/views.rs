//! Page models of the exercise pages: plain rows the templates print, built from the
//! services' views in the page language.

use crate::i18n::Lang;
use crate::layout::{Layout, format_time};
use askama::Template;
use deltawall_app::exercises::evaluation::{CriterionRow, EvaluationView};
use deltawall_app::exercises::play::EditionView;
use deltawall_domain::exercise::play::ClockState;
use deltawall_store::exercises::roster::{Enrolled, Listed};
use std::collections::BTreeMap;

/// A name in the page language.
pub fn pick(lang: Lang, ja: &str, en: &str) -> String {
    if lang == Lang::Ja {
        ja.to_owned()
    } else {
        en.to_owned()
    }
}

/// The message key of a clock state.
pub fn status_key(s: ClockState) -> &'static str {
    match s {
        ClockState::NotStarted => "xp-status-not_started",
        ClockState::Running => "xp-status-running",
        ClockState::Paused => "xp-status-paused",
        ClockState::Closed => "xp-status-closed",
    }
}

/// `GET /exercises/editions`: the editions the reader organises or plays, and the design form.
#[derive(Template)]
#[template(path = "exercises/editions.html")]
pub struct EditionsPage {
    /// Layout.
    pub l: Layout,
    /// (id, name, day, track or empty for the organiser).
    pub editions: Vec<(String, String, String, String)>,
    /// The next page and back to the first.
    pub pager: crate::layout::CursorPager,
    /// Whether the reader may create editions.
    pub may_organise: bool,
}

impl EditionsPage {
    /// Rows from the listed editions.
    pub fn rows(lang: Lang, list: Vec<Listed>) -> Vec<(String, String, String, String)> {
        list.into_iter()
            .map(|e| {
                let name = pick(lang, &e.name_ja, &e.name_en);
                (e.exercise_id, name, e.held_on, e.track.unwrap_or_default())
            })
            .collect()
    }
}

/// One inject as printed.
pub struct InjectRow {
    /// Code.
    pub code: String,
    /// Track.
    pub track: String,
    /// Phase and minute on the exercise clock.
    pub at: String,
    /// Kind label.
    pub kind: String,
    /// Title.
    pub title: String,
    /// What participants read.
    pub body: String,
    /// When released, or empty while unreleased (organiser only).
    pub released: String,
    /// Expected actions, "viewpoint: text".
    pub expected: Vec<String>,
}

/// `GET /exercises/editions/{id}`: blind play.
#[derive(Template)]
#[template(path = "exercises/edition.html")]
pub struct EditionPage {
    /// Layout.
    pub l: Layout,
    /// The exercise id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The clock state's message key.
    pub status: &'static str,
    /// Closes at.
    pub ends: String,
    /// (code, name) of each track.
    pub tracks: Vec<(String, String)>,
    /// Injects the reader may read.
    pub injects: Vec<InjectRow>,
    /// Codes the reader may respond to.
    pub respondable: Vec<String>,
    /// (institution, track, first responses) the reader may see.
    pub participants: Vec<(String, String, String)>,
    /// (time, institution, inject, kind, text).
    pub responses: Vec<(String, String, String, String, String)>,
    /// Whether the reader controls the clock.
    pub controls: bool,
    /// How many unreleased injects the page shows (organiser; audited).
    pub unreleased: usize,
    /// The codes released to the reader, joined: what the live script compares.
    pub pulse: String,
}

fn minutes(us: Option<i64>) -> String {
    us.map_or_else(|| "—".to_owned(), |t| format!("{}", t / 60_000_000))
}

impl EditionPage {
    /// The page of `v` in `lang`.
    pub fn new(l: Layout, v: EditionView) -> EditionPage {
        let lang = l.lang.code();
        let names: BTreeMap<&str, String> = v
            .participants
            .iter()
            .map(|p| (p.org_id.as_str(), pick(l.lang, &p.name_ja, &p.name_en)))
            .collect();
        let injects: Vec<InjectRow> = v
            .injects
            .injects
            .iter()
            .map(|i| InjectRow {
                code: i.inject.code.clone(),
                track: i.inject.track.clone(),
                at: format!("{} / +{}", i.inject.phase, i.inject.offset_min),
                kind: i.inject.kind.label(lang).to_owned(),
                title: i.inject.title.clone(),
                body: i.inject.body.clone(),
                released: i.released_at_us.map(format_time).unwrap_or_default(),
                expected: i
                    .inject
                    .expected
                    .iter()
                    .map(|e| format!("{}: {}", e.viewpoint.label(lang), e.text))
                    .collect(),
            })
            .collect();
        let released: Vec<String> = injects
            .iter()
            .filter(|i| !i.released.is_empty())
            .map(|i| i.code.clone())
            .collect();
        EditionPage {
            id: v.edition.exercise_id.clone(),
            name: pick(l.lang, &v.listed.name_ja, &v.listed.name_en),
            status: status_key(v.status),
            ends: format_time(v.edition.end_at_us),
            tracks: v
                .edition
                .tracks
                .iter()
                .map(|t| (t.code.clone(), pick(l.lang, &t.name_ja, &t.name_en)))
                .collect(),
            respondable: if v.plays && v.status != ClockState::Closed {
                released.clone()
            } else {
                vec![]
            },
            pulse: format!("{:?}:{}", v.status, released.join(",")),
            participants: participant_rows(&v.participants, &names, &v.first_response_us),
            responses: v
                .responses
                .iter()
                .map(|r| {
                    (
                        format_time(r.response.at_us),
                        names
                            .get(r.org_id.as_str())
                            .cloned()
                            .unwrap_or_else(|| r.org_id.clone()),
                        r.response.inject.clone(),
                        r.response.kind.label(lang).to_owned(),
                        r.response.text.clone(),
                    )
                })
                .collect(),
            controls: v.controls,
            unreleased: v.injects.unreleased_shown,
            injects,
            l,
        }
    }
}

fn participant_rows(
    list: &[Enrolled],
    names: &BTreeMap<&str, String>,
    firsts: &BTreeMap<String, BTreeMap<String, Option<i64>>>,
) -> Vec<(String, String, String)> {
    list.iter()
        .map(|p| {
            let times = firsts.get(&p.org_id).map(|m| {
                m.iter()
                    .map(|(code, t)| format!("{code} {}", minutes(*t)))
                    .collect::<Vec<_>>()
                    .join(" · ")
            });
            (
                names[p.org_id.as_str()].clone(),
                p.track.clone(),
                times.unwrap_or_default(),
            )
        })
        .collect()
}

/// One improvement measure as printed.
pub struct MeasureRow {
    /// Id.
    pub id: String,
    /// The institution, its viewpoint, the measure, severity and state.
    pub cells: [String; 5],
    /// The finding its acceptance raised, or empty.
    pub finding: String,
    /// Whether the reader may accept or decline it now.
    pub decidable: bool,
}

/// `GET /exercises/editions/{id}/evaluation`: post-evaluation and feedback.
#[derive(Template)]
#[template(path = "exercises/evaluation.html")]
pub struct EvaluationPage {
    /// Layout.
    pub l: Layout,
    /// The exercise id.
    pub id: String,
    /// Whether it has closed.
    pub closed: bool,
    /// Whether the reader is the organiser's staff.
    pub controls: bool,
    /// Whether the reader answers for its institution.
    pub plays: bool,
    /// Criteria of the injects the reader could read.
    pub criteria: Vec<CriterionRow>,
    /// (institution, inject, viewpoint, self-assessment, rating, comment, timeliness).
    pub rows: Vec<[String; 7]>,
    /// Improvement measures as printed.
    pub measures: Vec<MeasureRow>,
    /// (business type, kind, viewpoint, topic, institutions).
    pub feedback: Vec<[String; 5]>,
    /// (org id, name) of the participants the reader may see.
    pub participants: Vec<(String, String)>,
}

impl EvaluationPage {
    /// The page of `v` in `lang`.
    pub fn new(l: Layout, v: EvaluationView, plays: bool) -> EvaluationPage {
        let lang = l.lang.code();
        let t = |k: &str| crate::i18n::t(l.lang, k).to_owned();
        let names: BTreeMap<String, String> = v
            .participants
            .iter()
            .map(|p| (p.org_id.clone(), pick(l.lang, &p.name_ja, &p.name_en)))
            .collect();
        let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
        let rows = v
            .evaluations
            .iter()
            .map(|e| {
                [
                    name(&e.org_id),
                    e.inject.clone(),
                    e.viewpoint.label(lang).to_owned(),
                    match &e.self_assessment {
                        None => "—".to_owned(),
                        Some(deltawall_domain::exercise::evaluation::SelfAssessment::Done) => {
                            t("xp-done")
                        }
                        Some(deltawall_domain::exercise::evaluation::SelfAssessment::NotDone {
                            reason,
                        }) => format!("{}: {reason}", t("xp-not_done")),
                    },
                    e.rating
                        .map_or_else(|| "—".to_owned(), |r| r.get().to_string()),
                    e.comment.clone(),
                    e.timeliness.label(lang).to_owned(),
                ]
            })
            .collect();
        let measures = v
            .measures
            .iter()
            .map(|m| MeasureRow {
                id: m.id.clone(),
                cells: [
                    name(&m.measure.org_id),
                    m.measure.viewpoint.label(lang).to_owned(),
                    m.measure.text.clone(),
                    t(&format!(
                        "severity-{}",
                        deltawall_domain::code::Code::code(m.measure.severity)
                    )),
                    m.measure.status.label(lang).to_owned(),
                ],
                finding: m.finding_id.clone().unwrap_or_default(),
                decidable: plays
                    && m.measure.status
                        == deltawall_domain::exercise::evaluation::MeasureStatus::Proposed,
            })
            .collect();
        let feedback = v
            .feedback
            .iter()
            .map(|f| {
                [
                    f.business_type.label(lang).to_owned(),
                    f.kind.label(lang).to_owned(),
                    f.viewpoint.label(lang).to_owned(),
                    f.topic.clone(),
                    f.institutions.to_string(),
                ]
            })
            .collect();
        EvaluationPage {
            id: v.edition.exercise_id.clone(),
            closed: v.closed,
            controls: v.controls,
            plays,
            criteria: v.criteria,
            rows,
            measures,
            feedback,
            participants: names.into_iter().collect(),
            l,
        }
    }

    /// A viewpoint's label in the page language.
    pub fn vp(&self, c: &CriterionRow) -> &'static str {
        c.viewpoint.label(self.l.lang.code())
    }
}

/// `GET /contingency-plans`: plan status with the twelve-month flag, and revision tasks.
#[derive(Template)]
#[template(path = "exercises/plans.html")]
pub struct PlansPage {
    /// Layout.
    pub l: Layout,
    /// (institution, version, last tested, gaps, flagged).
    pub statuses: Vec<(String, String, String, String, bool)>,
    /// (task id, institution, version, reason, done version).
    pub tasks: Vec<[String; 5]>,
    /// The form of a new version of the reader's own plan, for an institution that plays.
    pub form: Option<PlanForm>,
    /// The next page of institutions and back to the first.
    pub pager: crate::layout::CursorPager,
}

/// The new-version form of an institution's plan, prefilled from its latest version.
pub struct PlanForm {
    /// The latest version's lines and the next version number.
    pub lines: super::plan_form::PlanLines,
    /// (code, label, checked) of every scenario.
    pub scenarios: Vec<(&'static str, &'static str, bool)>,
    /// (id, reason) of the institution's revision tasks still open.
    pub open_tasks: Vec<(String, String)>,
}

impl PlanForm {
    /// The form of `org_id`'s next version in `lang`.
    pub fn new(lang: Lang, org_id: &str, p: &deltawall_app::exercises::plans::Plans) -> PlanForm {
        let latest = p
            .versions
            .iter()
            .filter(|v| v.org_id == org_id)
            .max_by_key(|v| v.version);
        let lines = super::plan_form::PlanLines::of(latest);
        let scenarios = deltawall_domain::exercise::Scenario::ALL
            .iter()
            .map(|s| {
                let on = lines.scenarios.iter().any(|c| c == s.code());
                (s.code(), s.label(lang.code()), on)
            })
            .collect();
        let open_tasks = p
            .tasks
            .iter()
            .filter(|t| t.org_id == org_id && t.done_version.is_none())
            .map(|t| (t.id.clone(), t.reason.clone()))
            .collect();
        PlanForm {
            lines,
            scenarios,
            open_tasks,
        }
    }
}

impl PlansPage {
    /// The page of the plans within the reader's reach.
    pub fn new(
        l: Layout,
        p: deltawall_app::exercises::plans::Plans,
        form: Option<PlanForm>,
        pager: crate::layout::CursorPager,
    ) -> PlansPage {
        let version = |v: Option<u32>| v.map_or_else(String::new, |v| v.to_string());
        PlansPage {
            statuses: p
                .statuses
                .into_iter()
                .map(|s| {
                    (
                        s.org_id,
                        s.version.to_string(),
                        s.last_tested_at_us.map(format_time).unwrap_or_default(),
                        s.gaps.join(" / "),
                        s.untested_12_months,
                    )
                })
                .collect(),
            tasks: p
                .tasks
                .into_iter()
                .map(|t| {
                    [
                        t.id,
                        t.org_id,
                        version(t.plan_version),
                        t.reason,
                        version(t.done_version),
                    ]
                })
                .collect(),
            form,
            pager,
            l,
        }
    }
}
