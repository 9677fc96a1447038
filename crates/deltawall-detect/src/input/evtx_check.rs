//! Checks an EVTX chunk's structure before the `evtx` crate parses it, so that what the
//! crate is given is bounded by the chunk: `evtx` 0.8.2 trusts sizes and counts read from
//! the file (a record size under its own header underflows, a substitution count reserves
//! memory for billions of values, a nested fragment is read past its value), and a damaged
//! chunk could take gigabytes or the process.
//!
//! What is checked is what every chunk written by the Windows event log service has: the
//! chunk header's sizes and table offsets inside the chunk; records laid end to end up to
//! the free space offset, each with its signature, a size that holds a header and its
//! trailing copy, and that copy equal to the size; each record's BinXML a fragment header
//! and a template instance whose definition and substitution values lie inside the record
//! (nested BinXML values likewise, to a small depth). The records before the first bad one
//! are kept; the rest of the chunk is skipped and reported with the bad record's offset.

/// Size of a chunk.
const CHUNK_SIZE: usize = 65536;
/// Size of a chunk's header (with its string and template tables).
const CHUNK_HEADER: usize = 512;
/// A record's header: signature, size, record id, time.
const RECORD_HEADER: usize = 24;
/// The copy of a record's size after its data.
const RECORD_TRAILER: usize = 4;
/// Signature of an event record.
const RECORD_MAGIC: [u8; 4] = [0x2a, 0x2a, 0x00, 0x00];
/// A BinXML fragment header (start of stream, version 1.1, no flags).
const FRAGMENT_HEADER: [u8; 4] = [0x0f, 0x01, 0x01, 0x00];
/// The template instance token.
const TEMPLATE_INSTANCE: u8 = 0x0c;
/// Size of a template definition's header (next offset, GUID, data size).
const TEMPLATE_DEFINITION_HEADER: usize = 24;
/// BinXML nested in a substitution value.
const NESTED_BINXML: u8 = 0x21;
/// How deep BinXML values may nest: Windows nests one level (event data in an event).
const MAX_NESTING: usize = 4;

/// What is wrong with a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChunkProblem {
    /// The chunk header itself: nothing in the chunk can be trusted.
    Header(String),
    /// A record at this offset in the chunk, and why; the records before it are sound.
    /// The records before it end there, so it is also the chunk's new free space offset.
    Record {
        /// Offset of the bad record from the start of the chunk.
        offset: usize,
        /// Why the record was refused.
        reason: String,
    },
}

/// Checks a whole chunk (`data` is its 64 KiB).
pub(crate) fn check_chunk(data: &[u8]) -> Result<(), ChunkProblem> {
    let free = free_space(data).map_err(ChunkProblem::Header)?;
    let mut at = CHUNK_HEADER;
    while at < free {
        if let Err(reason) = record(data, at, free) {
            return Err(ChunkProblem::Record { offset: at, reason });
        }
        at += u32_at(data, at + 4).unwrap_or(0) as usize;
    }
    Ok(())
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// The chunk's free space offset, or what is wrong with its header.
fn free_space(data: &[u8]) -> Result<usize, String> {
    if data.len() != CHUNK_SIZE {
        return Err(format!("chunk of {} bytes, not {CHUNK_SIZE}", data.len()));
    }
    let header_size = u32_at(data, 40).unwrap_or(0);
    if header_size != 128 {
        return Err(format!("header size {header_size}, not 128"));
    }
    let free = u32_at(data, 48).unwrap_or(0) as usize;
    if !(CHUNK_HEADER..=CHUNK_SIZE).contains(&free) {
        return Err(format!(
            "free space offset {free} outside the chunk's records"
        ));
    }
    // 64 string buckets at 128 and 32 template buckets at 384, each an offset or 0.
    for slot in 0..96 {
        let offset = u32_at(data, 128 + 4 * slot).unwrap_or(0) as usize;
        if offset != 0 && !(CHUNK_HEADER..CHUNK_SIZE).contains(&offset) {
            return Err(format!(
                "table entry {slot} points outside the chunk ({offset})"
            ));
        }
    }
    Ok(free)
}

/// Checks the record at `at`, which must end by `free`.
fn record(data: &[u8], at: usize, free: usize) -> Result<(), String> {
    if data.get(at..at + 4) != Some(&RECORD_MAGIC[..]) {
        return Err("no record signature".into());
    }
    let size = u32_at(data, at + 4).ok_or("record header cut short")? as usize;
    let smallest = RECORD_HEADER + FRAGMENT_HEADER.len() + 14 + RECORD_TRAILER;
    if size < smallest {
        return Err(format!(
            "record size {size} below the smallest record ({smallest})"
        ));
    }
    let end = at.checked_add(size).filter(|&e| e <= free).ok_or_else(|| {
        format!("record size {size} runs past the chunk's records (they end at {free})")
    })?;
    let copy = u32_at(data, end - RECORD_TRAILER).unwrap_or(0) as usize;
    if copy != size {
        return Err(format!(
            "record size {size} but its trailing copy says {copy}"
        ));
    }
    fragment(data, at + RECORD_HEADER, end - RECORD_TRAILER, 0)
}

/// Checks a BinXML fragment in `data[start..end]`: a template instance whose definition
/// (when inline) and substitution values fit, nested fragments likewise.
fn fragment(data: &[u8], start: usize, end: usize, depth: usize) -> Result<(), String> {
    if depth > MAX_NESTING {
        return Err(format!("BinXML nested deeper than {MAX_NESTING} levels"));
    }
    let at = |n: usize| format!("at byte {} of the chunk", start + n);
    if end < start + 14 || data.get(start..start + 4) != Some(&FRAGMENT_HEADER[..]) {
        return Err(format!("no BinXML fragment header {}", at(0)));
    }
    if data[start + 4] != TEMPLATE_INSTANCE {
        return Err(format!("no template instance {}", at(4)));
    }
    let definition = u32_at(data, start + 10).unwrap_or(0) as usize;
    let mut pos = start + 14;
    let definition_size = definition
        .checked_add(TEMPLATE_DEFINITION_HEADER)
        .and_then(|h| Some(h + u32_at(data, h - 4)? as usize))
        .filter(|&e| definition >= CHUNK_HEADER && e <= CHUNK_SIZE)
        .map(|e| e - definition)
        .ok_or_else(|| {
            format!(
                "template definition {definition} outside the chunk {}",
                at(10)
            )
        })?;
    if definition == pos {
        pos += definition_size;
    }
    let count = pos
        .checked_add(4)
        .filter(|&p| p <= end)
        .and_then(|_| u32_at(data, pos))
        .ok_or_else(|| format!("substitution count past the record {}", at(pos - start)))?
        as usize;
    let mut value = pos + 4;
    if count > (end - value) / 4 {
        return Err(format!(
            "{count} substitutions cannot fit in the record {}",
            at(pos - start)
        ));
    }
    value += 4 * count;
    for i in 0..count {
        let descriptor = pos + 4 + 4 * i;
        let size = u16_at(data, descriptor).unwrap_or(0) as usize;
        if value + size > end {
            return Err(format!(
                "substitution {i} of {size} bytes runs past the record {}",
                at(descriptor - start)
            ));
        }
        if data[descriptor + 2] == NESTED_BINXML {
            fragment(data, value, value + size, depth + 1)?;
        }
        value += size;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the test chunks' template definition lies (past their records, as a
    /// definition an earlier, overwritten record held would).
    const DEFINITION: usize = 60000;

    /// A chunk holding one record whose template instance refers to the definition.
    fn chunk(values: &[(u8, &[u8])]) -> Vec<u8> {
        let mut data = vec![0u8; CHUNK_SIZE];
        data[..8].copy_from_slice(b"ElfChnk\0");
        data[40..44].copy_from_slice(&128u32.to_le_bytes());
        // A definition of 8 bytes (its header says so) and the record at the start.
        data[DEFINITION + 20..DEFINITION + 24].copy_from_slice(&8u32.to_le_bytes());
        let at = CHUNK_HEADER;
        let mut body = FRAGMENT_HEADER.to_vec();
        body.extend([TEMPLATE_INSTANCE, 1, 0, 0, 0, 0]);
        body.extend((DEFINITION as u32).to_le_bytes());
        body.extend((values.len() as u32).to_le_bytes());
        for (kind, v) in values {
            body.extend((v.len() as u16).to_le_bytes());
            body.extend([*kind, 0]);
        }
        for (_, v) in values {
            body.extend(*v);
        }
        let size = (RECORD_HEADER + body.len() + RECORD_TRAILER) as u32;
        let mut record = RECORD_MAGIC.to_vec();
        record.extend(size.to_le_bytes());
        record.extend([0u8; 16]);
        record.extend(body);
        record.extend(size.to_le_bytes());
        data[at..at + record.len()].copy_from_slice(&record);
        let free = (at + record.len()) as u32;
        data[48..52].copy_from_slice(&free.to_le_bytes());
        data
    }

    #[test]
    fn a_sound_record_passes() {
        assert_eq!(check_chunk(&chunk(&[(1, b"a\0"), (8, b"1234")])), Ok(()));
    }

    #[test]
    fn a_count_past_the_record_is_refused_with_its_offset() {
        let mut data = chunk(&[(1, b"a\0")]);
        // The count sits after the fragment header and the instance's 10 bytes.
        let count_at = CHUNK_HEADER + RECORD_HEADER + 14;
        data[count_at..count_at + 4].copy_from_slice(&0x4000_0000u32.to_le_bytes());
        let Err(ChunkProblem::Record { offset, reason }) = check_chunk(&data) else {
            panic!("accepted");
        };
        assert_eq!(offset, CHUNK_HEADER);
        assert!(reason.contains("1073741824 substitutions"), "{reason}");
        assert!(reason.contains(&format!("at byte {count_at}")), "{reason}");
    }

    #[test]
    fn a_value_past_the_record_is_refused() {
        let mut data = chunk(&[(1, b"a\0")]);
        let size_at = CHUNK_HEADER + RECORD_HEADER + 18;
        data[size_at..size_at + 2].copy_from_slice(&400u16.to_le_bytes());
        let err = check_chunk(&data).unwrap_err();
        assert!(
            format!("{err:?}").contains("substitution 0 of 400 bytes"),
            "{err:?}"
        );
    }

    #[test]
    fn record_sizes_must_hold_a_record_and_agree_with_their_copy() {
        let mut small = chunk(&[]);
        small[516..520].copy_from_slice(&20u32.to_le_bytes());
        assert!(format!("{:?}", check_chunk(&small)).contains("below the smallest"));
        let mut long = chunk(&[]);
        long[516..520].copy_from_slice(&60000u32.to_le_bytes());
        assert!(format!("{:?}", check_chunk(&long)).contains("runs past"));
        let mut copy = chunk(&[(1, b"a\0")]);
        let free = u32_at(&copy, 48).unwrap() as usize;
        copy[free - 4] ^= 1;
        assert!(format!("{:?}", check_chunk(&copy)).contains("trailing copy"));
    }

    #[test]
    fn nested_binxml_is_checked_to_a_depth() {
        let mut inner = FRAGMENT_HEADER.to_vec();
        inner.extend([TEMPLATE_INSTANCE, 1, 0, 0, 0, 0]);
        inner.extend((DEFINITION as u32).to_le_bytes());
        inner.extend(0u32.to_le_bytes());
        assert_eq!(check_chunk(&chunk(&[(NESTED_BINXML, &inner)])), Ok(()));
        inner[14] = 9;
        let err = check_chunk(&chunk(&[(NESTED_BINXML, &inner)])).unwrap_err();
        assert!(format!("{err:?}").contains("9 substitutions"), "{err:?}");
    }

    #[test]
    fn header_sizes_and_tables_stay_in_the_chunk() {
        let mut data = chunk(&[]);
        data[48..52].copy_from_slice(&70000u32.to_le_bytes());
        assert!(matches!(check_chunk(&data), Err(ChunkProblem::Header(_))));
        let mut table = chunk(&[]);
        table[384..388].copy_from_slice(&100u32.to_le_bytes());
        assert!(matches!(check_chunk(&table), Err(ChunkProblem::Header(_))));
        assert!(matches!(
            check_chunk(&[0u8; 100]),
            Err(ChunkProblem::Header(_))
        ));
    }
}
