//! The parts of the OSCAL 1.1 catalog and profile models that import reads.
//!
//! Fields the importer does not use (links, roles, addresses, back-matter citations, …)
//! are not modelled and pass unread: they carry nothing that would change the imported
//! catalog. Profile features that would change it are modelled so they can be refused by
//! name (see `profile.rs`).

use serde::Deserialize;
use serde_json::Value;

/// `{"catalog": …}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CatalogDoc {
    pub catalog: Catalog,
}

/// An OSCAL catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Catalog {
    pub uuid: String,
    pub metadata: Metadata,
    #[serde(default)]
    pub params: Vec<Param>,
    #[serde(default)]
    pub controls: Vec<Control>,
    #[serde(default)]
    pub groups: Vec<Group>,
}

/// Document metadata.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Metadata {
    pub title: String,
    #[serde(default)]
    pub published: Option<String>,
    pub last_modified: String,
    pub version: String,
    pub oscal_version: String,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub parties: Vec<Party>,
    #[serde(default)]
    pub responsible_parties: Vec<ResponsibleParty>,
    #[serde(default)]
    pub remarks: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
}

/// A person or organisation named in metadata.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Party {
    pub uuid: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// Which parties play a role.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct ResponsibleParty {
    pub role_id: String,
    #[serde(default)]
    pub party_uuids: Vec<String>,
}

/// A link.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Link {
    pub href: String,
    #[serde(default)]
    pub rel: Option<String>,
    #[serde(default, rename = "media-type")]
    pub media_type: Option<String>,
}

/// A name/value property.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Prop {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub class: Option<String>,
}

/// A group of controls (a family, a section).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Group {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub class: Option<String>,
    pub title: String,
    #[serde(default)]
    pub params: Vec<Param>,
    #[serde(default)]
    pub props: Vec<Prop>,
    #[serde(default)]
    pub parts: Vec<Part>,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub controls: Vec<Control>,
}

/// A control, possibly with sub-controls (enhancements).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Control {
    pub id: String,
    #[serde(default)]
    pub class: Option<String>,
    pub title: String,
    #[serde(default)]
    pub params: Vec<Param>,
    #[serde(default)]
    pub props: Vec<Prop>,
    #[serde(default)]
    pub parts: Vec<Part>,
    #[serde(default)]
    pub controls: Vec<Control>,
}

/// A part of a control's text: statement, guidance, objective, …
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Part {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub props: Vec<Prop>,
    #[serde(default)]
    pub prose: Option<String>,
    #[serde(default)]
    pub parts: Vec<Part>,
}

/// A parameter: an organisation-defined value inserted into prose.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Param {
    pub id: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub select: Option<Select>,
}

/// A choice among values.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Select {
    #[serde(default)]
    pub how_many: Option<String>,
    #[serde(default)]
    pub choice: Vec<String>,
}

/// Back matter: resources that hrefs of the form `#uuid` point to.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BackMatter {
    #[serde(default)]
    pub resources: Vec<Resource>,
}

/// A back-matter resource.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Resource {
    pub uuid: String,
    #[serde(default)]
    pub rlinks: Vec<Link>,
}

/// `{"profile": …}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProfileDoc {
    pub profile: Profile,
}

/// An OSCAL profile. Every member that changes the resolved catalog is modelled, so
/// that an unsupported one is refused by name rather than skipped.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Profile {
    pub uuid: String,
    pub metadata: Metadata,
    pub imports: Vec<Import>,
    #[serde(default)]
    pub merge: Option<Merge>,
    #[serde(default)]
    pub modify: Option<Modify>,
    #[serde(default)]
    pub back_matter: Option<BackMatter>,
}

/// One import of a catalog or profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct Import {
    pub href: String,
    #[serde(default)]
    pub include_all: Option<Value>,
    #[serde(default)]
    pub include_controls: Vec<Selection>,
    #[serde(default)]
    pub exclude_controls: Vec<Selection>,
}

/// A selection of controls by id or pattern.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct Selection {
    #[serde(default)]
    pub with_child_controls: Option<String>,
    #[serde(default)]
    pub with_ids: Vec<String>,
    #[serde(default)]
    pub matching: Vec<Matching>,
}

/// A glob pattern over control ids.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Matching {
    pub pattern: String,
}

/// How selected controls are arranged.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct Merge {
    #[serde(default)]
    pub combine: Option<Combine>,
    #[serde(default)]
    pub flat: Option<Value>,
    #[serde(default)]
    pub as_is: Option<bool>,
    #[serde(default)]
    pub custom: Option<Value>,
}

/// What to do with a control imported twice.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Combine {
    #[serde(default)]
    pub method: Option<String>,
}

/// Changes to the selected controls.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct Modify {
    #[serde(default)]
    pub set_parameters: Vec<SetParameter>,
    #[serde(default)]
    pub alters: Vec<Value>,
}

/// A new value, label or choice for a parameter.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct SetParameter {
    pub param_id: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub values: Option<Vec<String>>,
    #[serde(default)]
    pub select: Option<Select>,
}
