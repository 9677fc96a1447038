//! Windows `.evtx` files, read with the `evtx` crate and turned into the same JSON layout
//! as `evtx_dump -o json` (`Event.System`, `Event.EventData`), which the Windows JSON
//! reader then flattens: an event has the same field names from either file.
//!
//! A file is read chunk by chunk (64 KiB each), so memory stays at one chunk's events
//! whatever the file's size when it is a plain file. A chunk that cannot be parsed is
//! reported with its number and byte offset and the next chunk is read; a record that
//! cannot be parsed is reported with its record id and chunk.

use super::detect_format::json_value;
use super::evtx_check::{ChunkProblem, check_chunk};
use super::reader::Malformed;
use super::{LogEvent, Source};
use evtx::{EvtxChunkData, EvtxParser, ParserSettings};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

/// The first eight bytes of every EVTX file.
pub const EVTX_MAGIC: &[u8; 8] = b"ElfFile\0";

/// Size of the file header before the first chunk.
const FILE_HEADER_SIZE: u64 = 4096;
/// Size of one chunk.
const CHUNK_SIZE: u64 = 65536;
/// Most records a chunk can hold: its data after the 512-byte header, over the smallest
/// record (a 24-byte header and a 4-byte trailing size).
const MAX_RECORDS_PER_CHUNK: usize = (65536 - 512) / 28 + 1;

/// Whether `head` (the first bytes of an input) starts like an EVTX file.
pub fn is_evtx(head: &[u8]) -> bool {
    head.starts_with(EVTX_MAGIC)
}

/// The bytes an EVTX file is read from: the file itself (seekable) or, for standard
/// input and compressed files, its whole content in memory.
pub(crate) enum EvtxData {
    File(File),
    Memory(Cursor<Vec<u8>>),
}

impl Read for EvtxData {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            EvtxData::File(f) => f.read(buf),
            EvtxData::Memory(c) => c.read(buf),
        }
    }
}

impl Seek for EvtxData {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            EvtxData::File(f) => f.seek(pos),
            EvtxData::Memory(c) => c.seek(pos),
        }
    }
}

impl EvtxData {
    /// The file at `path` when its own first bytes are the EVTX magic (so not compressed).
    pub(crate) fn plain_file(path: &Path) -> Option<EvtxData> {
        // Only a regular file can be opened twice and sought (not a pipe or a device).
        if !std::fs::metadata(path).ok()?.is_file() {
            return None;
        }
        let mut file = File::open(path).ok()?;
        let mut head = [0u8; 8];
        file.read_exact(&mut head).ok()?;
        file.seek(SeekFrom::Start(0)).ok()?;
        is_evtx(&head).then_some(EvtxData::File(file))
    }
}

/// One item read from an EVTX file.
#[derive(Debug)]
pub(crate) enum EvtxItem {
    /// An event with its record id.
    Event(LogEvent, Source, u64),
    /// A chunk or record that could not be read.
    Bad(Malformed),
}

/// Reads an EVTX file chunk by chunk.
pub(crate) struct EvtxStream {
    name: Arc<str>,
    parser: EvtxParser<EvtxData>,
    settings: Arc<ParserSettings>,
    next_chunk: u64,
    queue: VecDeque<EvtxItem>,
    done: bool,
}

impl EvtxStream {
    /// Opens the stream; an error when the file header itself cannot be read.
    pub(crate) fn open(name: Arc<str>, data: EvtxData) -> Result<EvtxStream, String> {
        // One thread: the scan pipeline already reads inputs on their own thread, and the
        // engine threads need the other cores.
        let settings = ParserSettings::new().num_threads(1);
        let parser = EvtxParser::from_read_seek(data)
            .map_err(|e| format!("not a readable EVTX file: {}", error_chain(&e)))?
            .with_configuration(settings.clone());
        Ok(EvtxStream {
            name,
            parser,
            settings: Arc::new(settings),
            next_chunk: 0,
            queue: VecDeque::new(),
            done: false,
        })
    }

    /// The input's name.
    pub(crate) fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// The next event or report, `None` at the end of the file.
    pub(crate) fn next_item(&mut self) -> Option<EvtxItem> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            self.read_chunk();
        }
    }

    fn bad(&self, line: u64, reason: String) -> EvtxItem {
        EvtxItem::Bad(Malformed {
            file: self.name.clone(),
            line,
            reason,
        })
    }

    /// Reads the next non-empty chunk into the queue, or marks the end.
    fn read_chunk(&mut self) {
        let Some((chunk, number)) = self.parser.find_next_chunk(self.next_chunk) else {
            self.done = true;
            return;
        };
        self.next_chunk = number.saturating_add(1);
        if self.next_chunk == u64::MAX {
            self.done = true;
        }
        let offset = FILE_HEADER_SIZE + number.saturating_mul(CHUNK_SIZE);
        let mut chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                let reason = format!(
                    "evtx chunk {number} at byte offset {offset} skipped: {}",
                    error_chain(&e)
                );
                let item = self.bad(0, reason);
                self.queue.push_back(item);
                return;
            }
        };
        if !chunk.validate_checksum() {
            let reason = format!(
                "evtx chunk {number} at byte offset {offset}: checksum mismatch, its records are read as found"
            );
            let item = self.bad(0, reason);
            self.queue.push_back(item);
        }
        if let Some(table) = looping_table(&chunk.data) {
            let reason = format!(
                "evtx chunk {number} at byte offset {offset} skipped: its {table} table loops"
            );
            let item = self.bad(0, reason);
            self.queue.push_back(item);
            return;
        }
        if !self.bound(&mut chunk, number, offset) {
            return;
        }
        let mut parsed = match chunk.parse(Arc::clone(&self.settings)) {
            Ok(p) => p,
            Err(e) => {
                let reason = format!(
                    "evtx chunk {number} at byte offset {offset} skipped: {}",
                    error_chain(&e)
                );
                let item = self.bad(0, reason);
                self.queue.push_back(item);
                return;
            }
        };
        let mut items = Vec::new();
        for record in parsed.iter() {
            // A damaged record size can leave the parser on the same bytes for ever: no
            // chunk holds more records than fit in it.
            if items.len() >= MAX_RECORDS_PER_CHUNK {
                items.push(self.bad(
                    0,
                    format!(
                        "evtx chunk {number} at byte offset {offset}: more records than a chunk can hold, the rest of it skipped"
                    ),
                ));
                break;
            }
            let value = match record {
                Ok(r) => r.into_json_value(),
                Err(e) => Err(e),
            };
            items.push(match value {
                Ok(mut r) => match json_value(trim_strings(&mut r.data), true) {
                    Ok((event, source)) => EvtxItem::Event(event, source, r.event_record_id),
                    Err(reason) => self.bad(r.event_record_id, reason),
                },
                Err(e) => self.bad(
                    0,
                    format!(
                        "evtx chunk {number} at byte offset {offset}: record unreadable: {}",
                        error_chain(&e)
                    ),
                ),
            });
        }
        self.queue.extend(items);
    }
}

impl EvtxStream {
    /// Checks the chunk before `evtx` parses it (see `evtx_check`): a bad header skips the
    /// chunk, a bad record ends the chunk's records before it; each is reported. Whether
    /// anything of the chunk is left to parse.
    fn bound(&mut self, chunk: &mut EvtxChunkData, number: u64, offset: u64) -> bool {
        let (reason, keep) = match check_chunk(&chunk.data) {
            Ok(()) => return true,
            Err(ChunkProblem::Header(why)) => (
                format!("evtx chunk {number} at byte offset {offset} skipped: {why}"),
                false,
            ),
            Err(ChunkProblem::Record { offset: at, reason }) => {
                // `at` is at most the chunk's size, so it fits.
                chunk.header.free_space_offset = at as u32;
                let record = offset + at as u64;
                (
                    format!(
                        "evtx chunk {number} at byte offset {offset}: record at byte offset {record} refused ({reason}), the rest of the chunk skipped"
                    ),
                    true,
                )
            }
        };
        let item = self.bad(0, reason);
        self.queue.push_back(item);
        keep
    }
}

/// The chunk's string table (64 buckets at byte 128) and template table (32 at byte 384)
/// are chains of entries, each starting with the offset of the next. `evtx` 0.8.2 follows
/// them without looking for a cycle, so a damaged chunk would hold it for ever: name the
/// table whose chain comes back on itself.
fn looping_table(data: &[u8]) -> Option<&'static str> {
    let u32_at = |at: usize| -> Option<u32> {
        let b = data.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    for (name, start, buckets) in [("string", 128, 64), ("template", 384, 32)] {
        for bucket in 0..buckets {
            let mut at = u32_at(start + 4 * bucket)?;
            let mut seen = std::collections::HashSet::new();
            while at != 0 {
                if !seen.insert(at) {
                    return Some(name);
                }
                match u32_at(at as usize) {
                    Some(next) => at = next,
                    // Out of the chunk: `evtx` reports that itself.
                    None => break,
                }
            }
        }
    }
    None
}

/// Trims the text values of a record, in place: `evtx_dump`'s JSON (SigmaHQ's regression
/// events, and what Sigma rules are tested against) has no leading or trailing blanks, while
/// the binary record may keep them (`"powershell.exe" ` as a parent command line).
fn trim_strings(value: &mut serde_json::Value) -> serde_json::Value {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => {
                let trimmed = s.trim();
                if trimmed.len() != s.len() {
                    *s = trimmed.to_owned();
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            serde_json::Value::Object(map) => map.values_mut().for_each(walk),
            _ => {}
        }
    }
    walk(value);
    value.take()
}

/// An error with its causes, `a: b: c`, lowercased at the start as our messages are.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    let mut chars = out.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic() {
        assert!(is_evtx(b"ElfFile\0rest"));
        assert!(!is_evtx(b"ElfFile"));
        assert!(!is_evtx(b"{\"Event\""));
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        let mut data = EVTX_MAGIC.to_vec();
        data.extend([0u8; 100]);
        let err = EvtxStream::open("x".into(), EvtxData::Memory(Cursor::new(data)))
            .err()
            .unwrap();
        assert!(err.starts_with("not a readable EVTX file"), "{err}");
    }
}
