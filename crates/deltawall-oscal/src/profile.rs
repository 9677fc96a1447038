//! OSCAL profile resolution, the supported subset.
//!
//! Supported: imports of catalogs and of other profiles (by relative href or `#uuid`
//! back-matter reference to a JSON rlink); `include-all`; `include-controls` and
//! `exclude-controls` by `with-ids` and by `matching` glob patterns (`*`, `?`), with
//! `with-child-controls`; `merge` `as-is` (groups kept) and `flat` (no merge directive
//! means flat, as the OSCAL specification says); `combine` `use-first` or `keep`;
//! `modify` `set-parameters` (values, label, select).
//!
//! Refused with [`OscalError::Unsupported`]: `merge.custom`, `combine` `merge`,
//! `modify.alters`. A selection naming a control the imported catalog does not have is
//! [`OscalError::Invalid`], not skipped.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::model::{self, Catalog, Control, Group, Param, Profile, Selection};
use crate::{Limits, OscalError, scan};

/// How many documents one resolution may load (the profile, its imports and theirs).
const MAX_DOCUMENTS: usize = 16;

/// Loads an imported document by href.
pub(crate) type Loader<'a> = &'a dyn Fn(&str) -> Option<Vec<u8>>;

struct Ctx<'a> {
    load: Loader<'a>,
    limits: &'a Limits,
    loaded: usize,
    stack: Vec<String>,
}

/// Resolves a profile into an OSCAL catalog (the profile's metadata and uuid, the
/// selected controls).
pub(crate) fn resolve(json: &[u8], limits: &Limits, load: Loader) -> Result<Catalog, OscalError> {
    let mut ctx = Ctx {
        load,
        limits,
        loaded: 1,
        stack: Vec::new(),
    };
    let doc: model::ProfileDoc = scan::parse(json, limits)?;
    profile(&doc.profile, &mut ctx)
}

fn profile(p: &Profile, ctx: &mut Ctx) -> Result<Catalog, OscalError> {
    refuse_unsupported(p)?;
    let use_first = p
        .merge
        .as_ref()
        .and_then(|m| m.combine.as_ref())
        .and_then(|c| c.method.as_deref())
        == Some("use-first");
    let as_is = p.merge.as_ref().is_some_and(|m| m.as_is == Some(true));
    let mut out = Catalog {
        uuid: p.uuid.clone(),
        metadata: p.metadata.clone(),
        params: Vec::new(),
        controls: Vec::new(),
        groups: Vec::new(),
    };
    let mut seen = HashSet::new();
    for (i, import) in p.imports.iter().enumerate() {
        let path = format!("$.profile.imports[{i}]");
        let source = imported(p, &import.href, &path, ctx)?;
        let chosen = select(&source, import, &path)?;
        let mut part = prune(&source, &chosen);
        dedupe(&mut part, &mut seen, use_first, &path)?;
        out.params.extend(part.params);
        out.controls.extend(part.controls);
        merge_groups(&mut out.groups, part.groups);
    }
    if !as_is {
        flatten(&mut out);
    }
    set_parameters(p, &mut out)?;
    Ok(out)
}

fn refuse_unsupported(p: &Profile) -> Result<(), OscalError> {
    if let Some(m) = &p.merge {
        let directives = [m.flat.is_some(), m.as_is.is_some(), m.custom.is_some()];
        if directives.into_iter().filter(|&d| d).count() > 1 {
            return Err(OscalError::invalid(
                "$.profile.merge",
                "more than one of flat, as-is and custom",
            ));
        }
        if m.custom.is_some() {
            return Err(OscalError::unsupported(
                "$.profile.merge.custom",
                "merge custom",
            ));
        }
        let method = m.combine.as_ref().and_then(|c| c.method.as_deref());
        if let Some(method) = method
            && method != "use-first"
            && method != "keep"
        {
            return Err(OscalError::unsupported(
                "$.profile.merge.combine.method",
                format!("combine method {method:?}"),
            ));
        }
    }
    if p.modify.as_ref().is_some_and(|m| !m.alters.is_empty()) {
        return Err(OscalError::unsupported("$.profile.modify.alters", "alters"));
    }
    Ok(())
}

/// Loads and resolves one import into a catalog.
fn imported(p: &Profile, href: &str, path: &str, ctx: &mut Ctx) -> Result<Catalog, OscalError> {
    let path = format!("{path}.href");
    let target = target_href(p, href, &path)?;
    if ctx.stack.iter().any(|h| h == &target) {
        return Err(OscalError::invalid(
            path,
            format!("import cycle through {target}"),
        ));
    }
    ctx.loaded += 1;
    if ctx.loaded > MAX_DOCUMENTS {
        return Err(OscalError::invalid(
            path,
            format!("more than {MAX_DOCUMENTS} documents imported"),
        ));
    }
    let bytes = (ctx.load)(&target)
        .ok_or_else(|| OscalError::invalid(&path, format!("cannot load {target:?}")))?;
    let wrap = |e: OscalError| OscalError::Imported {
        href: target.clone(),
        source: Box::new(e),
    };
    #[derive(Deserialize)]
    struct Peek {
        catalog: Option<IgnoredAny>,
        profile: Option<IgnoredAny>,
    }
    let peek: Peek = scan::parse(&bytes, ctx.limits).map_err(wrap)?;
    match (peek.catalog, peek.profile) {
        (Some(_), None) => {
            let doc: model::CatalogDoc = scan::parse(&bytes, ctx.limits).map_err(wrap)?;
            Ok(doc.catalog)
        }
        (None, Some(_)) => {
            let doc: model::ProfileDoc = scan::parse(&bytes, ctx.limits).map_err(wrap)?;
            ctx.stack.push(target.clone());
            let resolved = profile(&doc.profile, ctx).map_err(wrap);
            ctx.stack.pop();
            resolved
        }
        _ => Err(wrap(OscalError::invalid(
            "$",
            "neither a catalog nor a profile",
        ))),
    }
}

/// The href to load: a `#uuid` reference is followed to the back-matter resource's JSON
/// rlink.
fn target_href(p: &Profile, href: &str, path: &str) -> Result<String, OscalError> {
    let Some(uuid) = href.strip_prefix('#') else {
        return Ok(href.to_owned());
    };
    let resource = p
        .back_matter
        .iter()
        .flat_map(|b| &b.resources)
        .find(|r| r.uuid == uuid)
        .ok_or_else(|| OscalError::invalid(path, format!("no back-matter resource {uuid}")))?;
    resource
        .rlinks
        .iter()
        .find(|l| {
            l.media_type.as_deref().is_some_and(|m| m.contains("json")) || l.href.ends_with(".json")
        })
        .map(|l| l.href.clone())
        .ok_or_else(|| {
            OscalError::invalid(
                path,
                format!("back-matter resource {uuid} has no JSON rlink"),
            )
        })
}

/// Control id → (parent control id, child control ids), over the whole catalog.
struct Tree<'a> {
    order: Vec<&'a str>,
    children: HashMap<&'a str, Vec<&'a str>>,
}

fn tree(c: &Catalog) -> Tree<'_> {
    fn walk<'a>(controls: &'a [Control], t: &mut Tree<'a>) {
        for c in controls {
            t.order.push(&c.id);
            t.children
                .insert(&c.id, c.controls.iter().map(|k| k.id.as_str()).collect());
            walk(&c.controls, t);
        }
    }
    fn groups<'a>(gs: &'a [Group], t: &mut Tree<'a>) {
        for g in gs {
            walk(&g.controls, t);
            groups(&g.groups, t);
        }
    }
    let mut t = Tree {
        order: Vec::new(),
        children: HashMap::new(),
    };
    walk(&c.controls, &mut t);
    groups(&c.groups, &mut t);
    t
}

/// The ids an import selects.
fn select(c: &Catalog, import: &model::Import, path: &str) -> Result<HashSet<String>, OscalError> {
    let t = tree(c);
    let mut chosen = HashSet::new();
    if import.include_all.is_some() {
        chosen.extend(t.order.iter().map(|s| s.to_string()));
    }
    for (i, s) in import.include_controls.iter().enumerate() {
        chosen.extend(matched(&t, s, &format!("{path}.include-controls[{i}]"))?);
    }
    if import.include_all.is_none() && import.include_controls.is_empty() {
        return Err(OscalError::invalid(
            path,
            "import selects nothing (neither include-all nor include-controls)",
        ));
    }
    for (i, s) in import.exclude_controls.iter().enumerate() {
        for id in matched(&t, s, &format!("{path}.exclude-controls[{i}]"))? {
            chosen.remove(&id);
        }
    }
    Ok(chosen)
}

fn matched(t: &Tree, s: &Selection, path: &str) -> Result<BTreeSet<String>, OscalError> {
    let known: HashSet<&str> = t.order.iter().copied().collect();
    let missing: Vec<&str> = s
        .with_ids
        .iter()
        .map(String::as_str)
        .filter(|id| !known.contains(id))
        .collect();
    if !missing.is_empty() {
        return Err(OscalError::invalid(
            format!("{path}.with-ids"),
            format!("the imported catalog has no control {}", missing.join(", ")),
        ));
    }
    let mut out: BTreeSet<String> = s.with_ids.iter().cloned().collect();
    for m in &s.matching {
        out.extend(
            t.order
                .iter()
                .filter(|id| glob(&m.pattern, id))
                .map(|s| s.to_string()),
        );
    }
    match s.with_child_controls.as_deref() {
        None | Some("no") => {}
        Some("yes") => {
            let mut stack: Vec<String> = out.iter().cloned().collect();
            while let Some(id) = stack.pop() {
                for child in t.children.get(id.as_str()).into_iter().flatten() {
                    if out.insert(child.to_string()) {
                        stack.push(child.to_string());
                    }
                }
            }
        }
        Some(other) => {
            return Err(OscalError::invalid(
                format!("{path}.with-child-controls"),
                format!("{other:?} is neither \"yes\" nor \"no\""),
            ));
        }
    }
    Ok(out)
}

/// `*` matches any run of characters, `?` any one character.
fn glob(pattern: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            (pi, si) = (pi + 1, si + 1);
        } else if pi < p.len() && p[pi] == '*' {
            (star, mark, pi) = (Some(pi), si, pi + 1);
        } else if let Some(st) = star {
            (pi, mark) = (st + 1, mark + 1);
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// The catalog with only the chosen controls. A chosen control under one that is not
/// chosen takes its parent's place; groups left empty are dropped.
fn prune(c: &Catalog, chosen: &HashSet<String>) -> Catalog {
    Catalog {
        uuid: c.uuid.clone(),
        metadata: c.metadata.clone(),
        params: c.params.clone(),
        controls: prune_controls(&c.controls, chosen),
        groups: c
            .groups
            .iter()
            .filter_map(|g| prune_group(g, chosen))
            .collect(),
    }
}

fn prune_controls(controls: &[Control], chosen: &HashSet<String>) -> Vec<Control> {
    let mut out = Vec::new();
    for c in controls {
        let kept = prune_controls(&c.controls, chosen);
        if chosen.contains(&c.id) {
            out.push(Control {
                controls: kept,
                ..c.clone()
            });
        } else {
            out.extend(kept);
        }
    }
    out
}

fn prune_group(g: &Group, chosen: &HashSet<String>) -> Option<Group> {
    let controls = prune_controls(&g.controls, chosen);
    let groups: Vec<Group> = g
        .groups
        .iter()
        .filter_map(|s| prune_group(s, chosen))
        .collect();
    (!controls.is_empty() || !groups.is_empty()).then(|| Group {
        controls,
        groups,
        ..g.clone()
    })
}

/// Refuses (or, with `use-first`, drops) a control that an earlier import already gave.
fn dedupe(
    c: &mut Catalog,
    seen: &mut HashSet<String>,
    use_first: bool,
    path: &str,
) -> Result<(), OscalError> {
    fn walk(
        controls: &mut Vec<Control>,
        seen: &mut HashSet<String>,
        use_first: bool,
        path: &str,
    ) -> Result<(), OscalError> {
        let mut err = None;
        controls.retain(|c| {
            let fresh = seen.insert(c.id.clone());
            if !fresh && !use_first && err.is_none() {
                err = Some(OscalError::invalid(
                    path,
                    format!(
                        "control {} is imported twice (set merge.combine.method to use-first)",
                        c.id
                    ),
                ));
            }
            fresh
        });
        if let Some(e) = err {
            return Err(e);
        }
        controls
            .iter_mut()
            .try_for_each(|c| walk(&mut c.controls, seen, use_first, path))
    }
    fn groups(
        gs: &mut [Group],
        seen: &mut HashSet<String>,
        use_first: bool,
        path: &str,
    ) -> Result<(), OscalError> {
        for g in gs {
            walk(&mut g.controls, seen, use_first, path)?;
            groups(&mut g.groups, seen, use_first, path)?;
        }
        Ok(())
    }
    walk(&mut c.controls, seen, use_first, path)?;
    groups(&mut c.groups, seen, use_first, path)
}

/// Groups with the same id from two imports become one.
fn merge_groups(into: &mut Vec<Group>, from: Vec<Group>) {
    for g in from {
        match into.iter_mut().find(|x| x.id.is_some() && x.id == g.id) {
            Some(existing) => {
                existing.controls.extend(g.controls);
                existing.params.extend(g.params);
                merge_groups(&mut existing.groups, g.groups);
            }
            None => into.push(g),
        }
    }
}

/// `flat`: every control at the top, in document order; group parameters move with them.
fn flatten(c: &mut Catalog) {
    fn take(groups: Vec<Group>, c: &mut Catalog) {
        for g in groups {
            c.params.extend(g.params);
            c.controls.extend(g.controls);
            take(g.groups, c);
        }
    }
    let groups = std::mem::take(&mut c.groups);
    take(groups, c);
}

fn set_parameters(p: &Profile, c: &mut Catalog) -> Result<(), OscalError> {
    let Some(modify) = &p.modify else {
        return Ok(());
    };
    for (i, set) in modify.set_parameters.iter().enumerate() {
        let param = find_param(c, &set.param_id).ok_or_else(|| {
            OscalError::invalid(
                format!("$.profile.modify.set-parameters[{i}].param-id"),
                format!("no parameter {} in the selected controls", set.param_id),
            )
        })?;
        if let Some(values) = &set.values {
            param.values = values.clone();
        }
        if let Some(label) = &set.label {
            param.label = Some(label.clone());
        }
        if let Some(select) = &set.select {
            param.select = Some(select.clone());
        }
    }
    Ok(())
}

fn find_param<'a>(c: &'a mut Catalog, id: &str) -> Option<&'a mut Param> {
    fn in_controls<'a>(cs: &'a mut [Control], id: &str) -> Option<&'a mut Param> {
        for c in cs {
            if let Some(p) = c.params.iter_mut().find(|p| p.id == id) {
                return Some(p);
            }
            if let Some(p) = in_controls(&mut c.controls, id) {
                return Some(p);
            }
        }
        None
    }
    fn in_groups<'a>(gs: &'a mut [Group], id: &str) -> Option<&'a mut Param> {
        for g in gs {
            if let Some(p) = g.params.iter_mut().find(|p| p.id == id) {
                return Some(p);
            }
            if let Some(p) = in_controls(&mut g.controls, id) {
                return Some(p);
            }
            if let Some(p) = in_groups(&mut g.groups, id) {
                return Some(p);
            }
        }
        None
    }
    if let Some(i) = c.params.iter().position(|p| p.id == id) {
        return c.params.get_mut(i);
    }
    if let Some(p) = in_controls(&mut c.controls, id) {
        return Some(p);
    }
    in_groups(&mut c.groups, id)
}
