//! One poller per edition shared by all of a process's live streams. Each connected reader
//! used to re-read its own pulse every interval, so 2,000 participants meant 1,000 queries a
//! second and starved the pool; now one task per edition reads every reader's pulse in one
//! go ([`play::pulses`](deltawall_store::exercises::play::pulses)) and publishes it through
//! a `watch` channel, and each stream picks out its own. The poller still reads the
//! database, so a release written by another `serve` process reaches this one's readers at
//! its next poll. It starts with the first subscriber and stops when the last one leaves.

use super::play::{Pulse, changes};
use crate::supervision::clock::Clock;
use deltawall_store::exercises::ExerciseError;
use deltawall_store::exercises::play::{self, Pulses};
use deltawall_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::watch;

/// How often the poller reads when nothing in this process signals a change: a scheduled
/// inject falls due, or another `serve` process released one.
pub const EVERY: Duration = Duration::from_secs(2);

/// What a poller publishes: nothing before its first read, then every reader's pulse, or
/// that the edition is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beat {
    /// Not read yet.
    Pending,
    /// Every reader's pulse as last read.
    Live(Arc<Pulses>),
    /// The edition no longer exists.
    Gone,
}

impl Beat {
    /// The pulse of a reader of `org_id`: the organiser's, or that of the institution's
    /// track; `None` for anyone who neither organises nor plays, or once the edition is
    /// gone, so that the stream ends. Unreleased injects are never in it: each track's codes
    /// come from the same release computation as the pages.
    pub fn pulse_for(&self, org_id: &str) -> Option<Pulse> {
        let Beat::Live(p) = self else {
            return None;
        };
        let released = if p.organiser == org_id {
            p.organiser_codes.clone()
        } else {
            p.participants
                .iter()
                .find(|(org, _)| org == org_id)
                .map(|(_, codes)| codes.clone())?
        };
        Some(Pulse {
            status: p.status,
            released,
        })
    }
}

type Registry = Mutex<HashMap<String, watch::Sender<Beat>>>;

fn registry() -> &'static Registry {
    static POLLERS: OnceLock<Registry> = OnceLock::new();
    POLLERS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Subscribes to the edition's shared poller, starting it when none runs. Call only after
/// the reader was authorised: the beat holds every reader's codes (never content), and the
/// caller picks out its own with [`Beat::pulse_for`]. The receiver is marked changed so
/// the caller compares the poller's latest beat with what it already sent.
pub fn subscribe(store: &Store, clock: &Clock, exercise_id: &str) -> watch::Receiver<Beat> {
    let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
    let mut rx = match map.get(exercise_id) {
        Some(tx) => tx.subscribe(),
        None => {
            let (tx, rx) = watch::channel(Beat::Pending);
            map.insert(exercise_id.to_owned(), tx.clone());
            let poller = Poller {
                store: store.clone(),
                clock: clock.clone(),
                id: exercise_id.to_owned(),
                tx,
            };
            tokio::spawn(poller.run());
            rx
        }
    };
    rx.mark_changed();
    rx
}

/// The task behind one edition's channel.
struct Poller {
    store: Store,
    clock: Clock,
    id: String,
    tx: watch::Sender<Beat>,
}

impl Poller {
    async fn run(self) {
        let mut local = changes(&self.id);
        loop {
            match self.read().await {
                Ok(p) => self.publish(Beat::Live(Arc::new(p))),
                Err(ExerciseError::Store(StoreError::NotFound(_))) => self.publish(Beat::Gone),
                // A busy pool or a dropped connection: keep the last beat and read again at
                // the next interval.
                Err(e) => tracing::warn!(error = %e, "exercise poller read failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(EVERY) => {}
                // The sender lives as long as the process; an error cannot happen.
                _ = local.changed() => {}
                () = self.tx.closed() => {
                    if self.retire() {
                        return;
                    }
                }
            }
        }
    }

    async fn read(&self) -> Result<Pulses, ExerciseError> {
        let mut conn = self.store.read().await?;
        play::pulses(&mut conn, &self.id, self.clock.now_us()).await
    }

    /// Sends only a beat that differs, so streams wake up only when a pulse may change.
    fn publish(&self, beat: Beat) {
        self.tx.send_if_modified(|old| {
            if *old == beat {
                false
            } else {
                *old = beat;
                true
            }
        });
    }

    /// Leaves the registry when nobody listens any more. Decided under the registry's lock,
    /// where subscribers are added, so a reader arriving now either keeps this poller alive
    /// or starts a new one.
    fn retire(&self) -> bool {
        let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
        if self.tx.receiver_count() > 0 {
            return false;
        }
        if map.get(&self.id).is_some_and(|t| t.same_channel(&self.tx)) {
            map.remove(&self.id);
        }
        true
    }
}

/// Whether an edition has a running poller in this process (for tests of its lifetime).
pub fn polling(exercise_id: &str) -> bool {
    let map = registry().lock().unwrap_or_else(|e| e.into_inner());
    map.contains_key(exercise_id)
}
