//! Validation of one STIX object against the specification's MUST rules (errors) and
//! SHOULD rules (warnings). Every finding is located by a JSON pointer.

use serde_json::{Map, Value};

use crate::id::{Identifier, is_valid_property_name, is_valid_type_name};
use crate::issue::{Issue, child};
use crate::object::schema::{self, ObjectKind, Prop, Target, TypeSpec};
use crate::timestamp::Timestamp;

/// Validates one object value. `at` is the JSON pointer of the object in its document
/// (empty for a standalone object).
pub fn validate_object(value: &Value, at: &str) -> Vec<Issue> {
    let mut cx = Cx {
        at,
        issues: Vec::new(),
    };
    let Some(obj) = value.as_object() else {
        cx.err_at(at, "a stix object must be a json object");
        return cx.issues;
    };
    let Some(ty) = cx.type_of(obj) else {
        return cx.issues;
    };
    let kind = schema::kind_of(ty);
    cx.check_id(obj, ty);
    cx.check_common(obj, ty, kind);
    let spec = schema::spec_for(ty);
    if let Some(spec) = spec {
        cx.check_specific(obj, spec);
    } else {
        cx.check_custom_type(obj, ty);
    }
    cx.check_unknown_properties(obj, spec, kind);
    crate::object::rules::check_type_rules(&mut cx, obj, ty);
    crate::marking::check_granular_selectors(&mut cx, obj);
    cx.issues
}

/// Validation context: the pointer of the object and the findings so far.
pub(crate) struct Cx<'a> {
    at: &'a str,
    pub(crate) issues: Vec<Issue>,
}

/// Common properties of SDOs and SROs (§3.2) with their shapes.
const COMMON: &[(&str, Prop)] = &[
    ("created_by_ref", Prop::Ref(Target::Types(&["identity"]))),
    ("revoked", Prop::Bool),
    ("labels", Prop::StrList),
    ("confidence", Prop::Int(0, 100)),
    ("lang", Prop::Str),
    ("external_references", Prop::NonEmptyList),
    (
        "object_marking_refs",
        Prop::RefList(Target::Types(&["marking-definition"])),
    ),
    ("granular_markings", Prop::NonEmptyList),
    ("extensions", Prop::Dict),
];

/// Common properties an SCO may carry (§3.2, §6).
const SCO_COMMON: &[&str] = &[
    "object_marking_refs",
    "granular_markings",
    "extensions",
    "defanged",
];

impl Cx<'_> {
    /// Pointer of the object itself.
    pub(crate) fn here(&self) -> String {
        self.at.to_owned()
    }

    /// Pointer of property `name` of the object.
    pub(crate) fn ptr(&self, name: &str) -> String {
        child(self.at, name)
    }

    /// Records an error at an absolute pointer.
    pub(crate) fn err_at(&mut self, pointer: &str, message: impl Into<String>) {
        self.issues.push(Issue::error(pointer, message));
    }

    /// Records an error on property `name`.
    pub(crate) fn err(&mut self, name: &str, message: impl Into<String>) {
        let p = self.ptr(name);
        self.issues.push(Issue::error(p, message));
    }

    /// Records a warning on property `name`.
    pub(crate) fn warn(&mut self, name: &str, message: impl Into<String>) {
        let p = self.ptr(name);
        self.issues.push(Issue::warning(p, message));
    }

    fn type_of<'v>(&mut self, obj: &'v Map<String, Value>) -> Option<&'v str> {
        match obj.get("type") {
            None => {
                self.err_at(self.at, "missing required property `type`");
                None
            }
            Some(Value::String(t)) if is_valid_type_name(t) => Some(t),
            Some(Value::String(t)) => {
                self.err("type", format!("invalid type name `{t}`"));
                None
            }
            Some(_) => {
                self.err("type", "`type` must be a string");
                None
            }
        }
    }

    fn check_id(&mut self, obj: &Map<String, Value>, ty: &str) {
        match obj.get("id") {
            None => self.err_at(self.at, "missing required property `id`"),
            Some(Value::String(s)) => match Identifier::parse(s) {
                Ok(id) if id.object_type() != ty => self.err(
                    "id",
                    format!(
                        "id type `{}` does not match object type `{ty}`",
                        id.object_type()
                    ),
                ),
                Ok(_) => {}
                Err(e) => self.err("id", e.to_string()),
            },
            Some(_) => self.err("id", "`id` must be a string"),
        }
    }

    fn check_common(&mut self, obj: &Map<String, Value>, ty: &str, kind: ObjectKind) {
        self.check_spec_version(obj, kind);
        let versioned = matches!(kind, ObjectKind::Sdo | ObjectKind::Sro)
            || matches!(ty, "language-content" | "extension-definition");
        let created =
            self.check_version_stamp(obj, "created", versioned || ty == "marking-definition");
        let modified = self.check_version_stamp(obj, "modified", versioned);
        if ty == "marking-definition" && obj.contains_key("modified") {
            self.err(
                "modified",
                "marking definitions cannot be versioned and have no `modified` (§7.2.1)",
            );
        }
        if let (Some(c), Some(m)) = (created, modified)
            && m < c
        {
            self.err(
                "modified",
                "`modified` must be later than or equal to `created` (§3.2)",
            );
        }
        for (name, prop) in COMMON {
            if let Some(v) = obj.get(*name) {
                self.check_prop(name, *prop, v);
            }
        }
        if let Some(v) = obj.get("defanged") {
            self.check_prop("defanged", Prop::Bool, v);
        }
        if let Some(Value::Array(refs)) = obj.get("external_references") {
            self.check_external_references(refs);
        }
        if let Some(Value::String(lang)) = obj.get("lang")
            && !crate::lang::is_language_tag(lang)
        {
            self.err("lang", "`lang` must be an rfc 5646 language code");
        }
        if let Some(Value::Object(ext)) = obj.get("extensions") {
            self.check_extensions(ext);
        }
    }

    fn check_spec_version(&mut self, obj: &Map<String, Value>, kind: ObjectKind) {
        match obj.get("spec_version") {
            Some(Value::String(v)) if v == "2.1" => {}
            Some(_) => self.err("spec_version", "`spec_version` must be \"2.1\""),
            None if matches!(kind, ObjectKind::Sdo | ObjectKind::Sro | ObjectKind::Meta) => {
                self.err_at(self.at, "missing required property `spec_version`")
            }
            None if kind == ObjectKind::Sco => {}
            None => self.issues.push(Issue::warning(
                self.at,
                "custom object has no `spec_version`",
            )),
        }
    }

    /// Checks `created`/`modified`: millisecond precision (§3.2), present when `required`.
    fn check_version_stamp(
        &mut self,
        obj: &Map<String, Value>,
        name: &str,
        required: bool,
    ) -> Option<Timestamp> {
        match obj.get(name) {
            None if required => {
                self.err_at(self.at, format!("missing required property `{name}`"));
                None
            }
            None => None,
            Some(Value::String(s)) => match Timestamp::parse_millis(s) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.err(name, e.to_string());
                    None
                }
            },
            Some(_) => {
                self.err(name, format!("`{name}` must be a timestamp string"));
                None
            }
        }
    }

    fn check_specific(&mut self, obj: &Map<String, Value>, spec: &TypeSpec) {
        for req in spec.required {
            if !obj.contains_key(*req) {
                self.err_at(
                    self.at,
                    format!("missing required property `{req}` for type `{}`", spec.name),
                );
            }
        }
        for (name, prop) in spec.props {
            if let Some(v) = obj.get(*name) {
                self.check_prop(name, *prop, v);
            }
        }
    }

    fn check_custom_type(&mut self, obj: &Map<String, Value>, ty: &str) {
        let by_extension = obj
            .get("extensions")
            .and_then(Value::as_object)
            .is_some_and(|e| e.keys().any(|k| k.starts_with("extension-definition--")));
        if !ty.starts_with("x-") && !by_extension {
            self.warn(
                "type",
                format!(
                    "unknown type `{ty}` should start with `x-` or use an extension definition"
                ),
            );
        }
        for (name, v) in obj {
            if (name.ends_with("_ref") || name.ends_with("_refs"))
                && !COMMON.iter().any(|(c, _)| c == name)
            {
                let prop = if name.ends_with("_ref") {
                    Prop::Ref(Target::Any)
                } else {
                    Prop::RefList(Target::Any)
                };
                self.check_prop(name, prop, v);
            }
        }
    }

    fn check_unknown_properties(
        &mut self,
        obj: &Map<String, Value>,
        spec: Option<&TypeSpec>,
        kind: ObjectKind,
    ) {
        let Some(spec) = spec else {
            for name in obj.keys() {
                if !is_valid_property_name(name) {
                    self.err(name, format!("invalid property name `{name}`"));
                }
            }
            return;
        };
        for name in obj.keys() {
            if is_defined(name, spec, kind) {
                continue;
            }
            if !is_valid_property_name(name) {
                self.err(name, format!("invalid property name `{name}`"));
            } else if !name.starts_with("x_") {
                self.warn(
                    name,
                    format!("custom property `{name}` should start with `x_` (§11.1.1)"),
                );
            }
        }
    }

    fn check_external_references(&mut self, refs: &[Value]) {
        let base = self.ptr("external_references");
        for (i, r) in refs.iter().enumerate() {
            let at = format!("{base}/{i}");
            let Some(r) = r.as_object() else {
                self.err_at(&at, "external reference must be an object");
                continue;
            };
            if !matches!(r.get("source_name"), Some(Value::String(_))) {
                self.err_at(
                    &at,
                    "external reference requires a string `source_name` (§2.5)",
                );
            }
            if !["description", "url", "external_id"]
                .iter()
                .any(|k| r.contains_key(*k))
            {
                self.err_at(
                    &at,
                    "external reference needs one of `description`, `url` or `external_id` (§2.5)",
                );
            }
            if let Some(problem) = well_known_id_problem(r) {
                self.err_at(&child(&at, "external_id"), problem);
            }
            if let Some(h) = r.get("hashes") {
                self.check_hashes(&child(&at, "hashes"), h);
            }
        }
    }

    /// §7.3: extensions keyed by an extension-definition id need `extension_type`; every
    /// extension's property names follow the property-name rules (§7.3, §11.1.1).
    fn check_extensions(&mut self, ext: &Map<String, Value>) {
        let base = self.ptr("extensions");
        for (key, v) in ext {
            let at = child(&base, key);
            let by_definition = key.starts_with("extension-definition--");
            if by_definition {
                if let Err(e) = Identifier::parse(key) {
                    self.err_at(&at, e.to_string());
                }
            } else if !is_valid_type_name(key) {
                self.err_at(&at, format!("invalid extension name `{key}`"));
            }
            let Some(body) = v.as_object() else {
                self.err_at(&at, "an extension must be an object");
                continue;
            };
            if by_definition {
                match body.get("extension_type") {
                    None => self.err_at(&at, "missing required property `extension_type`"),
                    Some(t) => check_value(
                        &mut self.issues,
                        &child(&at, "extension_type"),
                        Prop::Enum(EXTENSION_TYPES),
                        t,
                    ),
                }
            }
            for name in body.keys().filter(|n| !is_valid_property_name(n)) {
                self.err_at(&child(&at, name), format!("invalid property name `{name}`"));
            }
        }
    }

    /// Checks one property value against its shape.
    pub(crate) fn check_prop(&mut self, name: &str, prop: Prop, v: &Value) {
        let at = self.ptr(name);
        check_value(&mut self.issues, &at, prop, v);
    }

    /// Validates a hashes dictionary at pointer `at`.
    pub(crate) fn check_hashes(&mut self, at: &str, v: &Value) {
        check_value(&mut self.issues, at, Prop::Hashes, v);
    }
}

fn is_defined(name: &str, spec: &TypeSpec, kind: ObjectKind) -> bool {
    const BASE: &[&str] = &["type", "id", "spec_version"];
    BASE.contains(&name)
        || spec.props.iter().any(|(p, _)| *p == name)
        || match kind {
            ObjectKind::Sco => SCO_COMMON.contains(&name),
            _ => name == "created" || name == "modified" || COMMON.iter().any(|(c, _)| *c == name),
        }
}

/// Shape check for one value at `at`.
fn check_value(issues: &mut Vec<Issue>, at: &str, prop: Prop, v: &Value) {
    let mut err = |m: String| issues.push(Issue::error(at, m));
    match prop {
        Prop::Str if !v.is_string() => err("must be a string".into()),
        Prop::Bool if !v.is_boolean() => err("must be a boolean".into()),
        Prop::Float if !v.is_number() => err("must be a number".into()),
        Prop::Dict if !v.is_object() => err("must be a dictionary".into()),
        Prop::List | Prop::NonEmptyList if !v.is_array() => err("must be a list".into()),
        Prop::NonEmptyList if v.as_array().is_some_and(Vec::is_empty) => {
            err("list must not be empty".into())
        }
        Prop::Dict if v.as_object().is_some_and(Map::is_empty) => {
            err("dictionary must not be empty".into())
        }
        Prop::Any
        | Prop::Str
        | Prop::Bool
        | Prop::Float
        | Prop::Dict
        | Prop::List
        | Prop::NonEmptyList => {}
        Prop::Ts => match v.as_str().map(Timestamp::parse) {
            Some(Ok(_)) => {}
            Some(Err(e)) => err(e.to_string()),
            None => err("must be a timestamp string".into()),
        },
        Prop::Int(lo, hi) => match v.as_i64() {
            Some(n) if (lo..=hi).contains(&n) => {}
            Some(n) => err(format!("{n} is outside the allowed range {lo}..={hi}")),
            None => err("must be an integer".into()),
        },
        Prop::StrList => check_list(issues, at, v, |is, p, item| {
            check_value(is, p, Prop::Str, item)
        }),
        Prop::Ref(t) => check_ref(issues, at, t, v),
        Prop::RefList(t) => check_list(issues, at, v, |is, p, item| check_ref(is, p, t, item)),
        Prop::Enum(allowed) => match v.as_str() {
            Some(s) if allowed.contains(&s) => {}
            Some(s) => err(format!("`{s}` is not one of {}", allowed.join(", "))),
            None => err("must be a string".into()),
        },
        Prop::Vocab(known) => match v.as_str() {
            Some(s) if known.contains(&s) => {}
            Some(s) => issues.push(Issue::warning(
                at,
                format!("`{s}` is not in the suggested vocabulary"),
            )),
            None => err("must be a string".into()),
        },
        Prop::VocabList(known) => check_list(issues, at, v, |is, p, item| {
            check_value(is, p, Prop::Vocab(known), item)
        }),
        Prop::Hashes => check_hashes_value(issues, at, v),
        Prop::KillChain => check_list(issues, at, v, check_kill_chain),
        Prop::Hex => match v.as_str() {
            Some(s) if s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit()) => {}
            _ => err("must be a hex string with an even number of digits".into()),
        },
        Prop::Bin => match v.as_str().map(decode_base64) {
            Some(Some(_)) => {}
            _ => err("must be a base64 string".into()),
        },
    }
}

fn check_list(
    issues: &mut Vec<Issue>,
    at: &str,
    v: &Value,
    mut each: impl FnMut(&mut Vec<Issue>, &str, &Value),
) {
    match v.as_array() {
        None => issues.push(Issue::error(at, "must be a list")),
        Some(items) if items.is_empty() => issues.push(Issue::error(at, "list must not be empty")),
        Some(items) => {
            for (i, item) in items.iter().enumerate() {
                each(issues, &format!("{at}/{i}"), item);
            }
        }
    }
}

fn check_ref(issues: &mut Vec<Issue>, at: &str, target: Target, v: &Value) {
    let Some(s) = v.as_str() else {
        issues.push(Issue::error(at, "must be an identifier string"));
        return;
    };
    match Identifier::parse(s) {
        Err(e) => issues.push(Issue::error(at, e.to_string())),
        Ok(id) if !schema::target_accepts(target, id.object_type()) => issues.push(Issue::error(
            at,
            format!(
                "must refer to {}, not `{}`",
                schema::describe_target(target),
                id.object_type()
            ),
        )),
        Ok(_) => {}
    }
}

fn check_kill_chain(issues: &mut Vec<Issue>, at: &str, v: &Value) {
    let ok = v.as_object().is_some_and(|o| {
        ["kill_chain_name", "phase_name"]
            .iter()
            .all(|k| o.get(*k).is_some_and(Value::is_string))
    });
    if !ok {
        issues.push(Issue::error(
            at,
            "kill chain phase needs string `kill_chain_name` and `phase_name` (§2.8)",
        ));
    }
}

/// §10.5 extension-type-enum.
const EXTENSION_TYPES: &[&str] = &[
    "new-sdo",
    "new-sco",
    "new-sro",
    "property-extension",
    "toplevel-property-extension",
];

/// The reference validator's rule for well-known sources: `cve` ids look like
/// `CVE-YYYY-NNNN…`, `capec` ids like `CAPEC-N…`.
fn well_known_id_problem(r: &Map<String, Value>) -> Option<&'static str> {
    let id = r.get("external_id").and_then(Value::as_str)?;
    let all_digits = |s: &str, min: usize| s.len() >= min && s.bytes().all(|b| b.is_ascii_digit());
    match r.get("source_name").and_then(Value::as_str)? {
        "cve" => {
            let ok = id
                .strip_prefix("CVE-")
                .and_then(|rest| rest.split_once('-'))
                .is_some_and(|(y, n)| y.len() == 4 && all_digits(y, 4) && all_digits(n, 4));
            (!ok).then_some("a cve external_id must have the form CVE-YYYY-NNNN")
        }
        "capec" => (!id.strip_prefix("CAPEC-").is_some_and(|n| all_digits(n, 1)))
            .then_some("a capec external_id must have the form CAPEC-N"),
        _ => None,
    }
}

/// Expected hex length of hash algorithms with a fixed digest size (§10.7
/// hashing-algorithm-ov and common extensions).
pub(crate) fn hash_hex_len(algorithm: &str) -> Option<usize> {
    Some(match algorithm {
        "MD5" => 32,
        "SHA-1" | "RIPEMD-160" => 40,
        "SHA-224" | "SHA3-224" => 56,
        "SHA-256" | "SHA3-256" => 64,
        "SHA-384" | "SHA3-384" => 96,
        "SHA-512" | "SHA3-512" | "WHIRLPOOL" => 128,
        _ => return None,
    })
}

fn check_hashes_value(issues: &mut Vec<Issue>, at: &str, v: &Value) {
    let Some(map) = v.as_object() else {
        issues.push(Issue::error(at, "hashes must be a dictionary"));
        return;
    };
    if map.is_empty() {
        issues.push(Issue::error(at, "hashes must not be empty"));
    }
    for (alg, h) in map {
        let hat = child(at, alg);
        // §2.7: keys are 3–250 chars of a-z, A-Z, 0-9, `-`, `_`.
        let key_ok = (3..=250).contains(&alg.len())
            && alg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !key_ok {
            issues.push(Issue::error(
                &hat,
                format!("invalid hash algorithm name `{alg}`"),
            ));
        }
        let Some(h) = h.as_str() else {
            issues.push(Issue::error(&hat, "hash value must be a string"));
            continue;
        };
        if let Some(len) = hash_hex_len(alg)
            && !(h.len() == len && h.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            issues.push(Issue::error(
                &hat,
                format!("{alg} hash must be {len} hex digits"),
            ));
        }
    }
}

/// Decodes standard base64, tolerating line breaks (§2.1 allows them in patterns).
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let clean: String = s.chars().filter(|c| !matches!(c, '\n' | '\r')).collect();
    base64::engine::general_purpose::STANDARD.decode(clean).ok()
}
