//! Format detection from the first bytes of an upload, for imports that do not name a format.

/// A scanner report format the importers accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SARIF 2.1.0 JSON.
    Sarif,
    /// Nessus `.nessus` v2 XML.
    Nessus,
    /// OpenVAS / Greenbone XML report.
    OpenVas,
    /// Trivy JSON report.
    Trivy,
    /// OWASP ZAP XML report.
    ZapXml,
    /// OWASP ZAP JSON report.
    ZapJson,
    /// Prowler OCSF JSON.
    ProwlerOcsf,
}

/// How many leading bytes detection looks at; markers appear near the start in every format.
pub const SNIFF_LEN: usize = 64 * 1024;

/// Guesses the format from the head of a file, `None` when no marker is found. Only the first
/// [`SNIFF_LEN`] bytes are examined so detection stays bounded on a huge upload.
pub fn detect_format(head: &[u8]) -> Option<Format> {
    let head = &head[..head.len().min(SNIFF_LEN)];
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') {
        detect_xml(trimmed)
    } else if trimmed.starts_with('{') || trimmed.starts_with('[') {
        detect_json(trimmed)
    } else {
        None
    }
}

fn detect_xml(text: &str) -> Option<Format> {
    if text.contains("<NessusClientData_v2") {
        Some(Format::Nessus)
    } else if text.contains("<OWASPZAPReport") {
        Some(Format::ZapXml)
    } else if text.contains("<report")
        && (text.contains("<omp>") || text.contains("<gmp>") || text.contains("format_id="))
    {
        Some(Format::OpenVas)
    } else {
        None
    }
}

fn detect_json(text: &str) -> Option<Format> {
    // markers are compared without white space, so minified and pretty files look alike
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let text = compact.as_str();
    if text.contains("\"$schema\"") && text.contains("sarif")
        || text.contains("\"runs\"") && text.contains("\"version\":\"2.1.0\"")
    {
        Some(Format::Sarif)
    } else if text.contains("\"ArtifactName\"")
        || text.contains("\"SchemaVersion\"") && text.contains("\"Results\"")
    {
        Some(Format::Trivy)
    } else if text.contains("\"@programName\"")
        || text.contains("\"@version\"") && text.contains("\"site\"")
    {
        Some(Format::ZapJson)
    } else if text.contains("\"class_uid\"") && text.contains("\"finding_info\"") {
        Some(Format::ProwlerOcsf)
    } else {
        None
    }
}
