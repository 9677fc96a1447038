//! Scan uploads spooled to disk: the body (or the form's file part) is copied chunk by chunk
//! to an anonymous temporary file under the data directory while its size is counted, so a
//! 100 MB upload costs a few chunks of memory, and a body past the limit is refused before
//! it is all received. The file has no name (it disappears when closed, even if the server
//! dies), so nothing of a refused upload is kept.

use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::http::StatusCode;
use futures_util::{Stream, StreamExt};
use std::collections::BTreeMap;
use std::io::{Seek, SeekFrom};
use std::path::Path;
use tokio::io::AsyncWriteExt;

/// Why an upload was not spooled.
#[derive(Debug)]
pub(crate) struct SpoolError {
    /// 413 past the limit, the body's own status when it broke off, 500 for the disk.
    pub status: StatusCode,
    /// What went wrong.
    pub message: String,
}

impl SpoolError {
    fn disk(e: std::io::Error) -> SpoolError {
        SpoolError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("cannot spool the upload: {e}"),
        }
    }
}

/// Copies `chunks` to a new anonymous file under `dir` (created if missing) and returns it
/// rewound. More than `limit` bytes: 413, and the partial copy is dropped. `broken` gives
/// the status of a chunk that failed to arrive.
pub(crate) async fn spool<S, E>(
    chunks: S,
    dir: &Path,
    limit: usize,
    broken: impl Fn(&E) -> StatusCode,
) -> Result<std::fs::File, SpoolError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let mut chunks = std::pin::pin!(chunks);
    let dir = dir.to_owned();
    let file = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        tempfile::tempfile_in(&dir)
    })
    .await
    .map_err(|e| SpoolError::disk(std::io::Error::other(e)))?
    .map_err(SpoolError::disk)?;
    let mut file = tokio::fs::File::from_std(file);
    let mut size = 0usize;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| SpoolError {
            status: broken(&e),
            message: format!("the upload broke off after {size} bytes: {e}"),
        })?;
        size = size.saturating_add(chunk.len());
        if size > limit {
            return Err(SpoolError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: format!("the file is larger than {limit} bytes"),
            });
        }
        file.write_all(&chunk).await.map_err(SpoolError::disk)?;
    }
    file.flush().await.map_err(SpoolError::disk)?;
    let mut file = file.into_std().await;
    tokio::task::spawn_blocking(move || {
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    })
    .await
    .map_err(|e| SpoolError::disk(std::io::Error::other(e)))?
    .map_err(SpoolError::disk)
}

/// The scan upload form as read: its short text parts and the spooled file part.
pub(crate) struct Upload {
    /// `scope` and `format`, lossily decoded.
    pub texts: BTreeMap<String, String>,
    /// The `file` part, when sent.
    pub file: Option<std::fs::File>,
}

/// Longest text part of the upload form, in bytes.
const TEXT_PART_LIMIT: usize = 4 * 1024;

/// Reads the upload form's parts in order: `file` is spooled under `dir` (at most `limit`
/// bytes), `texts` parts are kept as text; any other part is refused with 422.
pub(crate) async fn upload_parts(
    multipart: Result<Multipart, MultipartRejection>,
    texts: &[&str],
    dir: &Path,
    limit: usize,
) -> Result<Upload, SpoolError> {
    let broken = |e: &MultipartError| e.status();
    let mut mp = multipart.map_err(|r| SpoolError {
        status: r.status(),
        message: r.body_text(),
    })?;
    let mut out = Upload {
        texts: BTreeMap::new(),
        file: None,
    };
    loop {
        let field = mp.next_field().await.map_err(|e| SpoolError {
            status: e.status(),
            message: e.body_text(),
        })?;
        let Some(field) = field else {
            return Ok(out);
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            out.file = Some(spool(field, dir, limit, broken).await?);
        } else if texts.contains(&name.as_str()) {
            let mut buf = Vec::new();
            let mut field = field;
            while let Some(chunk) = field.chunk().await.map_err(|e| SpoolError {
                status: e.status(),
                message: format!("part `{name}`: {}", e.body_text()),
            })? {
                buf.extend_from_slice(&chunk);
                if buf.len() > TEXT_PART_LIMIT {
                    return Err(SpoolError {
                        status: StatusCode::PAYLOAD_TOO_LARGE,
                        message: format!("part `{name}` is longer than {TEXT_PART_LIMIT} bytes"),
                    });
                }
            }
            out.texts
                .insert(name, String::from_utf8_lossy(&buf).into_owned());
        } else {
            return Err(SpoolError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: format!("unknown part `{name}`"),
            });
        }
    }
}
