//! Keyset (cursor) paging for lists that grow without bound: a page ends with an opaque
//! cursor holding the sort values of its last row, and the next page starts strictly after
//! them. Unlike an offset, a cursor neither skips nor repeats rows when rows are added
//! while someone pages, and it costs the same on the hundredth page as on the first.

use crate::Result;
use crate::db::Db;
use crate::records::{Bind, bind_all};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

/// The most rows one page may hold.
pub const MAX_LIMIT: i64 = 500;
/// Rows per page when the caller does not say.
pub const DEFAULT_LIMIT: i64 = 100;

/// One sort value of a row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Key {
    /// An integer column (times in µs, scores).
    Int(i64),
    /// A text column (ids, days).
    Text(String),
}

/// The type of one sort column, which each value of a cursor must have: a client can
/// forge a cursor of the right length, and a text where the database compares an integer
/// is refused here rather than by the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An integer column.
    Int,
    /// A text column.
    Text,
}

/// One sort column of a list: its SQL expression, direction and type.
pub type Col = (&'static str, Dir, Kind);

/// A position in a list: the sort values of the last row shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(pub Vec<Key>);

/// Why a cursor from a client cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cursor: not one this list handed out")]
pub struct BadCursor;

impl Key {
    fn kind(&self) -> Kind {
        match self {
            Key::Int(_) => Kind::Int,
            Key::Text(_) => Kind::Text,
        }
    }
}

impl Cursor {
    /// The cursor as a URL-safe string (hex of its JSON; opaque to clients).
    pub fn encode(&self) -> String {
        let json = serde_json::to_string(&self.0).expect("keys serialise");
        json.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a cursor handed out by [`Cursor::encode`], expecting `arity` values.
    pub fn decode(s: &str, arity: usize) -> Result<Cursor, BadCursor> {
        if !s.len().is_multiple_of(2) || s.len() > 2048 {
            return Err(BadCursor);
        }
        let bytes = (0..s.len())
            .step_by(2)
            .map(|i| {
                u8::from_str_radix(s.get(i..i + 2).ok_or(BadCursor)?, 16).map_err(|_| BadCursor)
            })
            .collect::<Result<Vec<u8>, _>>()?;
        let keys: Vec<Key> = serde_json::from_slice(&bytes).map_err(|_| BadCursor)?;
        if keys.len() == arity {
            Ok(Cursor(keys))
        } else {
            Err(BadCursor)
        }
    }

    /// Whether the cursor has one value of the right type per column of `order`; the
    /// first value that does not fit is named (from 1).
    pub fn check(&self, order: &[Col]) -> Result<(), crate::StoreError> {
        if self.0.len() != order.len() {
            return Err(crate::StoreError::BadCursor(format!(
                "{} values for a list sorted on {}",
                self.0.len(),
                order.len()
            )));
        }
        match self.0.iter().zip(order).position(|(k, c)| k.kind() != c.2) {
            None => Ok(()),
            Some(i) => Err(crate::StoreError::BadCursor(format!(
                "value {} is {} where the list sorts on {}",
                i + 1,
                kind_name(self.0[i].kind()),
                kind_name(order[i].2)
            ))),
        }
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Int => "an integer",
        Kind::Text => "a text",
    }
}

/// The direction of one sort column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// The condition "sorts after `cursor`" for columns `order` (SQL expressions with their
/// direction), binding the cursor's values from placeholder `first` on.
pub(crate) fn after(order: &[Col], cursor: &Cursor, first: usize) -> (String, Vec<Bind>) {
    let binds: Vec<Bind> = cursor
        .0
        .iter()
        .map(|k| match k {
            Key::Int(i) => Bind::Int(*i),
            Key::Text(t) => Bind::Text(t.clone()),
        })
        .collect();
    let mut ors = Vec::new();
    for (i, (col, dir, _)) in order.iter().enumerate() {
        let mut ands: Vec<String> = order[..i]
            .iter()
            .enumerate()
            .map(|(j, (c, _, _))| format!("{c} = ${}", first + j))
            .collect();
        let op = if *dir == Dir::Desc { "<" } else { ">" };
        ands.push(format!("{col} {op} ${}", first + i));
        ors.push(format!("({})", ands.join(" AND ")));
    }
    (format!("({})", ors.join(" OR ")), binds)
}

/// The `ORDER BY` list for `order`.
pub(crate) fn order_by(order: &[Col]) -> String {
    order
        .iter()
        .map(|(c, d, _)| format!("{c} {}", if *d == Dir::Desc { "DESC" } else { "ASC" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows of one page and the cursor of the next, if there are more.
#[derive(Debug, Clone, PartialEq)]
pub struct KeysetPage<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Where the next page starts, when there is one.
    pub next: Option<String>,
}

impl<T> KeysetPage<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says there is more.
    pub(crate) fn from_rows(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> Vec<Key>) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next = if more {
            rows.last().map(|r| Cursor(key(r)).encode())
        } else {
            None
        };
        KeysetPage { items: rows, next }
    }
}

/// A keyset query: `select` is `SELECT … WHERE …` (no order, no limit) with its `binds`.
pub(crate) struct Query<'a> {
    /// The statement up to its conditions.
    pub select: String,
    /// Its bound values, in placeholder order.
    pub binds: Vec<Bind>,
    /// The list's order.
    pub order: &'a [Col],
}

impl Query<'_> {
    /// Runs one page of the query after `after`: adds the keyset condition, the order and
    /// `limit + 1` (the extra row only says there is more), maps the rows and keys the last.
    pub(crate) async fn page<T>(
        self,
        db: &mut Db,
        after: Option<&Cursor>,
        limit: i64,
        map: fn(&AnyRow) -> Result<T>,
        key: impl Fn(&T) -> Vec<Key>,
    ) -> Result<KeysetPage<T>> {
        let Query {
            mut select,
            mut binds,
            order,
        } = self;
        if let Some(c) = after {
            c.check(order)?;
            let (cond, more) = self::after(order, c, binds.len() + 1);
            select.push_str(&format!(" AND {cond}"));
            binds.extend(more);
        }
        select.push_str(&format!(
            " ORDER BY {} LIMIT {}",
            order_by(order),
            limit + 1
        ));
        let rows = bind_all(sqlx::query(AssertSqlSafe(select)), &binds)
            .fetch_all(&mut *db)
            .await?;
        let items = rows.iter().map(map).collect::<Result<Vec<_>>>()?;
        Ok(KeysetPage::from_rows(items, limit, key))
    }
}

impl Query<'_> {
    /// Every row of the query, read [`MAX_LIMIT`] rows a page: for lists used whole (a
    /// work list, a choice list, a figure's source), which must never stop silently at
    /// the end of one page however many rows there are.
    pub(crate) async fn all<T>(
        self,
        db: &mut Db,
        map: fn(&AnyRow) -> Result<T>,
        key: impl Fn(&T) -> Vec<Key>,
    ) -> Result<Vec<T>> {
        let (mut out, mut after) = (Vec::new(), None::<Cursor>);
        loop {
            let query = Query {
                select: self.select.clone(),
                binds: self.binds.clone(),
                order: self.order,
            };
            let page = query.page(db, after.as_ref(), MAX_LIMIT, map, &key).await?;
            let more = page.next.is_some();
            // The next page starts after the last row's keys, taken from the row itself
            // rather than decoded back from the opaque cursor.
            after = page.items.last().map(|r| Cursor(key(r)));
            out.extend(page.items);
            if !more {
                return Ok(out);
            }
        }
    }
}

/// The cursor of the page after one this store handed out for a list sorted on `order`,
/// for lists read whole through their `page` function.
pub(crate) fn resume(next: Option<String>, order: &[Col]) -> Result<Option<Cursor>> {
    next.map(|n| {
        Cursor::decode(&n, order.len()).map_err(|e| crate::StoreError::BadCursor(e.to_string()))
    })
    .transpose()
}

/// A requested page size bounded to `1..=MAX_LIMIT`.
pub fn clamp_limit(limit: Option<i64>) -> i64 {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_others() {
        let c = Cursor(vec![Key::Int(-5), Key::Text("a'b".into())]);
        assert_eq!(Cursor::decode(&c.encode(), 2), Ok(c.clone()));
        assert_eq!(Cursor::decode(&c.encode(), 3), Err(BadCursor));
        for bad in ["", "zz", "7", "5b5d", &"ab".repeat(2000)] {
            assert_eq!(Cursor::decode(bad, 2), Err(BadCursor), "{bad}");
        }
    }

    #[test]
    fn after_is_lexicographic() {
        let c = Cursor(vec![Key::Int(1), Key::Text("x".into())]);
        let order = [
            ("f.t", Dir::Desc, Kind::Int),
            ("f.id", Dir::Asc, Kind::Text),
        ];
        let (sql, binds) = after(&order, &c, 3);
        assert_eq!(sql, "((f.t < $3) OR (f.t = $3 AND f.id > $4))");
        assert_eq!(binds.len(), 2);
        assert_eq!(order_by(&order), "f.t DESC, f.id ASC");
    }

    #[test]
    fn a_cursor_fits_only_its_columns_types() {
        let order = [
            ("f.t", Dir::Desc, Kind::Int),
            ("f.id", Dir::Asc, Kind::Text),
        ];
        let fits = Cursor(vec![Key::Int(1), Key::Text("x".into())]);
        assert!(fits.check(&order).is_ok());
        let cases = [
            (
                vec![Key::Text("1".into()), Key::Text("x".into())],
                "value 1 is a text",
            ),
            (vec![Key::Int(1), Key::Int(2)], "value 2 is an integer"),
            (vec![Key::Int(1)], "1 values for a list sorted on 2"),
        ];
        for (keys, says) in cases {
            let err = Cursor(keys).check(&order).unwrap_err().to_string();
            assert!(err.contains(says), "{err}");
        }
    }
}
