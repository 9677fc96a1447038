//! The management report as an XLSX workbook for executives: one sheet per section of the
//! report page, numbers written as numbers, days as dates, and a native Excel line chart of
//! maturity over time. Texts are the page's, in the reader's language.

use crate::i18n::{self, Lang};
use crate::posture::views::{FindingRow, finding_rows, label, progress_rows};
use deltawall_app::posture::report::ManagementReport;
use deltawall_store::findings::StoredFinding;
use rust_xlsxwriter::{
    Chart, ChartMarker, ChartMarkerType, ChartType, ExcelDateTime, Format, Workbook, Worksheet,
    XlsxError,
};

/// Sheet names (fixed, so formulas and charts can refer to them in either language).
pub const SHEETS: [&str; 7] = [
    "Summary",
    "Progress",
    "Maturity",
    "Open findings",
    "Overdue findings",
    "Expiring acceptances",
    "Overdue vulnerabilities",
];

/// Japan Standard Time's offset from UTC, in seconds.
/// Japan's offset in seconds: workbook cells hold Japan time without a zone.
const JST: i64 = deltawall_domain::jst::OFFSET_HOURS as i64 * 3600;

/// Formats shared by the sheets.
struct Styles {
    bold: Format,
    date: Format,
    time: Format,
    level: Format,
}

fn styles() -> Styles {
    Styles {
        bold: Format::new().set_bold(),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        level: Format::new().set_num_format("0.00"),
    }
}

/// Writes a header row in bold.
fn headers(sheet: &mut Worksheet, s: &Styles, lang: Lang, keys: &[&str]) -> Result<(), XlsxError> {
    for (c, k) in keys.iter().enumerate() {
        let col = u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.write_string_with_format(0, col, i18n::t(lang, k), &s.bold)?;
    }
    Ok(())
}

/// A day (`YYYY-MM-DD`) as an Excel date, or the text as given when it is not one.
fn write_day(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    day: &str,
    s: &Styles,
) -> Result<(), XlsxError> {
    match ExcelDateTime::parse_from_str(day) {
        Ok(d) if !day.is_empty() => sheet.write_datetime_with_format(row, col, &d, &s.date)?,
        _ => sheet.write_string(row, col, day)?,
    };
    Ok(())
}

fn row_num(i: usize) -> Result<u32, XlsxError> {
    u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Maturity in hundredths as a number of levels (1.5), or an empty cell.
fn write_level(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    x100: Option<u32>,
    s: &Styles,
) -> Result<(), XlsxError> {
    if let Some(m) = x100 {
        sheet.write_number_with_format(row, col, f64::from(m) / 100.0, &s.level)?;
    }
    Ok(())
}

/// The management report as a workbook.
pub fn management_xlsx(
    r: &ManagementReport,
    lang: Lang,
    now_us: i64,
) -> Result<Vec<u8>, XlsxError> {
    let s = styles();
    let mut book = Workbook::new();
    summary(book.add_worksheet().set_name(SHEETS[0])?, r, lang, &s)?;
    progress(book.add_worksheet().set_name(SHEETS[1])?, r, lang, &s)?;
    maturity(book.add_worksheet().set_name(SHEETS[2])?, r, lang, &s)?;
    let open = finding_rows(lang, &r.open, now_us);
    findings(
        book.add_worksheet().set_name(SHEETS[3])?,
        &open,
        &r.open,
        lang,
        &s,
    )?;
    let overdue = finding_rows(lang, &r.overdue, now_us);
    findings(
        book.add_worksheet().set_name(SHEETS[4])?,
        &overdue,
        &r.overdue,
        lang,
        &s,
    )?;
    expiring(
        book.add_worksheet().set_name(SHEETS[5])?,
        r,
        lang,
        now_us,
        &s,
    )?;
    vuln_overdue(book.add_worksheet().set_name(SHEETS[6])?, r, lang, &s)?;
    book.save_to_buffer()
}

fn summary(
    sheet: &mut Worksheet,
    r: &ManagementReport,
    lang: Lang,
    s: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, i18n::t(lang, "posture-report"), &s.bold)?;
    let Some(a) = &r.latest else {
        sheet.write_string(1, 0, i18n::t(lang, "report-no-assessment"))?;
        return Ok(());
    };
    sheet.write_string(1, 0, i18n::t(lang, "field-as_of"))?;
    write_day(sheet, 1, 1, &a.as_of, s)?;
    sheet.write_string(2, 0, i18n::t(lang, "field-cycle"))?;
    sheet.write_number(2, 1, a.cycle as f64)?;
    sheet.write_string(3, 0, i18n::t(lang, "field-status"))?;
    sheet.write_string(3, 1, label(lang, "status", a.status.code()))?;
    let counts = [
        ("report-open", r.open.len()),
        ("report-overdue", r.overdue.len()),
        ("report-expiring", r.expiring.len()),
        ("report-vuln-overdue", r.vuln_overdue.len()),
    ];
    for (i, (key, n)) in counts.into_iter().enumerate() {
        let row = row_num(i + 3)?;
        sheet.write_string(row, 0, i18n::t(lang, key))?;
        sheet.write_number(row, 1, n as f64)?;
    }
    sheet.set_column_width(0, 36)?;
    sheet.set_column_width(1, 14)?;
    Ok(())
}

fn progress(
    sheet: &mut Worksheet,
    r: &ManagementReport,
    lang: Lang,
    s: &Styles,
) -> Result<(), XlsxError> {
    headers(
        sheet,
        s,
        lang,
        &[
            "posture-element",
            "posture-total",
            "posture-answered",
            "posture-carried",
            "result-met",
            "result-partial",
            "result-not_met",
            "result-not_applicable",
            "posture-maturity",
            "posture-open-findings",
        ],
    )?;
    let rows = progress_rows(lang, &r.elements, &r.progress, &r.open_by_element);
    for (i, (p, e)) in rows.iter().zip(&r.elements).enumerate() {
        let row = row_num(i)?;
        sheet.write_string(row, 0, &p.element)?;
        for (c, n) in p.counts.iter().enumerate() {
            sheet.write_number(row, (c + 1) as u16, *n as f64)?;
        }
        let x100 = r
            .progress
            .iter()
            .find(|q| q.section_id == e.id)
            .and_then(|q| q.maturity_x100);
        write_level(sheet, row, 8, x100, s)?;
        sheet.write_number(row, 9, p.open as f64)?;
    }
    sheet.set_column_width(0, 48)?;
    Ok(())
}

fn maturity(
    sheet: &mut Worksheet,
    r: &ManagementReport,
    lang: Lang,
    s: &Styles,
) -> Result<(), XlsxError> {
    headers(
        sheet,
        s,
        lang,
        &["field-as_of", "field-cycle", "posture-maturity"],
    )?;
    for (i, m) in r.maturity.iter().enumerate() {
        let row = row_num(i)?;
        write_day(sheet, row, 0, &m.as_of, s)?;
        sheet.write_number(row, 1, m.cycle as f64)?;
        write_level(sheet, row, 2, m.maturity_x100, s)?;
    }
    sheet.set_column_width(0, 12)?;
    if r.maturity.is_empty() {
        return Ok(());
    }
    let last = u32::try_from(r.maturity.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
    let mut chart = Chart::new(ChartType::Line);
    chart
        .add_series()
        .set_categories((SHEETS[2], 1, 0, last, 0))
        .set_values((SHEETS[2], 1, 2, last, 2))
        // Markers, so a first cycle (one point) is visible too.
        .set_marker(ChartMarker::new().set_type(ChartMarkerType::Circle))
        .set_name(i18n::t(lang, "posture-maturity"));
    chart.title().set_name(i18n::t(lang, "report-maturity"));
    chart.y_axis().set_min(0).set_max(3);
    chart.legend().set_hidden();
    sheet.insert_chart(1, 4, &chart)?;
    Ok(())
}

fn findings(
    sheet: &mut Worksheet,
    rows: &[FindingRow],
    list: &[StoredFinding],
    lang: Lang,
    s: &Styles,
) -> Result<(), XlsxError> {
    headers(
        sheet,
        s,
        lang,
        &[
            "field-title",
            "field-severity",
            "field-state",
            "field-requirement",
            "field-due_on",
            "overdue",
        ],
    )?;
    for (i, (f, stored)) in rows.iter().zip(list).enumerate() {
        let row = row_num(i)?;
        sheet.write_string(row, 0, &f.title)?;
        sheet.write_string(row, 1, &f.severity)?;
        sheet.write_string(row, 2, &f.state)?;
        sheet.write_string(row, 3, &f.requirements)?;
        write_day(sheet, row, 4, stored.due_on.as_deref().unwrap_or(""), s)?;
        sheet.write_boolean(row, 5, f.overdue)?;
    }
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(4, 12)?;
    Ok(())
}

fn expiring(
    sheet: &mut Worksheet,
    r: &ManagementReport,
    lang: Lang,
    now_us: i64,
    s: &Styles,
) -> Result<(), XlsxError> {
    headers(
        sheet,
        s,
        lang,
        &["field-title", "field-severity", "field-expires_on"],
    )?;
    let rows = finding_rows(lang, &r.expiring, now_us);
    for (i, (f, stored)) in rows.iter().zip(&r.expiring).enumerate() {
        let row = row_num(i)?;
        sheet.write_string(row, 0, &f.title)?;
        sheet.write_string(row, 1, &f.severity)?;
        if let Some(a) = &stored.finding.acceptance {
            // Excel times carry no zone: write Japan Standard Time, as the page shows.
            let at = ExcelDateTime::from_timestamp(a.expires_at_us.div_euclid(1_000_000) + JST)?;
            sheet.write_datetime_with_format(row, 2, &at, &s.time)?;
        }
    }
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(2, 18)?;
    Ok(())
}

/// The vulnerability findings whose clock is overdue, as the page lists them; the due day
/// as a date.
fn vuln_overdue(
    sheet: &mut Worksheet,
    r: &ManagementReport,
    lang: Lang,
    s: &Styles,
) -> Result<(), XlsxError> {
    headers(
        sheet,
        s,
        lang,
        &[
            "vuln-finding",
            "vuln-asset",
            "vuln-severity",
            "vuln-state",
            "report-vuln-due-what",
            "vuln-due",
        ],
    )?;
    for (i, v) in r.vuln_overdue.iter().enumerate() {
        let f = crate::vuln::views::line(v);
        let row = row_num(i)?;
        sheet.write_string(row, 0, &f.title)?;
        sheet.write_string(row, 1, &f.asset)?;
        sheet.write_string(row, 2, i18n::t(lang, &f.severity))?;
        sheet.write_string(row, 3, i18n::t(lang, &f.state))?;
        if let Some(c) = &f.clock {
            sheet.write_string(row, 4, i18n::t(lang, c.key))?;
            write_day(sheet, row, 5, &c.due, s)?;
        }
    }
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(4, 28)?;
    sheet.set_column_width(5, 12)?;
    Ok(())
}
