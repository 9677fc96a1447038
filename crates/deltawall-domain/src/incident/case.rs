//! Incident cases: what happened, how bad, where the response stands, and an append-only
//! timeline of everything done.
//!
//! A case opens in the detection phase and moves forward through triage, containment,
//! eradication, recovery and recurrence prevention to closed; phases may be skipped (a
//! ransom DDoS may need no eradication) but never revisited, and the time each was
//! entered is kept. Milestones (recognised, classified as major, recovered, root cause
//! identified) are recorded once each, with the time they happened; the regulator-report
//! clocks count from them ([`super::clock`]).
//!
//! Every accepted command returns one [`TimelineEntry`] for the caller to append; nothing
//! rewrites the timeline.
//!
//! # Triage matrix
//!
//! Severity comes from the impact, taking the highest row that applies:
//!
//! | severity | impact |
//! |---|---|
//! | critical | customer assets lost; or a customer-facing service stopped; or 10,000 or more customers affected |
//! | high | customer data leaked; or a customer-facing service degraded; or an internal service stopped; or 1,000 or more customers affected |
//! | medium | at least one customer affected; or an internal service degraded |
//! | low | none of the above |
//!
//! Priority crosses severity with urgency:
//!
//! | severity \ urgency | ongoing | contained | potential |
//! |---|---|---|---|
//! | critical | P1 | P1 | P2 |
//! | high | P1 | P2 | P3 |
//! | medium | P2 | P3 | P4 |
//! | low | P3 | P4 | P4 |

use super::{UnknownCode, parse_code};
use crate::finding::Severity;
use crate::org::vocabulary;
use crate::supervision::{AttackType, Party};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest free text accepted (summary, note, reason), in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;

vocabulary! {
    /// What kind of incident, in the report's vocabulary (section 1.(2) and figure 1).
    Category {
        /// リスト型攻撃: logins with account lists obtained elsewhere.
        ListAttackLogin = "list_attack_login", "リスト型攻撃による不正ログイン", "Unauthorised login by list-type attack";
        /// DDoS, including DDoS with a ransom note (脅迫文付き DDoS 攻撃).
        Ddos = "ddos", "DDoS攻撃（脅迫型を含む）", "DDoS (including ransom DDoS)";
        /// ランサムウェア.
        Ransomware = "ransomware", "ランサムウェア", "Ransomware";
        /// 標的型攻撃 by mail or social networks, and malware infections.
        TargetedAttack = "targeted_attack", "標的型攻撃・マルウェア感染", "Targeted attack / malware";
        /// A fake site imitating the institution.
        PhishingSite = "phishing_site", "自社を装うフィッシングサイト", "Phishing site imitating the institution";
        /// Leak of customer or internal information.
        InformationLeak = "information_leak", "情報漏えい", "Information leak";
        /// Theft of crypto-assets, e.g. from a hot wallet.
        CryptoAssetTheft = "crypto_asset_theft", "暗号資産の流出", "Crypto-asset theft";
        /// A misconfiguration exposed a system (設定不備).
        Misconfiguration = "misconfiguration", "設定不備", "Misconfiguration";
        /// An outage or breach at an outsourcer or cloud provider.
        ThirdPartyOutage = "third_party_outage", "委託先・クラウドサービスの障害", "Third-party / cloud outage";
        /// Anything else.
        Other = "other", "その他", "Other";
    }
}

impl Category {
    /// Parses a stable code, naming it when unknown.
    pub fn parse(code: &str) -> Result<Category, UnknownCode> {
        parse_code("category", code, Category::from_code)
    }

    /// The attack type the sector figures count this category under.
    pub fn attack_type(self) -> AttackType {
        match self {
            Category::ListAttackLogin => AttackType::UnauthorizedLogin,
            Category::Ddos => AttackType::Ddos,
            Category::Ransomware => AttackType::Ransomware,
            Category::TargetedAttack => AttackType::TargetedAttack,
            Category::PhishingSite => AttackType::Phishing,
            Category::CryptoAssetTheft => AttackType::AssetTheft,
            Category::InformationLeak
            | Category::Misconfiguration
            | Category::ThirdPartyOutage
            | Category::Other => AttackType::Other,
        }
    }
}

vocabulary! {
    /// The response phases, in order.
    Phase {
        /// 検知: something was seen.
        Detection = "detection", "検知", "Detection";
        /// 事案の分析と優先度の判断 (トリアージ).
        Triage = "triage", "トリアージ", "Triage";
        /// 封じ込め: stop it spreading.
        Containment = "containment", "封じ込め", "Containment";
        /// 根絶: remove the cause.
        Eradication = "eradication", "根絶", "Eradication";
        /// 復旧: restore the services.
        Recovery = "recovery", "復旧", "Recovery";
        /// 再発防止: make sure it does not happen again.
        RecurrencePrevention = "recurrence_prevention", "再発防止", "Recurrence prevention";
        /// 完了: closed.
        Closed = "closed", "完了", "Closed";
    }
}

impl Phase {
    /// Parses a stable code, naming it when unknown.
    pub fn parse(code: &str) -> Result<Phase, UnknownCode> {
        parse_code("phase", code, Phase::from_code)
    }
}

vocabulary! {
    /// Moments of a case the regulator-report clocks count from.
    Milestone {
        /// 認識: the institution recognised the incident.
        Recognised = "recognised", "事案の認識", "Recognised";
        /// Classified as major (significant) under a regime that asks for it.
        ClassifiedMajor = "classified_major", "重大インシデントと判定", "Classified as major";
        /// 復旧: services restored.
        Recovered = "recovered", "復旧", "Recovered";
        /// 原因究明: the root cause is known.
        RootCauseIdentified = "root_cause_identified", "原因の特定", "Root cause identified";
    }
}

impl Milestone {
    /// Parses a stable code, naming it when unknown.
    pub fn parse(code: &str) -> Result<Milestone, UnknownCode> {
        parse_code("milestone", code, Milestone::from_code)
    }
}

vocabulary! {
    /// How pressing the incident is, one axis of the priority matrix.
    Urgency {
        /// The attack or outage continues or spreads.
        Ongoing = "ongoing", "継続・拡大中", "Ongoing";
        /// Stopped from spreading.
        Contained = "contained", "封じ込め済み", "Contained";
        /// No confirmed effect yet (a threat, a ransom note, a near miss).
        Potential = "potential", "影響未確認", "Potential";
    }
}

vocabulary! {
    /// Priority from the triage matrix; P1 is handled first.
    Priority {
        /// Drop everything.
        P1 = "p1", "P1（最優先）", "P1 (highest)";
        /// Today.
        P2 = "p2", "P2（高）", "P2 (high)";
        /// This week.
        P3 = "p3", "P3（中）", "P3 (medium)";
        /// When time allows.
        P4 = "p4", "P4（低）", "P4 (low)";
    }
}

vocabulary! {
    /// How an affected service is running.
    ServiceStatus {
        /// Not available.
        Stopped = "stopped", "停止", "Stopped";
        /// Slow or partly available.
        Degraded = "degraded", "一部停止・遅延", "Degraded";
        /// Running normally again.
        Normal = "normal", "正常", "Normal";
    }
}

/// A service the incident touches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedService {
    /// Its name (インターネットバンキング, ATM, …).
    pub name: String,
    /// Whether customers use it directly.
    pub customer_facing: bool,
    /// How it is running.
    pub status: ServiceStatus,
}

/// The impact of an incident, as far as it is known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impact {
    /// Customers affected (an estimate while unknown).
    pub customers_affected: u64,
    /// Customer assets (deposits, crypto-assets) were lost.
    pub assets_lost: bool,
    /// Customer data leaked.
    pub data_leaked: bool,
    /// Services affected.
    pub services: Vec<AffectedService>,
}

/// Severity from the impact (the first table of the module docs).
pub fn severity(impact: &Impact) -> Severity {
    let facing = |status| {
        impact
            .services
            .iter()
            .any(|s| s.customer_facing && s.status == status)
    };
    let internal = |status| {
        impact
            .services
            .iter()
            .any(|s| !s.customer_facing && s.status == status)
    };
    let customers = impact.customers_affected;
    if impact.assets_lost || facing(ServiceStatus::Stopped) || customers >= 10_000 {
        Severity::Critical
    } else if impact.data_leaked
        || facing(ServiceStatus::Degraded)
        || internal(ServiceStatus::Stopped)
        || customers >= 1_000
    {
        Severity::High
    } else if customers >= 1 || internal(ServiceStatus::Degraded) {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// Priority from severity and urgency (the second table of the module docs).
pub fn priority(severity: Severity, urgency: Urgency) -> Priority {
    use Priority::*;
    let row = match severity {
        Severity::Critical => [P1, P1, P2],
        Severity::High => [P1, P2, P3],
        Severity::Medium => [P2, P3, P4],
        Severity::Low => [P3, P4, P4],
    };
    match urgency {
        Urgency::Ongoing => row[0],
        Urgency::Contained => row[1],
        Urgency::Potential => row[2],
    }
}

/// When a phase was entered, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseEntry {
    /// The phase.
    pub phase: Phase,
    /// When, Unix µs.
    pub at_us: i64,
    /// The user who moved the case.
    pub by_user_id: String,
}

/// What is known when a case is opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    /// The institution the case belongs to.
    pub org_id: String,
    /// A short title.
    pub title: String,
    /// What kind of incident.
    pub category: Category,
    /// A ransom was demanded (脅迫文付き).
    pub ransom_demanded: bool,
    /// What happened, in the institution's words.
    pub summary: String,
    /// The day it happened, in Japan.
    pub occurred_on: Date,
    /// Impact as known.
    pub impact: Impact,
    /// Urgency as judged.
    pub urgency: Urgency,
    /// When the institution recognised it, if already.
    pub recognised_at_us: Option<i64>,
    /// Opened from an exercise inject, not a real incident.
    pub exercise: bool,
}

/// An incident case (without its timeline, tasks and logs, which are kept apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The institution.
    pub org_id: String,
    /// A short title.
    pub title: String,
    /// What kind of incident.
    pub category: Category,
    /// A ransom was demanded.
    pub ransom_demanded: bool,
    /// What happened.
    pub summary: String,
    /// The day it happened, in Japan.
    pub occurred_on: Date,
    /// Impact as last assessed.
    pub impact: Impact,
    /// Urgency as last judged.
    pub urgency: Urgency,
    /// Severity from the matrix.
    pub severity: Severity,
    /// Priority from the matrix.
    pub priority: Priority,
    /// The current phase.
    pub phase: Phase,
    /// Every phase entered, oldest first.
    pub phases: Vec<PhaseEntry>,
    /// Milestones recorded, with when they happened (Unix µs).
    pub milestones: BTreeMap<Milestone, i64>,
    /// Opened from an exercise.
    pub exercise: bool,
}

/// Something done on a case, as the timeline records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineKind {
    /// The case was opened.
    Opened {
        /// Category.
        category: Category,
        /// Severity.
        severity: Severity,
        /// Priority.
        priority: Priority,
    },
    /// The case entered a phase.
    PhaseEntered {
        /// The phase left.
        from: Phase,
        /// The phase entered.
        to: Phase,
    },
    /// A milestone was recorded.
    MilestoneRecorded {
        /// Which.
        milestone: Milestone,
        /// When it happened, Unix µs. Named apart from the entry's own `at_us`, which sits
        /// beside it once the kind is flattened into the entry.
        #[serde(rename = "happened_at_us")]
        at_us: i64,
    },
    /// Impact or urgency was reassessed.
    Retriaged {
        /// Severity after.
        severity: Severity,
        /// Priority after.
        priority: Priority,
    },
    /// The category was corrected.
    Recategorised {
        /// Before.
        from: Category,
        /// After.
        to: Category,
        /// Why.
        reason: String,
    },
    /// A note.
    Note {
        /// The text.
        text: String,
    },
    /// A detection was linked.
    DetectionLinked {
        /// Its id.
        detection_id: String,
    },
    /// Evidence was attached.
    Evidence {
        /// The stored evidence file's id.
        evidence_id: String,
        /// What it shows.
        description: String,
    },
    /// A task was added.
    TaskAdded {
        /// Its id.
        task_id: String,
        /// Its title.
        title: String,
    },
    /// A task was completed.
    TaskDone {
        /// Its id.
        task_id: String,
    },
    /// Customer inquiries or a notice were logged.
    CustomerResponse {
        /// What was logged.
        summary: String,
    },
    /// A regulator report was submitted.
    ReportSubmitted {
        /// Regime code.
        regime: String,
        /// Stage code.
        stage: String,
        /// Version of the submission.
        version: u32,
    },
    /// The supervisor accepted or returned a report.
    ReportReviewed {
        /// Regime code.
        regime: String,
        /// Stage code.
        stage: String,
        /// Version.
        version: u32,
        /// Accepted (true) or returned.
        accepted: bool,
    },
    /// An executive decided the case is not reported under a regime.
    NotReporting {
        /// Regime code.
        regime: String,
        /// Why.
        reason: String,
    },
}

impl TimelineKind {
    /// A stable code for the kind, stored beside the entry for filtering.
    pub fn code(&self) -> &'static str {
        match self {
            TimelineKind::Opened { .. } => "opened",
            TimelineKind::PhaseEntered { .. } => "phase_entered",
            TimelineKind::MilestoneRecorded { .. } => "milestone_recorded",
            TimelineKind::Retriaged { .. } => "retriaged",
            TimelineKind::Recategorised { .. } => "recategorised",
            TimelineKind::Note { .. } => "note",
            TimelineKind::DetectionLinked { .. } => "detection_linked",
            TimelineKind::Evidence { .. } => "evidence",
            TimelineKind::TaskAdded { .. } => "task_added",
            TimelineKind::TaskDone { .. } => "task_done",
            TimelineKind::CustomerResponse { .. } => "customer_response",
            TimelineKind::ReportSubmitted { .. } => "report_submitted",
            TimelineKind::ReportReviewed { .. } => "report_reviewed",
            TimelineKind::NotReporting { .. } => "not_reporting",
        }
    }
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When it was recorded, Unix µs.
    pub at_us: i64,
    /// Who recorded it.
    pub actor_user_id: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: TimelineKind,
}

/// What someone asks to do with a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum CaseCommand {
    /// Move to a later phase.
    EnterPhase {
        /// The phase.
        phase: Phase,
    },
    /// Record a milestone, with when it happened.
    RecordMilestone {
        /// Which.
        milestone: Milestone,
        /// When it happened, Unix µs (not in the future).
        at_us: i64,
    },
    /// Reassess impact and urgency.
    Retriage {
        /// The impact now known.
        impact: Impact,
        /// The urgency now judged.
        urgency: Urgency,
    },
    /// Correct the category.
    Recategorise {
        /// The right category.
        category: Category,
        /// Why.
        reason: String,
    },
    /// Add a note.
    AddNote {
        /// The text.
        text: String,
    },
    /// Link a detection.
    LinkDetection {
        /// Its id.
        detection_id: String,
    },
    /// Attach stored evidence.
    AddEvidence {
        /// The evidence file's id.
        evidence_id: String,
        /// What it shows.
        description: String,
    },
}

/// Why a case cannot be opened or a command was refused; fields are named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseRefusal {
    /// Only the institution's own users (not auditors) act on its cases.
    #[error("only the institution's own staff may act on its incident cases")]
    NotYours,
    /// A required text is blank.
    #[error("{0}: is required")]
    Blank(&'static str),
    /// A text is too long.
    #[error("{field}: longer than {max} characters")]
    TooLong {
        /// The field.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// The incident day is after today in Japan.
    #[error("occurred_on: is in the future")]
    OccurredInFuture,
    /// A time lies in the future.
    #[error("{0}: is in the future")]
    InFuture(&'static str),
    /// Two affected services share a name, or one has none.
    #[error("impact.services: {0:?} is blank or listed twice")]
    BadService(String),
    /// Phases only move forward.
    #[error("phase: cannot move from {from} back or sideways to {to}")]
    PhaseNotForward {
        /// Current phase.
        from: Phase,
        /// Requested phase.
        to: Phase,
    },
    /// A milestone is recorded once.
    #[error("milestone: {0} is already recorded")]
    MilestoneRecorded(Milestone),
    /// A milestone cannot precede the recognition of the incident.
    #[error("milestone: {0} cannot be before the incident was recognised")]
    BeforeRecognition(Milestone),
    /// The category given is the current one.
    #[error("category: is already {0}")]
    SameCategory(Category),
    /// A closed case only takes notes.
    #[error("the case is closed; only notes may be added")]
    Closed,
}

fn text(field: &'static str, value: &str, max: usize) -> Result<(), CaseRefusal> {
    if value.trim().is_empty() {
        return Err(CaseRefusal::Blank(field));
    }
    if value.chars().count() > max {
        return Err(CaseRefusal::TooLong { field, max });
    }
    Ok(())
}

fn check_impact(impact: &Impact) -> Result<(), CaseRefusal> {
    let mut names = BTreeSet::new();
    for s in &impact.services {
        let name = s.name.trim();
        if name.is_empty() || !names.insert(name) {
            return Err(CaseRefusal::BadService(s.name.clone()));
        }
        text("impact.services.name", name, MAX_TITLE_CHARS)?;
    }
    Ok(())
}

impl Case {
    /// Opens a case at `now_us` for `actor`, in the detection phase; returns it with the
    /// first timeline entry.
    pub fn open(
        new: NewCase,
        actor: &Party,
        now_us: i64,
    ) -> Result<(Case, TimelineEntry), CaseRefusal> {
        if !actor.acts_for(&new.org_id) {
            return Err(CaseRefusal::NotYours);
        }
        text("title", &new.title, MAX_TITLE_CHARS)?;
        text("summary", &new.summary, MAX_TEXT_CHARS)?;
        if new.occurred_on > crate::jst::today(now_us) {
            return Err(CaseRefusal::OccurredInFuture);
        }
        check_impact(&new.impact)?;
        let mut milestones = BTreeMap::new();
        if let Some(at) = new.recognised_at_us {
            if at > now_us {
                return Err(CaseRefusal::InFuture("recognised_at"));
            }
            milestones.insert(Milestone::Recognised, at);
        }
        let severity = severity(&new.impact);
        let priority = priority(severity, new.urgency);
        let case = Case {
            org_id: new.org_id,
            title: new.title.trim().to_owned(),
            category: new.category,
            ransom_demanded: new.ransom_demanded,
            summary: new.summary,
            occurred_on: new.occurred_on,
            impact: new.impact,
            urgency: new.urgency,
            severity,
            priority,
            phase: Phase::Detection,
            phases: vec![PhaseEntry {
                phase: Phase::Detection,
                at_us: now_us,
                by_user_id: actor.user_id.clone(),
            }],
            milestones,
            exercise: new.exercise,
        };
        let entry = TimelineEntry {
            at_us: now_us,
            actor_user_id: actor.user_id.clone(),
            kind: TimelineKind::Opened {
                category: case.category,
                severity,
                priority,
            },
        };
        Ok((case, entry))
    }

    /// When `phase` was entered, if it was.
    pub fn entered_at(&self, phase: Phase) -> Option<i64> {
        self.phases
            .iter()
            .find(|p| p.phase == phase)
            .map(|p| p.at_us)
    }

    /// Whether the case is still being worked on.
    pub fn is_open(&self) -> bool {
        self.phase != Phase::Closed
    }

    /// Applies `command` of `actor` at `now_us`: the case changes and the timeline entry
    /// to append is returned, or the refusal says why and the case is unchanged.
    pub fn apply(
        &mut self,
        command: CaseCommand,
        actor: &Party,
        now_us: i64,
    ) -> Result<TimelineEntry, CaseRefusal> {
        if !actor.acts_for(&self.org_id) {
            return Err(CaseRefusal::NotYours);
        }
        if !self.is_open() && !matches!(command, CaseCommand::AddNote { .. }) {
            return Err(CaseRefusal::Closed);
        }
        let kind = match command {
            CaseCommand::EnterPhase { phase } => self.enter(phase, actor, now_us)?,
            CaseCommand::RecordMilestone { milestone, at_us } => {
                self.record(milestone, at_us, now_us)?
            }
            CaseCommand::Retriage { impact, urgency } => {
                check_impact(&impact)?;
                self.severity = severity(&impact);
                self.priority = priority(self.severity, urgency);
                self.impact = impact;
                self.urgency = urgency;
                TimelineKind::Retriaged {
                    severity: self.severity,
                    priority: self.priority,
                }
            }
            CaseCommand::Recategorise { category, reason } => {
                text("reason", &reason, MAX_TEXT_CHARS)?;
                if category == self.category {
                    return Err(CaseRefusal::SameCategory(category));
                }
                let from = std::mem::replace(&mut self.category, category);
                TimelineKind::Recategorised {
                    from,
                    to: category,
                    reason,
                }
            }
            CaseCommand::AddNote { text: note } => {
                text("text", &note, MAX_TEXT_CHARS)?;
                TimelineKind::Note { text: note }
            }
            CaseCommand::LinkDetection { detection_id } => {
                text("detection_id", &detection_id, MAX_TITLE_CHARS)?;
                TimelineKind::DetectionLinked { detection_id }
            }
            CaseCommand::AddEvidence {
                evidence_id,
                description,
            } => {
                text("evidence_id", &evidence_id, MAX_TITLE_CHARS)?;
                text("description", &description, MAX_TEXT_CHARS)?;
                TimelineKind::Evidence {
                    evidence_id,
                    description,
                }
            }
        };
        Ok(TimelineEntry {
            at_us: now_us,
            actor_user_id: actor.user_id.clone(),
            kind,
        })
    }

    fn enter(
        &mut self,
        phase: Phase,
        actor: &Party,
        now_us: i64,
    ) -> Result<TimelineKind, CaseRefusal> {
        let from = self.phase;
        if phase <= from {
            return Err(CaseRefusal::PhaseNotForward { from, to: phase });
        }
        self.phase = phase;
        self.phases.push(PhaseEntry {
            phase,
            at_us: now_us,
            by_user_id: actor.user_id.clone(),
        });
        Ok(TimelineKind::PhaseEntered { from, to: phase })
    }

    fn record(
        &mut self,
        milestone: Milestone,
        at_us: i64,
        now_us: i64,
    ) -> Result<TimelineKind, CaseRefusal> {
        if self.milestones.contains_key(&milestone) {
            return Err(CaseRefusal::MilestoneRecorded(milestone));
        }
        if at_us > now_us {
            return Err(CaseRefusal::InFuture("milestone.at"));
        }
        let recognised = self.milestones.get(&Milestone::Recognised);
        if recognised.is_some_and(|r| at_us < *r) {
            return Err(CaseRefusal::BeforeRecognition(milestone));
        }
        // Recognition recorded late must still come before every other milestone.
        let other_before = self
            .milestones
            .iter()
            .any(|(m, at)| *m != Milestone::Recognised && *at < at_us);
        if milestone == Milestone::Recognised && other_before {
            return Err(CaseRefusal::BeforeRecognition(milestone));
        }
        self.milestones.insert(milestone, at_us);
        Ok(TimelineKind::MilestoneRecorded { milestone, at_us })
    }
}

#[cfg(test)]
mod tests;
