//! nginx and Apache access logs, combined and common layouts.
//!
//! `ip ident user [time] "request" status bytes` (common) optionally followed by
//! `"referer" "user-agent"` (combined) and any further fields, which are ignored.
//! The event keeps the line and byte spans, so reading a field costs no allocation;
//! it answers both ECS names (`source.ip`) and the Sigma webserver taxonomy (`c-ip`).

use super::time::{format_rfc3339, parse_clf};
use super::{Span, ip_is_valid};
use deltawall_event::{Event, Field, Scalar};
use serde_json::{Map, Value, json};

/// One access-log request.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessEvent {
    line: Box<str>,
    ip: Span,
    user: Span,
    request: Span,
    method: Span,
    url: Span,
    path: Span,
    query: Span,
    version: Span,
    referrer: Span,
    agent: Span,
    status: Option<u16>,
    bytes: Option<i64>,
    timestamp_us: i64,
}

/// Splits a line into its next token: a bracketed time, a quoted string or a bare word.
struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn skip_spaces(&mut self) {
        while self.b.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
    }

    fn word(&mut self) -> Option<Span> {
        self.skip_spaces();
        let start = self.pos;
        while self.pos < self.b.len() && self.b[self.pos] != b' ' {
            self.pos += 1;
        }
        (self.pos > start).then(|| Span::new(start, self.pos))
    }

    fn delimited(&mut self, open: u8, close: u8) -> Option<Span> {
        self.skip_spaces();
        if self.b.get(self.pos) != Some(&open) {
            return None;
        }
        let start = self.pos + 1;
        let mut i = start;
        while i < self.b.len() {
            match self.b[i] {
                // Apache escapes quotes inside fields as \" ; nginx as \x22.
                b'\\' => i += 2,
                c if c == close => {
                    self.pos = i + 1;
                    return Some(Span::new(start, i));
                }
                _ => i += 1,
            }
        }
        None
    }

    fn at_end(&mut self) -> bool {
        self.skip_spaces();
        self.pos >= self.b.len()
    }
}

fn dash_to_none(line: &str, span: Span) -> Span {
    if span.get(line) == Some("-") {
        Span::NONE
    } else {
        span
    }
}

fn number<T: std::str::FromStr>(line: &str, span: Span) -> Result<Option<T>, String> {
    match span.get(line) {
        None | Some("-") => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| format!("not a number: {s:?}")),
    }
}

impl AccessEvent {
    /// Parses one access-log line.
    pub fn parse(line: &str) -> Result<AccessEvent, String> {
        let mut c = Cursor {
            b: line.as_bytes(),
            pos: 0,
        };
        let ip = c.word().ok_or("empty line")?;
        if !ip_is_valid(ip.get(line).unwrap_or_default()) && ip.get(line) != Some("-") {
            return Err("first field is not an address".into());
        }
        let _ident = c.word().ok_or("missing ident field")?;
        let user = c.word().ok_or("missing user field")?;
        let time = c.delimited(b'[', b']').ok_or("missing [time]")?;
        let timestamp_us = parse_clf(time.get(line).unwrap_or_default())
            .ok_or_else(|| format!("bad time {:?}", time.get(line).unwrap_or_default()))?;
        let request = c.delimited(b'"', b'"').ok_or("missing \"request\"")?;
        let status = number::<u16>(line, c.word().ok_or("missing status")?)?;
        let bytes = number::<i64>(line, c.word().ok_or("missing bytes")?)?;
        let (referrer, agent) = if c.at_end() {
            (Span::NONE, Span::NONE)
        } else {
            let r = c.delimited(b'"', b'"').ok_or("bad \"referer\"")?;
            let a = c.delimited(b'"', b'"').ok_or("bad \"user-agent\"")?;
            (dash_to_none(line, r), dash_to_none(line, a))
        };
        let mut event = AccessEvent {
            line: line.into(),
            ip: dash_to_none(line, ip),
            user: dash_to_none(line, user),
            request,
            method: Span::NONE,
            url: Span::NONE,
            path: Span::NONE,
            query: Span::NONE,
            version: Span::NONE,
            referrer,
            agent,
            status,
            bytes,
            timestamp_us,
        };
        event.split_request();
        Ok(event)
    }

    /// `GET /a?b HTTP/1.1` into method, url (path and query) and version. A request that
    /// is not three words (scanners send junk) keeps only the raw request.
    fn split_request(&mut self) {
        let Some(req) = self.request.get(&self.line) else {
            return;
        };
        let base = self.request.0 as usize;
        let mut parts = req.splitn(3, ' ');
        let (Some(m), Some(u), Some(v)) = (parts.next(), parts.next(), parts.next()) else {
            return;
        };
        if m.is_empty() || u.is_empty() || v.contains(' ') {
            return;
        }
        self.method = Span::new(base, base + m.len());
        let ustart = base + m.len() + 1;
        self.url = Span::new(ustart, ustart + u.len());
        self.version = Span::new(ustart + u.len() + 1, ustart + u.len() + 1 + v.len());
        match u.find('?') {
            Some(q) => {
                self.path = Span::new(ustart, ustart + q);
                self.query = Span::new(ustart + q + 1, ustart + u.len());
            }
            None => self.path = self.url,
        }
    }

    fn str_field(&self, span: Span) -> Option<Field<'_>> {
        span.get(&self.line).map(|s| Field::One(Scalar::Str(s)))
    }

    /// The HTTP status code.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The client address as written in the log.
    pub fn client_ip(&self) -> Option<&str> {
        self.ip.get(&self.line)
    }

    /// The request path without its query.
    pub fn url_path(&self) -> Option<&str> {
        self.path.get(&self.line)
    }
}

impl Event for AccessEvent {
    fn get(&self, path: &str) -> Option<Field<'_>> {
        let span = match path {
            "source.ip" | "client.ip" | "c-ip" | "src_ip" => self.ip,
            "user.name" | "cs-username" => self.user,
            "http.request.method" | "cs-method" => self.method,
            "url.original" | "cs-uri" => self.url,
            "url.path" | "cs-uri-stem" => self.path,
            "url.query" | "cs-uri-query" => self.query,
            "http.request.referrer" | "cs-referer" | "cs-referrer" => self.referrer,
            "user_agent.original" | "cs-user-agent" => self.agent,
            "cs-version" => self.version,
            "http.version" => {
                let v = self.version.get(&self.line)?;
                return Some(Field::One(Scalar::Str(
                    v.strip_prefix("HTTP/").unwrap_or(v),
                )));
            }
            "http.response.status_code" | "sc-status" => {
                return self.status.map(|s| Field::One(Scalar::Int(i64::from(s))));
            }
            "http.response.body.bytes" | "sc-bytes" => {
                return self.bytes.map(|b| Field::One(Scalar::Int(b)));
            }
            "event.category" => return Some(Field::One(Scalar::Str("web"))),
            "message" | "event.original" => return Some(Field::One(Scalar::Str(&self.line))),
            _ => return None,
        };
        self.str_field(span)
    }

    fn any_str(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        // Keyword rules for web servers search the raw request line.
        visit(&self.line)
    }

    fn timestamp_us(&self) -> Option<i64> {
        Some(self.timestamp_us)
    }

    fn to_json(&self) -> Value {
        let mut out = Map::new();
        let s = |span: Span| span.get(&self.line).map(Value::from);
        out.insert(
            "@timestamp".into(),
            format_rfc3339(self.timestamp_us).into(),
        );
        if let Some(ip) = s(self.ip) {
            out.insert("source".into(), json!({ "ip": ip }));
        }
        if let Some(u) = s(self.user) {
            out.insert("user".into(), json!({ "name": u }));
        }
        let mut http = Map::new();
        let mut request = Map::new();
        request.extend(s(self.method).map(|m| ("method".to_owned(), m)));
        request.extend(s(self.referrer).map(|r| ("referrer".to_owned(), r)));
        http.insert("request".into(), request.into());
        http.insert(
            "response".into(),
            json!({ "status_code": self.status, "body": { "bytes": self.bytes } }),
        );
        out.insert("http".into(), http.into());
        let mut url = Map::new();
        url.extend(s(self.url).map(|u| ("original".to_owned(), u)));
        url.extend(s(self.path).map(|u| ("path".to_owned(), u)));
        url.extend(s(self.query).map(|u| ("query".to_owned(), u)));
        out.insert("url".into(), url.into());
        if let Some(a) = s(self.agent) {
            out.insert("user_agent".into(), json!({ "original": a }));
        }
        out.insert("event".into(), json!({ "original": &*self.line }));
        out.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMBINED: &str = r#"203.0.113.7 - alice [10/Oct/2024:13:55:36 +0900] "POST /login?next=%2F HTTP/1.1" 401 512 "https://bank.example/" "Mozilla/5.0 (X11; \"quoted\")""#;

    #[track_caller]
    fn check(line: &str, path: &str, expected: Option<Scalar<'_>>) {
        let event = AccessEvent::parse(line).unwrap();
        assert_eq!(event.get(path), expected.map(Field::One), "{path}");
    }

    #[test]
    fn combined_fields() {
        check(COMBINED, "c-ip", Some(Scalar::Str("203.0.113.7")));
        check(COMBINED, "user.name", Some(Scalar::Str("alice")));
        check(COMBINED, "cs-method", Some(Scalar::Str("POST")));
        check(COMBINED, "url.path", Some(Scalar::Str("/login")));
        check(COMBINED, "url.query", Some(Scalar::Str("next=%2F")));
        check(COMBINED, "http.version", Some(Scalar::Str("1.1")));
        check(COMBINED, "sc-status", Some(Scalar::Int(401)));
        check(COMBINED, "sc-bytes", Some(Scalar::Int(512)));
        check(
            COMBINED,
            "user_agent.original",
            Some(Scalar::Str(r#"Mozilla/5.0 (X11; \"quoted\")"#)),
        );
        check(COMBINED, "nope", None);
    }

    #[test]
    fn common_and_junk_request() {
        let line = r#"::1 - - [01/Jan/2024:00:00:00 +0000] "\x16\x03\x01" 400 - "#;
        check(line, "source.ip", Some(Scalar::Str("::1")));
        check(line, "user.name", None);
        check(line, "http.request.method", None);
        check(line, "http.response.body.bytes", None);
        check(line, "sc-status", Some(Scalar::Int(400)));
    }

    #[test]
    fn malformed() {
        for line in [
            "",
            "hello world",
            r#"1.2.3.4 - - [10/Oct/2024:13:55:36] "GET / HTTP/1.1" 200 1"#,
            r#"1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1 200 1"#,
            r#"1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" abc 1"#,
        ] {
            assert!(AccessEvent::parse(line).is_err(), "{line}");
        }
    }
}
