//! Mapping sets as CSV (RFC 4180): a header `from,to,relationship,strength,rationale`
//! (in any order; other columns are refused) and one entry per row. A leading `'` before
//! `=`, `+`, `-` or `@` is removed, so a file Deltawall exported (which defuses
//! spreadsheet formulas that way) reads back unchanged.

use super::{Entry, MAX_STRENGTH, Relationship};

/// The columns of a mapping CSV, in the order Deltawall writes them.
pub const COLUMNS: [&str; 5] = ["from", "to", "relationship", "strength", "rationale"];

/// Why a CSV cannot be read; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct CsvError {
    /// Line.
    pub line: usize,
    /// Column (1-based field number; 0 for the whole line).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

fn err(line: usize, column: usize, message: impl Into<String>) -> CsvError {
    CsvError {
        line,
        column,
        message: message.into(),
    }
}

/// Splits text into records of fields, with the line each record starts on.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let (mut line, mut start) = (1, 1);
    let mut quoted = false;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            '"' => {
                return Err(err(
                    line,
                    fields.len() + 1,
                    "a quote inside an unquoted field",
                ));
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                out.push((start, std::mem::take(&mut fields)));
                line += 1;
                start = line;
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err(err(start, fields.len() + 1, "a quoted field is not closed"));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push((start, fields));
    }
    out.retain(|(_, f)| !(f.len() == 1 && f[0].trim().is_empty()));
    Ok(out)
}

fn undefuse(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => s,
    }
}

/// Reads a mapping CSV into entries (each with the line it came from). Checks shape
/// only; [`super::validate`] checks the entries against the catalogs.
pub fn parse_csv(text: &str) -> Result<Vec<(usize, Entry)>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut recs = records(text)?.into_iter();
    let Some((hline, header)) = recs.next() else {
        return Err(err(1, 0, "the file is empty"));
    };
    let mut index = [usize::MAX; 5];
    for (i, h) in header.iter().enumerate() {
        let name = h.trim().to_ascii_lowercase();
        let Some(k) = COLUMNS.iter().position(|c| *c == name) else {
            return Err(err(hline, i + 1, format!("unknown column {name:?}")));
        };
        if index[k] != usize::MAX {
            return Err(err(hline, i + 1, format!("column {name:?} appears twice")));
        }
        index[k] = i;
    }
    if let Some(k) = index.iter().position(|&i| i == usize::MAX) {
        return Err(err(hline, 0, format!("column {:?} is missing", COLUMNS[k])));
    }
    let mut out = Vec::new();
    for (line, rec) in recs {
        if rec.len() != header.len() {
            return Err(err(
                line,
                0,
                format!("{} fields where the header has {}", rec.len(), header.len()),
            ));
        }
        let cell = |k: usize| undefuse(rec[index[k]].trim());
        let relationship =
            Relationship::from_code(&cell(2).to_ascii_lowercase()).ok_or_else(|| {
                err(
                    line,
                    index[2] + 1,
                    "relationship must be equal, subset, superset or intersects",
                )
            })?;
        let strength = cell(3)
            .parse::<u8>()
            .ok()
            .filter(|s| *s <= MAX_STRENGTH)
            .ok_or_else(|| {
                err(
                    line,
                    index[3] + 1,
                    "strength must be a whole number from 0 to 10",
                )
            })?;
        out.push((
            line,
            Entry {
                from: cell(0).to_owned(),
                to: cell(1).to_owned(),
                relationship,
                strength,
                rationale: cell(4).to_owned(),
            },
        ));
    }
    Ok(out)
}

/// The entries as rows of [`COLUMNS`], for a CSV or XLSX download.
pub fn to_rows(entries: &[Entry]) -> Vec<Vec<String>> {
    entries
        .iter()
        .map(|e| {
            vec![
                e.from.clone(),
                e.to.clone(),
                e.relationship.code().to_owned(),
                e.strength.to_string(),
                e.rationale.clone(),
            ]
        })
        .collect()
}
