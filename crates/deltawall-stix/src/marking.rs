//! Data markings (spec §7.2): TLP 1.0 and TLP 2.0 definitions, granular-marking selectors,
//! effective marking sets and the never-downgrade rule.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::id::Identifier;
use crate::issue::child;
use crate::object::StixObject;
use crate::validate::Cx;

/// The TLP 2.0 property-extension definition id (OASIS cti-stix-common-objects,
/// `extension-definition-specifications/tlp-2.0`).
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// TLP levels, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Tlp {
    /// TLP:CLEAR (TLP 1.0 WHITE).
    Clear,
    /// TLP:GREEN.
    Green,
    /// TLP:AMBER.
    Amber,
    /// TLP:AMBER+STRICT (TLP 2.0 only).
    AmberStrict,
    /// TLP:RED.
    Red,
}

/// Which TLP edition a marking-definition id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlpVersion {
    /// STIX 2.1 §7.2.1.4 instances.
    V1,
    /// The OASIS TLP 2.0 extension instances.
    V2,
}

/// (level, TLP 2.0 id, TLP 2.0 value of `tlp_2_0`, name).
const TLP2: &[(Tlp, &str, &str, &str)] = &[
    (
        Tlp::Clear,
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "clear",
        "TLP:CLEAR",
    ),
    (
        Tlp::Green,
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "green",
        "TLP:GREEN",
    ),
    (
        Tlp::Amber,
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber",
        "TLP:AMBER",
    ),
    (
        Tlp::AmberStrict,
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "amber+strict",
        "TLP:AMBER+STRICT",
    ),
    (
        Tlp::Red,
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        "red",
        "TLP:RED",
    ),
];

/// (TLP 2.0 equivalent, TLP 1.0 id, `definition.tlp` value, name), §7.2.1.4.
const TLP1: &[(Tlp, &str, &str, &str)] = &[
    (
        Tlp::Clear,
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "white",
        "TLP:WHITE",
    ),
    (
        Tlp::Green,
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "green",
        "TLP:GREEN",
    ),
    (
        Tlp::Amber,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        "amber",
        "TLP:AMBER",
    ),
    (
        Tlp::Red,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        "red",
        "TLP:RED",
    ),
];

impl Tlp {
    /// All levels, least restrictive first.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    fn row(self) -> &'static (Tlp, &'static str, &'static str, &'static str) {
        // TLP2 lists every level in declaration order.
        &TLP2[self as usize]
    }

    /// The TLP 2.0 marking-definition id.
    pub fn marking_id(self) -> &'static str {
        self.row().1
    }

    /// `TLP:CLEAR`, `TLP:AMBER+STRICT`, …
    pub fn name(self) -> &'static str {
        self.row().3
    }

    /// The TLP 1.0 id mapping to this level, if any (AMBER+STRICT has none).
    pub fn tlp1_marking_id(self) -> Option<&'static str> {
        TLP1.iter().find(|r| r.0 == self).map(|r| r.1)
    }

    /// Recognises both TLP 1.0 and TLP 2.0 fixed ids; TLP 1.0 maps to its TLP 2.0
    /// equivalent (WHITE→CLEAR, the others one to one).
    pub fn from_marking_id(id: &str) -> Option<(Tlp, TlpVersion)> {
        TLP2.iter()
            .find(|r| r.1 == id)
            .map(|r| (r.0, TlpVersion::V2))
            .or_else(|| {
                TLP1.iter()
                    .find(|r| r.1 == id)
                    .map(|r| (r.0, TlpVersion::V1))
            })
    }

    /// The TLP 2.0 marking-definition object exactly as the OASIS extension publishes it.
    pub fn definition_json(self) -> String {
        let (_, id, value, name) = self.row();
        format!(
            concat!(
                r#"{{"type":"marking-definition","spec_version":"2.1","id":"{id}","#,
                r#""created":"2022-10-01T00:00:00.000Z","name":"{name}","extensions":{{"#,
                r#""{ext}":{{"extension_type":"property-extension","tlp_2_0":"{value}"}}}}}}"#
            ),
            id = id,
            name = name,
            ext = TLP2_EXTENSION_ID,
            value = value
        )
    }

    /// The TLP 2.0 marking-definition as a validated object.
    pub fn definition(self) -> StixObject {
        match StixObject::parse(&self.definition_json()) {
            Ok(o) => o,
            // The text is a constant checked by the tests; reaching this is a bug.
            Err(e) => unreachable!("built-in tlp definition is invalid: {e}"),
        }
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The TLP 1.0 marking-definition exactly as §7.2.1.4 prints it.
pub fn tlp1_definition_json(id: &str) -> Option<String> {
    let (_, id, color, name) = TLP1.iter().find(|r| r.1 == id)?;
    Some(format!(
        concat!(
            r#"{{"type":"marking-definition","spec_version":"2.1","id":"{id}","#,
            r#""created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"{name}","#,
            r#""definition":{{"tlp":"{color}"}}}}"#
        ),
        id = id,
        name = name,
        color = color
    ))
}

/// Whether `obj`, which uses a fixed TLP id, is exactly the published definition: these
/// instances are fixed (§7.2.1.4 "MUST NOT be … created"), so any other content under the
/// id would let a producer redefine what the id means.
pub(crate) fn definition_matches(tlp: Tlp, id: &str, obj: &Map<String, Value>) -> bool {
    let canonical = match Tlp::from_marking_id(id) {
        Some((_, TlpVersion::V1)) => tlp1_definition_json(id),
        Some((_, TlpVersion::V2)) => Some(tlp.definition_json()),
        None => return true,
    };
    let expected: Option<Map<String, Value>> =
        canonical.and_then(|c| serde_json::from_str(&c).ok());
    expected.as_ref() == Some(obj)
}

/// The markings that apply to an object, canonicalised: TLP 1.0 and 2.0 ids collapse to
/// one [`Tlp`] (the strictest if several are present), other markings are kept by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MarkingSet {
    tlp: Option<Tlp>,
    others: BTreeSet<Identifier>,
}

impl MarkingSet {
    /// An empty set (an unmarked object).
    pub fn new() -> Self {
        Self::default()
    }

    /// A set holding one TLP level.
    pub fn with_tlp(tlp: Tlp) -> Self {
        Self {
            tlp: Some(tlp),
            others: BTreeSet::new(),
        }
    }

    /// Builds from marking-definition ids.
    pub fn from_refs<'a>(refs: impl IntoIterator<Item = &'a Identifier>) -> Self {
        let mut set = Self::new();
        for r in refs {
            set.add(r);
        }
        set
    }

    /// Adds one marking-definition id.
    pub fn add(&mut self, id: &Identifier) {
        match Tlp::from_marking_id(id.as_str()) {
            Some((t, _)) => self.tlp = self.tlp.max(Some(t)),
            None => {
                self.others.insert(id.clone());
            }
        }
    }

    /// The object-level markings (`object_marking_refs`, §7.2.2).
    pub fn of_object(obj: &StixObject) -> Self {
        Self::from_refs(&obj.object_marking_refs())
    }

    /// Object-level plus every granular `marking_ref` (§7.2.3). Deciding disclosure of the
    /// whole object on this set is safe: no part is released under a weaker marking.
    pub fn effective(obj: &StixObject) -> Self {
        let mut set = Self::of_object(obj);
        for id in granular_marking_refs(obj.properties()) {
            set.add(&id);
        }
        set
    }

    /// The same set with `tlp` filled in when no TLP marking is present.
    pub fn with_default_tlp(&self, tlp: Tlp) -> Self {
        Self {
            tlp: self.tlp.or(Some(tlp)),
            others: self.others.clone(),
        }
    }

    /// The TLP level, if any.
    pub fn tlp(&self) -> Option<Tlp> {
        self.tlp
    }

    /// Non-TLP markings (statements, custom definitions).
    pub fn others(&self) -> &BTreeSet<Identifier> {
        &self.others
    }

    /// True when nothing is marked.
    pub fn is_empty(&self) -> bool {
        self.tlp.is_none() && self.others.is_empty()
    }

    /// The canonical marking refs: the TLP 2.0 id first, then the others in id order.
    pub fn to_refs(&self) -> Vec<Identifier> {
        let tlp = self
            .tlp
            .and_then(|t| Identifier::parse(t.marking_id()).ok());
        tlp.into_iter().chain(self.others.iter().cloned()).collect()
    }
}

/// A marking that a new version or an ingest would weaken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Downgrade {
    /// The TLP level would become less restrictive (or disappear).
    #[error("tlp would be downgraded from {from} to {}", .to.map_or("none", Tlp::name))]
    Tlp {
        /// The current level.
        from: Tlp,
        /// The proposed level.
        to: Option<Tlp>,
    },
    /// A non-TLP marking would be removed.
    #[error("marking {0} would be removed")]
    Removed(Identifier),
}

/// The strictest combination: the higher TLP and the union of other markings.
pub fn merge(old: &MarkingSet, new: &MarkingSet) -> MarkingSet {
    MarkingSet {
        tlp: old.tlp.max(new.tlp),
        others: old.others.union(&new.others).cloned().collect(),
    }
}

/// Accepts `new` only when it is at least as restrictive as `old` in every respect; this
/// is the rule for new versions and re-ingests (a marking is never downgraded).
pub fn never_downgrade(old: &MarkingSet, new: &MarkingSet) -> Result<(), Downgrade> {
    if let Some(from) = old.tlp
        && new.tlp < Some(from)
    {
        return Err(Downgrade::Tlp { from, to: new.tlp });
    }
    match old.others.difference(&new.others).next() {
        Some(missing) => Err(Downgrade::Removed(missing.clone())),
        None => Ok(()),
    }
}

fn granular_marking_refs(obj: &Map<String, Value>) -> Vec<Identifier> {
    obj.get("granular_markings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| g.get("marking_ref").and_then(Value::as_str))
        .filter_map(|s| Identifier::parse(s).ok())
        .collect()
}

/// Resolves a granular-marking selector (§7.2.3.1) against the object.
pub fn resolve_selector<'a>(obj: &'a Map<String, Value>, selector: &str) -> Option<&'a Value> {
    let mut parts = selector.split('.');
    let mut cur = obj.get(parts.next()?)?;
    for part in parts {
        cur = match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            Some(index) => {
                // Only non-negative decimal indices are allowed.
                if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                cur.as_array()?.get(index.parse::<usize>().ok()?)?
            }
            None => cur.as_object()?.get(part)?,
        };
    }
    Some(cur)
}

/// §7.2.3: each granular marking has exactly one of `marking_ref`/`lang` and non-empty
/// `selectors` that refer to content present on the object.
pub(crate) fn check_granular_selectors(cx: &mut Cx<'_>, obj: &Map<String, Value>) {
    let Some(list) = obj.get("granular_markings").and_then(Value::as_array) else {
        return;
    };
    let base = cx.ptr("granular_markings");
    for (i, g) in list.iter().enumerate() {
        let at = format!("{base}/{i}");
        let Some(g) = g.as_object() else {
            cx.err_at(&at, "granular marking must be an object");
            continue;
        };
        check_marking_or_lang(cx, g, &at);
        let sel_at = child(&at, "selectors");
        match g.get("selectors").and_then(Value::as_array) {
            Some(sels) if !sels.is_empty() => {
                for (j, s) in sels.iter().enumerate() {
                    let ok = s
                        .as_str()
                        .is_some_and(|s| resolve_selector(obj, s).is_some());
                    if !ok {
                        cx.err_at(
                            &format!("{sel_at}/{j}"),
                            "selector does not refer to content present on the object",
                        );
                    }
                }
            }
            _ => cx.err_at(
                &sel_at,
                "granular marking requires a non-empty `selectors` list",
            ),
        }
    }
}

fn check_marking_or_lang(cx: &mut Cx<'_>, g: &Map<String, Value>, at: &str) {
    match (g.get("marking_ref"), g.get("lang")) {
        (Some(_), Some(_)) => cx.err_at(
            at,
            "granular marking must not have both `marking_ref` and `lang`",
        ),
        (None, None) => cx.err_at(at, "granular marking needs `marking_ref` or `lang`"),
        (Some(r), None) => {
            let ok = r
                .as_str()
                .and_then(|s| Identifier::parse(s).ok())
                .is_some_and(|id| id.object_type() == "marking-definition");
            if !ok {
                cx.err_at(
                    &child(at, "marking_ref"),
                    "`marking_ref` must be a marking-definition id",
                );
            }
        }
        (None, Some(l)) if !l.is_string() => {
            cx.err_at(&child(at, "lang"), "`lang` must be a string")
        }
        (None, Some(_)) => {}
    }
}
