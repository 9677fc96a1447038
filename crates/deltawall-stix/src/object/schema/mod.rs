//! Per-type property tables: which properties each STIX 2.1 type defines, which are
//! required, and what shape their values take (spec §4 SDOs, §5 SROs, §6 SCOs, §7 meta).

mod sco;
mod sdo;

/// The broad category of a STIX object (§1.3 terminology).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    /// STIX Domain Object (§4).
    Sdo,
    /// STIX Relationship Object (§5).
    Sro,
    /// STIX Cyber-observable Object (§6).
    Sco,
    /// Meta object: marking-definition, language-content, extension-definition (§7).
    Meta,
    /// A type this crate does not know (custom object, §11.2, or an extension-defined type).
    Custom,
}

/// What a reference property may point at.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Exactly these types.
    Types(&'static [&'static str]),
    /// Any SDO (known SDO types, or unknown custom types).
    Sdo,
    /// Any SCO (known SCO types, or unknown custom types).
    Sco,
    /// An SDO or an SCO but not an SRO or meta object.
    SdoOrSco,
    /// Any identifier.
    Any,
}

/// The value shape of one property.
#[derive(Debug, Clone, Copy)]
pub enum Prop {
    /// A string.
    Str,
    /// A non-empty list of strings.
    StrList,
    /// A timestamp (§2.16).
    Ts,
    /// An integer in the inclusive range.
    Int(i64, i64),
    /// A number.
    Float,
    /// A boolean.
    Bool,
    /// One identifier.
    Ref(Target),
    /// A non-empty list of identifiers.
    RefList(Target),
    /// A string from a closed enumeration.
    Enum(&'static [&'static str]),
    /// A string from an open vocabulary; other values are warnings.
    Vocab(&'static [&'static str]),
    /// A list of strings from an open vocabulary.
    VocabList(&'static [&'static str]),
    /// A hashes dictionary (§2.7).
    Hashes,
    /// A list of kill-chain phases (§2.8).
    KillChain,
    /// A dictionary (§2.6).
    Dict,
    /// Any list.
    List,
    /// A list with at least one item.
    NonEmptyList,
    /// A hex string (§2.4).
    Hex,
    /// A base64 binary string (§2.1).
    Bin,
    /// Any JSON value.
    Any,
}

/// The table entry for one type.
#[derive(Debug)]
pub struct TypeSpec {
    /// The `type` value.
    pub name: &'static str,
    /// Category.
    pub kind: ObjectKind,
    /// Required type-specific properties.
    pub required: &'static [&'static str],
    /// All type-specific properties with their shapes.
    pub props: &'static [(&'static str, Prop)],
}

/// The entry for `ty`, if the crate knows it.
pub fn spec_for(ty: &str) -> Option<&'static TypeSpec> {
    sdo::SDO_TYPES
        .iter()
        .chain(sco::SCO_TYPES)
        .find(|t| t.name == ty)
}

/// The category of `ty`; unknown types are [`ObjectKind::Custom`].
pub fn kind_of(ty: &str) -> ObjectKind {
    spec_for(ty).map_or(ObjectKind::Custom, |t| t.kind)
}

/// Whether an identifier of type `ty` satisfies `target`. Custom types are accepted for
/// `Sdo`/`Sco` because their category cannot be known without their extension definition.
pub fn target_accepts(target: Target, ty: &str) -> bool {
    let kind = kind_of(ty);
    match target {
        Target::Types(list) => list.contains(&ty),
        Target::Sdo => matches!(kind, ObjectKind::Sdo | ObjectKind::Custom),
        Target::Sco => matches!(kind, ObjectKind::Sco | ObjectKind::Custom),
        Target::SdoOrSco => matches!(kind, ObjectKind::Sdo | ObjectKind::Sco | ObjectKind::Custom),
        Target::Any => true,
    }
}

/// Describes a target for messages.
pub fn describe_target(target: Target) -> String {
    match target {
        Target::Types(list) => list.join(" or "),
        Target::Sdo => "an sdo".into(),
        Target::Sco => "an sco".into(),
        Target::SdoOrSco => "an sdo or sco".into(),
        Target::Any => "any object".into(),
    }
}

pub(super) const KILL: (&str, Prop) = ("kill_chain_phases", Prop::KillChain);

/// §10.19 pattern-type-ov.
pub const PATTERN_TYPES: &[&str] = &["stix", "pcre", "sigma", "snort", "suricata", "yara"];
/// §10.18 opinion-enum.
pub const OPINIONS: &[&str] = &[
    "strongly-disagree",
    "disagree",
    "neutral",
    "agree",
    "strongly-agree",
];
pub(super) const INDICATOR_TYPES: &[&str] = &[
    "anomalous-activity",
    "anonymization",
    "benign",
    "compromised",
    "malicious-activity",
    "attribution",
    "unknown",
];
pub(super) const IDENTITY_CLASSES: &[&str] = &[
    "individual",
    "group",
    "system",
    "organization",
    "class",
    "unknown",
];
pub(super) const SECTORS: &[&str] = &[
    "agriculture",
    "aerospace",
    "automotive",
    "chemical",
    "commercial",
    "communications",
    "construction",
    "defense",
    "education",
    "energy",
    "entertainment",
    "financial-services",
    "government",
    "emergency-services",
    "government-local",
    "government-national",
    "government-public-services",
    "government-regional",
    "healthcare",
    "hospitality-leisure",
    "infrastructure",
    "dams",
    "nuclear",
    "water",
    "insurance",
    "manufacturing",
    "mining",
    "non-profit",
    "pharmaceuticals",
    "retail",
    "technology",
    "telecommunications",
    "transportation",
    "utilities",
];
pub(super) const REPORT_TYPES: &[&str] = &[
    "attack-pattern",
    "campaign",
    "identity",
    "indicator",
    "intrusion-set",
    "malware",
    "observed-data",
    "threat-actor",
    "threat-report",
    "tool",
    "vulnerability",
];
pub(super) const MALWARE_TYPES: &[&str] = &[
    "adware",
    "backdoor",
    "bot",
    "bootkit",
    "ddos",
    "downloader",
    "dropper",
    "exploit-kit",
    "keylogger",
    "ransomware",
    "remote-access-trojan",
    "resource-exploitation",
    "rogue-security-software",
    "rootkit",
    "screen-capture",
    "spyware",
    "trojan",
    "unknown",
    "virus",
    "webshell",
    "wiper",
    "worm",
];
pub(super) const TOOL_TYPES: &[&str] = &[
    "denial-of-service",
    "exploitation",
    "information-gathering",
    "network-capture",
    "credential-exploitation",
    "remote-access",
    "vulnerability-scanning",
    "unknown",
];
pub(super) const THREAT_ACTOR_TYPES: &[&str] = &[
    "activist",
    "competitor",
    "crime-syndicate",
    "criminal",
    "hacker",
    "insider-accidental",
    "insider-disgruntled",
    "nation-state",
    "sensationalist",
    "spy",
    "terrorist",
    "unknown",
];
pub(super) const ACCOUNT_TYPES: &[&str] = &[
    "facebook",
    "ldap",
    "nis",
    "openid",
    "radius",
    "skype",
    "tacacs",
    "twitter",
    "unix",
    "windows-local",
    "windows-domain",
];
pub(super) const EXTENSION_TYPES: &[&str] = &[
    "new-sdo",
    "new-sco",
    "new-sro",
    "property-extension",
    "toplevel-property-extension",
];
pub(super) const ADDR_TARGETS: Target =
    Target::Types(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);
pub(super) const PORT: Prop = Prop::Int(0, 65535);
