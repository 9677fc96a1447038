//! SDO (§4), SRO (§5) and meta-object (§7) property tables.

use super::*;

pub(super) static SDO_TYPES: &[TypeSpec] = &[
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
];
