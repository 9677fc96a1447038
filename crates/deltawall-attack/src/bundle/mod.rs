//! Import of a MITRE ATT&CK Enterprise STIX 2.1 bundle into a [`Release`].
//!
//! The bundle is walked as plain JSON so that every refusal names the JSON pointer of the
//! value at fault. Objects of other domains (`x_mitre_domains` without
//! `enterprise-attack`) are skipped; objects of other types are ignored. What is kept is
//! checked for integrity: every tactic of the matrix exists, every kill-chain phase names a
//! tactic of the matrix, every `subtechnique-of` and `revoked-by` relationship joins two
//! attack patterns of the bundle, and no ATT&CK id is used twice.

mod walk;

use std::collections::BTreeMap;

use crate::model::{Release, Tactic, Technique, TechniqueId};
use walk::{Obj, bool_field, opt_str, req_array, req_str};

/// The domain this crate imports.
pub const ENTERPRISE: &str = "enterprise-attack";

/// A bundle that cannot be imported; nothing is returned half-way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The text is not JSON.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// What the parser found.
        message: String,
    },
    /// The JSON is not an ATT&CK bundle of the expected shape, or breaks its integrity.
    #[error("{pointer}: {message}")]
    Invalid {
        /// JSON pointer of the offending value (empty for the whole document).
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

impl BundleError {
    pub(crate) fn at(pointer: impl Into<String>, message: impl Into<String>) -> BundleError {
        BundleError::Invalid {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// A relationship of interest, remembered with where it was.
struct Link {
    pointer: String,
    source: String,
    target: String,
}

/// An attack pattern as collected: its pointer, the technique, and its kill-chain phases
/// (`(index, phase name)`) still to be checked against the matrix.
type Pending = (String, Technique, Vec<(String, String)>);

/// What one pass over the objects collects before it is resolved.
#[derive(Default)]
struct Collected {
    version: Option<String>,
    matrix: Option<(String, Vec<String>)>,
    tactics: BTreeMap<String, Tactic>,
    techniques: BTreeMap<String, Pending>,
    /// Attack patterns of other domains, which relationships may name without error.
    foreign: std::collections::BTreeSet<String>,
    subtechnique_of: Vec<Link>,
    revoked_by: Vec<Link>,
}

/// Imports an ATT&CK Enterprise bundle. The release version is the `x_mitre_version` of the
/// bundle's `x-mitre-collection` object.
pub fn import_bundle(text: &str) -> Result<Release, BundleError> {
    let root: serde_json::Value = serde_json::from_str(text).map_err(|e| BundleError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let root = Obj::new(&root, "")?;
    if req_str(&root, "type")? != "bundle" {
        return Err(BundleError::at("/type", "expected \"bundle\""));
    }
    let mut c = Collected::default();
    for (i, item) in req_array(&root, "objects")?.iter().enumerate() {
        collect(&mut c, &Obj::new(item, &format!("/objects/{i}"))?)?;
    }
    resolve(c)
}

fn collect(c: &mut Collected, o: &Obj<'_>) -> Result<(), BundleError> {
    let kind = req_str(o, "type")?;
    let id = req_str(o, "id")?.to_owned();
    if !in_enterprise(o)? {
        if kind == "attack-pattern" {
            c.foreign.insert(id);
        }
        return Ok(());
    }
    match kind {
        "x-mitre-collection" => c.version = Some(req_str(o, "x_mitre_version")?.to_owned()),
        "x-mitre-matrix" if c.matrix.is_none() => {
            let refs = req_array(o, "tactic_refs")?;
            let mut ids = Vec::with_capacity(refs.len());
            for (j, r) in refs.iter().enumerate() {
                let p = format!("{}/tactic_refs/{j}", o.pointer);
                ids.push(
                    r.as_str()
                        .ok_or_else(|| BundleError::at(p, "expected a string"))?
                        .to_owned(),
                );
            }
            c.matrix = Some((o.pointer.clone(), ids));
        }
        "x-mitre-tactic" => {
            let tactic = Tactic {
                stix_id: id.clone(),
                attack_id: walk::attack_id(o)?.1,
                name: req_str(o, "name")?.to_owned(),
                shortname: req_str(o, "x_mitre_shortname")?.to_owned(),
            };
            c.tactics.insert(id, tactic);
        }
        "attack-pattern" => {
            let (id_pointer, attack_id) = walk::attack_id(o)?;
            let tech_id = TechniqueId::parse(&attack_id).ok_or_else(|| {
                BundleError::at(
                    &id_pointer,
                    format!("not an ATT&CK technique id: {attack_id:?}"),
                )
            })?;
            let technique = Technique {
                stix_id: id.clone(),
                id: tech_id,
                name: req_str(o, "name")?.to_owned(),
                tactics: Vec::new(),
                object_version: opt_str(o, "x_mitre_version")?.map(str::to_owned),
                parent: None,
                deprecated: bool_field(o, "x_mitre_deprecated")?,
                revoked: bool_field(o, "revoked")?,
                revoked_by: None,
            };
            let phases = walk::kill_chain_phases(o)?;
            c.techniques
                .insert(id, (o.pointer.clone(), technique, phases));
        }
        "relationship" => {
            let link = |o: &Obj<'_>| -> Result<Link, BundleError> {
                Ok(Link {
                    pointer: o.pointer.clone(),
                    source: req_str(o, "source_ref")?.to_owned(),
                    target: req_str(o, "target_ref")?.to_owned(),
                })
            };
            match req_str(o, "relationship_type")? {
                "subtechnique-of" => c.subtechnique_of.push(link(o)?),
                "revoked-by" => c.revoked_by.push(link(o)?),
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether an object belongs to the Enterprise domain; objects without `x_mitre_domains`
/// (relationships, the collection) do.
fn in_enterprise(o: &Obj<'_>) -> Result<bool, BundleError> {
    let Some(domains) = o.get("x_mitre_domains") else {
        return Ok(true);
    };
    let p = format!("{}/x_mitre_domains", o.pointer);
    let list = domains
        .as_array()
        .ok_or_else(|| BundleError::at(&p, "expected an array of strings"))?;
    Ok(list.iter().any(|d| d.as_str() == Some(ENTERPRISE)))
}

fn resolve(mut c: Collected) -> Result<Release, BundleError> {
    let version = c
        .version
        .take()
        .ok_or_else(|| BundleError::at("/objects", "no x-mitre-collection with x_mitre_version"))?;
    let (matrix_pointer, refs) = c
        .matrix
        .take()
        .ok_or_else(|| BundleError::at("/objects", "no enterprise x-mitre-matrix"))?;
    let mut tactics = Vec::with_capacity(refs.len());
    for (j, r) in refs.iter().enumerate() {
        let t = c.tactics.get(r).ok_or_else(|| {
            BundleError::at(
                format!("{matrix_pointer}/tactic_refs/{j}"),
                format!("{r} is no x-mitre-tactic of the bundle"),
            )
        })?;
        tactics.push(t.clone());
    }
    for (pointer, technique, phases) in c.techniques.values_mut() {
        for (j, phase) in phases.iter() {
            if !tactics.iter().any(|t| &t.shortname == phase) {
                return Err(BundleError::at(
                    format!("{pointer}/kill_chain_phases/{j}/phase_name"),
                    format!("{phase:?} is no tactic of the matrix"),
                ));
            }
            technique.tactics.push(phase.clone());
        }
        technique.tactics.sort();
        technique.tactics.dedup();
    }
    link(&mut c, true)?;
    link(&mut c, false)?;
    let mut techniques = BTreeMap::new();
    for (pointer, technique, _) in c.techniques.into_values() {
        let id = technique.id.clone();
        if techniques.insert(id.clone(), technique).is_some() {
            return Err(BundleError::at(
                format!("{pointer}/external_references"),
                format!("ATT&CK id {id} is used by two attack patterns"),
            ));
        }
    }
    Ok(Release {
        version,
        domain: ENTERPRISE.to_owned(),
        tactics,
        techniques,
    })
}

/// Applies `subtechnique-of` (when `parents`) or `revoked-by` relationships.
fn link(c: &mut Collected, parents: bool) -> Result<(), BundleError> {
    let links = if parents {
        &c.subtechnique_of
    } else {
        &c.revoked_by
    };
    let mut pairs = Vec::new();
    for l in links {
        let ends = [("source_ref", &l.source), ("target_ref", &l.target)];
        if ends.iter().any(|(_, r)| c.foreign.contains(*r)) {
            continue;
        }
        if !parents && !l.source.starts_with("attack-pattern--") {
            continue; // revocations of tactics, groups and software do not concern techniques
        }
        for (field, r) in ends {
            if !c.techniques.contains_key(r) {
                return Err(BundleError::at(
                    format!("{}/{field}", l.pointer),
                    format!("{r} is no attack-pattern of the bundle"),
                ));
            }
        }
        let target = c.techniques[&l.target].1.id.clone();
        pairs.push((l.source.clone(), target));
    }
    for (source, target) in pairs {
        let t = &mut c.techniques.get_mut(&source).expect("checked above").1;
        if parents {
            t.parent = Some(target);
        } else {
            t.revoked_by = Some(target);
        }
    }
    Ok(())
}
