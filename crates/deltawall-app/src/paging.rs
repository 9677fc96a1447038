//! Which page of a long list a caller asks for: a cursor from the previous page (opaque)
//! and a page size, both checked here so every list refuses a forged cursor the same way.

use crate::{SResult, ServiceError};
use deltawall_domain::validate::Invalid;
use deltawall_store::keyset::{self, Cursor};
use serde::Deserialize;

/// A request for one page.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub struct PageRequest {
    /// The `next` cursor of the previous page; absent for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 500 (100 when absent).
    #[serde(default)]
    pub limit: Option<i64>,
}

impl PageRequest {
    /// The cursor, read for a list whose order has `arity` columns.
    pub fn cursor(&self, arity: usize) -> SResult<Option<Cursor>> {
        match self.cursor.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(raw) => Cursor::decode(raw, arity).map(Some).map_err(|_| {
                ServiceError::Invalid(Invalid {
                    field: "cursor",
                    reason: "is not a cursor this list handed out",
                    code: "err-bad-request",
                })
            }),
        }
    }

    /// The page size, bounded.
    pub fn limit(&self) -> i64 {
        keyset::clamp_limit(self.limit)
    }
}
