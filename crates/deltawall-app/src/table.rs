//! A table as the user sees it, the one shape that a page, a CSV and an XLSX download are
//! made from (the web crate renders it), so every form holds the same cells.

/// A table as shown: a header row and rows of text cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Name of the XLSX worksheet (shortened and cleaned to Excel's rules when written).
    pub sheet: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows, each with one cell per header.
    pub rows: Vec<Vec<String>>,
}
