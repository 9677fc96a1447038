//! YAML documents as an order-preserving value tree, parsed with serde-saphyr under a budget.

use crate::error::{Ctx, ErrorKind, RuleError};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A YAML node. Maps keep their order so that error messages and `them` follow the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    /// A short name of the node's type for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Yaml::Null => "null",
            Yaml::Bool(_) => "boolean",
            Yaml::Int(_) => "integer",
            Yaml::Float(_) => "number",
            Yaml::Str(_) => "string",
            Yaml::Seq(_) => "list",
            Yaml::Map(_) => "map",
        }
    }

    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a scalar as Sigma compares it; `None` for null, lists and maps.
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Yaml::Bool(b) => Some(b.to_string()),
            Yaml::Int(i) => Some(i.to_string()),
            Yaml::Float(f) => Some(f.to_string()),
            Yaml::Str(s) => Some(s.clone()),
            Yaml::Null | Yaml::Seq(_) | Yaml::Map(_) => None,
        }
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = Yaml;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a yaml value")
    }
    fn visit_unit<E>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }
    fn visit_none<E>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Yaml, D::Error> {
        Yaml::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Yaml, E> {
        Ok(Yaml::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Yaml, E> {
        Ok(Yaml::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Yaml, E> {
        // Too large for i64: keep the digits so text matching still works.
        Ok(i64::try_from(v).map_or_else(|_| Yaml::Str(v.to_string()), Yaml::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Yaml, E> {
        Ok(i64::try_from(v).map_or_else(|_| Yaml::Str(v.to_string()), Yaml::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Yaml, E> {
        Ok(i64::try_from(v).map_or_else(|_| Yaml::Str(v.to_string()), Yaml::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Yaml, E> {
        Ok(Yaml::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Yaml, E> {
        Ok(Yaml::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Yaml, E> {
        Ok(Yaml::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Yaml, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Yaml>()? {
            out.push(v);
        }
        Ok(Yaml::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yaml, A::Error> {
        let mut out: Vec<(String, Yaml)> = Vec::new();
        while let Some(k) = map.next_key::<Yaml>()? {
            let key = match k {
                Yaml::Null => String::new(),
                other => other
                    .scalar_text()
                    .ok_or_else(|| de::Error::custom("a map key must be a scalar"))?,
            };
            if out.iter().any(|(existing, _)| *existing == key) {
                // serde-saphyr already rejects literal duplicates; this catches keys that only
                // collide after conversion to text (e.g. `1` and `'1'`).
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            let v = map.next_value::<Yaml>()?;
            out.push((key, v));
        }
        Ok(Yaml::Map(out))
    }
}

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Yaml, D::Error> {
        d.deserialize_any(YamlVisitor)
    }
}

/// Parser limits: a rule file is small; anything beyond these is hostile or broken.
/// YAML 1.2 core booleans only (`yes`, `y`, `on` stay strings) and number-like text that is
/// not a plain number (`0755`, `1_000`) stays text, so rule values keep their spelling.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_nodes: 200_000,
            max_documents: 1_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_total_scalar_bytes: 16 * 1024 * 1024,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
            max_replay_stack_depth: 16,
            max_alias_expansions_per_anchor: 1_000,
        },
    }
}

/// Parses every document of a (multi-document) YAML text.
pub(crate) fn parse_documents(source: &str, origin: &str) -> Result<Vec<Yaml>, RuleError> {
    serde_saphyr::from_multiple_with_options::<Yaml>(source, options()).map_err(|e| {
        let ctx = Ctx {
            origin,
            rule: "file".into(),
        };
        let msg = e.to_string();
        let first = msg
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .trim_end_matches('.');
        ctx.err(ErrorKind::Yaml, "yaml", first.to_lowercase())
    })
}
