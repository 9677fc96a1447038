//! Japanese and English messages for the UI.
//!
//! Messages live in `locales/{ja,en}.txt`, one `key = text` per line (`#` starts a comment,
//! `{name}` is a placeholder). Both files must define the same keys with the same
//! placeholders; a test enforces it. Language is chosen by the user's preference, then the
//! browser's `Accept-Language`, then Japanese.

use std::collections::HashMap;
use std::sync::OnceLock;

pub use deltawall_app::Lang;

/// Picks the language: an explicit preference, then `Accept-Language` (by quality), then Japanese.
pub fn negotiate(preference: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = preference.and_then(Lang::from_code) {
        return lang;
    }
    let mut best: Option<(f32, Lang)> = None;
    for part in accept_language.unwrap_or("").split(',') {
        let mut pieces = part.split(';');
        let Some(lang) = pieces.next().and_then(Lang::from_code) else {
            continue;
        };
        let q = pieces
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::Ja, |(_, l)| l)
}

type Catalog = HashMap<&'static str, &'static str>;

fn parse(src: &'static str) -> Catalog {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = ").map(|(k, v)| (k.trim(), v.trim())))
        .collect()
}

const JA: &str = include_str!("../locales/ja.txt");
const EN: &str = include_str!("../locales/en.txt");

fn catalog(lang: Lang) -> &'static Catalog {
    static CATALOGS: OnceLock<(Catalog, Catalog)> = OnceLock::new();
    let (ja, en) = CATALOGS.get_or_init(|| (parse(JA), parse(EN)));
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

/// The message for `key`; the key itself when missing (which the parity test prevents).
pub fn t(lang: Lang, key: &str) -> &'static str {
    catalog(lang)
        .get(key)
        .copied()
        .unwrap_or_else(|| catalog(Lang::En).get(key).copied().unwrap_or("?"))
}

/// The message for `key` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut out = t(lang, key).to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<&str> {
        let mut v: Vec<&str> = s
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|x| x.0))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn both_languages_have_the_same_keys_and_placeholders() {
        let (ja, en) = (parse(JA), parse(EN));
        let mut missing: Vec<String> = ja
            .keys()
            .filter(|k| !en.contains_key(*k))
            .map(|k| format!("en lacks {k}"))
            .collect();
        missing.extend(
            en.keys()
                .filter(|k| !ja.contains_key(*k))
                .map(|k| format!("ja lacks {k}")),
        );
        missing.extend(
            ja.iter()
                .filter(|(k, v)| {
                    en.get(*k)
                        .is_some_and(|e| placeholders(e) != placeholders(v))
                })
                .map(|(k, _)| format!("placeholders differ in {k}")),
        );
        missing.sort();
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn no_key_is_defined_twice() {
        for src in [JA, EN] {
            let mut seen = std::collections::HashSet::new();
            for line in src
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                let key = line.split_once(" = ").map(|x| x.0).unwrap_or(line);
                assert!(seen.insert(key), "duplicate or malformed line: {line}");
            }
        }
    }

    #[track_caller]
    fn check(pref: Option<&str>, accept: Option<&str>, expected: Lang) {
        assert_eq!(negotiate(pref, accept), expected);
    }

    #[test]
    fn negotiation() {
        check(None, None, Lang::Ja);
        check(None, Some("en-US,en;q=0.9"), Lang::En);
        check(None, Some("fr, en;q=0.5, ja;q=0.8"), Lang::Ja);
        check(None, Some("fr"), Lang::Ja);
        check(Some("en"), Some("ja"), Lang::En);
        check(Some("xx"), Some("en"), Lang::En);
    }
}
