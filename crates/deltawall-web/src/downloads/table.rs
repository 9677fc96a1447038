//! Tables as downloads: every table a user sees can be exported as CSV (RFC 4180) or
//! XLSX, from one [`Table`] value so the two forms always hold the same cells.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

pub use deltawall_app::Table;

/// The table as CSV with CRLF line ends.
pub fn csv(t: &Table) -> String {
    let mut out = String::new();
    for row in std::iter::once(&t.headers).chain(&t.rows) {
        let cells: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The characters that make a spreadsheet read a cell as a formula: the ASCII ones, their
/// full-width forms (some spreadsheets fold `＝` to `=` on import), and tab and carriage
/// return, which some strip before looking.
const FORMULA_START: [char; 10] = ['=', '+', '-', '@', '＝', '＋', '－', '＠', '\t', '\r'];

/// Quotes a CSV field (RFC 4180), and defuses spreadsheet formulas.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(FORMULA_START) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The table as an XLSX workbook of one sheet, headers in bold. Every cell is written as
/// a string, so nothing a user typed is ever evaluated as a formula.
pub fn xlsx(t: &Table) -> Result<Vec<u8>, XlsxError> {
    xlsx_book(std::slice::from_ref(t))
}

/// Several tables as one workbook, one sheet each (names made unique), every cell a string.
pub fn xlsx_book(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let mut names: Vec<String> = Vec::new();
    for t in tables {
        let sheet = book.add_worksheet();
        let name = unique_sheet_name(&t.sheet, &names);
        sheet.set_name(&name)?;
        names.push(name);
        for (col, h) in t.headers.iter().enumerate() {
            sheet.write_string_with_format(0, column(col)?, h, &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
            for (col, cell) in row.iter().enumerate() {
                sheet.write_string(r, column(col)?, cell)?;
            }
        }
    }
    book.save_to_buffer()
}

/// A sheet name not yet taken (Excel compares names without regard to case).
fn unique_sheet_name(wanted: &str, taken: &[String]) -> String {
    let base = sheet_name(wanted);
    let free = |n: &str| !taken.iter().any(|t| t.to_lowercase() == n.to_lowercase());
    if free(&base) {
        return base;
    }
    (2..)
        .map(|i| {
            let suffix = format!(" ({i})");
            let keep = 31 - suffix.chars().count();
            format!("{}{suffix}", base.chars().take(keep).collect::<String>())
        })
        .find(|n| free(n))
        .unwrap_or(base)
}

fn column(i: usize) -> Result<u16, XlsxError> {
    u16::try_from(i).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Excel's sheet-name rules: 1 to 31 characters, none of `[]:*?/\`, no leading or
/// trailing apostrophe.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c => c,
        })
        .take(31)
        .collect();
    let cleaned = cleaned.trim_matches('\'');
    match cleaned.is_empty() {
        true => "Sheet1".to_owned(),
        false => cleaned.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn table() -> Table {
        Table {
            sheet: "組織 [一覧]".into(),
            headers: vec!["id".into(), "name_ja".into(), "name_en".into()],
            rows: vec![
                vec![
                    "o1".into(),
                    "北陸テスト銀行".into(),
                    "Hokuriku Test Bank".into(),
                ],
                vec!["o2".into(), "=HYPERLINK(\"x\")".into(), "A & B <C>".into()],
            ],
        }
    }

    /// One part of the XLSX zip, as text.
    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn xlsx_holds_every_cell_as_a_string_including_japanese() {
        let bytes = xlsx(&table()).unwrap();
        assert!(bytes.starts_with(b"PK"), "an xlsx file is a zip");
        let book = part(&bytes, "xl/workbook.xml");
        assert!(book.contains(r#"name="組織 _一覧_""#), "{book}");
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(!sheet.contains("<f>"), "no formula: {sheet}");
        assert_eq!(
            sheet.matches(r#"t="s""#).count(),
            9,
            "9 string cells: {sheet}"
        );
        let strings = part(&bytes, "xl/sharedStrings.xml");
        for s in [
            "北陸テスト銀行",
            "Hokuriku Test Bank",
            "<t>=HYPERLINK(\"x\")</t>",
            "A &amp; B &lt;C&gt;",
            "name_ja",
        ] {
            assert!(strings.contains(s), "{s} missing from {strings}");
        }
    }

    #[test]
    fn csv_has_the_same_cells_quoted_and_defused() {
        assert_eq!(
            csv(&table()),
            "id,name_ja,name_en\r\no1,北陸テスト銀行,Hokuriku Test Bank\r\no2,\"'=HYPERLINK(\"\"x\"\")\",A & B <C>\r\n"
        );
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        // Issue 18, finding 11: full-width forms are defused like their ASCII ones.
        for (cell, out) in [
            ("＝SUM(A1)", "'＝SUM(A1)"),
            ("＋1", "'＋1"),
            ("－1", "'－1"),
            ("＠x", "'＠x"),
            ("+1", "'+1"),
            ("ｘ＝1", "ｘ＝1"),
        ] {
            assert_eq!(csv_field(cell), out, "{cell}");
        }
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn a_book_has_one_sheet_per_table_with_unique_names() {
        let bytes = xlsx_book(&[table(), table(), table()]).unwrap();
        let book = part(&bytes, "xl/workbook.xml");
        for name in ["組織 _一覧_", "組織 _一覧_ (2)", "組織 _一覧_ (3)"] {
            assert!(book.contains(&format!(r#"name="{name}""#)), "{book}");
        }
        assert_eq!(
            unique_sheet_name(&"x".repeat(40), &["x".repeat(31)]).len(),
            31
        );
    }

    #[test]
    fn sheet_names_follow_excels_rules() {
        assert_eq!(sheet_name("a/b:c"), "a_b_c");
        assert_eq!(sheet_name(&"長".repeat(40)).chars().count(), 31);
        assert_eq!(sheet_name("''"), "Sheet1");
    }
}
