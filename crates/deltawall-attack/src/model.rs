//! The reference model of one ATT&CK Enterprise release: its tactics in matrix order and its
//! techniques keyed by ATT&CK id, each with the tactics it serves and its object version.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// An ATT&CK technique or sub-technique id: `T` and four digits, optionally `.` and three.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TechniqueId(String);

impl TechniqueId {
    /// Parses an id such as `T1110` or `T1110.001` (upper-case `T`, as ATT&CK writes it).
    pub fn parse(text: &str) -> Option<TechniqueId> {
        let b = text.as_bytes();
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        let ok = match b.len() {
            5 => b[0] == b'T' && digits(&b[1..5]),
            9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..9]),
            _ => false,
        };
        ok.then(|| TechniqueId(text.to_owned()))
    }

    /// The technique id of a Sigma tag such as `attack.t1110.001`; `None` for tactic tags
    /// (`attack.credential_access`), group and software tags, and anything else.
    pub fn from_sigma_tag(tag: &str) -> Option<TechniqueId> {
        let rest = tag.strip_prefix("attack.")?;
        let rest = rest.strip_prefix('t')?;
        TechniqueId::parse(&format!("T{rest}"))
    }

    /// The id as written, e.g. `T1110.001`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parent technique of a sub-technique (`T1110` for `T1110.001`), `None` for a
    /// technique.
    pub fn parent(&self) -> Option<TechniqueId> {
        self.0
            .split_once('.')
            .map(|(p, _)| TechniqueId(p.to_owned()))
    }
}

impl fmt::Display for TechniqueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TechniqueId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        TechniqueId::parse(&value).ok_or_else(|| format!("not an ATT&CK technique id: {value:?}"))
    }
}

impl From<TechniqueId> for String {
    fn from(id: TechniqueId) -> String {
        id.0
    }
}

/// A tactic (a column of the matrix): `TA0006`, "Credential Access", `credential-access`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tactic {
    /// The STIX id of the `x-mitre-tactic` object.
    pub stix_id: String,
    /// The ATT&CK id, e.g. `TA0006`.
    pub attack_id: String,
    /// The display name.
    pub name: String,
    /// The short name that kill-chain phases and Navigator layers use.
    pub shortname: String,
}

/// A technique or sub-technique as one release describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Technique {
    /// The STIX id of the `attack-pattern` object.
    pub stix_id: String,
    /// The ATT&CK id.
    pub id: TechniqueId,
    /// The display name.
    pub name: String,
    /// Short names of the tactics it serves (its `mitre-attack` kill-chain phases), sorted.
    pub tactics: Vec<String>,
    /// The object's own version (`x_mitre_version`), e.g. `1.2`.
    pub object_version: Option<String>,
    /// The parent technique, from a `subtechnique-of` relationship.
    pub parent: Option<TechniqueId>,
    /// `x_mitre_deprecated`: still listed, no longer maintained.
    pub deprecated: bool,
    /// `revoked`: replaced by another object.
    pub revoked: bool,
    /// The replacement of a revoked technique, from a `revoked-by` relationship.
    pub revoked_by: Option<TechniqueId>,
}

impl Technique {
    /// Whether the technique is current: neither deprecated nor revoked.
    pub fn is_active(&self) -> bool {
        !self.deprecated && !self.revoked
    }
}

/// One imported ATT&CK Enterprise release: the reference data a technique mapping is
/// pinned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The ATT&CK version, e.g. `18.1` (the collection's `x_mitre_version`).
    pub version: String,
    /// The domain, `enterprise-attack`.
    pub domain: String,
    /// Tactics in the order of the matrix's `tactic_refs`.
    pub tactics: Vec<Tactic>,
    /// Techniques and sub-techniques of the domain, by id.
    pub techniques: BTreeMap<TechniqueId, Technique>,
}

impl Release {
    /// The technique with this id, if the release has it.
    pub fn technique(&self, id: &TechniqueId) -> Option<&Technique> {
        self.techniques.get(id)
    }

    /// The tactic with this short name, if the release has it.
    pub fn tactic(&self, shortname: &str) -> Option<&Tactic> {
        self.tactics.iter().find(|t| t.shortname == shortname)
    }
}
