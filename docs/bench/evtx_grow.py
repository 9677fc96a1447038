#!/usr/bin/env python3
"""Builds a large EVTX file for benchmarks from small ones (SigmaHQ's regression files).

Every chunk of the inputs is kept as it is, then its free space is filled with copies of
its own records. A copy keeps the record's BinXML but refers to the template definition of
the original record by its offset in the chunk (as Windows does for every record after the
first of a template) instead of repeating it, so a copy costs only its substitution values.
Nested BinXML values (type 0x21) are rewritten the same way, their sizes corrected. Record ids are renumbered
across the file, chunk and file headers rewritten and every checksum recomputed.

Usage: evtx_grow.py OUT.evtx EVENTS INPUT.evtx...   (stops at the first chunk past EVENTS)
"""

import struct
import sys
import zlib

FILE_HEADER = 4096
CHUNK = 65536
CHUNK_HEADER = 512
RECORD_MAGIC = b"\x2a\x2a\x00\x00"


def chunks_of(path):
    data = open(path, "rb").read()
    for at in range(FILE_HEADER, len(data) - CHUNK + 1, CHUNK):
        chunk = data[at : at + CHUNK]
        if chunk.startswith(b"ElfChnk\x00"):
            yield chunk


def records_of(chunk):
    """(offset, bytes) of each record up to the chunk's free space offset."""
    free = struct.unpack_from("<I", chunk, 48)[0]
    at = CHUNK_HEADER
    while at + 28 <= free and chunk[at : at + 4] == RECORD_MAGIC:
        size = struct.unpack_from("<I", chunk, at + 4)[0]
        if size < 28 or at + size > free:
            break
        yield at, chunk[at : at + size]
        at += size


def stripped(data, base):
    """A BinXML fragment that starts at chunk offset `base`, with its template definition
    (and those of nested fragments) replaced by a reference to where it already is, or
    None for a fragment this tool cannot rewrite."""
    if data[:4] != b"\x0f\x01\x01\x00" or len(data) < 18 or data[4] & 0x1F != 0x0C:
        return None
    def_offset = struct.unpack_from("<I", data, 10)[0]
    values = 14
    if def_offset == base + values:
        values += 24 + struct.unpack_from("<I", data, values + 20)[0]
    if values + 4 > len(data):
        return None
    count = struct.unpack_from("<I", data, values)[0]
    at = values + 4 + 4 * count
    if count > 1024 or at > len(data):
        return None
    descriptors, parts = bytearray(), []
    for i in range(count):
        size, kind = struct.unpack_from("<HB", data, values + 4 + 4 * i)
        value = data[at : at + size]
        if kind == 0x21:
            value = stripped(value, base + at)
            if value is None or len(value) > 0xFFFF:
                return None
        descriptors += struct.pack("<HBB", len(value), kind, 0)
        parts.append(value)
        at += size
    return bytes(data[:14]) + struct.pack("<I", count) + bytes(descriptors) + b"".join(parts) + bytes(data[at:])


def copy_of(offset, record):
    """A copy of the record that refers to its template instead of defining it, or None."""
    body = stripped(record[24:-4], offset + 24)
    if body is None:
        return None
    size = 24 + len(body) + 4
    out = bytearray(record[:24]) + body + struct.pack("<I", size)
    struct.pack_into("<I", out, 4, size)
    return out


def grown(chunk, first_id):
    """The chunk with its free space filled by copies; (bytes, records in it)."""
    originals = list(records_of(chunk))
    copies = [c for c in (copy_of(o, r) for o, r in originals) if c is not None]
    out = bytearray(chunk[: CHUNK_HEADER])
    placed = []
    for _, record in originals:
        placed.append((len(out), bytearray(record)))
        out += record
    while copies:
        record = copies[len(placed) % len(copies)]
        if len(out) + len(record) > CHUNK:
            break
        placed.append((len(out), bytearray(record)))
        out += record
    for n, (at, record) in enumerate(placed):
        struct.pack_into("<Q", out, at + 8, first_id + n)
    free = len(out)
    last = first_id + len(placed) - 1
    struct.pack_into("<QQQQ", out, 8, first_id, last, first_id, last)
    struct.pack_into("<II", out, 44, placed[-1][0], free)
    struct.pack_into("<I", out, 52, zlib.crc32(out[CHUNK_HEADER:free]))
    out += bytes(CHUNK - len(out))
    struct.pack_into("<I", out, 124, zlib.crc32(out[:120] + out[128:CHUNK_HEADER]))
    return bytes(out), len(placed)


def main():
    out_path, wanted, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    sources = [c for p in inputs for c in chunks_of(p) if any(True for _ in records_of(c))]
    if not sources:
        sys.exit("no chunk with records in the inputs")
    chunks, events = [], 0
    while events < wanted and len(chunks) < 0xFFFF:
        chunk, n = grown(sources[len(chunks) % len(sources)], events + 1)
        chunks.append(chunk)
        events += n
    header = bytearray(FILE_HEADER)
    header[:8] = b"ElfFile\x00"
    struct.pack_into("<QQQIHHHH", header, 8, 0, len(chunks) - 1, events + 1, 128, 2, 3, FILE_HEADER, len(chunks))
    struct.pack_into("<I", header, 124, zlib.crc32(header[:120]))
    with open(out_path, "wb") as f:
        f.write(header)
        for c in chunks:
            f.write(c)
    print(f"{out_path}: {len(chunks)} chunks, {events} events")


if __name__ == "__main__":
    main()
