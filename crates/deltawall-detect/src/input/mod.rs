//! Event input: the log formats Deltawall reads and the events they produce.
//!
//! | format | produces | log source (category / product / service) |
//! |---|---|---|
//! | JSON Lines, JSON documents | [`JsonEvent`], any object, dotted paths | `event.category` (ECS `web` read as `webserver`) / `event.module` / `event.dataset` |
//! | nginx, Apache access (combined, common) | [`AccessEvent`] | `webserver` / `nginx` or `apache` / – |
//! | syslog RFC 3164, RFC 5424 | [`SyslogEvent`] | sshd logins: `authentication` / `linux` / `sshd`; others – / `linux` / the program |
//! | Windows event JSON (`Event.System`, `Event.EventData`) | [`JsonEvent`], flattened | Sysmon category by event id / `windows` / from `Channel` |
//! | Windows `.evtx` (detected by its magic bytes) | as Windows event JSON | as Windows event JSON |
//!
//! Canonical field names shared by every format are ECS: `source.ip`, `source.port`,
//! `user.name`, `event.category`, `event.action`, `event.outcome`, `url.path`,
//! `url.query`, `url.original`, `http.request.method`, `http.response.status_code`,
//! `user_agent.original`; access events also answer the Sigma webserver names (`c-ip`,
//! `cs-uri-stem`, `sc-status`, …) and Windows events their native names (`EventID`,
//! `Image`, …) plus the ECS ones for logons 4624/4625.

mod access;
mod detect_format;
mod evtx;
mod evtx_check;
mod flat_json;
mod jsonl;
mod reader;
mod syslog;
pub mod time;
mod windows;
mod windows_source;

pub use access::AccessEvent;
pub use detect_format::Parser;
pub use detect_format::{Format, detect, json_value};
pub use evtx::{EVTX_MAGIC, is_evtx};
pub use flat_json::FlatJsonEvent;
pub use jsonl::json_source;
pub use reader::{FileStream, Input, Malformed, Pulled, Record, expand_inputs, open_input};
pub use syslog::{SshdKind, SyslogEvent, SyslogParser};
pub use windows::{from_windows_layout, is_windows_layout};
pub use windows_source::windows_source;

use deltawall_event::{Event, Field, JsonEvent};
use serde_json::Value;
use std::borrow::Cow;

/// A byte range of an event's line; `NONE` marks an absent field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span(u32, u32);

impl Span {
    pub(crate) const NONE: Span = Span(u32::MAX, u32::MAX);

    pub(crate) fn new(start: usize, end: usize) -> Span {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(s), Ok(e)) if s <= e => Span(s, e),
            _ => Span::NONE,
        }
    }

    pub(crate) fn get(self, line: &str) -> Option<&str> {
        if self == Span::NONE {
            return None;
        }
        line.get(self.0 as usize..self.1 as usize)
    }

    pub(crate) fn offset(self, by: usize) -> Span {
        if self == Span::NONE {
            self
        } else {
            Span::new(self.0 as usize + by, self.1 as usize + by)
        }
    }
}

/// Whether `s` looks like an IPv4 or IPv6 address (access logs may also hold host names,
/// which we refuse so that a random text file is not read as an access log).
pub(crate) fn ip_is_valid(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

/// The Sigma log source an event belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Source {
    /// Sigma `category`.
    pub category: Option<Cow<'static, str>>,
    /// Sigma `product`.
    pub product: Option<Cow<'static, str>>,
    /// Sigma `service`.
    pub service: Option<Cow<'static, str>>,
    /// A second, wider category the event also belongs to (a Sysmon registry event is
    /// `registry_set` and also `registry_event`); rules of either apply.
    pub also: Option<&'static str>,
}

impl Source {
    /// A source made of static names.
    pub fn fixed(
        category: Option<&'static str>,
        product: Option<&'static str>,
        service: Option<&'static str>,
    ) -> Source {
        Source {
            category: category.map(Cow::Borrowed),
            product: product.map(Cow::Borrowed),
            service: service.map(Cow::Borrowed),
            also: None,
        }
    }
}

/// An event read from any supported format.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEvent {
    /// A JSON object (JSON documents, flattened Windows events).
    Json(JsonEvent),
    /// A JSON Lines object, stored flat.
    Flat(FlatJsonEvent),
    /// An access-log request.
    Access(AccessEvent),
    /// A syslog line.
    Syslog(SyslogEvent),
}

impl Event for LogEvent {
    fn get(&self, path: &str) -> Option<Field<'_>> {
        match self {
            LogEvent::Json(e) => e.get(path),
            LogEvent::Flat(e) => e.get(path),
            LogEvent::Access(e) => e.get(path),
            LogEvent::Syslog(e) => e.get(path),
        }
    }

    fn any_str(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        match self {
            LogEvent::Json(e) => e.any_str(visit),
            LogEvent::Flat(e) => e.any_str(visit),
            LogEvent::Access(e) => e.any_str(visit),
            LogEvent::Syslog(e) => e.any_str(visit),
        }
    }

    fn timestamp_us(&self) -> Option<i64> {
        match self {
            LogEvent::Json(e) => e.timestamp_us(),
            LogEvent::Flat(e) => e.timestamp_us(),
            LogEvent::Access(e) => e.timestamp_us(),
            LogEvent::Syslog(e) => e.timestamp_us(),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            LogEvent::Json(e) => e.to_json(),
            LogEvent::Flat(e) => e.to_json(),
            LogEvent::Access(e) => e.to_json(),
            LogEvent::Syslog(e) => e.to_json(),
        }
    }
}
