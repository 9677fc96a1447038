//! An OSCAL catalog (parsed, or resolved from a profile) → a Deltawall [`Catalog`].
//!
//! Groups become sections (nesting kept through `parent`); controls and their
//! sub-controls become requirements of the section of their group, in document order;
//! statement parts become the requirement's statement with parameters substituted; the
//! `guidance` part becomes the guidance notes; the control's label (e.g. `AC-2`) becomes
//! its provenance. Withdrawn controls (`status` = `withdrawn`) carry no requirement and
//! are left out.

use std::collections::HashMap;

use deltawall_domain::catalog::{
    Catalog, CatalogError, Class, Guidance, Lang, Licence, Provenance, Question, Requirement,
    Section, Text,
};
use jiff::civil::Date;

use crate::model::{self, Control, Group, Param};
use crate::text::{self, Params};
use crate::{Limits, OscalError};

/// Id of the section that holds controls placed directly in the catalog, outside any group.
pub const TOP_LEVEL_SECTION: &str = "oscal-top-level";

/// Where each imported item came from, to name the JSON path in a validation error.
type Paths = HashMap<String, String>;

/// Converts a parsed OSCAL catalog; `root` is the JSON path of its source (`$.catalog`,
/// or `$.profile` for a resolved profile).
pub(crate) fn convert(
    src: &model::Catalog,
    root: &str,
    limits: &Limits,
) -> Result<Catalog, OscalError> {
    let lang = language(&src.metadata);
    let mut b = Builder {
        lang,
        limits,
        controls: 0,
        sections: Vec::new(),
        paths: Paths::new(),
    };
    let params: Params = src.params.iter().map(|p| (p.id.as_str(), p)).collect();
    if !src.controls.is_empty() {
        let path = format!("{root}.controls");
        let mut section = Section {
            id: TOP_LEVEL_SECTION.to_owned(),
            parent: None,
            title: b.text(&src.metadata.title),
            description: b.text(&src.metadata.title),
            tags: Vec::new(),
            requirements: Vec::new(),
        };
        b.claim(TOP_LEVEL_SECTION, &path)?;
        b.controls(
            &src.controls,
            &params,
            &path,
            None,
            &mut section.requirements,
        )?;
        b.sections.push(section);
    }
    for (i, g) in src.groups.iter().enumerate() {
        b.group(g, &params, &format!("{root}.groups[{i}]"), None)?;
    }
    let catalog = metadata(src, root, lang, b.sections)?;
    catalog.validate().map_err(|e| OscalError::Catalog {
        path: error_path(&e, &b.paths),
        source: e,
    })?;
    Ok(catalog)
}

/// English unless the metadata's locale says Japanese.
fn language(m: &model::Metadata) -> Lang {
    match m.locale.as_deref() {
        Some(l) if l.to_ascii_lowercase().starts_with("ja") => Lang::Ja,
        _ => Lang::En,
    }
}

struct Builder<'l> {
    lang: Lang,
    limits: &'l Limits,
    controls: usize,
    sections: Vec<Section>,
    paths: Paths,
}

impl Builder<'_> {
    fn text(&self, s: &str) -> Text {
        let s = s.trim().to_owned();
        match self.lang {
            Lang::Ja => Text {
                ja: s,
                en: String::new(),
            },
            Lang::En => Text {
                ja: String::new(),
                en: s,
            },
        }
    }

    /// Records an id's path, refusing an id seen before.
    fn claim(&mut self, id: &str, path: &str) -> Result<(), OscalError> {
        if let Some(first) = self.paths.get(id) {
            return Err(OscalError::invalid(
                path,
                format!("id {id:?} is already used at {first}"),
            ));
        }
        self.paths.insert(id.to_owned(), path.to_owned());
        Ok(())
    }

    fn group(
        &mut self,
        g: &Group,
        outer: &Params,
        path: &str,
        parent: Option<&str>,
    ) -> Result<(), OscalError> {
        let id = match &g.id {
            Some(id) => id.clone(),
            // OSCAL lets a group go without an id; its position is stable within one edition.
            None => format!(
                "group{}",
                path.trim_start_matches('$').replace(['.', '[', ']'], "-")
            ),
        };
        self.claim(&id, &format!("{path}.id"))?;
        let params = scoped(outer, &g.params);
        let overview = text::parts_named(&g.parts, "overview", &params);
        let description = if overview.is_empty() {
            &g.title
        } else {
            &overview
        };
        let mut section = Section {
            id: id.clone(),
            parent: parent.map(str::to_owned),
            title: self.text(&g.title),
            description: self.text(description),
            tags: class_tags(g.class.as_deref(), text::label(&g.props)),
            requirements: Vec::new(),
        };
        let controls_path = format!("{path}.controls");
        self.controls(
            &g.controls,
            &params,
            &controls_path,
            None,
            &mut section.requirements,
        )?;
        self.sections.push(section);
        for (i, sub) in g.groups.iter().enumerate() {
            self.group(sub, &params, &format!("{path}.groups[{i}]"), Some(&id))?;
        }
        Ok(())
    }

    fn controls(
        &mut self,
        controls: &[Control],
        params: &Params,
        path: &str,
        parent: Option<&str>,
        out: &mut Vec<Requirement>,
    ) -> Result<(), OscalError> {
        for (i, c) in controls.iter().enumerate() {
            let path = format!("{path}[{i}]");
            self.controls += 1;
            if self.controls > self.limits.max_controls {
                return Err(OscalError::TooManyControls {
                    path,
                    max: self.limits.max_controls,
                });
            }
            self.claim(&c.id, &format!("{path}.id"))?;
            let params = scoped(params, &c.params);
            if !withdrawn(c) {
                let r = self.requirement(c, &params, &path, parent)?;
                out.push(r);
            }
            self.controls(
                &c.controls,
                &params,
                &format!("{path}.controls"),
                Some(&c.id),
                out,
            )?;
        }
        Ok(())
    }

    fn requirement(
        &mut self,
        c: &Control,
        params: &Params,
        path: &str,
        parent: Option<&str>,
    ) -> Result<Requirement, OscalError> {
        let label = text::label(&c.props).unwrap_or(&c.id).to_owned();
        let statement = statement(c, params);
        let question_id = format!("{}_q", c.id);
        self.claim(&question_id, &format!("{path}.id"))?;
        let mut tags = class_tags(c.class.as_deref(), None);
        if let Some(sort) = text::prop(&c.props, "sort-id") {
            tags.push(format!("sort-id:{sort}"));
        }
        if let Some(parent) = parent {
            tags.push(format!("enhancement-of:{parent}"));
        }
        Ok(Requirement {
            id: c.id.clone(),
            class: Class::Basic,
            weight: 1.0,
            csf: Vec::new(),
            tags,
            title: self.text(&c.title),
            statement: self.text(if statement.is_empty() {
                &c.title
            } else {
                &statement
            }),
            questions: vec![Question {
                id: question_id,
                text: self.question(&label, &c.title),
            }],
            guidance: Guidance {
                notes: self.text(&text::parts_named(&c.parts, "guidance", params)),
                ..Guidance::default()
            },
            provenance: vec![label],
        })
    }

    /// The one question every imported requirement is assessed by. OSCAL catalogs carry
    /// no questions; SP 800-53A objectives would be too fine-grained for one answer each.
    fn question(&self, label: &str, title: &str) -> Text {
        match self.lang {
            Lang::Ja => self.text(&format!("{label}（{title}）は記載どおり実施されているか。")),
            Lang::En => self.text(&format!("Is {label} ({title}) implemented as stated?")),
        }
    }
}

/// Parameters visible inside an item: the enclosing ones, overridden by its own.
fn scoped<'a>(outer: &Params<'a>, own: &'a [Param]) -> Params<'a> {
    let mut params = outer.clone();
    params.extend(own.iter().map(|p| (p.id.as_str(), p)));
    params
}

fn withdrawn(c: &Control) -> bool {
    text::prop(&c.props, "status").is_some_and(|s| s.eq_ignore_ascii_case("withdrawn"))
}

fn statement(c: &Control, params: &Params) -> String {
    text::parts_named(&c.parts, "statement", params)
}

fn class_tags(class: Option<&str>, label: Option<&str>) -> Vec<String> {
    let mut tags = Vec::new();
    if let Some(class) = class {
        tags.push(format!("oscal-class:{class}"));
    }
    if let Some(label) = label {
        tags.push(format!("label:{label}"));
    }
    tags
}

/// The catalog's own fields from the OSCAL metadata.
fn metadata(
    src: &model::Catalog,
    root: &str,
    lang: Lang,
    sections: Vec<Section>,
) -> Result<Catalog, OscalError> {
    let m = &src.metadata;
    let text = |s: &str| match lang {
        Lang::Ja => Text {
            ja: s.trim().to_owned(),
            en: String::new(),
        },
        Lang::En => Text {
            ja: String::new(),
            en: s.trim().to_owned(),
        },
    };
    let (date_field, date_text) = match &m.published {
        Some(p) => ("published", p),
        None => ("last-modified", &m.last_modified),
    };
    let published = day(date_text, &format!("{root}.metadata.{date_field}"))?;
    let publisher = publisher(m).unwrap_or("not stated in the source");
    let uri = m
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("canonical"))
        .map(|l| l.href.clone())
        .unwrap_or_else(|| format!("urn:uuid:{}", src.uuid));
    let description = m.remarks.as_deref().unwrap_or(&m.title);
    Ok(Catalog {
        id: format!("oscal:{}", src.uuid),
        version: m.version.clone(),
        title: text(&m.title),
        description: text(description),
        languages: vec![lang],
        provenance: Provenance {
            source_title: text(&m.title),
            source_publisher: text(publisher),
            source_published: published,
            source_uri: uri,
            note: text(&format!(
                "Imported from OSCAL {} document {} (OSCAL {}); texts as in the source.",
                root.trim_start_matches("$."),
                src.uuid,
                m.oscal_version
            )),
        },
        licence: Licence {
            // OSCAL metadata has no licence field; whoever imports decides.
            id: "NOASSERTION".to_owned(),
            attribution: text(&format!("{}, {publisher}", m.title)),
            redistributable: false,
        },
        effective_from: published,
        effective_to: None,
        maturity_scale: Vec::new(),
        sections,
    })
}

/// The party in the `creator` or `publisher` role, else the only party.
fn publisher(m: &model::Metadata) -> Option<&str> {
    let by_uuid = |uuid: &str| m.parties.iter().find(|p| p.uuid == uuid);
    let in_role = m
        .responsible_parties
        .iter()
        .filter(|r| r.role_id == "creator" || r.role_id == "publisher")
        .flat_map(|r| &r.party_uuids)
        .find_map(|u| by_uuid(u));
    let only = (m.parties.len() == 1).then(|| &m.parties[0]);
    in_role.or(only).and_then(|p| p.name.as_deref())
}

/// The calendar day of an OSCAL date-time (`2024-02-13T17:43:40Z`) or date.
fn day(s: &str, path: &str) -> Result<Date, OscalError> {
    s.get(..10)
        .and_then(|d| d.parse::<Date>().ok())
        .ok_or_else(|| OscalError::invalid(path, format!("{s:?} is not an ISO 8601 date-time")))
}

/// The JSON path of the item a validation error is about.
fn error_path(e: &CatalogError, paths: &Paths) -> String {
    use CatalogError as E;
    let id = match e {
        E::BadId { id, .. }
        | E::DuplicateId { id }
        | E::MissingParent { id, .. }
        | E::ParentCycle { id }
        | E::Weight { id, .. }
        | E::MissingText { id, .. }
        | E::ListLength { id, .. }
        | E::ClassLevel { id }
        | E::NoQuestion { id }
        | E::BlankProvenance { id, .. }
        | E::MaturityOrder { id, .. }
        | E::MaturityScale { id, .. }
        | E::EffectiveDates { id, .. }
        | E::Languages { id } => id,
    };
    paths
        .get(id)
        .map(|p| p.trim_end_matches(".id").to_owned())
        .unwrap_or_else(|| "$".to_owned())
}
