//! A small RFC 4180 reader and writer for schedules: quoted fields may hold commas, quotes
//! (doubled) and line breaks; rows end with LF or CRLF.

/// A syntax error with its 1-based row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub row: usize,
    pub message: String,
}

/// Parses CSV into rows, each with the 1-based row number it starts on (counting records,
/// not lines, so a quoted line break does not shift the numbering).
pub(crate) fn parse(text: &str) -> Result<Vec<(usize, Vec<String>)>, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut quoted = false;
    let row_no = |rows: &Vec<(usize, Vec<String>)>| rows.len() + 1;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !quoted => {
                in_quotes = true;
                quoted = true;
            }
            '"' => {
                return Err(SyntaxError {
                    row: row_no(&rows),
                    message: "quote inside an unquoted field".into(),
                });
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                quoted = false;
                let n = row_no(&rows);
                rows.push((n, std::mem::take(&mut row)));
            }
            _ if quoted => {
                return Err(SyntaxError {
                    row: row_no(&rows),
                    message: "text after a closing quote".into(),
                });
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(SyntaxError {
            row: row_no(&rows),
            message: "quoted field not closed".into(),
        });
    }
    if !field.is_empty() || !row.is_empty() || quoted {
        row.push(field);
        let n = row_no(&rows);
        rows.push((n, row));
    }
    Ok(rows)
}

/// Appends one row, quoting the fields that need it.
pub(crate) fn write_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) || cell.starts_with(char::is_whitespace) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}
