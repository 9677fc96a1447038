//! OpenVAS / Greenbone XML reports (GMP `get_reports` output or a saved report). Identity: the
//! NVT's OID at host, protocol and port, written like Nessus locations so that the two
//! scanners' findings on one service can be correlated.

use std::io::BufRead;

use super::xml::{self, Element, Record, XmlSpec};
use super::{Sink, cves_in, score, title};
use crate::error::{ImportError, Limits, Problem};
use crate::model::{Finding, IdentityKey, Severity};

const SPEC: XmlSpec = XmlSpec {
    roots: &["report", "get_reports_response"],
    format: "openvas report",
    // a `result` directly under `results`; results nested elsewhere (detection details,
    // overrides) are fields of their record, not records
    is_record: |ancestors: &[Element], name: &str| {
        name == "result" && ancestors.last().is_some_and(|e| e.name == "results")
    },
};

/// Reads an OpenVAS / Greenbone report, handing each `result` to `sink` as it closes;
/// returns how many there were.
pub fn import_openvas<R: BufRead>(
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
    let oid = record
        .fields
        .iter()
        .find(|(path, _)| path == "nvt")
        .and_then(|(_, e)| e.attr("oid"))
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .ok_or_else(|| Problem::invalid("result without an nvt oid"))?;
    let host = record
        .text("host")
        .ok_or_else(|| Problem::invalid("result without a host"))?;
    let port = record.text("port").unwrap_or("general/tcp");
    let location = match port.split_once('/') {
        Some((number, protocol)) => format!("{host}:{protocol}/{number}"),
        None => format!("{host}:{port}"),
    };
    let cvss = record
        .text("severity")
        .or(record.text("nvt/cvss_base"))
        .and_then(score);
    let threat = record.text("threat").map(|t| {
        Ok(match t.to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            "log" | "debug" | "none" | "false positive" => Severity::Info,
            _ => return Err(Problem::invalid(format!("unknown threat {t:?}"))),
        })
    });
    let threat = threat.transpose()?;
    let mut cves: Vec<String> = record
        .fields
        .iter()
        .filter(|(path, e)| path == "nvt/refs/ref" && e.attr("type") == Some("cve"))
        .filter_map(|(_, e)| e.attr("id"))
        .flat_map(cves_in)
        .collect();
    // reports from OpenVAS 9 and older list CVEs as text
    cves.extend(record.text("nvt/cve").map(cves_in).unwrap_or_default());
    Ok(Finding {
        key: IdentityKey {
            source: "openvas".into(),
            rule: oid.to_owned(),
            location,
        },
        title: title(record.text("nvt/name").or(record.text("name"))),
        severity: cvss
            .and_then(Severity::from_cvss)
            .or(threat)
            .unwrap_or(Severity::Info),
        cves,
        cvss,
    })
}
