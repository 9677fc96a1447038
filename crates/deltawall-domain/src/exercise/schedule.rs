//! An edition's inject schedule: each inject's track, phase, offset on the exercise clock,
//! dependencies, expected actions and evaluation criteria by viewpoint, and its CSV form.
//!
//! A schedule is accepted whole or not at all: an unknown dependency, a cycle, a duplicate
//! code or an inject without expected actions refuses the schedule, naming the inject (and
//! the CSV row when it came from a file).

use super::{InjectKind, MINUTE_US, UnknownCode, Viewpoint, parse_code};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What a participant is expected to do, from one viewpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectation {
    /// The viewpoint it is evaluated from.
    pub viewpoint: Viewpoint,
    /// The expected action, in the organiser's words.
    pub text: String,
}

/// One inject of a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inject {
    /// Its code, unique in the edition (for example `B-03`).
    pub code: String,
    /// The code of the track it belongs to.
    pub track: String,
    /// The scenario phase (1-based) it belongs to.
    pub phase: u32,
    /// When it is released, in minutes after the exercise clock starts.
    pub offset_min: u32,
    /// What it is.
    pub kind: InjectKind,
    /// Its title.
    pub title: String,
    /// What participants read once it is released.
    pub body: String,
    /// Injects that must be released before this one.
    pub depends_on: Vec<String>,
    /// Expected actions by viewpoint; never empty in an accepted schedule.
    pub expected: Vec<Expectation>,
    /// Evaluation criteria by viewpoint.
    pub criteria: Vec<Expectation>,
    /// Within how many minutes of release a first response counts as timely.
    pub respond_within_min: Option<u32>,
}

impl Inject {
    /// Its offset on the exercise clock in microseconds.
    pub fn offset_us(&self) -> i64 {
        i64::from(self.offset_min) * MINUTE_US
    }
}

/// Why a schedule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Two injects share a code.
    #[error("inject {code}: duplicate code")]
    DuplicateCode {
        /// The code.
        code: String,
    },
    /// An inject depends on a code that is not in the schedule.
    #[error("inject {code}: depends on unknown inject {dependency}")]
    UnknownDependency {
        /// The dependent inject.
        code: String,
        /// The missing dependency.
        dependency: String,
    },
    /// Dependencies form a cycle.
    #[error("inject {code}: dependency cycle {}", cycle.join(" -> "))]
    Cycle {
        /// An inject on the cycle.
        code: String,
        /// The cycle, starting and ending at `code`.
        cycle: Vec<String>,
    },
    /// An inject has no expected actions.
    #[error("inject {code}: no expected actions")]
    NoExpectedActions {
        /// The inject.
        code: String,
    },
    /// An inject has no code or no title.
    #[error("inject {code:?}: {field} is empty")]
    Empty {
        /// The inject's code (possibly empty).
        code: String,
        /// The empty field.
        field: &'static str,
    },
}

/// A validated schedule: codes unique, dependencies known and acyclic, every inject with
/// expected actions. Injects are kept in a dependency order (each after its dependencies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    injects: Vec<Inject>,
}

impl Schedule {
    /// Validates injects into a schedule.
    pub fn new(injects: Vec<Inject>) -> Result<Schedule, ScheduleError> {
        let mut by_code = BTreeMap::new();
        for inject in &injects {
            check_inject(inject)?;
            if by_code.insert(inject.code.clone(), inject).is_some() {
                return Err(ScheduleError::DuplicateCode {
                    code: inject.code.clone(),
                });
            }
        }
        for inject in &injects {
            if let Some(missing) = inject
                .depends_on
                .iter()
                .find(|d| !by_code.contains_key(d.as_str()))
            {
                return Err(ScheduleError::UnknownDependency {
                    code: inject.code.clone(),
                    dependency: missing.clone(),
                });
            }
        }
        let order = dependency_order(&injects)?;
        let mut slots: Vec<Option<Inject>> = injects.into_iter().map(Some).collect();
        let injects = order.into_iter().filter_map(|i| slots[i].take()).collect();
        Ok(Schedule { injects })
    }

    /// The injects, each after its dependencies.
    pub fn injects(&self) -> &[Inject] {
        &self.injects
    }

    /// The inject with a code.
    pub fn inject(&self, code: &str) -> Option<&Inject> {
        self.injects.iter().find(|i| i.code == code)
    }

    /// The codes of the tracks the schedule uses.
    pub fn tracks(&self) -> BTreeSet<&str> {
        self.injects.iter().map(|i| i.track.as_str()).collect()
    }
}

fn check_inject(inject: &Inject) -> Result<(), ScheduleError> {
    let empty = |field| ScheduleError::Empty {
        code: inject.code.clone(),
        field,
    };
    if inject.code.trim().is_empty() {
        return Err(empty("code"));
    }
    if inject.track.trim().is_empty() {
        return Err(empty("track"));
    }
    if inject.title.trim().is_empty() {
        return Err(empty("title"));
    }
    if inject.expected.is_empty() {
        return Err(ScheduleError::NoExpectedActions {
            code: inject.code.clone(),
        });
    }
    Ok(())
}

/// Depth-first topological order; a back edge names the cycle it closes.
fn dependency_order(injects: &[Inject]) -> Result<Vec<usize>, ScheduleError> {
    let index: BTreeMap<&str, usize> = injects
        .iter()
        .enumerate()
        .map(|(i, inject)| (inject.code.as_str(), i))
        .collect();
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut mark = vec![0u8; injects.len()];
    let mut order = Vec::with_capacity(injects.len());
    for root in 0..injects.len() {
        if mark[root] != 0 {
            continue;
        }
        // An explicit stack of (node, next dependency to look at) so deep chains cannot
        // overflow the call stack.
        let mut stack = vec![(root, 0usize)];
        mark[root] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let deps = &injects[node].depends_on;
            if *next < deps.len() {
                let dep = index[deps[*next].as_str()];
                *next += 1;
                match mark[dep] {
                    0 => {
                        mark[dep] = 1;
                        stack.push((dep, 0));
                    }
                    1 => return Err(cycle_error(injects, &stack, dep)),
                    _ => {}
                }
            } else {
                mark[node] = 2;
                order.push(node);
                stack.pop();
            }
        }
    }
    Ok(order)
}

fn cycle_error(injects: &[Inject], stack: &[(usize, usize)], back_to: usize) -> ScheduleError {
    let start = stack.iter().position(|&(n, _)| n == back_to).unwrap_or(0);
    let mut cycle: Vec<String> = stack[start..]
        .iter()
        .map(|&(n, _)| injects[n].code.clone())
        .collect();
    cycle.push(injects[back_to].code.clone());
    ScheduleError::Cycle {
        code: injects[back_to].code.clone(),
        cycle,
    }
}

/// The CSV header of a schedule, in column order.
pub const CSV_HEADER: [&str; 11] = [
    "code",
    "track",
    "phase",
    "offset_min",
    "kind",
    "title",
    "body",
    "depends_on",
    "expected_actions",
    "criteria",
    "respond_within_min",
];

/// Why a CSV schedule was refused; nothing of it is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// The text is not well-formed CSV.
    #[error("row {row}: {message}")]
    Syntax {
        /// 1-based row (the header is row 1).
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// The header is not [`CSV_HEADER`].
    #[error("row 1: header must be {}", CSV_HEADER.join(","))]
    Header,
    /// A cell could not be read.
    #[error("row {row}, column {column}: {message}")]
    Cell {
        /// 1-based row.
        row: usize,
        /// The column name.
        column: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The rows parsed but the schedule is invalid.
    #[error("row {row}: {error}")]
    Schedule {
        /// The row of the inject named by the error.
        row: usize,
        /// The schedule error.
        error: ScheduleError,
    },
}

/// Reads a schedule from CSV (RFC 4180 quoting, a header of [`CSV_HEADER`]).
///
/// Lists inside a cell are separated by `;`; an expectation is `viewpoint=text`.
pub fn from_csv(text: &str) -> Result<Schedule, CsvError> {
    let rows = super::csv::parse(text).map_err(|e| CsvError::Syntax {
        row: e.row,
        message: e.message,
    })?;
    let mut rows = rows.into_iter();
    match rows.next() {
        Some((_, header)) if header == CSV_HEADER => {}
        _ => return Err(CsvError::Header),
    }
    let mut injects = Vec::new();
    let mut row_of = BTreeMap::new();
    for (row, cells) in rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let inject = inject_from_row(row, &cells)?;
        row_of.entry(inject.code.clone()).or_insert(row);
        injects.push(inject);
    }
    Schedule::new(injects).map_err(|error| {
        let code = match &error {
            ScheduleError::DuplicateCode { code }
            | ScheduleError::UnknownDependency { code, .. }
            | ScheduleError::Cycle { code, .. }
            | ScheduleError::NoExpectedActions { code }
            | ScheduleError::Empty { code, .. } => code,
        };
        let row = match &error {
            // The first row holds the first use of the code; a duplicate is the later one.
            ScheduleError::DuplicateCode { .. } => row_of_duplicate(text, code),
            _ => row_of.get(code).copied(),
        };
        CsvError::Schedule {
            row: row.unwrap_or(0),
            error,
        }
    })
}

fn row_of_duplicate(text: &str, code: &str) -> Option<usize> {
    let rows = super::csv::parse(text).ok()?;
    rows.iter()
        .filter(|(_, cells)| cells.first().map(String::as_str) == Some(code))
        .nth(1)
        .map(|(row, _)| *row)
}

fn inject_from_row(row: usize, cells: &[String]) -> Result<Inject, CsvError> {
    if cells.len() != CSV_HEADER.len() {
        return Err(CsvError::Syntax {
            row,
            message: format!("expected {} columns, got {}", CSV_HEADER.len(), cells.len()),
        });
    }
    let cell = |i: usize| cells[i].trim();
    let bad = |column: &'static str, message: String| CsvError::Cell {
        row,
        column,
        message,
    };
    let number = |i: usize| -> Result<u32, CsvError> {
        cell(i)
            .parse::<u32>()
            .map_err(|_| bad(CSV_HEADER[i], format!("not a whole number: {:?}", cell(i))))
    };
    let kind = parse_code("kind", cell(4), InjectKind::from_code)
        .map_err(|e| bad("kind", format!("unknown code {:?}", e.code)))?;
    let respond_within_min = if cell(10).is_empty() {
        None
    } else {
        Some(number(10)?)
    };
    let code = cell(0).to_owned();
    let expected = expectations(cell(8)).map_err(|e| bad("expected_actions", e.to_string()))?;
    if expected.is_empty() {
        return Err(CsvError::Schedule {
            row,
            error: ScheduleError::NoExpectedActions { code },
        });
    }
    Ok(Inject {
        code,
        track: cell(1).to_owned(),
        phase: number(2)?,
        offset_min: number(3)?,
        kind,
        title: cell(5).to_owned(),
        body: cells[6].clone(),
        depends_on: list(cell(7)).map(str::to_owned).collect(),
        expected,
        criteria: expectations(cell(9)).map_err(|e| bad("criteria", e.to_string()))?,
        respond_within_min,
    })
}

fn list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn expectations(cell: &str) -> Result<Vec<Expectation>, UnknownCode> {
    list(cell)
        .map(|item| {
            let (viewpoint, text) = item.split_once('=').unwrap_or((item, ""));
            Ok(Expectation {
                viewpoint: parse_code("viewpoint", viewpoint.trim(), Viewpoint::from_code)?,
                text: text.trim().to_owned(),
            })
        })
        .collect()
}

/// The schedule's rows in the order of [`CSV_HEADER`], the cells [`to_csv`] writes (a
/// workbook export writes the same cells).
pub fn to_rows(schedule: &Schedule) -> Vec<[String; 11]> {
    let join = |items: &[Expectation]| {
        items
            .iter()
            .map(|e| format!("{}={}", e.viewpoint.code(), e.text))
            .collect::<Vec<_>>()
            .join(";")
    };
    schedule
        .injects()
        .iter()
        .map(|i| {
            [
                i.code.clone(),
                i.track.clone(),
                i.phase.to_string(),
                i.offset_min.to_string(),
                i.kind.code().to_owned(),
                i.title.clone(),
                i.body.clone(),
                i.depends_on.join(";"),
                join(&i.expected),
                join(&i.criteria),
                i.respond_within_min
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect()
}

/// Writes a schedule as CSV that [`from_csv`] reads back to the same schedule.
pub fn to_csv(schedule: &Schedule) -> String {
    let mut out = String::new();
    super::csv::write_row(&mut out, CSV_HEADER.iter().copied());
    for cells in to_rows(schedule) {
        super::csv::write_row(&mut out, cells.iter().map(String::as_str));
    }
    out
}
