//! Page models of alerts (注意喚起), for the supervisor and for the institution.
//! Templates: `templates/sup_alert*.html`, `alert_show.html`.

use crate::i18n;
use crate::layout::Layout;
use crate::supervision::requests::views::{
    PreviewOutcome, answer_code, answer_label, answer_options, my_alert_line, org_name, text,
};
use askama::Template;
use deltawall_app::supervision::alerts::{AlertDetail, MyAlert};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::supervision::alert::AckState;

/// One alert in the supervisor's list.
#[derive(Debug, Clone)]
pub struct AlertLine {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Sent.
    pub sent_at: i64,
    /// Respond by.
    pub respond_by: i64,
    /// Targets within reach.
    pub targets: usize,
    /// Acknowledged.
    pub acknowledged: u32,
    /// Overdue.
    pub overdue: u32,
}

/// `GET /alerts` for a supervisor.
#[derive(Template)]
#[template(path = "supervision/alerts/list.html")]
pub struct AlertListPage {
    /// Layout.
    pub l: Layout,
    /// Alerts.
    pub alerts: Vec<AlertLine>,
    /// May compose.
    pub can_send: bool,
    /// Links to the next page and back to the first.
    pub pager: crate::layout::CursorPager,
}

impl AlertListPage {
    /// Builds one page of the list.
    pub fn new(
        l: Layout,
        pager: crate::layout::CursorPager,
        list: Vec<AlertDetail>,
        can_send: bool,
    ) -> AlertListPage {
        let alerts = list
            .iter()
            .map(|d| AlertLine {
                id: d.alert.id.clone(),
                title: text(l.lang, &d.alert.alert.title),
                sent_at: d.alert.sent_at,
                respond_by: d.alert.alert.respond_by_us,
                targets: d.targets.len(),
                acknowledged: d.tracking.acknowledged,
                overdue: d.tracking.overdue,
            })
            .collect();
        AlertListPage {
            l,
            alerts,
            can_send,
            pager,
        }
    }
}

/// The alert compose form's values.
#[derive(Debug, Clone, Default)]
pub struct AlertValues {
    /// Title in Japanese.
    pub title_ja: String,
    /// Title in English.
    pub title_en: String,
    /// Body in Japanese.
    pub body_ja: String,
    /// Body in English.
    pub body_en: String,
    /// Checklist, one item per line: `id | 日本語 | English`.
    pub checklist: String,
    /// Business type codes ticked.
    pub business_types: Vec<String>,
    /// Region codes ticked.
    pub regions: Vec<String>,
    /// Included institution ids.
    pub include: String,
    /// Excluded institution ids.
    pub exclude: String,
    /// Respond by day.
    pub respond_by: String,
    /// Reminder days before, comma separated.
    pub days_before: String,
    /// Overdue reminder interval.
    pub overdue_every: String,
}

/// `GET /supervision/alerts/new` and its preview.
#[derive(Template)]
#[template(path = "supervision/alerts/new.html")]
pub struct AlertComposePage {
    /// Layout.
    pub l: Layout,
    /// Values.
    pub v: AlertValues,
    /// Business types.
    pub business_types: Vec<(&'static str, &'static str)>,
    /// Regions.
    pub regions: Vec<(&'static str, &'static str)>,
    /// The preview.
    pub preview: Option<PreviewOutcome>,
}

impl AlertComposePage {
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

/// One institution in an alert's tracking table.
#[derive(Debug, Clone)]
pub struct TrackLine {
    /// Name.
    pub org: String,
    /// Business type.
    pub business_type: &'static str,
    /// Region.
    pub region: &'static str,
    /// State phrase.
    pub state: String,
    /// Overdue.
    pub overdue: bool,
    /// Checklist answers as `id: label` joined.
    pub answers: String,
}

/// `GET /supervision/alerts/{id}`.
#[derive(Template)]
#[template(path = "supervision/alerts/detail.html")]
pub struct AlertDetailPage {
    /// Layout.
    pub l: Layout,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Respond by.
    pub respond_by: i64,
    /// Checklist `(id, text)`.
    pub checklist: Vec<(String, String)>,
    /// Totals: acknowledged, late, outstanding, overdue.
    pub totals: (u32, u32, u32, u32),
    /// Per institution.
    pub rows: Vec<TrackLine>,
    /// Tally per checklist item: `(id, [(label, count)])`.
    pub tallies: Vec<(String, Vec<(&'static str, u32)>)>,
}

impl AlertDetailPage {
    /// Builds the page.
    pub fn new(l: Layout, d: AlertDetail) -> AlertDetailPage {
        let lang = l.lang;
        let rows = d
            .targets
            .iter()
            .map(|t| {
                let state = d.tracking.institutions.get(&t.org_id);
                let (phrase, overdue) = match state {
                    Some(AckState::Acknowledged { late: true, .. }) => {
                        (i18n::t(lang, "alert-acknowledged-late").to_owned(), false)
                    }
                    Some(AckState::Acknowledged { .. }) => {
                        (i18n::t(lang, "alert-acknowledged").to_owned(), false)
                    }
                    Some(AckState::Overdue { days_late }) => (
                        format!(
                            "{} ({})",
                            i18n::t(lang, "task-overdue"),
                            i18n::t(lang, "task-days-late")
                                .replace("{days}", &days_late.to_string())
                        ),
                        true,
                    ),
                    _ => (i18n::t(lang, "alert-outstanding").to_owned(), false),
                };
                let answers = d
                    .acks
                    .iter()
                    .find(|a| a.org_id == t.org_id)
                    .map(|a| {
                        a.answers
                            .iter()
                            .map(|x| format!("{}: {}", x.item_id, answer_label(lang, x.value)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                TrackLine {
                    org: org_name(lang, &t.name_ja, &t.name_en),
                    business_type: t.business_type.label(lang.code()),
                    region: t.region.label(lang.code()),
                    state: phrase,
                    overdue,
                    answers,
                }
            })
            .collect();
        let tallies = d
            .tracking
            .answers
            .iter()
            .map(|(id, m)| {
                (
                    id.clone(),
                    m.iter()
                        .map(|(v, n)| (answer_label(lang, *v), *n))
                        .collect(),
                )
            })
            .collect();
        let t = &d.tracking;
        AlertDetailPage {
            title: text(lang, &d.alert.alert.title),
            body: text(lang, &d.alert.alert.body),
            respond_by: d.alert.alert.respond_by_us,
            checklist: d
                .alert
                .alert
                .checklist
                .iter()
                .map(|c| (c.id.clone(), text(lang, &c.text)))
                .collect(),
            totals: (t.acknowledged, t.late, t.outstanding, t.overdue),
            rows,
            tallies,
            l,
        }
    }
}

/// `GET /alerts/{id}` for an institution: the alert and the acknowledgement form.
#[derive(Template)]
#[template(path = "supervision/alerts/show.html")]
pub struct MyAlertPage {
    /// Layout.
    pub l: Layout,
    /// Alert id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Respond by.
    pub respond_by: i64,
    /// Status phrase.
    pub status: String,
    /// Checklist with the latest answers: `(id, text, code, note)`.
    pub items: Vec<(String, String, String, String)>,
    /// May acknowledge.
    pub can_ack: bool,
    /// Answer options.
    pub options: Vec<(&'static str, &'static str)>,
}

impl MyAlertPage {
    /// Builds the page.
    pub fn new(l: Layout, a: MyAlert, can_ack: bool) -> MyAlertPage {
        let lang = l.lang;
        let items = a
            .alert
            .alert
            .checklist
            .iter()
            .map(|c| {
                let given = a
                    .ack
                    .as_ref()
                    .and_then(|k| k.answers.iter().find(|x| x.item_id == c.id));
                (
                    c.id.clone(),
                    text(lang, &c.text),
                    given.map_or(String::new(), |g| answer_code(g.value).to_owned()),
                    given.map_or(String::new(), |g| g.note.clone()),
                )
            })
            .collect();
        MyAlertPage {
            id: a.alert.id.clone(),
            title: text(lang, &a.alert.alert.title),
            body: text(lang, &a.alert.alert.body),
            respond_by: a.alert.alert.respond_by_us,
            status: my_alert_line(lang, &a).status,
            items,
            can_ack,
            options: answer_options(lang),
            l,
        }
    }
}
