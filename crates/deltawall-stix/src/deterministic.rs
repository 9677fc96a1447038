//! Deterministic SCO identifiers (spec §2.9, §3.4): UUIDv5 in the STIX namespace over the
//! RFC 8785 canonical JSON of the type's "ID Contributing Properties".

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::id::Identifier;

/// The SCO namespace of §2.9.
pub const STIX_SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// §3.4: hash algorithms in order of preference when `hashes` contributes.
const HASH_PREFERENCE: &[&str] = &["MD5", "SHA-1", "SHA-256", "SHA-512"];

/// The ID contributing properties of each SCO type (§6, "ID Contributing Properties").
/// `process` has none: §6.13 says to use UUIDv4.
pub fn contributing_properties(object_type: &str) -> Option<&'static [&'static str]> {
    Some(match object_type {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "mutex" => &["name"],
        "network-traffic" => &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        _ => return None,
    })
}

/// The deterministic identifier of an SCO given its properties (including `type`), or
/// `None` when the type has no contributing properties or none is present — the caller must
/// then use UUIDv4 (§2.9).
pub fn deterministic_id(object: &Map<String, Value>) -> Option<Identifier> {
    let ty = object.get("type")?.as_str()?;
    let name = contributing_json(ty, object)?;
    Identifier::new(ty, Uuid::new_v5(&STIX_SCO_NAMESPACE, name.as_bytes())).ok()
}

/// The canonical JSON text that is hashed for `object`, for diagnostics and tests.
pub fn contributing_json(object_type: &str, object: &Map<String, Value>) -> Option<String> {
    let props = contributing_properties(object_type)?;
    let mut picked = Map::new();
    for p in props {
        if let Some(v) = object.get(*p) {
            let v = if *p == "hashes" {
                select_hash(v)?
            } else {
                v.clone()
            };
            picked.insert((*p).to_owned(), v);
        }
    }
    if picked.is_empty() {
        return None;
    }
    Some(canonical_json(&Value::Object(picked)))
}

/// §3.4: include only one hash, the first present of MD5, SHA-1, SHA-256, SHA-512. When
/// none of those is present the spec gives no rule; we take the smallest key so that the
/// result is still deterministic.
fn select_hash(hashes: &Value) -> Option<Value> {
    let map = hashes.as_object()?;
    let key = HASH_PREFERENCE
        .iter()
        .find(|k| map.contains_key(**k))
        .map(|k| (*k).to_owned())
        .or_else(|| map.keys().min().cloned())?;
    let mut one = Map::new();
    one.insert(key.clone(), map.get(&key)?.clone());
    Some(Value::Object(one))
}

/// RFC 8785 (JCS) serialisation: members sorted by UTF-16 code units, no whitespace,
/// minimal string escaping, ECMAScript number formatting.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(&mut out, v);
    out
}

fn write_canonical(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&canonical_number(n)),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            // RFC 8785 §3.2.3: compare keys as UTF-16 code-unit sequences.
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_canonical(out, &map[k]);
            }
            out.push('}');
        }
    }
}

/// RFC 8785 §3.2.2.2 string escaping.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// RFC 8785 §3.2.2.3: numbers as ECMAScript `Number.prototype.toString` prints them.
fn canonical_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        // Integers beyond 2^53 lose precision in ECMAScript; format through f64 like it does.
        if i.unsigned_abs() <= 1 << 53 {
            return i.to_string();
        }
    }
    if let Some(u) = n.as_u64()
        && u <= 1 << 53
    {
        return u.to_string();
    }
    ecmascript_number(n.as_f64().unwrap_or(0.0))
}

/// ECMAScript Number::toString for finite values (ECMA-262 §6.1.6.1.20).
pub fn ecmascript_number(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    if f < 0.0 {
        return format!("-{}", ecmascript_number(-f));
    }
    // `{:e}` yields the shortest round-trip digits as d.ddde±x.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i32;
    let n = exp.parse::<i32>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let sign = if n > 0 { "+" } else { "-" };
        let rest = if k > 1 {
            format!(".{}", &digits[1..])
        } else {
            String::new()
        };
        format!("{}{rest}e{sign}{}", &digits[..1], (n - 1).abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecmascript_numbers() {
        // Values from RFC 8785 Appendix B.
        for (f, s) in [
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (333333333.3333333, "333333333.3333333"),
            (9007199254740992.0, "9007199254740992"),
            (0.000001, "0.000001"),
            (-1.5, "-1.5"),
            (295147905179352830000.0, "295147905179352830000"),
        ] {
            assert_eq!(ecmascript_number(f), s);
        }
    }
}
