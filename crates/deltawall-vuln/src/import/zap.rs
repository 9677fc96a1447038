//! OWASP ZAP reports, XML (`OWASPZAPReport`) and JSON (the traditional JSON report). One
//! finding per alert instance. Identity: the alert reference (plugin ID and variant) at site,
//! method, URI and parameter; evidence and attack strings are not part of it, since they
//! change from scan to scan.

use std::io::BufRead;

use serde_json::Value;

use super::json::{self, Action, Plan, Seg, ValueExt, index_at, matches};
use super::xml::{self, Element, Record, XmlSpec};
use super::{Sink, title};
use crate::error::{ImportError, Limits, Problem};
use crate::model::{Finding, IdentityKey, Severity};

/// One alert as both report shapes carry it.
struct Alert<'a> {
    plugin: &'a str,
    name: Option<&'a str>,
    risk: Option<&'a str>,
    instances: Vec<Instance<'a>>,
}

#[derive(Default)]
struct Instance<'a> {
    uri: &'a str,
    method: &'a str,
    param: &'a str,
}

fn findings(site: &str, alert: &Alert<'_>) -> Result<Vec<Finding>, Problem> {
    let severity = match alert.risk.map(str::trim) {
        Some("0") => Severity::Info,
        Some("1") => Severity::Low,
        Some("2") => Severity::Medium,
        Some("3") => Severity::High,
        Some(other) => return Err(Problem::invalid(format!("unknown riskcode {other:?}"))),
        None => return Err(Problem::invalid("alert without riskcode")),
    };
    let finding = |location: String| Finding {
        key: IdentityKey {
            source: "zap".into(),
            rule: alert.plugin.to_owned(),
            location,
        },
        title: title(alert.name),
        severity,
        cves: Vec::new(),
        cvss: None,
    };
    if alert.instances.is_empty() {
        return Ok(vec![finding(site.to_owned())]);
    }
    Ok(alert
        .instances
        .iter()
        .map(|i| finding(format!("{site}|{} {}|{}", i.method, i.uri, i.param)))
        .collect())
}

const XML_SPEC: XmlSpec = XmlSpec {
    roots: &["OWASPZAPReport"],
    format: "zap xml",
    is_record: |_: &[Element], name: &str| name == "alertitem",
};

/// Reads a ZAP XML report; returns how many findings went to `sink`.
pub fn import_zap_xml<R: BufRead>(
    input: R,
    limits: &Limits,
    mut sink: impl FnMut(Finding),
) -> Result<usize, ImportError> {
    let mut sink = Sink::new(&mut sink);
    xml::stream(input, limits, &XML_SPEC, |record| {
        let site = record
            .ancestor("site")
            .and_then(|s| s.attr("name"))
            .ok_or_else(|| Problem::invalid("alertitem outside a site with a name"))?;
        for f in findings(site, &xml_alert(record)?)? {
            sink.push(f);
        }
        Ok(())
    })?;
    Ok(sink.count)
}

fn xml_alert<'a>(record: &'a Record<'a>) -> Result<Alert<'a>, Problem> {
    let plugin = record
        .text("alertRef")
        .or(record.text("pluginid"))
        .ok_or_else(|| Problem::invalid("alertitem without pluginid"))?;
    let mut instances: Vec<Instance<'a>> = Vec::new();
    for (path, e) in record.fields {
        let text = e.text.trim();
        match path.as_str() {
            "instances/instance" => instances.push(Instance::default()),
            "instances/instance/uri" => set(&mut instances, |i| i.uri = text),
            "instances/instance/method" => set(&mut instances, |i| i.method = text),
            "instances/instance/param" => set(&mut instances, |i| i.param = text),
            _ => {}
        }
    }
    Ok(Alert {
        plugin,
        name: record.text("alert").or(record.text("name")),
        risk: record.text("riskcode"),
        instances,
    })
}

fn set<'a>(instances: &mut [Instance<'a>], f: impl FnOnce(&mut Instance<'a>)) {
    if let Some(last) = instances.last_mut() {
        f(last);
    }
}

/// Reads a ZAP JSON report; returns how many findings went to `sink`.
pub fn import_zap_json<R: BufRead>(
    input: R,
    limits: &Limits,
    mut sink: impl FnMut(Finding),
) -> Result<usize, ImportError> {
    let mut plan = JsonPlan {
        sink: Sink::new(&mut sink),
        seen_program: false,
        site: None,
        pending: Vec::new(),
    };
    json::walk(input, limits, &mut plan)?;
    if !plan.seen_program {
        return Err(ImportError::pointer(
            "",
            crate::error::ErrorKind::WrongFormat,
            "not a zap json report (no @programName)",
        ));
    }
    Ok(plan.sink.count)
}

struct JsonPlan<'s> {
    sink: Sink<'s>,
    seen_program: bool,
    site: Option<String>,
    /// Alerts read before their site's `@name`, held until it arrives.
    pending: Vec<Value>,
}

impl Plan for JsonPlan<'_> {
    fn action(&self, path: &[Seg]) -> Action {
        if matches(path, &[])
            || matches(path, &["site"])
            || matches(path, &["site", "*"])
            || matches(path, &["site", "*", "alerts"])
        {
            Action::Descend
        } else if matches(path, &["@programName"])
            || matches(path, &["site", "*", "@name"])
            || matches(path, &["site", "*", "alerts", "*"])
        {
            Action::Keep
        } else {
            Action::Skip
        }
    }

    fn value(&mut self, path: &[Seg], value: Value) -> Result<(), Problem> {
        if matches(path, &["@programName"]) {
            self.seen_program = true;
        } else if matches(path, &["site", "*", "@name"]) {
            let name = value
                .as_str()
                .ok_or_else(|| Problem::invalid("site @name is not a string"))?;
            self.site = Some(name.to_owned());
        } else if let Some(site) = &self.site {
            for f in findings(site, &json_alert(&value)?)? {
                self.sink.push(f);
            }
        } else {
            self.pending.push(value);
        }
        Ok(())
    }

    fn leave(&mut self, path: &[Seg]) -> Result<(), Problem> {
        if index_at(path, 1).is_some() && path.len() == 2 {
            let site = self
                .site
                .take()
                .ok_or_else(|| Problem::invalid("site without @name"))?;
            for alert in std::mem::take(&mut self.pending) {
                for f in findings(&site, &json_alert(&alert)?)? {
                    self.sink.push(f);
                }
            }
        }
        Ok(())
    }
}

fn json_alert(v: &Value) -> Result<Alert<'_>, Problem> {
    let plugin = v
        .str_at("/alertRef")
        .or(v.str_at("/pluginid"))
        .ok_or_else(|| Problem::invalid("alert without pluginid"))?;
    let instances = match v.at("/instances") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| Instance {
                uri: i.str_at("/uri").unwrap_or(""),
                method: i.str_at("/method").unwrap_or(""),
                param: i.str_at("/param").unwrap_or(""),
            })
            .collect(),
        Some(_) => return Err(Problem::invalid("alert instances is not an array")),
    };
    Ok(Alert {
        plugin,
        name: v.str_at("/alert").or(v.str_at("/name")),
        risk: v.str_at("/riskcode"),
        instances,
    })
}
