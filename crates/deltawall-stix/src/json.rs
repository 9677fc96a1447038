//! JSON reading that rejects duplicate member names. RFC 8259 leaves their meaning open and
//! parsers disagree (first wins, last wins); a hub that validates one reading while a
//! consumer acts on another could be smuggled content, so duplicates are errors.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::issue::{Issue, child};

/// Parses `text` into a value, failing on invalid JSON or a duplicate member name.
/// Issue pointers are relative to `at`.
pub(crate) fn parse_value(text: &str, at: &str) -> Result<Value, Issue> {
    let dup = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let root = Path::Root(at);
    let result = Seed {
        path: &root,
        dup: &dup,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match (result, dup.into_inner()) {
        (_, Some(pointer)) => Err(Issue::error(pointer, "duplicate member name")),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(syntax_issue(&e, at)),
    }
}

/// The members of a top-level object in document order, each kept as raw text.
pub(crate) fn top_level(text: &str) -> Result<Vec<(String, &RawValue)>, Issue> {
    let members: TopLevel<'_> = serde_json::from_str(text).map_err(|e| syntax_issue(&e, ""))?;
    let mut seen = std::collections::BTreeSet::new();
    for (k, _) in &members.0 {
        if !seen.insert(k.as_str()) {
            return Err(Issue::error(child("", k), "duplicate member name"));
        }
    }
    Ok(members.0)
}

/// An issue for a JSON syntax error.
pub(crate) fn syntax_issue(e: &serde_json::Error, at: &str) -> Issue {
    Issue::error(
        at,
        format!(
            "invalid json at line {} column {}: {e}",
            e.line(),
            e.column()
        ),
    )
}

struct TopLevel<'a>(Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for TopLevel<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TopLevel<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a json object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    out.push((k, map.next_value::<&RawValue>()?));
                }
                Ok(TopLevel(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// The location of the value being read, as a borrowed chain so that reading allocates
/// nothing for it; the pointer string is only built for a duplicate.
enum Path<'p> {
    Root(&'p str),
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl Path<'_> {
    fn pointer(&self) -> String {
        match self {
            Path::Root(at) => (*at).to_owned(),
            Path::Key(parent, k) => child(&parent.pointer(), k),
            Path::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

/// Builds a [`Value`] while tracking where it is, to name a duplicate's location.
struct Seed<'a> {
    path: &'a Path<'a>,
    dup: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let path = Path::Index(self.path, out.len());
            match seq.next_element_seed(Seed {
                path: &path,
                dup: self.dup,
            })? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let path = Path::Key(self.path, &k);
            if out.contains_key(&k) {
                *self.dup.borrow_mut() = Some(path.pointer());
                return Err(de::Error::custom("duplicate member name"));
            }
            let v = map.next_value_seed(Seed {
                path: &path,
                dup: self.dup,
            })?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}
