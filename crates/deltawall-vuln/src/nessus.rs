//! Streaming importer for Nessus `.nessus` v2 XML reports.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{Finding, IdentityKey, Severity};

/// Longest text kept from one element; longer plugin output is cut, so one huge element cannot
/// grow memory without bound.
const MAX_TEXT: usize = 64 * 1024;

/// Why a Nessus file was refused; `offset` is the byte position in the input.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NessusError {
    /// The file declares a DOCTYPE, the carrier of external entities and entity expansion.
    #[error("byte {offset}: a document type declaration is not accepted")]
    Doctype {
        /// Byte position of the declaration.
        offset: u64,
    },
    /// The XML is not well formed.
    #[error("byte {offset}: malformed xml: {message}")]
    Xml {
        /// Byte position where parsing stopped.
        offset: u64,
        /// The parser's description.
        message: String,
    },
    /// A `ReportItem` lacks an attribute identity depends on.
    #[error("byte {offset}: ReportItem without {attribute}")]
    MissingAttribute {
        /// Byte position of the element.
        offset: u64,
        /// The missing attribute.
        attribute: &'static str,
    },
    /// The root element is not `NessusClientData_v2`.
    #[error("byte {offset}: not a nessus v2 file (root element {root})")]
    NotNessus {
        /// Byte position of the root element.
        offset: u64,
        /// The root element's name.
        root: String,
    },
}

#[derive(Default)]
struct Item {
    key: Option<IdentityKey>,
    title: String,
    severity: Option<Severity>,
    cves: Vec<String>,
    cvss: Option<f64>,
}

/// Reads a Nessus v2 report, handing each finding to `sink` as soon as its `ReportItem` closes.
/// Returns the number of findings. Nothing is kept between items, so memory is bounded.
pub fn import_nessus<R: BufRead>(
    input: R,
    mut sink: impl FnMut(Finding),
) -> Result<usize, NessusError> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut host = String::new();
    let mut item: Option<Item> = None;
    let mut field: Option<String> = None;
    let mut text = String::new();
    let mut root_seen = false;
    let mut count = 0;
    loop {
        let offset = reader.buffer_position() as u64;
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| NessusError::Xml {
                offset: reader.buffer_position() as u64,
                message: e.to_string(),
            })?;
        match event {
            Event::DocType(_) => return Err(NessusError::Doctype { offset }),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if !root_seen {
                    root_seen = true;
                    if name != "NessusClientData_v2" {
                        return Err(NessusError::NotNessus { offset, root: name });
                    }
                }
                match name.as_str() {
                    "ReportHost" => host = attr(e, "name").unwrap_or_default(),
                    "ReportItem" => {
                        let new = start_item(e, &host, offset)?;
                        if matches!(event, Event::Empty(_)) {
                            count += 1;
                            sink(finish(new));
                        } else {
                            item = Some(new);
                        }
                    }
                    _ if item.is_some() && matches!(event, Event::Start(_)) => {
                        field = Some(name);
                        text.clear();
                    }
                    _ => {}
                }
            }
            Event::Text(ref t) if field.is_some() && text.len() < MAX_TEXT => {
                let s = t.unescape().map_err(|e| NessusError::Xml {
                    offset,
                    message: e.to_string(),
                })?;
                text.push_str(&s);
                text.truncate(floor_char_boundary(&text, MAX_TEXT));
            }
            Event::End(ref e) => match e.name().as_ref() {
                b"ReportItem" => {
                    if let Some(done) = item.take() {
                        count += 1;
                        sink(finish(done));
                    }
                }
                _ => {
                    if let (Some(name), Some(current)) = (field.take(), item.as_mut()) {
                        apply_field(current, &name, text.trim());
                    }
                }
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !root_seen {
        return Err(NessusError::NotNessus {
            offset: 0,
            root: String::new(),
        });
    }
    Ok(count)
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn start_item(e: &BytesStart<'_>, host: &str, offset: u64) -> Result<Item, NessusError> {
    let need = |attribute: &'static str| {
        attr(e, attribute).ok_or(NessusError::MissingAttribute { offset, attribute })
    };
    let plugin = need("pluginID")?;
    let port = need("port")?;
    let protocol = attr(e, "protocol").unwrap_or_else(|| "tcp".into());
    let severity = attr(e, "severity").and_then(|s| match s.trim() {
        "0" => Some(Severity::Info),
        "1" => Some(Severity::Low),
        "2" => Some(Severity::Medium),
        "3" => Some(Severity::High),
        "4" => Some(Severity::Critical),
        _ => None,
    });
    Ok(Item {
        key: Some(IdentityKey {
            source: "nessus".into(),
            rule: plugin,
            location: format!("{host}:{protocol}/{port}"),
        }),
        title: attr(e, "pluginName").unwrap_or_default(),
        severity,
        ..Item::default()
    })
}

fn apply_field(item: &mut Item, name: &str, value: &str) {
    match name {
        "cve" if !value.is_empty() => item.cves.push(value.to_ascii_uppercase()),
        "cvss3_base_score" => {
            item.cvss = value
                .parse()
                .ok()
                .filter(|s: &f64| (0.0..=10.0).contains(s))
        }
        "cvss_base_score" if item.cvss.is_none() => {
            item.cvss = value
                .parse()
                .ok()
                .filter(|s: &f64| (0.0..=10.0).contains(s))
        }
        "plugin_name" if item.title.is_empty() => item.title = value.to_owned(),
        _ => {}
    }
}

fn finish(mut item: Item) -> Finding {
    item.cves.sort();
    item.cves.dedup();
    let severity = item
        .severity
        .or_else(|| item.cvss.and_then(Severity::from_cvss))
        .unwrap_or(Severity::Info);
    Finding {
        key: item.key.unwrap_or_else(|| IdentityKey {
            source: "nessus".into(),
            rule: String::new(),
            location: String::new(),
        }),
        title: item.title,
        severity,
        cves: item.cves,
        cvss: item.cvss,
    }
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    let mut i = max.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
