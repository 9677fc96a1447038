//! Syslog lines: RFC 3164 (with or without `<PRI>`, as in `/var/log/auth.log`),
//! RFC 5424, and the RFC 3339-stamped layout of modern rsyslog. sshd authentication
//! messages are decoded into ECS fields (`user.name`, `source.ip`, `source.port`,
//! `event.outcome`) so the same rules serve sshd and web-application logins.

use super::Span;
use super::time::{digits, format_rfc3339, month_from_abbrev, parse_rfc3339, unix_us};
use deltawall_event::{Event, Field, Scalar};
use serde_json::{Map, Value, json};

/// What an sshd message says about an authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshdKind {
    /// `Accepted <method> for <user> from <ip> port <port>`.
    Accepted,
    /// `Failed <method> for [invalid user] <user> from <ip> port <port>`.
    Failed,
    /// `Invalid user <user> from <ip>`: a notice preceding the failure, not counted as one.
    InvalidUser,
    /// A `pam_unix(sshd:auth): authentication failure` line: also a duplicate notice.
    PamFailure,
}

/// Fields decoded from an sshd authentication message.
#[derive(Debug, Clone, PartialEq)]
struct Sshd {
    kind: SshdKind,
    user: Span,
    ip: Span,
    port: Option<u16>,
    method: Span,
    unknown_user: bool,
}

/// One syslog line.
#[derive(Debug, Clone, PartialEq)]
pub struct SyslogEvent {
    line: Box<str>,
    priority: Option<u8>,
    host: Span,
    app: Span,
    pid: Option<i64>,
    msgid: Span,
    structured: Span,
    msg: Span,
    timestamp_us: i64,
    sshd: Option<Sshd>,
}

/// Parses syslog lines; RFC 3164 has no year, so the reader supplies one.
#[derive(Debug, Clone, Copy)]
pub struct SyslogParser {
    /// The year given to RFC 3164 timestamps.
    pub year: i32,
}

impl Default for SyslogParser {
    fn default() -> Self {
        SyslogParser {
            year: i32::from(
                jiff::tz::Offset::UTC
                    .to_datetime(jiff::Timestamp::now())
                    .year(),
            ),
        }
    }
}

fn word_end(b: &[u8], from: usize) -> usize {
    memchr::memchr(b' ', &b[from.min(b.len())..]).map_or(b.len(), |i| from + i)
}

impl SyslogParser {
    /// Parses one line.
    pub fn parse(&self, line: &str) -> Result<SyslogEvent, String> {
        let b = line.as_bytes();
        let (priority, mut pos) = priority(b)?;
        if b.get(pos..pos + 2) == Some(b"1 ") {
            return parse_5424(line, priority, pos + 2);
        }
        let timestamp_us;
        if b.len() > pos + 4 && b[pos + 4] == b'-' && b[pos].is_ascii_digit() {
            let end = word_end(b, pos);
            timestamp_us = parse_rfc3339(&line[pos..end]).ok_or("bad RFC 3339 timestamp")?;
            pos = end + 1;
        } else {
            timestamp_us = self.bsd_time(b.get(pos..pos + 15).ok_or("line too short")?)?;
            pos += 16;
        }
        let host_end = word_end(b, pos);
        if host_end <= pos || host_end >= b.len() {
            return Err("missing host or message".into());
        }
        let host = Span::new(pos, host_end);
        let (app, pid, msg) = tag(line, host_end + 1);
        let mut event = SyslogEvent {
            line: line.into(),
            priority,
            host,
            app,
            pid,
            msgid: Span::NONE,
            structured: Span::NONE,
            msg,
            timestamp_us,
            sshd: None,
        };
        event.decode_sshd();
        Ok(event)
    }

    /// `Oct 11 22:14:15` (day may be space-padded).
    fn bsd_time(&self, t: &[u8]) -> Result<i64, String> {
        let month = month_from_abbrev(&t[0..3]).ok_or("bad month")?;
        let day = if t[4] == b' ' {
            digits(&t[5..6])
        } else {
            digits(&t[4..6])
        };
        let day = day.filter(|d| (1..=31).contains(d)).ok_or("bad day")?;
        if t[3] != b' ' || t[6] != b' ' || t[9] != b':' || t[12] != b':' {
            return Err("bad time".into());
        }
        let (h, m, s) = (digits(&t[7..9]), digits(&t[10..12]), digits(&t[13..15]));
        match (h, m, s) {
            (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s <= 60 => {
                Ok(unix_us(i64::from(self.year), month, day, h, m, s, 0))
            }
            _ => Err("bad time".into()),
        }
    }
}

/// `<PRI>` when present, and the position after it.
fn priority(b: &[u8]) -> Result<(Option<u8>, usize), String> {
    if b.first() != Some(&b'<') {
        return Ok((None, 0));
    }
    let close = b
        .iter()
        .take(5)
        .position(|c| *c == b'>')
        .ok_or("bad <PRI>")?;
    let pri = digits(&b[1..close])
        .filter(|p| *p <= 191)
        .ok_or("bad <PRI>")?;
    Ok((Some(pri as u8), close + 1))
}

/// `app[pid]: msg`, `app: msg`, or no tag at all.
fn tag(line: &str, pos: usize) -> (Span, Option<i64>, Span) {
    let b = line.as_bytes();
    let end = word_end(b, pos);
    let word = &line[pos..end];
    let msg = Span::new((end + 1).min(b.len()), b.len());
    if let Some(name) = word.strip_suffix(':') {
        if let Some(open) = name.find('[')
            && let Some(pid) = name[open + 1..].strip_suffix(']')
        {
            return (Span::new(pos, pos + open), pid.parse().ok(), msg);
        }
        return (Span::new(pos, pos + name.len()), None, msg);
    }
    (Span::NONE, None, Span::new(pos, b.len()))
}

fn nil(line: &str, span: Span) -> Span {
    if span.get(line) == Some("-") {
        Span::NONE
    } else {
        span
    }
}

/// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`.
fn parse_5424(line: &str, priority: Option<u8>, mut pos: usize) -> Result<SyslogEvent, String> {
    let b = line.as_bytes();
    let mut next = || {
        let end = word_end(b, pos);
        let span = Span::new(pos, end);
        pos = end + 1;
        (end < b.len() || end > span.0 as usize).then_some(span)
    };
    let ts = next().ok_or("missing timestamp")?;
    let timestamp_us = parse_rfc3339(ts.get(line).unwrap_or_default()).ok_or("bad timestamp")?;
    let host = nil(line, next().ok_or("missing host")?);
    let app = nil(line, next().ok_or("missing app")?);
    let procid = nil(line, next().ok_or("missing procid")?);
    let msgid = nil(line, next().ok_or("missing msgid")?);
    let (structured, msg) = structured_data(line, pos.min(b.len()))?;
    let mut event = SyslogEvent {
        line: line.into(),
        priority,
        host,
        app,
        pid: procid.get(line).and_then(|p| p.parse().ok()),
        msgid,
        structured: nil(line, structured),
        msg,
        timestamp_us,
        sshd: None,
    };
    event.decode_sshd();
    Ok(event)
}

/// The structured-data part (`-` or `[id k="v"]...`) and the message after it.
fn structured_data(line: &str, pos: usize) -> Result<(Span, Span), String> {
    let b = line.as_bytes();
    if b.get(pos) != Some(&b'[') {
        let end = word_end(b, pos);
        let msg_start = (end + 1).min(b.len());
        return Ok((Span::new(pos, end), Span::new(msg_start, b.len())));
    }
    let mut i = pos;
    while b.get(i) == Some(&b'[') {
        let mut in_quotes = false;
        loop {
            i += 1;
            match b.get(i).ok_or("unterminated structured data")? {
                b'\\' => i += 1,
                b'"' => in_quotes = !in_quotes,
                b']' if !in_quotes => break,
                _ => {}
            }
        }
        i += 1;
    }
    let msg_start = if b.get(i) == Some(&b' ') { i + 1 } else { i };
    Ok((Span::new(pos, i), Span::new(msg_start, b.len())))
}

impl SyslogEvent {
    fn decode_sshd(&mut self) {
        if !matches!(self.app.get(&self.line), Some("sshd" | "sshd-session")) {
            return;
        }
        let Some(msg) = self.msg.get(&self.line) else {
            return;
        };
        let base = self.msg.0 as usize;
        self.sshd = sshd_message(msg).map(|mut s| {
            s.user = s.user.offset(base);
            s.ip = s.ip.offset(base);
            s.method = s.method.offset(base);
            s
        });
    }

    /// What sshd said about an authentication, if this is such a line.
    pub fn sshd_kind(&self) -> Option<SshdKind> {
        self.sshd.as_ref().map(|s| s.kind)
    }

    /// The tag's program name.
    pub fn app(&self) -> Option<&str> {
        self.app.get(&self.line)
    }

    fn outcome(&self) -> Option<&'static str> {
        match self.sshd.as_ref()?.kind {
            SshdKind::Accepted => Some("success"),
            SshdKind::Failed => Some("failure"),
            SshdKind::InvalidUser | SshdKind::PamFailure => None,
        }
    }

    fn action(&self) -> Option<&'static str> {
        Some(match self.sshd.as_ref()?.kind {
            SshdKind::Accepted | SshdKind::Failed => "ssh_login",
            SshdKind::InvalidUser => "ssh_invalid_user",
            SshdKind::PamFailure => "pam_authentication_failure",
        })
    }
}

/// Decodes the sshd messages that carry a user and a source address; spans are relative
/// to `msg`.
fn sshd_message(msg: &str) -> Option<Sshd> {
    // "message repeated 2 times: [ Failed password for root from ...]"
    let (msg, shift) = match msg.find(": [ ") {
        Some(i) if msg.starts_with("message repeated") => {
            (msg[i + 4..].trim_end_matches(']'), i + 4)
        }
        _ => (msg, 0),
    };
    let at = |start: usize, len: usize| Span::new(shift + start, shift + start + len);
    if let Some(pam) = msg.strip_prefix("pam_unix(sshd:auth): authentication failure;") {
        let base = msg.len() - pam.len();
        let kv = |key: &str| {
            let i = pam.find(key)? + key.len();
            let v = &pam[i..];
            let len = v.find(' ').unwrap_or(v.len());
            (len > 0).then(|| at(base + i, len))
        };
        return Some(Sshd {
            kind: SshdKind::PamFailure,
            user: kv(" user=").unwrap_or(Span::NONE),
            ip: kv(" rhost=").unwrap_or(Span::NONE),
            port: None,
            method: Span::NONE,
            unknown_user: false,
        });
    }
    let (kind, rest) = if let Some(r) = msg.strip_prefix("Accepted ") {
        (SshdKind::Accepted, r)
    } else if let Some(r) = msg.strip_prefix("Failed ") {
        (SshdKind::Failed, r)
    } else if let Some(r) = msg.strip_prefix("Invalid user ") {
        (SshdKind::InvalidUser, r)
    } else {
        return None;
    };
    let rest_start = msg.len() - rest.len();
    let (method, user_start) = if kind == SshdKind::InvalidUser {
        (Span::NONE, rest_start)
    } else {
        let sp = rest.find(" for ")?;
        (at(rest_start, sp), rest_start + sp + 5)
    };
    let mut user_part = &msg[user_start..];
    let mut user_start = user_start;
    let unknown_user = kind == SshdKind::InvalidUser || user_part.starts_with("invalid user ");
    if kind != SshdKind::InvalidUser
        && let Some(u) = user_part.strip_prefix("invalid user ")
    {
        user_start += user_part.len() - u.len();
        user_part = u;
    }
    // User names may contain spaces: the address is after the last " from ".
    let from = user_part.rfind(" from ")?;
    let after = &user_part[from + 6..];
    let ip_len = after.find(' ').unwrap_or(after.len());
    let ip_start = user_start + from + 6;
    let port = after[ip_len..]
        .strip_prefix(" port ")
        .and_then(|p| p.split(' ').next())
        .and_then(|p| p.parse().ok());
    let user_len = from;
    Some(Sshd {
        kind,
        user: if user_len == 0 {
            Span::NONE
        } else {
            at(user_start, user_len)
        },
        ip: at(ip_start, ip_len),
        port,
        method,
        unknown_user,
    })
}

impl Event for SyslogEvent {
    fn get(&self, path: &str) -> Option<Field<'_>> {
        let one = |s: &'static str| Some(Field::One(Scalar::Str(s)));
        let span = match path {
            "host.name" | "hostname" | "Computer" => self.host,
            "process.name" | "app" => self.app,
            "message" | "msg" => self.msg,
            "log.syslog.msgid" => self.msgid,
            "log.syslog.structured_data" => self.structured,
            "event.original" => return Some(Field::One(Scalar::Str(&self.line))),
            "process.pid" | "pid" => return self.pid.map(|p| Field::One(Scalar::Int(p))),
            "log.syslog.priority" => {
                return self.priority.map(|p| Field::One(Scalar::Int(i64::from(p))));
            }
            "log.syslog.facility.code" => {
                return self
                    .priority
                    .map(|p| Field::One(Scalar::Int(i64::from(p / 8))));
            }
            "log.syslog.severity.code" => {
                return self
                    .priority
                    .map(|p| Field::One(Scalar::Int(i64::from(p % 8))));
            }
            "event.category" => return self.sshd.as_ref().and(one("authentication")),
            "event.outcome" => return self.outcome().and_then(one),
            "event.action" => return self.action().and_then(one),
            "user.name" | "pam_user" => self.sshd.as_ref()?.user,
            "source.ip" | "pam_rhost" => self.sshd.as_ref()?.ip,
            "auth.method" => self.sshd.as_ref()?.method,
            "source.port" => {
                let port = self.sshd.as_ref()?.port?;
                return Some(Field::One(Scalar::Int(i64::from(port))));
            }
            "auth.failure_reason" => {
                let sshd = self.sshd.as_ref()?;
                return (sshd.unknown_user).then_some(()).and(one("unknown_user"));
            }
            _ => return None,
        };
        span.get(&self.line).map(|s| Field::One(Scalar::Str(s)))
    }

    fn any_str(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        // Sigma keyword rules for Linux logs search the message.
        self.msg.get(&self.line).is_some_and(visit)
    }

    fn timestamp_us(&self) -> Option<i64> {
        Some(self.timestamp_us)
    }

    fn to_json(&self) -> Value {
        let s = |span: Span| span.get(&self.line);
        let mut out = Map::new();
        out.insert(
            "@timestamp".into(),
            format_rfc3339(self.timestamp_us).into(),
        );
        out.insert("host".into(), json!({ "name": s(self.host) }));
        out.insert(
            "process".into(),
            json!({ "name": s(self.app), "pid": self.pid }),
        );
        out.insert("message".into(), s(self.msg).into());
        if let Some(sshd) = &self.sshd {
            let mut event = json!({ "category": "authentication", "action": self.action() });
            if let Some(o) = self.outcome() {
                event["outcome"] = o.into();
            }
            out.insert("event".into(), event);
            out.insert("user".into(), json!({ "name": s(sshd.user) }));
            out.insert(
                "source".into(),
                json!({ "ip": s(sshd.ip), "port": sshd.port }),
            );
        }
        out.insert("log".into(), json!({ "original": &*self.line }));
        out.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser() -> SyslogParser {
        SyslogParser { year: 2024 }
    }

    #[track_caller]
    fn check(line: &str, expected: &[(&str, Scalar<'_>)]) {
        let event = parser().parse(line).unwrap();
        for (path, want) in expected {
            assert_eq!(event.get(path), Some(Field::One(*want)), "{path} in {line}");
        }
    }

    #[test]
    fn sshd_lines() {
        check(
            "Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2",
            &[
                ("user.name", Scalar::Str("webmaster")),
                ("source.ip", Scalar::Str("173.234.31.186")),
                ("source.port", Scalar::Int(38926)),
                ("event.outcome", Scalar::Str("failure")),
                ("auth.failure_reason", Scalar::Str("unknown_user")),
                ("auth.method", Scalar::Str("password")),
                ("process.pid", Scalar::Int(24200)),
                ("host.name", Scalar::Str("LabSZ")),
            ],
        );
        check(
            "<38>Dec  1 06:55:46 h sshd[1]: Accepted publickey for bob from 2001:db8::1 port 22 ssh2: RSA SHA256:x",
            &[
                ("user.name", Scalar::Str("bob")),
                ("source.ip", Scalar::Str("2001:db8::1")),
                ("event.outcome", Scalar::Str("success")),
                ("log.syslog.facility.code", Scalar::Int(4)),
            ],
        );
        check(
            "Dec 10 07:07:38 LabSZ sshd[24206]: Invalid user test9 from 52.80.34.196",
            &[
                ("user.name", Scalar::Str("test9")),
                ("source.ip", Scalar::Str("52.80.34.196")),
                ("event.action", Scalar::Str("ssh_invalid_user")),
            ],
        );
        check(
            "Dec 10 06:55:48 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186  user=root",
            &[
                ("user.name", Scalar::Str("root")),
                ("source.ip", Scalar::Str("173.234.31.186")),
            ],
        );
        check(
            "Dec 10 06:55:48 LabSZ sshd[24200]: message repeated 2 times: [ Failed password for root from 5.6.7.8 port 1 ssh2]",
            &[
                ("user.name", Scalar::Str("root")),
                ("source.ip", Scalar::Str("5.6.7.8")),
            ],
        );
        check(
            "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user  from 5.6.7.8 port 1 ssh2",
            &[("source.ip", Scalar::Str("5.6.7.8"))],
        );
    }

    #[test]
    fn rfc5424() {
        check(
            r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App]"] An application event"#,
            &[
                ("host.name", Scalar::Str("mymachine.example.com")),
                ("process.name", Scalar::Str("evntslog")),
                ("log.syslog.msgid", Scalar::Str("ID47")),
                ("message", Scalar::Str("An application event")),
            ],
        );
        check(
            "<38>1 2024-01-02T03:04:05+09:00 h sshd 77 - - Failed password for root from 9.9.9.9 port 5 ssh2",
            &[
                ("process.pid", Scalar::Int(77)),
                ("user.name", Scalar::Str("root")),
            ],
        );
        let e = parser()
            .parse("<38>1 2024-01-02T03:04:05+09:00 h sshd 77 - - x")
            .unwrap();
        assert_eq!(
            e.timestamp_us(),
            crate::input::time::parse_rfc3339("2024-01-01T18:04:05Z")
        );
    }

    #[test]
    fn malformed() {
        for line in [
            "",
            "hello",
            "<999>Dec 10 06:55:46 h x: y",
            "Foo 10 06:55:46 h x: y",
            "Dec 10 06:55:46",
            "<1>1 notatime h a p m - x",
        ] {
            assert!(parser().parse(line).is_err(), "{line:?}");
        }
    }
}
