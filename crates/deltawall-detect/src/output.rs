//! Alert output: one JSON object per line, written atomically to a file or streamed.

use crate::input::time::format_rfc3339;
use deltawall_sigma::Alert;
use serde_json::{Map, Value, json};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// An alert as `scan` prints it: RFC 3339 times, the group as an object.
pub fn alert_json(alert: &Alert) -> Value {
    let time = |t: Option<i64>| t.map(format_rfc3339);
    let mut out = Map::new();
    out.insert("rule_id".into(), json!(alert.rule_id));
    out.insert("rule_name".into(), json!(alert.rule_name));
    out.insert("title".into(), json!(alert.title));
    out.insert("level".into(), json!(alert.level));
    out.insert("author".into(), json!(alert.author));
    out.insert("tags".into(), json!(alert.tags));
    out.insert("kind".into(), json!(alert.kind));
    out.insert("first_seen".into(), json!(time(alert.first_seen_us)));
    out.insert("last_seen".into(), json!(time(alert.last_seen_us)));
    if matches!(alert.kind, deltawall_sigma::AlertKind::Correlation) {
        let group: Map<String, Value> = alert
            .group
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        out.insert("group".into(), group.into());
        out.insert("count".into(), json!(alert.count));
        if alert.count.is_none() {
            out.insert("value".into(), json!(alert.value));
        }
    }
    if let Some(event) = &alert.event {
        out.insert("event".into(), event.clone());
    }
    out.insert("rule_origin".into(), json!(alert.rule_origin));
    out.into()
}

/// Where alerts go.
pub enum AlertWriter {
    /// Standard output, flushed per alert so that followers see them at once.
    Stdout(io::Stdout),
    /// A temporary file renamed over the target when the scan completes.
    Atomic {
        /// The temporary file.
        file: io::BufWriter<std::fs::File>,
        /// Its path.
        tmp: PathBuf,
        /// The target path.
        target: PathBuf,
    },
    /// A file written directly (when following, output must appear as it happens).
    Direct(io::LineWriter<std::fs::File>),
}

impl AlertWriter {
    /// Opens the output; `follow` streams to a file instead of replacing it at the end.
    pub fn open(path: Option<&Path>, follow: bool) -> io::Result<AlertWriter> {
        let Some(target) = path else {
            return Ok(AlertWriter::Stdout(io::stdout()));
        };
        if follow {
            return Ok(AlertWriter::Direct(io::LineWriter::new(
                std::fs::File::create(target)?,
            )));
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = io::BufWriter::new(std::fs::File::create(&tmp)?);
        Ok(AlertWriter::Atomic {
            file,
            tmp,
            target: target.to_owned(),
        })
    }

    /// Writes one alert line.
    pub fn write(&mut self, alert: &Alert) -> io::Result<()> {
        self.write_value(&alert_json(alert))
    }

    /// Writes one alert line already made by [`alert_json`].
    pub fn write_value(&mut self, alert: &Value) -> io::Result<()> {
        let line = alert.to_string();
        match self {
            AlertWriter::Stdout(out) => {
                let mut lock = out.lock();
                writeln!(lock, "{line}")?;
                lock.flush()
            }
            AlertWriter::Atomic { file, .. } => writeln!(file, "{line}"),
            AlertWriter::Direct(file) => writeln!(file, "{line}"),
        }
    }

    /// Completes the output (renames the temporary file into place).
    pub fn finish(self) -> io::Result<()> {
        match self {
            AlertWriter::Stdout(mut out) => out.flush(),
            AlertWriter::Direct(mut f) => f.flush(),
            AlertWriter::Atomic { file, tmp, target } => {
                let file = file.into_inner().map_err(|e| e.into_error())?;
                file.sync_all()?;
                std::fs::rename(&tmp, &target)
            }
        }
    }
}
