//! Japan time (日本標準時, JST): the one place that turns instants into the calendar days
//! Japanese supervision counts in, and back.
//!
//! Every deadline Deltawall shows (a request's due date, a regulator report's clock, a
//! task's due day) is a day or an instant in Japan. Instants are Unix microseconds, as
//! everywhere in the domain; days are [`jiff::civil::Date`].
//!
//! Japan has used UTC+09:00 all year round since 1952 (no daylight saving time), so a fixed
//! offset gives the same answers as the `Asia/Tokyo` zone for every instant we handle, and
//! needs no time-zone database on the server (this crate does no I/O). Should Japan ever
//! change its offset, this module is the one place to change.
//!
//! The functions are total: an instant outside jiff's range (years -9999 to 9999) is
//! clamped to that range rather than panicking.

use jiff::civil::{Date, Weekday};
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, ToSpan};
use std::collections::BTreeSet;

/// Japan's offset from UTC in hours.
pub const OFFSET_HOURS: i8 = 9;

/// The offset of Japan time from UTC.
pub const OFFSET: Offset = jiff::tz::offset(OFFSET_HOURS);

/// Japan time as a jiff time zone (a fixed +09:00 offset; see the module docs for why).
pub fn tz() -> TimeZone {
    TimeZone::fixed(OFFSET)
}

/// Why a text is not a civil date or a date calculation left the calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not of the form `YYYY-MM-DD` (four-digit year, two-digit month and day).
    #[error("{0:?} is not a date of the form YYYY-MM-DD")]
    Format(String),
    /// The form is right but the day does not exist (e.g. 2023-02-29, 2024-04-31).
    #[error("{0:?} is not a day of the calendar")]
    NoSuchDay(String),
    /// A calculation went past the year 9999.
    #[error("date calculation went past the supported calendar (years up to 9999)")]
    OutOfRange,
}

/// Parses a civil date strictly: exactly `YYYY-MM-DD`, and only days that exist.
///
/// Surrounding whitespace is ignored (form fields). `2024-02-29` is accepted, `2023-02-29`
/// and `2024-02-31` are refused, as are `2024-2-3`, `20240203` and times of day.
pub fn parse_date(raw: &str) -> Result<Date, DateError> {
    let text = raw.trim();
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(DateError::Format(text.chars().take(40).collect()));
    }
    let num = |r: std::ops::Range<usize>| text[r].parse::<i16>().unwrap_or(0);
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let month = i8::try_from(month).map_err(|_| DateError::NoSuchDay(text.into()))?;
    let day = i8::try_from(day).map_err(|_| DateError::NoSuchDay(text.into()))?;
    Date::new(year, month, day).map_err(|_| DateError::NoSuchDay(text.into()))
}

fn timestamp(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(if us < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// The day in Japan on which the instant `us` falls.
pub fn date_of(us: i64) -> Date {
    OFFSET.to_datetime(timestamp(us)).date()
}

/// Today in Japan, given the current instant (the domain never reads the clock itself).
pub fn today(now_us: i64) -> Date {
    date_of(now_us)
}

/// The first microsecond of `day` in Japan (midnight JST).
pub fn start_of_day_us(day: Date) -> i64 {
    OFFSET
        .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
        .map_or(i64::MIN, |t| t.as_microsecond())
}

/// The last microsecond of `day` in Japan: a deadline "by `day`" is met by anything at or
/// before this instant. The last day of the calendar ends at `i64::MAX`.
pub fn end_of_day_us(day: Date) -> i64 {
    day.tomorrow()
        .map_or(i64::MAX, |next| start_of_day_us(next).saturating_sub(1))
}

/// Formats a day as `YYYY-MM-DD` (both languages use it in tables and forms).
pub fn format_date(day: Date) -> String {
    day.strftime("%Y-%m-%d").to_string()
}

/// Formats an instant in Japan time to the minute: `2024-02-29 09:30`. This is the form
/// tables and exports use; the UI adds no zone because every time it shows is JST.
pub fn format_minute(us: i64) -> String {
    OFFSET
        .to_datetime(timestamp(us))
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// Formats an instant for a sentence in `lang` (`ja` or anything else for English):
/// `2024年2月29日(木) 09:30` or `Thu 29 Feb 2024 09:30 JST`.
pub fn format_display(us: i64, lang: &str) -> String {
    let dt = OFFSET.to_datetime(timestamp(us));
    if lang == "ja" {
        let wd = ["月", "火", "水", "木", "金", "土", "日"]
            [usize::from(dt.weekday().to_monday_zero_offset().unsigned_abs())];
        format!(
            "{}年{}月{}日({wd}) {}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.strftime("%H:%M")
        )
    } else {
        format!("{} JST", dt.strftime("%a %-d %b %Y %H:%M"))
    }
}

/// Days on which business is closed besides Saturdays and Sundays (national holidays, the
/// year-end closing), passed in as data because the domain ships no calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays(BTreeSet<Date>);

impl Holidays {
    /// No holidays: only weekends are skipped.
    pub fn none() -> Holidays {
        Holidays::default()
    }

    /// The given days.
    pub fn from_dates(days: impl IntoIterator<Item = Date>) -> Holidays {
        Holidays(days.into_iter().collect())
    }

    /// Parses a list of `YYYY-MM-DD` texts; the error names the first bad entry's index.
    pub fn parse<'a>(
        days: impl IntoIterator<Item = &'a str>,
    ) -> Result<Holidays, (usize, DateError)> {
        days.into_iter()
            .enumerate()
            .map(|(i, d)| parse_date(d).map_err(|e| (i, e)))
            .collect::<Result<_, _>>()
            .map(Holidays)
    }

    /// Whether `day` is one of the holidays.
    pub fn contains(&self, day: Date) -> bool {
        self.0.contains(&day)
    }
}

/// Whether `day` is a business day: not a Saturday, Sunday or holiday.
pub fn is_business_day(day: Date, holidays: &Holidays) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !holidays.contains(day)
}

/// The `n`th business day after `day` (`n = 0` gives `day` itself, even on a weekend).
///
/// "Within three business days of Friday" is the following Wednesday when Monday to
/// Wednesday are working days.
pub fn add_business_days(day: Date, n: u32, holidays: &Holidays) -> Result<Date, DateError> {
    let mut current = day;
    let mut left = n;
    while left > 0 {
        current = current.tomorrow().map_err(|_| DateError::OutOfRange)?;
        if is_business_day(current, holidays) {
            left -= 1;
        }
    }
    Ok(current)
}

/// `day` plus `n` calendar months, clamped to the month's last day (31 January + 1 month
/// is 28 or 29 February), as "within one month" is counted.
pub fn add_months(day: Date, n: u32) -> Result<Date, DateError> {
    day.checked_add(i64::from(n).months())
        .map_err(|_| DateError::OutOfRange)
}

/// The instant `n` calendar months after `us`, counted on the Japanese calendar at the same
/// Japanese time of day (clamped to the month's last day), as "within one month" is read.
pub fn months_after_us(us: i64, n: u32) -> Result<i64, DateError> {
    let dt = OFFSET.to_datetime(timestamp(us));
    let later = dt
        .checked_add(i64::from(n).months())
        .map_err(|_| DateError::OutOfRange)?;
    OFFSET
        .to_timestamp(later)
        .map(|t| t.as_microsecond())
        .map_err(|_| DateError::OutOfRange)
}

#[cfg(test)]
mod tests;
