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
use deltawall_app::Ctx;
use deltawall_app::exercises::play::{self, Pulse};
use deltawall_domain::Actor;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::watch;

/// How often a connected reader's pulse is recomputed when nothing signals a change: a
/// scheduled inject falls due, or another `serve` process released one.
const EVERY: Duration = Duration::from_secs(2);

/// One stream's state: what it reads with, and the pulse last sent.
struct Watch {
    state: AppState,
    actor: Actor,
    id: String,
    /// Clock commands and releases committed by this process: recompute at once.
    changes: watch::Receiver<u64>,
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
                    tokio::select! {
                        () = tokio::time::sleep(EVERY) => {}
                        // The sender lives as long as the process: an error cannot happen,
                        // and would only mean waiting for the next poll.
                        _ = self.changes.changed() => {}
                    }
                    let ctx = Ctx {
                        store: &self.state.store,
                        actor: &self.actor,
                        ip: None,
                    };
                    play::pulse(ctx, &self.state.config.clock, &self.id)
                        .await
                        .ok()?
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
/// see the edition, before any stream starts.
pub async fn events(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let first = play::pulse(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    let changes = play::changes(&id);
    let watch = Watch {
        state,
        actor: user.info.actor.clone(),
        changes,
        id,
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
