//! Blind play: the exercise clock and the one rule deciding which injects are released.
//!
//! The clock starts, may pause and resume, and always closes at the edition's end time,
//! paused or not. An inject is released when the running clock reaches its offset, or
//! earlier when a controller releases it, but never before every inject it depends on.
//! A participant sees only released injects of its own track ([`visible_injects`]); the
//! store reads injects for participants through this rule and nothing else.

use super::ResponseKind;
use super::schedule::{Inject, Schedule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Something a controller did to the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ClockEvent {
    /// The clock started.
    Start {
        /// When, Unix µs.
        at_us: i64,
    },
    /// The clock paused.
    Pause {
        /// When, Unix µs.
        at_us: i64,
    },
    /// The clock resumed.
    Resume {
        /// When, Unix µs.
        at_us: i64,
    },
}

impl ClockEvent {
    /// When it happened.
    pub fn at_us(self) -> i64 {
        match self {
            ClockEvent::Start { at_us }
            | ClockEvent::Pause { at_us }
            | ClockEvent::Resume { at_us } => at_us,
        }
    }
}

/// Where the clock stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Not started yet.
    NotStarted,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Closed at its end time.
    Closed,
}

/// Why a clock command or a response was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlayError {
    /// The command does not fit the clock's state.
    #[error("clock: cannot {command} while {state:?}")]
    Clock {
        /// What was asked.
        command: &'static str,
        /// The state it was asked in.
        state: ClockState,
    },
    /// A command dated before the last one.
    #[error("clock: {command} at {at_us} is before the last event")]
    OutOfOrder {
        /// What was asked.
        command: &'static str,
        /// When.
        at_us: i64,
    },
    /// The end time is not after the start.
    #[error("end_at: must be after the scheduled start")]
    EndBeforeStart,
    /// The exercise has closed.
    #[error("exercise closed at {closed_at_us}")]
    Closed {
        /// The end time.
        closed_at_us: i64,
    },
    /// The inject is unknown or not visible to the participant.
    #[error("inject {code}: not released to this participant")]
    NotReleased {
        /// The inject.
        code: String,
    },
}

/// The exercise clock: its end time and what controllers did to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    end_at_us: i64,
    events: Vec<ClockEvent>,
}

impl Clock {
    /// A clock that will close at `end_at_us` whatever happens.
    pub fn new(end_at_us: i64) -> Clock {
        Clock {
            end_at_us,
            events: Vec::new(),
        }
    }

    /// A clock rebuilt from stored events, checked as if they were applied in order.
    pub fn from_events(end_at_us: i64, events: &[ClockEvent]) -> Result<Clock, PlayError> {
        events
            .iter()
            .try_fold(Clock::new(end_at_us), |clock, &e| clock.apply(e))
    }

    /// When the exercise closes.
    pub fn end_at_us(&self) -> i64 {
        self.end_at_us
    }

    /// The events so far.
    pub fn events(&self) -> &[ClockEvent] {
        &self.events
    }

    /// Applies a controller's event, refusing one that does not fit the state at its time.
    pub fn apply(&self, event: ClockEvent) -> Result<Clock, PlayError> {
        let (command, at_us) = match event {
            ClockEvent::Start { at_us } => ("start", at_us),
            ClockEvent::Pause { at_us } => ("pause", at_us),
            ClockEvent::Resume { at_us } => ("resume", at_us),
        };
        if self.events.last().is_some_and(|e| e.at_us() > at_us) {
            return Err(PlayError::OutOfOrder { command, at_us });
        }
        if matches!(event, ClockEvent::Start { .. }) && at_us >= self.end_at_us {
            return Err(PlayError::EndBeforeStart);
        }
        let state = self.state(at_us);
        let fits = matches!(
            (event, state),
            (ClockEvent::Start { .. }, ClockState::NotStarted)
                | (ClockEvent::Pause { .. }, ClockState::Running)
                | (ClockEvent::Resume { .. }, ClockState::Paused)
        );
        if !fits {
            return Err(PlayError::Clock { command, state });
        }
        let mut next = self.clone();
        next.events.push(event);
        Ok(next)
    }

    /// The events that had happened by `now_us`, clipped to the end time.
    fn events_by(&self, now_us: i64) -> impl Iterator<Item = ClockEvent> + '_ {
        let limit = now_us.min(self.end_at_us);
        self.events
            .iter()
            .copied()
            .filter(move |e| e.at_us() <= limit)
    }

    /// The clock's state at an instant.
    pub fn state(&self, now_us: i64) -> ClockState {
        let last = self.events_by(now_us).last();
        match last {
            None => ClockState::NotStarted,
            Some(_) if now_us >= self.end_at_us => ClockState::Closed,
            Some(ClockEvent::Pause { .. }) => ClockState::Paused,
            Some(_) => ClockState::Running,
        }
    }

    /// How long the clock had run by `now_us` (µs): pauses excluded, frozen at the end.
    pub fn elapsed_us(&self, now_us: i64) -> i64 {
        let now = now_us.min(self.end_at_us);
        self.running_spans(now).map(|(from, to)| to - from).sum()
    }

    /// The wall-clock spans during which the clock ran, up to `now` (already clipped).
    fn running_spans(&self, now: i64) -> impl Iterator<Item = (i64, i64)> + '_ {
        let mut open: Option<i64> = None;
        let mut spans = Vec::new();
        for e in self.events_by(now) {
            match e {
                ClockEvent::Start { at_us } | ClockEvent::Resume { at_us } => open = Some(at_us),
                ClockEvent::Pause { at_us } => {
                    if let Some(from) = open.take() {
                        spans.push((from, at_us));
                    }
                }
            }
        }
        if let Some(from) = open {
            spans.push((from, now.max(from)));
        }
        spans.into_iter()
    }

    /// The wall-clock instant, as known at `now_us`, when the clock reached `offset_us`;
    /// `None` if it had not by then.
    pub fn reached_at(&self, offset_us: i64, now_us: i64) -> Option<i64> {
        let now = now_us.min(self.end_at_us);
        let mut run = 0i64;
        for (from, to) in self.running_spans(now) {
            if run + (to - from) >= offset_us {
                return Some(from + (offset_us - run).max(0));
            }
            run += to - from;
        }
        None
    }
}

/// A controller released an inject before its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlyRelease {
    /// The inject.
    pub code: String,
    /// When, Unix µs.
    pub at_us: i64,
}

/// When each inject was released, as known at `now_us`: the earlier of its offset being
/// reached and a controller's release, but never before its dependencies. Injects not
/// released by then are absent.
pub fn release_times(
    schedule: &Schedule,
    clock: &Clock,
    early: &[EarlyRelease],
    now_us: i64,
) -> BTreeMap<String, i64> {
    let mut early_at: BTreeMap<&str, i64> = BTreeMap::new();
    for e in early {
        if e.at_us <= now_us
            && e.at_us < clock.end_at_us()
            && clock.state(e.at_us) != ClockState::NotStarted
        {
            let slot = early_at.entry(e.code.as_str()).or_insert(e.at_us);
            *slot = (*slot).min(e.at_us);
        }
    }
    let mut released = BTreeMap::new();
    // Injects come in dependency order, so each dependency is decided before its dependants.
    for inject in schedule.injects() {
        let own = [
            clock.reached_at(inject.offset_us(), now_us),
            early_at.get(inject.code.as_str()).copied(),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(mut at) = own else { continue };
        let mut ready = true;
        for dep in &inject.depends_on {
            match released.get(dep) {
                Some(&dep_at) => at = at.max(dep_at),
                None => ready = false,
            }
        }
        if ready {
            released.insert(inject.code.clone(), at);
        }
    }
    released
}

/// The injects a participant playing `track` sees at `now_us`: released ones of its own
/// track, in release order (dependencies first on ties). This is the only way participants read injects.
pub fn visible_injects<'a>(
    schedule: &'a Schedule,
    clock: &Clock,
    early: &[EarlyRelease],
    track: &str,
    now_us: i64,
) -> Vec<(&'a Inject, i64)> {
    let released = release_times(schedule, clock, early, now_us);
    let mut visible: Vec<(&Inject, i64)> = schedule
        .injects()
        .iter()
        .filter(|i| i.track == track)
        .filter_map(|i| released.get(&i.code).map(|&at| (i, at)))
        .collect();
    // Stable: injects released together keep the schedule's order, dependencies first.
    visible.sort_by_key(|&(_, at)| at);
    visible
}

/// A participant's recorded decision or notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The inject answered.
    pub inject: String,
    /// What it is.
    pub kind: ResponseKind,
    /// When it was recorded, Unix µs.
    pub at_us: i64,
    /// What was decided or sent, to whom.
    pub text: String,
}

/// Checks that a participant of `track` may record a response at `now_us`: the exercise is
/// open and the inject is released to that track.
pub fn check_response(
    schedule: &Schedule,
    clock: &Clock,
    early: &[EarlyRelease],
    track: &str,
    inject: &str,
    now_us: i64,
) -> Result<(), PlayError> {
    if now_us >= clock.end_at_us() {
        return Err(PlayError::Closed {
            closed_at_us: clock.end_at_us(),
        });
    }
    let visible = visible_injects(schedule, clock, early, track, now_us)
        .iter()
        .any(|(i, _)| i.code == inject);
    if !visible {
        return Err(PlayError::NotReleased {
            code: inject.to_owned(),
        });
    }
    Ok(())
}

/// For each released inject, the time from its release to the first response (µs);
/// `None` when nobody responded. Responses recorded before a release do not count.
pub fn time_to_first_response(
    released: &BTreeMap<String, i64>,
    responses: &[Response],
) -> BTreeMap<String, Option<i64>> {
    released
        .iter()
        .map(|(code, &at)| {
            let first = responses
                .iter()
                .filter(|r| &r.inject == code && r.at_us >= at)
                .map(|r| r.at_us - at)
                .min();
            (code.clone(), first)
        })
        .collect()
}
