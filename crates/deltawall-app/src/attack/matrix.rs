//! The matrix a page draws from a layer: one column per tactic of the release, each cell a
//! technique of the layer with its score and colour, and the same cells as a table. Made
//! from the layer itself so that the picture, the table and the JSON carry the same numbers.

use deltawall_attack::{Layer, Release};
use serde::Serialize;

/// One coloured cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The technique id.
    pub technique: String,
    /// Its name in the release, or empty when the release does not have it.
    pub name: String,
    /// The layer's score.
    pub score: Option<i64>,
    /// The background colour, `#rrggbb`.
    pub color: String,
    /// The layer's comment.
    pub comment: String,
}

/// One tactic column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// The tactic's short name; empty for techniques the release does not place.
    pub tactic: String,
    /// Its display name.
    pub name: String,
    /// The layer's techniques under this tactic.
    pub cells: Vec<Cell>,
}

/// One table row: a technique with every tactic it is shown under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The cell.
    pub cell: Cell,
    /// Tactic short names, comma-separated.
    pub tactics: String,
}

/// The matrix and the table of one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    /// Columns with at least one technique, in the release's tactic order.
    pub columns: Vec<Column>,
    /// Every technique of the layer, in the layer's order.
    pub rows: Vec<Row>,
}

/// The colour of a score on the layer's gradient (linear between its first and last
/// colour), or the technique's own colour, or white.
fn color_of(layer: &Layer, explicit: Option<&str>, score: Option<i64>) -> String {
    if let Some(c) = explicit {
        return c.to_owned();
    }
    let (Some(g), Some(score)) = (&layer.gradient, score) else {
        return "#ffffff".to_owned();
    };
    let (Some(lo), Some(hi)) = (g.colors.first(), g.colors.last()) else {
        return "#ffffff".to_owned();
    };
    let span = (g.max_value - g.min_value).max(1) as f64;
    let f = ((score - g.min_value) as f64 / span).clamp(0.0, 1.0);
    let channel = |c: &str, i: usize| {
        u8::from_str_radix(c.get(1 + 2 * i..3 + 2 * i).unwrap_or("ff"), 16).unwrap_or(255)
    };
    let mix: Vec<String> = (0..3)
        .map(|i| {
            let (a, b) = (f64::from(channel(lo, i)), f64::from(channel(hi, i)));
            format!("{:02x}", (a + (b - a) * f).round() as u8)
        })
        .collect();
    format!("#{}", mix.concat())
}

/// Draws the matrix of a layer against a release (its tactics and technique names); with
/// no release every technique goes to one unplaced column.
pub fn matrix(layer: &Layer, release: Option<&Release>) -> Matrix {
    let mut columns: Vec<Column> = release
        .map(|r| {
            r.tactics
                .iter()
                .map(|t| Column {
                    tactic: t.shortname.clone(),
                    name: t.name.clone(),
                    cells: Vec::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut unplaced = Vec::new();
    let mut rows = Vec::new();
    for t in &layer.techniques {
        let known = release.and_then(|r| r.technique(&t.technique_id));
        let cell = Cell {
            technique: t.technique_id.to_string(),
            name: known.map(|k| k.name.clone()).unwrap_or_default(),
            score: t.score,
            color: color_of(layer, t.color.as_deref(), t.score),
            comment: t.comment.clone().unwrap_or_default(),
        };
        let tactics: Vec<String> = match (&t.tactic, known) {
            (Some(one), _) => vec![one.clone()],
            (None, Some(k)) => k.tactics.clone(),
            (None, None) => Vec::new(),
        };
        let mut placed = false;
        for tactic in &tactics {
            if let Some(col) = columns.iter_mut().find(|c| &c.tactic == tactic) {
                col.cells.push(cell.clone());
                placed = true;
            }
        }
        if !placed {
            unplaced.push(cell.clone());
        }
        rows.push(Row {
            cell,
            tactics: tactics.join(", "),
        });
    }
    columns.retain(|c| !c.cells.is_empty());
    if !unplaced.is_empty() {
        columns.push(Column {
            tactic: String::new(),
            name: String::new(),
            cells: unplaced,
        });
    }
    Matrix { columns, rows }
}
