//! The reminders an institution was sent, all of them, newest first and paged with a
//! cursor: the page `/tasks/reminders` (the inbox at `/requests` shows only the latest)
//! and `GET /api/v1/tasks/reminders`. Institutions only, as the inbox.

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiUser, Query, UiUser};
use crate::i18n::Lang;
use crate::layout::{CursorPager, Layout, paged_json, render};
use crate::router::AppState;
use crate::supervision::requests::views::reminder_text;
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use deltawall_app::paging::PageRequest;
use deltawall_app::supervision::requests;
use deltawall_store::sup_reminders::{SentReminder, Subject};

/// One reminder as shown to the institution, linking to where it answers.
#[derive(Debug, Clone)]
pub struct ReminderLine {
    /// When it was sent.
    pub at: i64,
    /// The phrase.
    pub text: String,
    /// Its task or alert page, when the reminder's subject still has one for the reader.
    pub href: Option<String>,
}

impl ReminderLine {
    /// The line of a recorded reminder.
    pub fn new(lang: Lang, r: &SentReminder) -> ReminderLine {
        let href = match r.subject {
            Subject::Request => r.task_id.as_ref().map(|t| format!("/tasks/{t}")),
            Subject::Alert => Some(format!("/alerts/{}", r.subject_id)),
        };
        ReminderLine {
            at: r.sent_at,
            text: reminder_text(lang, r),
            href,
        }
    }
}

/// `GET /tasks/reminders`: every reminder, a page at a time.
#[derive(Template)]
#[template(path = "supervision/requests/reminder_list.html")]
pub struct ReminderListPage {
    /// Layout.
    pub l: Layout,
    /// One page of reminders.
    pub reminders: Vec<ReminderLine>,
    /// The next page and back to the first.
    pub pager: CursorPager,
}

/// `GET /tasks/reminders`.
pub async fn page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<PageRequest>,
) -> Result<Response, AppError> {
    let page = requests::reminders(user.ctx(&state), &q)
        .await
        .map_err(user.err())?;
    let l = user.layout("req-reminders-all", "requests", None);
    Ok(render(&ReminderListPage {
        pager: CursorPager::new(&user.path, page.next.as_deref()),
        reminders: page
            .items
            .iter()
            .map(|r| ReminderLine::new(user.lang, r))
            .collect(),
        l,
    }))
}

/// The reminders sent to the caller's institution, newest first; one page, the next in
/// `Link: rel="next"`. A reminder about a request names the institution's task of it
/// (`task_id`). The latest ten are also in `GET /api/v1/tasks`.
#[utoipa::path(get, path = "/api/v1/tasks/reminders", tag = "supervision", params(PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api(
    State(state): State<AppState>,
    user: ApiUser,
    uri: Uri,
    Query(q): Query<PageRequest>,
) -> Result<Response, AppError> {
    let page = requests::reminders(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    Ok(paged_json(&uri, page.items, page.next.as_deref()))
}
