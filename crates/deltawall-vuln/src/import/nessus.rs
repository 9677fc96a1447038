//! Nessus `.nessus` v2 XML. Identity: plugin ID at host, protocol and port.

use std::io::BufRead;

use super::xml::{self, Element, Record, XmlSpec};
use super::{Sink, cves_in, score, title};
use crate::error::{ImportError, Limits, Problem};
use crate::model::{Finding, IdentityKey, Severity};

const SPEC: XmlSpec = XmlSpec {
    roots: &["NessusClientData_v2"],
    format: "nessus v2",
    is_record: |_: &[Element], name: &str| name == "ReportItem",
};

/// Reads a Nessus v2 report, handing each finding to `sink` as soon as its `ReportItem`
/// closes; returns how many there were.
pub fn import_nessus<R: BufRead>(
    input: R,
    limits: &Limits,
    mut sink: impl FnMut(Finding),
) -> Result<usize, ImportError> {
    let mut sink = Sink::new(&mut sink);
    xml::stream(input, limits, &SPEC, |record| {
        sink.push(finding(record)?);
        Ok(())
    })?;
    Ok(sink.count)
}

fn finding(record: &Record<'_>) -> Result<Finding, Problem> {
    let item = record.element;
    let need = |name: &str| {
        item.attr(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Problem::invalid(format!("ReportItem without {name}")))
    };
    let plugin = need("pluginID")?;
    let port = need("port")?;
    let protocol = item.attr("protocol").unwrap_or("tcp");
    let host = record
        .ancestor("ReportHost")
        .and_then(|h| h.attr("name"))
        .ok_or_else(|| Problem::invalid("ReportItem outside a ReportHost with a name"))?;
    let cvss = record
        .text("cvss3_base_score")
        .and_then(score)
        .or_else(|| record.text("cvss_base_score").and_then(score));
    let severity = match item.attr("severity").map(str::trim) {
        Some("0") => Some(Severity::Info),
        Some("1") => Some(Severity::Low),
        Some("2") => Some(Severity::Medium),
        Some("3") => Some(Severity::High),
        Some("4") => Some(Severity::Critical),
        Some(other) => return Err(Problem::invalid(format!("unknown severity {other:?}"))),
        None => None,
    };
    let cves = record
        .fields
        .iter()
        .filter(|(path, _)| path == "cve")
        .flat_map(|(_, e)| cves_in(&e.text))
        .collect();
    Ok(Finding {
        key: IdentityKey {
            source: "nessus".into(),
            rule: plugin.to_owned(),
            location: format!("{host}:{protocol}/{port}"),
        },
        title: title(
            item.attr("pluginName")
                .filter(|t| !t.trim().is_empty())
                .or(record.text("plugin_name")),
        ),
        severity: severity
            .or_else(|| cvss.and_then(Severity::from_cvss))
            .unwrap_or(Severity::Info),
        cves,
        cvss,
    })
}
