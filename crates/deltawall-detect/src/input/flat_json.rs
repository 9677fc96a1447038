//! A JSON Lines event stored flat: every leaf value under its dotted path, in one text
//! arena. Parsing a line this way costs a few allocations instead of one per key and
//! value (`serde_json::Value`), which is most of the reading cost of ECS logs.
//!
//! It answers paths as [`deltawall_event::JsonEvent`] does: `{"source":{"ip":..}}` and
//! `{"source.ip":..}` are both `source.ip`; a path crossing arrays yields every element;
//! objects themselves have no value. Alerts re-parse the kept line for the full event.

use deltawall_event::{Event, Field, Scalar};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A byte range of the arena.
    Str(u32, u32),
    /// An empty array: the path exists with no values.
    Empty,
    /// Overridden by a later duplicate key; dropped once parsing ends.
    Removed,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    path: (u32, u32),
    /// A hash of the path, compared before the text: a look-up then reads the entries
    /// only, not the arena (the event is often read by another thread than its parser).
    hash: u32,
    value: Val,
    /// The value is an array element (so the path yields a list even when alone).
    in_list: bool,
}

/// A JSON object flattened to `(dotted path, scalar)` entries.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatJsonEvent {
    line: Box<str>,
    arena: String,
    entries: Vec<Entry>,
    timestamp_us: Option<i64>,
}

/// Key frames of the objects being read: (key hash, first entry, end entry).
type Frames = Vec<(u64, usize, usize)>;

thread_local! {
    /// Scratch path and key frames reused by [`FlatJsonEvent::parse`] on this thread.
    static SCRATCH: std::cell::RefCell<(String, Frames)> =
        const { std::cell::RefCell::new((String::new(), Vec::new())) };
}

/// Builds the entries while serde walks the document.
struct Builder {
    arena: String,
    entries: Vec<Entry>,
    /// The current path (dotted), reused across keys.
    path: String,
    /// Keys of the objects being read (hash, first entry, end entry), one frame per
    /// object, to let a duplicate key replace the earlier value as `serde_json` does.
    keys: Frames,
    /// Whether some entries were marked [`Val::Removed`].
    removed: bool,
}

/// The hash an entry keeps of its path.
fn path_hash(path: &str) -> u32 {
    // Folded to 32 bits to keep an entry at 32 bytes; the text is compared on a match.
    let h = fnv1a(path);
    (h ^ (h >> 32)) as u32
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

impl Builder {
    /// A key at `key_start` of the current path was read: if the object already had it,
    /// the earlier value's entries are removed (the last duplicate wins).
    fn replace_duplicate(&mut self, frame: usize, key_start: usize) {
        let key = &self.path[key_start..];
        let h = fnv1a(key);
        let mut removed = false;
        for k in frame..self.keys.len() {
            let (kh, b, e) = self.keys[k];
            if kh != h || b >= e {
                continue;
            }
            let first = self.entries[b].path;
            let p = &self.arena[first.0 as usize..first.1 as usize];
            let same = p.get(key_start..).is_some_and(|rest| {
                rest.strip_prefix(key)
                    .is_some_and(|r| r.is_empty() || r.starts_with('.'))
            });
            if same {
                self.entries[b..e]
                    .iter_mut()
                    .for_each(|x| x.value = Val::Removed);
                removed = true;
            }
        }
        self.removed |= removed;
        let at = self.entries.len();
        self.keys.push((h, at, at));
    }
}

impl Builder {
    fn push(&mut self, value: Val, in_list: bool) {
        let start = self.arena.len();
        self.arena.push_str(&self.path);
        let path = (start as u32, self.arena.len() as u32);
        self.entries.push(Entry {
            path,
            hash: path_hash(&self.path),
            value,
            in_list,
        });
    }

    fn push_str(&mut self, s: &str, in_list: bool) {
        let start = self.arena.len();
        self.arena.push_str(s);
        let v = Val::Str(start as u32, self.arena.len() as u32);
        self.push(v, in_list);
    }
}

/// Deserialises one value at the builder's current path; `.1` tells whether the value is
/// an array element.
struct Seed<'b>(&'b mut Builder, bool);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.push(Val::Null, self.1);
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.0.push(Val::Bool(v), self.1);
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.0.push(Val::Int(v), self.1);
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        // Like serde_json's `as_i64`: too large for i64 reads as a float.
        self.0.push(
            i64::try_from(v).map_or(Val::Float(v as f64), Val::Int),
            self.1,
        );
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.0.push(Val::Float(v), self.1);
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v, self.1);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let before = self.0.entries.len();
        while seq.next_element_seed(Seed(&mut *self.0, true))?.is_some() {}
        // An array is a value of its own path even when it holds only objects (whose
        // entries sit under longer paths): the path exists with no scalar values, as
        // `JsonEvent` answers it.
        let here = self.0.path.len() as u32;
        let direct = self.0.entries[before..]
            .iter()
            .any(|e| e.path.1 - e.path.0 == here);
        if !direct {
            self.0.push(Val::Empty, true);
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let outer = self.0.path.len();
        let frame = self.0.keys.len();
        loop {
            if outer > 0 {
                self.0.path.push('.');
            }
            let key_start = self.0.path.len();
            if map.next_key_seed(KeySeed(&mut self.0.path))?.is_none() {
                self.0.path.truncate(outer);
                break;
            }
            self.0.replace_duplicate(frame, key_start);
            let slot = self.0.keys.len() - 1;
            map.next_value_seed(Seed(&mut *self.0, false))?;
            // Nested objects pushed and popped their own frames above this key's slot.
            self.0.keys.truncate(slot + 1);
            self.0.keys[slot].2 = self.0.entries.len();
            self.0.path.truncate(outer);
        }
        self.0.keys.truncate(frame);
        Ok(())
    }
}

/// Appends an object key to the current path without allocating it.
struct KeySeed<'p>(&'p mut String);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }
}

impl FlatJsonEvent {
    /// Parses one line holding a JSON object.
    pub fn parse(line: &str) -> Result<FlatJsonEvent, String> {
        if !line.trim_start().starts_with('{') {
            return Err("a JSON line must hold an object".into());
        }
        // The path and key scratch buffers outlive the line (one pair per reader thread):
        // growing them afresh cost several allocations per event.
        let (path, keys) = SCRATCH.with_borrow_mut(|(p, k)| (std::mem::take(p), std::mem::take(k)));
        let mut b = Builder {
            arena: String::with_capacity(line.len()),
            entries: Vec::with_capacity(16),
            path,
            keys,
            removed: false,
        };
        b.path.clear();
        b.keys.clear();
        let mut de = serde_json::Deserializer::from_str(line);
        let parsed = Seed(&mut b, false)
            .deserialize(&mut de)
            .and_then(|()| de.end());
        SCRATCH
            .with_borrow_mut(|s| *s = (std::mem::take(&mut b.path), std::mem::take(&mut b.keys)));
        parsed.map_err(|e| format!("invalid JSON: {e}"))?;
        if b.removed {
            b.entries.retain(|e| e.value != Val::Removed);
        }
        let mut event = FlatJsonEvent {
            line: line.into(),
            arena: b.arena,
            entries: b.entries,
            timestamp_us: None,
        };
        event.timestamp_us = super::jsonl::TIME_PATHS
            .iter()
            .find_map(|p| event.first(p).and_then(|v| event.time_of(v)));
        Ok(event)
    }

    fn text(&self, (s, e): (u32, u32)) -> &str {
        &self.arena[s as usize..e as usize]
    }

    fn scalar(&self, v: Val) -> Scalar<'_> {
        match v {
            Val::Null => Scalar::Null,
            Val::Bool(b) => Scalar::Bool(b),
            Val::Int(i) => Scalar::Int(i),
            Val::Float(f) => Scalar::Float(f),
            Val::Str(s, e) => Scalar::Str(self.text((s, e))),
            Val::Empty | Val::Removed => Scalar::Null,
        }
    }

    fn matching<'s>(&'s self, path: &'s str) -> impl Iterator<Item = &'s Entry> + 's {
        let hash = path_hash(path);
        self.entries
            .iter()
            .filter(move |e| e.hash == hash && self.text(e.path) == path)
    }

    fn first(&self, path: &str) -> Option<Val> {
        self.matching(path)
            .map(|e| e.value)
            .find(|v| *v != Val::Empty)
    }

    fn time_of(&self, v: Val) -> Option<i64> {
        let value = match self.scalar(v) {
            Scalar::Str(s) => Value::from(s),
            Scalar::Int(i) => Value::from(i),
            Scalar::Float(f) => Value::from(f),
            _ => return None,
        };
        super::jsonl::timestamp_value(&value)
    }

    /// The first string value at `path`.
    pub fn first_str(&self, path: &str) -> Option<&str> {
        match self.first(path)? {
            Val::Str(s, e) => Some(self.text((s, e))),
            _ => None,
        }
    }
}

impl Event for FlatJsonEvent {
    fn get(&self, path: &str) -> Option<Field<'_>> {
        let mut entries = self.matching(path);
        let first = entries.next()?;
        match entries.next() {
            None if !first.in_list => Some(Field::One(self.scalar(first.value))),
            second => {
                let values = std::iter::once(first).chain(second).chain(entries);
                let all = values
                    .filter(|e| e.value != Val::Empty)
                    .map(|e| self.scalar(e.value))
                    .collect();
                Some(Field::Many(all))
            }
        }
    }

    fn any_str(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        self.entries.iter().any(|e| match e.value {
            Val::Str(s, end) => visit(self.text((s, end))),
            _ => false,
        })
    }

    fn timestamp_us(&self) -> Option<i64> {
        self.timestamp_us
    }

    fn to_json(&self) -> Value {
        serde_json::from_str(&self.line).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltawall_event::JsonEvent;
    use proptest::prelude::*;

    /// The flat event answers every path exactly as the shared `JsonEvent` does.
    #[track_caller]
    fn check_same(line: &str, paths: &[&str]) {
        let flat = FlatJsonEvent::parse(line).unwrap();
        let tree = JsonEvent::new(serde_json::from_str(line).unwrap(), None).unwrap();
        for p in paths {
            assert_eq!(flat.get(p), tree.get(p), "{p} in {line}");
        }
        assert_eq!(flat.to_json(), tree.to_json());
    }

    #[test]
    fn agrees_with_json_event() {
        let line = r#"{"a":{"b":1,"c":[1,"x",null,true],"d":{"e":2.5}},"s.t":"u","arr":[{"k":1},{"k":2}],"big":18446744073709551615}"#;
        check_same(
            line,
            &[
                "a.b", "a.c", "a.d.e", "a.d", "s.t", "arr.k", "big", "nope", "a",
            ],
        );
        check_same(r#"{"e\"sc":"a\nb"}"#, &["e\"sc"]);
        // Duplicate keys: the last one wins, as in serde_json.
        check_same(
            r#"{"e":{"c":["x"],"a":1,"c":"y"},"e":{"a":2,"c":"z","d":{"k":1}},"f":1,"f":[],"g":1,"g":2,"g":3}"#,
            &["e.a", "e.c", "e.d.k", "f", "e", "g"],
        );
    }

    #[test]
    fn arrays_of_objects_exist_without_values() {
        // Found by the `flat_json` fuzz target: an array holding only objects is a field
        // with no scalar values (so `exists` holds), at every depth.
        check_same(r#"{"b":[{"b":[{}]}]}"#, &["b", "b.b", "a"]);
        check_same(
            r#"{"b":[{"c":1}],"d":[{"c":1},2],"e":[[{}]]}"#,
            &["b", "b.c", "d", "d.c", "e"],
        );
    }

    #[test]
    fn refuses_non_objects_and_trailing_data() {
        for line in ["[1]", "1", "{\"a\":1} x", "{", ""] {
            assert!(FlatJsonEvent::parse(line).is_err(), "{line}");
        }
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z ]{0,5}".prop_map(Value::from),
        ]
    }

    proptest! {
        #[test]
        fn same_answers_as_json_event(
            doc in proptest::collection::btree_map("[a-c]{1,2}", prop_oneof![
                leaf(),
                proptest::collection::vec(leaf(), 0..3).prop_map(Value::from),
                proptest::collection::btree_map("[a-c]{1,2}", leaf(), 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
                proptest::collection::vec(
                    proptest::collection::btree_map("[a-c]{1,2}", leaf(), 0..2)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                    0..3,
                ).prop_map(Value::from),
            ], 0..5)
        ) {
            let line = Value::Object(doc.clone().into_iter().collect()).to_string();
            let flat = FlatJsonEvent::parse(&line).unwrap();
            let tree = JsonEvent::new(serde_json::from_str(&line).unwrap(), None).unwrap();
            for a in ["a", "b", "c", "aa", "ab", "ca"] {
                prop_assert_eq!(flat.get(a), tree.get(a));
                for b in ["a", "b", "c", "aa", "bc"] {
                    let p = format!("{a}.{b}");
                    prop_assert_eq!(flat.get(&p), tree.get(&p));
                }
            }
        }
    }
}
