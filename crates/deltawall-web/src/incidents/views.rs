//! Page models of incident cases and regulator reports. Labels are resolved here in the
//! page language so the templates stay plain; times are shown in Japan time.

use crate::i18n::Lang;
use crate::layout::Layout;
use askama::Template;
use deltawall_app::incidents::reports::{ClockView, regimes};
use deltawall_app::incidents::work::CaseDetail;
use deltawall_domain::incident::case::{Category, Milestone, Phase, TimelineKind, Urgency};
use deltawall_domain::incident::clock::ClockState;
use deltawall_domain::incident::observable::ObservableKind;
use deltawall_domain::incident::work::{Channel, NoticeChannel};
use deltawall_domain::jst;
use deltawall_store::incidents::cases::StoredCase;
use deltawall_store::incidents::reports::StoredSubmission;

/// `(code, label)` pairs of a vocabulary, in the page language.
pub type Options = Vec<(&'static str, &'static str)>;

fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T, &str) -> &'static str,
    lang: Lang,
) -> Options {
    all.iter()
        .map(|v| (code(*v), label(*v, lang.code())))
        .collect()
}

/// One case in a list.
#[derive(Debug, Clone)]
pub struct CaseLine {
    /// Id.
    pub id: String,
    /// Institution.
    pub org: String,
    /// Title.
    pub title: String,
    /// Category label.
    pub category: &'static str,
    /// Severity code.
    pub severity: String,
    /// Priority label.
    pub priority: &'static str,
    /// Phase label.
    pub phase: &'static str,
    /// Day it happened.
    pub occurred_on: String,
}

fn org_name(lang: Lang, c: &StoredCase) -> String {
    match lang {
        Lang::Ja => c.org_name_ja.clone(),
        Lang::En => c.org_name_en.clone(),
    }
}

fn line(lang: Lang, c: &StoredCase) -> CaseLine {
    let l = lang.code();
    CaseLine {
        id: c.id.clone(),
        org: org_name(lang, c),
        title: c.case.title.clone(),
        category: c.case.category.label(l),
        severity: deltawall_store::findings::code_of(&c.case.severity),
        priority: c.case.priority.label(l),
        phase: c.case.phase.label(l),
        occurred_on: c.case.occurred_on.to_string(),
    }
}

/// `GET /incidents/cases`.
#[derive(Template)]
#[template(path = "incidents/list.html")]
pub struct CaseListPage {
    /// Layout.
    pub l: Layout,
    /// Cases.
    pub cases: Vec<CaseLine>,
    /// May open a case.
    pub can_open: bool,
    /// Links to the next page and back to the first.
    pub pager: crate::layout::CursorPager,
}

impl CaseListPage {
    /// Builds one page of the list.
    pub fn new(
        l: Layout,
        pager: crate::layout::CursorPager,
        list: &[StoredCase],
        can_open: bool,
    ) -> CaseListPage {
        let cases = list.iter().map(|c| line(l.lang, c)).collect();
        CaseListPage {
            l,
            cases,
            can_open,
            pager,
        }
    }
}

/// `GET /incidents/new`.
#[derive(Template)]
#[template(path = "incidents/new.html")]
pub struct NewCasePage {
    /// Layout.
    pub l: Layout,
    /// Categories.
    pub categories: Options,
    /// Urgencies.
    pub urgencies: Options,
    /// Detections the case will be opened from.
    pub detections: Vec<String>,
    /// Today in Japan.
    pub today: String,
}

impl NewCasePage {
    /// Builds the page.
    pub fn new(l: Layout, detections: Vec<String>) -> NewCasePage {
        let lang = l.lang;
        NewCasePage {
            categories: options(Category::ALL, Category::code, Category::label, lang),
            urgencies: options(Urgency::ALL, Urgency::code, Urgency::label, lang),
            today: jst::today(deltawall_store::records::now_us()).to_string(),
            detections,
            l,
        }
    }
}

/// A clock as shown.
#[derive(Debug, Clone)]
pub struct ClockLine {
    /// Regime name.
    pub regime: String,
    /// Regime code.
    pub regime_code: String,
    /// Stage label.
    pub stage: String,
    /// Stage code.
    pub stage_code: &'static str,
    /// State key (`inc-clock-running`, …) for the label and the CSS class.
    pub state: &'static str,
    /// Deadline in Japan time, or a dash.
    pub due: String,
    /// The deadline is a working target ("promptly").
    pub promptly: bool,
}

fn clock_line(lang: Lang, c: &ClockView) -> ClockLine {
    let state = match c.state {
        ClockState::NotApplicable => "inc-clock-na",
        ClockState::Waiting => "inc-clock-waiting",
        ClockState::Running { .. } => "inc-clock-running",
        ClockState::Overdue { .. } => "inc-clock-overdue",
        ClockState::Met { late: true, .. } => "inc-clock-late",
        ClockState::Met { .. } => "inc-clock-met",
        ClockState::NotReporting { .. } => "inc-clock-not-reporting",
    };
    let (regime, stage) = match lang {
        Lang::Ja => (c.regime_ja.clone(), c.label_ja.clone()),
        Lang::En => (c.regime_en.clone(), c.label_en.clone()),
    };
    ClockLine {
        regime,
        regime_code: c.regime.clone(),
        stage,
        stage_code: c.stage.code(),
        state,
        due: c
            .state
            .due_us()
            .map_or("—".into(), |d| jst::format_minute(d) + " JST"),
        promptly: c.promptly,
    }
}

/// A report item to fill, with its label.
#[derive(Debug, Clone)]
pub struct ItemField {
    /// Item code.
    pub code: String,
    /// Label.
    pub label: String,
    /// Required for this stage.
    pub required: bool,
}

/// A report form: one per (regime, stage) whose clock is open.
#[derive(Debug, Clone)]
pub struct ReportForm {
    /// Regime code.
    pub regime: String,
    /// Stage code.
    pub stage: &'static str,
    /// Heading.
    pub heading: String,
    /// Items.
    pub items: Vec<ItemField>,
}

fn report_forms(lang: Lang, clocks: &[ClockView]) -> Vec<ReportForm> {
    let Ok(all) = regimes() else {
        return Vec::new();
    };
    clocks
        .iter()
        .filter(|c| {
            matches!(
                c.state,
                ClockState::Running { .. } | ClockState::Overdue { .. } | ClockState::Waiting
            )
        })
        .filter_map(|c| {
            let r = all.get(&c.regime)?;
            let rule = r.stage(c.stage)?;
            let text = |t: &deltawall_domain::catalog::Text| match lang {
                Lang::Ja => t.ja.clone(),
                Lang::En => t.en.clone(),
            };
            let items = r
                .items
                .iter()
                .map(|i| ItemField {
                    code: i.code.clone(),
                    label: text(&i.label),
                    required: rule.required.contains(&i.code),
                })
                .collect();
            Some(ReportForm {
                regime: r.code.clone(),
                stage: c.stage.code(),
                heading: format!("{} — {}", text(&r.name), text(&rule.label)),
                items,
            })
        })
        .collect()
}

/// A submission as listed.
#[derive(Debug, Clone)]
pub struct ReportLine {
    /// Id.
    pub id: String,
    /// Case id.
    pub case_id: String,
    /// Case title.
    pub case_title: String,
    /// Institution.
    pub org: String,
    /// Regime code.
    pub regime: String,
    /// Stage label.
    pub stage: &'static str,
    /// Version.
    pub version: u32,
    /// Submitted.
    pub submitted_at: i64,
    /// `pending`, `accepted` or `returned`.
    pub review: &'static str,
    /// Why it was returned.
    pub reason: String,
    /// Message key of the review state.
    pub review_key: &'static str,
}

/// Lines of submissions.
pub fn report_lines(lang: Lang, list: &[StoredSubmission]) -> Vec<ReportLine> {
    list.iter()
        .map(|s| ReportLine {
            id: s.id.clone(),
            case_id: s.case_id.clone(),
            case_title: s.case_title.clone(),
            org: match lang {
                Lang::Ja => s.org_name_ja.clone(),
                Lang::En => s.org_name_en.clone(),
            },
            regime: s.submission.regime.clone(),
            stage: s.submission.stage.label(lang.code()),
            version: s.submission.version,
            submitted_at: s.submission.submitted_at_us,
            review: s.submission.review.code(),
            review_key: match s.submission.review.code() {
                "accepted" => "inc-review-accepted",
                "returned" => "inc-review-returned",
                _ => "inc-review-pending",
            },
            reason: match &s.submission.review {
                deltawall_domain::incident::report::Review::Returned { reason, .. } => {
                    reason.clone()
                }
                _ => String::new(),
            },
        })
        .collect()
}

/// A timeline entry as shown.
#[derive(Debug, Clone)]
pub struct TimelineLine {
    /// When.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// Kind code.
    pub kind: &'static str,
    /// What, in words.
    pub text: String,
}

fn timeline_text(lang: Lang, kind: &TimelineKind) -> String {
    let l = lang.code();
    match kind {
        TimelineKind::Opened {
            category, priority, ..
        } => format!("{} / {}", category.label(l), priority.label(l)),
        TimelineKind::PhaseEntered { from, to } => format!("{} → {}", from.label(l), to.label(l)),
        TimelineKind::MilestoneRecorded { milestone, at_us } => {
            format!("{} {}", milestone.label(l), jst::format_minute(*at_us))
        }
        TimelineKind::Retriaged { priority, .. } => priority.label(l).to_owned(),
        TimelineKind::Recategorised { from, to, reason } => {
            format!("{} → {}: {reason}", from.label(l), to.label(l))
        }
        TimelineKind::Note { text } => text.clone(),
        TimelineKind::DetectionLinked { detection_id } => detection_id.clone(),
        TimelineKind::Evidence { description, .. } => description.clone(),
        TimelineKind::TaskAdded { title, .. } => title.clone(),
        TimelineKind::TaskDone { task_id } => task_id.clone(),
        TimelineKind::CustomerResponse { summary } => summary.clone(),
        TimelineKind::ReportSubmitted {
            regime,
            stage,
            version,
        } => format!("{regime} {stage} v{version}"),
        TimelineKind::ReportReviewed {
            regime,
            stage,
            version,
            accepted,
        } => {
            format!(
                "{regime} {stage} v{version}: {}",
                if *accepted { "accepted" } else { "returned" }
            )
        }
        TimelineKind::NotReporting { regime, reason } => format!("{regime}: {reason}"),
    }
}

/// `GET /incidents/cases/{id}`.
#[derive(Template)]
#[template(path = "incidents/case.html")]
pub struct CasePage {
    /// Layout.
    pub l: Layout,
    /// The case with everything around it.
    pub d: CaseDetail,
    /// Summary line.
    pub head: CaseLine,
    /// Phases entered `(label, time)`.
    pub phases: Vec<(&'static str, i64)>,
    /// Milestones recorded `(label, time)`.
    pub milestones: Vec<(&'static str, i64)>,
    /// Phases later than the current one.
    pub next_phases: Options,
    /// Milestones not yet recorded.
    pub open_milestones: Options,
    /// Clocks.
    pub clocks: Vec<ClockLine>,
    /// Report forms for open clocks.
    pub forms: Vec<ReportForm>,
    /// Submissions.
    pub reports: Vec<ReportLine>,
    /// Timeline.
    pub timeline: Vec<TimelineLine>,
    /// Observable kinds.
    pub observable_kinds: Options,
    /// Inquiry channels.
    pub channels: Options,
    /// Notice channels.
    pub notice_channels: Options,
    /// May change the case (its institution's staff).
    pub can_edit: bool,
    /// May submit reports and decide not to report (an executive).
    pub is_executive: bool,
}

impl CasePage {
    /// Builds the page.
    pub fn new(l: Layout, d: CaseDetail, can_edit: bool, is_executive: bool) -> CasePage {
        let lang = l.lang;
        let c = &d.case.case;
        let lc = lang.code();
        let phases = c
            .phases
            .iter()
            .map(|p| (p.phase.label(lc), p.at_us))
            .collect();
        let milestones = c
            .milestones
            .iter()
            .map(|(m, at)| (m.label(lc), *at))
            .collect();
        let next_phases = Phase::ALL
            .iter()
            .filter(|p| **p > c.phase)
            .map(|p| (p.code(), p.label(lc)))
            .collect();
        let open_milestones = Milestone::ALL
            .iter()
            .filter(|m| !c.milestones.contains_key(m))
            .map(|m| (m.code(), m.label(lc)))
            .collect();
        let clocks: Vec<ClockLine> = d.clocks.iter().map(|c| clock_line(lang, c)).collect();
        let forms = if is_executive {
            report_forms(lang, &d.clocks)
        } else {
            Vec::new()
        };
        let timeline = d
            .timeline
            .iter()
            .map(|e| TimelineLine {
                at: e.entry.at_us,
                actor: e.entry.actor_user_id.clone(),
                kind: e.entry.kind.code(),
                text: timeline_text(lang, &e.entry.kind),
            })
            .collect();
        CasePage {
            head: line(lang, &d.case),
            reports: report_lines(lang, &d.reports),
            phases,
            milestones,
            next_phases,
            open_milestones,
            clocks,
            forms,
            timeline,
            observable_kinds: options(
                ObservableKind::ALL,
                ObservableKind::code,
                ObservableKind::label,
                lang,
            ),
            channels: options(Channel::ALL, Channel::code, Channel::label, lang),
            notice_channels: options(
                NoticeChannel::ALL,
                NoticeChannel::code,
                NoticeChannel::label,
                lang,
            ),
            can_edit,
            is_executive,
            d,
            l,
        }
    }

    /// Label of an observable kind.
    pub fn obs_kind(&self, k: &ObservableKind) -> &'static str {
        k.label(self.l.lang.code())
    }

    /// Label of a customer channel.
    pub fn channel(&self, c: &Channel) -> &'static str {
        c.label(self.l.lang.code())
    }
}

/// `GET /incidents/reports`: submissions within reach, for review.
#[derive(Template)]
#[template(path = "incidents/reports.html")]
pub struct ReportListPage {
    /// Layout.
    pub l: Layout,
    /// Submissions.
    pub reports: Vec<ReportLine>,
    /// May accept or return (supervisory staff).
    pub can_review: bool,
    /// Next page and back to the first.
    pub pager: crate::layout::CursorPager,
}

/// `GET /incidents/reports/{id}`: the printable report.
#[derive(Template)]
#[template(path = "incidents/report.html")]
pub struct ReportPage {
    /// Layout.
    pub l: Layout,
    /// Summary line.
    pub line: ReportLine,
    /// Regime name.
    pub regime: String,
    /// Items `(label, value)` in the regime's order.
    pub items: Vec<(String, String)>,
    /// Attested by, and when.
    pub attested: (String, i64),
    /// May accept or return.
    pub can_review: bool,
}

impl ReportPage {
    /// Builds the page.
    pub fn new(l: Layout, s: StoredSubmission, can_review: bool) -> ReportPage {
        let lang = l.lang;
        let regime = regimes().ok().and_then(|r| r.get(&s.submission.regime));
        let text = |t: &deltawall_domain::catalog::Text| match lang {
            Lang::Ja => t.ja.clone(),
            Lang::En => t.en.clone(),
        };
        let items = match regime {
            Some(r) => r
                .items
                .iter()
                .filter_map(|i| {
                    s.submission
                        .items
                        .get(&i.code)
                        .map(|v| (text(&i.label), v.clone()))
                })
                .collect(),
            None => s
                .submission
                .items
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        let attested = (
            s.submission.attestation.by.user_id.clone(),
            s.submission.attestation.at_us,
        );
        let line = report_lines(lang, std::slice::from_ref(&s)).remove(0);
        ReportPage {
            regime: regime.map_or(s.submission.regime.clone(), |r| text(&r.name)),
            items,
            attested,
            line,
            can_review,
            l,
        }
    }
}
