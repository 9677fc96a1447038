use super::*;

/// 2020-06-30T15:00:00Z, which is 2020-07-01 00:00 in Japan.
const JULY_1_JST_US: i64 = 1_593_529_200_000_000;

#[track_caller]
fn check_parse(raw: &str, expected: Result<(i16, i8, i8), &str>) {
    let got = parse_date(raw);
    match expected {
        Ok((y, m, d)) => assert_eq!(got, Ok(Date::constant(y, m, d)), "{raw}"),
        Err(kind) => {
            let err = got.expect_err(raw);
            let actual = match err {
                DateError::Format(_) => "format",
                DateError::NoSuchDay(_) => "no such day",
                DateError::OutOfRange => "range",
            };
            assert_eq!(actual, kind, "{raw}: {err}");
        }
    }
}

#[test]
fn civil_dates_are_parsed_strictly() {
    // Month ends of a leap year and a common year.
    for (raw, expected) in [
        ("2024-01-31", Ok((2024, 1, 31))),
        ("2024-02-29", Ok((2024, 2, 29))),
        ("2024-02-30", Err("no such day")),
        ("2024-02-31", Err("no such day")),
        ("2023-02-28", Ok((2023, 2, 28))),
        ("2023-02-29", Err("no such day")),
        ("2000-02-29", Ok((2000, 2, 29))),
        ("1900-02-29", Err("no such day")),
        ("2100-02-29", Err("no such day")),
        ("2024-04-30", Ok((2024, 4, 30))),
        ("2024-04-31", Err("no such day")),
        ("2024-06-31", Err("no such day")),
        ("2024-09-31", Err("no such day")),
        ("2024-11-31", Err("no such day")),
        ("2024-12-31", Ok((2024, 12, 31))),
        ("2024-13-01", Err("no such day")),
        ("2024-00-10", Err("no such day")),
        ("2024-01-00", Err("no such day")),
        (" 2026-03-31 ", Ok((2026, 3, 31))),
        ("2024-2-3", Err("format")),
        ("20240203", Err("format")),
        ("2024-02-03T00:00", Err("format")),
        ("2024/02/03", Err("format")),
        ("", Err("format")),
        ("２０２４-02-03", Err("format")),
        ("+024-02-03", Err("format")),
    ] {
        check_parse(raw, expected);
    }
}

#[track_caller]
fn check_day(us: i64, expected: Date) {
    assert_eq!(date_of(us), expected, "{us}");
    assert_eq!(today(us), expected);
}

#[test]
fn the_day_changes_at_midnight_japan_time() {
    check_day(JULY_1_JST_US - 1, Date::constant(2020, 6, 30));
    check_day(JULY_1_JST_US, Date::constant(2020, 7, 1));
    // 14:59:59Z on 31 December is still that day in Japan; 15:00Z is new year.
    let new_year_2025 = 1_735_657_200_000_000; // 2024-12-31T15:00:00Z
    check_day(new_year_2025 - 1, Date::constant(2024, 12, 31));
    check_day(new_year_2025, Date::constant(2025, 1, 1));
    // Out of range instants clamp instead of panicking.
    assert_eq!(date_of(i64::MAX).year(), 9999);
    assert_eq!(date_of(i64::MIN).year(), -9999);
}

#[test]
fn a_day_starts_and_ends_in_japan_time() {
    let june_30 = Date::constant(2020, 6, 30);
    assert_eq!(end_of_day_us(june_30), JULY_1_JST_US - 1);
    assert_eq!(start_of_day_us(Date::constant(2020, 7, 1)), JULY_1_JST_US);
    assert_eq!(
        end_of_day_us(june_30) - start_of_day_us(june_30) + 1,
        86_400_000_000,
        "every Japanese day is 24 hours long"
    );
    assert_eq!(end_of_day_us(Date::MAX), i64::MAX);
    // Leap day: the 29th ends where 1 March starts.
    let leap = Date::constant(2024, 2, 29);
    assert_eq!(
        end_of_day_us(leap) + 1,
        start_of_day_us(Date::constant(2024, 3, 1))
    );
}

#[test]
fn instants_are_formatted_in_japan_time() {
    assert_eq!(format_minute(JULY_1_JST_US), "2020-07-01 00:00");
    assert_eq!(
        format_minute(JULY_1_JST_US - 60_000_000),
        "2020-06-30 23:59"
    );
    // 2024-02-29T00:30:00Z is 09:30 on a Thursday in Japan.
    let leap = 1_709_166_600_000_000;
    assert_eq!(format_display(leap, "ja"), "2024年2月29日(木) 09:30");
    assert_eq!(format_display(leap, "en"), "Thu 29 Feb 2024 09:30 JST");
    assert_eq!(format_date(Date::constant(2024, 2, 9)), "2024-02-09");
}

#[track_caller]
fn check_business(from: &str, n: u32, holidays: &[&str], expected: &str) {
    let holidays = Holidays::parse(holidays.iter().copied()).unwrap();
    let from = parse_date(from).unwrap();
    assert_eq!(
        add_business_days(from, n, &holidays).map(format_date),
        Ok(expected.to_owned()),
        "{from} + {n} business days"
    );
}

#[test]
fn business_days_skip_weekends_and_holidays() {
    // 2024-02-09 is a Friday.
    check_business("2024-02-09", 0, &[], "2024-02-09");
    check_business("2024-02-09", 1, &[], "2024-02-12");
    check_business("2024-02-09", 3, &[], "2024-02-14");
    // 12 February 2024 was a substitute holiday.
    check_business("2024-02-09", 1, &["2024-02-12"], "2024-02-13");
    // From a Saturday, the first business day is Monday.
    check_business("2024-02-10", 1, &[], "2024-02-12");
    // Over a leap day and a month end.
    check_business("2024-02-28", 2, &[], "2024-03-01");
    check_business("2023-02-28", 2, &[], "2023-03-02");
    // The year-end closing (31 Dec to 3 Jan) passed in as holidays.
    let closing = ["2024-12-31", "2025-01-01", "2025-01-02", "2025-01-03"];
    check_business("2024-12-27", 1, &closing, "2024-12-30");
    check_business("2024-12-30", 1, &closing, "2025-01-06");
    assert_eq!(
        add_business_days(Date::MAX, 1, &Holidays::none()),
        Err(DateError::OutOfRange)
    );
}

#[test]
fn holiday_lists_name_the_bad_entry() {
    assert_eq!(
        Holidays::parse(["2024-01-01", "2024-02-30"]),
        Err((1, DateError::NoSuchDay("2024-02-30".into())))
    );
}

#[test]
fn months_clamp_to_the_month_end() {
    for (from, n, expected) in [
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-03-31", 1, "2024-04-30"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-12-15", 1, "2025-01-15"),
    ] {
        let got = add_months(parse_date(from).unwrap(), n).map(format_date);
        assert_eq!(got, Ok(expected.to_owned()), "{from} + {n} months");
    }
}

proptest::proptest! {
    /// Every instant lies within the day `date_of` gives it.
    #[test]
    fn an_instant_lies_within_its_day(us in -(1i64 << 55)..(1i64 << 55)) {
        let day = date_of(us);
        proptest::prop_assert!(start_of_day_us(day) <= us && us <= end_of_day_us(day));
    }

    /// A formatted date parses back to itself.
    #[test]
    fn dates_round_trip(days in 0i32..(400 * 366)) {
        let day = Date::constant(1900, 1, 1).checked_add(jiff::Span::new().days(days)).unwrap();
        proptest::prop_assert_eq!(parse_date(&format_date(day)), Ok(day));
    }
}
