//! The exercise pages' forms and how each becomes a service input. A criterion is sent as
//! one `inject|viewpoint` value, so the choice stays one select that works without script.

use crate::error::ServiceError;
use deltawall_app::exercises::design::{EditionInput, tracks_from_lines};
use deltawall_app::exercises::evaluation::{RatingInput, SelfInput};
use deltawall_domain::validate::Invalid;
use serde::Deserialize;

fn invalid(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code: "err-bad-request",
    })
}

/// The design form.
#[derive(Debug, Deserialize)]
pub struct DesignForm {
    name_ja: String,
    name_en: String,
    held_on: String,
    ends_at: String,
    feedback_k: String,
    tracks: String,
    schedule_csv: String,
}

impl DesignForm {
    /// The edition it describes.
    pub fn input(self) -> Result<EditionInput, ServiceError> {
        let feedback_k = self
            .feedback_k
            .trim()
            .parse()
            .map_err(|_| invalid("feedback_k", "must be a whole number"))?;
        Ok(EditionInput {
            tracks: tracks_from_lines(&self.tracks)?,
            name_ja: self.name_ja,
            name_en: self.name_en,
            held_on: self.held_on,
            ends_at: self.ends_at,
            feedback_k,
            schedule_csv: self.schedule_csv,
        })
    }
}

/// The schedule import form.
#[derive(Debug, Deserialize)]
pub struct ScheduleForm {
    /// The CSV text.
    pub schedule_csv: String,
}

/// The clock form.
#[derive(Debug, Deserialize)]
pub struct ClockForm {
    /// `start`, `pause` or `resume`.
    pub command: String,
}

/// The release form.
#[derive(Debug, Deserialize)]
pub struct ReleaseForm {
    /// The inject code.
    pub inject: String,
}

fn criterion(raw: &str) -> Result<(String, String), ServiceError> {
    raw.split_once('|')
        .map(|(i, v)| (i.to_owned(), v.to_owned()))
        .ok_or_else(|| invalid("criterion", "must name an inject and a viewpoint"))
}

/// The self-assessment form.
#[derive(Debug, Deserialize)]
pub struct SelfForm {
    criterion: String,
    result: String,
    #[serde(default)]
    reason: String,
}

impl SelfForm {
    /// The self-assessment it describes.
    pub fn input(self) -> Result<SelfInput, ServiceError> {
        let (inject, viewpoint) = criterion(&self.criterion)?;
        Ok(SelfInput {
            inject,
            viewpoint,
            result: self.result,
            reason: self.reason,
        })
    }
}

/// The rating form.
#[derive(Debug, Deserialize)]
pub struct RatingForm {
    org_id: String,
    criterion: String,
    rating: String,
    #[serde(default)]
    comment: String,
}

impl RatingForm {
    /// The rating it describes.
    pub fn input(self) -> Result<RatingInput, ServiceError> {
        let (inject, viewpoint) = criterion(&self.criterion)?;
        Ok(RatingInput {
            org_id: self.org_id,
            inject,
            viewpoint,
            rating: self
                .rating
                .trim()
                .parse()
                .map_err(|_| invalid("rating", "must be a whole number"))?,
            comment: self.comment,
        })
    }
}

/// The media type of a workbook.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A schedule as a one-sheet workbook with the CSV's header and cells, every cell a string.
pub fn schedule_workbook(
    schedule: &deltawall_domain::exercise::schedule::Schedule,
) -> Result<Vec<u8>, ServiceError> {
    use deltawall_domain::exercise::schedule::{CSV_HEADER, to_rows};
    let table = crate::downloads::table::Table {
        sheet: "schedule".to_owned(),
        headers: CSV_HEADER.iter().map(|h| (*h).to_owned()).collect(),
        rows: to_rows(schedule).into_iter().map(Vec::from).collect(),
    };
    crate::downloads::table::xlsx(&table).map_err(|e| ServiceError::Internal(e.into()))
}

/// The CSV text of an uploaded schedule workbook's first sheet; a refusal names the cell.
pub fn schedule_csv_of(bytes: &[u8]) -> Result<String, ServiceError> {
    use crate::downloads::workbook_in::{first_sheet_rows, rows_to_csv};
    let rows = first_sheet_rows(bytes).map_err(|e| ServiceError::Refused {
        code: "err-exercise-refused",
        field: "file",
        message: e.to_string(),
    })?;
    Ok(rows_to_csv(&rows))
}
