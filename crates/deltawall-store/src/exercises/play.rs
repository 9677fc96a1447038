//! Blind play in storage: the clock's events, controllers' early releases, responses, and
//! [`injects_for`], the one function through which inject content is read.
//!
//! Which injects are released is never stored as a flag that could drift: it is computed
//! from the schedule, the clock's events and the early releases by the domain's
//! [`release_times`], at the instant the caller passes in.

use super::ExerciseError;
use super::edition::{self, Edition};
use crate::db::Db;
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{StoreError, new_id};
use deltawall_domain::OrgScope;
use deltawall_domain::exercise::play::{
    Clock, ClockEvent, ClockState, EarlyRelease, PlayError, Response, check_response,
    release_times, time_to_first_response, visible_injects,
};
use deltawall_domain::exercise::schedule::{Inject, Schedule};
use deltawall_domain::exercise::{ResponseKind, parse_code};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// Everything that decides what is released: read in one go, inside the caller's
/// connection or transaction, and shared through the process's cache (see [`state`]).
#[derive(Debug, Clone)]
pub struct PlayState {
    /// The edition.
    pub edition: Edition,
    /// Its schedule.
    schedule: Schedule,
    /// Its clock.
    pub clock: Clock,
    /// Controllers' early releases.
    pub early: Vec<EarlyRelease>,
}

impl PlayState {
    /// When each inject was released by `now_us` (codes and times only, no content).
    pub fn release_times(&self, now_us: i64) -> BTreeMap<String, i64> {
        release_times(&self.schedule, &self.clock, &self.early, now_us)
    }

    /// The version this state was read at, from its own content.
    fn version(&self) -> Version {
        Version {
            clock_events: i64::try_from(self.clock.events().len()).unwrap_or(i64::MAX),
            releases: i64::try_from(self.early.len()).unwrap_or(i64::MAX),
        }
    }
}

/// What identifies an edition's play state once its clock started: clock events and
/// early releases are only ever appended (`apply_clock`, `release_early`), and the
/// schedule, tracks and end time never change after the first clock event
/// (`edition::replace_schedule` refuses), so the two counts change whenever the state
/// does. Read in one query by every caller, they make a cached state safe across several
/// `serve` processes on one database: a change written by another process changes the
/// counts this process reads next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version {
    clock_events: i64,
    releases: i64,
}

/// The version of an edition's play state with, for `org_id`, the track it plays: one
/// query, all a response or a participant's pulse needs when the state is cached.
async fn version_and_track(
    db: &mut Db,
    exercise_id: &str,
    org_id: &str,
) -> Result<(Version, Option<String>), ExerciseError> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM exercise_clock_events WHERE exercise_id = $1) AS clock_events, \
         (SELECT COUNT(*) FROM exercise_releases WHERE exercise_id = $1) AS releases, \
         (SELECT track FROM exercise_participants WHERE exercise_id = $1 AND org_id = $2) AS track",
    )
    .bind(exercise_id.to_owned())
    .bind(org_id.to_owned())
    .fetch_one(&mut *db)
    .await?;
    let version = Version {
        clock_events: row.try_get("clock_events")?,
        releases: row.try_get("releases")?,
    };
    Ok((version, row.try_get("track")?))
}

/// Editions whose state the process holds; beyond this many the cache starts afresh
/// (a sector plays a handful of editions at once).
const CACHED_EDITIONS: usize = 64;

/// Play states by exercise id. Exercise ids are random, so two databases opened by one
/// process (tests run both engines) never share an entry.
fn cache() -> &'static Mutex<HashMap<String, Arc<PlayState>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<PlayState>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The cached state of `exercise_id` if it was read at `version`. Before the clock starts
/// nothing is cached: the schedule may still be replaced without changing the counts.
fn cached(exercise_id: &str, version: Version) -> Option<Arc<PlayState>> {
    if version.clock_events == 0 {
        return None;
    }
    let map = cache().lock().unwrap_or_else(|e| e.into_inner());
    map.get(exercise_id)
        .filter(|s| s.version() == version)
        .cloned()
}

fn remember(exercise_id: &str, state: &Arc<PlayState>) {
    if state.version().clock_events == 0 {
        return;
    }
    let mut map = cache().lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= CACHED_EDITIONS && !map.contains_key(exercise_id) {
        map.clear();
    }
    map.insert(exercise_id.to_owned(), Arc::clone(state));
}

/// Reads an edition's play state: from the process's cache when the version read in one
/// query matches the cached one, otherwise from its six tables. The version kept with an
/// entry is counted from the rows actually read, so a change committed between the two
/// reads can never be filed under the older version.
pub async fn state(db: &mut Db, exercise_id: &str) -> Result<Arc<PlayState>, ExerciseError> {
    let (version, _) = version_and_track(db, exercise_id, "").await?;
    state_at(db, exercise_id, version).await
}

async fn state_at(
    db: &mut Db,
    exercise_id: &str,
    version: Version,
) -> Result<Arc<PlayState>, ExerciseError> {
    if let Some(s) = cached(exercise_id, version) {
        return Ok(s);
    }
    let s = Arc::new(read_state(db, exercise_id).await?);
    remember(exercise_id, &s);
    Ok(s)
}

async fn read_state(db: &mut Db, exercise_id: &str) -> Result<PlayState, ExerciseError> {
    let edition = edition::get(db, exercise_id).await?;
    let schedule = edition::schedule(db, exercise_id).await?;
    let clock = Clock::from_events(edition.end_at_us, &clock_events(db, exercise_id).await?)?;
    let early = sqlx::query("SELECT code, at_us FROM exercise_releases WHERE exercise_id = $1")
        .bind(exercise_id.to_owned())
        .fetch_all(&mut *db)
        .await?
        .iter()
        .map(|r| {
            Ok(EarlyRelease {
                code: r.try_get("code")?,
                at_us: r.try_get("at_us")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(PlayState {
        edition,
        schedule,
        clock,
        early,
    })
}

async fn clock_events(db: &mut Db, exercise_id: &str) -> Result<Vec<ClockEvent>, ExerciseError> {
    let rows = sqlx::query(
        "SELECT event, at_us FROM exercise_clock_events WHERE exercise_id = $1 ORDER BY seq",
    )
    .bind(exercise_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            let event: String = r.try_get("event")?;
            let at_us: i64 = r.try_get("at_us")?;
            match event.as_str() {
                "start" => Ok(ClockEvent::Start { at_us }),
                "pause" => Ok(ClockEvent::Pause { at_us }),
                "resume" => Ok(ClockEvent::Resume { at_us }),
                other => Err(edition::corrupt("exercise_clock_events", "event", other)),
            }
        })
        .collect()
}

/// Applies a controller's clock event (start, pause, resume), refused when it does not fit
/// the clock's state at its time.
pub async fn apply_clock(
    db: &mut Db,
    exercise_id: &str,
    event: ClockEvent,
    by: &str,
) -> Result<(), ExerciseError> {
    let e = edition::get(db, exercise_id).await?;
    let events = clock_events(db, exercise_id).await?;
    Clock::from_events(e.end_at_us, &events)?.apply(event)?;
    let code = match event {
        ClockEvent::Start { .. } => "start",
        ClockEvent::Pause { .. } => "pause",
        ClockEvent::Resume { .. } => "resume",
    };
    sqlx::query(
        "INSERT INTO exercise_clock_events (exercise_id, seq, event, at_us, by_user) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(exercise_id.to_owned())
    .bind(i64::try_from(events.len()).unwrap_or(i64::MAX))
    .bind(code)
    .bind(event.at_us())
    .bind(by.to_owned())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// A controller releases an inject before its time. Refused before the start and after the
/// close; a second release of the same inject keeps the first.
pub async fn release_early(
    db: &mut Db,
    exercise_id: &str,
    code: &str,
    by: &str,
    now_us: i64,
) -> Result<(), ExerciseError> {
    let s = state(db, exercise_id).await?;
    if s.schedule.inject(code).is_none() {
        return Err(StoreError::NotFound("inject").into());
    }
    let clock_state = s.clock.state(now_us);
    use deltawall_domain::exercise::play::ClockState as C;
    if matches!(clock_state, C::NotStarted | C::Closed) {
        return Err(PlayError::Clock {
            command: "release",
            state: clock_state,
        }
        .into());
    }
    if s.early.iter().any(|e| e.code == code) {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO exercise_releases (exercise_id, code, at_us, by_user) VALUES ($1, $2, $3, $4)",
    )
    .bind(exercise_id.to_owned())
    .bind(code.to_owned())
    .bind(now_us)
    .bind(by.to_owned())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Who reads an edition's injects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum Viewer {
    /// The organising organisation's staff: every inject, released or not.
    Organiser,
    /// A participating institution, playing one track.
    Participant {
        /// Its track.
        track: String,
    },
}

/// An inject as a viewer reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewedInject {
    /// The inject.
    pub inject: Inject,
    /// When it was released, or `None` while unreleased (organiser only).
    pub released_at_us: Option<i64>,
}

/// What [`injects_for`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InjectsView {
    /// How the reader was treated.
    pub viewer: Viewer,
    /// The injects it may read.
    pub injects: Vec<ViewedInject>,
    /// How many of them are unreleased: the caller audits the organiser's view when this
    /// is above zero.
    pub unreleased_shown: usize,
}

/// The one read of inject content. The organiser's organisation reads the whole schedule
/// (with release times); a participating institution reads only released injects of its
/// own track; anyone else gets `NotFound`, as if the edition did not exist.
pub async fn injects_for(
    db: &mut Db,
    exercise_id: &str,
    viewer_org: &str,
    now_us: i64,
) -> Result<InjectsView, ExerciseError> {
    let s = state(db, exercise_id).await?;
    if s.edition.organiser == viewer_org {
        let released = s.release_times(now_us);
        let injects: Vec<ViewedInject> = s
            .schedule
            .injects()
            .iter()
            .map(|i| ViewedInject {
                inject: i.clone(),
                released_at_us: released.get(&i.code).copied(),
            })
            .collect();
        let unreleased_shown = injects
            .iter()
            .filter(|i| i.released_at_us.is_none())
            .count();
        return Ok(InjectsView {
            viewer: Viewer::Organiser,
            injects,
            unreleased_shown,
        });
    }
    let track = edition::track_of(db, exercise_id, viewer_org)
        .await?
        .ok_or(StoreError::NotFound("exercise edition"))?;
    let injects = visible_injects(&s.schedule, &s.clock, &s.early, &track, now_us)
        .into_iter()
        .map(|(i, at)| ViewedInject {
            inject: i.clone(),
            released_at_us: Some(at),
        })
        .collect();
    Ok(InjectsView {
        viewer: Viewer::Participant { track },
        injects,
        unreleased_shown: 0,
    })
}

/// For every participating institution, the codes of the injects released to it by
/// `now_us` (no content): what a server fans out to connected participants, each of whom
/// then reads the content through [`injects_for`].
pub async fn released_to_participants(
    db: &mut Db,
    exercise_id: &str,
    now_us: i64,
) -> Result<Vec<(String, Vec<String>)>, ExerciseError> {
    let s = state(db, exercise_id).await?;
    released_by_org(db, &s, exercise_id, now_us).await
}

async fn released_by_org(
    db: &mut Db,
    s: &PlayState,
    exercise_id: &str,
    now_us: i64,
) -> Result<Vec<(String, Vec<String>)>, ExerciseError> {
    let mut by_track: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in &s.edition.tracks {
        let codes = visible_injects(&s.schedule, &s.clock, &s.early, &t.code, now_us)
            .into_iter()
            .map(|(i, _)| i.code.clone())
            .collect();
        by_track.insert(t.code.clone(), codes);
    }
    let rows = sqlx::query(
        "SELECT org_id, track FROM exercise_participants WHERE exercise_id = $1 AND track IS NOT NULL ORDER BY org_id",
    )
    .bind(exercise_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            let track: String = r.try_get("track")?;
            Ok((
                r.try_get("org_id")?,
                by_track.get(&track).cloned().unwrap_or_default(),
            ))
        })
        .collect()
}

/// Every reader's pulse of an edition at one instant, from one read: what a shared poller
/// fans out to all of a process's connected streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulses {
    /// Where the clock stands.
    pub status: ClockState,
    /// The organising organisation.
    pub organiser: String,
    /// Codes of every released inject, in schedule order: the organiser's pulse.
    pub organiser_codes: Vec<String>,
    /// For each participating institution with a track, the codes released to it.
    pub participants: Vec<(String, Vec<String>)>,
}

/// The [`Pulses`] of an edition at `now_us`: the version query (the state itself comes
/// from the cache while it is current) and the participants' tracks.
pub async fn pulses(db: &mut Db, exercise_id: &str, now_us: i64) -> Result<Pulses, ExerciseError> {
    let s = state(db, exercise_id).await?;
    let participants = released_by_org(db, &s, exercise_id, now_us).await?;
    let released = s.release_times(now_us);
    let organiser_codes = s
        .schedule
        .injects()
        .iter()
        .filter(|i| released.contains_key(&i.code))
        .map(|i| i.code.clone())
        .collect();
    Ok(Pulses {
        status: s.clock.state(now_us),
        organiser: s.edition.organiser.clone(),
        organiser_codes,
        participants,
    })
}

/// A response to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResponse {
    /// The responding institution.
    pub org_id: String,
    /// The inject answered.
    pub inject: String,
    /// Decision or notification.
    pub kind: ResponseKind,
    /// What was decided or sent.
    pub text: String,
}

/// Records a participant's response at `now_us`: refused after the close and for an inject
/// not released to the institution's track. Returns its id.
pub async fn record_response(
    db: &mut Db,
    exercise_id: &str,
    new: &NewResponse,
    by: &str,
    now_us: i64,
) -> Result<String, ExerciseError> {
    let (version, track) = version_and_track(db, exercise_id, &new.org_id).await?;
    let s = state_at(db, exercise_id, version).await?;
    let track = track.ok_or(StoreError::NotFound("exercise edition"))?;
    check_response(&s.schedule, &s.clock, &s.early, &track, &new.inject, now_us)?;
    insert_response(db, exercise_id, new, by, now_us).await
}

/// One response of a batch: what was entered, who records it, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// The response.
    pub new: NewResponse,
    /// The recording user.
    pub by: String,
    /// When it was entered, Unix µs.
    pub now_us: i64,
}

/// Records a batch of responses to one edition within the caller's transaction, as
/// [`record_response`] would one by one but with one read of the version and of the
/// tracks, and one insert for the accepted ones. Returns, in order, each response's id or
/// why it was refused; an error of the whole batch (the edition is gone, the database
/// failed) leaves nothing written once the caller rolls back.
pub async fn record_responses(
    db: &mut Db,
    exercise_id: &str,
    batch: &[Submitted],
) -> Result<Vec<Result<String, ExerciseError>>, ExerciseError> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let (version, tracks) = version_and_tracks(db, exercise_id, batch).await?;
    let s = state_at(db, exercise_id, version).await?;
    let outcomes: Vec<Result<String, ExerciseError>> = batch
        .iter()
        .map(|b| {
            let track = tracks
                .get(&b.new.org_id)
                .ok_or(StoreError::NotFound("exercise edition"))?;
            check_response(
                &s.schedule,
                &s.clock,
                &s.early,
                track,
                &b.new.inject,
                b.now_us,
            )?;
            Ok(new_id())
        })
        .collect();
    let accepted: Vec<(&String, &Submitted)> = outcomes
        .iter()
        .zip(batch)
        .filter_map(|(o, b)| o.as_ref().ok().map(|id| (id, b)))
        .collect();
    insert_responses(db, exercise_id, &accepted).await?;
    Ok(outcomes)
}

/// The edition's [`Version`] and the tracks of the institutions of `batch`, in one
/// statement (the counts on a row of their own, joined with the tracks found), so a batch
/// costs one round trip before its insert and reads only its own institutions' rows.
async fn version_and_tracks(
    db: &mut Db,
    exercise_id: &str,
    batch: &[Submitted],
) -> Result<(Version, HashMap<String, String>), ExerciseError> {
    let mut orgs: Vec<&str> = batch.iter().map(|b| b.new.org_id.as_str()).collect();
    orgs.sort_unstable();
    orgs.dedup();
    let marks: Vec<String> = (2..orgs.len() + 2).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT v.clock_events, v.releases, p.org_id, p.track FROM \
         (SELECT (SELECT COUNT(*) FROM exercise_clock_events WHERE exercise_id = $1) AS clock_events, \
         (SELECT COUNT(*) FROM exercise_releases WHERE exercise_id = $1) AS releases) v \
         LEFT JOIN exercise_participants p ON p.exercise_id = $1 AND p.track IS NOT NULL \
         AND p.org_id IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(exercise_id.to_owned());
    for org in orgs {
        q = q.bind(org.to_owned());
    }
    let rows = q.fetch_all(&mut *db).await?;
    let first = rows
        .first()
        .ok_or(StoreError::NotFound("exercise edition"))?;
    let version = Version {
        clock_events: first.try_get("clock_events")?,
        releases: first.try_get("releases")?,
    };
    let mut tracks = HashMap::new();
    for r in &rows {
        let org: Option<String> = r.try_get("org_id")?;
        let track: Option<String> = r.try_get("track")?;
        if let (Some(org), Some(track)) = (org, track) {
            tracks.insert(org, track);
        }
    }
    Ok((version, tracks))
}

/// Rows per insert statement: 8 binds each keeps a statement far below SQLite's limit.
const ROWS_PER_INSERT: usize = 100;

async fn insert_responses(
    db: &mut Db,
    exercise_id: &str,
    rows: &[(&String, &Submitted)],
) -> Result<(), ExerciseError> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|n| {
                let b = n * 8;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO exercise_responses (id, exercise_id, org_id, inject_code, kind, text, at_us, recorded_by) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, b) in chunk {
            q = q
                .bind((*id).clone())
                .bind(exercise_id.to_owned())
                .bind(b.new.org_id.clone())
                .bind(b.new.inject.clone())
                .bind(b.new.kind.code())
                .bind(b.new.text.clone())
                .bind(b.now_us)
                .bind(b.by.clone());
        }
        q.execute(&mut *db).await?;
    }
    Ok(())
}

/// What a connected reader polls: the clock state and the codes of the injects released to
/// `viewer_org` at `now_us` (the organiser: every released inject), without content. One
/// query while the state is cached; `NotFound` for anyone who neither organises nor plays.
pub async fn pulse(
    db: &mut Db,
    exercise_id: &str,
    viewer_org: &str,
    now_us: i64,
) -> Result<(ClockState, Vec<String>), ExerciseError> {
    let (version, track) = version_and_track(db, exercise_id, viewer_org).await?;
    let s = state_at(db, exercise_id, version).await?;
    let status = s.clock.state(now_us);
    if s.edition.organiser == viewer_org {
        let released = s.release_times(now_us);
        let codes = s
            .schedule
            .injects()
            .iter()
            .filter(|i| released.contains_key(&i.code))
            .map(|i| i.code.clone())
            .collect();
        return Ok((status, codes));
    }
    let track = track.ok_or(StoreError::NotFound("exercise edition"))?;
    let codes = visible_injects(&s.schedule, &s.clock, &s.early, &track, now_us)
        .into_iter()
        .map(|(i, _)| i.code.clone())
        .collect();
    Ok((status, codes))
}

async fn insert_response(
    db: &mut Db,
    exercise_id: &str,
    new: &NewResponse,
    by: &str,
    now_us: i64,
) -> Result<String, ExerciseError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO exercise_responses (id, exercise_id, org_id, inject_code, kind, text, at_us, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.clone())
    .bind(exercise_id.to_owned())
    .bind(new.org_id.clone())
    .bind(new.inject.clone())
    .bind(new.kind.code())
    .bind(new.text.clone())
    .bind(now_us)
    .bind(by.to_owned())
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredResponse {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// The response.
    pub response: Response,
}

/// Responses of an edition the reader may see: the organiser's organisation sees all;
/// anyone else those of institutions within `scope` (an institution: its own).
pub async fn responses(
    db: &mut Db,
    exercise_id: &str,
    reader_org: &str,
    scope: &OrgScope,
) -> Result<Vec<StoredResponse>, ExerciseError> {
    let clause = org_clause(scope, 3);
    let sql = format!(
        "SELECT r.id, r.org_id, r.inject_code, r.kind, r.text, r.at_us \
         FROM exercise_responses r JOIN organisations o ON o.id = r.org_id \
         JOIN exercises e ON e.id = r.exercise_id \
         WHERE r.exercise_id = $1 AND (e.organiser = $2 OR {}) ORDER BY r.at_us, r.id",
        clause.sql
    );
    let mut binds = vec![
        Bind::Text(exercise_id.to_owned()),
        Bind::Text(reader_org.to_owned()),
    ];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(StoredResponse {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                response: Response {
                    inject: r.try_get("inject_code")?,
                    kind: parse_code("kind", &kind, ResponseKind::from_code)?,
                    at_us: r.try_get("at_us")?,
                    text: r.try_get("text")?,
                },
            })
        })
        .collect()
}

/// For one institution, the time from each inject released to its track to its first
/// response (µs; `None` without a response), as known at `now_us`.
pub async fn first_response_times(
    db: &mut Db,
    exercise_id: &str,
    org_id: &str,
    now_us: i64,
) -> Result<BTreeMap<String, Option<i64>>, ExerciseError> {
    let s = state(db, exercise_id).await?;
    let Some(track) = edition::track_of(db, exercise_id, org_id).await? else {
        return Ok(BTreeMap::new());
    };
    let released: BTreeMap<String, i64> =
        visible_injects(&s.schedule, &s.clock, &s.early, &track, now_us)
            .into_iter()
            .map(|(i, at)| (i.code.clone(), at))
            .collect();
    let own = responses(db, exercise_id, "", &OrgScope::Own(org_id.to_owned())).await?;
    let own: Vec<Response> = own.into_iter().map(|r| r.response).collect();
    Ok(time_to_first_response(&released, &own))
}

/// The schedule and release times, for the organiser's CSV export and evaluation. Crate
/// callers only: participants read through [`injects_for`].
pub(crate) fn schedule_of(s: &PlayState) -> &Schedule {
    &s.schedule
}
