//! How often a literal is expected to occur in an event's field value, to choose the most
//! selective literal of a rule as its prefilter witness.
//!
//! The estimate is a product of per-character frequencies (a text of ordinary length
//! offers some 64 places to start), except that fragments found in most Windows and web
//! events (`\windows\system32\`, `.exe`, `http`, …) count as nearly certain: a long
//! literal made mostly of such fragments is no better than a short unusual one. Fields that
//! only route an event to its log source (the channel, the event id, the provider) are
//! never witnesses: after routing, they are true for almost every event the rule sees.

/// Field names that say which log an event comes from rather than what happened.
const ROUTING_FIELDS: &[&str] = &[
    "channel",
    "eventid",
    "eventlog",
    "provider_name",
    "provider_guid",
    "provider",
    "event.code",
    "event.provider",
    "event.module",
    "event.dataset",
    "winlog.channel",
    "winlog.event_id",
    "winlog.provider_name",
    "event.system.channel",
    "event.system.eventid",
    "event.system.provider.#attributes.name",
];

/// Whether a field (given by its candidate event paths) only routes the event.
pub(crate) fn is_routing_field(paths: &[String]) -> bool {
    !paths.is_empty()
        && paths
            .iter()
            .all(|p| ROUTING_FIELDS.iter().any(|r| p.eq_ignore_ascii_case(r)))
}

/// Fragments so common in log values that containing one says little, with an estimate of
/// the share of values that contain each.
const FREQUENT: &[(&str, f64)] = &[
    ("c:\\windows\\system32\\", 0.5),
    ("\\windows\\system32\\", 0.5),
    ("c:\\windows\\", 0.6),
    ("\\windows\\", 0.6),
    ("system32", 0.5),
    ("c:\\program files", 0.3),
    ("\\program files", 0.3),
    ("c:\\users\\", 0.3),
    ("\\appdata\\", 0.2),
    ("microsoft", 0.4),
    ("windows", 0.6),
    ("powershell", 0.2),
    ("cmd.exe", 0.1),
    (".exe", 0.6),
    (".dll", 0.3),
    ("http://", 0.2),
    ("https://", 0.3),
    ("http", 0.4),
    (".com", 0.2),
    ("c:\\", 0.7),
    ("\\", 0.9),
    ("/", 0.9),
    (" ", 0.9),
    ("-", 0.6),
];

/// Share of text positions holding a character like `c`.
fn char_frequency(c: char) -> f64 {
    match c {
        'e' | 't' | 'a' | 'o' | 'i' | 'n' | 's' | 'r' => 0.07,
        'a'..='z' => 0.025,
        '0'..='9' => 0.05,
        '\\' | '/' | '.' | ' ' | '-' | '_' | ':' => 0.06,
        _ => 0.01,
    }
}

/// Positions a needle may start at in a typical value.
const POSITIONS: f64 = 64.0;

/// Estimated probability that a field value contains `needle` (lowercase).
pub(crate) fn needle_frequency(needle: &str) -> f64 {
    let mut rest = needle;
    let mut p = 1.0f64;
    let mut random = 1.0f64;
    let mut any_random = false;
    while !rest.is_empty() {
        if let Some((frag, share)) = FREQUENT.iter().find(|(f, _)| rest.starts_with(f)) {
            p *= share;
            rest = &rest[frag.len()..];
            continue;
        }
        let c = rest.chars().next().expect("not empty");
        random *= char_frequency(c);
        any_random = true;
        rest = &rest[c.len_utf8()..];
    }
    if any_random {
        p *= (POSITIONS * random).min(1.0);
    }
    // A needle inside a frequent fragment is at least as frequent as the fragment.
    let within = FREQUENT
        .iter()
        .filter(|(f, _)| f.contains(needle))
        .map(|(_, s)| *s)
        .fold(0.0, f64::max);
    p.max(within).clamp(1e-15, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_fields() {
        assert!(is_routing_field(&["Channel".into()]));
        assert!(is_routing_field(&[
            "EventID".into(),
            "winlog.event_id".into()
        ]));
        assert!(!is_routing_field(&["Image".into()]));
        assert!(!is_routing_field(&["Channel".into(), "Image".into()]));
        assert!(!is_routing_field(&[]));
    }

    #[test]
    fn unusual_literals_beat_long_common_ones() {
        let f = needle_frequency;
        // Longer than the tool name but made of everyday path fragments.
        assert!(f("mimikatz") < f("c:\\windows\\system32\\cmd.exe"));
        assert!(f("\\rundll32.exe") < f("\\windows\\system32\\"));
        assert!(f("exe") >= 0.6);
        assert!(f("zxq") < f("est"));
        assert!(f("longer unusual literal") < f("unusual"));
        for n in ["", "a", "\\", "ü", "c:\\windows\\system32\\"] {
            let p = f(n);
            assert!((1e-15..=1.0).contains(&p), "{n}: {p}");
        }
    }
}
