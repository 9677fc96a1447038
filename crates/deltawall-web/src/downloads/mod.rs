//! Table downloads for every page: `?format=csv|xlsx[&table=N]` on any page that shows a
//! table returns that table (or, for XLSX without `table`, every table of the page as one
//! sheet each). The page's own handler runs unchanged — same extractors, same actor, same
//! service call and scope — and the download is read from the page it rendered, so an export
//! can never hold a row the page would not show. Pages with tables get the links added after
//! each table.

pub mod html;
pub mod table;
pub mod workbook_in;

use crate::i18n::{self, Lang};
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use table::Table;

/// Largest page read back for a download (a page is far smaller; this bounds memory).
const MAX_PAGE_BYTES: usize = 64 << 20;

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
}

/// The download asked for, and the page's query without it.
struct Ask {
    format: Option<Format>,
    table: Option<usize>,
    rest: Vec<(String, String)>,
}

fn ask(uri: &Uri) -> Ask {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    let mut out = Ask {
        format: None,
        table: None,
        rest: Vec::new(),
    };
    for (k, v) in pairs {
        match (k.as_str(), v.as_str()) {
            ("format", "csv") => out.format = Some(Format::Csv),
            ("format", "xlsx") => out.format = Some(Format::Xlsx),
            ("table", n) if n.parse::<usize>().is_ok() => out.table = n.parse().ok(),
            _ => out.rest.push((k, v)),
        }
    }
    out
}

/// The page's address with its own query only.
fn page_address(path: &str, rest: &[(String, String)]) -> String {
    match serde_urlencoded::to_string(rest) {
        Ok(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_owned(),
    }
}

fn is_html(r: &Response) -> bool {
    r.status() == StatusCode::OK
        && r.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
}

/// The page's language, from `<html lang="..">`.
fn page_lang(html: &str) -> Lang {
    html.split_once("<html lang=\"")
        .and_then(|(_, r)| r.split('"').next())
        .and_then(Lang::from_code)
        .unwrap_or(Lang::Ja)
}

/// Middleware on the UI routes: serves downloads and adds their links to pages.
pub async fn table_downloads(req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let ask = ask(req.uri());
    let path = req.uri().path().to_owned();
    let address = page_address(&path, &ask.rest);
    let req = match ask.format {
        Some(_) => {
            let mut req = req;
            match address.parse::<Uri>() {
                Ok(uri) => *req.uri_mut() = uri,
                Err(_) => return StatusCode::BAD_REQUEST.into_response(),
            }
            req
        }
        None => req,
    };
    let resp = next.run(req).await;
    if !is_html(&resp) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAGE_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let html = String::from_utf8_lossy(&bytes);
    let lang = page_lang(&html);
    let Some(format) = ask.format else {
        if !html.contains("</table>") {
            return Response::from_parts(parts, Body::from(bytes));
        }
        let labels = (
            i18n::t(lang, "download-csv"),
            i18n::t(lang, "download-xlsx"),
        );
        let page = html::with_download_links(&html, &address, labels);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(page));
    };
    let all = html::tables(&html);
    let chosen: Vec<Table> = match ask.table {
        Some(n) => all.into_iter().skip(n.saturating_sub(1)).take(1).collect(),
        None if format == Format::Csv => all.into_iter().take(1).collect(),
        None => all,
    };
    if chosen.is_empty() || ask.table == Some(0) {
        return crate::layout::error_page(
            StatusCode::NOT_FOUND,
            lang,
            i18n::t(lang, "export-no-table"),
        );
    }
    download(&path, ask.table, format, &chosen)
}

/// The file's name: the page's path with `-` for `/`, and the table's number.
fn file_name(path: &str, table: Option<usize>, ext: &str) -> String {
    let stem: String = path
        .trim_matches('/')
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' => c,
            _ => '-',
        })
        .collect();
    let stem = if stem.is_empty() {
        "index".into()
    } else {
        stem
    };
    match table {
        Some(n) => format!("{stem}-{n}.{ext}"),
        None => format!("{stem}.{ext}"),
    }
}

fn download(path: &str, table: Option<usize>, format: Format, tables: &[Table]) -> Response {
    let (body, kind, ext) = match format {
        Format::Csv => (
            table::csv(&tables[0]).into_bytes(),
            "text/csv; charset=utf-8",
            "csv",
        ),
        Format::Xlsx => match table::xlsx_book(tables) {
            Ok(b) => (
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            Err(e) => {
                tracing::error!(error = %e, "xlsx export failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        },
    };
    let disposition = format!("attachment; filename=\"{}\"", file_name(path, table, ext));
    let mut r = Response::new(Body::from(body));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_are_read_and_stripped_from_the_query() {
        let a = ask(&"/audit?action=login.&format=xlsx&table=2&page=3"
            .parse()
            .unwrap());
        assert_eq!(a.format, Some(Format::Xlsx));
        assert_eq!(a.table, Some(2));
        assert_eq!(
            page_address("/audit", &a.rest),
            "/audit?action=login.&page=3"
        );
        let plain = ask(&"/tokens".parse().unwrap());
        assert_eq!((plain.format, plain.table), (None, None));
        assert_eq!(page_address("/tokens", &plain.rest), "/tokens");
        let other = ask(&"/x?format=pdf".parse().unwrap());
        assert_eq!(other.format, None, "an unknown format is the page's own");
    }

    #[test]
    fn file_names_follow_the_path() {
        assert_eq!(
            file_name("/posture/findings", Some(1), "csv"),
            "posture-findings-1.csv"
        );
        assert_eq!(file_name("/", None, "xlsx"), "index.xlsx");
    }
}
