//! Cross-property constraints of individual types that a property table cannot express.

use serde_json::{Map, Value};

use crate::issue::Issue;
use crate::timestamp::Timestamp;
use crate::validate::Cx;

/// Runs the constraints for `ty`.
pub(crate) fn check_type_rules(cx: &mut Cx<'_>, obj: &Map<String, Value>, ty: &str) {
    match ty {
        "indicator" => indicator(cx, obj),
        "observed-data" => observed_data(cx, obj),
        "relationship" => relationship(cx, obj),
        "sighting" => order(cx, obj, "first_seen", "last_seen", false),
        "campaign" | "threat-actor" | "intrusion-set" | "infrastructure" => {
            order(cx, obj, "first_seen", "last_seen", false)
        }
        "malware" => malware(cx, obj),
        "marking-definition" => marking_definition(cx, obj),
        "file" => at_least_one(cx, obj, &["hashes", "name"]),
        "network-traffic" => {
            at_least_one(cx, obj, &["src_ref", "dst_ref"]);
            order(cx, obj, "start", "end", false);
            if obj.get("is_active") == Some(&Value::Bool(true)) && obj.contains_key("end") {
                cx.err(
                    "end",
                    "`end` must not be present when `is_active` is true (§6.12)",
                );
            }
        }
        "domain-name" | "url" | "email-addr" if obj.get("defanged") != Some(&Value::Bool(true)) => {
            value_format(cx, obj, ty)
        }
        "ipv4-addr" => address(cx, obj, AddrKind::V4),
        "ipv6-addr" => address(cx, obj, AddrKind::V6),
        "mac-addr" => mac(cx, obj),
        "artifact" => artifact(cx, obj),
        "user-account" | "x509-certificate" | "windows-registry-key" | "process" => {
            non_empty_sco(cx, obj)
        }
        _ => {}
    }
    if crate::object::schema::kind_of(ty) == crate::object::schema::ObjectKind::Sco {
        deterministic_id(cx, obj);
    }
}

fn ts(obj: &Map<String, Value>, name: &str) -> Option<Timestamp> {
    obj.get(name)
        .and_then(Value::as_str)
        .and_then(|s| Timestamp::parse(s).ok())
}

/// `later` must be after `earlier` (strictly when `strict`).
fn order(cx: &mut Cx<'_>, obj: &Map<String, Value>, earlier: &str, later: &str, strict: bool) {
    if let (Some(a), Some(b)) = (ts(obj, earlier), ts(obj, later)) {
        if strict && b <= a {
            cx.err(later, format!("`{later}` must be later than `{earlier}`"));
        } else if !strict && b < a {
            cx.err(
                later,
                format!("`{later}` must be later than or equal to `{earlier}`"),
            );
        }
    }
}

fn at_least_one(cx: &mut Cx<'_>, obj: &Map<String, Value>, names: &[&str]) {
    if !names.iter().any(|n| obj.contains_key(*n)) {
        let at = cx.here();
        cx.err_at(
            &at,
            format!("at least one of {} must be present", names.join(", ")),
        );
    }
}

/// §4.7: `valid_until` after `valid_from`; `stix` patterns must parse.
fn indicator(cx: &mut Cx<'_>, obj: &Map<String, Value>) {
    order(cx, obj, "valid_from", "valid_until", true);
    let pattern_type = obj.get("pattern_type").and_then(Value::as_str);
    let Some(pattern) = obj.get("pattern").and_then(Value::as_str) else {
        return;
    };
    if pattern_type == Some("stix") {
        match crate::pattern::parse(pattern) {
            Ok(p) => {
                for f in crate::pattern::lint(&p) {
                    match f.severity {
                        crate::issue::Severity::Error => cx.err("pattern", f.message),
                        crate::issue::Severity::Warning => cx.warn("pattern", f.message),
                    }
                }
            }
            Err(e) => cx.err(
                "pattern",
                format!("invalid stix pattern at byte {}: {}", e.offset, e.kind),
            ),
        }
    }
    if !obj.contains_key("name") {
        cx.warn("name", "indicator should have a `name`");
    }
}

/// §4.14: exactly one of `object_refs`/`objects`; `last_observed` ≥ `first_observed`.
fn observed_data(cx: &mut Cx<'_>, obj: &Map<String, Value>) {
    order(cx, obj, "first_observed", "last_observed", false);
    match (obj.contains_key("objects"), obj.contains_key("object_refs")) {
        (true, true) => cx.err(
            "objects",
            "only one of `objects` and `object_refs` may be present",
        ),
        (false, false) => {
            let at = cx.here();
            cx.err_at(&at, "one of `object_refs` or `objects` must be present")
        }
        (true, false) => cx.warn("objects", "`objects` is deprecated, use `object_refs`"),
        (false, true) => {
            let refs = obj.get("object_refs").and_then(Value::as_array);
            let has_sco = refs.is_some_and(|r| {
                r.iter().filter_map(Value::as_str).any(|s| {
                    crate::id::Identifier::parse(s).is_ok_and(|id| {
                        matches!(
                            crate::object::schema::kind_of(id.object_type()),
                            crate::object::schema::ObjectKind::Sco
                                | crate::object::schema::ObjectKind::Custom
                        )
                    })
                })
            });
            if !has_sco {
                cx.err(
                    "object_refs",
                    "`object_refs` must contain at least one sco reference",
                );
            }
        }
    }
}

/// §5.1: `relationship_type` charset; `stop_time` after `start_time`.
fn relationship(cx: &mut Cx<'_>, obj: &Map<String, Value>) {
    if let Some(t) = obj.get("relationship_type").and_then(Value::as_str)
        && (t.is_empty()
            || !t
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        cx.err(
            "relationship_type",
            "`relationship_type` is limited to a-z, 0-9 and hyphen",
        );
    }
    order(cx, obj, "start_time", "stop_time", true);
}

/// §4.11: `name` is required when `is_family` is true.
fn malware(cx: &mut Cx<'_>, obj: &Map<String, Value>) {
    if obj.get("is_family") == Some(&Value::Bool(true)) && !obj.contains_key("name") {
        cx.err("name", "`name` is required when `is_family` is true");
    }
    order(cx, obj, "first_seen", "last_seen", false);
}

/// §7.2.1: a definition form must be present; TLP 1.0 instances are fixed.
fn marking_definition(cx: &mut Cx<'_>, obj: &Map<String, Value>) {
    let legacy = obj.contains_key("definition_type") || obj.contains_key("definition");
    if legacy && !(obj.contains_key("definition_type") && obj.contains_key("definition")) {
        cx.err(
            "definition",
            "`definition_type` and `definition` must be used together",
        );
    }
    if !legacy && !obj.contains_key("extensions") {
        cx.err(
            "extensions",
            "a marking definition needs `definition_type`/`definition` or `extensions`",
        );
    }
    if obj.get("definition_type").and_then(Value::as_str) == Some("tlp") {
        let id = obj.get("id").and_then(Value::as_str).unwrap_or_default();
        if crate::marking::Tlp::from_marking_id(id)
            .is_none_or(|(_, v)| v != crate::marking::TlpVersion::V1)
        {
            cx.err(
                "id",
                "tlp marking definitions must use one of the four identifiers in §7.2.1.4",
            );
        }
    }
    if let Some(id) = obj.get("id").and_then(Value::as_str)
        && let Some((tlp, _)) = crate::marking::Tlp::from_marking_id(id)
        && !crate::marking::definition_matches(tlp, id, obj)
    {
        cx.err(
            "id",
            format!(
                "object uses the fixed id of {} but its content differs",
                tlp.name()
            ),
        );
    }
}

/// §6.4, §6.5, §6.15: the value must be a host name, an e-mail address or a URL (the
/// reference validator checks JSON Schema `idn-hostname`, `email` and `uri` formats).
/// Defanged values are exempt: defanging deliberately breaks the format.
fn value_format(cx: &mut Cx<'_>, obj: &Map<String, Value>, ty: &str) {
    let Some(v) = obj.get("value").and_then(Value::as_str) else {
        return;
    };
    let problem = match ty {
        "domain-name" => hostname_problem(v),
        "email-addr" => match v.rsplit_once('@') {
            Some((local, domain))
                if !local.is_empty() && !local.chars().any(char::is_whitespace) =>
            {
                hostname_problem(domain)
            }
            _ => Some("is not an e-mail address"),
        },
        _ => uri_problem(v),
    };
    if let Some(p) = problem {
        cx.err("value", format!("`{v}` {p}"));
    } else if ty == "domain-name" && v.contains('_') {
        cx.warn(
            "value",
            format!("`{v}` contains `_`, which host names do not allow"),
        );
    }
}

/// Why `v` is not a (possibly internationalised) host name, if it is not.
fn hostname_problem(v: &str) -> Option<&'static str> {
    let name = v.strip_suffix('.').unwrap_or(v);
    if name.is_empty() || name.len() > 253 {
        return Some("is not a host name");
    }
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    };
    (!name.split('.').all(label_ok)).then_some("is not a host name")
}

/// Why `v` is not an absolute URI (RFC 3986 scheme, no white space), if it is not.
fn uri_problem(v: &str) -> Option<&'static str> {
    let scheme_ok = v.split_once(':').is_some_and(|(scheme, _)| {
        scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let clean = !v.chars().any(|c| c.is_whitespace() || c.is_control());
    (!(scheme_ok && clean)).then_some("is not an absolute uri")
}

enum AddrKind {
    V4,
    V6,
}

/// §6.8/§6.9: an address or a CIDR block.
fn address(cx: &mut Cx<'_>, obj: &Map<String, Value>, kind: AddrKind) {
    let Some(v) = obj.get("value").and_then(Value::as_str) else {
        return;
    };
    let ok = match kind {
        AddrKind::V4 => {
            v.parse::<std::net::Ipv4Addr>().is_ok() || v.parse::<ipnet::Ipv4Net>().is_ok()
        }
        AddrKind::V6 => {
            v.parse::<std::net::Ipv6Addr>().is_ok() || v.parse::<ipnet::Ipv6Net>().is_ok()
        }
    };
    if !ok {
        cx.err(
            "value",
            format!("`{v}` is not a valid address or cidr block"),
        );
    }
}

/// §6.10: a lowercase, colon-delimited MAC-48 address.
fn mac(cx: &mut Cx<'_>, obj: &Map<String, Value>) {
    let Some(v) = obj.get("value").and_then(Value::as_str) else {
        return;
    };
    let ok = v.len() == 17
        && v.split(':').count() == 6
        && v.split(':').all(|p| {
            p.len() == 2
                && p.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
    if !ok {
        cx.err(
            "value",
            "mac address must be lowercase and colon-delimited (§6.10)",
        );
    }
}

/// §6.1: `payload_bin` and `url` are mutually exclusive; `url` requires `hashes`.
fn artifact(cx: &mut Cx<'_>, obj: &Map<String, Value>) {
    match (obj.contains_key("payload_bin"), obj.contains_key("url")) {
        (true, true) => cx.err("url", "`payload_bin` and `url` must not both be present"),
        (false, true) if !obj.contains_key("hashes") => {
            cx.err("hashes", "`hashes` is required with `url`")
        }
        (false, false) => at_least_one(cx, obj, &["payload_bin", "url"]),
        _ => {}
    }
}

/// SCOs whose properties are all optional must still carry at least one.
fn non_empty_sco(cx: &mut Cx<'_>, obj: &Map<String, Value>) {
    const NOT_CONTENT: &[&str] = &[
        "type",
        "id",
        "spec_version",
        "object_marking_refs",
        "granular_markings",
        "defanged",
    ];
    if obj.keys().all(|k| NOT_CONTENT.contains(&k.as_str())) {
        let at = cx.here();
        cx.err_at(
            &at,
            "object must contain at least one property besides the common ones",
        );
    }
}

/// §2.9: a UUIDv5 SCO id in the STIX namespace should be the deterministic one.
fn deterministic_id(cx: &mut Cx<'_>, obj: &Map<String, Value>) {
    let Some(id) = obj
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| crate::id::Identifier::parse(s).ok())
    else {
        return;
    };
    if id.uuid().get_version_num() != 5 {
        return;
    }
    if let Some(expected) = crate::deterministic::deterministic_id(obj)
        && expected != id
    {
        cx.issues.push(Issue::warning(
            cx.ptr("id"),
            format!("uuidv5 id differs from the deterministic id {expected} (§2.9)"),
        ));
    }
}
