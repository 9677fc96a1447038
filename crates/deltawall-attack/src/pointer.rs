//! JSON pointers (RFC 6901) for error messages: built while walking a document, or turned
//! from the path `serde_path_to_error` reports.

/// Appends one reference token to a pointer, escaping `~` and `/` as RFC 6901 requires.
pub(crate) fn push(base: &str, token: impl std::fmt::Display) -> String {
    let token = token.to_string().replace('~', "~0").replace('/', "~1");
    format!("{base}/{token}")
}

/// The JSON pointer of the value a typed deserialisation failed on.
pub(crate) fn from_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        out = match segment {
            Segment::Seq { index } => push(&out, index),
            Segment::Map { key } => push(&out, key),
            // enum variants and unknown segments have no place in a pointer
            Segment::Enum { .. } | Segment::Unknown => out,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_escaped() {
        assert_eq!(super::push("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(super::push("", 3), "/3");
    }
}
