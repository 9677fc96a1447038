//! FIRST's EPSS CSV (`epss_scores-YYYY-MM-DD.csv`): an optional comment line
//! `#model_version:…,score_date:…`, a `cve,epss,percentile` header, then one row per CVE.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};

use jiff::civil::Date;

use super::{Dated, Enrichment, EpssScore};
use crate::error::{ErrorKind, ImportError, Limits};
use crate::input::Tracked;

impl Enrichment {
    /// Loads EPSS scores, replacing any loaded before; returns the number of scores. They are
    /// dated by the file's `score_date`, or by `as_of` (for example the date in the file name)
    /// for files without that line; a file with neither is refused.
    pub fn load_epss<R: Read>(
        &mut self,
        input: R,
        limits: &Limits,
        as_of: Option<Date>,
    ) -> Result<usize, ImportError> {
        let mut reader = Tracked::new(BufReader::new(input), limits.max_bytes, false);
        let mut scores = BTreeMap::new();
        let mut date = None;
        let mut header_seen = false;
        let mut line = String::new();
        for number in 1u64.. {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(_) if reader.exceeded() => {
                    return Err(ImportError::input(
                        ErrorKind::TooLarge,
                        format!("larger than the limit of {} bytes", limits.max_bytes),
                    ));
                }
                Err(e) => return Err(at(number, 1, ErrorKind::Malformed, &e.to_string())),
            }
            let text = line
                .trim_end_matches(['\n', '\r'])
                .trim_start_matches('\u{feff}');
            if let Some(comment) = text.strip_prefix('#') {
                date = date.or(score_date(number, comment)?);
            } else if !header_seen {
                if text.replace(' ', "") != "cve,epss,percentile" {
                    return Err(at(
                        number,
                        1,
                        ErrorKind::WrongFormat,
                        "expected the header cve,epss,percentile",
                    ));
                }
                header_seen = true;
            } else if !text.is_empty() {
                let (cve, score) = row(number, text)?;
                scores.insert(cve, score);
            }
        }
        if !header_seen {
            return Err(ImportError::input(
                ErrorKind::WrongFormat,
                "no cve,epss,percentile header",
            ));
        }
        let as_of = date.or(as_of).ok_or_else(|| {
            ImportError::input(
                ErrorKind::Invalid,
                "no score_date in the file and no date given",
            )
        })?;
        self.epss = scores
            .into_iter()
            .map(|(cve, value)| (cve, Dated { value, as_of }))
            .collect();
        Ok(self.epss.len())
    }
}

fn at(line: u64, column: u64, kind: ErrorKind, message: &str) -> ImportError {
    ImportError::at(line, column, kind, message)
}

/// The date in `model_version:v2023.03.01,score_date:2026-11-30T00:00:00+0000`.
fn score_date(line: u64, comment: &str) -> Result<Option<Date>, ImportError> {
    let Some(start) = comment.find("score_date:") else {
        return Ok(None);
    };
    let value = &comment[start + "score_date:".len()..];
    let column = (start + "score_date:".len() + 2) as u64;
    value
        .get(..10)
        .and_then(|d| d.parse::<Date>().ok())
        .map(Some)
        .ok_or_else(|| at(line, column, ErrorKind::Invalid, "score_date is not a date"))
}

fn row(line: u64, text: &str) -> Result<(String, EpssScore), ImportError> {
    let mut fields = text.split(',');
    let mut column = 1u64;
    let mut next = |what: &str| -> Result<(&str, u64), ImportError> {
        let f = fields.next().ok_or_else(|| {
            at(
                line,
                text.len() as u64 + 1,
                ErrorKind::Malformed,
                &format!("missing {what}"),
            )
        })?;
        let here = column;
        column += f.len() as u64 + 1;
        Ok((f.trim(), here))
    };
    let (cve, c1) = next("cve")?;
    let (score, c2) = next("epss")?;
    let (percentile, c3) = next("percentile")?;
    if fields.next().is_some() {
        return Err(at(
            line,
            column,
            ErrorKind::Malformed,
            "more than three fields",
        ));
    }
    let cve = cve.to_ascii_uppercase();
    if crate::import::cves_in(&cve) != [cve.clone()] {
        return Err(at(
            line,
            c1,
            ErrorKind::Invalid,
            &format!("{cve:?} is not a cve identifier"),
        ));
    }
    let unit = |text: &str, column: u64, what: &str| {
        text.parse::<f64>()
            .ok()
            .filter(|v| (0.0..=1.0).contains(v))
            .ok_or_else(|| {
                at(
                    line,
                    column,
                    ErrorKind::Invalid,
                    &format!("{what} {text:?} is not between 0 and 1"),
                )
            })
    };
    Ok((
        cve,
        EpssScore {
            score: unit(score, c2, "epss")?,
            percentile: unit(percentile, c3, "percentile")?,
        },
    ))
}
