//! The spool of `scan --send`: every alert is appended to a journal file before it is
//! printed; a journal is sealed into a batch file (fsync, then an atomic rename) when it
//! holds a batch's worth or is a second old; a batch file is removed only after the
//! platform answered 202 for it. A run that dies leaves its journal and batches behind, and
//! the next run seals and sends them first, so no printed alert is lost. Batch names sort
//! in the order they were sealed.
//!
//! One scan uses a spool directory at a time: a `lock` file holds the owner's process id,
//! and a lock whose process is gone (read from `/proc`) is taken over.

use anyhow::{Context, bail};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const JOURNAL: &str = "journal.jsonl";
const LOCK: &str = "lock";

/// A spool directory owned by this process.
pub struct Spool {
    dir: PathBuf,
    journal: Option<File>,
    lines: usize,
    opened_at: Instant,
    seq: u64,
}

/// Whether the process that wrote a lock file is still running.
fn holder_alive(lock: &Path) -> bool {
    let Ok(text) = fs::read_to_string(lock) else {
        return false;
    };
    match text.trim().parse::<u32>() {
        Ok(pid) => Path::new(&format!("/proc/{pid}")).exists(),
        Err(_) => false,
    }
}

impl Spool {
    /// Opens (creating) the spool in `dir` and seals a journal an earlier run left behind.
    pub fn open(dir: &Path) -> anyhow::Result<Spool> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create spool {}", dir.display()))?;
        let lock = dir.join(LOCK);
        if lock.exists() && holder_alive(&lock) {
            bail!(
                "spool {} is in use by another scan (see its lock file)",
                dir.display()
            );
        }
        fs::write(&lock, std::process::id().to_string())
            .with_context(|| format!("cannot lock spool {}", dir.display()))?;
        let mut spool = Spool {
            dir: dir.to_owned(),
            journal: None,
            lines: 0,
            opened_at: Instant::now(),
            seq: 0,
        };
        let left = dir.join(JOURNAL);
        if fs::metadata(&left).is_ok_and(|m| m.len() > 0) {
            spool.seal_file()?;
        } else {
            let _ = fs::remove_file(&left);
        }
        Ok(spool)
    }

    /// The batch files waiting to be sent, oldest first.
    pub fn pending(&self) -> io::Result<Vec<PathBuf>> {
        let mut out: Vec<PathBuf> = fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("batch-") && n.ends_with(".jsonl"))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Appends one alert line to the journal (flushed to the operating system before the
    /// alert is printed); returns the sealed batch when the journal reached `batch` lines.
    pub fn append(&mut self, line: &str, batch: usize) -> io::Result<Option<PathBuf>> {
        if self.journal.is_none() {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.dir.join(JOURNAL))?;
            self.journal = Some(file);
            self.opened_at = Instant::now();
        }
        let file = self.journal.as_mut().expect("opened above");
        file.write_all(format!("{line}\n").as_bytes())?;
        file.flush()?;
        self.lines += 1;
        if self.lines >= batch {
            return self.seal().map(Some);
        }
        Ok(None)
    }

    /// Seals the journal when it holds alerts and is at least `age` old.
    pub fn seal_if_older(&mut self, age: std::time::Duration) -> io::Result<Option<PathBuf>> {
        if self.lines > 0 && self.opened_at.elapsed() >= age {
            return self.seal().map(Some);
        }
        Ok(None)
    }

    /// Seals the journal (if it holds anything) into a batch file.
    pub fn seal(&mut self) -> io::Result<PathBuf> {
        if let Some(file) = self.journal.take() {
            file.sync_all()?;
        }
        self.lines = 0;
        self.seal_file()
    }

    fn seal_file(&mut self) -> io::Result<PathBuf> {
        let us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros());
        self.seq += 1;
        let target = self.dir.join(format!(
            "batch-{us:020}-{:06}-{}.jsonl",
            self.seq,
            std::process::id()
        ));
        fs::rename(self.dir.join(JOURNAL), &target)?;
        // The rename is durable only once the directory itself is synced.
        File::open(&self.dir)?.sync_all()?;
        Ok(target)
    }

    /// Whether the journal holds alerts not yet sealed.
    pub fn has_open_lines(&self) -> bool {
        self.lines > 0
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = fs::remove_file(self.dir.join(LOCK));
    }
}

/// The default spool directory: `$XDG_STATE_HOME/deltawall/spool`, else
/// `~/.local/state/deltawall/spool`, else `.deltawall-spool` here.
pub fn default_dir() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")));
    state.map_or_else(
        || PathBuf::from(".deltawall-spool"),
        |s| s.join("deltawall/spool"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journals_seal_into_ordered_batches_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        assert!(spool.append("{\"a\":1}", 2).unwrap().is_none());
        let first = spool
            .append("{\"a\":2}", 2)
            .unwrap()
            .expect("a full batch is sealed");
        assert_eq!(
            fs::read_to_string(&first).unwrap(),
            "{\"a\":1}\n{\"a\":2}\n"
        );
        spool.append("{\"a\":3}", 2).unwrap();
        assert!(spool.has_open_lines());
        // A second scan cannot take a spool in use.
        assert!(Spool::open(dir.path()).is_err());
        // A run that dies leaves its journal; the next run seals it after the older batch.
        std::mem::forget(spool);
        fs::write(dir.path().join(LOCK), "4294967295").unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let pending = spool.pending().unwrap();
        assert_eq!(pending.len(), 2);
        assert_eq!(pending[0], first);
        assert_eq!(fs::read_to_string(&pending[1]).unwrap(), "{\"a\":3}\n");
        drop(spool);
        assert!(
            !dir.path().join(LOCK).exists(),
            "the lock goes with its owner"
        );
    }
}
