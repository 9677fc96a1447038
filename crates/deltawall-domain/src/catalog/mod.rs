//! Catalogs (frameworks) as immutable, versioned data.
//!
//! A [`Catalog`] is a tree: [`Section`]s (which may nest through `parent`), each holding
//! [`Requirement`]s, each answered through one or more [`Question`]s. Every node has a
//! stable identifier, and every human-readable text is carried in both Japanese and
//! English ([`Text`], [`TextList`]). A catalog names its provenance and licence and the
//! dates between which it applies; a new edition is a new catalog with a new version,
//! never an edit of the old one.
//!
//! [`Catalog::validate`] checks the rules every catalog must meet (unique ids, parents
//! that exist, positive weights, every declared language present, ordered effective
//! dates). The
//! built-in catalog of the FSA report's supervisory viewpoints is in [`builtin`].

pub mod builtin;
mod check;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use builtin::{LoadError, from_yaml};
pub use check::CatalogError;

/// A language the catalog's texts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Japanese (authoritative).
    Ja,
    /// English.
    En,
}

impl Lang {
    /// Both languages, Japanese first.
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    /// The code used in field names and messages (`ja`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    fn all_vec() -> Vec<Lang> {
        Lang::ALL.to_vec()
    }

    // Catalogs in both languages leave the field out, so their canonical JSON (and
    // fingerprint) is what it was before the field existed.
    fn is_all(langs: &[Lang]) -> bool {
        langs == Lang::ALL
    }
}

/// A text in Japanese and English; the Japanese is authoritative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Japanese text.
    #[serde(default)]
    pub ja: String,
    /// English text.
    #[serde(default)]
    pub en: String,
}

/// A list of texts in Japanese and English, entry for entry in the same order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextList {
    /// Japanese entries.
    #[serde(default)]
    pub ja: Vec<String>,
    /// English entries, one for each Japanese entry.
    #[serde(default)]
    pub en: Vec<String>,
}

impl Text {
    /// The text in one language.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    /// The text in `lang`, or in the other language when `lang` is blank (a catalog
    /// imported from a source in one language has no text in the other).
    pub fn shown(&self, lang: Lang) -> &str {
        let wanted = self.get(lang);
        if !wanted.trim().is_empty() {
            return wanted;
        }
        match lang {
            Lang::Ja => &self.en,
            Lang::En => &self.ja,
        }
    }

    /// Whether the text is blank in both languages.
    pub fn is_empty(&self) -> bool {
        self.ja.trim().is_empty() && self.en.trim().is_empty()
    }
}

impl TextList {
    /// The entries in one language.
    pub fn get(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    /// Number of entries (the Japanese count; validation makes both equal).
    pub fn len(&self) -> usize {
        self.ja.len()
    }

    /// Whether the list has no entries in either language.
    pub fn is_empty(&self) -> bool {
        self.ja.is_empty() && self.en.is_empty()
    }
}

/// Where a catalog's content comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Title of the source document.
    pub source_title: Text,
    /// Who published the source.
    pub source_publisher: Text,
    /// When the source was published.
    pub source_published: Date,
    /// Where the source can be found.
    pub source_uri: String,
    /// How the catalog relates to the source (e.g. written in our own words).
    pub note: Text,
}

/// Under what terms the catalog's text may be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// SPDX identifier or a named licence (e.g. `Apache-2.0`, `PDL-1.0`).
    pub id: String,
    /// Attribution to show wherever the text is shown.
    pub attribution: Text,
    /// Whether the text may be shipped and redistributed.
    pub redistributable: bool,
}

/// The class of a requirement: how strongly it is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Expected of every institution (cyber hygiene).
    Basic,
    /// Expected of larger or more systemic institutions; good practice for the others.
    Desirable,
    /// A maturity level (1 is the lowest).
    Level(u8),
}

/// A NIST CSF 2.0 function, used as a tag for cross-reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CsfFunction {
    /// Govern.
    GV,
    /// Identify.
    ID,
    /// Protect.
    PR,
    /// Detect.
    DE,
    /// Respond.
    RS,
    /// Recover.
    RC,
}

/// A node that groups requirements; sections may nest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Stable identifier, unique in the catalog.
    pub id: String,
    /// The enclosing section, if any.
    #[serde(default)]
    pub parent: Option<String>,
    /// Title.
    pub title: Text,
    /// What the section covers.
    pub description: Text,
    /// Free tags (e.g. `viewpoint:tlpt`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The requirements of this section, in order.
    #[serde(default)]
    pub requirements: Vec<Requirement>,
}

/// A question whose answer (yes / partial / no, with evidence) assesses a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable identifier, unique in the catalog.
    pub id: String,
    /// The question.
    pub text: Text,
}

/// What a maturity level looks like for one requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaturityStep {
    /// The level (1 is the lowest).
    pub level: u8,
    /// What an institution at this level does.
    pub text: Text,
}

/// One level of the catalog's maturity scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaturityLevel {
    /// The level (1 is the lowest).
    pub level: u8,
    /// Short name of the level.
    pub label: Text,
    /// What the level means across the catalog.
    pub description: Text,
}

/// Help for whoever answers or reviews a requirement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guidance {
    /// Discussion from the source (e.g. an OSCAL control's `guidance` part); optional.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub notes: Text,
    /// Evidence that typically shows the requirement is met.
    #[serde(default)]
    pub typical_evidence: TextList,
    /// Shortcomings the supervisor has seen.
    #[serde(default)]
    pub pitfalls: TextList,
    /// What each level of the catalog's maturity scale looks like here, lowest first
    /// (optional; when given, one step per level of the scale).
    #[serde(default)]
    pub maturity: Vec<MaturityStep>,
}

/// A requirement: something an institution does, answerable with evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Stable identifier, unique in the catalog (e.g. `FSA-BE1-03`).
    pub id: String,
    /// How strongly it is expected.
    pub class: Class,
    /// Relative weight in scoring; positive and finite.
    pub weight: f64,
    /// NIST CSF 2.0 functions it touches.
    #[serde(default)]
    pub csf: Vec<CsfFunction>,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Short title.
    pub title: Text,
    /// What is required.
    pub statement: Text,
    /// The questions that assess it.
    pub questions: Vec<Question>,
    /// Evidence, pitfalls and maturity guidance.
    #[serde(default)]
    pub guidance: Guidance,
    /// Where in the source it is grounded (e.g. `2.(1)③イ`).
    #[serde(default)]
    pub provenance: Vec<String>,
}

/// Names one edition of a catalog exactly, for assessments that answer it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CatalogRef {
    /// The catalog's id.
    pub id: String,
    /// The edition's version.
    pub version: String,
    /// SHA-256 of the edition's content; see [`Catalog::fingerprint`].
    pub fingerprint: String,
}

/// A catalog (framework): immutable, versioned, bilingual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Stable identifier of the catalog (all versions share it).
    pub id: String,
    /// Version of this edition; a changed text is a new version.
    pub version: String,
    /// Title.
    pub title: Text,
    /// What the catalog is for.
    pub description: Text,
    /// The languages its texts are written in (both unless stated). Texts must be present
    /// in every language listed; a catalog imported from an English-only source lists
    /// only English, and views fall back to it (see [`Text::shown`]).
    #[serde(default = "Lang::all_vec", skip_serializing_if = "Lang::is_all")]
    pub languages: Vec<Lang>,
    /// Where the content comes from.
    pub provenance: Provenance,
    /// Terms of use.
    pub licence: Licence,
    /// First day the catalog applies.
    pub effective_from: Date,
    /// Last day it applies, if it has been superseded or withdrawn.
    #[serde(default)]
    pub effective_to: Option<Date>,
    /// The maturity scale that requirements' maturity guidance follows (may be empty).
    #[serde(default)]
    pub maturity_scale: Vec<MaturityLevel>,
    /// Sections, in order; each holds its requirements.
    pub sections: Vec<Section>,
}

impl Catalog {
    /// Every requirement, in catalog order, with its section.
    pub fn requirements(&self) -> impl Iterator<Item = (&Section, &Requirement)> {
        self.sections
            .iter()
            .flat_map(|s| s.requirements.iter().map(move |r| (s, r)))
    }

    /// The requirement with this id.
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements().map(|(_, r)| r).find(|r| r.id == id)
    }

    /// The section with this id.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// Whether the catalog applies on `day`.
    pub fn is_effective_on(&self, day: Date) -> bool {
        self.effective_from <= day && self.effective_to.is_none_or(|to| day <= to)
    }

    /// SHA-256 (lowercase hex) of the catalog's canonical JSON form. Two editions with the
    /// same id and version must have the same fingerprint; a change of content without a
    /// new version is a mistake this makes visible.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).expect("a catalog always serialises to JSON");
        hex::encode(Sha256::digest(json))
    }

    /// The exact reference to this edition.
    pub fn reference(&self) -> CatalogRef {
        CatalogRef {
            id: self.id.clone(),
            version: self.version.clone(),
            fingerprint: self.fingerprint(),
        }
    }

    /// Checks the catalog's rules; see [`CatalogError`] for what is refused.
    pub fn validate(&self) -> Result<(), CatalogError> {
        check::catalog(self)
    }
}
