//! Field mapping: rule field names to event field paths, per log source, applied when rules
//! are compiled so that one rule serves several log formats.

use crate::error::{Ctx, ErrorKind, RuleError};
use crate::model::LogSource;
use crate::yaml::{self, Yaml};

/// One mapping block: applies to rules whose log source has every part that `logsource` sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MappingBlock {
    /// Which rules the block applies to; unset parts are wildcards.
    pub logsource: LogSource,
    /// Rule field name to event paths, tried in order; the first present path is used.
    pub fields: Vec<(String, Vec<String>)>,
    /// Templates for fields the block does not name: `{field}` is replaced by the rule's
    /// field name, e.g. `Event.EventData.{field}`. Tried in order.
    pub fallback: Vec<String>,
}

/// Renames rule fields to event paths per log source.
///
/// A rule field resolves to a list of candidate paths: the explicit renames of the first
/// applicable block that names the field, else the fallback templates of every applicable
/// block (in order), else the field name itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldMapping {
    /// The blocks, in priority order.
    pub blocks: Vec<MappingBlock>,
}

impl FieldMapping {
    /// An empty mapping: every field is looked up under its own name.
    pub fn new() -> FieldMapping {
        FieldMapping::default()
    }

    /// Adds a block and returns `self` for chaining.
    pub fn with_block(mut self, block: MappingBlock) -> FieldMapping {
        self.blocks.push(block);
        self
    }

    /// The candidate event paths for `field` in a rule with log source `rule`.
    pub fn resolve(&self, rule: &LogSource, field: &str) -> Vec<String> {
        let applicable = || self.blocks.iter().filter(|b| b.logsource.applies_to(rule));
        if let Some(paths) =
            applicable().find_map(|b| b.fields.iter().find(|(f, _)| f == field).map(|(_, p)| p))
        {
            return paths.clone();
        }
        let mut out: Vec<String> = Vec::new();
        for template in applicable().flat_map(|b| b.fallback.iter()) {
            let path = template.replace("{field}", field);
            if !out.contains(&path) {
                out.push(path);
            }
        }
        if out.is_empty() {
            out.push(field.to_owned());
        }
        out
    }

    /// Reads a mapping from YAML:
    ///
    /// ```yaml
    /// mappings:
    ///   - logsource: { product: windows }
    ///     fields:
    ///       EventID: Event.System.EventID
    ///       Provider_Name: [Event.System.Provider.#attributes.Name]
    ///     fallback: ["Event.EventData.{field}"]
    /// ```
    pub fn from_yaml(source: &str, origin: &str) -> Result<FieldMapping, RuleError> {
        let ctx = Ctx {
            origin,
            rule: "field mapping".into(),
        };
        let docs = yaml::parse_documents(source, origin)?;
        let mut mapping = FieldMapping::new();
        for doc in &docs {
            let Some(Yaml::Seq(blocks)) = doc.get("mappings") else {
                return Err(ctx.err(
                    ErrorKind::Schema,
                    "mappings",
                    "expected a list of mapping blocks",
                ));
            };
            for (i, block) in blocks.iter().enumerate() {
                mapping.blocks.push(parse_block(block, &ctx, i)?);
            }
        }
        Ok(mapping)
    }
}

fn strings(node: &Yaml, ctx: &Ctx<'_>, construct: &str) -> Result<Vec<String>, RuleError> {
    match node {
        Yaml::Seq(items) => items
            .iter()
            .map(|i| {
                i.scalar_text()
                    .ok_or_else(|| ctx.err(ErrorKind::Schema, construct, "expected strings"))
            })
            .collect(),
        other => other.scalar_text().map(|s| vec![s]).ok_or_else(|| {
            ctx.err(
                ErrorKind::Schema,
                construct,
                "expected a string or a list of strings",
            )
        }),
    }
}

fn parse_block(block: &Yaml, ctx: &Ctx<'_>, i: usize) -> Result<MappingBlock, RuleError> {
    let construct = format!("mappings[{i}]");
    let mut out = MappingBlock::default();
    let Yaml::Map(entries) = block else {
        return Err(ctx.err(ErrorKind::Schema, construct, "expected a map"));
    };
    for (key, value) in entries {
        match (key.as_str(), value) {
            ("logsource", ls) => {
                let part = |k: &str| ls.get(k).and_then(Yaml::scalar_text);
                out.logsource = LogSource {
                    category: part("category"),
                    product: part("product"),
                    service: part("service"),
                };
            }
            ("fields", Yaml::Map(fields)) => {
                for (f, paths) in fields {
                    out.fields.push((
                        f.clone(),
                        strings(paths, ctx, &format!("{construct}.fields.{f}"))?,
                    ));
                }
            }
            ("fallback", v) => out.fallback = strings(v, ctx, &format!("{construct}.fallback"))?,
            (other, _) => {
                return Err(ctx.err(
                    ErrorKind::Schema,
                    format!("{construct}.{other}"),
                    "unknown mapping attribute",
                ));
            }
        }
    }
    Ok(out)
}
