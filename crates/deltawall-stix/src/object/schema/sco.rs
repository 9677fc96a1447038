//! SCO property tables (§6).

use super::*;

pub(super) static SCO_TYPES: &[TypeSpec] = &[
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
            ("body_multipart", Prop::NonEmptyList),
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
            ("values", Prop::NonEmptyList),
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
