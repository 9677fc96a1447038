//! The work around a case: tasks with owners and due days, the customer-response log
//! (inquiries per day and channel) and the notices published to customers.
//!
//! The Delta Wall exercise found customer response weak where inquiries were not
//! anticipated (report section 2.(1)②): the log makes the daily inquiry load visible next
//! to the notices that should reduce it.

use crate::jst;
use crate::org::vocabulary;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::case::{MAX_TEXT_CHARS, MAX_TITLE_CHARS};

/// Why a task, log entry or notice is refused; the field is named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkError {
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
    /// A due day already past in Japan.
    #[error("due_on: {0} is already past")]
    DueInPast(Date),
    /// A log day or publication after now.
    #[error("{0}: is in the future")]
    InFuture(&'static str),
    /// No inquiries to log.
    #[error("inquiries: must be at least 1")]
    NoInquiries,
    /// The task is already done.
    #[error("the task is already done")]
    AlreadyDone,
    /// A link that is not http(s).
    #[error("url: must start with https:// or http://")]
    BadUrl,
}

fn text(field: &'static str, value: &str, max: usize) -> Result<(), WorkError> {
    if value.trim().is_empty() {
        return Err(WorkError::Blank(field));
    }
    if value.chars().count() > max {
        return Err(WorkError::TooLong { field, max });
    }
    Ok(())
}

/// A task of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseTask {
    /// Id.
    pub id: String,
    /// What to do.
    pub title: String,
    /// The user responsible.
    pub owner_user_id: String,
    /// The day it is due, in Japan (done by the end of that day).
    pub due_on: Date,
    /// When it was done, Unix µs.
    pub done_at_us: Option<i64>,
    /// Who completed it.
    pub done_by: Option<String>,
}

impl CaseTask {
    /// A new open task; the due day may be today but not earlier (Japan time).
    pub fn new(
        id: &str,
        title: &str,
        owner_user_id: &str,
        due_on: Date,
        now_us: i64,
    ) -> Result<CaseTask, WorkError> {
        text("title", title, MAX_TITLE_CHARS)?;
        text("owner", owner_user_id, MAX_TITLE_CHARS)?;
        if due_on < jst::today(now_us) {
            return Err(WorkError::DueInPast(due_on));
        }
        Ok(CaseTask {
            id: id.to_owned(),
            title: title.trim().to_owned(),
            owner_user_id: owner_user_id.to_owned(),
            due_on,
            done_at_us: None,
            done_by: None,
        })
    }

    /// Marks the task done.
    pub fn complete(&mut self, by_user_id: &str, now_us: i64) -> Result<(), WorkError> {
        if self.done_at_us.is_some() {
            return Err(WorkError::AlreadyDone);
        }
        self.done_at_us = Some(now_us);
        self.done_by = Some(by_user_id.to_owned());
        Ok(())
    }

    /// Open after the end of its due day in Japan.
    pub fn is_overdue(&self, now_us: i64) -> bool {
        self.done_at_us.is_none() && now_us > jst::end_of_day_us(self.due_on)
    }
}

vocabulary! {
    /// How customers reached the institution.
    Channel {
        /// 電話 (call centre).
        Phone = "phone", "電話", "Phone";
        /// 窓口 (branch counter).
        Branch = "branch", "窓口", "Branch";
        /// 電子メール.
        Email = "email", "電子メール", "E-mail";
        /// Web form or chat.
        Web = "web", "Webフォーム・チャット", "Web form / chat";
        /// Social networks.
        Sns = "sns", "SNS", "Social media";
        /// Anything else.
        Other = "other", "その他", "Other";
    }
}

/// Inquiries received on one day through one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerContact {
    /// The day, in Japan.
    pub day: Date,
    /// The channel.
    pub channel: Channel,
    /// How many inquiries.
    pub inquiries: u32,
    /// What customers asked about, in short.
    #[serde(default)]
    pub note: String,
}

impl CustomerContact {
    /// Checks the entry at `now_us`: a day not after today in Japan, at least one inquiry.
    pub fn validate(&self, now_us: i64) -> Result<(), WorkError> {
        if self.day > jst::today(now_us) {
            return Err(WorkError::InFuture("day"));
        }
        if self.inquiries == 0 {
            return Err(WorkError::NoInquiries);
        }
        if self.note.chars().count() > MAX_TEXT_CHARS {
            return Err(WorkError::TooLong {
                field: "note",
                max: MAX_TEXT_CHARS,
            });
        }
        Ok(())
    }
}

/// Inquiries per day (all channels), oldest first: the curve the report asks institutions
/// to anticipate.
pub fn inquiries_by_day(log: &[CustomerContact]) -> Vec<(Date, u64)> {
    let mut days: BTreeMap<Date, u64> = BTreeMap::new();
    for c in log {
        *days.entry(c.day).or_default() += u64::from(c.inquiries);
    }
    days.into_iter().collect()
}

vocabulary! {
    /// Where a notice to customers was published.
    NoticeChannel {
        /// The institution's website.
        Website = "website", "ホームページ", "Website";
        /// Branches.
        Branch = "branch", "店頭", "Branches";
        /// Press release.
        Press = "press", "報道発表", "Press release";
        /// E-mail or the app to registered customers.
        Direct = "direct", "メール・アプリ通知", "E-mail / app";
        /// Social networks.
        Sns = "sns", "SNS", "Social media";
    }
}

/// A notice published to customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// When it was published, Unix µs.
    pub published_at_us: i64,
    /// Where.
    pub channel: NoticeChannel,
    /// Its title.
    pub title: String,
    /// Its address, when online.
    pub url: Option<String>,
}

impl Notice {
    /// Checks the notice at `now_us`: published already, a title, an http(s) address.
    pub fn validate(&self, now_us: i64) -> Result<(), WorkError> {
        if self.published_at_us > now_us {
            return Err(WorkError::InFuture("published_at"));
        }
        text("title", &self.title, MAX_TITLE_CHARS)?;
        let url_ok = self.url.as_deref().is_none_or(|u| {
            let u = u.trim();
            (u.starts_with("https://") || u.starts_with("http://")) && u.len() > 8
        });
        if !url_ok {
            return Err(WorkError::BadUrl);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-02 09:00 JST.
    const NOW: i64 = 1_793_577_600_000_000;

    #[test]
    fn tasks_are_due_by_the_end_of_their_day_in_japan() {
        let today = jst::today(NOW);
        let mut task = CaseTask::new("t1", "Block the source IPs", "u1", today, NOW).unwrap();
        assert!(!task.is_overdue(jst::end_of_day_us(today)));
        assert!(task.is_overdue(jst::end_of_day_us(today) + 1));
        task.complete("u2", NOW).unwrap();
        assert!(!task.is_overdue(i64::MAX));
        assert_eq!(task.complete("u2", NOW), Err(WorkError::AlreadyDone));
        let yesterday = today.yesterday().unwrap();
        assert_eq!(
            CaseTask::new("t2", "x", "u1", yesterday, NOW),
            Err(WorkError::DueInPast(yesterday))
        );
        assert_eq!(
            CaseTask::new("t2", " ", "u1", today, NOW),
            Err(WorkError::Blank("title"))
        );
    }

    #[test]
    fn inquiries_add_up_per_day() {
        let day = |d| Date::constant(2026, 11, d);
        let log = [
            (day(2), Channel::Phone, 120),
            (day(2), Channel::Web, 30),
            (day(1), Channel::Branch, 4),
        ]
        .map(|(day, channel, inquiries)| CustomerContact {
            day,
            channel,
            inquiries,
            note: String::new(),
        });
        assert_eq!(inquiries_by_day(&log), vec![(day(1), 4), (day(2), 150)]);
        for c in &log {
            assert_eq!(c.validate(NOW), Ok(()));
        }
        let tomorrow = CustomerContact {
            day: day(3),
            ..log[0].clone()
        };
        assert_eq!(tomorrow.validate(NOW), Err(WorkError::InFuture("day")));
        let none = CustomerContact {
            inquiries: 0,
            ..log[0].clone()
        };
        assert_eq!(none.validate(NOW), Err(WorkError::NoInquiries));
    }

    #[test]
    fn notices_need_a_title_and_a_web_address() {
        let notice = Notice {
            published_at_us: NOW,
            channel: NoticeChannel::Website,
            title: "不正ログインに関するお知らせ".into(),
            url: Some("https://bank.example/notice/1".into()),
        };
        assert_eq!(notice.validate(NOW), Ok(()));
        let bad = Notice {
            url: Some("javascript:alert(1)".into()),
            ..notice.clone()
        };
        assert_eq!(bad.validate(NOW), Err(WorkError::BadUrl));
        assert_eq!(
            notice.validate(NOW - 1),
            Err(WorkError::InFuture("published_at"))
        );
    }
}
