//! Opening inputs (files, directories, gzip, standard input) and turning each into a
//! stream of records and malformed-line reports.

use super::detect_format::{Format, Parser, detect, json_value};
use super::evtx::{EvtxData, EvtxItem, EvtxStream, is_evtx};
use super::syslog::SyslogParser;
use super::{LogEvent, Source};
use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input (named `-` on the command line).
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Input {
    /// The name used in reports.
    pub fn name(&self) -> Arc<str> {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::File(p) => p.display().to_string().into(),
        }
    }
}

/// Expands the command-line paths: `-` is standard input, directories are walked
/// recursively in name order (hidden entries skipped), files are taken as given.
pub fn expand_inputs(paths: &[PathBuf]) -> io::Result<Vec<Input>> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Input::Stdin);
        } else if path.is_dir() {
            walk(path, &mut out)?;
        } else if path.exists() {
            out.push(Input::File(path.clone()));
        } else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no such file or directory", path.display()),
            ));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<Input>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .collect::<io::Result<Vec<_>>>()?
        .into_iter()
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(Input::File(path));
        }
    }
    Ok(())
}

/// Opens an input for reading, decompressing gzip when the first bytes are its magic.
pub fn open_input(input: &Input) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::File(p) => Box::new(File::open(p)?),
    };
    let mut reader = BufReader::with_capacity(256 * 1024, raw);
    let head = reader.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(reader);
        return Ok(Box::new(BufReader::with_capacity(256 * 1024, gz)));
    }
    Ok(Box::new(reader))
}

/// An event with where it came from.
#[derive(Debug, Clone)]
pub struct Record {
    /// The event.
    pub event: LogEvent,
    /// Its Sigma log source.
    pub source: Source,
    /// The input it was read from.
    pub file: Arc<str>,
    /// Its (first) line number, from 1; for an EVTX file, the event record id.
    pub line: u64,
}

/// A line (or document) that could not be read as an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The input.
    pub file: Arc<str>,
    /// The line number, from 1 (0 when the whole input is concerned).
    pub line: u64,
    /// Why it was refused.
    pub reason: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// What one pull from a stream gave.
#[derive(Debug)]
pub enum Pulled {
    /// An event.
    Record(Record),
    /// A line that is not an event.
    Malformed(Malformed),
    /// Following: no complete line yet.
    Pending,
    /// The input is exhausted.
    End,
}

enum Mode {
    Undetected(Format),
    Lines(Parser),
    Document(Document),
    Evtx(Box<EvtxStream>),
    Done,
}

/// A JSON document being read value by value.
struct Document {
    text: String,
    pos: usize,
    line: u64,
    windows: bool,
    queue: VecDeque<(serde_json::Value, u64)>,
}

/// Lines tried for auto-detection before a file is given up.
const DETECT_LINES: u64 = 5;

/// Reads one input as a stream of records.
pub struct FileStream {
    name: Arc<str>,
    /// The file, when the input is one (an EVTX file is then read by seeking).
    path: Option<PathBuf>,
    reader: Box<dyn BufRead + Send>,
    mode: Mode,
    line_no: u64,
    buf: Vec<u8>,
    follow: bool,
    syslog: SyslogParser,
    bytes: u64,
}

impl FileStream {
    /// Opens `input`; `follow` keeps reading at its end, as `tail -f` does.
    pub fn open(
        input: &Input,
        format: Format,
        follow: bool,
        syslog: SyslogParser,
    ) -> io::Result<FileStream> {
        Ok(FileStream {
            name: input.name(),
            path: match input {
                Input::File(p) => Some(p.clone()),
                Input::Stdin => None,
            },
            reader: open_input(input)?,
            mode: Mode::Undetected(format),
            line_no: 0,
            buf: Vec::new(),
            follow,
            syslog,
            bytes: 0,
        })
    }

    /// Builds a stream over an in-memory reader (tests, benches).
    pub fn from_reader(
        name: &str,
        reader: Box<dyn BufRead + Send>,
        format: Format,
        syslog: SyslogParser,
    ) -> FileStream {
        FileStream {
            name: name.into(),
            path: None,
            reader,
            mode: Mode::Undetected(format),
            line_no: 0,
            buf: Vec::new(),
            follow: false,
            syslog,
            bytes: 0,
        }
    }

    /// The input's name.
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// Bytes consumed so far (decompressed).
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    fn malformed(&self, line: u64, reason: String) -> Pulled {
        Pulled::Malformed(Malformed {
            file: self.name.clone(),
            line,
            reason,
        })
    }

    /// Reads the next complete line into `self.buf` (without its line ending).
    /// `Ok(false)` at the end (or, when following, when no complete line is there yet).
    fn next_line(&mut self) -> io::Result<bool> {
        loop {
            let had = self.buf.len();
            let n = self.reader.read_until(b'\n', &mut self.buf)?;
            self.bytes += n as u64;
            if n == 0 && had == 0 {
                return Ok(false);
            }
            if self.buf.last() == Some(&b'\n') || (n == 0 && !self.follow) {
                if self.buf.last() == Some(&b'\n') {
                    self.buf.pop();
                }
                if self.buf.last() == Some(&b'\r') {
                    self.buf.pop();
                }
                self.line_no += 1;
                return Ok(true);
            }
            if n == 0 {
                // Following: keep the partial line until its end is written.
                return Ok(false);
            }
        }
    }

    /// The next record, malformed line, or end.
    pub fn pull(&mut self) -> Pulled {
        loop {
            match &mut self.mode {
                Mode::Done => return Pulled::End,
                Mode::Document(doc) => return next_value(doc, &self.name),
                Mode::Evtx(stream) => return next_evtx(stream),
                Mode::Undetected(format @ (Format::Auto | Format::Evtx)) if self.bytes == 0 => {
                    let format = *format;
                    if let Some(pulled) = self.start_evtx(format) {
                        return pulled;
                    }
                    if matches!(self.mode, Mode::Evtx(_)) {
                        continue;
                    }
                }
                _ => {}
            }
            match self.next_line() {
                Err(e) => {
                    self.mode = Mode::Done;
                    return self.malformed(self.line_no + 1, format!("read error: {e}"));
                }
                Ok(false) if self.follow => return Pulled::Pending,
                Ok(false) => {
                    self.mode = Mode::Done;
                    return Pulled::End;
                }
                Ok(true) => {}
            }
            // The validating fast path first; invalid bytes become U+FFFD rather than
            // losing the line.
            let line = match std::str::from_utf8(&self.buf) {
                Ok(s) => s.to_owned(),
                Err(_) => String::from_utf8_lossy(&self.buf).into_owned(),
            };
            self.buf.clear();
            if line.trim().is_empty() {
                continue;
            }
            let parser = match &self.mode {
                Mode::Lines(p) => *p,
                Mode::Undetected(format) => match detect(*format, &line, self.syslog) {
                    Some(p) => p,
                    // A header or a damaged first line should not lose the file: try the
                    // next few lines before giving up on it.
                    None if self.line_no < DETECT_LINES => {
                        let reason = "format not recognised, trying the next line".to_owned();
                        return self.malformed(self.line_no, reason);
                    }
                    None => {
                        self.mode = Mode::Done;
                        let reason = "format not recognised (use --format)".to_owned();
                        return self.malformed(self.line_no, reason);
                    }
                },
                Mode::Document(_) | Mode::Evtx(_) | Mode::Done => unreachable!("handled above"),
            };
            if let Parser::JsonDocument { windows } = parser {
                match self.start_document(line, windows) {
                    Ok(()) => continue,
                    Err(e) => return self.malformed(self.line_no, format!("read error: {e}")),
                }
            }
            self.mode = Mode::Lines(parser);
            return match parser.parse_line(&line) {
                Ok((event, source)) => Pulled::Record(Record {
                    event,
                    source,
                    file: self.name.clone(),
                    line: self.line_no,
                }),
                Err(reason) => self.malformed(self.line_no, reason),
            };
        }
    }

    /// Switches to EVTX reading when the input starts with its magic; `Some` when that
    /// gave an answer already (an unreadable file, or a forced EVTX format on another file).
    fn start_evtx(&mut self, format: Format) -> Option<Pulled> {
        let head = match self.reader.fill_buf() {
            Ok(h) => h,
            Err(e) => {
                self.mode = Mode::Done;
                return Some(self.malformed(1, format!("read error: {e}")));
            }
        };
        if !is_evtx(head) {
            if format == Format::Evtx {
                self.mode = Mode::Done;
                let reason = "not an EVTX file (its first bytes are not `ElfFile`)".to_owned();
                return Some(self.malformed(0, reason));
            }
            return None;
        }
        let data = match self.path.as_deref().and_then(EvtxData::plain_file) {
            Some(file) => file,
            None => {
                // Standard input or a compressed file: EVTX needs seeking, so hold it.
                let mut all = Vec::new();
                if let Err(e) = self.reader.read_to_end(&mut all) {
                    self.mode = Mode::Done;
                    return Some(self.malformed(0, format!("read error: {e}")));
                }
                self.bytes = all.len() as u64;
                EvtxData::Memory(std::io::Cursor::new(all))
            }
        };
        if let Some(len) = self.path.as_deref().and_then(|p| p.metadata().ok()) {
            self.bytes = len.len();
        }
        match EvtxStream::open(self.name.clone(), data) {
            Ok(stream) => {
                self.mode = Mode::Evtx(Box::new(stream));
                None
            }
            Err(reason) => {
                self.mode = Mode::Done;
                Some(self.malformed(0, reason))
            }
        }
    }

    fn start_document(&mut self, first: String, windows: bool) -> io::Result<()> {
        let mut text = first;
        text.push('\n');
        let mut rest = Vec::new();
        self.reader.read_to_end(&mut rest)?;
        self.bytes += rest.len() as u64;
        text.push_str(&String::from_utf8_lossy(&rest));
        self.mode = Mode::Document(Document {
            text,
            pos: 0,
            line: self.line_no,
            windows,
            queue: VecDeque::new(),
        });
        Ok(())
    }
}

fn count_lines(s: &str) -> u64 {
    memchr::memchr_iter(b'\n', s.as_bytes()).count() as u64
}

fn next_evtx(stream: &mut EvtxStream) -> Pulled {
    match stream.next_item() {
        Some(EvtxItem::Event(event, source, record_id)) => Pulled::Record(Record {
            event,
            source,
            file: stream.name().clone(),
            line: record_id,
        }),
        Some(EvtxItem::Bad(m)) => Pulled::Malformed(m),
        None => Pulled::End,
    }
}

/// The next value of a JSON document; arrays are read element by element.
fn next_value(doc: &mut Document, name: &Arc<str>) -> Pulled {
    loop {
        if let Some((value, line)) = doc.queue.pop_front() {
            return match json_value(value, doc.windows) {
                Ok((event, source)) => Pulled::Record(Record {
                    event,
                    source,
                    file: name.clone(),
                    line,
                }),
                Err(reason) => Pulled::Malformed(Malformed {
                    file: name.clone(),
                    line,
                    reason,
                }),
            };
        }
        let rest = &doc.text[doc.pos..];
        let skipped = rest.len() - rest.trim_start().len();
        doc.line += count_lines(&rest[..skipped]);
        doc.pos += skipped;
        if doc.pos >= doc.text.len() {
            return Pulled::End;
        }
        let rest = &doc.text[doc.pos..];
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
        let start_line = doc.line;
        match stream.next() {
            Some(Ok(value)) => {
                let used = stream.byte_offset();
                doc.line += count_lines(&rest[..used]);
                doc.pos += used;
                match value {
                    serde_json::Value::Array(items) => {
                        doc.queue.extend(items.into_iter().map(|v| (v, start_line)))
                    }
                    v => doc.queue.push_back((v, start_line)),
                }
            }
            Some(Err(e)) => {
                let line = start_line + e.line() as u64 - 1;
                // Resynchronise at the next line that opens a value.
                let first = rest.chars().next().map_or(0, char::len_utf8);
                let after = &rest[first..];
                let skip = after
                    .find("\n{")
                    .or_else(|| after.find("\n["))
                    .map(|i| i + first + 1);
                let used = skip.unwrap_or(rest.len());
                doc.line += count_lines(&rest[..used]);
                doc.pos += used;
                return Pulled::Malformed(Malformed {
                    file: name.clone(),
                    line,
                    reason: format!("invalid JSON: {e}"),
                });
            }
            None => return Pulled::End,
        }
    }
}
