//! The `detection` section: search identifiers (maps, lists of maps, keyword lists) and the
//! condition, parsed and validated but not yet compiled.

use crate::condition::{self, Cond};
use crate::error::{Ctx, ErrorKind, RuleError};
use crate::modifier::{self, Modifier};
use crate::yaml::Yaml;

/// A parsed detection section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Detection {
    /// Search identifiers in file order.
    pub selections: Vec<(String, Selection)>,
    /// The condition; a list of conditions is OR-ed.
    pub condition: Cond,
    /// Name of the section (`detection` or `filter`) for error messages.
    pub section: &'static str,
}

/// A search identifier: an OR of AND-ed item groups. A map is one group; a list of maps
/// is one group per map; a keyword list is one group with one field-less item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Selection {
    pub groups: Vec<Vec<Item>>,
}

/// One `field|modifiers: values` entry, or a keyword list when `field` is `None`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    pub field: Option<String>,
    pub modifiers: Vec<Modifier>,
    pub values: Vec<Yaml>,
    /// Path used in error messages, e.g. `detection.selection.CommandLine|contains`.
    pub construct: String,
}

impl Item {
    pub fn has(&self, m: Modifier) -> bool {
        self.modifiers.contains(&m)
    }
}

/// Parses a `detection` (or filter) map.
pub(crate) fn parse(
    node: &Yaml,
    section: &'static str,
    ctx: &Ctx<'_>,
) -> Result<Detection, RuleError> {
    let Yaml::Map(entries) = node else {
        return Err(ctx.err(
            ErrorKind::Schema,
            section,
            format!("expected a map, found a {}", node.type_name()),
        ));
    };
    let mut selections = Vec::new();
    let mut condition_node = None;
    for (name, value) in entries {
        match name.as_str() {
            "condition" => condition_node = Some(value),
            "timeframe" => {
                return Err(ctx.err(
                    ErrorKind::Unsupported,
                    format!("{section}.timeframe"),
                    "legacy `timeframe` belongs to removed aggregations; write a correlation rule",
                ));
            }
            _ => {
                let construct = format!("{section}.{name}");
                selections.push((name.clone(), parse_selection(value, &construct, ctx)?));
            }
        }
    }
    let condition_node = condition_node.ok_or_else(|| {
        ctx.err(
            ErrorKind::Schema,
            format!("{section}.condition"),
            "is missing",
        )
    })?;
    let names: Vec<String> = selections.iter().map(|(n, _)| n.clone()).collect();
    let condition = parse_condition(condition_node, &names, section, ctx)?;
    Ok(Detection {
        selections,
        condition,
        section,
    })
}

fn parse_condition(
    node: &Yaml,
    names: &[String],
    section: &str,
    ctx: &Ctx<'_>,
) -> Result<Cond, RuleError> {
    let construct = format!("{section}.condition");
    let texts: Vec<String> = match node {
        Yaml::Str(s) => vec![s.clone()],
        Yaml::Seq(items) if !items.is_empty() => items
            .iter()
            .map(|i| match i {
                Yaml::Str(s) => Ok(s.clone()),
                _ => Err(ctx.err(
                    ErrorKind::Schema,
                    construct.clone(),
                    "expected a list of strings",
                )),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(ctx.err(
                ErrorKind::Schema,
                construct,
                "expected a string or a list of strings",
            ));
        }
    };
    let mut conds = Vec::new();
    for text in &texts {
        let cond = condition::parse(text, names).map_err(|e| {
            let kind = if e.unsupported {
                ErrorKind::Unsupported
            } else {
                ErrorKind::Invalid
            };
            ctx.err(kind, format!("{construct} `{text}`"), e.reason)
        })?;
        conds.push(cond);
    }
    Ok(if conds.len() == 1 {
        conds.remove(0)
    } else {
        Cond::Or(conds)
    })
}

fn parse_selection(node: &Yaml, construct: &str, ctx: &Ctx<'_>) -> Result<Selection, RuleError> {
    let groups = match node {
        Yaml::Map(entries) if !entries.is_empty() => vec![parse_map(entries, construct, ctx)?],
        Yaml::Seq(items)
            if !items.is_empty() && items.iter().all(|i| matches!(i, Yaml::Map(_))) =>
        {
            items
                .iter()
                .enumerate()
                .map(|(n, i)| match i {
                    Yaml::Map(entries) if !entries.is_empty() => {
                        parse_map(entries, &format!("{construct}[{n}]"), ctx)
                    }
                    _ => Err(ctx.err(
                        ErrorKind::Schema,
                        format!("{construct}[{n}]"),
                        "is an empty map",
                    )),
                })
                .collect::<Result<_, _>>()?
        }
        Yaml::Seq(items) if !items.is_empty() => {
            vec![vec![keywords(items.clone(), construct, ctx)?]]
        }
        Yaml::Str(_) | Yaml::Int(_) => vec![vec![keywords(vec![node.clone()], construct, ctx)?]],
        _ => {
            return Err(ctx.err(
                ErrorKind::Schema,
                construct,
                format!(
                    "expected a map, a list of maps or a keyword list, found a {}",
                    describe(node)
                ),
            ));
        }
    };
    Ok(Selection { groups })
}

fn describe(node: &Yaml) -> String {
    match node {
        Yaml::Seq(items) if items.is_empty() => "empty list".into(),
        Yaml::Map(items) if items.is_empty() => "empty map".into(),
        Yaml::Seq(_) => "list mixing maps and values".into(),
        other => other.type_name().into(),
    }
}

fn keywords(values: Vec<Yaml>, construct: &str, ctx: &Ctx<'_>) -> Result<Item, RuleError> {
    let item = Item {
        field: None,
        modifiers: Vec::new(),
        values,
        construct: construct.to_owned(),
    };
    check_values(&item, ctx)?;
    Ok(item)
}

fn parse_map(
    entries: &[(String, Yaml)],
    construct: &str,
    ctx: &Ctx<'_>,
) -> Result<Vec<Item>, RuleError> {
    entries
        .iter()
        .map(|(key, value)| parse_item(key, value, construct, ctx))
        .collect()
}

fn parse_item(key: &str, value: &Yaml, construct: &str, ctx: &Ctx<'_>) -> Result<Item, RuleError> {
    let construct = format!("{construct}.{key}");
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or("");
    let mut modifiers = Vec::new();
    for name in parts {
        let m = Modifier::parse(name).ok_or_else(|| {
            ctx.err(
                ErrorKind::Unsupported,
                construct.clone(),
                format!("unknown modifier `{name}`"),
            )
        })?;
        modifiers.push(m);
    }
    modifier::validate(&modifiers)
        .map_err(|reason| ctx.err(ErrorKind::Invalid, construct.clone(), reason))?;
    let values = match value {
        Yaml::Seq(items) if items.is_empty() => {
            return Err(ctx.err(ErrorKind::Schema, construct, "has an empty list of values"));
        }
        Yaml::Seq(items) => items.clone(),
        Yaml::Map(_) => {
            return Err(ctx.err(ErrorKind::Schema, construct, "a value cannot be a map"));
        }
        other => vec![other.clone()],
    };
    let field = (!field.is_empty()).then(|| field.to_owned());
    let item = Item {
        field,
        modifiers,
        values,
        construct,
    };
    check_values(&item, ctx)?;
    Ok(item)
}

fn check_values(item: &Item, ctx: &Ctx<'_>) -> Result<(), RuleError> {
    let construct = || item.construct.clone();
    if item
        .values
        .iter()
        .any(|v| matches!(v, Yaml::Seq(_) | Yaml::Map(_)))
    {
        return Err(ctx.err(ErrorKind::Schema, construct(), "values must be scalars"));
    }
    let nulls = item
        .values
        .iter()
        .filter(|v| matches!(v, Yaml::Null))
        .count();
    if nulls > 0 && item.values.len() > 1 {
        return Err(ctx.err(
            ErrorKind::Invalid,
            construct(),
            "`null` cannot be part of a list of values",
        ));
    }
    if nulls > 0 && !item.modifiers.is_empty() {
        return Err(ctx.err(
            ErrorKind::Invalid,
            construct(),
            "`null` cannot take modifiers",
        ));
    }
    if nulls > 0 && item.field.is_none() {
        return Err(ctx.err(
            ErrorKind::Invalid,
            construct(),
            "a keyword cannot be `null`",
        ));
    }
    if item.has(Modifier::Exists) {
        if item.field.is_none() {
            return Err(ctx.err(ErrorKind::Invalid, construct(), "exists needs a field"));
        }
        if !matches!(item.values.as_slice(), [Yaml::Bool(_)]) {
            return Err(ctx.err(
                ErrorKind::Invalid,
                construct(),
                "exists takes exactly one boolean",
            ));
        }
    }
    if item.has(Modifier::FieldRef) && item.field.is_none() {
        return Err(ctx.err(ErrorKind::Invalid, construct(), "fieldref needs a field"));
    }
    Ok(())
}
