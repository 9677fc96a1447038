//! Streaming reader shared by the JSON importers. A [`Plan`] says, for each path, whether to
//! descend into the container there, keep the value whole (one finding, a tool description) or
//! skip it; kept values are handed over one at a time, so a file of a million results never
//! sits in memory at once.

use std::fmt;
use std::io::{BufRead, BufReader};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{ErrorKind, ImportError, Limits, Problem};
use crate::input::Tracked;

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// What the walker does with the value at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Visit the object's members or the array's elements (`null` counts as empty).
    Descend,
    /// Read the value whole and hand it to [`Plan::value`].
    Keep,
    /// Read past it.
    Skip,
}

/// A format's view of its document.
pub(crate) trait Plan {
    fn action(&self, path: &[Seg]) -> Action;
    fn value(&mut self, path: &[Seg], value: Value) -> Result<(), Problem>;
    /// Called when a container that was descended into closes.
    fn leave(&mut self, _path: &[Seg]) -> Result<(), Problem> {
        Ok(())
    }
}

/// Whether `path` matches `pattern`, where `*` matches any array index.
pub(crate) fn matches(path: &[Seg], pattern: &[&str]) -> bool {
    path.len() == pattern.len()
        && path.iter().zip(pattern).all(|(seg, pat)| match seg {
            Seg::Key(k) => k == pat,
            Seg::Index(_) => *pat == "*",
        })
}

/// The index at position `at` of a path, when it is one.
pub(crate) fn index_at(path: &[Seg], at: usize) -> Option<usize> {
    match path.get(at) {
        Some(Seg::Index(i)) => Some(*i),
        _ => None,
    }
}

/// RFC 6901 pointer text of a path.
pub(crate) fn pointer(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        out.push('/');
        match seg {
            Seg::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

struct Walker<'p, P> {
    plan: &'p mut P,
    path: Vec<Seg>,
    failure: Option<ImportError>,
}

impl<P: Plan> Walker<'_, P> {
    fn fail<E: de::Error>(&mut self, problem: Problem) -> E {
        self.failure = Some(ImportError::pointer(
            pointer(&self.path),
            problem.kind,
            problem.message,
        ));
        E::custom("refused by the importer")
    }
}

/// Walks `input` with `plan`; errors carry serde_json's line and column, or the pointer of
/// the value the plan refused.
pub(crate) fn walk<R: BufRead, P: Plan>(
    input: R,
    limits: &Limits,
    plan: &mut P,
) -> Result<(), ImportError> {
    let mut tracked = Tracked::new(input, limits.max_bytes, false);
    let mut walker = Walker {
        plan,
        path: Vec::new(),
        failure: None,
    };
    let result = {
        // serde_json reads byte by byte; std's fast path for that exists only for BufReader
        let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(
            64 * 1024,
            &mut tracked,
        ));
        Node { w: &mut walker }
            .deserialize(&mut de)
            .and_then(|()| de.end())
    };
    match result {
        Ok(()) => Ok(()),
        Err(_) if walker.failure.is_some() => Err(walker.failure.take().expect("checked")),
        Err(_) if tracked.exceeded() => Err(ImportError::input(
            ErrorKind::TooLarge,
            format!("larger than the limit of {} bytes", limits.max_bytes),
        )),
        Err(e) => {
            let text = e.to_string();
            let message = text.rfind(" at line ").map_or(&*text, |i| &text[..i]);
            let kind = if e.is_io() {
                ErrorKind::Io
            } else {
                ErrorKind::Malformed
            };
            Err(ImportError::at(
                e.line() as u64,
                e.column() as u64,
                kind,
                format!("malformed json: {message}"),
            ))
        }
    }
}

struct Node<'w, 'p, P> {
    w: &'w mut Walker<'p, P>,
}

impl<'de, P: Plan> DeserializeSeed<'de> for Node<'_, '_, P> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.w.plan.action(&self.w.path) {
            Action::Skip => <IgnoredAny as serde::Deserialize>::deserialize(d).map(|_| ()),
            Action::Keep => {
                let value = <Value as serde::Deserialize>::deserialize(d)?;
                let path = self.w.path.clone();
                self.w.plan.value(&path, value).map_err(|p| self.w.fail(p))
            }
            Action::Descend => d.deserialize_any(Container { w: self.w }),
        }
    }
}

struct Container<'w, 'p, P> {
    w: &'w mut Walker<'p, P>,
}

impl<P: Plan> Container<'_, '_, P> {
    fn close<E: de::Error>(self) -> Result<(), E> {
        let path = self.w.path.clone();
        self.w.plan.leave(&path).map_err(|p| self.w.fail(p))
    }

    fn scalar<E: de::Error>(self, what: &str) -> Result<(), E> {
        Err(self.w.fail(Problem::invalid(format!(
            "expected an object or an array, found {what}"
        ))))
    }
}

impl<'de, P: Plan> Visitor<'de> for Container<'_, '_, P> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or an array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            self.w.path.push(Seg::Key(key));
            map.next_value_seed(Node { w: self.w })?;
            self.w.path.pop();
        }
        self.close()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            self.w.path.push(Seg::Index(i));
            let more = seq.next_element_seed(Node { w: self.w })?;
            self.w.path.pop();
            if more.is_none() {
                break;
            }
            i += 1;
        }
        self.close()
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.close()
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar("a boolean")
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar("a number")
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar("a number")
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar("a number")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar("a string")
    }
}

/// Small accessors over kept values, so format code reads like the format's documentation.
pub(crate) trait ValueExt {
    fn at(&self, pointer: &str) -> Option<&Value>;
    fn str_at(&self, pointer: &str) -> Option<&str>;
}

impl ValueExt for Value {
    fn at(&self, pointer: &str) -> Option<&Value> {
        self.pointer(pointer).filter(|v| !v.is_null())
    }

    fn str_at(&self, pointer: &str) -> Option<&str> {
        self.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}
