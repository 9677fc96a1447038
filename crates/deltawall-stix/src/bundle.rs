//! Documents: a STIX bundle (§8), a TAXII 2.1 envelope (TAXII §3.7), or one object.
//! Parsing never panics on hostile input: size, depth and object count are bounded, and
//! every finding is reported with its JSON pointer.

use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::id::Identifier;
use crate::issue::{Issue, ValidationReport};
use crate::object::StixObject;

/// Bounds applied before and during parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted document in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of arrays and objects.
    pub max_depth: usize,
    /// Most objects accepted in one bundle or envelope.
    pub max_objects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
            max_depth: 64,
            max_objects: 100_000,
        }
    }
}

/// What the document turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// `{"type":"bundle", …}`.
    Bundle,
    /// `{"objects":[…], "more":…, "next":…}` without a `type`.
    Envelope,
    /// A single STIX object.
    Object,
    /// Could not be classified (not JSON, not an object, limits exceeded).
    Unknown,
}

/// The outcome of parsing a document: the valid objects (with their exact original text)
/// and the report covering all of them, valid or not.
#[derive(Debug, Clone)]
pub struct ParsedDocument {
    /// Bundle, envelope or single object.
    pub kind: DocumentKind,
    /// Objects that passed validation, in document order.
    pub objects: Vec<StixObject>,
    /// Objects that failed validation, for per-object failures (TAXII 2.1 §4.3.1 status).
    pub rejected: Vec<RejectedObject>,
    /// Every finding.
    pub report: ValidationReport,
}

/// One object that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedObject {
    /// Position in the document's `objects` list (0 for a single object).
    pub index: usize,
    /// Its `id` when one could be read, even if malformed.
    pub id: Option<String>,
    /// Its `modified` (or `created`) when one could be read: the TAXII `version`.
    pub version: Option<String>,
    /// The errors found in it.
    pub errors: Vec<Issue>,
}

/// Validates a document for `deltawall stix validate FILE`.
pub fn validate_document(json: &str) -> ValidationReport {
    parse_document(json, &Limits::default()).report
}

/// [`parse_document`] on raw bytes (e.g. an HTTP body): JSON text must be UTF-8 (RFC 8259
/// §8.1), so other bytes are reported with the offset of the first invalid one.
pub fn parse_document_bytes(bytes: &[u8], limits: &Limits) -> ParsedDocument {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_document(text, limits),
        Err(e) => ParsedDocument {
            kind: DocumentKind::Unknown,
            objects: Vec::new(),
            rejected: Vec::new(),
            report: ValidationReport {
                objects: 0,
                issues: vec![Issue::error(
                    "",
                    format!("document is not utf-8 at byte {}", e.valid_up_to()),
                )],
            },
        },
    }
}

/// Parses a bundle, envelope or single object, keeping the valid objects.
pub fn parse_document(json: &str, limits: &Limits) -> ParsedDocument {
    let mut doc = ParsedDocument {
        kind: DocumentKind::Unknown,
        objects: Vec::new(),
        rejected: Vec::new(),
        report: ValidationReport::default(),
    };
    if let Some(issue) = check_bounds(json, limits) {
        doc.report.issues.push(issue);
        return doc;
    }
    let top: BTreeMap<String, &RawValue> = match crate::json::top_level(json) {
        Ok(members) => members.into_iter().collect(),
        Err(issue) => {
            doc.report.issues.push(issue);
            return doc;
        }
    };
    doc.kind = classify(&top);
    match doc.kind {
        DocumentKind::Object => add_object(&mut doc, json, ""),
        DocumentKind::Bundle | DocumentKind::Envelope => parse_container(&mut doc, &top, limits),
        DocumentKind::Unknown => doc.report.issues.push(Issue::error(
            "",
            "document is neither a stix object, a bundle nor an envelope",
        )),
    }
    doc
}

fn classify(top: &BTreeMap<String, &RawValue>) -> DocumentKind {
    match top.get("type").map(|r| r.get()) {
        Some("\"bundle\"") => DocumentKind::Bundle,
        Some(_) => DocumentKind::Object,
        None if top.contains_key("objects") || top.contains_key("more") => DocumentKind::Envelope,
        // An object missing its `type` is still reported as an object.
        None if top.contains_key("id") => DocumentKind::Object,
        None => DocumentKind::Unknown,
    }
}

/// Rejects oversized or too deeply nested input before any recursive parsing.
fn check_bounds(json: &str, limits: &Limits) -> Option<Issue> {
    if json.len() > limits.max_bytes {
        return Some(Issue::error(
            "",
            format!("document exceeds {} bytes", limits.max_bytes),
        ));
    }
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for b in json.bytes() {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limits.max_depth {
                    return Some(Issue::error(
                        "",
                        format!("document nests deeper than {} levels", limits.max_depth),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn parse_container(doc: &mut ParsedDocument, top: &BTreeMap<String, &RawValue>, limits: &Limits) {
    if doc.kind == DocumentKind::Bundle {
        check_bundle_header(&mut doc.report, top);
    } else {
        check_envelope_header(&mut doc.report, top);
    }
    let Some(raw) = top.get("objects") else {
        return;
    };
    let items: Vec<&RawValue> = match serde_json::from_str(raw.get()) {
        Ok(items) => items,
        Err(_) => {
            doc.report
                .issues
                .push(Issue::error("/objects", "`objects` must be a list"));
            return;
        }
    };
    if items.len() > limits.max_objects {
        doc.report.issues.push(Issue::error(
            "/objects",
            format!("more than {} objects", limits.max_objects),
        ));
        return;
    }
    if items.is_empty() && doc.kind == DocumentKind::Bundle {
        doc.report.issues.push(Issue::error(
            "/objects",
            "`objects` must not be empty when present (§8)",
        ));
    }
    for (i, item) in items.iter().enumerate() {
        add_object(doc, item.get(), &format!("/objects/{i}"));
    }
    check_conflicting_versions(doc);
}

/// §3.6: every representation of one version must be identical; two different ones in one
/// document are flagged (which one a store keeps is the caller's decision).
fn check_conflicting_versions(doc: &mut ParsedDocument) {
    let mut seen: BTreeMap<(&str, &str), &StixObject> = BTreeMap::new();
    let mut found = Vec::new();
    for obj in &doc.objects {
        let version = obj.version().map_or("", |t| t.as_str());
        match seen.insert((obj.id().as_str(), version), obj) {
            Some(prev) if prev != obj => found.push(Issue::warning(
                "/objects",
                format!(
                    "{} appears twice with version `{version}` and different content (§3.6)",
                    obj.id()
                ),
            )),
            _ => {}
        }
    }
    doc.report.issues.extend(found);
}

fn add_object(doc: &mut ParsedDocument, raw: &str, at: &str) {
    let index = doc.report.objects;
    doc.report.objects += 1;
    let value: Value = match crate::json::parse_value(raw, at) {
        Ok(v) => v,
        Err(issue) => {
            doc.report.issues.push(issue.clone());
            doc.rejected.push(RejectedObject {
                index,
                id: None,
                version: None,
                errors: vec![issue],
            });
            return;
        }
    };
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
    let (id, version) = (text("id"), text("modified").or_else(|| text("created")));
    match StixObject::from_parts(raw.to_owned(), value, at) {
        Ok(obj) => {
            doc.report.issues.extend(obj.warnings().iter().cloned());
            doc.objects.push(obj);
        }
        Err(invalid) => {
            let errors = invalid
                .issues
                .iter()
                .filter(|i| i.severity == crate::issue::Severity::Error)
                .cloned()
                .collect();
            doc.rejected.push(RejectedObject {
                index,
                id,
                version,
                errors,
            });
            doc.report.issues.extend(invalid.issues);
        }
    }
}

/// §8: `type` "bundle", `id` bundle--UUID, no `spec_version` in 2.1.
fn check_bundle_header(report: &mut ValidationReport, top: &BTreeMap<String, &RawValue>) {
    let id: Option<String> = top
        .get("id")
        .and_then(|r| serde_json::from_str(r.get()).ok());
    match id.as_deref().map(Identifier::parse) {
        None => report
            .issues
            .push(Issue::error("", "bundle is missing a string `id`")),
        Some(Err(e)) => report.issues.push(Issue::error("/id", e.to_string())),
        Some(Ok(id)) if id.object_type() != "bundle" => report
            .issues
            .push(Issue::error("/id", "bundle id must start with `bundle--`")),
        Some(Ok(_)) => {}
    }
    if top.contains_key("spec_version") {
        report.issues.push(Issue::warning(
            "/spec_version",
            "bundles have no `spec_version` in stix 2.1",
        ));
    }
}

/// TAXII 2.1 §3.7 envelope: optional `more` (boolean), `next` (string), `objects` (list).
fn check_envelope_header(report: &mut ValidationReport, top: &BTreeMap<String, &RawValue>) {
    if let Some(more) = top.get("more")
        && !matches!(more.get(), "true" | "false")
    {
        report
            .issues
            .push(Issue::error("/more", "`more` must be a boolean"));
    }
    if let Some(next) = top.get("next")
        && !next.get().starts_with('"')
    {
        report
            .issues
            .push(Issue::error("/next", "`next` must be a string"));
    }
}
