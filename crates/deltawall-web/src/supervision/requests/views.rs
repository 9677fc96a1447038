//! Page models of requests (要請), for the supervisor and for the institution, and the
//! institution's inbox of requests and alerts. Templates: `templates/sup_req*.html`,
//! `task*.html`. The alert pages are in `views_sup_alerts.rs`.

use crate::i18n::{self, Lang};
use crate::layout::{Bar, Layout, bar_chart_svg};
use askama::Template;
use deltawall_app::supervision::alerts::MyAlert;
use deltawall_app::supervision::dispatch::Matched;
use deltawall_app::supervision::requests::{MyTask, RequestDetail, RequestSummary, TaskRow};
use deltawall_domain::catalog::Text;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::supervision::request::{
    AnswerValue, Asked, CompletionRow, TaskCommand, TaskState, TaskStatus,
};
use deltawall_domain::supervision::{Ratio, Reminder};
use deltawall_store::sup_reminders::SentReminder;
use deltawall_store::sup_requests::StoredRequest;

/// A share as `50% (1/2)`, or a dash when there is nothing to divide by.
pub fn ratio(r: &Ratio) -> String {
    match r.percent() {
        Some(p) => format!("{}% ({}/{})", p.round(), r.numerator, r.denominator),
        None => "—".into(),
    }
}

/// A text in the page language.
pub fn text(lang: Lang, t: &Text) -> String {
    match lang {
        Lang::Ja => t.ja.clone(),
        Lang::En => t.en.clone(),
    }
}

/// Label of a task state.
pub fn state_label(lang: Lang, s: TaskState) -> &'static str {
    i18n::t(
        lang,
        match s {
            TaskState::Assigned => "task-state-assigned",
            TaskState::InProgress => "task-state-in_progress",
            TaskState::Submitted => "task-state-submitted",
            TaskState::Returned => "task-state-returned",
            TaskState::Accepted => "task-state-accepted",
            TaskState::Exempted => "task-state-exempted",
        },
    )
}

/// A task's status as one phrase: the state, and "overdue (n days)" when it is.
pub fn status_label(lang: Lang, s: &TaskStatus) -> String {
    let state = state_label(lang, s.state);
    if s.overdue {
        format!(
            "{state} · {} ({})",
            i18n::t(lang, "task-overdue"),
            i18n::t(lang, "task-days-late").replace("{days}", &s.days_late.to_string())
        )
    } else {
        state.to_owned()
    }
}

/// Label of an answer value.
pub fn answer_label(lang: Lang, v: AnswerValue) -> &'static str {
    i18n::t(lang, answer_key(v))
}

fn answer_key(v: AnswerValue) -> &'static str {
    match v {
        AnswerValue::Yes => "task-answer-yes",
        AnswerValue::Partial => "task-answer-partial",
        AnswerValue::No => "task-answer-no",
        AnswerValue::NotApplicable => "task-answer-not_applicable",
    }
}

/// Every answer value with its code, in form order.
pub fn answer_options(lang: Lang) -> Vec<(&'static str, &'static str)> {
    [
        AnswerValue::Yes,
        AnswerValue::Partial,
        AnswerValue::No,
        AnswerValue::NotApplicable,
    ]
    .into_iter()
    .map(|v| (answer_code(v), answer_label(lang, v)))
    .collect()
}

/// The stable code of an answer value.
pub fn answer_code(v: AnswerValue) -> &'static str {
    match v {
        AnswerValue::Yes => "yes",
        AnswerValue::Partial => "partial",
        AnswerValue::No => "no",
        AnswerValue::NotApplicable => "not_applicable",
    }
}

/// The asked items of a request as `(id, text)` in the page language; catalog
/// requirements are named by their title.
pub fn asked_items(lang: Lang, asked: &Asked) -> Vec<(String, String)> {
    match asked {
        Asked::Questions { questions } => questions
            .iter()
            .map(|q| (q.id.clone(), text(lang, &q.text)))
            .collect(),
        Asked::Requirements {
            requirement_ids, ..
        } => {
            let catalog = deltawall_domain::catalog::builtin::fsa_2020_viewpoints().ok();
            requirement_ids
                .iter()
                .map(|id| {
                    let title = catalog
                        .as_ref()
                        .and_then(|c| c.requirement(id))
                        .map(|r| text(lang, &r.title))
                        .unwrap_or_default();
                    (id.clone(), title)
                })
                .collect()
        }
    }
}

/// One row of a completion table.
#[derive(Debug, Clone)]
pub struct CompletionLine {
    /// Business type or region label.
    pub label: String,
    /// The counts.
    pub row: CompletionRow,
    /// Completion (accepted) as text.
    pub completion: String,
    /// Answered (submitted or accepted) as text.
    pub answered: String,
}

fn line(label: String, row: &CompletionRow) -> CompletionLine {
    CompletionLine {
        label,
        row: *row,
        completion: ratio(&row.completion()),
        answered: ratio(&row.answered()),
    }
}

/// One row of the before/after table.
#[derive(Debug, Clone)]
pub struct EffectLine {
    /// Asked item id.
    pub item_id: String,
    /// Business type label.
    pub business_type: String,
    /// Share answering yes before.
    pub before: String,
    /// Share answering yes after.
    pub after: String,
}

/// A request in the supervisor's list.
#[derive(Debug, Clone)]
pub struct RequestLine {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Sent, Unix µs.
    pub sent_at: i64,
    /// Deadline, Unix µs.
    pub deadline: i64,
    /// Totals within reach.
    pub total: CompletionLine,
}

/// `GET /requests` for a supervisor.
#[derive(Template)]
#[template(path = "supervision/requests/list.html")]
pub struct RequestListPage {
    /// Layout.
    pub l: Layout,
    /// Requests.
    pub requests: Vec<RequestLine>,
    /// May compose.
    pub can_send: bool,
    /// Links to the next page and back to the first.
    pub pager: crate::layout::CursorPager,
}

impl RequestListPage {
    /// Builds one page of the list.
    pub fn new(
        l: Layout,
        pager: crate::layout::CursorPager,
        list: Vec<RequestSummary>,
        can_send: bool,
    ) -> RequestListPage {
        let requests = list
            .into_iter()
            .map(|s| RequestLine {
                id: s.request.id.clone(),
                title: text(l.lang, &s.request.doc.request.title),
                sent_at: s.request.sent_at,
                deadline: s.request.doc.request.deadline_us,
                total: line(String::new(), &s.completion.total),
            })
            .collect();
        RequestListPage {
            l,
            requests,
            can_send,
            pager,
        }
    }
}

/// The compose form's values, kept to show them again with the preview.
#[derive(Debug, Clone, Default)]
pub struct ComposeValues {
    /// Title in Japanese.
    pub title_ja: String,
    /// Title in English.
    pub title_en: String,
    /// Questions, one per line: `id | 日本語 | English`.
    pub questions: String,
    /// Requirement ids of the built-in catalog, comma separated.
    pub requirement_ids: String,
    /// Business type codes ticked.
    pub business_types: Vec<String>,
    /// Region codes ticked.
    pub regions: Vec<String>,
    /// Included institution ids.
    pub include: String,
    /// Excluded institution ids.
    pub exclude: String,
    /// Deadline day.
    pub deadline: String,
    /// Reminder days before the deadline, comma separated.
    pub days_before: String,
    /// Overdue reminder interval in days.
    pub overdue_every: String,
    /// Baseline request id.
    pub baseline: String,
}

/// What the preview found.
#[derive(Debug, Clone)]
pub enum PreviewOutcome {
    /// The institutions matched.
    Matched(Vec<Matched>),
    /// Why the request cannot be sent (localised, naming the field).
    Refused(String),
}

/// `GET /supervision/requests/new` and the preview.
#[derive(Template)]
#[template(path = "supervision/requests/new.html")]
pub struct ComposePage {
    /// Layout.
    pub l: Layout,
    /// The values.
    pub v: ComposeValues,
    /// Business types `(code, label)`.
    pub business_types: Vec<(&'static str, &'static str)>,
    /// Regions `(code, label)`.
    pub regions: Vec<(&'static str, &'static str)>,
    /// Earlier requests for the baseline `(id, title)`.
    pub baselines: Vec<(String, String)>,
    /// The preview, once asked for.
    pub preview: Option<PreviewOutcome>,
}

impl ComposePage {
    /// Whether a business type is ticked.
    pub fn bt_on(&self, code: &str) -> bool {
        self.v.business_types.iter().any(|c| c == code)
    }

    /// Whether a region is ticked.
    pub fn rg_on(&self, code: &str) -> bool {
        self.v.regions.iter().any(|c| c == code)
    }

    /// Business type label.
    pub fn bt(&self, b: &BusinessType) -> &'static str {
        b.label(self.l.lang.code())
    }

    /// Region label.
    pub fn rg(&self, r: &Region) -> &'static str {
        r.label(self.l.lang.code())
    }
}

/// `(code, label)` pairs of a vocabulary.
pub type Choices = Vec<(&'static str, &'static str)>;

/// Every business type and region as `(code, label)`.
pub fn vocabularies(lang: Lang) -> (Choices, Choices) {
    let bts = BusinessType::ALL
        .iter()
        .map(|b| (b.code(), b.label(lang.code())))
        .collect();
    let rgs = Region::ALL
        .iter()
        .map(|r| (r.code(), r.label(lang.code())))
        .collect();
    (bts, rgs)
}

/// One task in the supervisor's request view.
#[derive(Debug, Clone)]
pub struct TaskLine {
    /// Task id.
    pub id: String,
    /// Institution name.
    pub org: String,
    /// Business type label.
    pub business_type: &'static str,
    /// Region label.
    pub region: &'static str,
    /// Status phrase.
    pub status: String,
    /// Whether it is overdue.
    pub overdue: bool,
    /// Whether the supervisor has a submission to review.
    pub submitted: bool,
}

pub(crate) fn org_name(lang: Lang, ja: &str, en: &str) -> String {
    if lang == Lang::Ja { ja } else { en }.to_owned()
}

/// `GET /supervision/requests/{id}`.
#[derive(Template)]
#[template(path = "supervision/requests/detail.html")]
pub struct RequestDetailPage {
    /// Layout.
    pub l: Layout,
    /// Request id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Sent.
    pub sent_at: i64,
    /// Deadline.
    pub deadline: i64,
    /// What is asked `(id, text)`.
    pub asked: Vec<(String, String)>,
    /// Completion by business type.
    pub by_business_type: Vec<CompletionLine>,
    /// Completion by region.
    pub by_region: Vec<CompletionLine>,
    /// All tasks within reach.
    pub total: CompletionLine,
    /// The chart of completion by business type (SVG).
    pub chart: String,
    /// Baseline title.
    pub baseline: Option<String>,
    /// Before/after rows.
    pub effects: Vec<EffectLine>,
    /// The tasks.
    pub tasks: Vec<TaskLine>,
    /// The peer benchmark link (`/benchmarks?request=ID`) when catalog requirements are asked.
    pub benchmark: Option<String>,
}

/// The link to a request's peer benchmark, when it asks catalog requirements.
fn benchmark_link(r: &deltawall_store::sup_requests::StoredRequest) -> Option<String> {
    matches!(
        r.doc.request.asked,
        deltawall_domain::supervision::request::Asked::Requirements { .. }
    )
    .then(|| format!("/benchmarks?request={}", r.id))
}

impl RequestDetailPage {
    /// Builds the page.
    pub fn new(l: Layout, d: RequestDetail) -> RequestDetailPage {
        let lang = l.lang;
        let by_business_type: Vec<_> = d
            .completion
            .by_business_type
            .iter()
            .map(|(b, r)| line(b.label(lang.code()).to_owned(), r))
            .collect();
        let bars: Vec<Bar> = d
            .completion
            .by_business_type
            .iter()
            .map(|(b, r)| Bar {
                label: b.label(lang.code()).to_owned(),
                value: r.completion().percent().map_or(0, |p| p.round() as i64),
            })
            .collect();
        let by_region = d
            .completion
            .by_region
            .iter()
            .map(|(rg, r)| line(rg.label(lang.code()).to_owned(), r))
            .collect();
        let effects = d
            .effects
            .iter()
            .flat_map(|e| {
                e.rows.iter().map(move |(b, ba)| EffectLine {
                    item_id: e.item_id.clone(),
                    business_type: b.label(lang.code()).to_owned(),
                    before: ratio(&ba.before),
                    after: ratio(&ba.after),
                })
            })
            .collect();
        let tasks = d.tasks.iter().map(|t| task_line(lang, t)).collect();
        RequestDetailPage {
            chart: bar_chart_svg(&bars, i18n::t(lang, "req-chart-title")),
            id: d.request.id.clone(),
            title: text(lang, &d.request.doc.request.title),
            sent_at: d.request.sent_at,
            deadline: d.request.doc.request.deadline_us,
            asked: asked_items(lang, &d.request.doc.request.asked),
            by_business_type,
            by_region,
            total: line(i18n::t(lang, "req-total").to_owned(), &d.completion.total),
            baseline: d.baseline_title.as_ref().map(|t| text(lang, t)),
            effects,
            tasks,
            benchmark: benchmark_link(&d.request),
            l,
        }
    }
}

fn task_line(lang: Lang, t: &TaskRow) -> TaskLine {
    TaskLine {
        id: t.task.id.clone(),
        org: org_name(lang, &t.task.org_name_ja, &t.task.org_name_en),
        business_type: t.task.business_type.label(lang.code()),
        region: t.task.region.label(lang.code()),
        status: status_label(lang, &t.status),
        overdue: t.status.overdue,
        submitted: t.status.state == TaskState::Submitted,
    }
}

/// One submitted answer as shown.
#[derive(Debug, Clone)]
pub struct AnswerLine {
    /// Item id.
    pub id: String,
    /// Item text.
    pub text: String,
    /// Answer label (empty when none).
    pub value: String,
    /// Answer code (empty when none).
    pub code: String,
    /// Note.
    pub note: String,
}

/// One entry of a task's history.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    /// When.
    pub at: i64,
    /// What (localised state reached).
    pub to: &'static str,
    /// The reason, for a return or exemption.
    pub reason: String,
}

fn history(lang: Lang, t: &TaskRow) -> Vec<HistoryLine> {
    t.task
        .task
        .history
        .iter()
        .map(|e| HistoryLine {
            at: e.at_us,
            to: state_label(lang, e.to),
            reason: match &e.command {
                TaskCommand::Return { reason } | TaskCommand::Exempt { reason } => reason.clone(),
                _ => String::new(),
            },
        })
        .collect()
}

fn answer_lines(
    lang: Lang,
    asked: &Asked,
    answers: &[deltawall_domain::supervision::request::Answer],
) -> Vec<AnswerLine> {
    asked_items(lang, asked)
        .into_iter()
        .map(|(id, text)| {
            let a = answers.iter().find(|a| a.id == id);
            AnswerLine {
                value: a.map_or(String::new(), |a| answer_label(lang, a.value).to_owned()),
                code: a.map_or(String::new(), |a| answer_code(a.value).to_owned()),
                note: a.map_or(String::new(), |a| a.note.clone()),
                id,
                text,
            }
        })
        .collect()
}

/// `GET /supervision/requests/{id}/tasks/{task}`.
#[derive(Template)]
#[template(path = "supervision/requests/task.html")]
pub struct SupervisorTaskPage {
    /// Layout.
    pub l: Layout,
    /// Request id.
    pub request_id: String,
    /// Request title.
    pub title: String,
    /// The task.
    pub task: TaskLine,
    /// Submitted answers (empty before the first submission).
    pub answers: Vec<AnswerLine>,
    /// Who attested and when.
    pub attested: Option<(String, i64)>,
    /// History.
    pub history: Vec<HistoryLine>,
    /// May decide now.
    pub can_decide: bool,
    /// May exempt now.
    pub can_exempt: bool,
}

impl SupervisorTaskPage {
    /// Builds the page.
    pub fn new(l: Layout, r: StoredRequest, t: TaskRow, staff: bool) -> SupervisorTaskPage {
        let lang = l.lang;
        let submitted = t.task.task.state != TaskState::Assigned
            && t.task.task.state != TaskState::InProgress
            && t.task.task.attestation.is_some();
        SupervisorTaskPage {
            request_id: r.id.clone(),
            title: text(lang, &r.doc.request.title),
            answers: if submitted {
                answer_lines(lang, &r.doc.request.asked, &t.task.task.answers)
            } else {
                Vec::new()
            },
            attested: t
                .task
                .task
                .attestation
                .as_ref()
                .map(|a| (a.by.user_id.clone(), a.at_us)),
            history: history(lang, &t),
            can_decide: staff && t.status.state == TaskState::Submitted,
            can_exempt: staff
                && !matches!(t.status.state, TaskState::Accepted | TaskState::Exempted),
            task: task_line(lang, &t),
            l,
        }
    }
}

/// The phrase of a recorded reminder.
pub fn reminder_text(lang: Lang, r: &SentReminder) -> String {
    let subject = i18n::t(
        lang,
        match r.subject {
            deltawall_store::sup_reminders::Subject::Request => "req-reminder-request",
            deltawall_store::sup_reminders::Subject::Alert => "req-reminder-alert",
        },
    );
    let when = match serde_json::from_str::<Reminder>(&r.reminder) {
        Ok(Reminder::BeforeDeadline { days, .. }) => {
            i18n::t(lang, "req-reminder-before").replace("{days}", &days.to_string())
        }
        Ok(Reminder::Overdue { days_late, .. }) => {
            i18n::t(lang, "req-reminder-overdue").replace("{days}", &days_late.to_string())
        }
        Err(_) => String::new(),
    };
    format!("{subject}: {when}")
}

/// One task in the institution's list.
#[derive(Debug, Clone)]
pub struct MyTaskLine {
    /// Task id.
    pub id: String,
    /// Request title.
    pub title: String,
    /// Deadline.
    pub deadline: i64,
    /// Status phrase.
    pub status: String,
    /// Overdue.
    pub overdue: bool,
}

/// One alert in the institution's list.
#[derive(Debug, Clone)]
pub struct MyAlertLine {
    /// Alert id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Respond by.
    pub respond_by: i64,
    /// Status phrase.
    pub status: String,
    /// Overdue.
    pub overdue: bool,
}

pub(crate) fn my_alert_line(lang: Lang, a: &MyAlert) -> MyAlertLine {
    let status = match (&a.ack, a.overdue) {
        (Some(_), _) => i18n::t(lang, "alert-acknowledged").to_owned(),
        (None, true) => i18n::t(lang, "task-overdue").to_owned(),
        (None, false) => i18n::t(lang, "alert-outstanding").to_owned(),
    };
    MyAlertLine {
        id: a.alert.id.clone(),
        title: text(lang, &a.alert.alert.title),
        respond_by: a.alert.alert.respond_by_us,
        status,
        overdue: a.overdue,
    }
}

/// `GET /requests` for an institution: its tasks, alerts and reminders.
#[derive(Template)]
#[template(path = "supervision/requests/task_list.html")]
pub struct InboxPage {
    /// Layout.
    pub l: Layout,
    /// The latest reminders.
    pub reminders: Vec<super::reminders::ReminderLine>,
    /// Whether there are older ones (on `/tasks/reminders`).
    pub more_reminders: bool,
    /// Tasks.
    pub tasks: Vec<MyTaskLine>,
    /// Alerts.
    pub alerts: Vec<MyAlertLine>,
    /// The next page of tasks and back to the first.
    pub pager: crate::layout::CursorPager,
}

impl InboxPage {
    /// Builds the page; `path` is the request's path and query, for the pager.
    pub fn new(
        l: Layout,
        path: &str,
        inbox: deltawall_app::supervision::requests::Inbox,
        alerts: Vec<MyAlert>,
    ) -> InboxPage {
        let lang = l.lang;
        InboxPage {
            pager: crate::layout::CursorPager::new(path, inbox.next.as_deref()),
            reminders: inbox
                .reminders
                .iter()
                .map(|r| super::reminders::ReminderLine::new(lang, r))
                .collect(),
            more_reminders: inbox.more_reminders,
            tasks: inbox
                .tasks
                .iter()
                .map(|t| MyTaskLine {
                    id: t.task.id.clone(),
                    title: text(lang, &t.request.doc.request.title),
                    deadline: t.request.doc.request.deadline_us,
                    status: status_label(lang, &t.status),
                    overdue: t.status.overdue,
                })
                .collect(),
            alerts: alerts.iter().map(|a| my_alert_line(lang, a)).collect(),
            l,
        }
    }
}

/// `GET /tasks/{id}`: the institution answers its task.
#[derive(Template)]
#[template(path = "supervision/requests/task_answer.html")]
pub struct TaskAnswerPage {
    /// Layout.
    pub l: Layout,
    /// Task id.
    pub id: String,
    /// Request title.
    pub title: String,
    /// Deadline.
    pub deadline: i64,
    /// Status phrase.
    pub status: String,
    /// Overdue.
    pub overdue: bool,
    /// The reason it was returned.
    pub returned_reason: Option<String>,
    /// The answers shown in the form: the draft, else the last submission.
    pub answers: Vec<AnswerLine>,
    /// When the draft was last saved.
    pub draft_at: Option<i64>,
    /// Still owed: the form is open.
    pub open: bool,
    /// The viewer may save a draft.
    pub can_edit: bool,
    /// The viewer is an executive and may submit with the attestation.
    pub can_submit: bool,
    /// Answer options `(code, label)`.
    pub options: Vec<(&'static str, &'static str)>,
    /// The peer benchmark link when catalog requirements are asked.
    pub benchmark: Option<String>,
}

impl TaskAnswerPage {
    /// Builds the page.
    pub fn new(l: Layout, t: MyTask, can_edit: bool, executive: bool) -> TaskAnswerPage {
        let lang = l.lang;
        let answers = match &t.draft {
            Some(d) => &d.answers,
            None => &t.task.task.answers,
        };
        let open = t.status.state.is_outstanding();
        TaskAnswerPage {
            id: t.task.id.clone(),
            title: text(lang, &t.request.doc.request.title),
            deadline: t.request.doc.request.deadline_us,
            status: status_label(lang, &t.status),
            overdue: t.status.overdue,
            returned_reason: t.returned_reason.clone(),
            answers: answer_lines(lang, &t.request.doc.request.asked, answers),
            draft_at: t.draft.as_ref().map(|d| d.updated_at),
            open,
            can_edit: can_edit && open,
            can_submit: can_edit && open && executive,
            options: answer_options(lang),
            benchmark: benchmark_link(&t.request),
            l,
        }
    }
}
