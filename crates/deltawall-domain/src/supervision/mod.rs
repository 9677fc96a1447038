//! Supervision (公助): the rules behind the supervisor's work on the sector, after the FSA
//! report 金融分野のサイバーセキュリティレポート (June 2020), section 2.(1).
//!
//! - [`score`]: a transparent, versioned risk score that ranks institutions for monitoring
//!   (実態把握), with the reasons behind every score.
//! - [`engagement`]: monitoring engagements (実態把握) shared by the FSA and the local
//!   bureau, with notes against the catalog's viewpoints and follow-ups.
//! - [`population`]: which institutions a request or an alert is sent to.
//! - [`request`]: requests (要請) with a deadline, one task per institution, submissions
//!   attested by an executive, completion rates and before/after comparisons.
//! - [`alert`]: alerts (注意喚起) with an optional checklist the institutions confirm.
//! - [`benchmark`]: k-anonymous peer distributions and each institution's own position.
//! - [`figures`]: sector figures by business type and year (the report's figures 3 and 4).
//!
//! Everything here is pure: callers pass the facts and the current time in. Instants are
//! Unix microseconds, as in [`crate::finding`]; calendar days are [`jiff::civil::Date`].

pub mod alert;
pub mod benchmark;
pub mod engagement;
pub mod figures;
pub mod population;
pub mod request;
pub mod score;

use crate::org::OrgKind;
use crate::role::Role;
use serde::{Deserialize, Serialize};

/// One day in microseconds.
pub const DAY_US: i64 = 86_400 * 1_000_000;

/// Someone acting on a request task or an alert: a user, their organisation and role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// User id.
    pub user_id: String,
    /// The user's organisation.
    pub org_id: String,
    /// Its kind.
    pub org_kind: OrgKind,
    /// The user's role there.
    pub role: Role,
}

impl Party {
    /// Whether this user acts for institution `org_id` and may change its records (an
    /// auditor only reads).
    pub fn acts_for(&self, org_id: &str) -> bool {
        self.org_id == org_id && self.role != Role::Auditor
    }

    /// Whether this user is supervisory staff who may decide (not a read-only auditor).
    pub fn is_supervisor(&self) -> bool {
        self.org_kind == OrgKind::Supervisor && self.role != Role::Auditor
    }
}

/// A share `numerator / denominator`, kept exact; the UI formats it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    /// How many have the property.
    pub numerator: u32,
    /// Out of how many.
    pub denominator: u32,
}

impl Ratio {
    /// The share in per cent, or `None` when there is nothing to divide by.
    pub fn percent(self) -> Option<f64> {
        (self.denominator > 0)
            .then(|| 100.0 * f64::from(self.numerator) / f64::from(self.denominator))
    }
}

/// When reminders go out for something with a deadline.
///
/// Before the deadline, one reminder per entry of `days_before`; after it, one every
/// `overdue_every_days` days while the item is still outstanding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderPolicy {
    /// Days before the deadline on which to remind (e.g. `[7, 1]`).
    pub days_before: Vec<u32>,
    /// After the deadline, remind every this many days (`None`: no overdue reminders).
    pub overdue_every_days: Option<u32>,
}

/// A reminder that is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reminder {
    /// Ahead of the deadline.
    BeforeDeadline {
        /// How many days before the deadline this reminder was scheduled.
        days: u32,
        /// When it became due, Unix µs.
        at_us: i64,
    },
    /// After the deadline.
    Overdue {
        /// Whole days past the deadline at which it was scheduled.
        days_late: i64,
        /// When it became due, Unix µs.
        at_us: i64,
    },
}

impl Reminder {
    /// When the reminder became due.
    pub fn at_us(self) -> i64 {
        match self {
            Reminder::BeforeDeadline { at_us, .. } | Reminder::Overdue { at_us, .. } => at_us,
        }
    }
}

impl ReminderPolicy {
    /// The reminder to send at `now_us` for an outstanding item with deadline `deadline_us`,
    /// given when the last one was sent (`last_sent_us`).
    ///
    /// Only the most recent scheduled reminder that is due and was not yet sent is
    /// returned: after an outage the institution gets one reminder, not a burst. After
    /// the deadline only overdue reminders are sent.
    pub fn due(
        &self,
        deadline_us: i64,
        now_us: i64,
        last_sent_us: Option<i64>,
    ) -> Option<Reminder> {
        let fresh = |at: i64| at <= now_us && last_sent_us.is_none_or(|sent| sent < at);
        if now_us > deadline_us {
            // Past the deadline only overdue reminders apply; a missed "1 day before"
            // reminder is not sent late.
            let every = i64::from(self.overdue_every_days.filter(|d| *d > 0)?);
            let step = every.saturating_mul(DAY_US);
            // n * step ≤ now - deadline, so nothing below overflows.
            let n = now_us.saturating_sub(deadline_us) / step;
            let r = Reminder::Overdue {
                days_late: n * every,
                at_us: deadline_us + n * step,
            };
            return (n >= 1 && fresh(r.at_us())).then_some(r);
        }
        self.before_deadline_at(deadline_us)
            .map(|(days, at_us)| Reminder::BeforeDeadline { days, at_us })
            .filter(|r| fresh(r.at_us()))
            .max_by_key(|r| r.at_us())
    }

    /// The instants at which the before-deadline reminders fall.
    pub fn before_deadline_at(&self, deadline_us: i64) -> impl Iterator<Item = (u32, i64)> + '_ {
        self.days_before.iter().map(move |d| {
            let before = i64::from(*d).saturating_mul(DAY_US);
            (*d, deadline_us.saturating_sub(before))
        })
    }

    /// Checks the policy for something sent at `now_us` with deadline `deadline_us`: each
    /// reminder falls strictly before the deadline, not in the past, and is given once.
    pub fn validate(&self, deadline_us: i64, now_us: i64) -> Result<(), ReminderError> {
        let mut seen = std::collections::BTreeSet::new();
        for (days, at_us) in self.before_deadline_at(deadline_us) {
            if days == 0 {
                return Err(ReminderError::NotBeforeDeadline);
            }
            if !seen.insert(days) {
                return Err(ReminderError::Duplicate { days });
            }
            if at_us < now_us {
                return Err(ReminderError::InPast { days });
            }
        }
        if self.overdue_every_days == Some(0) {
            return Err(ReminderError::ZeroInterval);
        }
        Ok(())
    }
}

/// Why a reminder policy is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReminderError {
    /// A reminder falls on the deadline (zero days before it).
    #[error("reminders: a reminder must fall before the deadline")]
    NotBeforeDeadline,
    /// A reminder falls before now.
    #[error("reminders: a reminder {days} days before the deadline would fall in the past")]
    InPast {
        /// Days before the deadline.
        days: u32,
    },
    /// The same reminder is given twice.
    #[error("reminders: {days} days before the deadline is given twice")]
    Duplicate {
        /// Days before the deadline.
        days: u32,
    },
    /// Overdue reminders every zero days.
    #[error("reminders.overdue_every_days: must be at least 1")]
    ZeroInterval,
}

/// How an incident was caused, after the report's section 1.(2) and figure 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackType {
    /// 不正ログイン: unauthorised login, e.g. by credential lists or misconfiguration.
    UnauthorizedLogin,
    /// DDoS 攻撃, including DDoS with a ransom demand.
    Ddos,
    /// ランサムウェア.
    Ransomware,
    /// 標的型攻撃: targeted attack by e-mail or social networks.
    TargetedAttack,
    /// フィッシング: a fake website.
    Phishing,
    /// マルウェア.
    Malware,
    /// 資産の流出: theft of keys or assets, e.g. a crypto-asset hot wallet.
    AssetTheft,
    /// Anything else.
    Other,
}

impl AttackType {
    /// Every value, in display order.
    pub const ALL: &'static [AttackType] = &[
        AttackType::UnauthorizedLogin,
        AttackType::Ddos,
        AttackType::Ransomware,
        AttackType::TargetedAttack,
        AttackType::Phishing,
        AttackType::Malware,
        AttackType::AssetTheft,
        AttackType::Other,
    ];

    /// The stable code used in storage and the API.
    pub fn code(self) -> &'static str {
        match self {
            AttackType::UnauthorizedLogin => "unauthorized_login",
            AttackType::Ddos => "ddos",
            AttackType::Ransomware => "ransomware",
            AttackType::TargetedAttack => "targeted_attack",
            AttackType::Phishing => "phishing",
            AttackType::Malware => "malware",
            AttackType::AssetTheft => "asset_theft",
            AttackType::Other => "other",
        }
    }

    /// Parses a stable code.
    pub fn from_code(code: &str) -> Option<AttackType> {
        AttackType::ALL.iter().copied().find(|a| a.code() == code)
    }

    /// The label in Japanese (`ja`) or English.
    pub fn label(self, lang: &str) -> &'static str {
        let (ja, en) = match self {
            AttackType::UnauthorizedLogin => ("不正ログイン", "Unauthorised login"),
            AttackType::Ddos => ("DDoS攻撃", "DDoS"),
            AttackType::Ransomware => ("ランサムウェア", "Ransomware"),
            AttackType::TargetedAttack => ("標的型攻撃", "Targeted attack"),
            AttackType::Phishing => ("フィッシング", "Phishing"),
            AttackType::Malware => ("マルウェア", "Malware"),
            AttackType::AssetTheft => ("資産の流出", "Asset theft"),
            AttackType::Other => ("その他", "Other"),
        };
        if lang == "ja" { ja } else { en }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = DAY_US;

    /// `(now, last_sent)` → the reminder due, for a deadline at day 30 with reminders 7 and
    /// 1 day before and every 3 days after.
    #[track_caller]
    fn check(now: i64, last_sent: Option<i64>, expected: Option<Reminder>) {
        let policy = ReminderPolicy {
            days_before: vec![7, 1],
            overdue_every_days: Some(3),
        };
        assert_eq!(policy.due(30 * D, now, last_sent), expected);
    }

    #[test]
    fn reminders_fall_on_their_days_once() {
        check(22 * D, None, None);
        let week = Reminder::BeforeDeadline {
            days: 7,
            at_us: 23 * D,
        };
        check(23 * D, None, Some(week));
        check(25 * D, Some(23 * D), None);
        let day = Reminder::BeforeDeadline {
            days: 1,
            at_us: 29 * D,
        };
        check(29 * D, Some(23 * D), Some(day));
        // Missed both: only the latest goes out.
        check(29 * D + 5, None, Some(day));
        check(30 * D, Some(29 * D), None);
        // Past the deadline, a missed before-deadline reminder is not sent late.
        check(30 * D + 1, Some(23 * D), None);
        check(31 * D, None, None);
        check(32 * D, Some(29 * D), None);
        let late = Reminder::Overdue {
            days_late: 3,
            at_us: 33 * D,
        };
        check(33 * D, Some(29 * D), Some(late));
        check(35 * D, Some(33 * D), None);
        let later = Reminder::Overdue {
            days_late: 6,
            at_us: 36 * D,
        };
        check(37 * D, Some(33 * D), Some(later));
    }

    proptest::proptest! {
        /// A reminder is never in the future, never one already sent, and before the
        /// deadline always one of the scheduled ones; no input panics.
        #[test]
        fn reminders_are_scheduled_and_fresh(
            days_before in proptest::collection::vec(proptest::prelude::any::<u32>(), 0..4),
            every in proptest::option::of(proptest::prelude::any::<u32>()),
            deadline in proptest::prelude::any::<i64>(),
            now in proptest::prelude::any::<i64>(),
            last_sent in proptest::option::of(proptest::prelude::any::<i64>()),
        ) {
            let policy = ReminderPolicy { days_before: days_before.clone(), overdue_every_days: every };
            if let Some(r) = policy.due(deadline, now, last_sent) {
                proptest::prop_assert!(r.at_us() <= now);
                proptest::prop_assert!(last_sent.is_none_or(|s| s < r.at_us()));
                match r {
                    Reminder::BeforeDeadline { days, at_us } => {
                        proptest::prop_assert!(now <= deadline);
                        proptest::prop_assert!(days_before.contains(&days));
                        proptest::prop_assert_eq!(at_us, deadline.saturating_sub(i64::from(days).saturating_mul(D)));
                    }
                    Reminder::Overdue { days_late, at_us } => {
                        proptest::prop_assert!(now > deadline && at_us > deadline);
                        let every = i64::from(every.unwrap_or(0));
                        proptest::prop_assert!(days_late >= every && days_late % every == 0);
                    }
                }
            }
        }
    }

    #[test]
    fn ratio_percent() {
        assert_eq!(
            Ratio {
                numerator: 1,
                denominator: 4
            }
            .percent(),
            Some(25.0)
        );
        assert_eq!(Ratio::default().percent(), None);
    }

    #[test]
    fn attack_type_codes_round_trip() {
        for a in AttackType::ALL {
            assert_eq!(AttackType::from_code(a.code()), Some(*a));
            assert_ne!(a.label("ja"), a.label("en"));
        }
    }
}
