//! A reader wrapper that enforces the size bound and turns byte offsets into lines and columns
//! without keeping the input: it remembers only the line breaks after a mark the parser moves
//! forward, so memory stays bounded by the largest record rather than the file.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

/// Wraps the input of an importer.
pub(crate) struct Tracked<R> {
    inner: R,
    consumed: u64,
    limit: u64,
    exceeded: bool,
    track_lines: bool,
    /// Line breaks before `mark`, counted and forgotten.
    lines_before_mark: u64,
    /// Offset just after the last forgotten line break (start of its line).
    line_start_before_mark: u64,
    mark: u64,
    /// Offsets of line breaks at or after `mark`.
    newlines: VecDeque<u64>,
}

impl<R: BufRead> Tracked<R> {
    /// `track_lines` is off for JSON, whose parser counts lines itself.
    pub(crate) fn new(inner: R, limit: u64, track_lines: bool) -> Self {
        Self {
            inner,
            consumed: 0,
            limit,
            exceeded: false,
            track_lines,
            lines_before_mark: 0,
            line_start_before_mark: 0,
            mark: 0,
            newlines: VecDeque::new(),
        }
    }

    /// Whether reading stopped because the input passed the size bound.
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded
    }

    /// Promises that no position before `offset` will be asked for again.
    pub(crate) fn mark(&mut self, offset: u64) {
        if offset <= self.mark {
            return;
        }
        self.mark = offset;
        while let Some(&nl) = self.newlines.front() {
            if nl >= offset {
                break;
            }
            self.newlines.pop_front();
            self.lines_before_mark += 1;
            self.line_start_before_mark = nl + 1;
        }
    }

    /// Line and byte column (both 1-based) of a byte offset at or after the mark; an earlier
    /// offset is reported at the mark.
    pub(crate) fn position(&self, offset: u64) -> (u64, u64) {
        let offset = offset.max(self.mark);
        let before = self.newlines.partition_point(|&nl| nl < offset);
        let line_start = match before {
            0 => self.line_start_before_mark,
            n => self.newlines[n - 1] + 1,
        };
        (
            self.lines_before_mark + before as u64 + 1,
            offset - line_start + 1,
        )
    }
}

impl<R: BufRead> Read for Tracked<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tracked<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let remaining = self.limit.saturating_sub(self.consumed);
        let buf = self.inner.fill_buf()?;
        if remaining == 0 && !buf.is_empty() {
            self.exceeded = true;
            return Err(io::Error::other("input larger than the size limit"));
        }
        let n = buf
            .len()
            .min(usize::try_from(remaining).unwrap_or(usize::MAX));
        Ok(&buf[..n])
    }

    fn consume(&mut self, amt: usize) {
        if self.track_lines
            && let Ok(buf) = self.inner.fill_buf()
        {
            let start = self.consumed;
            for (i, _) in buf[..amt.min(buf.len())]
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
            {
                self.newlines.push_back(start + i as u64);
            }
        }
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}
