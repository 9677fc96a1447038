//! Compact group keys and values of correlation inputs.
//!
//! Every matched input of a correlation carries its group-by values and its counted value
//! (a source address, an account, an ASN). Held as `String`s in a `Vec`, that is two to
//! four allocations per input, the largest single cost of correlating sign-in events.
//! Short texts (most addresses, accounts, numbers) are kept inline instead, and a key of
//! one field (nearly every correlation) needs no vector.

use std::fmt;
use std::hash::{Hash, Hasher};

/// Texts up to this many bytes are stored without an allocation.
const INLINE: usize = 22;

/// An immutable text, inline when short.
#[derive(Clone)]
pub(crate) enum Text {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Text {
    pub fn new(s: &str) -> Text {
        if s.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Text::Inline {
                len: s.len() as u8,
                bytes,
            }
        } else {
            Text::Heap(s.into())
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            // Built from a `&str` of exactly these bytes, so the slice is valid UTF-8.
            Text::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Text::Heap(s) => s,
        }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

/// The group-by values of a correlation input (`None`: the field is absent).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    One(Option<Text>),
    Many(Vec<Option<Text>>),
}

impl Key {
    /// A key of `n` values, the `i`-th from `value(i)`.
    pub fn build(n: usize, mut value: impl FnMut(usize) -> Option<Text>) -> Key {
        if n == 1 {
            Key::One(value(0))
        } else {
            Key::Many((0..n).map(value).collect())
        }
    }

    /// A hash of the values that is the same in every engine and every run (FNV-1a), to
    /// divide groups between engines; not for hash tables (group values are chosen by
    /// whoever sends the events, so tables use a seeded hasher).
    pub fn stable_hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut add = |b: u8| h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        let mut text = |v: Option<&Text>| match v {
            // A marker byte keeps an absent value apart from an empty one.
            None => add(0xff),
            Some(t) => {
                t.as_str().bytes().for_each(&mut add);
                add(0);
            }
        };
        match self {
            Key::One(v) => text(v.as_ref()),
            Key::Many(vs) => vs.iter().for_each(|v| text(v.as_ref())),
        }
        h
    }

    /// The `i`-th value, `None` when absent or out of range.
    pub fn get(&self, i: usize) -> Option<&Text> {
        match self {
            Key::One(v) if i == 0 => v.as_ref(),
            Key::One(_) => None,
            Key::Many(v) => v.get(i).and_then(Option::as_ref),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_texts_read_back_and_compare_by_content() {
        for s in [
            "",
            "198.51.100.7",
            "a".repeat(22).as_str(),
            "é".repeat(12).as_str(),
        ] {
            assert_eq!(Text::new(s).as_str(), s);
        }
        assert!(matches!(Text::new(&"x".repeat(22)), Text::Inline { .. }));
        assert!(matches!(Text::new(&"x".repeat(23)), Text::Heap(_)));
        assert_eq!(Text::new("alice"), Text::new("alice"));
        assert_ne!(Text::new("alice"), Text::new("alicf"));
    }

    #[test]
    fn keys_of_one_and_several_values() {
        let one = Key::build(1, |_| Some(Text::new("10.0.0.1")));
        assert!(matches!(one, Key::One(_)));
        assert_eq!(one.get(0).map(Text::as_str), Some("10.0.0.1"));
        assert_eq!(one.get(1), None);
        let two = Key::build(2, |i| (i == 1).then(|| Text::new("bob")));
        assert!(matches!(&two, Key::Many(v) if v.len() == 2));
        assert_eq!(two.get(0), None);
        assert_eq!(two.get(1).map(Text::as_str), Some("bob"));
    }
}
