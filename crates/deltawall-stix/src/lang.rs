//! RFC 5646 language tags (§2.1 syntax), for `lang` (STIX 2.1 §3.2, §7.2.3).

/// Whether `tag` is well-formed per RFC 5646 §2.1 (`langtag`, `privateuse`, or an
/// `i-` grandfathered tag). Registry validity (whether a subtag is assigned) is not checked.
pub fn is_language_tag(tag: &str) -> bool {
    if GRANDFATHERED.iter().any(|g| g.eq_ignore_ascii_case(tag)) {
        return true;
    }
    let parts: Vec<&str> = tag.split('-').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || p.len() > 8 || !p.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return false;
    }
    match parts[0].to_ascii_lowercase().as_str() {
        "x" => parts.len() > 1,
        // Irregular grandfathered tags such as `i-klingon` (RFC 5646 §2.2.8).
        "i" => parts.len() == 2,
        _ => langtag(&parts),
    }
}

/// RFC 5646 §2.2.8 grandfathered tags that the `langtag` production does not cover.
const GRANDFATHERED: &[&str] = &[
    "en-GB-oed",
    "sgn-BE-FR",
    "sgn-BE-NL",
    "sgn-CH-DE",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

fn alpha(s: &str, lens: std::ops::RangeInclusive<usize>) -> bool {
    lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
}

fn digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// language ["-" script] ["-" region] *("-" variant) *("-" extension) ["-" privateuse]
fn langtag(parts: &[&str]) -> bool {
    let mut i = 1;
    let lang = parts[0];
    if !alpha(lang, 2..=8) {
        return false;
    }
    // Up to three 3-letter extlang subtags after a 2–3 letter language.
    if lang.len() <= 3 {
        let mut ext = 0;
        while ext < 3 && parts.get(i).is_some_and(|p| alpha(p, 3..=3)) {
            i += 1;
            ext += 1;
        }
    }
    if parts.get(i).is_some_and(|p| alpha(p, 4..=4)) {
        i += 1;
    }
    if parts
        .get(i)
        .is_some_and(|p| alpha(p, 2..=2) || digits(p, 3))
    {
        i += 1;
    }
    let variant =
        |p: &str| (5..=8).contains(&p.len()) || (p.len() == 4 && p.as_bytes()[0].is_ascii_digit());
    while parts.get(i).is_some_and(|p| variant(p)) {
        i += 1;
    }
    tail(&parts[i..])
}

/// Extensions (`singleton 1*("-" 2-8alphanum)`) then an optional private use part.
fn tail(mut rest: &[&str]) -> bool {
    while let Some((first, after)) = rest.split_first() {
        if first.len() != 1 {
            return false;
        }
        let private = first.eq_ignore_ascii_case("x");
        let min = if private { 1 } else { 2 };
        let n = after
            .iter()
            .take_while(|p| p.len() >= min && (private || p.len() > 1))
            .count();
        if n == 0 {
            return false;
        }
        if private {
            return n == after.len();
        }
        rest = &after[n..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_language_tag;

    #[test]
    fn rfc_5646_examples() {
        for ok in [
            "en",
            "ja-JP",
            "zh-Hant-TW",
            "en-US-x-twain",
            "de-CH-1901",
            "sgn-BE-FR",
            "x-foo",
            "i-klingon",
            "en-a-bbb-x-a-ccc",
            "ja-Latn-JP-hepburn",
            "EN",
            "es-419",
            "zh-yue-HK",
        ] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "xx-invalid-tag-long",
            "e",
            "abcdefghi",
            "en-",
            "en--US",
            "",
            "日本語",
            "en-a",
            "en-US-a-x-b",
            "x",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
