//! Live play without a manual reload: `GET /exercises/editions/{id}/events` streams the
//! reader's pulse (clock state and the codes released to it, never content) as server-sent
//! events whenever it changes, and `/static/exercise.js`, our own small script allowed by
//! the content-security policy (`script-src 'self'`), refetches the page and swaps its
//! tables. Without script the page is complete as served and the reader reloads it.

use crate::error::AppError;
use crate::http::UiUser;
use crate::router::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use deltawall_app::exercises::live::{self, Beat};
use deltawall_app::exercises::play::{self, Pulse};
use std::convert::Infallible;
use tokio::sync::watch;

/// One stream's state: the edition's shared poller, whose pulse to pick, and the pulse
/// last sent.
struct Watch {
    beats: watch::Receiver<Beat>,
    org_id: String,
    next: Option<Pulse>,
    last: Option<Pulse>,
}

impl Watch {
    /// The next changed pulse, or `None` (the stream ends) once the edition is gone or
    /// the reader lost access.
    async fn changed(mut self) -> Option<(Result<Event, Infallible>, Watch)> {
        loop {
            let pulse = match self.next.take() {
                Some(p) => p,
                None => {
                    // The poller keeps its sender while a receiver exists; an error means
                    // it is gone, and so is the stream.
                    self.beats.changed().await.ok()?;
                    let beat = self.beats.borrow_and_update().clone();
                    if beat == Beat::Pending {
                        continue;
                    }
                    beat.pulse_for(&self.org_id)?
                }
            };
            if self.last.as_ref() != Some(&pulse) {
                let key = format!("{:?}:{}", pulse.status, pulse.released.join(","));
                let event = Event::default().event("pulse").data(key);
                self.last = Some(pulse);
                return Some((Ok(event), self));
            }
        }
    }
}

/// `GET /exercises/editions/{id}/events`: refused like the page for anyone who may not
/// see the edition, before any stream starts; then fed by the edition's shared poller.
pub async fn events(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let first = play::pulse(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    let watch = Watch {
        beats: live::subscribe(&state.store, &state.config.clock, &id),
        org_id: user.info.actor.org_id.clone(),
        next: Some(first),
        last: None,
    };
    let stream = futures_util::stream::unfold(watch, Watch::changed);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// `GET /static/exercise.js`.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("exercise.js"),
    )
}
