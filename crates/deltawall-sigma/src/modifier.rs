//! Value modifiers (`field|contains|all`): names, chain validation and value transforms.

use base64::Engine as _;

/// One value modifier of the Sigma 2.1 modifier appendix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Re,
    ReI,
    ReM,
    ReS,
    Cidr,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Windash,
    Exists,
    Lt,
    Lte,
    Gt,
    Gte,
    Neq,
    FieldRef,
    Cased,
    Expand,
    Time(TimePart),
}

/// The part of a date that a time modifier extracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Modifier {
    pub fn parse(name: &str) -> Option<Modifier> {
        use Modifier::*;
        Some(match name {
            "contains" => Contains,
            "startswith" => StartsWith,
            "endswith" => EndsWith,
            "all" => All,
            "re" => Re,
            "i" => ReI,
            "m" => ReM,
            "s" => ReS,
            "cidr" => Cidr,
            "base64" => Base64,
            "base64offset" => Base64Offset,
            "utf16le" | "wide" => Utf16Le,
            "utf16be" => Utf16Be,
            "utf16" => Utf16,
            "windash" => Windash,
            "exists" => Exists,
            "lt" => Lt,
            "lte" => Lte,
            "gt" => Gt,
            "gte" => Gte,
            "neq" => Neq,
            "fieldref" => FieldRef,
            "cased" => Cased,
            "expand" => Expand,
            "minute" => Time(TimePart::Minute),
            "hour" => Time(TimePart::Hour),
            "day" => Time(TimePart::Day),
            "week" => Time(TimePart::Week),
            "month" => Time(TimePart::Month),
            "year" => Time(TimePart::Year),
            _ => return None,
        })
    }

    fn is_string_match(self) -> bool {
        matches!(
            self,
            Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith
        )
    }

    fn is_numeric(self) -> bool {
        matches!(
            self,
            Modifier::Lt | Modifier::Lte | Modifier::Gt | Modifier::Gte
        )
    }

    fn is_encoding(self) -> bool {
        matches!(
            self,
            Modifier::Base64
                | Modifier::Base64Offset
                | Modifier::Utf16Le
                | Modifier::Utf16Be
                | Modifier::Utf16
        )
    }
}

/// Checks that a modifier chain makes sense; returns the reason when it does not.
pub(crate) fn validate(mods: &[Modifier]) -> Result<(), String> {
    use Modifier::*;
    let has = |m: Modifier| mods.contains(&m);
    let count = |f: fn(Modifier) -> bool| mods.iter().filter(|m| f(**m)).count();
    for (i, m) in mods.iter().enumerate() {
        if mods[..i].contains(m) {
            return Err(format!("modifier `{}` appears twice", name(*m)));
        }
    }
    if count(Modifier::is_string_match) > 1 {
        return Err("only one of contains, startswith, endswith may be used".into());
    }
    if count(Modifier::is_numeric) > 1 {
        return Err("only one of lt, lte, gt, gte may be used".into());
    }
    let flags = [ReI, ReM, ReS].iter().any(|f| has(*f));
    if flags && !has(Re) {
        return Err("regex flags i, m, s need the re modifier".into());
    }
    if has(Re)
        && mods
            .iter()
            .any(|m| !matches!(m, Re | ReI | ReM | ReS | All | Neq))
    {
        return Err("re combines only with i, m, s, all and neq".into());
    }
    if has(Exists) && mods.len() > 1 {
        return Err("exists cannot be combined with other modifiers".into());
    }
    if has(Cidr) && mods.iter().any(|m| !matches!(m, Cidr | All | Neq)) {
        return Err("cidr combines only with all and neq".into());
    }
    let numeric = count(Modifier::is_numeric) == 1;
    if numeric
        && mods
            .iter()
            .any(|m| !(m.is_numeric() || matches!(m, All | Time(_))))
    {
        return Err("lt, lte, gt, gte combine only with all and time modifiers".into());
    }
    if mods.iter().filter(|m| matches!(m, Time(_))).count() > 1 {
        return Err("only one time modifier may be used".into());
    }
    if mods.iter().any(|m| matches!(m, Time(_)))
        && mods.iter().any(|m| {
            m.is_encoding()
                || m.is_string_match()
                || matches!(m, Windash | Cidr | FieldRef | Expand)
        })
    {
        return Err("time modifiers combine only with lt, lte, gt, gte, neq and all".into());
    }
    if has(Base64) && has(Base64Offset) {
        return Err("base64 and base64offset exclude each other".into());
    }
    if has(FieldRef)
        && mods
            .iter()
            .any(|m| m.is_encoding() || matches!(m, Windash | Expand | Cidr))
    {
        return Err("fieldref cannot be combined with encodings, windash, expand or cidr".into());
    }
    validate_encoding_order(mods)
}

fn validate_encoding_order(mods: &[Modifier]) -> Result<(), String> {
    use Modifier::*;
    // A utf16 step produces bytes that only make sense as text once base64 encodes them.
    let utf16_at = mods
        .iter()
        .position(|m| matches!(m, Utf16Le | Utf16Be | Utf16));
    let base64_at = mods.iter().position(|m| matches!(m, Base64 | Base64Offset));
    if let Some(u) = utf16_at {
        match base64_at {
            Some(b) if b > u => {}
            _ => return Err("utf16 encodings must be followed by base64 or base64offset".into()),
        }
        if mods
            .iter()
            .filter(|m| matches!(m, Utf16Le | Utf16Be | Utf16))
            .count()
            > 1
        {
            return Err("only one utf16 encoding may be used".into());
        }
    }
    if let (Some(b), Some(w)) = (base64_at, mods.iter().position(|m| *m == Windash))
        && w > b
    {
        return Err("windash after base64 would change the encoded text".into());
    }
    Ok(())
}

/// The modifier's name as written in rules.
pub(crate) fn name(m: Modifier) -> &'static str {
    use Modifier::*;
    match m {
        Contains => "contains",
        StartsWith => "startswith",
        EndsWith => "endswith",
        All => "all",
        Re => "re",
        ReI => "i",
        ReM => "m",
        ReS => "s",
        Cidr => "cidr",
        Base64 => "base64",
        Base64Offset => "base64offset",
        Utf16Le => "utf16le",
        Utf16Be => "utf16be",
        Utf16 => "utf16",
        Windash => "windash",
        Exists => "exists",
        Lt => "lt",
        Lte => "lte",
        Gt => "gt",
        Gte => "gte",
        Neq => "neq",
        FieldRef => "fieldref",
        Cased => "cased",
        Expand => "expand",
        Time(TimePart::Minute) => "minute",
        Time(TimePart::Hour) => "hour",
        Time(TimePart::Day) => "day",
        Time(TimePart::Week) => "week",
        Time(TimePart::Month) => "month",
        Time(TimePart::Year) => "year",
    }
}

/// The dash characters that `windash` treats as interchangeable.
pub(crate) const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Text encoding of a value before base64.
pub(crate) fn utf16(text: &str, m: Modifier) -> Vec<u8> {
    let units = text.encode_utf16();
    let mut out = Vec::new();
    match m {
        Modifier::Utf16Be => units.for_each(|u| out.extend(u.to_be_bytes())),
        Modifier::Utf16 => {
            out.extend([0xFF, 0xFE]);
            units.for_each(|u| out.extend(u.to_le_bytes()));
        }
        _ => units.for_each(|u| out.extend(u.to_le_bytes())),
    }
    out
}

/// Plain base64 of the bytes.
pub(crate) fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The three shifted base64 forms of `bytes` as they appear inside a longer encoded text:
/// the characters that depend on unknown neighbouring bytes are cut off.
pub(crate) fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END_CUT: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|shift| {
            let mut padded = vec![0u8; shift];
            padded.extend_from_slice(bytes);
            // Padding stays in: the cut lengths below are counted with it.
            let encoded = base64(&padded);
            let stop = encoded.len().saturating_sub(END_CUT[padded.len() % 3]);
            encoded.get(START[shift]..stop).unwrap_or("").to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64offset_matches_pysigma_examples() {
        // Expected values are the ones pySigma's test suite pins for `foobar`.
        assert_eq!(
            base64_offsets(b"foobar"),
            ["Zm9vYmFy", "Zvb2Jhc", "mb29iYX"]
        );
    }

    #[test]
    fn utf16_forms() {
        assert_eq!(utf16("cmd", Modifier::Utf16Le), b"c\0m\0d\0");
        assert_eq!(utf16("cmd", Modifier::Utf16Be), b"\0c\0m\0d");
        assert_eq!(utf16("cmd", Modifier::Utf16), b"\xFF\xFEc\0m\0d\0");
    }

    #[track_caller]
    fn chain(text: &str) -> Result<(), String> {
        let mods: Vec<Modifier> = text
            .split('|')
            .map(|m| Modifier::parse(m).unwrap())
            .collect();
        validate(&mods)
    }

    #[test]
    fn chains() {
        assert!(chain("contains|all").is_ok());
        assert!(chain("wide|base64offset|contains").is_ok());
        assert!(chain("re|i|m").is_ok());
        assert!(chain("hour|gte").is_ok());
        assert!(chain("contains|endswith").is_err());
        assert!(chain("i").is_err());
        assert!(chain("re|contains").is_err());
        assert!(chain("wide").is_err());
        assert!(chain("base64|base64offset").is_err());
        assert!(chain("exists|all").is_err());
    }
}
