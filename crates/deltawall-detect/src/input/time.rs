//! Hand-written timestamp parsing for the hot paths of the line readers.
//!
//! Access and syslog timestamps are parsed once per event; going through a general
//! date library there costs more than the rest of the line, so the fixed layouts are
//! parsed by hand and only RFC 3339 with unusual shapes falls back to `jiff`.

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (inverse of
/// [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats Unix microseconds in the access-log layout at a fixed UTC offset.
pub fn format_clf(us: i64, offset_secs: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let local = us.div_euclid(1_000_000) + offset_secs;
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let sign = if offset_secs < 0 { '-' } else { '+' };
    let off = offset_secs.abs();
    format!(
        "{d:02}/{}/{y:04}:{:02}:{:02}:{:02} {sign}{:02}{:02}",
        MONTHS[m as usize - 1],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        off / 3600,
        off % 3600 / 60
    )
}

/// Unix microseconds for a civil UTC date and time.
pub fn unix_us(year: i64, month: u32, day: u32, h: u32, m: u32, s: u32, micros: u32) -> i64 {
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s);
    secs * 1_000_000 + i64::from(micros)
}

/// The month number (1-12) of an English three-letter abbreviation.
pub fn month_from_abbrev(s: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let s: &[u8; 3] = s.try_into().ok()?;
    MONTHS.iter().position(|m| *m == s).map(|i| i as u32 + 1)
}

/// Parses a fixed number of ASCII digits.
pub fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit()
            .then(|| acc.wrapping_mul(10) + u32::from(b - b'0'))
    })
}

fn valid(month: u32, day: u32, h: u32, m: u32, s: u32) -> bool {
    (1..=12).contains(&month) && (1..=31).contains(&day) && h < 24 && m < 60 && s <= 60
}

/// Parses the access-log layout `10/Oct/2000:13:55:36 -0700` to Unix microseconds.
pub fn parse_clf(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let day = digits(&b[0..2])?;
    let month = month_from_abbrev(&b[3..6])?;
    let year = digits(&b[7..11])?;
    let (h, m, sec) = (
        digits(&b[12..14])?,
        digits(&b[15..17])?,
        digits(&b[18..20])?,
    );
    if !valid(month, day, h, m, sec) {
        return None;
    }
    let offset = utc_offset_secs(&b[21..26])?;
    Some(unix_us(i64::from(year), month, day, h, m, sec, 0) - offset * 1_000_000)
}

/// `+0900` or `-0700` as seconds east of UTC.
fn utc_offset_secs(b: &[u8]) -> Option<i64> {
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hh = i64::from(digits(b.get(1..3)?)?);
    let mm = i64::from(digits(b.get(3..5)?)?);
    Some(sign * (hh * 3600 + mm * 60))
}

/// Parses RFC 3339 (`2024-05-01T12:00:00.123Z`, `+09:00` offsets, a space instead of `T`)
/// to Unix microseconds; a missing offset is read as UTC, as Windows `UtcTime` is.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let (month, day) = (digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, m, sec) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if !valid(month, day, h, m, sec) {
        return None;
    }
    let mut rest = &b[19..];
    let mut micros = 0u32;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, d) in frac[..n.min(6)].iter().enumerate() {
            micros += u32::from(d - b'0') * 10u32.pow(5 - i as u32);
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            utc_offset_secs(&[*sign, *h1, *h2, *m1, *m2])?
        }
        [sign @ (b'+' | b'-'), h1, h2, m1, m2] => utc_offset_secs(&[*sign, *h1, *h2, *m1, *m2])?,
        _ => return None,
    };
    Some(unix_us(i64::from(year), month, day, h, m, sec, micros) - offset * 1_000_000)
}

/// Formats Unix microseconds as RFC 3339 UTC with microseconds when they are not zero.
pub fn format_rfc3339(us: i64) -> String {
    match jiff::Timestamp::from_microsecond(us) {
        Ok(ts) => ts.to_string(),
        Err(_) => us.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_rfc(s: &str, expected: Option<&str>) {
        let want = expected.map(|e| e.parse::<jiff::Timestamp>().unwrap().as_microsecond());
        assert_eq!(parse_rfc3339(s), want, "{s}");
    }

    #[test]
    fn rfc3339_agrees_with_jiff() {
        check_rfc("2024-05-01T12:00:00Z", Some("2024-05-01T12:00:00Z"));
        check_rfc(
            "2024-05-01T12:00:00.5+09:00",
            Some("2024-05-01T03:00:00.5Z"),
        );
        check_rfc(
            "2024-02-29 23:59:59.1234567",
            Some("2024-02-29T23:59:59.123456Z"),
        );
        check_rfc("1969-12-31T23:59:59-0100", Some("1970-01-01T00:59:59Z"));
        check_rfc("2024-13-01T00:00:00Z", None);
        check_rfc("2024-05-01T12:00:00.Z", None);
        check_rfc("2024-05-01", None);
    }

    #[test]
    fn clf_round_trip() {
        for us in [
            0,
            951_782_400_000_000,
            1_772_400_000_000_000,
            -86_400_000_000,
        ] {
            for offset in [0, 9 * 3600, -7 * 3600] {
                assert_eq!(
                    parse_clf(&format_clf(us, offset)),
                    Some(us),
                    "{us} {offset}"
                );
            }
        }
    }

    #[test]
    fn clf() {
        let want = "2000-10-10T20:55:36Z".parse::<jiff::Timestamp>().unwrap();
        assert_eq!(
            parse_clf("10/Oct/2000:13:55:36 -0700"),
            Some(want.as_microsecond())
        );
        assert_eq!(parse_clf("10/Foo/2000:13:55:36 -0700"), None);
        assert_eq!(parse_clf("10/Oct/2000:13:55:36"), None);
    }
}
