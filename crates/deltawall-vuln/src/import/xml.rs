//! Streaming reader shared by the XML importers: it hands over one record element at a time
//! (a Nessus `ReportItem`, an OpenVAS `result`, a ZAP `alertitem`) with its descendants and
//! the attributes of its ancestors, and keeps nothing between records.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::{ErrorKind, ImportError, Limits, Problem};
use crate::input::Tracked;

/// Longest text kept from one element; longer text (plugin output) is cut.
const MAX_TEXT: usize = 64 * 1024;
/// Largest record kept in memory (texts and attributes together).
const MAX_RECORD: usize = 8 * 1024 * 1024;
/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 256;

/// One element: its name, attributes and (inside a record) its own text.
#[derive(Debug, Default, Clone)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
}

impl Element {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A record and what surrounds it.
pub(crate) struct Record<'a> {
    /// Open elements above the record, outermost first (attributes only).
    pub ancestors: &'a [Element],
    /// The record element.
    pub element: &'a Element,
    /// Descendants in document order, each with its path relative to the record
    /// (`instances/instance/uri`).
    pub fields: &'a [(String, Element)],
}

impl Record<'_> {
    /// Text of the first field at `path`, trimmed; `None` when absent or empty.
    pub(crate) fn text(&self, path: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, e)| e.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// The nearest ancestor called `name`.
    pub(crate) fn ancestor(&self, name: &str) -> Option<&Element> {
        self.ancestors.iter().rev().find(|e| e.name == name)
    }
}

/// What one XML format looks like to the streamer.
pub(crate) struct XmlSpec {
    /// Accepted names of the root element.
    pub roots: &'static [&'static str],
    /// Name of the format for messages.
    pub format: &'static str,
    /// Whether an element with this name, under these ancestors, starts a record.
    pub is_record: fn(&[Element], &str) -> bool,
}

struct Open {
    record_offset: u64,
    element: Element,
    fields: Vec<(String, Element)>,
    /// Index into `fields` of each open descendant, innermost last.
    open: Vec<usize>,
    size: usize,
}

/// Streams `input`, calling `on_record` for each record as it closes.
pub(crate) fn stream<R: BufRead>(
    input: R,
    limits: &Limits,
    spec: &XmlSpec,
    mut on_record: impl FnMut(&Record<'_>) -> Result<(), Problem>,
) -> Result<(), ImportError> {
    let mut reader = Reader::from_reader(Tracked::new(input, limits.max_bytes, true));
    let mut buf = Vec::new();
    let mut ancestors: Vec<Element> = Vec::new();
    let mut record: Option<Open> = None;
    let mut root_seen = false;
    loop {
        let offset = reader.buffer_position() as u64;
        let mark = record.as_ref().map_or(offset, |r| r.record_offset);
        reader.get_mut().mark(mark);
        let fail = |reader: &Reader<Tracked<R>>, at: u64, kind, message: String| {
            let (line, column) = reader.get_ref().position(at);
            ImportError::at(line, column, kind, message)
        };
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                // the start of the construct that failed to parse, which is where to look
                return Err(if reader.get_ref().exceeded() {
                    too_large(limits)
                } else {
                    fail(
                        &reader,
                        offset,
                        ErrorKind::Malformed,
                        format!("malformed xml: {e}"),
                    )
                });
            }
        };
        match event {
            Event::DocType(_) => {
                return Err(fail(
                    &reader,
                    offset,
                    ErrorKind::Doctype,
                    "a document type declaration is not accepted (external entities and \
                     entity expansion are refused)"
                        .into(),
                ));
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let element =
                    element(e).map_err(|m| fail(&reader, offset, ErrorKind::Malformed, m))?;
                if !root_seen {
                    root_seen = true;
                    if !spec.roots.contains(&element.name.as_str()) {
                        let message =
                            format!("not a {} file (root element {})", spec.format, element.name);
                        return Err(fail(&reader, offset, ErrorKind::WrongFormat, message));
                    }
                }
                if ancestors.len() + record.as_ref().map_or(0, |r| r.open.len()) >= MAX_DEPTH {
                    let message = format!("elements nested deeper than {MAX_DEPTH}");
                    return Err(fail(&reader, offset, ErrorKind::TooLarge, message));
                }
                if let Some(open) = record.as_mut() {
                    let size = element.attrs.iter().map(|(k, v)| k.len() + v.len()).sum();
                    grow(open, size).map_err(|m| fail(&reader, offset, ErrorKind::TooLarge, m))?;
                    let path = match open.open.last() {
                        Some(&i) => format!("{}/{}", open.fields[i].0, element.name),
                        None => element.name.clone(),
                    };
                    open.fields.push((path, element));
                    if !empty {
                        open.open.push(open.fields.len() - 1);
                    }
                } else if (spec.is_record)(&ancestors, &element.name) {
                    let open = Open {
                        record_offset: offset,
                        element,
                        fields: Vec::new(),
                        open: Vec::new(),
                        size: 0,
                    };
                    if empty {
                        deliver(&reader, &ancestors, &open, &mut on_record)?;
                    } else {
                        record = Some(open);
                    }
                } else if !empty {
                    ancestors.push(element);
                }
            }
            // text outside records is dropped, but an unknown entity there is still an error:
            // the file is refused whole or read whole
            Event::Text(ref t) if record.is_some() || t.contains(&b'&') => {
                let text = t.unescape().map_err(|e| {
                    fail(
                        &reader,
                        offset,
                        ErrorKind::Malformed,
                        format!("malformed xml: {e}"),
                    )
                })?;
                if let Some(open) = record.as_mut() {
                    push_text(open, &text)
                        .map_err(|m| fail(&reader, offset, ErrorKind::TooLarge, m))?;
                }
            }
            Event::CData(ref t) => {
                if let Some(open) = record.as_mut() {
                    let text = std::str::from_utf8(t).map_err(|e| {
                        fail(
                            &reader,
                            offset,
                            ErrorKind::Malformed,
                            format!("malformed xml: {e}"),
                        )
                    })?;
                    push_text(open, text)
                        .map_err(|m| fail(&reader, offset, ErrorKind::TooLarge, m))?;
                }
            }
            Event::End(_) => match record.as_mut() {
                Some(open) => {
                    if open.open.pop().is_none() {
                        let done = record.take().expect("record is open");
                        deliver(&reader, &ancestors, &done, &mut on_record)?;
                    }
                }
                None => {
                    ancestors.pop();
                }
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !root_seen {
        return Err(ImportError::at(
            1,
            1,
            ErrorKind::WrongFormat,
            format!("not a {} file (no root element)", spec.format),
        ));
    }
    if record.is_some() || !ancestors.is_empty() {
        let at = reader.buffer_position() as u64;
        let (line, column) = reader.get_ref().position(at);
        return Err(ImportError::at(
            line,
            column,
            ErrorKind::Malformed,
            "malformed xml: the file ends before its elements are closed",
        ));
    }
    Ok(())
}

fn too_large(limits: &Limits) -> ImportError {
    ImportError::input(
        ErrorKind::TooLarge,
        format!("larger than the limit of {} bytes", limits.max_bytes),
    )
}

fn deliver<R: BufRead>(
    reader: &Reader<Tracked<R>>,
    ancestors: &[Element],
    open: &Open,
    on_record: &mut impl FnMut(&Record<'_>) -> Result<(), Problem>,
) -> Result<(), ImportError> {
    let record = Record {
        ancestors,
        element: &open.element,
        fields: &open.fields,
    };
    on_record(&record).map_err(|p| {
        let (line, column) = reader.get_ref().position(open.record_offset);
        ImportError::at(line, column, p.kind, p.message)
    })
}

fn element(e: &BytesStart<'_>) -> Result<Element, String> {
    let name = std::str::from_utf8(e.name().as_ref())
        .map_err(|err| format!("malformed xml: {err}"))?
        .to_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("malformed xml: {err}"))?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .unescape_value()
            .map_err(|err| format!("malformed xml: {err}"))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        text: String::new(),
    })
}

fn grow(open: &mut Open, size: usize) -> Result<(), String> {
    open.size += size;
    if open.size > MAX_RECORD {
        return Err(format!("one record is larger than {MAX_RECORD} bytes"));
    }
    Ok(())
}

fn push_text(open: &mut Open, text: &str) -> Result<(), String> {
    let target = match open.open.last() {
        Some(&i) => &mut open.fields[i].1.text,
        None => &mut open.element.text,
    };
    let room = MAX_TEXT.saturating_sub(target.len());
    if room == 0 {
        return Ok(());
    }
    let mut cut = text.len().min(room);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    target.push_str(&text[..cut]);
    grow(open, cut)
}
