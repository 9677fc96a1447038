//! The rules every catalog must meet.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;

use super::{Catalog, Class, Guidance, Lang, Requirement, Section, Text, TextList};

/// Why a catalog is refused. Each variant names the item and, where it applies, the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatalogError {
    /// An identifier is empty or has surrounding whitespace.
    #[error("{kind} {id:?}: id is empty or has surrounding whitespace")]
    BadId {
        /// Kind of item (catalog, section, requirement, question).
        kind: &'static str,
        /// The identifier as written.
        id: String,
    },
    /// Two items share an identifier.
    #[error("{id}: id is used more than once")]
    DuplicateId {
        /// The identifier.
        id: String,
    },
    /// A section names a parent that does not exist.
    #[error("{id}: parent {parent} does not exist")]
    MissingParent {
        /// The section.
        id: String,
        /// The parent it names.
        parent: String,
    },
    /// Sections are their own ancestors.
    #[error("{id}: parent chain loops back to itself")]
    ParentCycle {
        /// A section on the loop.
        id: String,
    },
    /// A weight is zero, negative or not finite.
    #[error("{id}: weight {weight} is not positive")]
    Weight {
        /// The requirement.
        id: String,
        /// The weight.
        weight: f64,
    },
    /// A text is missing (or blank) in one language.
    #[error("{id}: {field}.{lang} is missing")]
    MissingText {
        /// The item.
        id: String,
        /// The field, e.g. `title` or `guidance.pitfalls[2]`.
        field: String,
        /// `ja` or `en`.
        lang: &'static str,
    },
    /// A bilingual list has a different number of entries in each language.
    #[error("{id}: {field} has {ja} japanese and {en} english entries")]
    ListLength {
        /// The item.
        id: String,
        /// The field.
        field: &'static str,
        /// Japanese entries.
        ja: usize,
        /// English entries.
        en: usize,
    },
    /// A requirement's class is maturity level 0 (levels start at 1).
    #[error("{id}: class level 0 is not allowed (levels start at 1)")]
    ClassLevel {
        /// The requirement.
        id: String,
    },
    /// A requirement has no question to answer it.
    #[error("{id}: questions is empty")]
    NoQuestion {
        /// The requirement.
        id: String,
    },
    /// A provenance entry is blank.
    #[error("{id}: provenance[{index}] is blank")]
    BlankProvenance {
        /// The requirement.
        id: String,
        /// Position of the entry.
        index: usize,
    },
    /// Maturity levels are not numbered upwards from 1 without gaps.
    #[error("{id}: {field} levels must be 1, 2, 3, … in order")]
    MaturityOrder {
        /// The catalog or requirement.
        id: String,
        /// `maturity_scale` or `guidance.maturity`.
        field: &'static str,
    },
    /// A requirement's maturity guidance does not have one step per level of the scale.
    #[error("{id}: guidance.maturity has {found} levels but the catalog's scale has {expected}")]
    MaturityScale {
        /// The requirement.
        id: String,
        /// Levels in the catalog's scale.
        expected: usize,
        /// Steps in the requirement's guidance.
        found: usize,
    },
    /// The catalog declares no language, or one language twice.
    #[error("{id}: languages must list ja and/or en, each once")]
    Languages {
        /// The catalog.
        id: String,
    },
    /// The catalog stops applying before it starts.
    #[error("{id}: effective_to {to} is before effective_from {from}")]
    EffectiveDates {
        /// The catalog.
        id: String,
        /// First day.
        from: Date,
        /// Last day.
        to: Date,
    },
}

pub(super) fn catalog(c: &Catalog) -> Result<(), CatalogError> {
    check_id("catalog", &c.id)?;
    check_id("catalog version", &c.version)?;
    if let Some(to) = c.effective_to
        && to < c.effective_from
    {
        return Err(CatalogError::EffectiveDates {
            id: c.id.clone(),
            from: c.effective_from,
            to,
        });
    }
    let langs = languages(c)?;
    let text = |field: &str, t: &Text| text(langs, &c.id, field, t);
    text("title", &c.title)?;
    text("description", &c.description)?;
    text("provenance.source_title", &c.provenance.source_title)?;
    text(
        "provenance.source_publisher",
        &c.provenance.source_publisher,
    )?;
    text("provenance.note", &c.provenance.note)?;
    text("licence.attribution", &c.licence.attribution)?;
    scale(c, langs)?;
    unique_ids(c)?;
    parents(&c.sections)?;
    let rules = Rules {
        langs,
        levels: c.maturity_scale.len(),
    };
    c.sections.iter().try_for_each(|s| section(s, &rules))
}

/// What the checks of sections and requirements need to know about their catalog.
struct Rules<'a> {
    langs: &'a [Lang],
    levels: usize,
}

fn languages(c: &Catalog) -> Result<&[Lang], CatalogError> {
    let l = c.languages.as_slice();
    let duplicate = l.len() == 2 && l[0] == l[1];
    if l.is_empty() || l.len() > 2 || duplicate {
        return Err(CatalogError::Languages { id: c.id.clone() });
    }
    Ok(l)
}

fn scale(c: &Catalog, langs: &[Lang]) -> Result<(), CatalogError> {
    for (i, level) in c.maturity_scale.iter().enumerate() {
        if usize::from(level.level) != i + 1 {
            return Err(CatalogError::MaturityOrder {
                id: c.id.clone(),
                field: "maturity_scale",
            });
        }
        text(
            langs,
            &c.id,
            &format!("maturity_scale[{i}].label"),
            &level.label,
        )?;
        text(
            langs,
            &c.id,
            &format!("maturity_scale[{i}].description"),
            &level.description,
        )?;
    }
    Ok(())
}

fn check_id(kind: &'static str, id: &str) -> Result<(), CatalogError> {
    if id.is_empty() || id.trim() != id {
        return Err(CatalogError::BadId {
            kind,
            id: id.to_owned(),
        });
    }
    Ok(())
}

fn unique_ids(c: &Catalog) -> Result<(), CatalogError> {
    let mut seen = HashSet::from([c.id.as_str()]);
    for (kind, id) in all_ids(c) {
        check_id(kind, id)?;
        if !seen.insert(id) {
            return Err(CatalogError::DuplicateId { id: id.to_owned() });
        }
    }
    Ok(())
}

fn all_ids(c: &Catalog) -> Vec<(&'static str, &str)> {
    let mut ids = Vec::new();
    for s in &c.sections {
        ids.push(("section", s.id.as_str()));
        for r in &s.requirements {
            ids.push(("requirement", r.id.as_str()));
            ids.extend(r.questions.iter().map(|q| ("question", q.id.as_str())));
        }
    }
    ids
}

fn parents(sections: &[Section]) -> Result<(), CatalogError> {
    let parent_of: HashMap<&str, Option<&str>> = sections
        .iter()
        .map(|s| (s.id.as_str(), s.parent.as_deref()))
        .collect();
    for s in sections {
        if let Some(p) = s.parent.as_deref()
            && !parent_of.contains_key(p)
        {
            return Err(CatalogError::MissingParent {
                id: s.id.clone(),
                parent: p.to_owned(),
            });
        }
        let mut cur = s.parent.as_deref();
        for _ in 0..sections.len() {
            match cur {
                Some(p) if p == s.id => {
                    return Err(CatalogError::ParentCycle { id: s.id.clone() });
                }
                Some(p) => cur = parent_of.get(p).copied().flatten(),
                None => break,
            }
        }
    }
    Ok(())
}

fn section(s: &Section, rules: &Rules) -> Result<(), CatalogError> {
    text(rules.langs, &s.id, "title", &s.title)?;
    text(rules.langs, &s.id, "description", &s.description)?;
    s.requirements
        .iter()
        .try_for_each(|r| requirement(r, rules))
}

fn requirement(r: &Requirement, rules: &Rules) -> Result<(), CatalogError> {
    if !(r.weight.is_finite() && r.weight > 0.0) {
        return Err(CatalogError::Weight {
            id: r.id.clone(),
            weight: r.weight,
        });
    }
    if r.class == Class::Level(0) {
        return Err(CatalogError::ClassLevel { id: r.id.clone() });
    }
    text(rules.langs, &r.id, "title", &r.title)?;
    text(rules.langs, &r.id, "statement", &r.statement)?;
    if r.questions.is_empty() {
        return Err(CatalogError::NoQuestion { id: r.id.clone() });
    }
    for q in &r.questions {
        text(rules.langs, &q.id, "text", &q.text)?;
    }
    if let Some(index) = r.provenance.iter().position(|p| p.trim().is_empty()) {
        return Err(CatalogError::BlankProvenance {
            id: r.id.clone(),
            index,
        });
    }
    guidance(&r.id, &r.guidance, rules)
}

fn guidance(id: &str, g: &Guidance, rules: &Rules) -> Result<(), CatalogError> {
    let (langs, levels) = (rules.langs, rules.levels);
    if !g.notes.is_empty() {
        text(langs, id, "guidance.notes", &g.notes)?;
    }
    list(langs, id, "guidance.typical_evidence", &g.typical_evidence)?;
    list(langs, id, "guidance.pitfalls", &g.pitfalls)?;
    if !g.maturity.is_empty() && g.maturity.len() != levels {
        return Err(CatalogError::MaturityScale {
            id: id.to_owned(),
            expected: levels,
            found: g.maturity.len(),
        });
    }
    for (i, step) in g.maturity.iter().enumerate() {
        if usize::from(step.level) != i + 1 {
            return Err(CatalogError::MaturityOrder {
                id: id.to_owned(),
                field: "guidance.maturity",
            });
        }
        text(langs, id, &format!("guidance.maturity[{i}]"), &step.text)?;
    }
    Ok(())
}

/// Requires the text in every declared language.
fn text(langs: &[Lang], id: &str, field: &str, t: &Text) -> Result<(), CatalogError> {
    for &lang in langs {
        if t.get(lang).trim().is_empty() {
            return Err(missing(id, field, lang));
        }
    }
    Ok(())
}

/// Requires every entry in every declared language; with both declared, the lists must
/// pair up entry for entry.
fn list(langs: &[Lang], id: &str, field: &'static str, l: &TextList) -> Result<(), CatalogError> {
    if langs.len() == 2 && l.ja.len() != l.en.len() {
        return Err(CatalogError::ListLength {
            id: id.to_owned(),
            field,
            ja: l.ja.len(),
            en: l.en.len(),
        });
    }
    for &lang in langs {
        if let Some(i) = l.get(lang).iter().position(|e| e.trim().is_empty()) {
            return Err(missing(id, &format!("{field}[{i}]"), lang));
        }
    }
    Ok(())
}

fn missing(id: &str, field: &str, lang: Lang) -> CatalogError {
    CatalogError::MissingText {
        id: id.to_owned(),
        field: field.to_owned(),
        lang: lang.code(),
    }
}
