//! Scanner importers. Each streams its format to a callback with bounded memory, names the
//! line and column (or JSON pointer) of anything it refuses, and gives every finding an
//! explicit [`IdentityKey`](crate::IdentityKey) documented in its module.

mod json;
mod nessus;
mod openvas;
mod prowler;
mod sarif;
mod trivy;
mod xml;
mod zap;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Cursor, Read};

pub use nessus::import_nessus;
pub use openvas::import_openvas;
pub use prowler::import_prowler;
pub use sarif::import_sarif;
pub use trivy::import_trivy;
pub use zap::{import_zap_json, import_zap_xml};

use crate::detect::{Format, SNIFF_LEN, detect_format};
use crate::error::{ErrorKind, ImportError, Limits};
use crate::model::Finding;

/// Longest title kept, in characters; titles are for display only.
const MAX_TITLE: usize = 500;

/// What an import read, for reconciliation and for the answer to the uploader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The format read (given or detected).
    pub format: Format,
    /// Findings handed to the sink, repeats included.
    pub findings: usize,
    /// The identity sources this scan speaks for. Reconciliation resolves only prior findings
    /// of these sources, so a Nessus rescan never resolves what OpenVAS found.
    pub sources: BTreeSet<String>,
}

/// Imports a report of `format`, or of the detected format when `None`, handing each finding
/// to `sink`. On an error the caller must drop whatever the sink received.
pub fn import<R: Read>(
    input: R,
    format: Option<Format>,
    limits: &Limits,
    sink: impl FnMut(Finding),
) -> Result<ImportSummary, ImportError> {
    let mut input = BufReader::with_capacity(SNIFF_LEN, input);
    let format = match format {
        Some(f) => f,
        None => {
            let mut head = Vec::with_capacity(SNIFF_LEN);
            (&mut input)
                .take(SNIFF_LEN as u64)
                .read_to_end(&mut head)
                .map_err(|e| ImportError::input(ErrorKind::Io, format!("read failed: {e}")))?;
            let format = detect_format(&head).ok_or_else(|| {
                ImportError::input(ErrorKind::WrongFormat, "format not recognised; name it")
            })?;
            return import_known(Cursor::new(head).chain(input), format, limits, sink);
        }
    };
    import_known(input, format, limits, sink)
}

fn import_known<R: BufRead>(
    input: R,
    format: Format,
    limits: &Limits,
    sink: impl FnMut(Finding),
) -> Result<ImportSummary, ImportError> {
    let single = |source: &str, findings: usize| ImportSummary {
        format,
        findings,
        sources: BTreeSet::from([source.to_owned()]),
    };
    Ok(match format {
        Format::Nessus => single("nessus", import_nessus(input, limits, sink)?),
        Format::OpenVas => single("openvas", import_openvas(input, limits, sink)?),
        Format::ZapXml => single("zap", import_zap_xml(input, limits, sink)?),
        Format::ZapJson => single("zap", import_zap_json(input, limits, sink)?),
        Format::Trivy => single("trivy", import_trivy(input, limits, sink)?),
        Format::ProwlerOcsf => single("prowler", import_prowler(input, limits, sink)?),
        Format::Sarif => {
            let (findings, sources) = import_sarif(input, limits, sink)?;
            ImportSummary {
                format,
                findings,
                sources,
            }
        }
    })
}

/// Counts what goes to the caller's callback.
pub(crate) struct Sink<'a> {
    inner: &'a mut dyn FnMut(Finding),
    pub count: usize,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(inner: &'a mut dyn FnMut(Finding)) -> Self {
        Self { inner, count: 0 }
    }

    pub(crate) fn push(&mut self, mut finding: Finding) {
        finding.cves.sort();
        finding.cves.dedup();
        self.count += 1;
        (self.inner)(finding);
    }
}

/// CVE identifiers in free text, upper-cased (`cve-2024-1234` and `CVE-2024-1234` are one).
pub(crate) fn cves_in(text: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = upper[from..].find("CVE-").map(|i| i + from) {
        let year = &bytes[i + 4..(i + 8).min(bytes.len())];
        let rest = bytes.get(i + 8..).unwrap_or_default();
        let digits = rest
            .iter()
            .skip(1)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if year.len() == 4
            && year.iter().all(u8::is_ascii_digit)
            && rest.first() == Some(&b'-')
            && digits >= 4
        {
            out.push(upper[i..i + 9 + digits].to_owned());
            from = i + 9 + digits;
        } else {
            from = i + 4;
        }
    }
    out
}

/// A score text within CVSS's 0–10 range.
pub(crate) fn score(text: &str) -> Option<f64> {
    text.trim()
        .parse()
        .ok()
        .filter(|s: &f64| (0.0..=10.0).contains(s))
}

/// A display title cut to [`MAX_TITLE`] characters.
pub(crate) fn title(text: Option<&str>) -> String {
    let text = text.unwrap_or_default().trim();
    match text.char_indices().nth(MAX_TITLE) {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text.to_owned(),
    }
}
