//! Page models of vulnerability diagnosis. Codes are turned into message keys here
//! (`vuln-state-open`, `vuln-sev-high`…) so the templates stay plain; times are shown in
//! Japan time.

use crate::i18n::Lang;
use crate::layout::{CursorPager, Layout};
use askama::Template;
use deltawall_app::vuln::{ASSET_KINDS, CRITICALITIES, FORMATS, FindingDetail, FindingView, Scope};
use deltawall_domain::jst;
use deltawall_store::vuln::DecisionStatus;
use deltawall_vuln::ClockKind;

fn when(us: i64, lang: Lang) -> String {
    jst::format_display(us, lang.code())
}

fn day(us: i64) -> String {
    jst::format_date(jst::date_of(us))
}

/// A finding's clock as shown: the message key of what is due, the day, overdue or not.
#[derive(Debug, Clone)]
pub struct ClockLine {
    /// Message key of what is due.
    pub key: &'static str,
    /// The day it is due.
    pub due: String,
    /// Past it.
    pub overdue: bool,
}

/// One finding in a list.
#[derive(Debug, Clone)]
pub struct FindingLine {
    /// Id.
    pub id: String,
    /// The scanner's title.
    pub title: String,
    /// The asset's name.
    pub asset: String,
    /// Message key of its severity.
    pub severity: String,
    /// Message key of its state.
    pub state: String,
    /// CVEs, comma separated.
    pub cves: String,
    /// KEV due date when in the catalog.
    pub kev_due: Option<String>,
    /// EPSS in percent with one decimal.
    pub epss: Option<String>,
    /// The clock, when something is due.
    pub clock: Option<ClockLine>,
}

fn clock_key(k: ClockKind) -> &'static str {
    match k {
        ClockKind::Decide => "vuln-clock-decide",
        ClockKind::Fix => "vuln-clock-fix",
        ClockKind::AcceptanceLapsed => "vuln-clock-lapsed",
    }
}

/// A finding as a list shows it (the findings list, the management report).
pub(crate) fn line(v: &FindingView) -> FindingLine {
    let f = &v.finding;
    FindingLine {
        id: f.id.clone(),
        title: f.title.clone(),
        asset: f.asset_name.clone(),
        severity: format!("vuln-sev-{}", f.severity.code()),
        state: format!("vuln-state-{}", f.state.code()),
        cves: f.cves.join(", "),
        kev_due: f.kev_due.clone(),
        epss: f
            .epss_millionths
            .map(|m| format!("{}.{}%", m / 10_000, (m / 1_000) % 10)),
        clock: v.clock.map(|c| ClockLine {
            key: clock_key(c.kind),
            due: day(c.due_us),
            overdue: c.overdue,
        }),
    }
}

/// The list's filters as the form shows them.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// State code or empty.
    pub state: String,
    /// Severity code or empty.
    pub severity: String,
    /// Only KEV findings.
    pub kev: bool,
}

/// The state codes the list filters by.
pub const STATES: [&str; 4] = ["open", "resolved", "fixed", "accepted"];
/// The severity codes, highest first.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// `GET /vulnerabilities`.
#[derive(Template)]
#[template(path = "vuln/list.html")]
pub struct ListPage {
    /// Layout.
    pub l: Layout,
    /// The findings of this page.
    pub findings: Vec<FindingLine>,
    /// The filters in force.
    pub filters: Filters,
    /// State codes.
    pub states: &'static [&'static str],
    /// Severity codes.
    pub severities: &'static [&'static str],
    /// Links to the next page and back to the first.
    pub pager: CursorPager,
}

impl ListPage {
    /// Builds one page of the list.
    pub fn new(l: Layout, pager: CursorPager, items: &[FindingView], filters: Filters) -> Self {
        ListPage {
            l,
            findings: items.iter().map(line).collect(),
            filters,
            states: &STATES,
            severities: &SEVERITIES,
            pager,
        }
    }
}

/// One entry of a finding's history.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    /// When.
    pub at: String,
    /// Message key of what happened.
    pub kind: String,
    /// Message key of the state after it.
    pub state: String,
    /// A decision's kind and reason.
    pub note: String,
}

/// One decision on a finding.
#[derive(Debug, Clone)]
pub struct DecisionLine {
    /// Id.
    pub id: String,
    /// Message key of its kind.
    pub kind: String,
    /// Its date.
    pub due: Option<String>,
    /// Why.
    pub reason: String,
    /// Message key of where it stands.
    pub status: String,
    /// An acceptance waiting for approval that this viewer may approve.
    pub approvable: bool,
}

/// The decision kinds of the form.
pub const DECISIONS: [&str; 5] = ["fix", "mitigate", "defer", "accept", "fixed"];

/// `GET /vulnerabilities/{id}`.
#[derive(Template)]
#[template(path = "vuln/finding.html")]
pub struct FindingPage {
    /// Layout.
    pub l: Layout,
    /// The finding as a line.
    pub f: FindingLine,
    /// Rule or plugin.
    pub rule: String,
    /// Where it fired.
    pub location: String,
    /// Identity source.
    pub source: String,
    /// CVSS base score.
    pub cvss: Option<String>,
    /// Known ransomware use per KEV.
    pub ransomware: bool,
    /// The KEV catalog's date.
    pub kev_as_of: Option<String>,
    /// The EPSS file's date.
    pub epss_as_of: Option<String>,
    /// First and last reported.
    pub first_seen: String,
    /// Last reported.
    pub last_seen: String,
    /// The finding this repeats.
    pub duplicate_of: Option<String>,
    /// History, oldest first.
    pub history: Vec<HistoryLine>,
    /// Decisions, oldest first.
    pub decisions: Vec<DecisionLine>,
    /// Decision kinds.
    pub kinds: &'static [&'static str],
    /// May decide.
    pub can_decide: bool,
}

impl FindingPage {
    /// Builds the page; `exec` is the viewing executive's user id, if they are one.
    pub fn new(l: Layout, d: FindingDetail, can_decide: bool, exec: Option<&str>) -> Self {
        let lang = l.lang;
        let f = &d.view.finding;
        let history = d
            .history
            .iter()
            .map(|e| HistoryLine {
                at: when(e.at_us, lang),
                kind: format!("vuln-event-{}", e.kind),
                state: format!("vuln-state-{}", e.state.code()),
                note: e.note.clone(),
            })
            .collect();
        let decisions = d
            .decisions
            .iter()
            .map(|x| DecisionLine {
                id: x.id.clone(),
                kind: format!("vuln-decision-{}", x.kind),
                due: x.due_at.map(day),
                reason: x.reason.clone(),
                status: format!("vuln-dstatus-{}", x.status.code()),
                approvable: x.status == DecisionStatus::Pending
                    && exec.is_some_and(|u| u != x.requested_by),
            })
            .collect();
        FindingPage {
            rule: f.rule.clone(),
            location: f.location.clone(),
            source: f.source.clone(),
            cvss: f.cvss_tenths.map(|t| format!("{}.{}", t / 10, t % 10)),
            ransomware: f.kev_ransomware,
            kev_as_of: f.kev_as_of.clone(),
            epss_as_of: f.epss_as_of.clone(),
            first_seen: when(f.first_seen, lang),
            last_seen: when(f.last_seen, lang),
            duplicate_of: f.duplicate_of.clone(),
            f: line(&d.view),
            history,
            decisions,
            kinds: &DECISIONS,
            can_decide,
            l,
        }
    }
}

/// One asset of the scope.
#[derive(Debug, Clone)]
pub struct AssetLine {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Message key of its kind.
    pub kind: String,
    /// Owner.
    pub owner: String,
    /// Operator (empty: the institution).
    pub operator: String,
    /// Message key of its criticality.
    pub criticality: String,
    /// Days between diagnoses.
    pub cadence_days: i64,
    /// The latest diagnosis.
    pub last: Option<String>,
    /// Message key of its coverage.
    pub coverage: &'static str,
}

/// `GET /vulnerabilities/scope`: the scope, its coverage, and the forms to add an asset
/// and import a scan.
#[derive(Template)]
#[template(path = "vuln/scope.html")]
pub struct ScopePage {
    /// Layout.
    pub l: Layout,
    /// The assets.
    pub assets: Vec<AssetLine>,
    /// Coverage in whole percent, none for an empty scope.
    pub percent: Option<usize>,
    /// Assets diagnosed within, beyond their cadence, never.
    pub current: usize,
    /// Beyond their cadence.
    pub stale: usize,
    /// Never diagnosed.
    pub never: usize,
    /// Asset kinds.
    pub kinds: &'static [&'static str],
    /// Criticalities.
    pub criticalities: &'static [&'static str],
    /// Import format codes.
    pub formats: Vec<&'static str>,
    /// May add assets and import.
    pub can_edit: bool,
    /// Every asset of the scope as (id, name), for the import form's choice.
    pub choices: Vec<(String, String)>,
    /// The next page of assets and back to the first.
    pub pager: crate::layout::CursorPager,
}

impl ScopePage {
    /// Builds the page.
    pub fn new(
        l: Layout,
        s: &Scope,
        choices: Vec<(String, String)>,
        can_edit: bool,
        pager: crate::layout::CursorPager,
    ) -> Self {
        use deltawall_app::vuln::Coverage;
        let lang = l.lang;
        let assets = s
            .assets
            .iter()
            .map(|r| AssetLine {
                id: r.asset.id.clone(),
                name: r.asset.name.clone(),
                kind: format!("vuln-kind-{}", r.asset.kind),
                owner: r.asset.owner.clone(),
                operator: r.asset.operator.clone(),
                criticality: format!("vuln-crit-{}", r.asset.criticality),
                cadence_days: r.asset.cadence_days,
                last: r.asset.last_diagnosed_at.map(|u| when(u, lang)),
                coverage: match r.coverage {
                    Coverage::Current => "vuln-cov-current",
                    Coverage::Stale => "vuln-cov-stale",
                    Coverage::Never => "vuln-cov-never",
                },
            })
            .collect();
        ScopePage {
            l,
            assets,
            percent: s.coverage_percent(),
            current: s.current,
            stale: s.stale,
            never: s.never,
            kinds: &ASSET_KINDS,
            criticalities: &CRITICALITIES,
            formats: FORMATS.iter().map(|(c, _)| *c).collect(),
            can_edit,
            choices,
            pager,
        }
    }
}
