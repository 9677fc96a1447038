//! Many rows a statement on PostgreSQL with one bound value: a batch is sent as one JSON
//! array of objects and unpacked server side by `json_to_recordset($n::json) AS r(col
//! type, …)` (or `json_array_elements_text` for a list of ids). `json`, not `jsonb`: the
//! array is read once, so building its binary form and sorting each object's keys would be
//! wasted work.
//!
//! Why: a multi-row `VALUES` with one `$N` per value makes PostgreSQL parse, plan and type
//! ten thousand parameters per statement, which cost more than the rows themselves
//! (docs/BENCHMARKS.md). sqlx's `Any` driver cannot bind arrays, so the batch travels as
//! text; JSON is the encoding because `serde_json` escapes every quote, backslash and control
//! character, so no value can break out of its field. PostgreSQL refuses a NUL character
//! (`\u0000`) when it unpacks a field into text (as it does in any text bind), so such a
//! batch fails whole, writing nothing.
//! SQLite keeps anonymous `?` per value: its statements are cheap to prepare.

use crate::Result;
use serde::Serialize;

/// `rows` as one JSON array, for a `jsonb_to_recordset` or `jsonb_array_elements_text`
/// bind.
pub(crate) fn rows_json<T: Serialize>(rows: &[T]) -> Result<String> {
    serde_json::to_string(rows).map_err(|e| sqlx::Error::Encode(Box::new(e)).into())
}

#[cfg(test)]
mod tests {
    use super::rows_json;

    #[derive(serde::Serialize)]
    struct Row<'a> {
        id: &'a str,
        n: Option<i64>,
    }

    #[test]
    fn values_that_need_escaping_stay_inside_their_field() {
        let rows = [
            Row {
                id: "a\"b\\c,{d}",
                n: Some(1),
            },
            Row {
                id: "検知\n",
                n: None,
            },
        ];
        assert_eq!(
            rows_json(&rows).unwrap(),
            r#"[{"id":"a\"b\\c,{d}","n":1},{"id":"検知\n","n":null}]"#
        );
    }
}
