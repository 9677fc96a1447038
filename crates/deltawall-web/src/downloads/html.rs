//! Reads the tables out of a page as rendered, so that a download holds exactly the cells
//! the user sees on that page: the same handler, the same scope, the same filters. Also
//! marks every table of a page with links to its downloads.
//!
//! The pages are our own askama templates (well-formed, every text escaped), so a small
//! reader of tags and text is enough; it is not a general HTML parser. Controls inside a
//! cell (forms, buttons, inputs, SVG) are not part of its text, and a body row made of one
//! spanning cell (the "none found" line of an empty list) is not a row of data.

use crate::downloads::table::Table;

/// One piece of the page.
#[derive(Debug, PartialEq)]
enum Tok<'a> {
    /// An opening (or void) tag: its lowercase name and its attribute text.
    Open(String, &'a str),
    /// A closing tag's lowercase name.
    Close(String),
    /// Text between tags, still escaped.
    Text(&'a str),
}

/// Elements whose content is never a cell's text.
const SKIPPED: [&str; 7] = [
    "form", "button", "select", "textarea", "script", "style", "svg",
];

/// Splits a page into tags and text; comments and doctypes are dropped.
fn tokens(html: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        if lt > 0 {
            out.push(Tok::Text(&rest[..lt]));
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            out.push(Tok::Text(rest));
            return out;
        };
        let inner = &rest[1..gt];
        rest = &rest[gt + 1..];
        if inner.starts_with('!') || inner.starts_with('?') {
            continue;
        }
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(i) => (true, i),
            None => (false, inner),
        };
        let end = inner
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..end].to_ascii_lowercase();
        if closing {
            out.push(Tok::Close(name));
        } else {
            out.push(Tok::Open(name, &inner[end..]));
        }
    }
    if !rest.is_empty() {
        out.push(Tok::Text(rest));
    }
    out
}

/// Decodes the character references askama and our templates write.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|e| *e <= 10).and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The value of `colspan` in a tag's attributes (1 when absent).
fn colspan(attrs: &str) -> usize {
    attrs
        .split_once("colspan=\"")
        .and_then(|(_, v)| v.split('"').next())
        .and_then(|v| v.parse().ok())
        .filter(|n: &usize| *n >= 1)
        .unwrap_or(1)
}

/// Text with runs of whitespace made one space, trimmed.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A table being read.
#[derive(Default)]
struct Reading {
    caption: Option<String>,
    in_caption: bool,
    in_head: bool,
    in_body: bool,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Cells of the current row: text, span, whether a header cell.
    row: Vec<(String, usize, bool)>,
    cell: Option<(String, usize, bool)>,
}

impl Reading {
    fn text(&mut self, t: &str) {
        if let Some((text, ..)) = &mut self.cell {
            text.push_str(&unescape(t));
        } else if self.in_caption {
            self.caption
                .get_or_insert_with(String::new)
                .push_str(&unescape(t));
        }
    }

    fn end_cell(&mut self) {
        if let Some((text, span, th)) = self.cell.take() {
            self.row.push((collapse(&text), span, th));
        }
    }

    fn end_row(&mut self) {
        self.end_cell();
        let row = std::mem::take(&mut self.row);
        if row.is_empty() {
            return;
        }
        let all_th = row.iter().all(|c| c.2);
        let cells: Vec<String> = row
            .iter()
            .flat_map(|(t, span, _)| {
                std::iter::once(t.clone()).chain(std::iter::repeat_n(String::new(), span - 1))
            })
            .collect();
        if self.in_head || (!self.in_body && self.headers.is_empty() && all_th) {
            self.headers = cells;
        } else if !(row.len() == 1 && row[0].1 > 1) {
            self.rows.push(cells);
        }
    }

    fn finish(mut self, n: usize) -> Table {
        self.end_row();
        let sheet = self
            .caption
            .map(|c| collapse(&c))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| format!("Table {n}"));
        Table {
            sheet,
            headers: self.headers,
            rows: self.rows,
        }
    }
}

/// Every top-level table of a page, in order.
pub fn tables(html: &str) -> Vec<Table> {
    let mut out = Vec::new();
    let mut cur: Option<Reading> = None;
    let mut nested = 0usize;
    let mut skip: Vec<String> = Vec::new();
    for tok in tokens(html) {
        if let Some(top) = skip.last() {
            match &tok {
                Tok::Open(name, attrs) if name == top && !attrs.trim_end().ends_with('/') => {
                    skip.push(name.clone())
                }
                Tok::Close(name) if name == top => {
                    skip.pop();
                }
                _ => {}
            }
            continue;
        }
        let Some(t) = cur.as_mut() else {
            if matches!(&tok, Tok::Open(name, _) if name == "table") {
                cur = Some(Reading::default());
            }
            continue;
        };
        if nested > 0 {
            match &tok {
                Tok::Open(name, _) if name == "table" => nested += 1,
                Tok::Close(name) if name == "table" => nested -= 1,
                Tok::Text(s) => t.text(s),
                _ => {}
            }
            continue;
        }
        match tok {
            Tok::Text(s) => t.text(s),
            Tok::Open(name, attrs) => match name.as_str() {
                "table" => nested += 1,
                "caption" => t.in_caption = true,
                "thead" => t.in_head = true,
                "tbody" | "tfoot" => t.in_body = true,
                "tr" => t.end_row(),
                "td" | "th" => {
                    t.end_cell();
                    t.cell = Some((String::new(), colspan(attrs), name == "th"));
                }
                "br" => t.text(" "),
                n if SKIPPED.contains(&n) && !attrs.trim_end().ends_with('/') => skip.push(name),
                _ => {}
            },
            Tok::Close(name) => match name.as_str() {
                "caption" => t.in_caption = false,
                "thead" => {
                    t.end_row();
                    t.in_head = false;
                }
                "tbody" | "tfoot" => {
                    t.end_row();
                    t.in_body = false;
                }
                "tr" => t.end_row(),
                "td" | "th" => t.end_cell(),
                "table" => {
                    if let Some(done) = cur.take() {
                        out.push(done.finish(out.len() + 1));
                    }
                }
                _ => {}
            },
        }
    }
    out
}

/// The page with, after each top-level table, links to download it as CSV and XLSX.
/// `base` is the page's own address with its query (without `format`/`table`), `labels`
/// the link texts.
pub fn with_download_links(html: &str, base: &str, labels: (&str, &str)) -> String {
    let sep = if base.contains('?') { "&amp;" } else { "?" };
    let base = base.replace('&', "&amp;");
    let mut out = String::with_capacity(html.len() + 512);
    let mut depth = 0usize;
    let mut n = 0usize;
    let mut rest = html;
    while let Some(i) = rest.find("<table") {
        let close = rest.find("</table>");
        match close {
            Some(c) if c < i => {
                out.push_str(&rest[..c + 8]);
                rest = &rest[c + 8..];
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    n += 1;
                    out.push_str(&links(&base, sep, n, labels));
                }
            }
            _ => {
                out.push_str(&rest[..i + 6]);
                rest = &rest[i + 6..];
                depth += 1;
            }
        }
    }
    while let Some(c) = rest.find("</table>") {
        out.push_str(&rest[..c + 8]);
        rest = &rest[c + 8..];
        depth = depth.saturating_sub(1);
        if depth == 0 {
            n += 1;
            out.push_str(&links(&base, sep, n, labels));
        }
    }
    out.push_str(rest);
    out
}

fn links(base: &str, sep: &str, n: usize, (csv, xlsx): (&str, &str)) -> String {
    format!(
        "\n<p class=\"actions no-print table-downloads\"><a href=\"{base}{sep}format=csv&amp;table={n}\">{csv}</a> · <a href=\"{base}{sep}format=xlsx&amp;table={n}\">{xlsx}</a></p>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html lang="en"><body>
<table class="list"><caption>Tokens (1&ndash;2)</caption>
<thead><tr><th scope="col">Name</th><th>Scope</th><th>Actions</th></tr></thead>
<tbody><tr><td>ci &amp; cd</td><td><code>read</code></td><td><form method="post"><button>Revoke</button></form></td></tr>
<tr><td>=cmd|&#39;x&#39;</td><td>write
  now</td><td>revoked</td></tr></tbody></table>
<figure><svg><text>3.0</text></svg></figure>
<table><tr><th>A</th><th>B</th></tr><tr><th scope="row">x</th><td>1</td></tr></table>
<table><thead><tr><th>T</th><th>U</th></tr></thead><tbody><tr><td colspan="2">None found</td></tr></tbody></table>
</body></html>"#;

    #[test]
    fn reads_every_table_with_captions_headers_and_plain_text() {
        let t = tables(PAGE);
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].sheet, "Tokens (1&ndash;2)");
        assert_eq!(t[0].headers, ["Name", "Scope", "Actions"]);
        assert_eq!(
            t[0].rows,
            [
                vec!["ci & cd", "read", ""],
                vec!["=cmd|'x'", "write now", "revoked"]
            ]
        );
        assert_eq!(t[1].sheet, "Table 2");
        assert_eq!(t[1].headers, ["A", "B"]);
        assert_eq!(t[1].rows, [vec!["x", "1"]]);
        assert_eq!(t[2].headers, ["T", "U"]);
        assert!(t[2].rows.is_empty(), "the none-found line is not data");
    }

    #[test]
    fn links_follow_each_table_and_keep_the_query() {
        let out = with_download_links(PAGE, "/audit?action=login&page=2", ("CSV", "XLSX"));
        assert_eq!(out.matches("table-downloads").count(), 3);
        assert!(out.contains(
            r#"<a href="/audit?action=login&amp;page=2&amp;format=xlsx&amp;table=3">XLSX</a>"#
        ));
        let plain = with_download_links(PAGE, "/tokens", ("CSV", "XLSX"));
        assert!(plain.contains(r#"href="/tokens?format=csv&amp;table=1""#));
        assert_eq!(tables(&out), tables(PAGE), "links are outside the tables");
    }

    #[test]
    fn unescapes_named_and_numeric_references() {
        assert_eq!(
            unescape("a&lt;b&gt;&quot;&#x27;&#39;&amp;amp;"),
            "a<b>\"''&amp;"
        );
        assert_eq!(unescape("R&D; 5 & 6"), "R&D; 5 & 6");
    }

    #[test]
    fn never_panics_on_broken_markup() {
        for s in [
            "<",
            "<table",
            "<table><tr><td>x",
            "</td></tr></table>",
            "<!--",
            "&#xffffffff;",
        ] {
            let _ = tables(s);
            let _ = with_download_links(s, "/", ("a", "b"));
        }
    }
}
