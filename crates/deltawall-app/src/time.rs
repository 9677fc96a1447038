//! Japan time for services: the domain's one Japan-time module (`deltawall_domain::jst`) with
//! a parse error named as the field a person typed it in, and "today" read from the clock,
//! which the domain never reads itself.

use crate::{SResult, ServiceError};
use deltawall_domain::jst;
use deltawall_domain::validate::Invalid;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Japan Standard Time.
pub fn jst() -> TimeZone {
    jst::tz()
}

/// Parses a `YYYY-MM-DD` input strictly (2024-02-31 is refused), naming `field` when wrong.
pub fn date(field: &'static str, raw: &str) -> SResult<Date> {
    jst::parse_date(raw).map_err(|_| {
        ServiceError::Invalid(Invalid {
            field,
            reason: "must be a date (YYYY-MM-DD)",
            code: "err-date",
        })
    })
}

pub use jst::{end_of_day_us, start_of_day_us};

/// The civil date in Japan of an instant in Unix microseconds.
pub fn date_of_us(us: i64) -> Date {
    jst::date_of(us)
}

/// Today in Japan time.
pub fn today() -> Date {
    jst::today(deltawall_store::records::now_us())
}

/// Unix microseconds as `YYYY-MM-DD HH:MM` in Japan time, for display.
pub fn format_time(us: i64) -> String {
    jst::format_minute(us)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_date(raw: &str, expected: Option<&str>) {
        let got = date("d", raw).ok().map(|d| d.to_string());
        assert_eq!(got.as_deref(), expected, "{raw}");
    }

    #[test]
    fn dates_are_strict_about_month_ends_and_leap_years() {
        check_date("2024-02-29", Some("2024-02-29"));
        check_date("2023-02-29", None);
        check_date("2024-02-31", None);
        check_date("2024-04-31", None);
        check_date("2024-12-31", Some("2024-12-31"));
        check_date("2000-02-29", Some("2000-02-29"));
        check_date("1900-02-29", None);
        check_date(" 2025-01-01 ", Some("2025-01-01"));
        check_date("2025-13-01", None);
    }

    #[test]
    fn days_start_and_end_at_japan_midnight() {
        let d = Date::constant(1970, 1, 2);
        assert_eq!(start_of_day_us(d), (86_400 - 9 * 3600) * 1_000_000);
        assert_eq!(end_of_day_us(d), (2 * 86_400 - 9 * 3600) * 1_000_000 - 1);
        assert_eq!(date_of_us(start_of_day_us(d)), d);
        assert_eq!(date_of_us(end_of_day_us(d)), d);
        // a leap day and a year end, across the UTC date line
        let leap = Date::constant(2024, 2, 29);
        assert_eq!(date_of_us(end_of_day_us(leap)), leap);
        assert_eq!(
            date_of_us(end_of_day_us(leap) + 1),
            Date::constant(2024, 3, 1)
        );
        let eoy = Date::constant(2024, 12, 31);
        assert_eq!(
            date_of_us(end_of_day_us(eoy) + 1),
            Date::constant(2025, 1, 1)
        );
    }

    #[test]
    fn display_is_japan_time() {
        assert_eq!(format_time(0), "1970-01-01 09:00");
        assert_eq!(format_time(15 * 3600 * 1_000_000), "1970-01-02 00:00");
        assert_eq!(format_time(-1), "1970-01-01 08:59");
    }
}
