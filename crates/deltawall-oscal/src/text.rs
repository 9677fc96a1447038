//! Renders OSCAL prose as plain text: parameter insertions substituted (or shown as
//! NIST prints them, `[Assignment: …]` / `[Selection: …]`), parts numbered by label.

use std::collections::HashMap;

use crate::model::{Param, Part, Prop};

/// Parameters in scope, by id.
pub(crate) type Params<'a> = HashMap<&'a str, &'a Param>;

/// How deep a parameter's choices may insert other parameters before we stop expanding.
const MAX_INSERT_DEPTH: usize = 4;

/// The `label` property, when there is one without a class (the canonical label), else
/// the first `label` property.
pub(crate) fn label(props: &[Prop]) -> Option<&str> {
    let labels = || props.iter().filter(|p| p.name == "label");
    labels()
        .find(|p| p.class.is_none())
        .or_else(|| labels().next())
        .map(|p| p.value.as_str())
}

/// The value of the first property named `name`.
pub(crate) fn prop<'a>(props: &'a [Prop], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
}

/// A part and its sub-parts as indented lines, each starting with its label.
pub(crate) fn part(p: &Part, params: &Params, indent: usize, out: &mut Vec<String>) {
    let label = label(&p.props);
    let prose = p
        .prose
        .as_deref()
        .map(|s| prose(s, params))
        .unwrap_or_default();
    let head = [
        label.unwrap_or(""),
        p.title.as_deref().unwrap_or(""),
        &prose,
    ]
    .into_iter()
    .filter(|s| !s.trim().is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    // A part with nothing of its own to say (a statement that only holds items) does
    // not indent its children.
    let inner = match head.is_empty() {
        true => indent,
        false => {
            out.push(format!("{}{}", "  ".repeat(indent), head.trim()));
            indent + 1
        }
    };
    for child in &p.parts {
        part(child, params, inner, out);
    }
}

/// The text of the parts named `name`, rendered.
pub(crate) fn parts_named(parts: &[Part], name: &str, params: &Params) -> String {
    let mut lines = Vec::new();
    for p in parts.iter().filter(|p| p.name == name) {
        part(p, params, 0, &mut lines);
    }
    lines.join("\n")
}

/// Prose with `{{ insert: param, id }}` replaced.
pub(crate) fn prose(s: &str, params: &Params) -> String {
    insert(s, params, 0)
}

fn insert(s: &str, params: &Params, depth: usize) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = &rest[start + 2..start + len];
        out.push_str(&replacement(inner, params, depth));
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// What one `{{ … }}` becomes. Unknown insert kinds and unknown parameters are kept
/// visible rather than dropped, so no requirement text silently loses words.
fn replacement(inner: &str, params: &Params, depth: usize) -> String {
    let mut fields = inner.split(',').map(str::trim);
    let (kind, id) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
    if kind != "insert: param" {
        return format!("{{{{{inner}}}}}");
    }
    match params.get(id) {
        Some(param) => param_text(param, params, depth),
        None => format!("[Assignment: {id}]"),
    }
}

/// A parameter as shown in a requirement: its set values, else its choices, else its label.
pub(crate) fn param_text(p: &Param, params: &Params, depth: usize) -> String {
    if !p.values.is_empty() {
        return p.values.join(", ");
    }
    if let Some(select) = &p.select {
        let choices: Vec<String> = select
            .choice
            .iter()
            .map(|c| match depth < MAX_INSERT_DEPTH {
                true => insert(c, params, depth + 1),
                false => c.clone(),
            })
            .collect();
        let how = match select.how_many.as_deref() {
            Some("one-or-more") => " (one or more)",
            _ => "",
        };
        return format!("[Selection{how}: {}]", choices.join("; "));
    }
    let label = p.label.as_deref().unwrap_or(&p.id);
    format!("[Assignment: organization-defined {label}]")
}
