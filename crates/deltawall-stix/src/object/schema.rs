//! Per-type property tables: which properties each STIX 2.1 type defines, which are
//! required, and what shape their values take (spec §4 SDOs, §5 SROs, §6 SCOs, §7 meta).

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
    TYPES.iter().find(|t| t.name == ty)
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

const KILL: (&str, Prop) = ("kill_chain_phases", Prop::KillChain);

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
const INDICATOR_TYPES: &[&str] = &[
    "anomalous-activity",
    "anonymization",
    "benign",
    "compromised",
    "malicious-activity",
    "attribution",
    "unknown",
];
const IDENTITY_CLASSES: &[&str] = &[
    "individual",
    "group",
    "system",
    "organization",
    "class",
    "unknown",
];
const SECTORS: &[&str] = &[
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
const REPORT_TYPES: &[&str] = &[
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
const MALWARE_TYPES: &[&str] = &[
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
const TOOL_TYPES: &[&str] = &[
    "denial-of-service",
    "exploitation",
    "information-gathering",
    "network-capture",
    "credential-exploitation",
    "remote-access",
    "vulnerability-scanning",
    "unknown",
];
const THREAT_ACTOR_TYPES: &[&str] = &[
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
const ACCOUNT_TYPES: &[&str] = &[
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
const EXTENSION_TYPES: &[&str] = &[
    "new-sdo",
    "new-sco",
    "new-sro",
    "property-extension",
    "toplevel-property-extension",
];
const ADDR_TARGETS: Target = Target::Types(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);
const PORT: Prop = Prop::Int(0, 65535);

static TYPES: &[TypeSpec] = &[
    // §4.1
    TypeSpec {
        name: "attack-pattern",
        kind: ObjectKind::Sdo,
        required: &["name"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("aliases", Prop::StrList),
            KILL,
        ],
    },
    // §4.2
    TypeSpec {
        name: "campaign",
        kind: ObjectKind::Sdo,
        required: &["name"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("aliases", Prop::StrList),
            ("first_seen", Prop::Ts),
            ("last_seen", Prop::Ts),
            ("objective", Prop::Str),
        ],
    },
    // §4.3
    TypeSpec {
        name: "course-of-action",
        kind: ObjectKind::Sdo,
        required: &["name"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("action", Prop::Any),
        ],
    },
    // §4.4
    TypeSpec {
        name: "grouping",
        kind: ObjectKind::Sdo,
        required: &["context", "object_refs"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("context", Prop::Str),
            ("object_refs", Prop::RefList(Target::Any)),
        ],
    },
    // §4.5
    TypeSpec {
        name: "identity",
        kind: ObjectKind::Sdo,
        required: &["name"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("roles", Prop::StrList),
            ("identity_class", Prop::Vocab(IDENTITY_CLASSES)),
            ("sectors", Prop::VocabList(SECTORS)),
            ("contact_information", Prop::Str),
        ],
    },
    // §4.6
    TypeSpec {
        name: "incident",
        kind: ObjectKind::Sdo,
        required: &["name"],
        props: &[("name", Prop::Str), ("description", Prop::Str), KILL],
    },
    // §4.7
    TypeSpec {
        name: "indicator",
        kind: ObjectKind::Sdo,
        required: &["pattern", "pattern_type", "valid_from"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("indicator_types", Prop::VocabList(INDICATOR_TYPES)),
            ("pattern", Prop::Str),
            ("pattern_type", Prop::Vocab(PATTERN_TYPES)),
            ("pattern_version", Prop::Str),
            ("valid_from", Prop::Ts),
            ("valid_until", Prop::Ts),
            KILL,
        ],
    },
    // §4.8
    TypeSpec {
        name: "infrastructure",
        kind: ObjectKind::Sdo,
        required: &["name"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("infrastructure_types", Prop::StrList),
            ("aliases", Prop::StrList),
            KILL,
            ("first_seen", Prop::Ts),
            ("last_seen", Prop::Ts),
        ],
    },
    // §4.9
    TypeSpec {
        name: "intrusion-set",
        kind: ObjectKind::Sdo,
        required: &["name"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("aliases", Prop::StrList),
            ("first_seen", Prop::Ts),
            ("last_seen", Prop::Ts),
            ("goals", Prop::StrList),
            ("resource_level", Prop::Str),
            ("primary_motivation", Prop::Str),
            ("secondary_motivations", Prop::StrList),
        ],
    },
    // §4.10
    TypeSpec {
        name: "location",
        kind: ObjectKind::Sdo,
        required: &[],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("latitude", Prop::Float),
            ("longitude", Prop::Float),
            ("precision", Prop::Float),
            ("region", Prop::Str),
            ("country", Prop::Str),
            ("administrative_area", Prop::Str),
            ("city", Prop::Str),
            ("street_address", Prop::Str),
            ("postal_code", Prop::Str),
        ],
    },
    // §4.11
    TypeSpec {
        name: "malware",
        kind: ObjectKind::Sdo,
        required: &["is_family"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("malware_types", Prop::VocabList(MALWARE_TYPES)),
            ("is_family", Prop::Bool),
            ("aliases", Prop::StrList),
            KILL,
            ("first_seen", Prop::Ts),
            ("last_seen", Prop::Ts),
            (
                "operating_system_refs",
                Prop::RefList(Target::Types(&["software"])),
            ),
            ("architecture_execution_envs", Prop::StrList),
            ("implementation_languages", Prop::StrList),
            ("capabilities", Prop::StrList),
            (
                "sample_refs",
                Prop::RefList(Target::Types(&["file", "artifact"])),
            ),
        ],
    },
    // §4.13
    TypeSpec {
        name: "note",
        kind: ObjectKind::Sdo,
        required: &["content", "object_refs"],
        props: &[
            ("abstract", Prop::Str),
            ("content", Prop::Str),
            ("authors", Prop::StrList),
            ("object_refs", Prop::RefList(Target::Any)),
        ],
    },
    // §4.14
    TypeSpec {
        name: "observed-data",
        kind: ObjectKind::Sdo,
        required: &["first_observed", "last_observed", "number_observed"],
        props: &[
            ("first_observed", Prop::Ts),
            ("last_observed", Prop::Ts),
            ("number_observed", Prop::Int(1, 999_999_999)),
            ("objects", Prop::Dict),
            ("object_refs", Prop::RefList(Target::Any)),
        ],
    },
    // §4.15
    TypeSpec {
        name: "opinion",
        kind: ObjectKind::Sdo,
        required: &["opinion", "object_refs"],
        props: &[
            ("explanation", Prop::Str),
            ("authors", Prop::StrList),
            ("opinion", Prop::Enum(OPINIONS)),
            ("object_refs", Prop::RefList(Target::Any)),
        ],
    },
    // §4.16
    TypeSpec {
        name: "report",
        kind: ObjectKind::Sdo,
        required: &["name", "published", "object_refs"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("report_types", Prop::VocabList(REPORT_TYPES)),
            ("published", Prop::Ts),
            ("object_refs", Prop::RefList(Target::Any)),
        ],
    },
    // §4.17
    TypeSpec {
        name: "threat-actor",
        kind: ObjectKind::Sdo,
        required: &["name"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("threat_actor_types", Prop::VocabList(THREAT_ACTOR_TYPES)),
            ("aliases", Prop::StrList),
            ("first_seen", Prop::Ts),
            ("last_seen", Prop::Ts),
            ("roles", Prop::StrList),
            ("goals", Prop::StrList),
            ("sophistication", Prop::Str),
            ("resource_level", Prop::Str),
            ("primary_motivation", Prop::Str),
            ("secondary_motivations", Prop::StrList),
            ("personal_motivations", Prop::StrList),
        ],
    },
    // §4.18
    TypeSpec {
        name: "tool",
        kind: ObjectKind::Sdo,
        required: &["name"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("tool_types", Prop::VocabList(TOOL_TYPES)),
            ("aliases", Prop::StrList),
            KILL,
            ("tool_version", Prop::Str),
        ],
    },
    // §4.19
    TypeSpec {
        name: "vulnerability",
        kind: ObjectKind::Sdo,
        required: &["name"],
        props: &[("name", Prop::Str), ("description", Prop::Str)],
    },
    // §5.1
    TypeSpec {
        name: "relationship",
        kind: ObjectKind::Sro,
        required: &["relationship_type", "source_ref", "target_ref"],
        props: &[
            ("relationship_type", Prop::Str),
            ("description", Prop::Str),
            ("source_ref", Prop::Ref(Target::SdoOrSco)),
            ("target_ref", Prop::Ref(Target::SdoOrSco)),
            ("start_time", Prop::Ts),
            ("stop_time", Prop::Ts),
        ],
    },
    // §5.2
    TypeSpec {
        name: "sighting",
        kind: ObjectKind::Sro,
        required: &["sighting_of_ref"],
        props: &[
            ("description", Prop::Str),
            ("first_seen", Prop::Ts),
            ("last_seen", Prop::Ts),
            ("count", Prop::Int(0, 999_999_999)),
            ("sighting_of_ref", Prop::Ref(Target::Sdo)),
            (
                "observed_data_refs",
                Prop::RefList(Target::Types(&["observed-data"])),
            ),
            (
                "where_sighted_refs",
                Prop::RefList(Target::Types(&["identity", "location"])),
            ),
            ("summary", Prop::Bool),
        ],
    },
    // §7.1
    TypeSpec {
        name: "language-content",
        kind: ObjectKind::Meta,
        required: &["object_ref", "contents"],
        props: &[
            ("object_ref", Prop::Ref(Target::Any)),
            ("object_modified", Prop::Ts),
            ("contents", Prop::Dict),
        ],
    },
    // §7.2.1
    TypeSpec {
        name: "marking-definition",
        kind: ObjectKind::Meta,
        required: &[],
        props: &[
            ("name", Prop::Str),
            ("definition_type", Prop::Str),
            ("definition", Prop::Dict),
        ],
    },
    // §7.3
    TypeSpec {
        name: "extension-definition",
        kind: ObjectKind::Meta,
        required: &["name", "schema", "version", "extension_types"],
        props: &[
            ("name", Prop::Str),
            ("description", Prop::Str),
            ("schema", Prop::Str),
            ("version", Prop::Str),
            ("extension_types", Prop::VocabList(EXTENSION_TYPES)),
            ("extension_properties", Prop::StrList),
        ],
    },
    // §6.1
    TypeSpec {
        name: "artifact",
        kind: ObjectKind::Sco,
        required: &[],
        props: &[
            ("mime_type", Prop::Str),
            ("payload_bin", Prop::Bin),
            ("url", Prop::Str),
            ("hashes", Prop::Hashes),
            ("encryption_algorithm", Prop::Str),
            ("decryption_key", Prop::Str),
        ],
    },
    // §6.2
    TypeSpec {
        name: "autonomous-system",
        kind: ObjectKind::Sco,
        required: &["number"],
        props: &[
            ("number", Prop::Int(0, u32::MAX as i64)),
            ("name", Prop::Str),
            ("rir", Prop::Str),
        ],
    },
    // §6.3
    TypeSpec {
        name: "directory",
        kind: ObjectKind::Sco,
        required: &["path"],
        props: &[
            ("path", Prop::Str),
            ("path_enc", Prop::Str),
            ("ctime", Prop::Ts),
            ("mtime", Prop::Ts),
            ("atime", Prop::Ts),
            (
                "contains_refs",
                Prop::RefList(Target::Types(&["file", "directory"])),
            ),
        ],
    },
    // §6.4
    TypeSpec {
        name: "domain-name",
        kind: ObjectKind::Sco,
        required: &["value"],
        props: &[
            ("value", Prop::Str),
            (
                "resolves_to_refs",
                Prop::RefList(Target::Types(&["ipv4-addr", "ipv6-addr", "domain-name"])),
            ),
        ],
    },
    // §6.5
    TypeSpec {
        name: "email-addr",
        kind: ObjectKind::Sco,
        required: &["value"],
        props: &[
            ("value", Prop::Str),
            ("display_name", Prop::Str),
            (
                "belongs_to_ref",
                Prop::Ref(Target::Types(&["user-account"])),
            ),
        ],
    },
    // §6.6
    TypeSpec {
        name: "email-message",
        kind: ObjectKind::Sco,
        required: &["is_multipart"],
        props: &[
            ("is_multipart", Prop::Bool),
            ("date", Prop::Ts),
            ("content_type", Prop::Str),
            ("from_ref", Prop::Ref(Target::Types(&["email-addr"]))),
            ("sender_ref", Prop::Ref(Target::Types(&["email-addr"]))),
            ("to_refs", Prop::RefList(Target::Types(&["email-addr"]))),
            ("cc_refs", Prop::RefList(Target::Types(&["email-addr"]))),
            ("bcc_refs", Prop::RefList(Target::Types(&["email-addr"]))),
            ("message_id", Prop::Str),
            ("subject", Prop::Str),
            ("received_lines", Prop::StrList),
            ("additional_header_fields", Prop::Dict),
            ("body", Prop::Str),
            ("body_multipart", Prop::List),
            ("raw_email_ref", Prop::Ref(Target::Types(&["artifact"]))),
        ],
    },
    // §6.7
    TypeSpec {
        name: "file",
        kind: ObjectKind::Sco,
        required: &[],
        props: &[
            ("hashes", Prop::Hashes),
            ("size", Prop::Int(0, i64::MAX)),
            ("name", Prop::Str),
            ("name_enc", Prop::Str),
            ("magic_number_hex", Prop::Hex),
            ("mime_type", Prop::Str),
            ("ctime", Prop::Ts),
            ("mtime", Prop::Ts),
            ("atime", Prop::Ts),
            (
                "parent_directory_ref",
                Prop::Ref(Target::Types(&["directory"])),
            ),
            ("contains_refs", Prop::RefList(Target::Sco)),
            ("content_ref", Prop::Ref(Target::Types(&["artifact"]))),
        ],
    },
    // §6.8
    TypeSpec {
        name: "ipv4-addr",
        kind: ObjectKind::Sco,
        required: &["value"],
        props: &[
            ("value", Prop::Str),
            (
                "resolves_to_refs",
                Prop::RefList(Target::Types(&["mac-addr"])),
            ),
            (
                "belongs_to_refs",
                Prop::RefList(Target::Types(&["autonomous-system"])),
            ),
        ],
    },
    // §6.9
    TypeSpec {
        name: "ipv6-addr",
        kind: ObjectKind::Sco,
        required: &["value"],
        props: &[
            ("value", Prop::Str),
            (
                "resolves_to_refs",
                Prop::RefList(Target::Types(&["mac-addr"])),
            ),
            (
                "belongs_to_refs",
                Prop::RefList(Target::Types(&["autonomous-system"])),
            ),
        ],
    },
    // §6.10
    TypeSpec {
        name: "mac-addr",
        kind: ObjectKind::Sco,
        required: &["value"],
        props: &[("value", Prop::Str)],
    },
    // §6.11
    TypeSpec {
        name: "mutex",
        kind: ObjectKind::Sco,
        required: &["name"],
        props: &[("name", Prop::Str)],
    },
    // §6.12
    TypeSpec {
        name: "network-traffic",
        kind: ObjectKind::Sco,
        required: &["protocols"],
        props: &[
            ("start", Prop::Ts),
            ("end", Prop::Ts),
            ("is_active", Prop::Bool),
            ("src_ref", Prop::Ref(ADDR_TARGETS)),
            ("dst_ref", Prop::Ref(ADDR_TARGETS)),
            ("src_port", PORT),
            ("dst_port", PORT),
            ("protocols", Prop::StrList),
            ("src_byte_count", Prop::Int(0, i64::MAX)),
            ("dst_byte_count", Prop::Int(0, i64::MAX)),
            ("src_packets", Prop::Int(0, i64::MAX)),
            ("dst_packets", Prop::Int(0, i64::MAX)),
            ("ipfix", Prop::Dict),
            ("src_payload_ref", Prop::Ref(Target::Types(&["artifact"]))),
            ("dst_payload_ref", Prop::Ref(Target::Types(&["artifact"]))),
            (
                "encapsulates_refs",
                Prop::RefList(Target::Types(&["network-traffic"])),
            ),
            (
                "encapsulated_by_ref",
                Prop::Ref(Target::Types(&["network-traffic"])),
            ),
        ],
    },
    // §6.13
    TypeSpec {
        name: "process",
        kind: ObjectKind::Sco,
        required: &[],
        props: &[
            ("is_hidden", Prop::Bool),
            ("pid", Prop::Int(0, i64::MAX)),
            ("created_time", Prop::Ts),
            ("cwd", Prop::Str),
            ("command_line", Prop::Str),
            ("environment_variables", Prop::Dict),
            (
                "opened_connection_refs",
                Prop::RefList(Target::Types(&["network-traffic"])),
            ),
            (
                "creator_user_ref",
                Prop::Ref(Target::Types(&["user-account"])),
            ),
            ("image_ref", Prop::Ref(Target::Types(&["file"]))),
            ("parent_ref", Prop::Ref(Target::Types(&["process"]))),
            ("child_refs", Prop::RefList(Target::Types(&["process"]))),
        ],
    },
    // §6.14
    TypeSpec {
        name: "software",
        kind: ObjectKind::Sco,
        required: &["name"],
        props: &[
            ("name", Prop::Str),
            ("cpe", Prop::Str),
            ("swid", Prop::Str),
            ("languages", Prop::StrList),
            ("vendor", Prop::Str),
            ("version", Prop::Str),
        ],
    },
    // §6.15
    TypeSpec {
        name: "url",
        kind: ObjectKind::Sco,
        required: &["value"],
        props: &[("value", Prop::Str)],
    },
    // §6.16
    TypeSpec {
        name: "user-account",
        kind: ObjectKind::Sco,
        required: &[],
        props: &[
            ("user_id", Prop::Str),
            ("credential", Prop::Str),
            ("account_login", Prop::Str),
            ("account_type", Prop::Vocab(ACCOUNT_TYPES)),
            ("display_name", Prop::Str),
            ("is_service_account", Prop::Bool),
            ("is_privileged", Prop::Bool),
            ("can_escalate_privs", Prop::Bool),
            ("is_disabled", Prop::Bool),
            ("account_created", Prop::Ts),
            ("account_expires", Prop::Ts),
            ("credential_last_changed", Prop::Ts),
            ("account_first_login", Prop::Ts),
            ("account_last_login", Prop::Ts),
        ],
    },
    // §6.17
    TypeSpec {
        name: "windows-registry-key",
        kind: ObjectKind::Sco,
        required: &[],
        props: &[
            ("key", Prop::Str),
            ("values", Prop::List),
            ("modified_time", Prop::Ts),
            (
                "creator_user_ref",
                Prop::Ref(Target::Types(&["user-account"])),
            ),
            ("number_of_subkeys", Prop::Int(0, i64::MAX)),
        ],
    },
    // §6.18
    TypeSpec {
        name: "x509-certificate",
        kind: ObjectKind::Sco,
        required: &[],
        props: &[
            ("is_self_signed", Prop::Bool),
            ("hashes", Prop::Hashes),
            ("version", Prop::Str),
            ("serial_number", Prop::Str),
            ("signature_algorithm", Prop::Str),
            ("issuer", Prop::Str),
            ("validity_not_before", Prop::Ts),
            ("validity_not_after", Prop::Ts),
            ("subject", Prop::Str),
            ("subject_public_key_algorithm", Prop::Str),
            ("subject_public_key_modulus", Prop::Str),
            ("subject_public_key_exponent", Prop::Int(0, i64::MAX)),
            ("x509_v3_extensions", Prop::Dict),
        ],
    },
];
