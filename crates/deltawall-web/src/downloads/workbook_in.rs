//! Reading back a workbook a user uploads: the first sheet's cells as text rows, so a table
//! exported as XLSX (`table.rs`) can be edited in a spreadsheet and imported again. Only
//! what such a sheet holds is read: shared and inline strings, numbers and booleans as
//! their text; formulas are never evaluated (their cached value is read as text). Every
//! part is bounded once decompressed, and a refusal names the part or the cell.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;
use std::io::Read;

/// The most a part may hold once decompressed (a bound against archive bombs).
pub const MAX_PART_BYTES: u64 = 16 * 1024 * 1024;
/// The most rows and columns read from a sheet.
const MAX_ROWS: usize = 10_000;
const MAX_COLUMNS: usize = 64;

/// Why a workbook was refused, with where.
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    /// Not a zip archive.
    #[error("file: not an xlsx workbook ({0})")]
    NotZip(String),
    /// A part the workbook needs is missing.
    #[error("file: the workbook has no {0}")]
    Missing(&'static str),
    /// A part is larger than [`MAX_PART_BYTES`] once decompressed.
    #[error("file: {0} is larger than {MAX_PART_BYTES} bytes")]
    TooLarge(String),
    /// A part is not well-formed XML.
    #[error("file: {part}: {message}")]
    Xml {
        /// The part.
        part: String,
        /// The parser's message.
        message: String,
    },
    /// A cell the sheet cannot hold or a value that does not resolve.
    #[error("file: cell {cell}: {message}")]
    Cell {
        /// The cell reference (for example `B3`).
        cell: String,
        /// What is wrong.
        message: String,
    },
    /// More rows or columns than a schedule can have.
    #[error("file: more than {MAX_ROWS} rows or {MAX_COLUMNS} columns")]
    TooBig,
}

type Zip<'a> = zip::ZipArchive<std::io::Cursor<&'a [u8]>>;

fn part(zip: &mut Zip<'_>, name: &str) -> Result<Option<String>, WorkbookError> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(WorkbookError::NotZip(e.to_string())),
    };
    let mut text = String::new();
    file.take(MAX_PART_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| WorkbookError::Xml {
            part: name.to_owned(),
            message: e.to_string(),
        })?;
    if text.len() as u64 > MAX_PART_BYTES {
        return Err(WorkbookError::TooLarge(name.to_owned()));
    }
    Ok(Some(text))
}

fn xml_error(part: &str, e: impl std::fmt::Display) -> WorkbookError {
    WorkbookError::Xml {
        part: part.to_owned(),
        message: e.to_string(),
    }
}

fn attr(e: &BytesStart<'_>, key: &[u8], part: &str) -> Result<Option<String>, WorkbookError> {
    for a in e.attributes() {
        let a = a.map_err(|err| xml_error(part, err))?;
        if a.key.local_name().as_ref() == key {
            let v = a.unescape_value().map_err(|err| xml_error(part, err))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// The part of the first sheet: `workbook.xml`'s first sheet through its relationships.
fn first_sheet_part(zip: &mut Zip<'_>) -> Result<String, WorkbookError> {
    const BOOK: &str = "xl/workbook.xml";
    const RELS: &str = "xl/_rels/workbook.xml.rels";
    let book = part(zip, BOOK)?.ok_or(WorkbookError::Missing(BOOK))?;
    let mut reader = Reader::from_str(&book);
    let mut sheet_rel = None;
    loop {
        match reader.read_event().map_err(|e| xml_error(BOOK, e))? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"sheet" => {
                sheet_rel = attr(&e, b"id", BOOK)?;
                break;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let rel = sheet_rel.ok_or(WorkbookError::Missing("sheet"))?;
    let rels = part(zip, RELS)?.ok_or(WorkbookError::Missing(RELS))?;
    let mut reader = Reader::from_str(&rels);
    loop {
        match reader.read_event().map_err(|e| xml_error(RELS, e))? {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == b"Relationship"
                    && attr(&e, b"Id", RELS)?.as_deref() == Some(rel.as_str()) =>
            {
                let target = attr(&e, b"Target", RELS)?.unwrap_or_default();
                return Ok(match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_owned(),
                    None => format!("xl/{target}"),
                });
            }
            Event::Eof => return Err(WorkbookError::Missing("first sheet")),
            _ => {}
        }
    }
}

/// The shared strings, in order (a rich-text string is its runs joined).
fn shared_strings(zip: &mut Zip<'_>) -> Result<Vec<String>, WorkbookError> {
    const PART: &str = "xl/sharedStrings.xml";
    let Some(xml) = part(zip, PART)? else {
        return Ok(Vec::new());
    };
    let mut reader = Reader::from_str(&xml);
    let (mut out, mut current, mut in_t) = (Vec::new(), String::new(), false);
    // Japanese spreadsheets add phonetic readings (`rPh`) that are not the cell's text.
    let mut phonetic = false;
    loop {
        match reader.read_event().map_err(|e| xml_error(PART, e))? {
            Event::Start(e) if e.local_name().as_ref() == b"rPh" => phonetic = true,
            Event::End(e) if e.local_name().as_ref() == b"rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == b"t" && !phonetic => in_t = true,
            Event::End(e) if e.local_name().as_ref() == b"t" => in_t = false,
            Event::End(e) if e.local_name().as_ref() == b"si" => {
                out.push(std::mem::take(&mut current));
            }
            Event::Text(t) if in_t => {
                current.push_str(&t.unescape().map_err(|e| xml_error(PART, e))?);
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// `B3` → (row 2, column 1), 0-based.
fn position(cell: &str) -> Option<(usize, usize)> {
    let split = cell.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = cell.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let col = letters
        .bytes()
        .fold(0usize, |n, b| n * 26 + usize::from(b - b'A' + 1));
    let row: usize = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

/// One cell being read.
#[derive(Default)]
struct Cell {
    reference: String,
    kind: String,
    text: String,
}

impl Cell {
    fn value(self, shared: &[String]) -> Result<(String, String), WorkbookError> {
        let bad = |message: &str| WorkbookError::Cell {
            cell: self.reference.clone(),
            message: message.to_owned(),
        };
        let value = match self.kind.as_str() {
            "s" => {
                let i: usize = self
                    .text
                    .trim()
                    .parse()
                    .map_err(|_| bad("bad shared string index"))?;
                shared
                    .get(i)
                    .cloned()
                    .ok_or_else(|| bad("unknown shared string"))?
            }
            "b" => match self.text.trim() {
                "1" => "TRUE".to_owned(),
                _ => "FALSE".to_owned(),
            },
            _ => self.text,
        };
        Ok((self.reference, value))
    }
}

/// The first sheet's rows, each cell as text, empty cells and rows kept as empty so row
/// and column numbers are the sheet's; trailing empty rows are dropped.
pub fn first_sheet_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, WorkbookError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| WorkbookError::NotZip(e.to_string()))?;
    let shared = shared_strings(&mut zip)?;
    let name = first_sheet_part(&mut zip)?;
    let xml = part(&mut zip, &name)?.ok_or(WorkbookError::Missing("first sheet"))?;
    let mut reader = Reader::from_str(&xml);
    let mut cells: BTreeMap<(usize, usize), String> = BTreeMap::new();
    let mut cell: Option<Cell> = None;
    let (mut in_value, mut phonetic) = (false, false);
    loop {
        match reader.read_event().map_err(|e| xml_error(&name, e))? {
            Event::Start(e) if e.local_name().as_ref() == b"rPh" => phonetic = true,
            Event::End(e) if e.local_name().as_ref() == b"rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == b"c" => {
                cell = Some(Cell {
                    reference: attr(&e, b"r", &name)?.unwrap_or_default(),
                    kind: attr(&e, b"t", &name)?.unwrap_or_default(),
                    text: String::new(),
                });
            }
            Event::Start(e) if matches!(e.local_name().as_ref(), b"v" | b"t") && !phonetic => {
                in_value = true;
            }
            Event::End(e) if matches!(e.local_name().as_ref(), b"v" | b"t") => in_value = false,
            Event::Text(t) if in_value => {
                if let Some(c) = cell.as_mut() {
                    c.text
                        .push_str(&t.unescape().map_err(|e| xml_error(&name, e))?);
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"c" => {
                let Some(c) = cell.take() else { continue };
                let (reference, value) = c.value(&shared)?;
                let (row, col) = position(&reference).ok_or_else(|| WorkbookError::Cell {
                    cell: reference.clone(),
                    message: "not a cell reference".into(),
                })?;
                if row >= MAX_ROWS || col >= MAX_COLUMNS {
                    return Err(WorkbookError::TooBig);
                }
                if !value.is_empty() {
                    cells.insert((row, col), value);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // Every row as wide as the widest, so an empty last cell is still a cell.
    let rows = cells.keys().map(|(r, _)| r + 1).max().unwrap_or(0);
    let width = cells.keys().map(|(_, c)| c + 1).max().unwrap_or(0);
    let mut out = vec![vec![String::new(); width]; rows];
    for ((r, c), value) in cells {
        out[r][c] = value;
    }
    Ok(out)
}

/// Rows as CSV text (RFC 4180 quoting, LF line ends) for importers that read CSV. Unlike a
/// download, nothing is defused: the text goes to a parser, not to a spreadsheet.
pub fn rows_to_csv(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                if c.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.clone()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}
