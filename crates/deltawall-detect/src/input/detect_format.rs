//! Naming and auto-detecting a file's format from its first non-blank line.

use super::access::AccessEvent;
use super::jsonl::{json_source, parse_line};
use super::syslog::SyslogParser;
use super::windows::{from_windows_layout, is_windows_layout};
use super::windows_source::windows_source;
use super::{LogEvent, Source};
use std::borrow::Cow;

/// A log format, as named by `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Detect per file from its first line.
    Auto,
    /// JSON Lines, or JSON documents (objects or arrays, possibly pretty-printed).
    Json,
    /// Windows event JSON (`Event.System` / `Event.EventData`), lines or documents.
    Windows,
    /// nginx access log, combined or common.
    Nginx,
    /// Apache access log, combined or common.
    Apache,
    /// An access log of either server.
    Access,
    /// Syslog, RFC 3164 or RFC 5424.
    Syslog,
    /// Windows `.evtx` binary event log (also detected by `auto`).
    Evtx,
}

/// How the lines of a file are read once its format is known.
#[derive(Debug, Clone, Copy)]
pub enum Parser {
    /// One JSON object per line.
    JsonLines {
        /// Flatten `Event.System` objects.
        windows: bool,
    },
    /// A stream of JSON values spread over lines.
    JsonDocument {
        /// Flatten `Event.System` objects.
        windows: bool,
    },
    /// Access log lines.
    Access {
        /// `nginx`, `apache` or unknown.
        product: Option<&'static str>,
    },
    /// Syslog lines.
    Syslog(SyslogParser),
}

impl Parser {
    /// Parses one line in a line-oriented format.
    pub fn parse_line(&self, line: &str) -> Result<(LogEvent, Source), String> {
        match self {
            Parser::JsonLines { windows: false } => {
                let event = super::FlatJsonEvent::parse(line)?;
                let source = super::jsonl::flat_source(&event);
                Ok((LogEvent::Flat(event), source))
            }
            Parser::JsonLines { windows } | Parser::JsonDocument { windows } => {
                let value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
                json_value(value, *windows)
            }
            Parser::Access { product } => {
                let event = AccessEvent::parse(line)?;
                let source = Source {
                    category: Some(Cow::Borrowed("webserver")),
                    product: product.map(Cow::Borrowed),
                    service: None,
                    also: None,
                };
                Ok((LogEvent::Access(event), source))
            }
            Parser::Syslog(p) => {
                let event = p.parse(line)?;
                let source = syslog_source(&event);
                Ok((LogEvent::Syslog(event), source))
            }
        }
    }
}

/// Turns one JSON value into an event, flattening the Windows layout when asked to or
/// when the object has it.
pub fn json_value(value: serde_json::Value, windows: bool) -> Result<(LogEvent, Source), String> {
    if windows || is_windows_layout(&value) {
        let event = from_windows_layout(value)?;
        let source = windows_source(&event);
        return Ok((LogEvent::Json(event), source));
    }
    if let serde_json::Value::Object(_) = &value {
        let event = super::jsonl::from_value(value)?;
        let source = json_source(&event);
        return Ok((LogEvent::Json(event), source));
    }
    parse_line(&value.to_string()).map(|e| (LogEvent::Json(e), Source::default()))
}

fn syslog_source(event: &super::SyslogEvent) -> Source {
    let service = match event.app() {
        Some("sshd" | "sshd-session") => Some(Cow::Borrowed("sshd")),
        Some("sudo") => Some(Cow::Borrowed("sudo")),
        Some("cron" | "CRON" | "crond") => Some(Cow::Borrowed("cron")),
        Some(other) => Some(Cow::Owned(other.to_owned())),
        None => None,
    };
    Source {
        category: event.sshd_kind().map(|_| Cow::Borrowed("authentication")),
        product: Some(Cow::Borrowed("linux")),
        service,
        also: None,
    }
}

/// Chooses the parser for a file from its first non-blank line (or the forced format).
/// `None` when auto-detection recognises nothing.
pub fn detect(format: Format, first_line: &str, syslog: SyslogParser) -> Option<Parser> {
    let trimmed = first_line.trim_start();
    let json = |windows: bool| {
        // A first line that is a whole object means JSON Lines; otherwise a document.
        match serde_json::from_str::<serde_json::Value>(trimmed) {
            Ok(v) if v.is_object() => Parser::JsonLines {
                windows: windows || is_windows_layout(&v),
            },
            _ => Parser::JsonDocument { windows },
        }
    };
    Some(match format {
        Format::Json => json(false),
        Format::Windows => json(true),
        Format::Nginx => Parser::Access {
            product: Some("nginx"),
        },
        Format::Apache => Parser::Access {
            product: Some("apache"),
        },
        Format::Access => Parser::Access { product: None },
        Format::Syslog => Parser::Syslog(syslog),
        // Read before any line is: a file that reaches here is not EVTX.
        Format::Evtx => return None,
        Format::Auto if trimmed.starts_with(['{', '[']) => json(false),
        Format::Auto if AccessEvent::parse(first_line).is_ok() => Parser::Access { product: None },
        Format::Auto if syslog.parse(first_line).is_ok() => Parser::Syslog(syslog),
        Format::Auto => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(line: &str, expected: &str) {
        let p = detect(Format::Auto, line, SyslogParser { year: 2024 });
        assert_eq!(p.map(|p| format!("{p:?}")).unwrap_or_default(), expected);
    }

    #[test]
    fn auto_detection() {
        check(r#"{"a":1}"#, "JsonLines { windows: false }");
        check(r#"{"Event":{"System":{}}}"#, "JsonLines { windows: true }");
        check("{", "JsonDocument { windows: false }");
        check("[", "JsonDocument { windows: false }");
        check(
            r#"1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 200 1"#,
            "Access { product: None }",
        );
        check(
            "Dec 10 06:55:46 LabSZ sshd[24200]: x",
            "Syslog(SyslogParser { year: 2024 })",
        );
        check("hello", "");
    }
}
