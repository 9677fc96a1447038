//! The CISA KEV catalog JSON (`known_exploited_vulnerabilities.json`).

use std::collections::BTreeMap;
use std::io::{BufReader, Read};

use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value;

use super::{Dated, Enrichment, KevEntry};
use crate::error::{ErrorKind, ImportError, Limits};
use crate::input::Tracked;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Catalog {
    catalog_version: Option<String>,
    date_released: Option<String>,
    vulnerabilities: Option<Vec<Value>>,
}

impl Enrichment {
    /// Loads a KEV catalog, replacing any loaded before; returns the number of entries. Every
    /// entry is dated by the catalog's `dateReleased`.
    pub fn load_kev<R: Read>(&mut self, input: R, limits: &Limits) -> Result<usize, ImportError> {
        let mut tracked = Tracked::new(BufReader::new(input), limits.max_bytes, false);
        let catalog: Catalog = serde_json::from_reader(BufReader::new(&mut tracked))
            .map_err(|e| json_error(&e, tracked.exceeded(), limits))?;
        let released = catalog
            .date_released
            .as_deref()
            .ok_or_else(|| invalid("/dateReleased", "catalog without dateReleased"))
            .and_then(|d| date("/dateReleased", d))?;
        let entries = catalog
            .vulnerabilities
            .ok_or_else(|| invalid("/vulnerabilities", "catalog without vulnerabilities"))?;
        let mut kev = BTreeMap::new();
        for (i, v) in entries.iter().enumerate() {
            let entry = entry(i, v)?;
            kev.insert(
                entry.cve.clone(),
                Dated {
                    value: entry,
                    as_of: released,
                },
            );
        }
        self.kev = kev;
        self.kev_version = catalog.catalog_version;
        Ok(self.kev.len())
    }
}

fn entry(i: usize, v: &Value) -> Result<KevEntry, ImportError> {
    let field = |name: &str| -> Result<String, ImportError> {
        v.get(name)
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned())
            .ok_or_else(|| {
                invalid(
                    &format!("/vulnerabilities/{i}/{name}"),
                    &format!("entry without {name}"),
                )
            })
    };
    let optional = |name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let cve = field("cveID")?.to_ascii_uppercase();
    if crate::import::cves_in(&cve) != [cve.clone()] {
        return Err(invalid(
            &format!("/vulnerabilities/{i}/cveID"),
            &format!("{cve:?} is not a cve identifier"),
        ));
    }
    let ransomware = match optional("knownRansomwareCampaignUse").as_str() {
        "Known" => true,
        "Unknown" | "" => false,
        other => {
            return Err(invalid(
                &format!("/vulnerabilities/{i}/knownRansomwareCampaignUse"),
                &format!("unknown value {other:?}"),
            ));
        }
    };
    Ok(KevEntry {
        vendor_project: optional("vendorProject"),
        product: optional("product"),
        name: optional("vulnerabilityName"),
        date_added: date(
            &format!("/vulnerabilities/{i}/dateAdded"),
            &field("dateAdded")?,
        )?,
        due_date: date(&format!("/vulnerabilities/{i}/dueDate"), &field("dueDate")?)?,
        required_action: field("requiredAction")?,
        known_ransomware_use: ransomware,
        cve,
    })
}

/// A date, or the date part of a timestamp (`2026-11-30T15:00:00.000Z`).
fn date(pointer: &str, text: &str) -> Result<Date, ImportError> {
    text.get(..10)
        .and_then(|d| d.parse::<Date>().ok())
        .ok_or_else(|| invalid(pointer, &format!("{text:?} is not a date")))
}

fn invalid(pointer: &str, message: &str) -> ImportError {
    ImportError::pointer(pointer, ErrorKind::Invalid, message)
}

pub(super) fn json_error(e: &serde_json::Error, exceeded: bool, limits: &Limits) -> ImportError {
    if exceeded {
        return ImportError::input(
            ErrorKind::TooLarge,
            format!("larger than the limit of {} bytes", limits.max_bytes),
        );
    }
    let text = e.to_string();
    let message = text.rfind(" at line ").map_or(&*text, |i| &text[..i]);
    ImportError::at(
        e.line() as u64,
        e.column() as u64,
        ErrorKind::Malformed,
        format!("malformed json: {message}"),
    )
}
